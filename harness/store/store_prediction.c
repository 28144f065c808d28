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
    sqlite3_stmt *stmt = NULL;
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
                                 "VALUES (?, ?, ?, ?)",
                                 &stmt)) != UPL_OK)
        return rc;
    sqlite3_bind_text(stmt, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_double(stmt, 2, pct);
    if (source && *source)
        sqlite3_bind_text(stmt, 3, source, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 3);
    sqlite3_bind_int64(stmt, 4, upl_store_now(store));
    if ((rc = upl__store_step_done(store, stmt, "cannot add the prediction")) != UPL_OK)
        goto cleanup;
    int64_t id = sqlite3_last_insert_rowid(store->db);
    if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "prediction.add", "prediction", id)) !=
        UPL_OK)
        goto cleanup;
    if (id_out)
        *id_out = id;
cleanup:
    sqlite3_finalize(stmt);
    return rc;
}

upl_status upl_store_prediction_each(upl_store *store, upl_prediction_fn fn, void *ctx)
{
    sqlite3_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(
        store, "SELECT id, grp, pct, source, created_at FROM prediction ORDER BY id", &stmt);
    if (rc != UPL_OK)
        return rc;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        upl_prediction_rec rec;
        rec.id = sqlite3_column_int64(stmt, 0);
        rec.group = (const char *)sqlite3_column_text(stmt, 1);
        rec.pct = sqlite3_column_double(stmt, 2);
        rec.source = (const char *)sqlite3_column_text(stmt, 3);
        rec.created_at = sqlite3_column_int64(stmt, 4);
        if (fn(ctx, &rec) != 0) {
            rc = upl__store_fail(store, UPL_ERROR, "listing predictions stopped");
            goto cleanup;
        }
    }
    if (step != SQLITE_DONE)
        rc = upl__store_sqlfail(store, "cannot read predictions");
cleanup:
    sqlite3_finalize(stmt);
    return rc;
}
