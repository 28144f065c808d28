/* The study store: opening through a backend, transactions, errors and the helpers every
 * store file shares.  The engine-specific parts live in store_sqlite.c and store_pg.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"
#include "store_schema.h"
#include "text.h"

upl_status upl__store_fail(upl_store *store, upl_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(store->errmsg, sizeof store->errmsg, fmt, ap);
    va_end(ap);
    memset(&store->why, 0, sizeof store->why);
    return status;
}

upl_status upl__store_fail_why(upl_store *store, upl_status status, upl_reason reason, int64_t task,
                               int64_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(store->errmsg, sizeof store->errmsg, fmt, ap);
    va_end(ap);
    memset(&store->why, 0, sizeof store->why);
    store->why.reason = reason;
    store->why.task = task;
    store->why.at = at;
    return status;
}

upl_status upl__store_fail_diag(upl_store *store, upl_status status, const upl_diag *diag)
{
    snprintf(store->errmsg, sizeof store->errmsg, "%s", diag->msg);
    store->why = diag->why;
    return status;
}

upl_status upl__store_check_text(upl_store *store, const char *what, const char *text)
{
    upl_diag diag = {0};
    if (upl__text_check(what, text, &diag) != UPL_OK)
        return upl__store_fail(store, UPL_INVALID, "%s", diag.msg);
    return UPL_OK;
}

upl_status upl__store_sqlfail(upl_store *store, const char *what)
{
    const char *message = NULL;
    upl_status status = store->backend->last_error(store, &message);
    return upl__store_fail(store, status, "%s: %s", what, message ? message : "unknown error");
}

int upl__store_constraint_failed(upl_store *store)
{
    const char *message = NULL;
    return store->backend->last_error(store, &message) == UPL_REFUSED;
}

upl_status upl__store_prepare(upl_store *store, const char *sql, upl_sql_stmt **stmt)
{
    *stmt = NULL;
    return store->backend->prepare(store, sql, stmt);
}

upl_status upl__store_exec(upl_store *store, const char *sql)
{
    return store->backend->exec(store, sql);
}

upl_status upl__store_step_done(upl_store *store, upl_sql_stmt *stmt, const char *what)
{
    int rc = upl__sql_step(stmt);
    if (rc != UPL_SQL_DONE)
        return upl__store_sqlfail(store, what);
    return UPL_OK;
}

upl_status upl__store_step_id(upl_store *store, upl_sql_stmt *stmt, int64_t *id, const char *what)
{
    if (upl__sql_step(stmt) != UPL_SQL_ROW)
        return upl__store_sqlfail(store, what);
    *id = upl__sql_column_int64(stmt, 0);
    if (upl__sql_step(stmt) != UPL_SQL_DONE)
        return upl__store_sqlfail(store, what);
    return UPL_OK;
}

char *upl__store_column_dup(upl_sql_stmt *stmt, int i, int *failed)
{
    const char *text = upl__sql_column_text(stmt, i);
    if (!text)
        return NULL;
    size_t len = upl__sql_column_bytes(stmt, i);
    char *copy = malloc(len + 1);
    if (!copy) {
        *failed = 1;
        return NULL;
    }
    memcpy(copy, text, len + 1);
    return copy;
}

double upl__store_column_double(upl_sql_stmt *stmt, int i)
{
    if (upl__sql_column_type(stmt, i) == UPL_SQL_NULL)
        return NAN;
    return upl__sql_column_double(stmt, i);
}

int upl__store_column_ai_used(upl_sql_stmt *stmt, int i)
{
    if (upl__sql_column_type(stmt, i) == UPL_SQL_NULL)
        return UPL_AI_USED_UNKNOWN;
    return upl__sql_column_int(stmt, i) ? UPL_AI_USED_YES : UPL_AI_USED_NO;
}

upl_status upl__store_step_task(upl_store *store, upl_sql_stmt *stmt, int64_t id, const char *what)
{
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_ROW)
        return UPL_OK;
    if (step == UPL_SQL_DONE)
        return upl__store_fail_why(store, UPL_NOTFOUND, UPL_REASON_NO_TASK, id, 0, "no task %lld",
                                   (long long)id);
    return upl__store_sqlfail(store, what);
}

int upl__store_bind_double(upl_sql_stmt *stmt, int i, double v)
{
    if (isnan(v))
        return upl__sql_bind_null(stmt, i);
    return upl__sql_bind_double(stmt, i, v);
}

upl_status upl__store_require_write(upl_store *store)
{
    if (store->readonly || !store->in_transaction || !store->in_write)
        return upl__store_fail(store, UPL_INVALID, "a change needs a write transaction");
    return UPL_OK;
}

const char *upl_store_errmsg(const upl_store *store)
{
    return store ? store->errmsg : "no store";
}

const upl_why *upl_store_why(const upl_store *store)
{
    static const upl_why none = {0};
    return store ? &store->why : &none;
}

upl_status upl_store_diag(const upl_store *store, upl_status status, upl_diag *diag)
{
    if (diag) {
        snprintf(diag->msg, sizeof diag->msg, "%s", upl_store_errmsg(store));
        diag->why = *upl_store_why(store);
    }
    return status;
}

const char *upl_store_path(const upl_store *store)
{
    return store->path;
}

void upl_store_set_clock(upl_store *store, int64_t now_utc)
{
    store->clock = now_utc;
}

int64_t upl_store_now(const upl_store *store)
{
    if (store->clock)
        return store->clock;
    return (int64_t)time(NULL);
}

int upl__store_is_postgresql(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

int upl_store_on_server(const char *path)
{
    return upl__store_is_postgresql(path);
}

upl_status upl_store_open(const char *path, unsigned flags, upl_store **out, upl_diag *diag)
{
    *out = NULL;
    upl_store *store = calloc(1, sizeof *store);
    if (!store)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    size_t len = strlen(path) + 1;
    if (!(store->path = malloc(len))) {
        free(store);
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    }
    memcpy(store->path, path, len);
    store->readonly = (flags & UPL_STORE_READONLY) != 0;
    store->wait_ms = UPL_STORE_DEFAULT_WAIT_MS;
    store->backend = upl__store_is_postgresql(path) ? &upl__store_postgresql : &upl__store_sqlite;
    upl_status rc = store->backend->open(store, flags, diag);
    if (rc != UPL_OK) {
        upl_store_close(store);
        return rc;
    }
    *out = store;
    return UPL_OK;
}

void upl_store_close(upl_store *store)
{
    if (!store)
        return;
    if (store->in_transaction)
        upl_store_rollback(store);
    store->backend->close(store);
    upl_protocol_release(&store->protocol);
    free(store->path);
    free(store);
}

void upl_store_set_wait(upl_store *store, unsigned wait_ms)
{
    store->wait_ms = wait_ms;
}

const char *upl_store_backend_name(const upl_store *store)
{
    return store->backend->name;
}

upl_status upl_store_begin(upl_store *store, int write)
{
    if (store->in_transaction)
        return upl__store_fail(store, UPL_INVALID, "a transaction is already open");
    if (write && store->readonly)
        return upl__store_fail(store, UPL_INVALID, "the study is open read-only");
    upl_status rc = store->backend->begin(store, write);
    if (rc == UPL_BUSY)
        return upl__store_fail(store, rc, "'%s' is locked by another writer (waited %g s)",
                               store->path, (double)store->wait_ms / 1000.0);
    if (rc != UPL_OK) {
        const char *message = NULL;
        store->backend->last_error(store, &message);
        return upl__store_fail(store, rc, "cannot start a transaction on '%s': %s", store->path,
                               message ? message : upl_strerror(rc));
    }
    store->in_transaction = 1;
    store->in_write = write != 0;
    return UPL_OK;
}

upl_status upl_store_commit(upl_store *store)
{
    if (!store->in_transaction)
        return upl__store_fail(store, UPL_INVALID, "no transaction to commit");
    upl_status rc = store->backend->commit(store);
    if (rc != UPL_OK) {
        upl_status keep = rc;
        char msg[sizeof store->errmsg];
        snprintf(msg, sizeof msg, "%s", store->errmsg);
        upl_store_rollback(store);
        return upl__store_fail(store, keep, "cannot commit: %s", msg);
    }
    store->in_transaction = 0;
    return UPL_OK;
}

void upl_store_rollback(upl_store *store)
{
    if (!store->in_transaction)
        return;
    store->backend->rollback(store);
    store->in_transaction = 0;
}
