/* Participants looked up beyond their exact handle: a handle that differs from one
 * already enrolled only in case (Ben and ben), which the unique handle lets in. */
#include <stdlib.h>

#include "store_internal.h"

upl_status upl_store_participant_like(upl_store *store, const char *handle, char **existing)
{
    upl_sql_stmt *stmt = NULL;
    int oom = 0;
    *existing = NULL;
    /* handles are ASCII letters, digits and ._@+-, so lower() folds them alike on every
     * backend */
    upl_status rc = upl__store_prepare(store,
                                       "SELECT handle FROM participant WHERE lower(handle) = "
                                       "lower(?1) AND handle <> ?1 ORDER BY handle LIMIT 1",
                                       &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, handle);
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_ROW)
        *existing = upl__store_column_dup(stmt, 0, &oom);
    else if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot look up a participant");
    if (oom)
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
    upl__sql_finalize(stmt);
    return rc;
}
