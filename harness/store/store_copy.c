/* A whole study copied from one store to another, whatever their backends: every row of
 * every table, keys and audit chain as they are, so that verify passes on the copy and
 * its export is the same.  Values keep their type (an integer stays an integer, a real a
 * real), which is what the audit's snapshots hash. */
#include <stdio.h>
#include <string.h>

#include "store_internal.h"
#include "store_schema.h"

/* Binds column i of the current row of src as parameter i + 1 of dst. */
static int bind_column(upl_sql_stmt *dst, upl_sql_stmt *src, int i)
{
    switch (upl__sql_column_type(src, i)) {
    case UPL_SQL_INTEGER:
        return upl__sql_bind_int64(dst, i + 1, upl__sql_column_int64(src, i));
    case UPL_SQL_FLOAT:
        return upl__sql_bind_double(dst, i + 1, upl__sql_column_double(src, i));
    case UPL_SQL_NULL:
        return upl__sql_bind_null(dst, i + 1);
    default:
        return upl__sql_bind_text(dst, i + 1, upl__sql_column_text(src, i));
    }
}

/* The INSERT of one row of table with the columns of src, in their order. */
static upl_status insert_sql(upl_store *store, const char *table, upl_sql_stmt *src, char *sql,
                             size_t size)
{
    int n = upl__sql_column_count(src);
    size_t used = (size_t)snprintf(sql, size, "INSERT INTO \"%s\" (", table);
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(sql + used, size - used, "%s\"%s\"", i ? ", " : "",
                                 upl__sql_column_name(src, i));
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(sql + used, size - used, "%s?%d", i ? ", " : ") VALUES (", i + 1);
    if (used < size)
        used += (size_t)snprintf(sql + used, size - used, ")");
    return used < size
               ? UPL_OK
               : upl__store_fail(store, UPL_ERROR, "the copy of table '%s' is too wide", table);
}

static upl_status copy_table(upl_store *from, upl_store *to, const char *table, const char *key,
                             size_t *n_rows)
{
    char sql[2048];
    upl_sql_stmt *src = NULL, *dst = NULL;
    upl_status rc;
    int step;
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY \"%s\"", table, key);
    if ((rc = upl__store_prepare(from, sql, &src)) != UPL_OK)
        return rc;
    while ((step = upl__sql_step(src)) == UPL_SQL_ROW) {
        if (!dst && ((rc = insert_sql(to, table, src, sql, sizeof sql)) != UPL_OK ||
                     (rc = upl__store_prepare(to, sql, &dst)) != UPL_OK))
            goto cleanup;
        upl__sql_reset(dst);
        for (int i = 0; i < upl__sql_column_count(src); i++)
            if (bind_column(dst, src, i) != 0) {
                rc = upl__store_fail(to, UPL_NOMEM, "cannot copy a row of '%s'", table);
                goto cleanup;
            }
        if (upl__sql_step(dst) != UPL_SQL_DONE) {
            rc = upl__store_sqlfail(to, "cannot copy a row");
            goto cleanup;
        }
        (*n_rows)++;
    }
    if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(from, "cannot read the study to copy");
cleanup:
    upl__sql_finalize(src);
    upl__sql_finalize(dst);
    return rc;
}

upl_status upl_store_copy(upl_store *from, upl_store *to, size_t *n_rows)
{
    upl_status rc;
    upl_study_info existing;
    *n_rows = 0;
    if (!from->in_transaction)
        return upl__store_fail(from, UPL_REFUSED, "the copy reads inside a transaction");
    if ((rc = upl__store_require_write(to)) != UPL_OK)
        return rc;
    if ((rc = upl_store_study_get(to, &existing)) == UPL_OK) {
        upl_study_info_release(&existing);
        return upl__store_fail(to, UPL_REFUSED,
                               "'%s' holds a study already: a copy goes to an empty database",
                               to->path);
    }
    if (rc != UPL_NOTFOUND)
        return rc;
    for (const upl_audited_table *t = upl__store_audited_tables; t->name; t++)
        if ((rc = copy_table(from, to, t->name, t->key, n_rows)) != UPL_OK)
            return rc;
    return copy_table(from, to, "audit", "seq", n_rows);
}
