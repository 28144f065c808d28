/* The study store: one database holding a study's protocol, participants, tasks,
 * allocations, timing events and its hash-chained audit log: a SQLite file, or a
 * PostgreSQL database named by a connection URI.  Every statement of SQL in uplift lives
 * behind this interface; nothing above it knows which backend holds the study.
 *
 * Transactions: the caller brackets each user-level operation with
 * upl_store_begin()/upl_store_commit() (or _rollback()); the mutators below never
 * commit on their own, so an operation is all or nothing.  Every mutator appends one
 * audit row (who, what, when, a snapshot of the changed record) in the same
 * transaction.
 *
 * Errors: functions return an upl_status; the message of the last failure is
 * upl_store_errmsg() and its reason upl_store_why() (uplift/status.h), both valid until
 * the next call on the same store.  The message says what is wrong; what to do about it
 * is the caller's to say, chosen by the reason. */
#ifndef UPLIFT_STORE_H
#define UPLIFT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "uplift/protocol.h"
#include "uplift/status.h"
#include "uplift/study.h"
#include "uplift/task.h"
#include "uplift/timing.h"

typedef struct upl_store upl_store;

#define UPL_STORE_SCHEMA_VERSION 1
#define UPL_ACTOR_COORDINATOR    "coordinator"

enum {
    UPL_STORE_CREATE = 1 << 0,  /* create the file, or use an empty one */
    UPL_STORE_READONLY = 1 << 1 /* open read-only */
};

/* Opens (or with UPL_STORE_CREATE creates) the study at path, migrating its schema to
 * UPL_STORE_SCHEMA_VERSION.  path is a SQLite file name, or a PostgreSQL connection URI
 * (postgresql://... or postgres://..., libpq's syntax and environment).  Only a study is
 * opened: an empty database only with UPL_STORE_CREATE, and anything else (another
 * application's database, a file that is not one) fails with UPL_INVALID, the database
 * left as it was.  On failure *out is
 * NULL and, when diag is given, it holds the reason. */
upl_status upl_store_open(const char *path, unsigned flags, upl_store **out, upl_diag *diag);
/* Rolls back any open transaction and closes; NULL is a no-op. */
void upl_store_close(upl_store *store);
const char *upl_store_errmsg(const upl_store *store);
/* Why the last failure happened: the reason and the facts advice needs (the task, the
 * earliest time allowed, a handle), UPL_REASON_NONE when none in particular.  Never
 * NULL (a NULL store gives UPL_REASON_NONE). */
const upl_why *upl_store_why(const upl_store *store);
/* Copies the last failure (message and why) into diag (may be NULL) and returns status,
 * for a function that reports a failure of the store through its own diag:
 * `return upl_store_diag(store, rc, diag);`. */
upl_status upl_store_diag(const upl_store *store, upl_status status, upl_diag *diag);
const char *upl_store_path(const upl_store *store);
/* "sqlite" or "postgresql". */
const char *upl_store_backend_name(const upl_store *store);
/* Is path a database server's connection URI (postgresql://, postgres://) rather than
 * a file name?  Such a study has no file beside which its key or output could live. */
int upl_store_on_server(const char *path);

/* write != 0 takes the study's one write lock at once, waiting for other writers up to
 * the store's wait (upl_store_set_wait); UPL_BUSY when the wait ran out.  A reader gets
 * a consistent snapshot and never waits for a writer. */
upl_status upl_store_begin(upl_store *store, int write);
upl_status upl_store_commit(upl_store *store);
void upl_store_rollback(upl_store *store);

/* How long one operation (begin, commit, a statement) waits for a lock held by another
 * connection before it fails with UPL_BUSY: UPL_STORE_DEFAULT_WAIT_MS unless set; 0
 * fails at once. */
#define UPL_STORE_DEFAULT_WAIT_MS 30000u
void upl_store_set_wait(upl_store *store, unsigned wait_ms);

/* Overrides the clock (seconds since the epoch, UTC) for tests; 0 restores it. */
void upl_store_set_clock(upl_store *store, int64_t now_utc);
int64_t upl_store_now(const upl_store *store);

/* ---- the study ---- */

/* Creates the study (once per database).  The secret itself is never stored. */
upl_status upl_store_study_create(upl_store *store, const upl_protocol *protocol,
                                  const char *protocol_text, const char *commitment_hex,
                                  const char *rng_name, char uid_out[33]);
/* Reads the study (uplift/study.h); release with upl_study_info_release(). UPL_NOTFOUND:
 * no study (why UPL_REASON_NO_STUDY). */
upl_status upl_store_study_get(upl_store *store, upl_study_info *info);
/* The study's protocol, parsed from its stored text on the first call and kept by the
 * handle: *protocol is borrowed (never release it), the same object on every later
 * call and valid until upl_store_close().  Every function of this store that needs the
 * protocol uses that one parse, so a command reads the YAML once however many of them
 * it calls.  UPL_NOTFOUND when there is no study yet; the parser's status (UPL_PARSE)
 * when the stored text no longer parses, with upl_store_errmsg() saying so. */
upl_status upl_store_protocol(upl_store *store, const upl_protocol **protocol);

/* ---- participants ---- */

typedef struct upl_attr {
    const char *key;
    const char *value;
} upl_attr;

upl_status upl_store_participant_add(upl_store *store, const char *handle, const upl_attr *attrs,
                                     size_t n_attrs, int64_t *id_out);
/* Calls fn for each participant in handle order; a non-zero return stops the walk and
 * is passed back through *stopped (when not NULL). */
typedef int (*upl_participant_fn)(void *ctx, int64_t id, const char *handle, const upl_attr *attrs,
                                  size_t n_attrs, size_t n_tasks);
upl_status upl_store_participant_each(upl_store *store, upl_participant_fn fn, void *ctx);
/* The id of the participant with handle; UPL_NOTFOUND when there is none, with why
 * UPL_REASON_NO_PARTICIPANT and why.name the handle when it is one that could be added. */
upl_status upl_store_participant_id(upl_store *store, const char *handle, int64_t *id);

/* A participant whose handle equals handle but for case (ASCII), the exact handle
 * itself left out: *existing receives it (the first in handle order; free() it), or NULL
 * when there is none.  Read-only; a likely duplicate for the caller to refuse or allow
 * (harness/store/store_participant.c). */
upl_status upl_store_participant_like(upl_store *store, const char *handle, char **existing);

/* ---- tasks ---- */

typedef struct upl_task_new {
    const char *participant; /* handle, must exist */
    const char *title;
    const char *category;   /* may be NULL */
    const char *url;        /* may be NULL */
    double forecast_ai_min; /* NAN when not given; both or neither */
    double forecast_no_ai_min;
    size_t n_covariates;
    const upl_attr *covariates; /* protocol-declared covariates; an empty value is not
                                   recorded (NULL in the table, an empty export cell) */
} upl_task_new;

upl_status upl_store_task_add(upl_store *store, const upl_task_new *task, int64_t *id_out);

/* Everything the store knows about one task. Strings owned by the struct; release with
 * upl_task_info_release(). */
typedef struct upl_task_info {
    int64_t id;
    char *participant;
    char *title;
    char *category;
    char *url;
    double forecast_ai_min, forecast_no_ai_min; /* NAN when missing */
    upl_task_status status;
    char *excluded_reason;
    char *arm;           /* NULL before assignment */
    double measured_min; /* NAN when no closed interval */
    double reported_min, post_review_min, perceived_pct;
    int ai_used;
    int64_t created_at;
} upl_task_info;

upl_status upl_store_task_get(upl_store *store, int64_t id, upl_task_info *info);
void upl_task_info_release(upl_task_info *info);

/* Records both forecasts; UPL_REFUSED once the task is assigned or excluded. */
upl_status upl_store_task_forecast(upl_store *store, int64_t id, double ai_min, double no_ai_min);
/* Takes a task out of the study with a reason: status "excluded", or "abandoned" when
 * abandoned is set (the participant gave it up after assignment).  UPL_REFUSED when
 * it is already excluded or abandoned, or done. */
upl_status upl_store_task_exclude(upl_store *store, int64_t id, const char *reason, int abandoned);

/* The task table (README.md, Reference) of the study: one row per task in id order, with
 * protocol covariates as extra columns and the protocol's arms in order.
 * participant_filter may be NULL. */
upl_status upl_store_task_table(upl_store *store, const char *participant_filter, upl_dataset *out);

/* ---- CONSORT counts ---- */

upl_status upl_store_consort(upl_store *store, upl_consort *out);

/* ---- the audit log ---- */

/* Copies every row of the study in from (inside a transaction) into to (an empty study,
 * inside a write transaction): keys, allocation and audit chain as they are, so that the
 * copy verifies and exports the same, whichever backends the two are.  *n_rows is the
 * number of rows copied.  UPL_REFUSED when to holds a study already. */
upl_status upl_store_copy(upl_store *from, upl_store *to, size_t *n_rows);

/* Walks the audit chain and compares every audited table with the state the audit
 * recorded, then the schema with the one this build creates (every table, index, view
 * and trigger by its SQL text; a differing, missing or extra object is named) and each
 * task's measured time with the one its audited timing events give.  UPL_OK when intact;
 * UPL_INTEGRITY with the first problem in upl_store_errmsg() and, when given, *bad_seq set to the
 * audit row involved (0 when the problem is a table row with no audit record).  *n_rows receives
 * the chain length and head_hex (65 bytes, may be NULL) its last hash. */
upl_status upl_store_audit_verify(upl_store *store, size_t *n_rows, int64_t *bad_seq,
                                  char *head_hex);

/* ---- timing: events and self-reports (issue 4; harness/store/store_timing.c) ---- */

/* Logs one timing event of task task_id happening at `at` (UTC; manual = entered by
 * hand, back-dated), audited as the task's participant.  Refused (UPL_REFUSED, what is
 * wrong in upl_store_errmsg(), the reason in upl_store_why()): a task that is not
 * assigned (NOT_ASSIGNED), is excluded or abandoned (NOT_IN_STUDY) or done (TASK_DONE);
 * an event the task's history does not allow (upl_timing_check: order of kinds, time
 * order, future); an event before the task's assignment (TOO_EARLY, why.at the
 * assignment); a start or resume that would overlap another running task of the same
 * participant unless the protocol sets allow_parallel_tasks (timers of excluded and
 * abandoned tasks do not count): TIMER_RUNNING with why.task the other task while it
 * runs, TOO_EARLY with why.at the end of its stretch when the event is back-dated into
 * it.  UPL_NOTFOUND (NO_TASK): no such task.  A start moves the task to in_progress.
 * *event_id (may be NULL) receives the new event's id. */
upl_status upl_store_timing_log(upl_store *store, int64_t task_id, upl_event_kind kind, int64_t at,
                                int manual, int64_t *event_id);

/* The task's events in time order.  *events is allocated (free() it) and NULL when *n
 * is 0; both are valid only on UPL_OK. */
upl_status upl_store_timing_events(upl_store *store, int64_t task_id, upl_timing_event **events,
                                   size_t *n);

/* What a self-report says of the review when it gives no post-review time. */
typedef enum upl_review {
    UPL_REVIEW_UNSAID = 0, /* nothing: a first report records 0 minutes (no review) */
    UPL_REVIEW_PENDING,    /* first report only: the review has not come back, so
                              post_review_min stays empty (missing) until a later report */
    UPL_REVIEW_NONE        /* the review needed no work: 0 minutes, also closing a pending
                              review */
} upl_review;

/* A participant's self-report; a field left at its cleared value is not given. */
typedef struct upl_self_report {
    double reported_min;    /* time to the first review-ready submission; NAN: not given */
    double post_review_min; /* time spent after review; NAN: not given */
    double perceived_pct;   /* AI's effect on time as the participant sees it (-0.2 = 20%
                               less); NAN: not given */
    int ai_used;            /* UPL_AI_USED_*; UNKNOWN: not given */
    upl_review review;      /* what is known of the review, beside post_review_min */
} upl_self_report;

/* Sets every field to "not given". */
void upl_self_report_clear(upl_self_report *r);

/* Records a self-report (`uplift done`).  With reported_min: the first report; the task
 * becomes done, post_review_min is 0 unless given or review is UPL_REVIEW_PENDING (then
 * it stays empty: missing for the analysis until reported).  Refused when the task
 * already has a reported time or its timer is still running or paused.  A task never
 * timed may be reported (self-reports alone are valid data).  Without reported_min: a
 * later addition to a done task: post_review_min adds one round of review work to the
 * total (a pending review becomes that round), UPL_REVIEW_NONE closes a pending review
 * at 0 minutes (refused when review time is already recorded), and perceived_pct /
 * ai_used fill values left empty (never overwrite them).  Refused on tasks not
 * assigned, excluded or abandoned.  The reasons (upl_store_why()): NOT_ASSIGNED,
 * NOT_IN_STUDY, TASK_DONE (a first report given twice), TIMER_OPEN, NOT_REPORTED (an
 * addition before the first report).  UPL_INVALID for out-of-range values, an empty
 * report, a pending review given with a post-review time or without reported_min. */
upl_status upl_store_task_done(upl_store *store, int64_t task_id, const upl_self_report *report);

/* Timing of one task as `task show` and `task list` display it. */
typedef struct upl_task_timing {
    upl_timing_summary summary; /* state, measured time, open stretch */
    double reported_min;        /* NAN when not reported */
    double tolerance;           /* the protocol's report_tolerance */
    unsigned flags;             /* UPL_TIMING_FLAG_*: all four kinds */
    int64_t overlap_task;       /* a task that overlapped (with FLAG_OVERLAP), else 0 */
} upl_task_timing;

/* Computes the timing of task task_id at the store's clock: measured time as in the
 * task table, and every flag (a mismatch uses the protocol's report_tolerance; an
 * overlap looks at all other tasks of the participant).  Read-only. */
upl_status upl_store_task_timing(upl_store *store, int64_t task_id, upl_task_timing *out);

/* The timing of every task that has events (of one participant when participant is not
 * NULL), in task id order, computed in one pass: the same values as
 * upl_store_task_timing() gives task by task (there and here an overlap names the
 * overlapping task with the lowest id).  Tasks without events are not visited (their
 * measured time is empty and they have no flags).  A non-zero return from fn stops the
 * walk.  The struct passed to fn is valid during the call only.  Read-only. */
typedef int (*upl_task_timing_fn)(void *ctx, int64_t task_id, const upl_task_timing *timing);
upl_status upl_store_timing_each(upl_store *store, const char *participant, upl_task_timing_fn fn,
                                 void *ctx);

/* ---- end of timing ---- */

/* ---- allocation: randomization, replay and reveal (issue 3; harness/store/store_allocation.c)
 * ---- */

/* A task as the randomizer sees it.  Strings owned by the array (upl_alloc_tasks_free). */
typedef struct upl_alloc_task {
    int64_t id;
    char *participant;
    char *category; /* NULL when the task has none */
    int64_t seq;    /* the task's order among its participant's tasks */
} upl_alloc_task;

void upl_alloc_tasks_free(upl_alloc_task *tasks, size_t n);

/* The tasks to randomize, in canonical order: participant handle, then seq.  With
 * n_ids == 0, every eligible task: status planned, both forecasts, no allocation;
 * *n_waiting (may be NULL) receives the number of planned tasks still lacking a
 * forecast.  With ids, exactly those tasks; the first that is not eligible makes the
 * call fail, naming the task and the reason: UPL_NOTFOUND (no such task: NO_TASK) or
 * UPL_REFUSED (already assigned, excluded or abandoned, a forecast missing:
 * NO_FORECASTS).  UPL_REFUSED as well once allocation is closed (`reveal`).  *tasks is
 * NULL when *n is 0. */
upl_status upl_store_alloc_eligible(upl_store *store, const int64_t *ids, size_t n_ids,
                                    upl_alloc_task **tasks, size_t *n, size_t *n_waiting);

/* How far a stratum's sequence has gone: positions drawn and, for `complete`, batches
 * drawn (distinct block numbers). */
upl_status upl_store_alloc_stratum_state(upl_store *store, const char *stratum, size_t *drawn,
                                         size_t *batches);

/* The number of the next `randomize` run (1 for the first); recorded with each draw. */
upl_status upl_store_alloc_next_run(upl_store *store, int64_t *run);

/* One draw to record. */
typedef struct upl_alloc_record {
    int64_t task_id;
    const char *arm; /* the arm's label */
    upl_scheme scheme;
    const char *stratum;
    size_t position;
    size_t block;      /* permuted-block: block number; complete: batch in the stratum */
    size_t block_size; /* ignored (stored as NULL with block) for simple */
    int64_t run;       /* upl_store_alloc_next_run() */
} upl_alloc_record;

/* Records a draw: the allocation row, the task's move from planned to assigned, and
 * their audit rows.  UPL_REFUSED when the task is not planned with both forecasts, is
 * allocated already, the stratum position is taken, or allocation is closed. */
upl_status upl_store_alloc_record(upl_store *store, const upl_alloc_record *rec);

/* A recorded allocation, with what replay needs of its task.  Strings owned by the
 * array (upl_alloc_rows_free). */
typedef struct upl_alloc_row {
    int64_t task_id;
    char *participant;
    char *category;
    int64_t seq;
    char *arm;
    char *scheme;
    char *stratum;
    int64_t position;
    int64_t block;      /* -1 when NULL */
    int64_t block_size; /* -1 when NULL */
    int64_t run;        /* -1 when NULL */
    int64_t assigned_at;
    int has_forecasts;   /* both forecasts recorded */
    int64_t forecast_at; /* 0 when NULL */
} upl_alloc_row;

/* Every allocation, ordered by stratum then position.  *rows is NULL when *n is 0. */
upl_status upl_store_alloc_rows(upl_store *store, upl_alloc_row **rows, size_t *n);
void upl_alloc_rows_free(upl_alloc_row *rows, size_t n);

/* The first task (lowest id) whose status says it was assigned (assigned, in_progress,
 * done, abandoned) but that has no allocation; *task_id is 0 when there is none. */
upl_status upl_store_alloc_orphan(upl_store *store, int64_t *task_id);

/* Allocation counts by stratum and arm, for `status`. */
upl_status upl_store_alloc_balance(upl_store *store, upl_alloc_balance *out);

/* Publishes the secret (64 hex digits, already checked against the commitment by the
 * caller) and closes allocation, audited.  UPL_REFUSED when revealed already. */
upl_status upl_store_alloc_reveal(upl_store *store, const char *secret_hex);

/* ---- end of allocation ---- */

/* ---- predictions: external groups' forecasts of AI's effect (issue 6;
 *      harness/store/store_prediction.c) ---- */

/* One prediction as stored: pct is the relative change of time (-0.30 = 30% less). */
typedef struct upl_prediction_rec {
    int64_t id;
    const char *group;
    double pct;
    const char *source; /* may be NULL */
    int64_t created_at;
} upl_prediction_rec;

/* Adds a prediction of group (1-64 printable characters) with pct in (-1, 10) (a
 * factor of time between 0 and 11) and an optional source, audited as
 * "prediction.add" by the coordinator.  Needs a write transaction.  UPL_INVALID for a
 * bad group or pct (message on the store).  *id_out (may be NULL) receives the id. */
upl_status upl_store_prediction_add(upl_store *store, const char *group, double pct,
                                    const char *source, int64_t *id_out);

/* Calls fn for every prediction in id order (strings valid during the call); a
 * non-zero return from fn stops the walk and is returned as UPL_ERROR. */
typedef int (*upl_prediction_fn)(void *ctx, const upl_prediction_rec *rec);
upl_status upl_store_prediction_each(upl_store *store, upl_prediction_fn fn, void *ctx);

/* ---- end of predictions ---- */

#endif
