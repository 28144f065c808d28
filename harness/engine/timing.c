/* The timing state machine, measured time and flags (include/uplift/timing.h). */
#include "uplift/timing.h"

#include <math.h>
#include <string.h>

#include "uplift/duration.h"

static const char *const kind_names[] = {"start", "pause", "resume", "stop"};
static const char *const state_names[] = {"idle", "running", "paused", "stopped"};

const char *upl_event_kind_name(upl_event_kind kind)
{
    if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
        return "?";
    return kind_names[kind];
}

int upl_event_kind_from_name(const char *name, upl_event_kind *out)
{
    for (size_t i = 0; name && i < sizeof kind_names / sizeof kind_names[0]; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *out = (upl_event_kind)i;
            return 0;
        }
    }
    return -1;
}

const char *upl_timer_state_name(upl_timer_state state)
{
    if ((unsigned)state >= sizeof state_names / sizeof state_names[0])
        return "?";
    return state_names[state];
}

/* The state after one event, or -1 when the event cannot happen in state s. */
static int next_state(upl_timer_state s, upl_event_kind kind)
{
    switch (kind) {
    case UPL_EVENT_START:
        return s == UPL_TIMER_IDLE ? UPL_TIMER_RUNNING : -1;
    case UPL_EVENT_PAUSE:
        return s == UPL_TIMER_RUNNING ? UPL_TIMER_PAUSED : -1;
    case UPL_EVENT_RESUME:
        return s == UPL_TIMER_PAUSED ? UPL_TIMER_RUNNING : -1;
    case UPL_EVENT_STOP:
        return s == UPL_TIMER_RUNNING || s == UPL_TIMER_PAUSED ? UPL_TIMER_STOPPED : -1;
    }
    return -1;
}

/* Replays the history; on an impossible one returns UPL_INTEGRITY naming the event. */
static upl_status replay(const upl_timing_event *ev, size_t n, upl_timer_state *state,
                         size_t *last_change, upl_diag *diag)
{
    upl_timer_state s = UPL_TIMER_IDLE;
    size_t changed = 0;
    for (size_t i = 0; i < n; i++) {
        int next = next_state(s, ev[i].kind);
        if (next < 0) {
            return upl_diag_set(diag, UPL_INTEGRITY,
                                "task %lld: stored event %lld (%s) cannot follow a %s timer",
                                (long long)ev[i].task_id, (long long)ev[i].id,
                                upl_event_kind_name(ev[i].kind), upl_timer_state_name(s));
        }
        if (i > 0 && ev[i].at < ev[i - 1].at) {
            return upl_diag_set(diag, UPL_INTEGRITY,
                                "task %lld: stored event %lld (%s) is earlier than the one "
                                "before it",
                                (long long)ev[i].task_id, (long long)ev[i].id,
                                upl_event_kind_name(ev[i].kind));
        }
        s = (upl_timer_state)next;
        changed = i;
    }
    *state = s;
    if (last_change)
        *last_change = changed;
    return UPL_OK;
}

upl_status upl_timing_state(const upl_timing_event *ev, size_t n, upl_timer_state *state,
                            upl_diag *diag)
{
    return replay(ev, n, state, NULL, diag);
}

/* The time of the event that began the current run or pause (for messages). */
static int64_t since_last(const upl_timing_event *ev, size_t n)
{
    return n ? ev[n - 1].at : 0;
}

static upl_status refuse_state(const upl_timing_event *ev, size_t n, int64_t task_id,
                               upl_event_kind kind, upl_timer_state s, upl_diag *diag)
{
    long long id = (long long)task_id;
    const char *what = upl_event_kind_name(kind);
    char t[32];
    upl_time_format(since_last(ev, n), t, sizeof t);
    switch (s) {
    case UPL_TIMER_IDLE:
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TIMER_IDLE, task_id, 0,
                                "task %lld has not been started, so it cannot %s", id, what);
    case UPL_TIMER_RUNNING:
        if (kind == UPL_EVENT_START)
            return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TIMER_RUNNING, task_id, 0,
                                    "task %lld is already running (since %s)", id, t);
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TIMER_RUNNING, task_id, 0,
                                "task %lld is already running (since %s), so there is nothing "
                                "to resume",
                                id, t);
    case UPL_TIMER_PAUSED:
        if (kind == UPL_EVENT_START)
            return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TIMER_PAUSED, task_id, 0,
                                    "task %lld was started already and is paused (since %s)", id,
                                    t);
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TIMER_PAUSED, task_id, 0,
                                "task %lld is already paused (since %s)", id, t);
    case UPL_TIMER_STOPPED:
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TIMER_STOPPED, task_id, 0,
                                "task %lld was stopped at %s and its timer is closed, so it "
                                "cannot %s",
                                id, t, what);
    }
    return upl_diag_set(diag, UPL_INVALID, "task %lld: unknown timer state", id);
}

upl_status upl_timing_check(const upl_timing_event *ev, size_t n, int64_t task_id,
                            upl_event_kind kind, int64_t at, int64_t now, upl_diag *diag)
{
    long long id = (long long)task_id;
    upl_timer_state s;
    upl_status st = replay(ev, n, &s, NULL, diag);
    if (st != UPL_OK)
        return st;
    if ((unsigned)kind > (unsigned)UPL_EVENT_STOP)
        return upl_diag_set(diag, UPL_INVALID, "task %lld: unknown timing event", id);
    if (next_state(s, kind) < 0)
        return refuse_state(ev, n, task_id, kind, s, diag);

    char t_new[32], t_old[32];
    upl_time_format(at, t_new, sizeof t_new);
    if (n > 0 && at < ev[n - 1].at) {
        upl_time_format(ev[n - 1].at, t_old, sizeof t_old);
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TOO_EARLY, task_id, ev[n - 1].at,
                                "task %lld: %s at %s is before the %s at %s", id,
                                upl_event_kind_name(kind), t_new,
                                upl_event_kind_name(ev[n - 1].kind), t_old);
    }
    if (at > now && at - now > UPL_TIMING_FUTURE_SLACK_SEC) {
        upl_time_format(now, t_old, sizeof t_old);
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_IN_FUTURE, task_id, 0,
                                "task %lld: %s at %s is in the future (now is %s)", id,
                                upl_event_kind_name(kind), t_new, t_old);
    }
    return UPL_OK;
}

upl_status upl_timing_check_assigned(int64_t task_id, upl_event_kind kind, int64_t at,
                                     int64_t assigned_at, upl_diag *diag)
{
    char t_at[32], t_assigned[32];
    if (at >= assigned_at)
        return UPL_OK;
    upl_time_format(at, t_at, sizeof t_at);
    upl_time_format(assigned_at, t_assigned, sizeof t_assigned);
    return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_TOO_EARLY, task_id, assigned_at,
                            "%s at %s is before task %lld was assigned at %s; time worked before "
                            "the arm was known cannot count",
                            upl_event_kind_name(kind), t_at, (long long)task_id, t_assigned);
}

upl_status upl_timing_intervals(const upl_timing_event *ev, size_t n, int64_t now,
                                upl_interval *out, size_t *n_out, upl_diag *diag)
{
    upl_timer_state s;
    *n_out = 0;
    upl_status st = replay(ev, n, &s, NULL, diag);
    if (st != UPL_OK)
        return st;
    size_t k = 0;
    int running = 0;
    for (size_t i = 0; i < n; i++) {
        switch (ev[i].kind) {
        case UPL_EVENT_START:
        case UPL_EVENT_RESUME:
            out[k].begin = ev[i].at;
            out[k].end = ev[i].at;
            out[k].open = 1;
            running = 1;
            break;
        case UPL_EVENT_PAUSE:
        case UPL_EVENT_STOP:
            if (running) {
                out[k].end = ev[i].at;
                out[k].open = 0;
                k++;
                running = 0;
            }
            break;
        }
    }
    if (running) {
        out[k].end = now > out[k].begin ? now : out[k].begin;
        k++;
    }
    *n_out = k;
    return UPL_OK;
}

int upl_timing_busy_after(const upl_interval *iv, size_t n, int64_t t, size_t *index)
{
    for (size_t i = 0; i < n; i++) {
        if (iv[i].open || iv[i].end > t) {
            if (index)
                *index = i;
            return 1;
        }
    }
    return 0;
}

static const struct {
    unsigned flag;
    const char *name;
    const char *text;
} flag_info[] = {
    {UPL_TIMING_FLAG_MISMATCH, "mismatch",
     "reported time differs from measured time by more than the protocol's tolerance"},
    {UPL_TIMING_FLAG_OVERLAP, "overlap",
     "timer ran at the same time as another task of the same participant"},
    {UPL_TIMING_FLAG_LONG_RUN, "long_run", "timer ran for more than 12 hours without a pause"},
    {UPL_TIMING_FLAG_BACKDATED, "backdated", "some events were entered by hand (back-dated)"},
};

const char *upl_timing_flag_name(unsigned flag)
{
    for (size_t i = 0; i < sizeof flag_info / sizeof flag_info[0]; i++)
        if (flag_info[i].flag == flag)
            return flag_info[i].name;
    return "?";
}

const char *upl_timing_flag_text(unsigned flag)
{
    for (size_t i = 0; i < sizeof flag_info / sizeof flag_info[0]; i++)
        if (flag_info[i].flag == flag)
            return flag_info[i].text;
    return "";
}

upl_status upl_timing_summarize(const upl_timing_event *ev, size_t n, int64_t now,
                                upl_timing_summary *out, upl_diag *diag)
{
    memset(out, 0, sizeof *out);
    upl_timer_state s;
    upl_status st = replay(ev, n, &s, NULL, diag);
    if (st != UPL_OK)
        return st;
    out->state = s;
    out->n_events = n;
    out->measured_min = NAN;

    int64_t closed_sec = 0;
    size_t n_closed = 0;
    int64_t run_begin = 0;
    int running = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].manual)
            out->flags |= UPL_TIMING_FLAG_BACKDATED;
        switch (ev[i].kind) {
        case UPL_EVENT_START:
            out->started_at = ev[i].at;
            /* fall through */
        case UPL_EVENT_RESUME:
            run_begin = ev[i].at;
            running = 1;
            break;
        case UPL_EVENT_STOP:
            out->stopped_at = ev[i].at;
            /* fall through */
        case UPL_EVENT_PAUSE:
            if (running) {
                int64_t len = ev[i].at - run_begin;
                closed_sec += len;
                n_closed++;
                out->n_intervals++;
                if (len > UPL_TIMING_LONG_RUN_SEC)
                    out->flags |= UPL_TIMING_FLAG_LONG_RUN;
            }
            running = 0;
            break;
        }
    }
    if (running) {
        int64_t len = now > run_begin ? now - run_begin : 0;
        out->open_min = (double)len / 60.0;
        out->n_intervals++;
        if (len > UPL_TIMING_LONG_RUN_SEC)
            out->flags |= UPL_TIMING_FLAG_LONG_RUN;
    }
    if (n_closed > 0)
        out->measured_min = (double)closed_sec / 60.0;
    return UPL_OK;
}

int upl_timing_mismatch(double reported_min, double measured_min, double tolerance)
{
    if (!isfinite(reported_min) || !isfinite(measured_min) || !(measured_min > 0.0) ||
        !isfinite(tolerance))
        return 0;
    return fabs(reported_min / measured_min - 1.0) > tolerance;
}

int upl_timing_overlaps(const upl_interval *a, size_t na, const upl_interval *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (a[i].begin < b[j].end && b[j].begin < a[i].end)
                return 1;
    return 0;
}
