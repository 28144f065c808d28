/* The timing state machine, measured time and flags (harness/engine/timing.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "uplift/timing.h"

/* 2026-03-01T09:00:00Z */
#define T9     INT64_C(1772355600)
#define MIN(m) ((int64_t)(m)*60)
/* cmocka 1.1 compares only floats */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

static upl_timing_event ev(upl_event_kind kind, int64_t at)
{
    upl_timing_event e;
    memset(&e, 0, sizeof e);
    e.task_id = 7;
    e.kind = kind;
    e.at = at;
    e.recorded_at = at;
    return e;
}

/* The acceptance walk: start 09:00, pause 09:40, resume 10:10, stop 11:00. */
static size_t walk(upl_timing_event *h)
{
    h[0] = ev(UPL_EVENT_START, T9);
    h[1] = ev(UPL_EVENT_PAUSE, T9 + MIN(40));
    h[2] = ev(UPL_EVENT_RESUME, T9 + MIN(70));
    h[3] = ev(UPL_EVENT_STOP, T9 + MIN(120));
    for (size_t i = 0; i < 4; i++)
        h[i].id = (int64_t)i + 1;
    return 4;
}

static void test_names(void **state)
{
    (void)state;
    upl_event_kind k = UPL_EVENT_START;
    assert_string_equal(upl_event_kind_name(UPL_EVENT_RESUME), "resume");
    assert_string_equal(upl_event_kind_name((upl_event_kind)9), "?");
    assert_int_equal(upl_event_kind_from_name("stop", &k), 0);
    assert_int_equal(k, UPL_EVENT_STOP);
    assert_int_equal(upl_event_kind_from_name("Stop", &k), -1);
    assert_int_equal(upl_event_kind_from_name(NULL, &k), -1);
    assert_string_equal(upl_timer_state_name(UPL_TIMER_PAUSED), "paused");
    assert_string_equal(upl_timing_flag_name(UPL_TIMING_FLAG_LONG_RUN), "long_run");
    assert_string_equal(upl_timing_flag_name(UPL_TIMING_FLAG_MISMATCH | UPL_TIMING_FLAG_OVERLAP),
                        "?");
    assert_string_equal(upl_timing_flag_text(0), "");
}

static void test_measured_walk(void **state)
{
    (void)state;
    upl_timing_event h[4];
    size_t n = walk(h);
    upl_timing_summary s;
    assert_int_equal(upl_timing_summarize(h, n, T9 + MIN(600), &s, NULL), UPL_OK);
    assert_int_equal(s.state, UPL_TIMER_STOPPED);
    assert_near(s.measured_min, 90.0, 1e-12);
    assert_near(s.open_min, 0.0, 0.0);
    assert_int_equal(s.n_intervals, 2);
    assert_int_equal(s.n_events, 4);
    assert_int_equal(s.started_at, T9);
    assert_int_equal(s.stopped_at, T9 + MIN(120));
    assert_int_equal(s.flags, 0);

    upl_interval iv[4];
    size_t k = 0;
    assert_int_equal(upl_timing_intervals(h, n, T9, iv, &k, NULL), UPL_OK);
    assert_int_equal(k, 2);
    assert_int_equal(iv[0].begin, T9);
    assert_int_equal(iv[0].end, T9 + MIN(40));
    assert_int_equal(iv[1].begin, T9 + MIN(70));
    assert_int_equal(iv[1].end, T9 + MIN(120));
    assert_int_equal(iv[1].open, 0);
}

static void test_prefixes(void **state)
{
    (void)state;
    upl_timing_event h[4];
    walk(h);
    upl_timing_summary s;
    /* nothing yet */
    assert_int_equal(upl_timing_summarize(NULL, 0, T9, &s, NULL), UPL_OK);
    assert_int_equal(s.state, UPL_TIMER_IDLE);
    assert_true(isnan(s.measured_min));
    /* running since 09:00, asked at 09:25: no closed interval, 25 open minutes */
    assert_int_equal(upl_timing_summarize(h, 1, T9 + MIN(25), &s, NULL), UPL_OK);
    assert_int_equal(s.state, UPL_TIMER_RUNNING);
    assert_true(isnan(s.measured_min));
    assert_near(s.open_min, 25.0, 1e-12);
    /* paused: 40 closed minutes, nothing open */
    assert_int_equal(upl_timing_summarize(h, 2, T9 + MIN(60), &s, NULL), UPL_OK);
    assert_int_equal(s.state, UPL_TIMER_PAUSED);
    assert_near(s.measured_min, 40.0, 1e-12);
    assert_near(s.open_min, 0.0, 0.0);
    /* resumed at 10:10, asked at 10:40 */
    assert_int_equal(upl_timing_summarize(h, 3, T9 + MIN(100), &s, NULL), UPL_OK);
    assert_int_equal(s.state, UPL_TIMER_RUNNING);
    assert_near(s.measured_min, 40.0, 1e-12);
    assert_near(s.open_min, 30.0, 1e-12);
    /* a clock earlier than the open interval's begin gives 0, never negative */
    assert_int_equal(upl_timing_summarize(h, 3, T9, &s, NULL), UPL_OK);
    assert_near(s.open_min, 0.0, 0.0);
    upl_interval iv[3];
    size_t k = 0;
    assert_int_equal(upl_timing_intervals(h, 3, T9 + MIN(100), iv, &k, NULL), UPL_OK);
    assert_int_equal(k, 2);
    assert_int_equal(iv[1].open, 1);
    assert_int_equal(iv[1].end, T9 + MIN(100));
    assert_int_equal(upl_timing_intervals(h, 3, T9, iv, &k, NULL), UPL_OK);
    assert_int_equal(iv[1].end, iv[1].begin);
}

static void test_stop_while_paused(void **state)
{
    (void)state;
    upl_timing_event h[3] = {ev(UPL_EVENT_START, T9), ev(UPL_EVENT_PAUSE, T9 + 90),
                             ev(UPL_EVENT_STOP, T9 + 3600)};
    assert_int_equal(upl_timing_check(h, 2, 7, UPL_EVENT_STOP, T9 + 3600, T9 + 3600, NULL), UPL_OK);
    upl_timing_summary s;
    assert_int_equal(upl_timing_summarize(h, 3, T9 + 7200, &s, NULL), UPL_OK);
    assert_int_equal(s.state, UPL_TIMER_STOPPED);
    assert_near(s.measured_min, 1.5, 1e-12);
}

/* Every (state, event) pair: allowed exactly where the state machine says. */
static void test_transition_table(void **state)
{
    (void)state;
    upl_timing_event h[4];
    walk(h);
    /* histories ending in idle, running, paused, running (resumed), stopped */
    const size_t prefix[] = {0, 1, 2, 3, 4};
    const int allowed[5][4] = {
        /* start pause resume stop */
        {1, 0, 0, 0}, /* idle */
        {0, 1, 0, 1}, /* running */
        {0, 0, 1, 1}, /* paused */
        {0, 1, 0, 1}, /* resumed */
        {0, 0, 0, 0}, /* stopped */
    };
    for (size_t p = 0; p < 5; p++) {
        for (int k = 0; k < 4; k++) {
            upl_diag d = {0};
            int64_t at = T9 + MIN(200);
            upl_status st = upl_timing_check(h, prefix[p], 7, (upl_event_kind)k, at, at + 10, &d);
            if (allowed[p][k]) {
                assert_int_equal(st, UPL_OK);
            } else {
                assert_int_equal(st, UPL_REFUSED);
                /* one line that names the task, and a reason with it for the caller's
                 * advice (the message names no command) */
                assert_non_null(strstr(d.msg, "task 7"));
                assert_null(strchr(d.msg, '\n'));
                assert_null(strstr(d.msg, "uplift "));
                assert_int_equal(d.why.task, 7);
                assert_int_not_equal(d.why.reason, UPL_REASON_NONE);
            }
        }
    }
}

static void test_refusal_messages(void **state)
{
    (void)state;
    upl_timing_event h[4];
    walk(h);
    upl_diag d = {0};
    int64_t now = T9 + MIN(300);

    /* stop before start, with both times in ISO UTC */
    assert_int_equal(upl_timing_check(h, 1, 7, UPL_EVENT_STOP, T9 - MIN(60), now, &d), UPL_REFUSED);
    assert_non_null(strstr(d.msg, "stop at 2026-03-01T08:00:00Z is before the start at "
                                  "2026-03-01T09:00:00Z"));
    /* resume earlier than the pause */
    assert_int_equal(upl_timing_check(h, 2, 7, UPL_EVENT_RESUME, T9 + MIN(39), now, &d),
                     UPL_REFUSED);
    assert_non_null(strstr(d.msg, "resume at 2026-03-01T09:39:00Z is before the pause at "
                                  "2026-03-01T09:40:00Z"));
    /* the same second as the previous event is fine */
    assert_int_equal(upl_timing_check(h, 2, 7, UPL_EVENT_RESUME, T9 + MIN(40), now, &d), UPL_OK);

    assert_int_equal(upl_timing_check(h, 1, 7, UPL_EVENT_RESUME, now, now, &d), UPL_REFUSED);
    assert_non_null(strstr(d.msg, "already running (since 2026-03-01T09:00:00Z)"));
    assert_int_equal(d.why.reason, UPL_REASON_TIMER_RUNNING);
    assert_int_equal(upl_timing_check(h, 2, 7, UPL_EVENT_PAUSE, now, now, &d), UPL_REFUSED);
    assert_non_null(strstr(d.msg, "already paused (since 2026-03-01T09:40:00Z)"));
    assert_int_equal(d.why.reason, UPL_REASON_TIMER_PAUSED);
    assert_int_equal(d.why.task, 7);
    assert_int_equal(upl_timing_check(h, 2, 7, UPL_EVENT_START, now, now, &d), UPL_REFUSED);
    assert_non_null(strstr(d.msg, "was started already and is paused"));
    assert_int_equal(d.why.reason, UPL_REASON_TIMER_PAUSED);
    assert_int_equal(upl_timing_check(NULL, 0, 7, UPL_EVENT_STOP, now, now, &d), UPL_REFUSED);
    assert_non_null(strstr(d.msg, "has not been started"));
    assert_int_equal(d.why.reason, UPL_REASON_TIMER_IDLE);
    assert_int_equal(upl_timing_check(h, 4, 7, UPL_EVENT_START, now, now, &d), UPL_REFUSED);
    assert_non_null(strstr(d.msg, "stopped at 2026-03-01T11:00:00Z"));
    assert_int_equal(d.why.reason, UPL_REASON_TIMER_STOPPED);
    /* an event before the one before it: the earliest time allowed is that event's */
    assert_int_equal(upl_timing_check(h, 1, 7, UPL_EVENT_STOP, T9 - MIN(60), now, &d), UPL_REFUSED);
    assert_int_equal(d.why.reason, UPL_REASON_TOO_EARLY);
    assert_int_equal(d.why.at, T9);
    /* a new message clears the reason */
    upl_diag_set(&d, UPL_ERROR, "x");
    assert_int_equal(d.why.reason, UPL_REASON_NONE);
    assert_int_equal(d.why.task, 0);
}

static void test_future(void **state)
{
    (void)state;
    upl_diag d = {0};
    int64_t now = T9;
    assert_int_equal(
        upl_timing_check(NULL, 0, 7, UPL_EVENT_START, now + UPL_TIMING_FUTURE_SLACK_SEC, now, &d),
        UPL_OK);
    assert_int_equal(upl_timing_check(NULL, 0, 7, UPL_EVENT_START,
                                      now + UPL_TIMING_FUTURE_SLACK_SEC + 1, now, &d),
                     UPL_REFUSED);
    assert_non_null(strstr(d.msg, "in the future (now is 2026-03-01T09:00:00Z)"));
}

/* No event before the task's assignment, whatever its kind; the assignment second
 * itself is allowed. */
static void test_before_assignment(void **state)
{
    (void)state;
    upl_diag d = {0};
    const upl_event_kind kinds[] = {UPL_EVENT_START, UPL_EVENT_PAUSE, UPL_EVENT_RESUME,
                                    UPL_EVENT_STOP};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(upl_timing_check_assigned(7, kinds[i], T9, T9, &d), UPL_OK);
        assert_int_equal(upl_timing_check_assigned(7, kinds[i], T9 + MIN(5), T9, &d), UPL_OK);
        assert_int_equal(upl_timing_check_assigned(7, kinds[i], T9 - 1, T9, &d), UPL_REFUSED);
    }
    assert_int_equal(upl_timing_check_assigned(7, UPL_EVENT_START, T9 - MIN(60), T9, &d),
                     UPL_REFUSED);
    assert_non_null(strstr(d.msg, "start at 2026-03-01T08:00:00Z is before task 7 was assigned "
                                  "at 2026-03-01T09:00:00Z;"));
    assert_int_equal(d.why.reason, UPL_REASON_TOO_EARLY);
    assert_int_equal(d.why.at, T9);
    assert_null(strstr(d.msg, "--at"));
    assert_int_equal(upl_timing_check_assigned(7, UPL_EVENT_STOP, T9 - 1, T9, NULL), UPL_REFUSED);
}

static void test_corrupt_history(void **state)
{
    (void)state;
    upl_timing_event h[3] = {ev(UPL_EVENT_START, T9), ev(UPL_EVENT_RESUME, T9 + 60),
                             ev(UPL_EVENT_STOP, T9 + 120)};
    h[1].id = 42;
    upl_timer_state s;
    upl_diag d = {0};
    assert_int_equal(upl_timing_state(h, 3, &s, &d), UPL_INTEGRITY);
    assert_non_null(strstr(d.msg, "event 42 (resume)"));
    upl_timing_summary sum;
    assert_int_equal(upl_timing_summarize(h, 3, T9, &sum, NULL), UPL_INTEGRITY);
    assert_int_equal(upl_timing_check(h, 3, 7, UPL_EVENT_STOP, T9, T9, NULL), UPL_INTEGRITY);
    /* out of order */
    upl_timing_event g[2] = {ev(UPL_EVENT_START, T9), ev(UPL_EVENT_STOP, T9 - 1)};
    assert_int_equal(upl_timing_state(g, 2, &s, &d), UPL_INTEGRITY);
    upl_interval iv[2];
    size_t k = 99;
    assert_int_equal(upl_timing_intervals(g, 2, T9, iv, &k, NULL), UPL_INTEGRITY);
    assert_int_equal(k, 0);
}

static void test_long_run_and_backdated(void **state)
{
    (void)state;
    upl_timing_summary s;
    /* a closed stretch of exactly 12 hours is not flagged; one second more is */
    upl_timing_event h[2] = {ev(UPL_EVENT_START, T9), ev(UPL_EVENT_STOP, T9 + 12 * 3600)};
    assert_int_equal(upl_timing_summarize(h, 2, T9 + 48 * 3600, &s, NULL), UPL_OK);
    assert_int_equal(s.flags, 0);
    assert_near(s.measured_min, 720.0, 1e-12);
    h[1].at += 1;
    assert_int_equal(upl_timing_summarize(h, 2, T9 + 48 * 3600, &s, NULL), UPL_OK);
    assert_int_equal(s.flags, UPL_TIMING_FLAG_LONG_RUN);
    /* still running: flagged once now passes 12 hours */
    assert_int_equal(upl_timing_summarize(h, 1, T9 + 12 * 3600, &s, NULL), UPL_OK);
    assert_int_equal(s.flags, 0);
    assert_int_equal(upl_timing_summarize(h, 1, T9 + 12 * 3600 + 1, &s, NULL), UPL_OK);
    assert_int_equal(s.flags, UPL_TIMING_FLAG_LONG_RUN);
    /* many short stretches adding up to more than 12 hours are not */
    upl_timing_event m[40];
    size_t n = 0;
    m[n++] = ev(UPL_EVENT_START, T9);
    for (int i = 0; i < 19; i++) {
        m[n] = ev(UPL_EVENT_PAUSE, m[n - 1].at + 3600);
        n++;
        m[n] = ev(UPL_EVENT_RESUME, m[n - 1].at + 60);
        n++;
    }
    m[n] = ev(UPL_EVENT_STOP, m[n - 1].at + 3600);
    n++;
    assert_int_equal(upl_timing_summarize(m, n, m[n - 1].at, &s, NULL), UPL_OK);
    assert_int_equal(s.flags, 0);
    assert_near(s.measured_min, 20 * 60.0, 1e-9);
    /* one manual event marks the task back-dated */
    m[5].manual = 1;
    assert_int_equal(upl_timing_summarize(m, n, m[n - 1].at, &s, NULL), UPL_OK);
    assert_int_equal(s.flags, UPL_TIMING_FLAG_BACKDATED);
}

static void test_mismatch(void **state)
{
    (void)state;
    assert_int_equal(upl_timing_mismatch(100.0, 90.0, 0.25), 0);
    assert_int_equal(upl_timing_mismatch(113.0, 90.0, 0.25), 1);
    assert_int_equal(upl_timing_mismatch(67.0, 90.0, 0.25), 1);
    assert_int_equal(upl_timing_mismatch(68.0, 90.0, 0.25), 0);
    assert_int_equal(upl_timing_mismatch(NAN, 90.0, 0.25), 0);
    assert_int_equal(upl_timing_mismatch(100.0, NAN, 0.25), 0);
    assert_int_equal(upl_timing_mismatch(100.0, 0.0, 0.25), 0);
    assert_int_equal(upl_timing_mismatch(100.0, 99.0, 0.0), 1);
}

static void test_overlap_and_busy(void **state)
{
    (void)state;
    upl_interval a[2] = {{T9, T9 + 600, 0}, {T9 + 1200, T9 + 1800, 0}};
    upl_interval touch[1] = {{T9 + 600, T9 + 1200, 0}};
    upl_interval inside[1] = {{T9 + 1500, T9 + 1501, 0}};
    upl_interval open[1] = {{T9 + 1799, T9 + 5000, 1}};
    assert_int_equal(upl_timing_overlaps(a, 2, touch, 1), 0);
    assert_int_equal(upl_timing_overlaps(touch, 1, a, 2), 0);
    assert_int_equal(upl_timing_overlaps(a, 2, inside, 1), 1);
    assert_int_equal(upl_timing_overlaps(a, 2, open, 1), 1);
    assert_int_equal(upl_timing_overlaps(a, 2, NULL, 0), 0);

    size_t at = 99;
    /* a timer started at t overlaps every interval that ends after t */
    assert_int_equal(upl_timing_busy_after(a, 2, T9 + 300, &at), 1);
    assert_int_equal(at, 0);
    assert_int_equal(upl_timing_busy_after(a, 2, T9 + 600, &at), 1);
    assert_int_equal(at, 1);
    assert_int_equal(upl_timing_busy_after(a, 2, T9 - 1, &at), 1);
    assert_int_equal(at, 0);
    assert_int_equal(upl_timing_busy_after(a, 2, T9 + 1800, NULL), 0);
    assert_int_equal(upl_timing_busy_after(a, 2, T9 + 9999, NULL), 0);
    assert_int_equal(upl_timing_busy_after(NULL, 0, T9, NULL), 0);
    /* a timer running now is busy whatever the time asked about */
    assert_int_equal(upl_timing_busy_after(open, 1, T9 + 9999, &at), 1);
    assert_int_equal(at, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_measured_walk),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_stop_while_paused),
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test(test_refusal_messages),
        cmocka_unit_test(test_future),
        cmocka_unit_test(test_before_assignment),
        cmocka_unit_test(test_corrupt_history),
        cmocka_unit_test(test_long_run_and_backdated),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_overlap_and_busy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
