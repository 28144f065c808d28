/* The timing logger through the store (harness/store/store_timing.c): events, refusals,
 * self-reports and flags on a real SQLite file, checked against the audit chain. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_internal.h"
#include "uplift/protocol_parse.h"
#include "uplift/store.h"

#define T9                     INT64_C(1772355600) /* 2026-03-01T09:00:00Z */
#define MIN(m)                 ((int64_t)(m)*60)
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

typedef struct fixture {
    char dir[64];
    char path[96];
    upl_store *store;
    int64_t task[4]; /* alice: 0, 1, 2 (2 stays unassigned); bob: 3 */
} fixture;

static const char protocol_serial[] = "title: timing test\n"
                                      "timing:\n"
                                      "  report_tolerance: 0.25\n";
static const char protocol_parallel[] = "title: timing test, parallel\n"
                                        "timing:\n"
                                        "  parallel_tasks: true\n";

/* Inserts an allocation the way the randomizer does (with its audit row). */
static void assign(upl_store *store, int64_t task_id, const char *arm)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO allocation (task_id, arm, scheme, stratum, position, assigned_at) "
             "VALUES (%lld, '%s', 'simple', 'all', %lld, 1);"
             "UPDATE task SET status = 'assigned' WHERE id = %lld",
             (long long)task_id, arm, (long long)task_id, (long long)task_id);
    assert_int_equal(upl__store_exec(store, sql), UPL_OK);
    assert_int_equal(
        upl__store_audit(store, UPL_ACTOR_COORDINATOR, "test.assign", "allocation", task_id),
        UPL_OK);
    assert_int_equal(upl__store_audit(store, UPL_ACTOR_COORDINATOR, "test.assign", "task", task_id),
                     UPL_OK);
}

static int setup_with(void **state, const char *protocol_text)
{
    fixture *f = calloc(1, sizeof *f);
    upl_protocol protocol;
    upl_diag diag = {0};
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/upl-timing-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/study.db", f->dir);
    assert_int_equal(upl_store_open(f->path, UPL_STORE_CREATE, &f->store, &diag), UPL_OK);
    upl_store_set_clock(f->store, T9 + MIN(24 * 60));
    assert_int_equal(
        upl_protocol_parse(protocol_text, strlen(protocol_text), "test", &protocol, &diag), UPL_OK);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(upl_store_study_create(f->store, &protocol, protocol_text,
                                            "00000000000000000000000000000000"
                                            "00000000000000000000000000000000",
                                            "mt19937", NULL),
                     UPL_OK);
    upl_protocol_release(&protocol);
    assert_int_equal(upl_store_participant_add(f->store, "alice", NULL, 0, NULL), UPL_OK);
    assert_int_equal(upl_store_participant_add(f->store, "bob", NULL, 0, NULL), UPL_OK);
    const char *owner[4] = {"alice", "alice", "alice", "bob"};
    for (int i = 0; i < 4; i++) {
        upl_task_new t;
        memset(&t, 0, sizeof t);
        t.participant = owner[i];
        t.title = "a task";
        t.forecast_ai_min = 60;
        t.forecast_no_ai_min = 90;
        assert_int_equal(upl_store_task_add(f->store, &t, &f->task[i]), UPL_OK);
        if (i != 2)
            assign(f->store, f->task[i], i % 2 ? "ai" : "no_ai");
    }
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    *state = f;
    return 0;
}

static int setup_serial(void **state)
{
    return setup_with(state, protocol_serial);
}

static int setup_parallel(void **state)
{
    return setup_with(state, protocol_parallel);
}

static int teardown(void **state)
{
    fixture *f = *state;
    char path[128];
    upl_store_close(f->store);
    remove(f->path);
    snprintf(path, sizeof path, "%s-wal", f->path);
    remove(path);
    snprintf(path, sizeof path, "%s-shm", f->path);
    remove(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The audit chain covers every row written so far. */
static void assert_audit_intact(upl_store *store)
{
    size_t n_rows = 0;
    int64_t bad = -1;
    upl_status st = upl_store_audit_verify(store, &n_rows, &bad, NULL);
    if (st != UPL_OK)
        fail_msg("audit: %s", upl_store_errmsg(store));
    assert_true(n_rows > 0);
}

typedef struct each_check {
    upl_store *store;
    size_t visited;
    int64_t last_id;
} each_check;

/* upl_store_timing_each gives, in one pass, what upl_store_task_timing gives per task. */
static int compare_one(void *vctx, int64_t task_id, const upl_task_timing *bulk)
{
    each_check *c = vctx;
    upl_task_timing one;
    assert_true(task_id > c->last_id);
    c->last_id = task_id;
    c->visited++;
    assert_int_equal(upl_store_task_timing(c->store, task_id, &one), UPL_OK);
    assert_int_equal(bulk->flags, one.flags);
    assert_int_equal(bulk->overlap_task, one.overlap_task);
    assert_int_equal(bulk->summary.state, one.summary.state);
    assert_int_equal(bulk->summary.n_events, one.summary.n_events);
    if (isnan(one.summary.measured_min))
        assert_true(isnan(bulk->summary.measured_min));
    else
        assert_near(bulk->summary.measured_min, one.summary.measured_min, 0);
    if (isnan(one.reported_min))
        assert_true(isnan(bulk->reported_min));
    else
        assert_near(bulk->reported_min, one.reported_min, 0);
    return 0;
}

static void assert_each_matches(upl_store *store, size_t expect_tasks)
{
    each_check c = {store, 0, 0};
    assert_int_equal(upl_store_timing_each(store, NULL, compare_one, &c), UPL_OK);
    assert_int_equal(c.visited, expect_tasks);
}

static upl_status log_at(fixture *f, int i, upl_event_kind kind, int64_t at)
{
    return upl_store_timing_log(f->store, f->task[i], kind, at, 1, NULL);
}

static void test_walk(void **state)
{
    fixture *f = *state;
    int64_t id = 0;
    assert_int_equal(upl_store_timing_log(f->store, f->task[0], UPL_EVENT_START, T9, 1, &id),
                     UPL_OK);
    assert_true(id > 0);
    assert_int_equal(log_at(f, 0, UPL_EVENT_PAUSE, T9 + MIN(40)), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_RESUME, T9 + MIN(70)), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9 + MIN(120)), UPL_OK);

    upl_task_info info;
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_near(info.measured_min, 90.0, 1e-9); /* the SQL view agrees with timing.c */
    assert_int_equal(info.status, UPL_TASK_IN_PROGRESS);
    upl_task_info_release(&info);

    upl_timing_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(upl_store_timing_events(f->store, f->task[0], &ev, &n), UPL_OK);
    assert_int_equal(n, 4);
    assert_int_equal(ev[0].id, id);
    assert_int_equal(ev[3].kind, UPL_EVENT_STOP);
    assert_int_equal(ev[3].at, T9 + MIN(120));
    assert_int_equal(ev[3].recorded_at, T9 + MIN(24 * 60));
    assert_int_equal(ev[3].manual, 1);
    free(ev);

    upl_self_report r;
    upl_self_report_clear(&r);
    r.reported_min = 100;
    r.post_review_min = 15;
    r.perceived_pct = -0.2;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_int_equal(info.status, UPL_TASK_DONE);
    assert_near(info.reported_min, 100, 0);
    assert_near(info.post_review_min, 15, 0);
    assert_near(info.perceived_pct, -0.2, 1e-15);
    assert_int_equal(info.ai_used, UPL_AI_USED_UNKNOWN);
    upl_task_info_release(&info);

    upl_task_timing tm;
    assert_int_equal(upl_store_task_timing(f->store, f->task[0], &tm), UPL_OK);
    assert_near(tm.summary.measured_min, 90.0, 1e-9);
    assert_near(tm.reported_min, 100, 0);
    assert_near(tm.tolerance, 0.25, 0);
    assert_int_equal(tm.flags, UPL_TIMING_FLAG_BACKDATED); /* 100/90 is within 25% */
    assert_audit_intact(f->store);
}

static void test_not_loggable(void **state)
{
    fixture *f = *state;
    /* unassigned */
    assert_int_equal(log_at(f, 2, UPL_EVENT_START, T9), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "not assigned to an arm"));
    /* no such task */
    assert_int_equal(upl_store_timing_log(f->store, 999, UPL_EVENT_START, T9, 0, NULL),
                     UPL_NOTFOUND);
    /* excluded */
    assert_int_equal(upl_store_task_exclude(f->store, f->task[1], "duplicate issue", 0), UPL_OK);
    assert_int_equal(log_at(f, 1, UPL_EVENT_START, T9), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "is excluded (duplicate issue)"));
    upl_self_report r;
    upl_self_report_clear(&r);
    r.reported_min = 30;
    assert_int_equal(upl_store_task_done(f->store, f->task[1], &r), UPL_REFUSED);
    assert_int_equal(upl_store_task_done(f->store, f->task[2], &r), UPL_REFUSED);
    /* done: the timer is closed for good */
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "is done (reported 30 min)"));

    /* nothing above wrote a timing event */
    upl_timing_event *ev = NULL;
    size_t n = 9;
    assert_int_equal(upl_store_timing_events(f->store, f->task[0], &ev, &n), UPL_OK);
    assert_int_equal(n, 0);
    assert_null(ev);
}

static void test_sequence_refusals(void **state)
{
    fixture *f = *state;
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9), UPL_REFUSED);
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9 - MIN(60)), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store),
                           "stop at 2026-03-01T08:00:00Z is before the start at "
                           "2026-03-01T09:00:00Z"));
    /* the reason travels from the timing rules through the store */
    assert_int_equal(upl_store_why(f->store)->reason, UPL_REASON_TOO_EARLY);
    assert_int_equal(upl_store_why(f->store)->at, T9);
    assert_int_equal(log_at(f, 0, UPL_EVENT_RESUME, T9 + 60), UPL_REFUSED);
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9 + 60), UPL_REFUSED);
    assert_int_equal(log_at(f, 0, UPL_EVENT_PAUSE, T9 + 60), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_PAUSE, T9 + 120), UPL_REFUSED);
    /* in the future of the store's clock */
    assert_int_equal(log_at(f, 0, UPL_EVENT_RESUME, T9 + MIN(25 * 60)), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "in the future"));
    upl_timing_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(upl_store_timing_events(f->store, f->task[0], &ev, &n), UPL_OK);
    assert_int_equal(n, 2);
    free(ev);
    assert_audit_intact(f->store);
}

static void test_parallel_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9), UPL_OK);
    /* bob is another participant: his task may run at the same time */
    assert_int_equal(log_at(f, 3, UPL_EVENT_START, T9 + 60), UPL_OK);
    /* alice's second task may not */
    assert_int_equal(log_at(f, 1, UPL_EVENT_START, T9 + MIN(10)), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store),
                           "participant 'alice' already has task 1 running (since "
                           "2026-03-01T09:00:00Z)"));
    /* the reason names the task in the way, for the caller's advice; the message names
     * no command */
    assert_int_equal(upl_store_why(f->store)->reason, UPL_REASON_TIMER_RUNNING);
    assert_int_equal(upl_store_why(f->store)->task, f->task[0]);
    assert_null(strstr(upl_store_errmsg(f->store), "uplift "));
    /* a paused task does not block; the new one may start after the pause */
    assert_int_equal(log_at(f, 0, UPL_EVENT_PAUSE, T9 + MIN(30)), UPL_OK);
    /* but not back-dated into the stretch task 1 ran */
    assert_int_equal(log_at(f, 1, UPL_EVENT_START, T9 + MIN(10)), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store),
                           "would overlap task 1 of participant 'alice', which ran from "
                           "2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z"));
    assert_int_equal(upl_store_why(f->store)->reason, UPL_REASON_TOO_EARLY);
    assert_int_equal(upl_store_why(f->store)->at, T9 + MIN(30));
    assert_int_equal(log_at(f, 1, UPL_EVENT_START, T9 + MIN(30)), UPL_OK);
    /* and now task 1 cannot resume while task 2 runs */
    assert_int_equal(log_at(f, 0, UPL_EVENT_RESUME, T9 + MIN(50)), UPL_REFUSED);
    assert_int_equal(log_at(f, 1, UPL_EVENT_STOP, T9 + MIN(50)), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_RESUME, T9 + MIN(50)), UPL_OK);

    upl_task_timing tm;
    assert_int_equal(upl_store_task_timing(f->store, f->task[0], &tm), UPL_OK);
    assert_int_equal(tm.flags & UPL_TIMING_FLAG_OVERLAP, 0);
    /* still running at the store's clock (24 h after 09:00): a long run */
    assert_int_equal(tm.summary.state, UPL_TIMER_RUNNING);
    assert_true(tm.flags & UPL_TIMING_FLAG_LONG_RUN);
    assert_near(tm.summary.measured_min, 30, 1e-9);
    assert_each_matches(f->store, 3); /* ana's two tasks and bob's */

    /* an abandoned task's forgotten timer no longer blocks the participant */
    assign(f->store, f->task[2], "ai");
    assert_int_equal(log_at(f, 2, UPL_EVENT_START, T9 + MIN(60)), UPL_REFUSED);
    assert_int_equal(upl_store_task_exclude(f->store, f->task[0], "left the project", 1), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_PAUSE, T9 + MIN(60)), UPL_REFUSED);
    assert_int_equal(log_at(f, 2, UPL_EVENT_START, T9 + MIN(60)), UPL_OK);
    assert_audit_intact(f->store);
}

static void test_parallel_allowed(void **state)
{
    fixture *f = *state;
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9), UPL_OK);
    assert_int_equal(log_at(f, 1, UPL_EVENT_START, T9 + MIN(10)), UPL_OK);
    assert_int_equal(log_at(f, 1, UPL_EVENT_STOP, T9 + MIN(20)), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9 + MIN(30)), UPL_OK);
    upl_task_timing tm;
    assert_int_equal(upl_store_task_timing(f->store, f->task[0], &tm), UPL_OK);
    assert_true(tm.flags & UPL_TIMING_FLAG_OVERLAP);
    assert_int_equal(tm.overlap_task, f->task[1]);
    assert_int_equal(upl_store_task_timing(f->store, f->task[1], &tm), UPL_OK);
    assert_true(tm.flags & UPL_TIMING_FLAG_OVERLAP);
    assert_int_equal(tm.overlap_task, f->task[0]);
    /* bob's task never overlaps alice's */
    assert_int_equal(log_at(f, 3, UPL_EVENT_START, T9), UPL_OK);
    assert_int_equal(log_at(f, 3, UPL_EVENT_STOP, T9 + MIN(30)), UPL_OK);
    assert_int_equal(upl_store_task_timing(f->store, f->task[3], &tm), UPL_OK);
    assert_int_equal(tm.flags & UPL_TIMING_FLAG_OVERLAP, 0);
    assert_int_equal(tm.overlap_task, 0);
    assert_each_matches(f->store, 3);
    /* one participant only */
    each_check c = {f->store, 0, 0};
    assert_int_equal(upl_store_timing_each(f->store, "bob", compare_one, &c), UPL_OK);
    assert_int_equal(c.visited, 1);
}

static void test_done_rules(void **state)
{
    fixture *f = *state;
    upl_self_report r;
    upl_task_info info;

    /* a later addition before any report */
    upl_self_report_clear(&r);
    r.post_review_min = 10;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "has no reported time yet"));
    /* an empty report */
    upl_self_report_clear(&r);
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_INVALID);
    /* out of range */
    r.reported_min = 0;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_INVALID);
    r.reported_min = 8 * 24 * 60;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_INVALID);

    /* the timer is running: stop first */
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9), UPL_OK);
    upl_self_report_clear(&r);
    r.reported_min = 50;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "task 1's timer is still running"));
    assert_int_equal(upl_store_why(f->store)->reason, UPL_REASON_TIMER_OPEN);
    assert_int_equal(upl_store_why(f->store)->task, f->task[0]);
    assert_int_equal(log_at(f, 0, UPL_EVENT_PAUSE, T9 + MIN(20)), UPL_OK);
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9 + MIN(20)), UPL_OK);
    r.ai_used = UPL_AI_USED_NO;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_near(info.post_review_min, 0, 0); /* 0 when no review yet */
    assert_true(isnan(info.perceived_pct));
    upl_task_info_release(&info);

    /* the reported time cannot change */
    r.reported_min = 55;
    r.ai_used = UPL_AI_USED_UNKNOWN;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "already has a reported time (50 min)"));

    /* review rounds add up; perceived fills an empty value; ai_used cannot change */
    upl_self_report_clear(&r);
    r.post_review_min = 15;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    r.post_review_min = 7.5;
    r.perceived_pct = 0.1;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    upl_self_report_clear(&r);
    r.perceived_pct = -0.3;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    upl_self_report_clear(&r);
    r.ai_used = UPL_AI_USED_YES;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_near(info.reported_min, 50, 0);
    assert_near(info.post_review_min, 22.5, 1e-12);
    assert_near(info.perceived_pct, 0.1, 1e-15);
    assert_int_equal(info.ai_used, UPL_AI_USED_NO);
    upl_task_info_release(&info);

    /* mismatch: 50 reported against 20 measured */
    upl_task_timing tm;
    assert_int_equal(upl_store_task_timing(f->store, f->task[0], &tm), UPL_OK);
    assert_true(tm.flags & UPL_TIMING_FLAG_MISMATCH);

    /* a task never timed may be reported (self-report only) */
    upl_self_report_clear(&r);
    r.reported_min = 45;
    assert_int_equal(upl_store_task_done(f->store, f->task[1], &r), UPL_OK);
    assert_int_equal(upl_store_task_timing(f->store, f->task[1], &tm), UPL_OK);
    assert_true(isnan(tm.summary.measured_min));
    assert_int_equal(tm.flags, 0);
    assert_each_matches(f->store, 1); /* the mismatched task; task 2 has no events */
    assert_audit_intact(f->store);
}

/* A pending review leaves post_review_min empty until a round or 'no review' closes it;
 * contradictions are invalid, closing a recorded review is refused. */
static void test_review_pending(void **state)
{
    fixture *f = *state;
    upl_self_report r;
    upl_task_info info;

    upl_self_report_clear(&r);
    r.review = UPL_REVIEW_PENDING; /* pending belongs to the first report */
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_INVALID);
    r.reported_min = 40;
    r.post_review_min = 5; /* pending and a time: a contradiction */
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_INVALID);
    r.post_review_min = NAN;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_true(isnan(info.post_review_min));
    upl_task_info_release(&info);

    /* another addition leaves it pending */
    upl_self_report_clear(&r);
    r.perceived_pct = -0.2;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_true(isnan(info.post_review_min));
    upl_task_info_release(&info);

    /* 'no review' closes it at 0, and only a pending one */
    upl_self_report_clear(&r);
    r.review = UPL_REVIEW_NONE;
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_OK);
    assert_int_equal(upl_store_task_get(f->store, f->task[0], &info), UPL_OK);
    assert_near(info.post_review_min, 0, 0);
    upl_task_info_release(&info);
    assert_int_equal(upl_store_task_done(f->store, f->task[0], &r), UPL_REFUSED);
    assert_non_null(strstr(upl_store_errmsg(f->store), "already records 0 min"));

    /* a pending review closed by a round of work */
    upl_self_report_clear(&r);
    r.reported_min = 30;
    r.review = UPL_REVIEW_PENDING;
    assert_int_equal(upl_store_task_done(f->store, f->task[1], &r), UPL_OK);
    upl_self_report_clear(&r);
    r.post_review_min = 12;
    assert_int_equal(upl_store_task_done(f->store, f->task[1], &r), UPL_OK);
    assert_int_equal(upl_store_task_get(f->store, f->task[1], &info), UPL_OK);
    assert_near(info.post_review_min, 12, 0);
    upl_task_info_release(&info);
    assert_audit_intact(f->store);
}

/* Events survive a commit and a reopen; a rolled-back event leaves nothing. */
static void test_commit_and_rollback(void **state)
{
    fixture *f = *state;
    assert_int_equal(log_at(f, 0, UPL_EVENT_START, T9), UPL_OK);
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9 + 60), UPL_OK);
    upl_store_rollback(f->store);
    upl_store_close(f->store);
    upl_diag diag = {0};
    assert_int_equal(upl_store_open(f->path, 0, &f->store, &diag), UPL_OK);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    upl_timing_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(upl_store_timing_events(f->store, f->task[0], &ev, &n), UPL_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].kind, UPL_EVENT_START);
    free(ev);
    assert_audit_intact(f->store);
    /* outside a write transaction nothing is written */
    upl_store_rollback(f->store);
    assert_int_equal(log_at(f, 0, UPL_EVENT_STOP, T9 + 60), UPL_INVALID);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walk, setup_serial, teardown),
        cmocka_unit_test_setup_teardown(test_not_loggable, setup_serial, teardown),
        cmocka_unit_test_setup_teardown(test_sequence_refusals, setup_serial, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_refused, setup_serial, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_allowed, setup_parallel, teardown),
        cmocka_unit_test_setup_teardown(test_done_rules, setup_serial, teardown),
        cmocka_unit_test_setup_teardown(test_review_pending, setup_serial, teardown),
        cmocka_unit_test_setup_teardown(test_commit_and_rollback, setup_serial, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
