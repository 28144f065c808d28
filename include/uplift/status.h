/* Status codes shared by every uplift module.
 *
 * Functions return an upl_status; results go out through pointers and are valid only
 * when the return is UPL_OK.  The detail of the last failure lives on the object that
 * failed (upl_store_errmsg()) or in the caller's upl_diag.  New codes go at the end. */
#ifndef UPLIFT_STATUS_H
#define UPLIFT_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define UPL_STATUS_MAP(X)                                                                          \
    X(OK, "success")                                                                               \
    X(ERROR, "unspecified error")                                                                  \
    X(NOMEM, "out of memory")                                                                      \
    X(INVALID, "invalid argument")                                                                 \
    X(IO, "input/output error")                                                                    \
    X(PARSE, "malformed input")                                                                    \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(REFUSED, "refused by a study rule")                                                          \
    X(INTEGRITY, "integrity check failed")                                                         \
    X(DB, "database error")                                                                        \
    X(NUMERIC, "numerical failure")                                                                \
    X(BUSY, "database busy")                                                                       \
    X(UNSUPPORTED, "not supported")

typedef enum {
#define UPL_STATUS_ENUM(name, text) UPL_##name,
    UPL_STATUS_MAP(UPL_STATUS_ENUM)
#undef UPL_STATUS_ENUM
        UPL_STATUS_COUNT
} upl_status;

/* A static, lowercase description of status; never NULL (unknown codes included). */
const char *upl_strerror(upl_status status);

/* Why an operation failed, beside its status and message: which situation the message
 * describes, so that a caller can choose what to tell its user next (the command line
 * appends the command to type) without reading the message, which only says what is
 * wrong.  A reason names a situation, not a remedy.  The comment of each says which
 * fields of upl_why it sets; the others are zero.  New reasons only at the end. */
#define UPL_REASON_MAP(X)                                                                          \
    X(NONE)                 /* none in particular */                                               \
    X(NO_STUDY)             /* the database holds no study */                                      \
    X(NO_TASK)              /* task: there is no task with this id */                              \
    X(NO_PARTICIPANT)       /* name: no participant has this (valid) handle */                     \
    X(NO_FORECASTS)         /* task: a forecast is missing, so it cannot be randomized */          \
    X(NOT_ASSIGNED)         /* task: it is not assigned to an arm yet */                           \
    X(NOT_IN_STUDY)         /* task: it is excluded or abandoned */                                \
    X(TASK_DONE)            /* task: it has its reported time; later work is review time */        \
    X(NOT_REPORTED)         /* task: it has no reported time yet */                                \
    X(TIMER_IDLE)           /* task: its timer was never started */                                \
    X(TIMER_RUNNING)        /* task: its timer runs (the task's own, or another in the way) */     \
    X(TIMER_PAUSED)         /* task: its timer is paused */                                        \
    X(TIMER_STOPPED)        /* task: its timer is stopped for good and it is not reported yet */   \
    X(TIMER_OPEN)           /* task: its timer is running or paused, so it cannot be reported */   \
    X(TOO_EARLY)            /* task, at: an event before the earliest time allowed, at */          \
    X(IN_FUTURE)            /* task: an event later than the clock allows */                       \
    X(KEY_FILE_EXISTS)      /* the key file to create exists already */                            \
    X(NO_KEY_FILE)          /* there is no key file at the path given */                           \
    X(ARM_UNKNOWN)          /* a task's arm is not one of the analysis's arms */                   \
    X(COVARIATE_INVALID)    /* a task's covariate forecast is not a positive time */               \
    X(NOTHING_TO_IMPUTE)    /* an arm has no post-review time to impute a missing one from */      \
    X(NO_CLUSTERS)          /* a cluster-robust type without two clusters (participants) */        \
    X(FEW_CLUSTERS)         /* warning: too few clusters for cr0/cr1 or z, and cr2 is not used */  \
    X(BOOTSTRAP_SKIPPED)    /* warning: the bootstrap was left out by default on large data */     \
    X(PERMUTATIONS_SKIPPED) /* warning: randomization inference was left out by default */         \
    X(ARG_MAP)              /* the column map (FIELD=COLUMN,...) of a CSV reading is wrong */      \
    X(ARG_TREATED)          /* the treated arm value given for a CSV does not fit its arms */      \
    X(ARG_ARM_NAMES)        /* the arm names (VALUE=NAME,...) given for a CSV are wrong */         \
    X(NO_ARM_COLUMN)        /* a CSV has no arm column */                                          \
    X(TOO_MANY_ARMS)        /* a CSV's arm column holds more distinct values than arms allowed */  \
    X(NO_CONTROL)           /* a CSV's arms do not say which one is the control */

typedef enum {
#define UPL_REASON_ENUM(name) UPL_REASON_##name,
    UPL_REASON_MAP(UPL_REASON_ENUM)
#undef UPL_REASON_ENUM
        UPL_REASON_COUNT
} upl_reason;

/* The reason of a failure and the facts a caller's advice needs. */
typedef struct upl_why {
    upl_reason reason;
    int64_t task;  /* the task to act on (for TIMER_RUNNING the one running); 0: none */
    int64_t at;    /* the earliest time allowed (seconds since the epoch, UTC); 0: none */
    char name[65]; /* a participant handle the advice repeats (1-64 characters); "": none */
} upl_why;

/* Detail of a failure for functions that have no handle of their own (parsers).
 * msg is a complete one-line message without a trailing period, e.g.
 * "tasks.csv:4: column 'forecast_ai_min': '-5' is not a positive duration".
 * line/column are 0 when unknown.  why says which situation msg describes (reason
 * UPL_REASON_NONE when none in particular): choose advice by it, never by msg. */
typedef struct upl_diag {
    char msg[512];
    size_t line;
    size_t column;
    upl_why why;
} upl_diag;

/* Formats into diag->msg (printf-style) and clears diag->why; diag may be NULL.  Returns
 * status so that callers can write `return upl_diag_set(d, UPL_PARSE, "...")`. */
upl_status upl_diag_set(upl_diag *diag, upl_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* As upl_diag_set(), and records why: reason with its task and time (0 when the reason
 * has none; why.name is cleared). */
upl_status upl_diag_set_why(upl_diag *diag, upl_status status, upl_reason reason, int64_t task,
                            int64_t at, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

#endif
