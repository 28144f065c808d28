/* The SQLite backend's schema check: every table, index, view and trigger of the file
 * must be the one uplift's migrations create, with the same SQL text. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_schema.h"

static char *column_dup(sqlite3_stmt *stmt, int i, int *failed)
{
    const unsigned char *text = sqlite3_column_text(stmt, i);
    if (!text)
        return NULL;
    char *copy = strdup((const char *)text);
    if (!copy)
        *failed = 1;
    return copy;
}

typedef struct schema_object {
    char *type, *name, *tbl_name, *sql; /* sql NULL for automatic indexes */
} schema_object;

typedef struct schema_list {
    schema_object *items;
    size_t n;
} schema_list;

static void schema_list_release(schema_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].type);
        free(l->items[i].name);
        free(l->items[i].tbl_name);
        free(l->items[i].sql);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Every row of db's sqlite_master (the main schema), by type and name. */
static upl_status read_schema(upl_store *store, sqlite3 *db, schema_list *out)
{
    sqlite3_stmt *stmt = NULL;
    upl_status rc = UPL_OK;
    int step;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(db,
                           "SELECT type, name, tbl_name, sql FROM main.sqlite_master "
                           "ORDER BY type, name",
                           -1, &stmt, NULL) != SQLITE_OK)
        return upl__store_fail(store, UPL_DB, "cannot read a schema: %s", sqlite3_errmsg(db));
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        schema_object *grown = realloc(out->items, (out->n + 1) * sizeof *grown);
        int failed = 0;
        if (!grown) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
        out->items = grown;
        schema_object *o = &out->items[out->n++];
        o->type = column_dup(stmt, 0, &failed);
        o->name = column_dup(stmt, 1, &failed);
        o->tbl_name = column_dup(stmt, 2, &failed);
        o->sql = column_dup(stmt, 3, &failed);
        if (failed || !o->type || !o->name) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    if (step != SQLITE_DONE)
        rc = upl__store_fail(store, UPL_DB, "cannot read a schema: %s", sqlite3_errmsg(db));
cleanup:
    sqlite3_finalize(stmt);
    if (rc != UPL_OK)
        schema_list_release(out);
    return rc;
}

/* The schema this build creates: the store's own migrations run on an empty database
 * in memory, so the expected text of every object comes from the same definitions. */
static upl_status expected_schema(upl_store *store, schema_list *out)
{
    sqlite3 *mem = NULL;
    upl_status rc = UPL_OK;
    memset(out, 0, sizeof *out);
    if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = upl__store_fail(store, UPL_NOMEM, "cannot build the expected schema");
        goto cleanup;
    }
    for (size_t v = 0; v < upl__store_migration_count; v++)
        if (sqlite3_exec(mem, upl__store_migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
            rc = upl__store_fail(store, UPL_DB, "cannot build the expected schema: %s",
                                 sqlite3_errmsg(mem));
            goto cleanup;
        }
    rc = read_schema(store, mem, out);
cleanup:
    sqlite3_close(mem);
    return rc;
}

static const schema_object *schema_find(const schema_list *l, const char *type, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].type, type) == 0 && strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every table, index, view and trigger must be the one uplift created, with the same
 * SQL text: a view redefined to return other numbers, a trigger that rewrites what a
 * command stores, a dropped append-only trigger or an extra object is named. */
upl_status upl__sqlite_verify_schema(upl_store *store)
{
    schema_list want, have;
    upl_status rc = expected_schema(store, &want);
    if (rc != UPL_OK)
        return rc;
    if ((rc = read_schema(store, store->conn, &have)) != UPL_OK) {
        schema_list_release(&want);
        return rc;
    }
    for (size_t i = 0; i < want.n && rc == UPL_OK; i++) {
        const schema_object *w = &want.items[i];
        const schema_object *h = schema_find(&have, w->type, w->name);
        if (!h)
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' of uplift's schema is missing: it was dropped behind "
                                 "uplift's back",
                                 w->type, w->name);
        else if (!same_text(w->tbl_name, h->tbl_name) || !same_text(w->sql, h->sql))
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' differs from the one uplift creates: it was redefined "
                                 "behind uplift's back",
                                 w->type, w->name);
    }
    for (size_t i = 0; i < have.n && rc == UPL_OK; i++) {
        const schema_object *h = &have.items[i];
        if (!schema_find(&want, h->type, h->name))
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' is not part of uplift's schema: it was added behind "
                                 "uplift's back",
                                 h->type, h->name);
    }
    schema_list_release(&want);
    schema_list_release(&have);
    return rc;
}
