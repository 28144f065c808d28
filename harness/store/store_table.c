/* Read-side views of a study: the task table (README.md, Reference) and CONSORT counts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* Where each column of the task table (uplift/task.h) comes from in the schema: an SQL
 * expression over task t, participant p, allocation a and task_measured m.  A column
 * added to the map needs its expression here (test_store checks every one has one). */
static const char *const column_sql[UPL_TASK_COLUMNS] = {
    [UPL_COL_TASK_ID] = "t.id",
    [UPL_COL_PARTICIPANT] = "p.handle",
    [UPL_COL_CATEGORY] = "t.category",
    [UPL_COL_ARM] = "a.arm",
    [UPL_COL_FORECAST_AI_MIN] = "t.forecast_ai_min",
    [UPL_COL_FORECAST_NO_AI_MIN] = "t.forecast_no_ai_min",
    [UPL_COL_MEASURED_MIN] = "m.measured_min",
    [UPL_COL_REPORTED_MIN] = "t.reported_min",
    [UPL_COL_POST_REVIEW_MIN] = "t.post_review_min",
    [UPL_COL_PERCEIVED_PCT] = "t.perceived_pct",
    [UPL_COL_AI_USED] = "t.ai_used",
    [UPL_COL_STATUS] = "t.status",
    [UPL_COL_EXCLUDED_REASON] = "t.excluded_reason",
    [UPL_COL_TITLE] = "t.title",
    [UPL_COL_URL] = "t.url",
};

const char *upl__store_task_column_sql(upl_task_column c)
{
    return (unsigned)c < UPL_TASK_COLUMNS ? column_sql[c] : NULL;
}

/* The SELECT of the task table, one result column per column of the map in its order. */
static upl_status task_table_sql(upl_store *store, char *sql, size_t size)
{
    size_t used = (size_t)snprintf(sql, size, "SELECT ");
    for (size_t c = 0; c < UPL_TASK_COLUMNS; c++) {
        if (!column_sql[c])
            return upl__store_fail(store, UPL_ERROR, "the task table's column '%s' has no source",
                                   upl_task_columns[c]);
        used += (size_t)snprintf(sql + used, used < size ? size - used : 0, "%s%s", c ? ", " : "",
                                 column_sql[c]);
    }
    used += (size_t)snprintf(sql + used, used < size ? size - used : 0,
                             " FROM task t JOIN participant p ON p.id = t.participant_id "
                             "LEFT JOIN allocation a ON a.task_id = t.id "
                             "LEFT JOIN task_measured m ON m.task_id = t.id "
                             "WHERE CAST(?1 AS TEXT) IS NULL OR p.handle = ?1 ORDER BY t.id");
    return used < size ? UPL_OK
                       : upl__store_fail(store, UPL_ERROR, "the task table's query is too long");
}

static upl_status add_protocol_arms(upl_store *store, upl_dataset *ds)
{
    const upl_protocol *protocol = NULL;
    upl_status rc = upl_store_protocol(store, &protocol);
    if (rc != UPL_OK)
        return rc;
    for (size_t a = 0; a < protocol->n_arms; a++)
        if ((rc = upl_dataset_add_arm(ds, protocol->arms[a].label, NULL)) != UPL_OK)
            return upl__store_fail(store, rc, "out of memory");
    ds->control = protocol->control;
    return UPL_OK;
}

upl_status upl_store_task_table(upl_store *store, const char *participant_filter, upl_dataset *out)
{
    upl_sql_stmt *stmt = NULL;
    upl_sql_stmt *cov = NULL;
    const upl_protocol *protocol = NULL;
    const char **names = NULL;
    const char **extra = NULL;
    upl_status rc = upl_store_protocol(store, &protocol);
    if (rc != UPL_OK)
        return rc;
    size_t n_extra = protocol->n_covariates;
    names = calloc(n_extra + 1, sizeof *names);
    extra = calloc(n_extra + 1, sizeof *extra);
    if (!names || !extra) {
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
        goto cleanup_early;
    }
    for (size_t j = 0; j < n_extra; j++)
        names[j] = protocol->covariates[j].name;
    if ((rc = upl_dataset_init(out, n_extra, names)) != UPL_OK) {
        upl__store_fail(store, rc, "out of memory");
        goto cleanup_early;
    }
    if ((rc = add_protocol_arms(store, out)) != UPL_OK)
        goto cleanup;
    char sql[1024];
    if ((rc = task_table_sql(store, sql, sizeof sql)) != UPL_OK ||
        (rc = upl__store_prepare(store, sql, &stmt)) != UPL_OK)
        goto cleanup;
    if ((rc = upl__store_prepare(store, "SELECT name, value FROM task_covariate WHERE task_id = ?",
                                 &cov)) != UPL_OK)
        goto cleanup;
    upl__sql_bind_text(stmt, 1, participant_filter);
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        upl_task_row row;
        upl_task_row_clear(&row);
        /* each column by its kind in the map */
#define READ_TEXT(c, dst)    ((dst) = (const char *)upl__sql_column_text(stmt, c))
#define READ_MINUTES(c, dst) ((dst) = upl__store_column_double(stmt, c))
#define READ_SHARE(c, dst)   ((dst) = upl__store_column_double(stmt, c))
#define READ_AI_USED(c, dst) ((dst) = upl__store_column_ai_used(stmt, c))
#define READ_STATUS(c, dst)                                                                        \
    upl_task_status_from_name((const char *)upl__sql_column_text(stmt, c), &(dst))
#define READ_COLUMN(id, name, kind) (void)READ_##kind(UPL_COL_##id, row.name);
        UPL_TASK_COLUMN_MAP(READ_COLUMN)
#undef READ_COLUMN
        /* covariate values live in cov's rows: copy before the next step */
        char **values = calloc(n_extra + 1, sizeof *values);
        if (!values) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
        upl__sql_bind_int64(cov, 1, upl__sql_column_int64(stmt, 0));
        int oom = 0;
        while (upl__sql_step(cov) == UPL_SQL_ROW) {
            const char *name = (const char *)upl__sql_column_text(cov, 0);
            for (size_t j = 0; j < n_extra; j++)
                if (strcmp(names[j], name) == 0 && !values[j])
                    values[j] = upl__store_column_dup(cov, 1, &oom);
        }
        upl__sql_reset(cov);
        for (size_t j = 0; j < n_extra; j++)
            extra[j] = values[j];
        row.extra = extra;
        if (!oom)
            rc = upl_dataset_append(out, &row);
        for (size_t j = 0; j < n_extra; j++)
            free(values[j]);
        free(values);
        if (oom || rc != UPL_OK) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot read the task table");
cleanup:
    if (rc != UPL_OK)
        upl_dataset_release(out);
cleanup_early:
    upl__sql_finalize(stmt);
    upl__sql_finalize(cov);
    free(names);
    free(extra);
    return rc;
}

static upl_status count_query(upl_store *store, const char *sql, size_t *out)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(store, sql, &stmt);
    if (rc != UPL_OK)
        return rc;
    if (upl__sql_step(stmt) == UPL_SQL_ROW)
        *out = (size_t)upl__sql_column_int64(stmt, 0);
    else
        rc = upl__store_sqlfail(store, "cannot count");
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_consort(upl_store *store, upl_consort *c)
{
    upl_sql_stmt *stmt = NULL;
    const upl_protocol *protocol = NULL;
    memset(c, 0, sizeof *c);
    upl_status rc = upl_store_protocol(store, &protocol);
    if (rc != UPL_OK)
        return rc;
    struct {
        const char *sql;
        size_t *out;
    } counts[] = {
        {"SELECT count(*) FROM participant", &c->participants},
        {"SELECT count(*) FROM task", &c->enrolled},
        {"SELECT count(*) FROM task WHERE forecast_ai_min IS NOT NULL AND forecast_no_ai_min IS "
         "NOT NULL",
         &c->forecast},
        {"SELECT count(*) FROM allocation", &c->assigned},
        {"SELECT count(*) FROM task t WHERE EXISTS (SELECT 1 FROM timing_event e WHERE e.task_id "
         "= t.id) OR t.status IN ('in_progress', 'done')",
         &c->started},
        {"SELECT count(*) FROM task WHERE status = 'done'", &c->done},
        {"SELECT count(*) FROM task WHERE status = 'excluded'", &c->excluded},
        {"SELECT count(*) FROM task WHERE status = 'abandoned'", &c->abandoned},
        {"SELECT count(*) FROM task t WHERE status = 'excluded' AND NOT EXISTS (SELECT 1 FROM "
         "allocation a WHERE a.task_id = t.id)",
         &c->excluded_before_assignment},
    };
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        if ((rc = count_query(store, counts[i].sql, counts[i].out)) != UPL_OK)
            return rc;

    c->arms = calloc(protocol->n_arms, sizeof *c->arms);
    if (!c->arms)
        return upl__store_fail(store, UPL_NOMEM, "out of memory");
    c->n_arms = protocol->n_arms;
    if ((rc = upl__store_prepare(
             store,
             "SELECT count(*), "
             "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM timing_event e WHERE e.task_id = "
             "t.id) OR t.status IN ('in_progress', 'done')), "
             "count(*) FILTER (WHERE t.status = 'done'), "
             "count(*) FILTER (WHERE t.status = 'excluded'), "
             "count(*) FILTER (WHERE t.status = 'abandoned') "
             "FROM allocation a JOIN task t ON t.id = a.task_id WHERE a.arm = ?",
             &stmt)) != UPL_OK)
        goto fail;
    for (size_t a = 0; a < protocol->n_arms; a++) {
        upl_arm_counts *arm = &c->arms[a];
        size_t len = strlen(protocol->arms[a].label) + 1;
        if (!(arm->arm = malloc(len))) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto fail;
        }
        memcpy(arm->arm, protocol->arms[a].label, len);
        upl__sql_bind_text(stmt, 1, arm->arm);
        if (upl__sql_step(stmt) != UPL_SQL_ROW) {
            rc = upl__store_sqlfail(store, "cannot count by arm");
            goto fail;
        }
        arm->assigned = (size_t)upl__sql_column_int64(stmt, 0);
        arm->started = (size_t)upl__sql_column_int64(stmt, 1);
        arm->done = (size_t)upl__sql_column_int64(stmt, 2);
        arm->excluded = (size_t)upl__sql_column_int64(stmt, 3);
        arm->abandoned = (size_t)upl__sql_column_int64(stmt, 4);
        upl__sql_reset(stmt);
    }
    upl__sql_finalize(stmt);
    stmt = NULL;

    if ((rc = upl__store_prepare(store,
                                 "SELECT excluded_reason, count(*) FROM task WHERE status IN "
                                 "('excluded', 'abandoned') GROUP BY excluded_reason ORDER BY "
                                 "count(*) DESC, excluded_reason",
                                 &stmt)) != UPL_OK)
        goto fail;
    while (upl__sql_step(stmt) == UPL_SQL_ROW) {
        upl_reason_count *grown = realloc(c->reasons, (c->n_reasons + 1) * sizeof *grown);
        if (!grown) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto fail;
        }
        c->reasons = grown;
        int oom = 0;
        c->reasons[c->n_reasons].reason = upl__store_column_dup(stmt, 0, &oom);
        c->reasons[c->n_reasons].count = (size_t)upl__sql_column_int64(stmt, 1);
        c->n_reasons++;
        if (oom) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto fail;
        }
    }
    upl__sql_finalize(stmt);
    return UPL_OK;
fail:
    upl__sql_finalize(stmt);
    upl_consort_release(c);
    return rc;
}
