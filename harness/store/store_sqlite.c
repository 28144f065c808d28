/* The SQLite backend of the store: a study is one file, opened in WAL mode; the write
 * lock is SQLite's (BEGIN IMMEDIATE), waited for by a busy handler of our own. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"
#include "store_schema.h"

#define DB(store) ((sqlite3 *)(store)->conn)

typedef struct sqlite_stmt {
    upl_sql_stmt base;
    sqlite3_stmt *stmt;
} sqlite_stmt;

#define STMT(s) (((sqlite_stmt *)(s))->stmt)

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

static upl_status sqlite_last_error(upl_store *store, const char **message)
{
    *message = DB(store) ? sqlite3_errmsg(DB(store)) : "out of memory";
    return DB(store) ? map_sqlite(sqlite3_extended_errcode(DB(store))) : UPL_NOMEM;
}

static upl_status sqlite_exec(upl_store *store, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(DB(store), sql, NULL, NULL, &err) != SQLITE_OK) {
        upl_status rc = map_sqlite(sqlite3_extended_errcode(DB(store)));
        upl__store_fail(store, rc, "%s", err ? err : sqlite3_errmsg(DB(store)));
        sqlite3_free(err);
        return rc;
    }
    return UPL_OK;
}

static upl_status sqlite_prepare(upl_store *store, const char *sql, upl_sql_stmt **out)
{
    sqlite_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return upl__store_fail(store, UPL_NOMEM, "out of memory");
    if (sqlite3_prepare_v2(DB(store), sql, -1, &s->stmt, NULL) != SQLITE_OK) {
        free(s);
        return upl__store_sqlfail(store, "cannot prepare a query");
    }
    s->base.backend = &upl__store_sqlite;
    s->base.store = store;
    *out = &s->base;
    return UPL_OK;
}

/* uplift's PRAGMA application_id ("UPLF"), written with the first migration: the mark
 * that tells a study from another application's SQLite database. */
#define APPLICATION_ID 0x55504c46

static upl_status query_int(upl_store *store, const char *sql, int64_t *value)
{
    sqlite3_stmt *stmt = NULL;
    int step = SQLITE_ERROR;
    if (sqlite3_prepare_v2(DB(store), sql, -1, &stmt, NULL) == SQLITE_OK &&
        (step = sqlite3_step(stmt)) == SQLITE_ROW)
        *value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (step == SQLITE_ROW)
        return UPL_OK;
    if ((sqlite3_extended_errcode(DB(store)) & 0xff) == SQLITE_NOTADB)
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
    upl_status rc = UPL_OK;
    if (sqlite3_prepare_v2(DB(store), "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK) {
        rc = upl__store_sqlfail(store, "cannot read the schema version");
        goto fail;
    }
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
            sqlite3_exec(DB(store), "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
    }
    char pragma[96];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %zu; PRAGMA application_id = %d",
             upl__store_migration_count, APPLICATION_ID);
    if ((rc = upl__store_exec(store, pragma)) != UPL_OK ||
        (rc = upl__store_exec(store, "COMMIT")) != UPL_OK) {
        sqlite3_exec(DB(store), "ROLLBACK", NULL, NULL, NULL);
        goto fail;
    }
    return UPL_OK;
fail:
    sqlite3_finalize(stmt);
    upl_diag_set(diag, rc, "cannot open study '%s': %s", store->path, store->errmsg);
    return rc;
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

static upl_status sqlite_open(upl_store *store, unsigned flags, upl_diag *diag)
{
    upl_status rc;
    sqlite3 *db = NULL;
    start_waiting(store);
    int open_flags = store->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (flags & UPL_STORE_CREATE)
        open_flags |= SQLITE_OPEN_CREATE;
    open_flags |= SQLITE_OPEN_NOMUTEX;
    int opened = sqlite3_open_v2(store->path, &db, open_flags, NULL);
    store->conn = db;
    if (opened != SQLITE_OK)
        return upl_diag_set(diag, UPL_IO, "cannot open study '%s': %s", store->path,
                            db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_extended_result_codes(db, 1);
    /* uplift's statements never run triggers: one planted in the file cannot rewrite what
     * a command stores before the audit records it (verify names any object uplift did
     * not create).  The audit log's append-only triggers guard it from other programs. */
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, (int *)NULL);
    sqlite3_busy_handler(db, busy_wait, store);
    /* before anything that could write (the WAL pragma converts a database) */
    if ((rc = check_identity(store, (flags & UPL_STORE_CREATE) != 0)) != UPL_OK)
        return upl_diag_set(diag, rc, "%s", store->errmsg);
    /* WAL: readers never block the writer, and a crash leaves whole transactions.
     * synchronous=FULL: a committed event survives power loss, not only a crash. */
    if ((!store->readonly && (rc = sqlite_exec(store, "PRAGMA journal_mode = WAL")) != UPL_OK) ||
        (rc = sqlite_exec(store, "PRAGMA foreign_keys = ON")) != UPL_OK ||
        (rc = sqlite_exec(store, "PRAGMA synchronous = FULL")) != UPL_OK)
        return upl_diag_set(diag, rc, "cannot open study '%s': %s", store->path, store->errmsg);
    return migrate(store, diag);
}

static void sqlite_close(upl_store *store)
{
    sqlite3_close_v2(DB(store));
    store->conn = NULL;
}

static upl_status sqlite_begin(upl_store *store, int write)
{
    return retry_busy(store, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static upl_status sqlite_commit(upl_store *store)
{
    return retry_busy(store, "COMMIT");
}

static void sqlite_rollback(upl_store *store)
{
    sqlite3_exec(DB(store), "ROLLBACK", NULL, NULL, NULL);
}

static int sqlite_step(upl_sql_stmt *s)
{
    int rc = sqlite3_step(STMT(s));
    return rc == SQLITE_ROW ? UPL_SQL_ROW : rc == SQLITE_DONE ? UPL_SQL_DONE : UPL_SQL_ERROR;
}

static void sqlite_reset(upl_sql_stmt *s)
{
    sqlite3_reset(STMT(s));
}

static void sqlite_finalize(upl_sql_stmt *s)
{
    sqlite3_finalize(STMT(s));
    free(s);
}

static int64_t sqlite_changes(upl_sql_stmt *s)
{
    return sqlite3_changes(sqlite3_db_handle(STMT(s)));
}

static int sqlite_bind_int64(upl_sql_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(STMT(s), i, v) == SQLITE_OK ? 0 : -1;
}

static int sqlite_bind_double(upl_sql_stmt *s, int i, double v)
{
    return sqlite3_bind_double(STMT(s), i, v) == SQLITE_OK ? 0 : -1;
}

static int sqlite_bind_text(upl_sql_stmt *s, int i, const char *text)
{
    return sqlite3_bind_text(STMT(s), i, text, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int sqlite_bind_null(upl_sql_stmt *s, int i)
{
    return sqlite3_bind_null(STMT(s), i) == SQLITE_OK ? 0 : -1;
}

static int sqlite_bind_parameter_count(upl_sql_stmt *s)
{
    return sqlite3_bind_parameter_count(STMT(s));
}

static int sqlite_column_count(upl_sql_stmt *s)
{
    return sqlite3_column_count(STMT(s));
}

static const char *sqlite_column_name(upl_sql_stmt *s, int i)
{
    return sqlite3_column_name(STMT(s), i);
}

static upl_sql_type sqlite_column_type(upl_sql_stmt *s, int i)
{
    switch (sqlite3_column_type(STMT(s), i)) {
    case SQLITE_INTEGER:
        return UPL_SQL_INTEGER;
    case SQLITE_FLOAT:
        return UPL_SQL_FLOAT;
    case SQLITE_NULL:
        return UPL_SQL_NULL;
    default:
        return UPL_SQL_TEXT;
    }
}

static int64_t sqlite_column_int64(upl_sql_stmt *s, int i)
{
    return sqlite3_column_int64(STMT(s), i);
}

static double sqlite_column_double(upl_sql_stmt *s, int i)
{
    return sqlite3_column_double(STMT(s), i);
}

static const char *sqlite_column_text(upl_sql_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(STMT(s), i);
}

static size_t sqlite_column_bytes(upl_sql_stmt *s, int i)
{
    return (size_t)sqlite3_column_bytes(STMT(s), i);
}

const upl_store_backend upl__store_sqlite = {
    .name = "sqlite",
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .prepare = sqlite_prepare,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .last_error = sqlite_last_error,
    .verify_schema = upl__sqlite_verify_schema,
    .step = sqlite_step,
    .reset = sqlite_reset,
    .finalize = sqlite_finalize,
    .changes = sqlite_changes,
    .bind_int64 = sqlite_bind_int64,
    .bind_double = sqlite_bind_double,
    .bind_text = sqlite_bind_text,
    .bind_null = sqlite_bind_null,
    .bind_parameter_count = sqlite_bind_parameter_count,
    .column_count = sqlite_column_count,
    .column_name = sqlite_column_name,
    .column_type = sqlite_column_type,
    .column_int64 = sqlite_column_int64,
    .column_double = sqlite_column_double,
    .column_text = sqlite_column_text,
    .column_bytes = sqlite_column_bytes,
};
