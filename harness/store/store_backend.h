/* The store's backends: one struct of function pointers per database engine (SQLite,
 * PostgreSQL), chosen by upl_store_open() from the study's location.  The files of
 * harness/store/ speak SQL through upl__sql_*() and never name an engine's API; each
 * backend file (store_sqlite.c, store_pg.c) is the only one that includes its client
 * library.  Statements use `?` placeholders and the SQL both engines accept. */
#ifndef UPLIFT_STORE_BACKEND_H
#define UPLIFT_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "uplift/store.h"

/* upl__sql_step() results */
enum { UPL_SQL_DONE = 0, UPL_SQL_ROW = 1, UPL_SQL_ERROR = -1 };

/* The type of a result column's value in the current row. */
typedef enum { UPL_SQL_NULL, UPL_SQL_INTEGER, UPL_SQL_FLOAT, UPL_SQL_TEXT } upl_sql_type;

typedef struct upl_store_backend upl_store_backend;

/* A prepared statement; each backend extends it (the base is its first member). */
typedef struct upl_sql_stmt {
    const upl_store_backend *backend;
    upl_store *store;
} upl_sql_stmt;

struct upl_store_backend {
    const char *name; /* "sqlite", "postgresql" */

    /* Connects to store->path, checks that it holds a study (or, with UPL_STORE_CREATE,
     * nothing yet) and migrates its schema; the message goes to diag. */
    upl_status (*open)(upl_store *store, unsigned flags, upl_diag *diag);
    void (*close)(upl_store *store);

    /* Runs sql (one or more statements, no parameters, no rows). */
    upl_status (*exec)(upl_store *store, const char *sql);
    upl_status (*prepare)(upl_store *store, const char *sql, upl_sql_stmt **stmt);

    /* Transactions: a write transaction holds the study's one write lock, waiting for it
     * up to store->wait_ms; UPL_BUSY when the wait ran out. */
    upl_status (*begin)(upl_store *store, int write);
    upl_status (*commit)(upl_store *store);
    void (*rollback)(upl_store *store);

    /* The status and message of the last failed call on this store's connection. */
    upl_status (*last_error)(upl_store *store, const char **message);

    /* Every table, index, view, trigger (and function) must be the ones uplift creates. */
    upl_status (*verify_schema)(upl_store *store);

    int (*step)(upl_sql_stmt *stmt);   /* UPL_SQL_ROW, UPL_SQL_DONE or UPL_SQL_ERROR */
    void (*reset)(upl_sql_stmt *stmt); /* to run again; bindings are kept */
    void (*finalize)(upl_sql_stmt *stmt);
    int64_t (*changes)(upl_sql_stmt *stmt); /* rows the last run changed */

    /* Parameters are numbered from 1; text is copied. */
    int (*bind_int64)(upl_sql_stmt *stmt, int i, int64_t v);
    int (*bind_double)(upl_sql_stmt *stmt, int i, double v);
    int (*bind_text)(upl_sql_stmt *stmt, int i, const char *text);
    int (*bind_null)(upl_sql_stmt *stmt, int i);
    int (*bind_parameter_count)(upl_sql_stmt *stmt);

    /* Columns of the current row, numbered from 0; text stays valid until the next step. */
    int (*column_count)(upl_sql_stmt *stmt);
    const char *(*column_name)(upl_sql_stmt *stmt, int i);
    upl_sql_type (*column_type)(upl_sql_stmt *stmt, int i);
    int64_t (*column_int64)(upl_sql_stmt *stmt, int i);
    double (*column_double)(upl_sql_stmt *stmt, int i);
    const char *(*column_text)(upl_sql_stmt *stmt, int i); /* NULL when NULL */
    size_t (*column_bytes)(upl_sql_stmt *stmt, int i);
};

extern const upl_store_backend upl__store_sqlite;
extern const upl_store_backend upl__store_postgresql;

/* Is path a PostgreSQL connection URI (postgresql:// or postgres://)? */
int upl__store_is_postgresql(const char *path);

/* The statement calls, dispatched to the statement's backend. */
static inline int upl__sql_step(upl_sql_stmt *s)
{
    return s->backend->step(s);
}
static inline void upl__sql_reset(upl_sql_stmt *s)
{
    s->backend->reset(s);
}
static inline void upl__sql_finalize(upl_sql_stmt *s)
{
    if (s)
        s->backend->finalize(s);
}
static inline int64_t upl__sql_changes(upl_sql_stmt *s)
{
    return s->backend->changes(s);
}
static inline int upl__sql_bind_int64(upl_sql_stmt *s, int i, int64_t v)
{
    return s->backend->bind_int64(s, i, v);
}
static inline int upl__sql_bind_double(upl_sql_stmt *s, int i, double v)
{
    return s->backend->bind_double(s, i, v);
}
static inline int upl__sql_bind_text(upl_sql_stmt *s, int i, const char *t)
{
    return s->backend->bind_text(s, i, t);
}
static inline int upl__sql_bind_null(upl_sql_stmt *s, int i)
{
    return s->backend->bind_null(s, i);
}
static inline int upl__sql_bind_parameter_count(upl_sql_stmt *s)
{
    return s->backend->bind_parameter_count(s);
}
static inline int upl__sql_column_count(upl_sql_stmt *s)
{
    return s->backend->column_count(s);
}
static inline const char *upl__sql_column_name(upl_sql_stmt *s, int i)
{
    return s->backend->column_name(s, i);
}
static inline upl_sql_type upl__sql_column_type(upl_sql_stmt *s, int i)
{
    return s->backend->column_type(s, i);
}
static inline int64_t upl__sql_column_int64(upl_sql_stmt *s, int i)
{
    return s->backend->column_int64(s, i);
}
static inline int upl__sql_column_int(upl_sql_stmt *s, int i)
{
    return (int)s->backend->column_int64(s, i);
}
static inline double upl__sql_column_double(upl_sql_stmt *s, int i)
{
    return s->backend->column_double(s, i);
}
static inline const char *upl__sql_column_text(upl_sql_stmt *s, int i)
{
    return s->backend->column_text(s, i);
}
static inline size_t upl__sql_column_bytes(upl_sql_stmt *s, int i)
{
    return s->backend->column_bytes(s, i);
}

#endif
