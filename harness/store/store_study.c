/* The study record: created once by `init`, read by every report. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "uplift/protocol_parse.h"

upl_status upl_store_study_create(upl_store *store, const upl_protocol *protocol,
                                  const char *protocol_text, const char *commitment_hex,
                                  const char *rng_name, char uid_out[33])
{
    upl_sql_stmt *stmt = NULL;
    unsigned char raw[16];
    char uid[33];
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(uid, sizeof uid, raw, sizeof raw);
    if ((rc =
             upl__store_prepare(store,
                                "INSERT INTO study (id, uid, title, protocol_text, protocol_hash, "
                                "commitment, rng_name, created_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                                &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, uid);
    upl__sql_bind_text(stmt, 2, protocol->title);
    upl__sql_bind_text(stmt, 3, protocol_text);
    upl__sql_bind_text(stmt, 4, protocol->hash);
    upl__sql_bind_text(stmt, 5, commitment_hex);
    upl__sql_bind_text(stmt, 6, rng_name);
    upl__sql_bind_int64(stmt, 7, upl_store_now(store));
    if (upl__sql_step(stmt) != UPL_SQL_DONE) {
        if (upl__store_constraint_failed(store))
            rc = upl__store_fail(store, UPL_EXISTS, "'%s' already holds a study", store->path);
        else
            rc = upl__store_sqlfail(store, "cannot create the study");
        goto cleanup;
    }
    if ((rc = upl__store_audit(store, UPL_ACTOR_COORDINATOR, "study.create", "study", 1)) != UPL_OK)
        goto cleanup;
    if (uid_out)
        memcpy(uid_out, uid, sizeof uid);
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_study_get(upl_store *store, upl_study_info *info)
{
    upl_sql_stmt *stmt = NULL;
    int oom = 0;
    memset(info, 0, sizeof *info);
    upl_status rc = upl__store_prepare(
        store,
        "SELECT uid, title, protocol_text, protocol_hash, commitment, rng_name, revealed_secret, "
        "created_at, allocation_closed_at FROM study WHERE id = 1",
        &stmt);
    if (rc != UPL_OK)
        return rc;
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_DONE) {
        rc = upl__store_fail_why(store, UPL_NOTFOUND, UPL_REASON_NO_STUDY, 0, 0,
                                 "'%s' holds no study", store->path);
        goto cleanup;
    }
    if (step != UPL_SQL_ROW) {
        rc = upl__store_sqlfail(store, "cannot read the study");
        goto cleanup;
    }
    snprintf(info->uid, sizeof info->uid, "%s", (const char *)upl__sql_column_text(stmt, 0));
    info->title = upl__store_column_dup(stmt, 1, &oom);
    info->protocol_text = upl__store_column_dup(stmt, 2, &oom);
    snprintf(info->protocol_hash, sizeof info->protocol_hash, "%s",
             (const char *)upl__sql_column_text(stmt, 3));
    snprintf(info->commitment, sizeof info->commitment, "%s",
             (const char *)upl__sql_column_text(stmt, 4));
    info->rng_name = upl__store_column_dup(stmt, 5, &oom);
    info->revealed_secret = upl__store_column_dup(stmt, 6, &oom);
    info->created_at = upl__sql_column_int64(stmt, 7);
    info->allocation_closed_at = upl__sql_column_int64(stmt, 8);
    if (oom) {
        upl_study_info_release(info);
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
    }
cleanup:
    upl__sql_finalize(stmt);
    return rc;
}

/* The one place that parses the stored protocol: once per handle. */
upl_status upl_store_protocol(upl_store *store, const upl_protocol **protocol)
{
    if (!store->protocol_loaded) {
        upl_study_info info;
        upl_diag diag = {0};
        upl_status rc = upl_store_study_get(store, &info);
        if (rc != UPL_OK)
            return rc;
        rc = upl_protocol_parse(info.protocol_text, strlen(info.protocol_text), "stored protocol",
                                &store->protocol, &diag);
        upl_study_info_release(&info);
        if (rc != UPL_OK) {
            upl__store_fail(store, UPL_INTEGRITY, "the study's protocol no longer parses: %s",
                            diag.msg);
            return rc;
        }
        store->protocol_loaded = 1;
    }
    *protocol = &store->protocol;
    return UPL_OK;
}
