/* The timing logger's pure logic: the state machine over one task's timing events
 * (idle -> running -> paused -> running -> ... -> stopped), the measured active time
 * and the flags shown beside it.  No SQL and no I/O: the store (store_timing.c) loads
 * the events, asks these functions, and writes what they allow.
 *
 * Times are seconds since the epoch, UTC.  Events of one task are given in the order
 * they were logged, which is also their order in time (the check refuses an event
 * earlier than the one before it). */
#ifndef UPLIFT_TIMING_H
#define UPLIFT_TIMING_H

#include <stddef.h>
#include <stdint.h>

#include "uplift/status.h"

/* A timer running longer than this, without a pause or stop, is flagged. */
#define UPL_TIMING_LONG_RUN_SEC (12 * 3600)
/* How far an event may lie after the writer's clock (clock skew between machines)
 * before it is refused as being in the future. */
#define UPL_TIMING_FUTURE_SLACK_SEC 300

typedef enum { UPL_EVENT_START, UPL_EVENT_PAUSE, UPL_EVENT_RESUME, UPL_EVENT_STOP } upl_event_kind;

/* "start", "pause", "resume", "stop"; "?" for an unknown value. */
const char *upl_event_kind_name(upl_event_kind kind);
/* Returns 0 and sets *out when name is one of the four, else -1 (as every _from_name). */
int upl_event_kind_from_name(const char *name, upl_event_kind *out);

typedef enum {
    UPL_TIMER_IDLE,    /* no event yet */
    UPL_TIMER_RUNNING, /* after start or resume */
    UPL_TIMER_PAUSED,  /* after pause */
    UPL_TIMER_STOPPED  /* after stop; final */
} upl_timer_state;

/* "idle", "running", "paused", "stopped". */
const char *upl_timer_state_name(upl_timer_state state);

typedef struct upl_timing_event {
    int64_t id;      /* the store's row id; 0 before the event is stored */
    int64_t task_id; /* the task the event belongs to */
    upl_event_kind kind;
    int64_t at;          /* when it happened */
    int64_t recorded_at; /* when it was logged (differs from at when back-dated) */
    int manual;          /* 1 when entered by hand with --at */
} upl_timing_event;

/* One running stretch of a timer: [begin, end).  An interval still running has
 * open = 1 and end = the "now" it was computed for (never before begin). */
typedef struct upl_interval {
    int64_t begin;
    int64_t end;
    int open;
} upl_interval;

/* Replays events ev[0..n) from idle and sets *state.  UPL_INTEGRITY, with the event
 * at fault in diag (may be NULL), when the history is impossible: a stored history
 * that the check below would have refused.  ev may be NULL when n is 0. */
upl_status upl_timing_state(const upl_timing_event *ev, size_t n, upl_timer_state *state,
                            upl_diag *diag);

/* May an event of this kind, happening at `at`, follow the history ev[0..n) of task
 * task_id, given the writer's clock now?  UPL_OK, or UPL_REFUSED with one line in diag
 * that says what is wrong (both times in ISO UTC when the order is wrong) and, in
 * diag->why, the reason with the task: UPL_REASON_TIMER_IDLE, _RUNNING, _PAUSED or
 * _STOPPED (the timer's state does not allow the event), _TOO_EARLY (why.at: the time
 * of the event before it) or _IN_FUTURE; UPL_INTEGRITY when the history itself is
 * impossible.  Refused: any event but start on an idle timer, start on a started
 * timer, pause unless running, resume unless paused, anything after stop, an event
 * earlier than the one before it, and an event more than UPL_TIMING_FUTURE_SLACK_SEC
 * after now. */
upl_status upl_timing_check(const upl_timing_event *ev, size_t n, int64_t task_id,
                            upl_event_kind kind, int64_t at, int64_t now, upl_diag *diag);

/* May an event of this kind, happening at `at`, be logged for task task_id, which was
 * assigned to its arm at assigned_at?  Work timed before the arm was known could not
 * have followed the assignment, so an event earlier than the assignment is refused:
 * UPL_REFUSED with one line in diag (may be NULL) that gives both times in ISO UTC, and
 * why UPL_REASON_TOO_EARLY with why.at = assigned_at, the earliest time allowed.  An
 * event at the assignment second or later is UPL_OK. */
upl_status upl_timing_check_assigned(int64_t task_id, upl_event_kind kind, int64_t at,
                                     int64_t assigned_at, upl_diag *diag);

/* Writes the running intervals of the history into out, which must have room for n
 * entries (there are never more), and their number into *n_out.  A timer running now
 * gives a last interval that is open and ends at now (or at its begin, when now is
 * earlier).  UPL_INTEGRITY as for upl_timing_state(). */
upl_status upl_timing_intervals(const upl_timing_event *ev, size_t n, int64_t now,
                                upl_interval *out, size_t *n_out, upl_diag *diag);

/* Would a timer running from t on (until now) overlap this history of another task?
 * That is: is an interval still open, or does one end after t?  Returns 1 and sets
 * *index (may be NULL) to the first such interval, else 0.  Used to refuse a second
 * running task of one participant, including one back-dated into earlier work. */
int upl_timing_busy_after(const upl_interval *iv, size_t n, int64_t t, size_t *index);

/* Flags shown beside a task's times; a set of bits. */
enum {
    UPL_TIMING_FLAG_MISMATCH = 1u << 0,  /* reported time differs from measured beyond the
                                            protocol's report_tolerance */
    UPL_TIMING_FLAG_OVERLAP = 1u << 1,   /* ran at the same time as another task of the same
                                            participant */
    UPL_TIMING_FLAG_LONG_RUN = 1u << 2,  /* a running stretch (closed or still open) longer
                                            than UPL_TIMING_LONG_RUN_SEC */
    UPL_TIMING_FLAG_BACKDATED = 1u << 3, /* at least one event entered with --at */
    UPL_TIMING_FLAG_ALL = 0xFu
};

/* Short name of one flag ("mismatch", "overlap", "long_run", "backdated"); "?" for
 * anything that is not exactly one known bit. */
const char *upl_timing_flag_name(unsigned flag);
/* A sentence about one flag for people; "" for an unknown value. */
const char *upl_timing_flag_text(unsigned flag);

typedef struct upl_timing_summary {
    upl_timer_state state;
    size_t n_events;
    size_t n_intervals;
    double measured_min; /* sum of the closed running intervals; NAN when there is none */
    double open_min;     /* the stretch running at now, in minutes; 0 when not running */
    int64_t started_at;  /* the start event's time; 0 when idle */
    int64_t stopped_at;  /* the stop event's time; 0 unless stopped */
    unsigned flags;      /* LONG_RUN and BACKDATED only: MISMATCH and OVERLAP need more than
                            one task's events (upl_timing_mismatch, upl_timing_overlaps) */
} upl_timing_summary;

/* Summarises the history at time now.  UPL_INTEGRITY as for upl_timing_state(), with
 * *out zeroed. */
upl_status upl_timing_summarize(const upl_timing_event *ev, size_t n, int64_t now,
                                upl_timing_summary *out, upl_diag *diag);

/* 1 when both times are known (finite, measured > 0) and |reported / measured - 1| is
 * greater than tolerance, else 0. */
int upl_timing_mismatch(double reported_min, double measured_min, double tolerance);

/* 1 when an interval of a shares a positive stretch of time with an interval of b
 * (intervals that only touch do not overlap), else 0. */
int upl_timing_overlaps(const upl_interval *a, size_t na, const upl_interval *b, size_t nb);

#endif
