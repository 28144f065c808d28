/* The study store on SQLite: opening, schema migration, transactions and errors. */
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

/* Retries of BEGIN IMMEDIATE and COMMIT when SQLite returns BUSY without calling the
 * busy handler (a WAL recovery in another process, a lock upgrade); they share the
 * operation's one deadline with the busy handler. */
#define BEGIN_RETRIES 8

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts one wait for a lock: the busy handler and the retries give up at the deadline. */
static void start_waiting(upl_store *store)
{
    store->deadline_ms = monotonic_ms() + (int64_t)store->wait_ms;
}

/* ---- waiting for the write lock (added for the timing logger, issue 4) ----
 * SQLite's busy_timeout handler sleeps up to 100 ms at a time, so with many writers
 * queued the lock often sits free while every waiter sleeps.  This handler retries in
 * short steps, 1 ms growing to 8 ms plus up to 1 ms of jitter that differs by process
 * and attempt, until the deadline of the operation waiting (store->wait_ms after it
 * started; a lock met outside begin/commit starts a wait of its own).  16 processes
 * logging at once (tests/cli/t420-timing-concurrency.sh): 20-30% faster than
 * busy_timeout. */
static int busy_wait(void *ctx, int count)
{
    static const long step_us[] = {1000, 1000, 2000, 2000, 4000, 4000, 8000};
    const int n_steps = (int)(sizeof step_us / sizeof step_us[0]);
    upl_store *store = ctx;
    int64_t now = monotonic_ms();
    if (count == 0 && now >= store->deadline_ms)
        start_waiting(store); /* a statement's first wait, not inside begin/commit */
    if (now >= store->deadline_ms)
        return 0;
    long us = count < n_steps ? step_us[count] : step_us[n_steps - 1];
    us += (long)(((unsigned)getpid() * 2654435761u + (unsigned)count * 40503u) % 1000u);
    int64_t left_us = (store->deadline_ms - now) * 1000;
    if (us > left_us)
        us = (long)left_us;
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
    return 1;
}
/* ---- end of the busy handler ---- */

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

static upl_status map_sqlite(int code)
{
    switch (code & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return UPL_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return UPL_BUSY;
    case SQLITE_CONSTRAINT:
        return UPL_REFUSED;
    case SQLITE_NOMEM:
        return UPL_NOMEM;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
        return UPL_IO;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return UPL_INTEGRITY;
    default:
        return UPL_DB;
    }
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
    int code = sqlite3_extended_errcode(store->db);
    return upl__store_fail(store, map_sqlite(code), "%s: %s", what, sqlite3_errmsg(store->db));
}

upl_status upl__store_prepare(upl_store *store, const char *sql, sqlite3_stmt **stmt)
{
    if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return upl__store_sqlfail(store, "cannot prepare a query");
    }
    return UPL_OK;
}

upl_status upl__store_exec(upl_store *store, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(store->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        upl_status rc = map_sqlite(sqlite3_extended_errcode(store->db));
        upl__store_fail(store, rc, "%s", err ? err : sqlite3_errmsg(store->db));
        sqlite3_free(err);
        return rc;
    }
    return UPL_OK;
}

upl_status upl__store_step_done(upl_store *store, sqlite3_stmt *stmt, const char *what)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        return upl__store_sqlfail(store, what);
    return UPL_OK;
}

char *upl__store_column_dup(sqlite3_stmt *stmt, int i, int *failed)
{
    const unsigned char *text = sqlite3_column_text(stmt, i);
    if (!text)
        return NULL;
    size_t len = (size_t)sqlite3_column_bytes(stmt, i);
    char *copy = malloc(len + 1);
    if (!copy) {
        *failed = 1;
        return NULL;
    }
    memcpy(copy, text, len + 1);
    return copy;
}

double upl__store_column_double(sqlite3_stmt *stmt, int i)
{
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(stmt, i);
}

int upl__store_column_ai_used(sqlite3_stmt *stmt, int i)
{
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
        return UPL_AI_USED_UNKNOWN;
    return sqlite3_column_int(stmt, i) ? UPL_AI_USED_YES : UPL_AI_USED_NO;
}

upl_status upl__store_step_task(upl_store *store, sqlite3_stmt *stmt, int64_t id, const char *what)
{
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW)
        return UPL_OK;
    if (step == SQLITE_DONE)
        return upl__store_fail_why(store, UPL_NOTFOUND, UPL_REASON_NO_TASK, id, 0, "no task %lld",
                                   (long long)id);
    return upl__store_sqlfail(store, what);
}

int upl__store_bind_double(sqlite3_stmt *stmt, int i, double v)
{
    if (isnan(v))
        return sqlite3_bind_null(stmt, i);
    return sqlite3_bind_double(stmt, i, v);
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

/* uplift's PRAGMA application_id ("UPLF"), written with the first migration: the mark
 * that tells a study from another application's SQLite database. */
#define APPLICATION_ID 0x55504c46

static upl_status query_int(upl_store *store, const char *sql, int64_t *value)
{
    sqlite3_stmt *stmt = NULL;
    int step = SQLITE_ERROR;
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        (step = sqlite3_step(stmt)) == SQLITE_ROW)
        *value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (step == SQLITE_ROW)
        return UPL_OK;
    if ((sqlite3_extended_errcode(store->db) & 0xff) == SQLITE_NOTADB)
        return upl__store_fail(store, UPL_INVALID,
                               "'%s' is not an uplift study (not a SQLite "
                               "database)",
                               store->path);
    return upl__store_sqlfail(store, "cannot read the database header");
}

/* Is the database a study (uplift's application id, or a study made before the id was
 * written: a schema version and uplift's tables)?  An empty database (a zero-length
 * file, or no schema at all) is one only to create a study in.  Reads, never writes:
 * anything else is refused as it is. */
static upl_status check_identity(upl_store *store, int create)
{
    int64_t app_id = 0, version = 0, objects = 0, tables = 0;
    upl_status rc;
    if ((rc = query_int(store, "PRAGMA application_id", &app_id)) != UPL_OK ||
        (rc = query_int(store, "PRAGMA user_version", &version)) != UPL_OK ||
        (rc = query_int(store, "SELECT count(*) FROM sqlite_master", &objects)) != UPL_OK ||
        (rc = query_int(store,
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                        "('study', 'participant', 'task', 'allocation', 'timing_event', 'audit')",
                        &tables)) != UPL_OK)
        return rc;
    if (app_id == APPLICATION_ID || (app_id == 0 && version >= 1 && tables == 6))
        return UPL_OK;
    if (app_id == 0 && version == 0 && objects == 0)
        return create ? UPL_OK
                      : upl__store_fail(store, UPL_INVALID,
                                        "'%s' is not an uplift study (an empty database)",
                                        store->path);
    return upl__store_fail(store, UPL_INVALID,
                           "'%s' is not an uplift study (a SQLite database of another "
                           "application)",
                           store->path);
}

static upl_status migrate(upl_store *store, upl_diag *diag)
{
    sqlite3_stmt *stmt = NULL;
    upl_status rc = upl__store_prepare(store, "PRAGMA user_version", &stmt);
    if (rc != UPL_OK)
        goto fail;
    if (sqlite3_step(stmt) != SQLITE_ROW) {
        rc = upl__store_sqlfail(store, "cannot read the schema version");
        goto fail;
    }
    int64_t version = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (version > (int64_t)upl__store_migration_count) {
        rc = upl__store_fail(store, UPL_UNSUPPORTED,
                             "'%s' has schema version %lld, newer than this uplift (%zu): "
                             "upgrade uplift",
                             store->path, (long long)version, upl__store_migration_count);
        goto fail;
    }
    if (version == (int64_t)upl__store_migration_count)
        return UPL_OK;
    if (store->readonly) {
        rc = upl__store_fail(store, UPL_UNSUPPORTED,
                             "'%s' has schema version %lld and needs an upgrade: run any "
                             "command that changes the study",
                             store->path, (long long)version);
        goto fail;
    }
    if ((rc = upl__store_exec(store, "BEGIN IMMEDIATE")) != UPL_OK)
        goto fail;
    for (size_t v = (size_t)version; v < upl__store_migration_count; v++) {
        if ((rc = upl__store_exec(store, upl__store_migrations[v])) != UPL_OK) {
            sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
    }
    char pragma[96];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %zu; PRAGMA application_id = %d",
             upl__store_migration_count, APPLICATION_ID);
    if ((rc = upl__store_exec(store, pragma)) != UPL_OK ||
        (rc = upl__store_exec(store, "COMMIT")) != UPL_OK) {
        sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    return UPL_OK;
fail:
    sqlite3_finalize(stmt);
    upl_diag_set(diag, rc, "cannot open study '%s': %s", store->path, store->errmsg);
    return rc;
}

upl_status upl_store_open(const char *path, unsigned flags, upl_store **out, upl_diag *diag)
{
    upl_status rc = UPL_OK;
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
    start_waiting(store);

    int open_flags = store->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & UPL_STORE_CREATE)
        open_flags |= SQLITE_OPEN_CREATE;
    open_flags |= SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &store->db, open_flags, NULL) != SQLITE_OK) {
        rc = upl_diag_set(diag, UPL_IO, "cannot open study '%s': %s", path,
                          store->db ? sqlite3_errmsg(store->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(store->db, 1);
    /* uplift's statements never run triggers: one planted in the file cannot rewrite what
     * a command stores before the audit records it (verify names any object uplift did
     * not create).  The audit log's append-only triggers guard it from other programs. */
    sqlite3_db_config(store->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_busy_handler(store->db, busy_wait, store);
    /* before anything that could write (the WAL pragma converts a database) */
    if ((rc = check_identity(store, (flags & UPL_STORE_CREATE) != 0)) != UPL_OK) {
        upl_diag_set(diag, rc, "%s", store->errmsg);
        goto fail;
    }
    /* WAL: readers never block the writer, and a crash leaves whole transactions.
     * synchronous=FULL: a committed event survives power loss, not only a crash. */
    if ((!store->readonly &&
         (rc = upl__store_exec(store, "PRAGMA journal_mode = WAL")) != UPL_OK) ||
        (rc = upl__store_exec(store, "PRAGMA foreign_keys = ON")) != UPL_OK ||
        (rc = upl__store_exec(store, "PRAGMA synchronous = FULL")) != UPL_OK) {
        upl_diag_set(diag, rc, "cannot open study '%s': %s", path, store->errmsg);
        goto fail;
    }
    if ((rc = migrate(store, diag)) != UPL_OK)
        goto fail;
    *out = store;
    return UPL_OK;
fail:
    upl_store_close(store);
    return rc;
}

void upl_store_close(upl_store *store)
{
    if (!store)
        return;
    if (store->in_transaction)
        upl_store_rollback(store);
    sqlite3_close_v2(store->db);
    upl_protocol_release(&store->protocol);
    free(store->path);
    free(store);
}

static void backoff(int attempt)
{
    struct timespec ts = {0, (long)(10000000L << (attempt < 6 ? attempt : 6))};
    nanosleep(&ts, NULL);
}

/* Runs sql (BEGIN or COMMIT) within one wait: the busy handler waits for the lock, and
 * a BUSY returned at once is retried with backoff until the same deadline. */
static upl_status retry_busy(upl_store *store, const char *sql)
{
    start_waiting(store);
    upl_status rc = upl__store_exec(store, sql);
    for (int attempt = 0;
         rc == UPL_BUSY && attempt < BEGIN_RETRIES && monotonic_ms() < store->deadline_ms;
         attempt++) {
        backoff(attempt);
        rc = upl__store_exec(store, sql);
    }
    return rc;
}

void upl_store_set_wait(upl_store *store, unsigned wait_ms)
{
    store->wait_ms = wait_ms;
}

upl_status upl_store_begin(upl_store *store, int write)
{
    if (store->in_transaction)
        return upl__store_fail(store, UPL_INVALID, "a transaction is already open");
    if (write && store->readonly)
        return upl__store_fail(store, UPL_INVALID, "the study is open read-only");
    const char *sql = write ? "BEGIN IMMEDIATE" : "BEGIN";
    upl_status rc = retry_busy(store, sql);
    if (rc == UPL_BUSY)
        return upl__store_fail(store, rc, "'%s' is locked by another writer (waited %g s)",
                               store->path, (double)store->wait_ms / 1000.0);
    if (rc != UPL_OK)
        return upl__store_fail(store, rc, "cannot start a transaction on '%s': %s", store->path,
                               sqlite3_errmsg(store->db));
    store->in_transaction = 1;
    store->in_write = write != 0;
    return UPL_OK;
}

upl_status upl_store_commit(upl_store *store)
{
    if (!store->in_transaction)
        return upl__store_fail(store, UPL_INVALID, "no transaction to commit");
    upl_status rc = retry_busy(store, "COMMIT");
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
    sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
    store->in_transaction = 0;
}
