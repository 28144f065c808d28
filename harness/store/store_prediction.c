/* External groups' predictions of AI's effect (the prediction table), audited like
 * every other record. */
#include <math.h>
#include <string.h>

#include "store_internal.h"

/* Control characters are refused before, by upl__store_check_text(). */
static int valid_group(const char *g)
{
    size_t len = g ? strlen(g) : 0;
    return len > 0 && len <= 64;
}

upl_status upl_store_prediction_add(upl_store *store, const char *group, double pct,
                                    const char *source, int64_t *id_out)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl__store_check_text(store, "the group", group)) != UPL_OK ||
        (rc = upl__store_check_text(store, "the source", source)) != UPL_OK)
        return rc;
    if (!valid_group(group))
        return upl__store_fail(store, UPL_INVALID, "group '%s' must be 1-64 printable characters",
                               group ? group : "");
    if (!isfinite(pct) || !(pct > -1.0) || !(pct < 10.0))
        return upl__store_fail(store, UPL_INVALID,
                               "prediction %g is not a change of time between -100%% and "
                               "+1000%%",
                               pct);
    if ((rc = upl__store_prepare(store,
                                 "INSERT INTO prediction (grp, pct, source, created_at) "
                                 "VALUES (?, ?, ?, ?) RETURNING id",
                                 &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, group);
    upl__sql_bind_double(stmt, 2, pct);
    if (source && *source)
        upl__sql_bind_text(stmt, 3, source);
    else
        upl__sql_bind_null(stmt, 3);
    upl__sql_bind_int64(stmt, 4, upl_store_now(store));
    int64_t id = 0;
    if ((rc = upl__store_step_id(store, stmt, &id, "cannot add the prediction")) != UPL_OK)
        goto cleanup;
    if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "prediction.add", "prediction", id)) !=
        UPL_OK)
        goto cleanup;
    if (id_out)
        *id_out = id;
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_prediction_each(upl_store *store, upl_prediction_fn fn, void *ctx)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(
        store, "SELECT id, grp, pct, source, created_at FROM prediction ORDER BY id", &stmt);
    if (rc != UPL_OK)
        return rc;
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        upl_prediction_rec rec;
        rec.id = upl__sql_column_int64(stmt, 0);
        rec.group = (const char *)upl__sql_column_text(stmt, 1);
        rec.pct = upl__sql_column_double(stmt, 2);
        rec.source = (const char *)upl__sql_column_text(stmt, 3);
        rec.created_at = upl__sql_column_int64(stmt, 4);
        if (fn(ctx, &rec) != 0) {
            rc = upl__store_fail(store, UPL_ERROR, "listing predictions stopped");
            goto cleanup;
        }
    }
    if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot read predictions");
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}
