/* The schema migrations and the list of audited tables (store module only). */
#ifndef UPLIFT_STORE_SCHEMA_H
#define UPLIFT_STORE_SCHEMA_H

#include <stddef.h>

extern const char *const upl__store_migrations[];
extern const size_t upl__store_migration_count;
extern const char *const upl__store_audited_tables[];

#endif
