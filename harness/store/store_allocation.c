/* Allocation in the store: which tasks may be randomized, recording draws, the rows that
 * `verify` replays, balance by stratum, and the reveal that closes allocation.  The
 * arithmetic of the draws lives in harness/engine/allocation.c; this file holds only SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Is allocation closed (the secret revealed)? */
static upl_status allocation_closed(upl_store *store, int *closed)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(
        store,
        "SELECT revealed_secret IS NOT NULL OR allocation_closed_at IS NOT NULL FROM study "
        "WHERE id = 1",
        &stmt);
    if (rc != UPL_OK)
        return rc;
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_ROW)
        *closed = upl__sql_column_int(stmt, 0) != 0;
    else if (step == UPL_SQL_DONE)
        rc = upl__store_fail(store, UPL_NOTFOUND, "'%s' holds no study", store->path);
    else
        rc = upl__store_sqlfail(store, "cannot read the study");
    upl__sql_finalize(stmt);
    return rc;
}

static upl_status refuse_if_closed(upl_store *store)
{
    int closed = 0;
    upl_status rc = allocation_closed(store, &closed);
    if (rc == UPL_OK && closed)
        rc = upl__store_fail(store, UPL_REFUSED,
                             "allocation is closed: the secret was revealed, so new draws "
                             "would be foreseeable; no task can be randomized any more");
    return rc;
}

void upl_alloc_tasks_free(upl_alloc_task *tasks, size_t n)
{
    if (!tasks)
        return;
    for (size_t i = 0; i < n; i++) {
        free(tasks[i].participant);
        free(tasks[i].category);
    }
    free(tasks);
}

#define TASK_SELECT                                                                                \
    "SELECT t.id, p.handle, t.category, t.seq, t.status, t.forecast_ai_min IS NOT NULL AND "       \
    "t.forecast_no_ai_min IS NOT NULL, EXISTS (SELECT 1 FROM allocation a WHERE a.task_id = "      \
    "t.id) FROM task t JOIN participant p ON p.id = t.participant_id "

/* Why a task cannot be randomized, or NULL when it can; *reason says which. */
static const char *ineligible(upl_sql_stmt *stmt, upl_reason *reason)
{
    const char *status = (const char *)upl__sql_column_text(stmt, 4);
    *reason = UPL_REASON_NONE;
    if (upl__sql_column_int(stmt, 6) ||
        (status && strcmp(status, "planned") != 0 && strcmp(status, "excluded") != 0))
        return "it is assigned already";
    if (status && strcmp(status, "excluded") == 0)
        return "it is excluded";
    if (!upl__sql_column_int(stmt, 5)) {
        *reason = UPL_REASON_NO_FORECASTS;
        return "it has no forecasts yet";
    }
    return NULL;
}

static int by_canonical_order(const void *a, const void *b)
{
    const upl_alloc_task *x = a, *y = b;
    int c = strcmp(x->participant, y->participant);
    if (c)
        return c;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

upl_status upl_store_alloc_eligible(upl_store *store, const int64_t *ids, size_t n_ids,
                                    upl_alloc_task **tasks, size_t *n, size_t *n_waiting)
{
    upl_sql_stmt *stmt = NULL;
    upl_alloc_task *list = NULL;
    size_t count = 0, cap = 0;
    int oom = 0;
    *tasks = NULL;
    *n = 0;
    if (n_waiting)
        *n_waiting = 0;
    upl_status rc = refuse_if_closed(store);
    if (rc != UPL_OK)
        return rc;
    if (n_ids == 0) {
        rc = upl__store_prepare(
            store, TASK_SELECT "WHERE t.status = 'planned' ORDER BY p.handle, t.seq", &stmt);
    } else {
        rc = upl__store_prepare(store, TASK_SELECT "WHERE t.id = ?", &stmt);
    }
    if (rc != UPL_OK)
        return rc;
    for (size_t i = 0; n_ids == 0 || i < n_ids; i++) {
        if (n_ids > 0) {
            upl__sql_reset(stmt);
            upl__sql_bind_int64(stmt, 1, ids[i]);
        }
        int step = upl__sql_step(stmt);
        if (step == UPL_SQL_DONE) {
            if (n_ids == 0)
                break;
            rc = upl__store_fail_why(store, UPL_NOTFOUND, UPL_REASON_NO_TASK, ids[i], 0,
                                     "no task %lld", (long long)ids[i]);
            goto cleanup;
        }
        if (step != UPL_SQL_ROW) {
            rc = upl__store_sqlfail(store, "cannot list the tasks to randomize");
            goto cleanup;
        }
        upl_reason reason;
        const char *why = ineligible(stmt, &reason);
        if (why) {
            if (n_ids == 0) {
                if (n_waiting && !upl__sql_column_int(stmt, 6))
                    (*n_waiting)++;
                continue;
            }
            rc = upl__store_fail_why(store, UPL_REFUSED, reason, ids[i], 0,
                                     "task %lld cannot be randomized: %s", (long long)ids[i], why);
            goto cleanup;
        }
        for (size_t j = 0; j < count; j++)
            if (list[j].id == upl__sql_column_int64(stmt, 0)) {
                rc = upl__store_fail(store, UPL_INVALID, "task %lld is named twice",
                                     (long long)list[j].id);
                goto cleanup;
            }
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            upl_alloc_task *grown = realloc(list, cap * sizeof *grown);
            if (!grown) {
                oom = 1;
                break;
            }
            list = grown;
        }
        upl_alloc_task *t = &list[count++];
        t->id = upl__sql_column_int64(stmt, 0);
        t->participant = upl__store_column_dup(stmt, 1, &oom);
        t->category = upl__store_column_dup(stmt, 2, &oom);
        t->seq = upl__sql_column_int64(stmt, 3);
        if (oom)
            break;
    }
    if (oom) {
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    if (count > 1)
        qsort(list, count, sizeof *list, by_canonical_order);
    *tasks = list;
    *n = count;
    list = NULL;
    count = 0;
cleanup:
    upl_alloc_tasks_free(list, count);
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_alloc_stratum_state(upl_store *store, const char *stratum, size_t *drawn,
                                         size_t *batches)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(
        store, "SELECT count(*), count(DISTINCT block) FROM allocation WHERE stratum = ?", &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, stratum);
    if (upl__sql_step(stmt) == UPL_SQL_ROW) {
        *drawn = (size_t)upl__sql_column_int64(stmt, 0);
        *batches = (size_t)upl__sql_column_int64(stmt, 1);
    } else {
        rc = upl__store_sqlfail(store, "cannot read a stratum's allocations");
    }
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_alloc_next_run(upl_store *store, int64_t *run)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc =
        upl__store_prepare(store, "SELECT coalesce(max(batch), 0) + 1 FROM allocation", &stmt);
    if (rc != UPL_OK)
        return rc;
    if (upl__sql_step(stmt) == UPL_SQL_ROW)
        *run = upl__sql_column_int64(stmt, 0);
    else
        rc = upl__store_sqlfail(store, "cannot read the allocations");
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_alloc_record(upl_store *store, const upl_alloc_record *rec)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK || (rc = refuse_if_closed(store)) != UPL_OK)
        return rc;
    /* The task moves from planned (with both forecasts) to assigned, or nothing happens. */
    if ((rc = upl__store_prepare(store,
                                 "UPDATE task SET status = 'assigned' WHERE id = ? AND status = "
                                 "'planned' AND forecast_ai_min IS NOT NULL AND "
                                 "forecast_no_ai_min IS NOT NULL",
                                 &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_int64(stmt, 1, rec->task_id);
    if ((rc = upl__store_step_done(store, stmt, "cannot assign the task")) != UPL_OK)
        goto cleanup;
    if (upl__sql_changes(stmt) != 1) {
        rc = upl__store_fail(store, UPL_REFUSED,
                             "task %lld cannot be randomized: it is not a planned task with "
                             "both forecasts",
                             (long long)rec->task_id);
        goto cleanup;
    }
    upl__sql_finalize(stmt);
    stmt = NULL;
    if ((rc = upl__store_prepare(store,
                                 "INSERT INTO allocation (task_id, arm, scheme, stratum, position, "
                                 "block, block_size, batch, assigned_at) VALUES (?, ?, ?, ?, ?, "
                                 "?, ?, ?, ?)",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    upl__sql_bind_int64(stmt, 1, rec->task_id);
    upl__sql_bind_text(stmt, 2, rec->arm);
    upl__sql_bind_text(stmt, 3, upl_scheme_name(rec->scheme));
    upl__sql_bind_text(stmt, 4, rec->stratum);
    upl__sql_bind_int64(stmt, 5, (int64_t)rec->position);
    if (rec->scheme != UPL_SCHEME_SIMPLE) {
        upl__sql_bind_int64(stmt, 6, (int64_t)rec->block);
        upl__sql_bind_int64(stmt, 7, (int64_t)rec->block_size);
    }
    upl__sql_bind_int64(stmt, 8, rec->run);
    upl__sql_bind_int64(stmt, 9, upl_store_now(store));
    if (upl__sql_step(stmt) != UPL_SQL_DONE) {
        if (upl__store_constraint_failed(store))
            rc = upl__store_fail(store, UPL_REFUSED,
                                 "task %lld or position %zu of stratum '%s' is allocated already",
                                 (long long)rec->task_id, rec->position, rec->stratum);
        else
            rc = upl__store_sqlfail(store, "cannot record the allocation");
        goto cleanup;
    }
    if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "allocation.draw", "allocation",
                               rec->task_id)) != UPL_OK ||
        (rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "task.assign", "task",
                               rec->task_id)) != UPL_OK)
        goto cleanup;
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

void upl_alloc_rows_free(upl_alloc_row *rows, size_t n)
{
    if (!rows)
        return;
    for (size_t i = 0; i < n; i++) {
        free(rows[i].participant);
        free(rows[i].category);
        free(rows[i].arm);
        free(rows[i].scheme);
        free(rows[i].stratum);
    }
    free(rows);
}

static int64_t int_or(upl_sql_stmt *stmt, int i, int64_t missing)
{
    return upl__sql_column_type(stmt, i) == UPL_SQL_NULL ? missing : upl__sql_column_int64(stmt, i);
}

upl_status upl_store_alloc_rows(upl_store *store, upl_alloc_row **rows, size_t *n)
{
    upl_sql_stmt *stmt = NULL;
    upl_alloc_row *list = NULL;
    size_t count = 0, cap = 0;
    int oom = 0;
    *rows = NULL;
    *n = 0;
    upl_status rc = upl__store_prepare(
        store,
        "SELECT a.task_id, p.handle, t.category, t.seq, a.arm, a.scheme, a.stratum, a.position, "
        "a.block, a.block_size, a.batch, a.assigned_at, t.forecast_ai_min IS NOT NULL AND "
        "t.forecast_no_ai_min IS NOT NULL, t.forecast_at FROM allocation a JOIN task t ON t.id = "
        "a.task_id JOIN participant p ON p.id = t.participant_id ORDER BY a.stratum, a.position",
        &stmt);
    if (rc != UPL_OK)
        return rc;
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        if (count == cap) {
            cap = cap ? 2 * cap : 64;
            upl_alloc_row *grown = realloc(list, cap * sizeof *grown);
            if (!grown) {
                oom = 1;
                break;
            }
            list = grown;
        }
        upl_alloc_row *r = &list[count++];
        memset(r, 0, sizeof *r);
        r->task_id = upl__sql_column_int64(stmt, 0);
        r->participant = upl__store_column_dup(stmt, 1, &oom);
        r->category = upl__store_column_dup(stmt, 2, &oom);
        r->seq = upl__sql_column_int64(stmt, 3);
        r->arm = upl__store_column_dup(stmt, 4, &oom);
        r->scheme = upl__store_column_dup(stmt, 5, &oom);
        r->stratum = upl__store_column_dup(stmt, 6, &oom);
        r->position = upl__sql_column_int64(stmt, 7);
        r->block = int_or(stmt, 8, -1);
        r->block_size = int_or(stmt, 9, -1);
        r->run = int_or(stmt, 10, -1);
        r->assigned_at = upl__sql_column_int64(stmt, 11);
        r->has_forecasts = upl__sql_column_int(stmt, 12);
        r->forecast_at = int_or(stmt, 13, 0);
        if (oom || !r->participant || !r->arm || !r->scheme || !r->stratum) {
            oom = 1;
            break;
        }
    }
    if (oom)
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
    else if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot read the allocations");
    upl__sql_finalize(stmt);
    if (rc != UPL_OK) {
        upl_alloc_rows_free(list, count);
        return rc;
    }
    *rows = list;
    *n = count;
    return UPL_OK;
}

upl_status upl_store_alloc_orphan(upl_store *store, int64_t *task_id)
{
    upl_sql_stmt *stmt = NULL;
    *task_id = 0;
    upl_status rc = upl__store_prepare(
        store,
        "SELECT min(t.id) FROM task t WHERE t.status IN ('assigned', 'in_progress', 'done', "
        "'abandoned') AND NOT EXISTS (SELECT 1 FROM allocation a WHERE a.task_id = t.id)",
        &stmt);
    if (rc != UPL_OK)
        return rc;
    if (upl__sql_step(stmt) == UPL_SQL_ROW)
        *task_id = int_or(stmt, 0, 0);
    else
        rc = upl__store_sqlfail(store, "cannot check the tasks' allocations");
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_alloc_balance(upl_store *store, upl_alloc_balance *out)
{
    upl_sql_stmt *stmt = NULL;
    const upl_protocol *protocol = NULL;
    int oom = 0;
    memset(out, 0, sizeof *out);
    upl_status rc = upl_store_protocol(store, &protocol);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store, "SELECT count(DISTINCT stratum) FROM allocation", &stmt)) !=
        UPL_OK)
        return rc;
    size_t n_strata = 0;
    if (upl__sql_step(stmt) == UPL_SQL_ROW)
        n_strata = (size_t)upl__sql_column_int64(stmt, 0);
    upl__sql_finalize(stmt);
    stmt = NULL;

    out->n_arms = protocol->n_arms;
    out->arms = calloc(protocol->n_arms, sizeof *out->arms);
    out->strata = calloc(n_strata ? n_strata : 1, sizeof *out->strata);
    out->counts = calloc((n_strata ? n_strata : 1) * protocol->n_arms, sizeof *out->counts);
    if (!out->arms || !out->strata || !out->counts)
        goto nomem;
    for (size_t a = 0; a < protocol->n_arms; a++)
        if (!(out->arms[a] = strdup(protocol->arms[a].label)))
            goto nomem;
    if ((rc = upl__store_prepare(store,
                                 "SELECT stratum, arm, count(*) FROM allocation GROUP BY stratum, "
                                 "arm ORDER BY stratum, arm",
                                 &stmt)) != UPL_OK)
        goto fail;
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        const char *stratum = (const char *)upl__sql_column_text(stmt, 0);
        const char *arm = (const char *)upl__sql_column_text(stmt, 1);
        if (out->n_strata == 0 || strcmp(out->strata[out->n_strata - 1], stratum) != 0) {
            if (out->n_strata == n_strata) /* changed under us: cannot happen in a transaction */
                break;
            if (!(out->strata[out->n_strata] = upl__store_column_dup(stmt, 0, &oom)))
                goto nomem;
            out->n_strata++;
        }
        long a = upl_protocol_arm_index(protocol, arm);
        if (a < 0) {
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "an allocation in stratum '%s' names arm '%s', which the "
                                 "protocol does not declare",
                                 stratum, arm);
            goto fail;
        }
        out->counts[(out->n_strata - 1) * out->n_arms + (size_t)a] +=
            (size_t)upl__sql_column_int64(stmt, 2);
    }
    if (step != UPL_SQL_DONE && step != UPL_SQL_ROW) {
        rc = upl__store_sqlfail(store, "cannot count the allocations");
        goto fail;
    }
    upl__sql_finalize(stmt);
    return UPL_OK;
nomem:
    rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
fail:
    upl__sql_finalize(stmt);
    upl_alloc_balance_release(out);
    return rc;
}

upl_status upl_store_alloc_reveal(upl_store *store, const char *secret_hex)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    int closed = 0;
    if ((rc = allocation_closed(store, &closed)) != UPL_OK)
        return rc;
    if (closed)
        return upl__store_fail(store, UPL_REFUSED, "the secret is revealed already");
    if ((rc = upl__store_prepare(store,
                                 "UPDATE study SET revealed_secret = ?, allocation_closed_at = ? "
                                 "WHERE id = 1",
                                 &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, secret_hex);
    upl__sql_bind_int64(stmt, 2, upl_store_now(store));
    if ((rc = upl__store_step_done(store, stmt, "cannot record the revealed secret")) == UPL_OK)
        rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "study.reveal", "study", 1);
    upl__sql_finalize(stmt);
    return rc;
}
