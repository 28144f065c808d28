/* Participants and tasks: enrolment, forecasts, exclusions and the task table. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "uplift/duration.h"

/* Handles name clusters in every output; keep them to characters that need no quoting
 * in a shell, a CSV cell or a file name. */
static int valid_handle(const char *h)
{
    size_t len = strlen(h);
    if (len == 0 || len > 64)
        return 0;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._@+-", *p))
            return 0;
    return 1;
}

upl_status upl_store_participant_id(upl_store *store, const char *handle, int64_t *id)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(store, "SELECT id FROM participant WHERE handle = ?", &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, handle);
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_ROW)
        *id = upl__sql_column_int64(stmt, 0);
    else if (step == UPL_SQL_DONE) {
        /* a handle that could be added is one the advice may repeat */
        int addable = valid_handle(handle) && strcmp(handle, UPL_ACTOR_COORDINATOR) != 0;
        rc = upl__store_fail_why(store, UPL_NOTFOUND,
                                 addable ? UPL_REASON_NO_PARTICIPANT : UPL_REASON_NONE, 0, 0,
                                 "unknown participant '%s'", handle);
        if (addable)
            snprintf(store->why.name, sizeof store->why.name, "%s", handle);
    } else
        rc = upl__store_sqlfail(store, "cannot look up a participant");
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_participant_add(upl_store *store, const char *handle, const upl_attr *attrs,
                                     size_t n_attrs, int64_t *id_out)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl__store_check_text(store, "the participant handle", handle)) != UPL_OK)
        return rc;
    if (!valid_handle(handle))
        return upl__store_fail(store, UPL_INVALID,
                               "participant handle '%s' must be 1-64 letters, digits or ._@+-",
                               handle);
    if (strcmp(handle, UPL_ACTOR_COORDINATOR) == 0)
        return upl__store_fail(store, UPL_INVALID, "'%s' is reserved for the coordinator", handle);
    if ((rc = upl__store_prepare(
             store, "INSERT INTO participant (handle, created_at) VALUES (?, ?) RETURNING id",
             &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, handle);
    upl__sql_bind_int64(stmt, 2, upl_store_now(store));
    int64_t id = 0;
    if (upl__store_step_id(store, stmt, &id, "cannot add a participant") != UPL_OK) {
        if (upl__store_constraint_failed(store))
            rc = upl__store_fail(store, UPL_EXISTS, "participant '%s' already exists", handle);
        else
            rc = upl__store_sqlfail(store, "cannot add a participant");
        goto cleanup;
    }
    if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "participant.add", "participant",
                               id)) != UPL_OK)
        goto cleanup;
    upl__sql_finalize(stmt);
    if ((rc = upl__store_prepare(store,
                                 "INSERT INTO participant_attr (participant_id, key, value) "
                                 "VALUES (?, ?, ?) RETURNING id",
                                 &stmt)) != UPL_OK)
        return rc;
    for (size_t i = 0; i < n_attrs; i++) {
        if (!*attrs[i].key) {
            rc = upl__store_fail(store, UPL_INVALID, "an attribute needs a name (KEY=VALUE)");
            goto cleanup;
        }
        if ((rc = upl__store_check_text(store, "an attribute name", attrs[i].key)) != UPL_OK)
            goto cleanup;
        char what[96];
        snprintf(what, sizeof what, "attribute '%s'", attrs[i].key);
        if ((rc = upl__store_check_text(store, what, attrs[i].value)) != UPL_OK)
            goto cleanup;
        upl__sql_bind_int64(stmt, 1, id);
        upl__sql_bind_text(stmt, 2, attrs[i].key);
        upl__sql_bind_text(stmt, 3, attrs[i].value);
        int64_t attr_id = 0;
        if (upl__store_step_id(store, stmt, &attr_id, "cannot add an attribute") != UPL_OK) {
            if (upl__store_constraint_failed(store))
                rc = upl__store_fail(store, UPL_INVALID, "attribute '%s' is given twice",
                                     attrs[i].key);
            else
                rc = upl__store_sqlfail(store, "cannot add an attribute");
            goto cleanup;
        }
        if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "participant.attr",
                                   "participant_attr", attr_id)) != UPL_OK)
            goto cleanup;
        upl__sql_reset(stmt);
    }
    if (id_out)
        *id_out = id;
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_participant_each(upl_store *store, upl_participant_fn fn, void *ctx)
{
    upl_sql_stmt *stmt = NULL;
    upl_sql_stmt *attr_stmt = NULL;
    upl_attr *attrs = NULL;
    upl_status rc = upl__store_prepare(store,
                                       "SELECT p.id, p.handle, (SELECT count(*) FROM task t WHERE "
                                       "t.participant_id = p.id) FROM participant p ORDER BY "
                                       "p.handle",
                                       &stmt);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store,
                                 "SELECT key, value FROM participant_attr WHERE participant_id = ? "
                                 "ORDER BY key",
                                 &attr_stmt)) != UPL_OK)
        goto cleanup;
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        int64_t id = upl__sql_column_int64(stmt, 0);
        size_t n = 0, cap = 0;
        int stop = 0;
        upl__sql_bind_int64(attr_stmt, 1, id);
        /* attribute text stays valid while attr_stmt sits on its rows, so collect the
         * rows first into copies */
        while (upl__sql_step(attr_stmt) == UPL_SQL_ROW) {
            if (n == cap) {
                cap = cap ? 2 * cap : 4;
                upl_attr *grown = realloc(attrs, cap * sizeof *grown);
                if (!grown) {
                    rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
                    goto cleanup_attrs;
                }
                attrs = grown;
            }
            int oom = 0;
            attrs[n].key = upl__store_column_dup(attr_stmt, 0, &oom);
            attrs[n].value = upl__store_column_dup(attr_stmt, 1, &oom);
            n++;
            if (oom) {
                rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
                goto cleanup_attrs;
            }
        }
        upl__sql_reset(attr_stmt);
        stop = fn(ctx, id, (const char *)upl__sql_column_text(stmt, 1), attrs, n,
                  (size_t)upl__sql_column_int64(stmt, 2));
    cleanup_attrs:
        for (size_t i = 0; i < n; i++) {
            free((char *)(uintptr_t)attrs[i].key);
            free((char *)(uintptr_t)attrs[i].value);
        }
        if (rc != UPL_OK || stop)
            goto cleanup;
    }
    if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot list participants");
cleanup:
    free(attrs);
    upl__sql_finalize(attr_stmt);
    upl__sql_finalize(stmt);
    return rc;
}

static upl_status check_forecast(upl_store *store, const char *which, double minutes)
{
    if (!(minutes > 0) || minutes > UPL_DURATION_MAX_MIN)
        return upl__store_fail(store, UPL_INVALID,
                               "forecast %s of %g minutes is out of range (more than 0, at most "
                               "7 days)",
                               which, minutes);
    return UPL_OK;
}

static upl_status check_covariate(upl_store *store, const upl_protocol *protocol,
                                  const upl_attr *cov)
{
    for (size_t i = 0; i < protocol->n_covariates; i++) {
        const upl_covariate_decl *decl = &protocol->covariates[i];
        if (strcmp(decl->name, cov->key) != 0)
            continue;
        char what[96];
        snprintf(what, sizeof what, "covariate '%s'", cov->key);
        upl_status rc = upl__store_check_text(store, what, cov->value);
        if (rc != UPL_OK)
            return rc;
        if (decl->type == UPL_COVTYPE_NUMBER && cov->value && *cov->value) {
            char *end = NULL;
            double v = strtod(cov->value, &end);
            if (end == cov->value || *end || !isfinite(v))
                return upl__store_fail(store, UPL_INVALID, "covariate '%s': '%s' is not a number",
                                       cov->key, cov->value);
        }
        return UPL_OK;
    }
    return upl__store_fail(store, UPL_INVALID,
                           "covariate '%s' is not declared by the study's protocol", cov->key);
}

upl_status upl_store_task_add(upl_store *store, const upl_task_new *task, int64_t *id_out)
{
    upl_sql_stmt *stmt = NULL;
    const upl_protocol *protocol = NULL;
    int64_t participant_id = 0;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if (!task->title || !*task->title)
        return upl__store_fail(store, UPL_INVALID, "a task needs a title");
    if ((rc = upl__store_check_text(store, "participant", task->participant)) != UPL_OK ||
        (rc = upl__store_check_text(store, "title", task->title)) != UPL_OK ||
        (rc = upl__store_check_text(store, "category", task->category)) != UPL_OK ||
        (rc = upl__store_check_text(store, "url", task->url)) != UPL_OK)
        return rc;
    if (isnan(task->forecast_ai_min) != isnan(task->forecast_no_ai_min))
        return upl__store_fail(store, UPL_INVALID,
                               "give both forecasts (with and without AI) or neither");
    if (!isnan(task->forecast_ai_min) &&
        ((rc = check_forecast(store, "with AI", task->forecast_ai_min)) != UPL_OK ||
         (rc = check_forecast(store, "without AI", task->forecast_no_ai_min)) != UPL_OK))
        return rc;
    if ((rc = upl_store_protocol(store, &protocol)) != UPL_OK)
        return rc;
    for (size_t i = 0; i < task->n_covariates; i++)
        if ((rc = check_covariate(store, protocol, &task->covariates[i])) != UPL_OK)
            return rc;
    if ((rc = upl_store_participant_id(store, task->participant, &participant_id)) != UPL_OK)
        return rc;

    if ((rc = upl__store_prepare(
             store,
             "INSERT INTO task (participant_id, seq, title, category, url, forecast_ai_min, "
             "forecast_no_ai_min, forecast_at, created_at) VALUES (?1, (SELECT "
             "coalesce(max(seq), 0) + 1 FROM task WHERE participant_id = ?1), ?2, ?3, ?4, ?5, "
             "?6, ?7, ?8) RETURNING id",
             &stmt)) != UPL_OK)
        return rc;
    int64_t now = upl_store_now(store);
    upl__sql_bind_int64(stmt, 1, participant_id);
    upl__sql_bind_text(stmt, 2, task->title);
    upl__sql_bind_text(stmt, 3, task->category && *task->category ? task->category : NULL);
    upl__sql_bind_text(stmt, 4, task->url && *task->url ? task->url : NULL);
    upl__store_bind_double(stmt, 5, task->forecast_ai_min);
    upl__store_bind_double(stmt, 6, task->forecast_no_ai_min);
    if (!isnan(task->forecast_ai_min))
        upl__sql_bind_int64(stmt, 7, now);
    upl__sql_bind_int64(stmt, 8, now);
    int64_t id = 0;
    if ((rc = upl__store_step_id(store, stmt, &id, "cannot add a task")) != UPL_OK)
        goto cleanup;
    if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "task.add", "task", id)) != UPL_OK)
        goto cleanup;
    upl__sql_finalize(stmt);
    if ((rc = upl__store_prepare(
             store,
             "INSERT INTO task_covariate (task_id, name, value) VALUES (?, ?, ?) RETURNING id",
             &stmt)) != UPL_OK)
        return rc;
    for (size_t i = 0; i < task->n_covariates; i++) {
        if (!task->covariates[i].value || !*task->covariates[i].value)
            continue; /* an empty cell records nothing */
        upl__sql_bind_int64(stmt, 1, id);
        upl__sql_bind_text(stmt, 2, task->covariates[i].key);
        upl__sql_bind_text(stmt, 3, task->covariates[i].value);
        int64_t covariate_id = 0;
        if ((rc = upl__store_step_id(store, stmt, &covariate_id, "cannot record a covariate")) !=
                UPL_OK ||
            (rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "task.covariate", "task_covariate",
                                   covariate_id)) != UPL_OK)
            goto cleanup;
        upl__sql_reset(stmt);
    }
    if (id_out)
        *id_out = id;
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

#define TASK_COLUMNS                                                                               \
    "t.id, p.handle, t.title, t.category, t.url, t.forecast_ai_min, t.forecast_no_ai_min, "        \
    "t.status, t.excluded_reason, a.arm, m.measured_min, t.reported_min, t.post_review_min, "      \
    "t.perceived_pct, t.ai_used, t.created_at "                                                    \
    "FROM task t JOIN participant p ON p.id = t.participant_id "                                   \
    "LEFT JOIN allocation a ON a.task_id = t.id "                                                  \
    "LEFT JOIN task_measured m ON m.task_id = t.id "

upl_status upl_store_task_get(upl_store *store, int64_t id, upl_task_info *info)
{
    upl_sql_stmt *stmt = NULL;
    int oom = 0;
    memset(info, 0, sizeof *info);
    upl_status rc = upl__store_prepare(store, "SELECT " TASK_COLUMNS "WHERE t.id = ?", &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_int64(stmt, 1, id);
    if ((rc = upl__store_step_task(store, stmt, id, "cannot read a task")) != UPL_OK)
        goto cleanup;
    info->id = upl__sql_column_int64(stmt, 0);
    info->participant = upl__store_column_dup(stmt, 1, &oom);
    info->title = upl__store_column_dup(stmt, 2, &oom);
    info->category = upl__store_column_dup(stmt, 3, &oom);
    info->url = upl__store_column_dup(stmt, 4, &oom);
    info->forecast_ai_min = upl__store_column_double(stmt, 5);
    info->forecast_no_ai_min = upl__store_column_double(stmt, 6);
    upl_task_status_from_name((const char *)upl__sql_column_text(stmt, 7), &info->status);
    info->excluded_reason = upl__store_column_dup(stmt, 8, &oom);
    info->arm = upl__store_column_dup(stmt, 9, &oom);
    info->measured_min = upl__store_column_double(stmt, 10);
    info->reported_min = upl__store_column_double(stmt, 11);
    info->post_review_min = upl__store_column_double(stmt, 12);
    info->perceived_pct = upl__store_column_double(stmt, 13);
    info->ai_used = upl__store_column_ai_used(stmt, 14);
    info->created_at = upl__sql_column_int64(stmt, 15);
    if (oom) {
        upl_task_info_release(info);
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
    }
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

void upl_task_info_release(upl_task_info *info)
{
    if (!info)
        return;
    free(info->participant);
    free(info->title);
    free(info->category);
    free(info->url);
    free(info->excluded_reason);
    free(info->arm);
    memset(info, 0, sizeof *info);
}

upl_status upl__store_task_owner(upl_store *store, int64_t task_id, char **handle)
{
    upl_sql_stmt *stmt = NULL;
    int oom = 0;
    *handle = NULL;
    upl_status rc = upl__store_prepare(store,
                                       "SELECT p.handle FROM task t JOIN participant p ON p.id = "
                                       "t.participant_id WHERE t.id = ?",
                                       &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_int64(stmt, 1, task_id);
    if ((rc = upl__store_step_task(store, stmt, task_id, "cannot read a task")) == UPL_OK)
        *handle = upl__store_column_dup(stmt, 0, &oom);
    if (oom)
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_task_forecast(upl_store *store, int64_t id, double ai_min, double no_ai_min)
{
    upl_sql_stmt *stmt = NULL;
    upl_task_info info;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if ((rc = check_forecast(store, "with AI", ai_min)) != UPL_OK ||
        (rc = check_forecast(store, "without AI", no_ai_min)) != UPL_OK)
        return rc;
    if ((rc = upl_store_task_get(store, id, &info)) != UPL_OK)
        return rc;
    if (info.arm) {
        rc = upl__store_fail(store, UPL_REFUSED,
                             "task %lld is already assigned to an arm: forecasts are locked "
                             "before the draw and cannot change",
                             (long long)id);
        goto cleanup;
    }
    if (info.status == UPL_TASK_EXCLUDED || info.status == UPL_TASK_ABANDONED) {
        rc = upl__store_fail(store, UPL_REFUSED, "task %lld is %s: it takes no forecast",
                             (long long)id, upl_task_status_name(info.status));
        goto cleanup;
    }
    if ((rc = upl__store_prepare(store,
                                 "UPDATE task SET forecast_ai_min = ?, forecast_no_ai_min = ?, "
                                 "forecast_at = ? WHERE id = ?",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    upl__sql_bind_double(stmt, 1, ai_min);
    upl__sql_bind_double(stmt, 2, no_ai_min);
    upl__sql_bind_int64(stmt, 3, upl_store_now(store));
    upl__sql_bind_int64(stmt, 4, id);
    if ((rc = upl__store_step_done(store, stmt, "cannot record the forecast")) != UPL_OK)
        goto cleanup;
    rc = upl__store_audit(store, info.participant, "task.forecast", "task", id);
cleanup:
    upl__sql_finalize(stmt);
    upl_task_info_release(&info);
    return rc;
}

upl_status upl_store_task_exclude(upl_store *store, int64_t id, const char *reason, int abandoned)
{
    upl_sql_stmt *stmt = NULL;
    upl_task_info info;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if (!reason || !*reason)
        return upl__store_fail(store, UPL_INVALID, "an exclusion needs a reason");
    if ((rc = upl__store_check_text(store, "the reason", reason)) != UPL_OK)
        return rc;
    if ((rc = upl_store_task_get(store, id, &info)) != UPL_OK)
        return rc;
    if (info.status == UPL_TASK_EXCLUDED || info.status == UPL_TASK_ABANDONED) {
        rc = upl__store_fail(store, UPL_REFUSED, "task %lld is already %s (%s)", (long long)id,
                             upl_task_status_name(info.status),
                             info.excluded_reason ? info.excluded_reason : "no reason");
        goto cleanup;
    }
    if (abandoned && !info.arm) {
        rc = upl__store_fail(store, UPL_REFUSED,
                             "task %lld was never assigned: exclude it instead of marking it "
                             "abandoned",
                             (long long)id);
        goto cleanup;
    }
    if ((rc = upl__store_prepare(store,
                                 "UPDATE task SET status = ?, excluded_reason = ? WHERE id = ?",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    upl__sql_bind_text(stmt, 1, abandoned ? "abandoned" : "excluded");
    upl__sql_bind_text(stmt, 2, reason);
    upl__sql_bind_int64(stmt, 3, id);
    if ((rc = upl__store_step_done(store, stmt, "cannot exclude the task")) != UPL_OK)
        goto cleanup;
    rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, abandoned ? "task.abandon" : "task.exclude",
                          "task", id);
cleanup:
    upl__sql_finalize(stmt);
    upl_task_info_release(&info);
    return rc;
}
