/* The PostgreSQL backend's schema check: every table, column, constraint, index, view,
 * trigger, rule, policy and function of the study's schema must be the one uplift's
 * migrations create.  The expected objects are built for real: the migrations run in a
 * scratch schema inside a savepoint that is rolled back, and the server's own catalog
 * functions (pg_get_viewdef, pg_get_triggerdef, ...) describe both schemas the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"
#include "store_schema.h"

/* One row per object of schema nsp: kind, name, and a canonical definition with the
 * schema's own qualification removed (search_path is pg_catalog while this runs, so the
 * server qualifies every name). */
static const char schema_objects[] =
    "SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'i' THEN 'index' "
    "  WHEN 'S' THEN 'sequence' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN "
    "  'foreign table' WHEN 'p' THEN 'table' ELSE 'relation' END AS kind, c.relname AS name, "
    "  CASE c.relkind WHEN 'v' THEN pg_get_viewdef(c.oid) WHEN 'm' THEN pg_get_viewdef(c.oid) "
    "  WHEN 'i' THEN pg_get_indexdef(c.oid) WHEN 'S' THEN '' ELSE "
    "  (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || "
    "     ' collate ' || a.attcollation::regcollation::text || ' ' || a.attnotnull::text || "
    "     ' ' || a.attidentity::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), "
    "     ', ' ORDER BY a.attnum) FROM pg_attribute a LEFT JOIN pg_attrdef d ON "
    "     d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) || ' | ' || "
    "  coalesce((SELECT string_agg(k.conname || ' ' || pg_get_constraintdef(k.oid), ', ' "
    "     ORDER BY k.conname) FROM pg_constraint k WHERE k.conrelid = c.oid), '') || "
    "  ' | rls ' || c.relrowsecurity::text || ' ' || c.relforcerowsecurity::text END AS def "
    "FROM pg_class c WHERE c.relnamespace = @::regnamespace AND c.relkind <> 'c' "
    "UNION ALL SELECT 'trigger', t.tgname, pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text "
    "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "WHERE c.relnamespace = @::regnamespace AND NOT t.tgisinternal "
    "UNION ALL SELECT 'rule', r.rulename, pg_get_ruledef(r.oid) FROM pg_rewrite r "
    "JOIN pg_class c ON c.oid = r.ev_class "
    "WHERE c.relnamespace = @::regnamespace AND r.rulename <> '_RETURN' "
    "UNION ALL SELECT 'policy', p.polname, p.polrelid::regclass::text || ' ' || p.polcmd::text || "
    "  ' ' || coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || "
    "  coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '') FROM pg_policy p "
    "JOIN pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = @::regnamespace "
    "UNION ALL SELECT 'function', p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
    "WHERE p.pronamespace = @::regnamespace AND p.prokind IN ('f', 'p')";

/* The query for the first difference between the study's schema (?1) and the expected
 * one (?2): schema_objects of each, '@' standing for the schema, side by side. */
static char *first_difference_sql(void)
{
    static const char *const parts[] = {
        "SELECT coalesce(h.kind, w.kind), coalesce(h.name, w.name), h.def IS NULL, "
        "w.def IS NULL FROM (SELECT kind, name, replace(def, quote_ident(?1) || '.', '') "
        "AS def FROM (",
        "?1",
        ") AS o) AS h FULL JOIN (SELECT kind, name, "
        "replace(def, quote_ident(?2) || '.', '') AS def FROM (",
        "?2",
        ") AS o) AS w ON h.kind = w.kind AND h.name = w.name "
        "WHERE h.def IS DISTINCT FROM w.def ORDER BY 1, 2 LIMIT 1"};
    size_t cap = 2 * sizeof schema_objects * 2 + 1024, len = 0;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        int is_schema = i == 1 || i == 3;
        const char *text = is_schema ? schema_objects : parts[i];
        for (const char *c = text; *c; c++) {
            if (is_schema && *c == '@') {
                memcpy(sql + len, parts[i], 2);
                len += 2;
            } else {
                sql[len++] = *c;
            }
        }
    }
    sql[len] = '\0';
    return sql;
}

static upl_status compare(upl_store *store, const char *study, const char *expected)
{
    upl_sql_stmt *stmt = NULL;
    char *sql = first_difference_sql();
    if (!sql)
        return upl__store_fail(store, UPL_NOMEM, "out of memory");
    upl_status rc = upl__store_prepare(store, sql, &stmt);
    free(sql);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, study);
    upl__sql_bind_text(stmt, 2, expected);
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_ROW) {
        const char *kind = upl__sql_column_text(stmt, 0), *name = upl__sql_column_text(stmt, 1);
        if (upl__sql_column_int64(stmt, 2))
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' of uplift's schema is missing: it was dropped behind "
                                 "uplift's back",
                                 kind, name);
        else if (upl__sql_column_int64(stmt, 3))
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' is not part of uplift's schema: it was added behind "
                                 "uplift's back",
                                 kind, name);
        else
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' differs from the one uplift creates: it was redefined "
                                 "behind uplift's back",
                                 kind, name);
    } else if (step != UPL_SQL_DONE) {
        rc = upl__store_sqlfail(store, "cannot compare the schema");
    }
    upl__sql_finalize(stmt);
    return rc;
}

static upl_status current_schema(upl_store *store, char *name, size_t size)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(store, "SELECT current_schema()", &stmt);
    if (rc != UPL_OK)
        return rc;
    if (upl__sql_step(stmt) == UPL_SQL_ROW && upl__sql_column_text(stmt, 0))
        snprintf(name, size, "%s", upl__sql_column_text(stmt, 0));
    else
        rc = upl__store_sqlfail(store, "cannot read the study's schema name");
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl__pg_verify_schema(upl_store *store)
{
    char study[128], expected[64], sql[320];
    int own_transaction = !store->in_transaction;
    upl_status rc = current_schema(store, study, sizeof study);
    if (rc != UPL_OK)
        return rc;
    snprintf(expected, sizeof expected, "uplift_expected_%ld", (long)getpid());
    if (own_transaction && (rc = store->backend->begin(store, 0)) != UPL_OK)
        return rc;
    snprintf(sql, sizeof sql,
             "SAVEPOINT uplift_expected; CREATE SCHEMA %s; SET LOCAL search_path = %s", expected,
             expected);
    if ((rc = store->backend->exec(store, sql)) != UPL_OK)
        goto done;
    for (size_t v = 0; v < upl__store_pg_migration_count; v++)
        for (const char *const *script = upl__store_pg_migrations[v]; *script && rc == UPL_OK;
             script++)
            rc = store->backend->exec(store, *script);
    if (rc == UPL_OK &&
        (rc = store->backend->exec(store, "SET LOCAL search_path = pg_catalog")) == UPL_OK)
        rc = compare(store, study, expected);
    upl_status undo = store->backend->exec(store, "ROLLBACK TO SAVEPOINT uplift_expected");
    if (rc == UPL_OK)
        rc = undo;
done:
    if (own_transaction)
        store->backend->rollback(store);
    return rc;
}
