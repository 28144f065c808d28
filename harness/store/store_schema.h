/* The schema migrations and the list of audited tables (store module only). */
#ifndef UPLIFT_STORE_SCHEMA_H
#define UPLIFT_STORE_SCHEMA_H

#include <stddef.h>

#include "uplift/store.h"

extern const char *const upl__store_migrations[];
extern const size_t upl__store_migration_count;
typedef struct upl_audited_table {
    const char *name, *key;
} upl_audited_table;

/* The audited tables, ended by {NULL, NULL}. */
extern const upl_audited_table upl__store_audited_tables[];

/* The key column of an audited table, NULL for any other name. */
const char *upl__store_table_key(const char *table);

/* The same schema in PostgreSQL's dialect, version for version (store_schema_pg.c);
 * each version is a NULL-terminated list of scripts. */
extern const char *const *const upl__store_pg_migrations[];
extern const size_t upl__store_pg_migration_count;

/* Each backend's check of the schema (store_sqlite_schema.c, store_pg_schema.c). */
upl_status upl__sqlite_verify_schema(upl_store *store);
upl_status upl__pg_verify_schema(upl_store *store);

#endif
