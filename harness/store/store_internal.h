/* Inside the store module: the handle and helpers shared by the files of harness/store/.
 * Nothing outside the files of harness/store/ includes this file; only the backend files
 * include a database client library (store_backend.h). */
#ifndef UPLIFT_STORE_INTERNAL_H
#define UPLIFT_STORE_INTERNAL_H

#include <stdint.h>

#include "store_backend.h"
#include "uplift/store.h"

struct upl_store {
    const upl_store_backend *backend;
    void *conn; /* the backend's connection */
    char *path; /* as given: a file name or a connection URI */
    int readonly;
    int in_transaction;
    int in_write;        /* the open transaction holds the write lock */
    int64_t clock;       /* 0: the system clock */
    unsigned wait_ms;    /* how long an operation waits for a lock */
    int64_t deadline_ms; /* CLOCK_MONOTONIC ms when the current wait gives up */
    int protocol_loaded;
    upl_protocol protocol; /* parsed from the study row on first use (upl_store_protocol) */
    char errmsg[512];
    upl_why why; /* the reason of the failure errmsg describes */
};

/* Sets the store's message (printf-style), clears its why and returns status. */
upl_status upl__store_fail(upl_store *store, upl_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* As upl__store_fail(), with the reason and its task and time (upl_why; name cleared). */
upl_status upl__store_fail_why(upl_store *store, upl_status status, upl_reason reason, int64_t task,
                               int64_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Takes the message and why of diag (a failure of the engine's pure logic). */
upl_status upl__store_fail_diag(upl_store *store, upl_status status, const upl_diag *diag);

/* UPL_OK when text (may be NULL) has no control character, else UPL_INVALID with the
 * message of upl__text_check() (harness/engine/text.h), which starts with what. */
upl_status upl__store_check_text(upl_store *store, const char *what, const char *text);

/* Sets the message from the backend's last error, prefixed by what was being done, with
 * its status (a lock -> UPL_BUSY, a constraint -> UPL_REFUSED, else UPL_DB mostly). */
upl_status upl__store_sqlfail(upl_store *store, const char *what);

/* Prepares sql; on failure sets the message and returns the mapped status. */
upl_status upl__store_prepare(upl_store *store, const char *sql, upl_sql_stmt **stmt);

/* Runs a statement that returns no rows (finalizes it).  Used for DDL and simple DML. */
upl_status upl__store_exec(upl_store *store, const char *sql);

/* Steps a prepared statement expected to finish without rows (UPL_SQL_DONE). */
upl_status upl__store_step_done(upl_store *store, upl_sql_stmt *stmt, const char *what);

/* Text of column i or NULL; a strdup'd copy or NULL (sets *failed on out-of-memory). */
char *upl__store_column_dup(upl_sql_stmt *stmt, int i, int *failed);

/* Column as double, NAN when NULL. */
double upl__store_column_double(upl_sql_stmt *stmt, int i);

/* The SQL expression the task table reads column c from (harness/store/store_table.c);
 * NULL when it has none (a column added to the map without one: a test catches it). */
const char *upl__store_task_column_sql(upl_task_column c);

/* ai_used column: UPL_AI_USED_UNKNOWN when NULL, else yes/no. */
int upl__store_column_ai_used(upl_sql_stmt *stmt, int i);

/* Steps a statement that selects task id: UPL_OK on its row, UPL_NOTFOUND with "no task
 * ID" (why UPL_REASON_NO_TASK) when there is none, the backend's failure otherwise
 * (message prefixed by what). */
upl_status upl__store_step_task(upl_store *store, upl_sql_stmt *stmt, int64_t id, const char *what);

/* Was the last failure on the connection a constraint (a duplicate, a check)? */
int upl__store_constraint_failed(upl_store *store);

/* Steps an INSERT ... RETURNING id: UPL_OK with *id, or the failure prefixed by what. */
upl_status upl__store_step_id(upl_store *store, upl_sql_stmt *stmt, int64_t *id, const char *what);

/* Binds a double, NULL when NAN. */
int upl__store_bind_double(upl_sql_stmt *stmt, int i, double v);

/* Appends an audit row for the record table/rowid as it is now (a snapshot of all its
 * columns), chained to the previous row's hash.  actor is a participant handle or
 * UPL_ACTOR_COORDINATOR; action a short verb such as "task.add". */
upl_status upl__store_audit(upl_store *store, const char *actor, const char *action,
                            const char *table, int64_t rowid);

/* Handle of the participant owning task id (the actor of participant commands). */
upl_status upl__store_task_owner(upl_store *store, int64_t task_id, char **handle);

/* Fails with UPL_REFUSED unless the store is inside a write transaction. */
upl_status upl__store_require_write(upl_store *store);

#endif
