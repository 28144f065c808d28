/* Timing events and self-reports: every SQL statement of the timing logger.  The rules
 * themselves (which event may follow which, measured time, flags) are harness/engine/timing.c;
 * this file loads the history, asks them, and writes what they allow, each change with
 * its audit row inside the caller's transaction. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "uplift/duration.h"

/* The columns of a timing event, in the order read_event() expects. */
#define EVENT_COLUMNS "e.id, e.task_id, e.kind, e.at, e.recorded_at, e.manual"

/* What the timing rules need to know about one task. */
typedef struct task_row {
    int64_t id;
    int64_t participant_id;
    char *handle;
    upl_task_status status;
    int assigned;        /* has an allocation */
    int64_t assigned_at; /* when it was drawn; 0 unless assigned */
    char *excluded_reason;
    double reported_min, post_review_min, perceived_pct;
    int ai_used;
    int64_t done_at;
} task_row;

static void task_row_release(task_row *t)
{
    free(t->handle);
    free(t->excluded_reason);
    memset(t, 0, sizeof *t);
}

static upl_status load_task(upl_store *store, int64_t id, task_row *t)
{
    upl_sql_stmt *stmt = NULL;
    int oom = 0;
    memset(t, 0, sizeof *t);
    upl_status rc = upl__store_prepare(
        store,
        "SELECT t.id, t.participant_id, p.handle, t.status, a.task_id IS NOT NULL, "
        "t.excluded_reason, t.reported_min, t.post_review_min, t.perceived_pct, t.ai_used, "
        "t.done_at, a.assigned_at FROM task t JOIN participant p ON p.id = t.participant_id "
        "LEFT JOIN allocation a ON a.task_id = t.id WHERE t.id = ?",
        &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_int64(stmt, 1, id);
    if ((rc = upl__store_step_task(store, stmt, id, "cannot read a task")) != UPL_OK)
        goto cleanup;
    t->id = upl__sql_column_int64(stmt, 0);
    t->participant_id = upl__sql_column_int64(stmt, 1);
    t->handle = upl__store_column_dup(stmt, 2, &oom);
    if (upl_task_status_from_name((const char *)upl__sql_column_text(stmt, 3), &t->status) != 0) {
        rc =
            upl__store_fail(store, UPL_INTEGRITY, "task %lld has an unknown status", (long long)id);
        goto cleanup;
    }
    t->assigned = upl__sql_column_int(stmt, 4);
    t->excluded_reason = upl__store_column_dup(stmt, 5, &oom);
    t->reported_min = upl__store_column_double(stmt, 6);
    t->post_review_min = upl__store_column_double(stmt, 7);
    t->perceived_pct = upl__store_column_double(stmt, 8);
    t->ai_used = upl__store_column_ai_used(stmt, 9);
    t->done_at = upl__sql_column_int64(stmt, 10);
    t->assigned_at = upl__sql_column_int64(stmt, 11);
    if (oom)
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
cleanup:
    if (rc != UPL_OK)
        task_row_release(t);
    upl__sql_finalize(stmt);
    return rc;
}

/* One timing event from a row (id, task_id, kind, at, recorded_at, manual). */
static upl_status read_event(upl_store *store, upl_sql_stmt *stmt, upl_timing_event *e)
{
    e->id = upl__sql_column_int64(stmt, 0);
    e->task_id = upl__sql_column_int64(stmt, 1);
    if (upl_event_kind_from_name((const char *)upl__sql_column_text(stmt, 2), &e->kind) != 0)
        return upl__store_fail(store, UPL_INTEGRITY, "timing event %lld has an unknown kind",
                               (long long)e->id);
    e->at = upl__sql_column_int64(stmt, 3);
    e->recorded_at = upl__sql_column_int64(stmt, 4);
    e->manual = upl__sql_column_int(stmt, 5) != 0;
    return UPL_OK;
}

/* Runs an event query (EVENT_COLUMNS, with one or two int64 parameters) into a new
 * array. */
static upl_status load_events(upl_store *store, const char *sql, int64_t p1, int64_t p2,
                              upl_timing_event **out, size_t *n_out)
{
    upl_sql_stmt *stmt = NULL;
    upl_timing_event *ev = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    *n_out = 0;
    upl_status rc = upl__store_prepare(store, sql, &stmt);
    if (rc != UPL_OK)
        return rc;
    upl__sql_bind_int64(stmt, 1, p1);
    if (upl__sql_bind_parameter_count(stmt) > 1)
        upl__sql_bind_int64(stmt, 2, p2);
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            upl_timing_event *grown = realloc(ev, cap * sizeof *grown);
            if (!grown) {
                rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
                goto cleanup;
            }
            ev = grown;
        }
        upl_timing_event *e = &ev[n];
        if ((rc = read_event(store, stmt, e)) != UPL_OK)
            goto cleanup;
        n++;
    }
    if (step != UPL_SQL_DONE) {
        rc = upl__store_sqlfail(store, "cannot read timing events");
        goto cleanup;
    }
    *out = ev;
    *n_out = n;
    ev = NULL;
cleanup:
    free(ev);
    upl__sql_finalize(stmt);
    return rc;
}

upl_status upl_store_timing_events(upl_store *store, int64_t task_id, upl_timing_event **events,
                                   size_t *n)
{
    return load_events(store,
                       "SELECT " EVENT_COLUMNS " FROM timing_event e WHERE e.task_id = ?1 "
                       "ORDER BY e.at, e.id",
                       task_id, 0, events, n);
}

/* Events of the participant's other tasks, grouped by task.  With in_study set, tasks
 * that were excluded or abandoned are left out (their timers no longer count). */
static upl_status load_other_events(upl_store *store, const task_row *t, int in_study,
                                    upl_timing_event **events, size_t *n)
{
    if (in_study)
        return load_events(store,
                           "SELECT " EVENT_COLUMNS " FROM timing_event e JOIN task t ON "
                           "t.id = e.task_id WHERE t.participant_id = ?1 AND e.task_id <> ?2 "
                           "AND t.status NOT IN ('excluded', 'abandoned') "
                           "ORDER BY e.task_id, e.at, e.id",
                           t->participant_id, t->id, events, n);
    return load_events(store,
                       "SELECT " EVENT_COLUMNS " FROM timing_event e JOIN task t ON "
                       "t.id = e.task_id WHERE t.participant_id = ?1 AND e.task_id <> ?2 "
                       "ORDER BY e.task_id, e.at, e.id",
                       t->participant_id, t->id, events, n);
}

/* Calls fn for each task's run of events in ev (grouped by task) with its intervals at
 * now; stops at the first non-OK status or when fn sets *stop. */
typedef upl_status (*interval_fn)(upl_store *store, void *ctx, int64_t task_id,
                                  const upl_interval *iv, size_t n, int *stop);

static upl_status each_task_intervals(upl_store *store, const upl_timing_event *ev, size_t n,
                                      int64_t now, interval_fn fn, void *ctx)
{
    upl_status rc = UPL_OK;
    upl_interval *iv = NULL;
    if (n == 0)
        return UPL_OK;
    if (!(iv = malloc(n * sizeof *iv)))
        return upl__store_fail(store, UPL_NOMEM, "out of memory");
    size_t i = 0;
    int stop = 0;
    while (i < n && !stop) {
        size_t j = i;
        while (j < n && ev[j].task_id == ev[i].task_id)
            j++;
        size_t k = 0;
        upl_diag diag = {0};
        if ((rc = upl_timing_intervals(ev + i, j - i, now, iv, &k, &diag)) != UPL_OK) {
            rc = upl__store_fail_diag(store, rc, &diag);
            break;
        }
        if ((rc = fn(store, ctx, ev[i].task_id, iv, k, &stop)) != UPL_OK)
            break;
        i = j;
    }
    free(iv);
    return rc;
}

typedef struct parallel_ctx {
    const task_row *task;
    upl_event_kind kind;
    int64_t at;
} parallel_ctx;

static upl_status refuse_parallel(upl_store *store, void *vctx, int64_t other,
                                  const upl_interval *iv, size_t n, int *stop)
{
    const parallel_ctx *ctx = vctx;
    size_t k = 0;
    if (!upl_timing_busy_after(iv, n, ctx->at, &k))
        return UPL_OK;
    *stop = 1;
    char begin[32], end[32], at[32];
    upl_time_format(iv[k].begin, begin, sizeof begin);
    upl_time_format(iv[k].end, end, sizeof end);
    upl_time_format(ctx->at, at, sizeof at);
    long long o = (long long)other;
    if (iv[k].open)
        return upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_TIMER_RUNNING, other, 0,
                                   "participant '%s' already has task %lld running (since %s) "
                                   "and the protocol does not allow parallel tasks",
                                   ctx->task->handle, o, begin);
    return upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_TOO_EARLY, ctx->task->id, iv[k].end,
                               "task %lld: %s at %s would overlap task %lld of participant "
                               "'%s', which ran from %s to %s, and the protocol does not allow "
                               "parallel tasks",
                               (long long)ctx->task->id, upl_event_kind_name(ctx->kind), at, o,
                               ctx->task->handle, begin, end);
}

/* A start or resume may not overlap another running task of the participant unless
 * the protocol allows parallel tasks. */
static upl_status check_parallel(upl_store *store, const task_row *t, upl_event_kind kind,
                                 int64_t at, int64_t now)
{
    const upl_protocol *protocol = NULL;
    upl_timing_event *ev = NULL;
    size_t n = 0;
    upl_status rc = upl_store_protocol(store, &protocol);
    if (rc != UPL_OK || protocol->allow_parallel_tasks)
        return rc;
    if ((rc = load_other_events(store, t, 1, &ev, &n)) != UPL_OK)
        return rc;
    parallel_ctx ctx = {t, kind, at};
    rc = each_task_intervals(store, ev, n, now > at ? now : at, refuse_parallel, &ctx);
    free(ev);
    return rc;
}

/* Refuses timing on a task outside the study's running part. */
static upl_status check_loggable(upl_store *store, const task_row *t, const char *what)
{
    long long id = (long long)t->id;
    if (t->status == UPL_TASK_EXCLUDED || t->status == UPL_TASK_ABANDONED)
        return upl__store_fail_why(
            store, UPL_REFUSED, UPL_REASON_NOT_IN_STUDY, t->id, 0,
            "task %lld is %s (%s), so it cannot %s", id, upl_task_status_name(t->status),
            t->excluded_reason ? t->excluded_reason : "no reason given", what);
    if (!t->assigned)
        return upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_NOT_ASSIGNED, t->id, 0,
                                   "task %lld is not assigned to an arm yet, so it cannot %s", id,
                                   what);
    return UPL_OK;
}

upl_status upl_store_timing_log(upl_store *store, int64_t task_id, upl_event_kind kind, int64_t at,
                                int manual, int64_t *event_id)
{
    task_row t;
    upl_sql_stmt *stmt = NULL;
    upl_timing_event *ev = NULL;
    size_t n = 0;
    upl_diag diag = {0};
    char what[32];
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if ((unsigned)kind > (unsigned)UPL_EVENT_STOP)
        return upl__store_fail(store, UPL_INVALID, "unknown timing event");
    if ((rc = load_task(store, task_id, &t)) != UPL_OK)
        return rc;
    snprintf(what, sizeof what, "%s", upl_event_kind_name(kind));
    if ((rc = check_loggable(store, &t, what)) != UPL_OK)
        goto cleanup;
    if (t.status == UPL_TASK_DONE) {
        char reported[32] = "?";
        if (!isnan(t.reported_min))
            upl_duration_format(t.reported_min, reported, sizeof reported);
        rc = upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_TASK_DONE, t.id, 0,
                                 "task %lld is done (reported %s min), so its timer cannot %s",
                                 (long long)t.id, reported, what);
        goto cleanup;
    }
    if ((rc = upl_store_timing_events(store, task_id, &ev, &n)) != UPL_OK)
        goto cleanup;
    int64_t now = upl_store_now(store);
    if ((rc = upl_timing_check(ev, n, task_id, kind, at, now, &diag)) != UPL_OK ||
        (rc = upl_timing_check_assigned(task_id, kind, at, t.assigned_at, &diag)) != UPL_OK) {
        rc = upl__store_fail_diag(store, rc, &diag);
        goto cleanup;
    }
    if ((kind == UPL_EVENT_START || kind == UPL_EVENT_RESUME) &&
        (rc = check_parallel(store, &t, kind, at, now)) != UPL_OK)
        goto cleanup;

    if ((rc = upl__store_prepare(store,
                                 "INSERT INTO timing_event (task_id, kind, at, recorded_at, "
                                 "manual) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    upl__sql_bind_int64(stmt, 1, task_id);
    upl__sql_bind_text(stmt, 2, upl_event_kind_name(kind));
    upl__sql_bind_int64(stmt, 3, at);
    upl__sql_bind_int64(stmt, 4, now);
    upl__sql_bind_int64(stmt, 5, manual ? 1 : 0);
    int64_t id = 0;
    if ((rc = upl__store_step_id(store, stmt, &id, "cannot record the timing event")) != UPL_OK)
        goto cleanup;
    char action[32];
    snprintf(action, sizeof action, "timing.%s", upl_event_kind_name(kind));
    if ((rc = upl__store_audit(store, t.handle, action, "timing_event", id)) != UPL_OK)
        goto cleanup;
    if (kind == UPL_EVENT_START && t.status != UPL_TASK_IN_PROGRESS) {
        upl__sql_finalize(stmt);
        if ((rc = upl__store_prepare(store, "UPDATE task SET status = 'in_progress' WHERE id = ?",
                                     &stmt)) != UPL_OK)
            goto cleanup;
        upl__sql_bind_int64(stmt, 1, task_id);
        if ((rc = upl__store_step_done(store, stmt, "cannot update the task")) != UPL_OK ||
            (rc = upl__store_audit(store, t.handle, "task.start", "task", task_id)) != UPL_OK)
            goto cleanup;
    }
    if (event_id)
        *event_id = id;
cleanup:
    upl__sql_finalize(stmt);
    free(ev);
    task_row_release(&t);
    return rc;
}

void upl_self_report_clear(upl_self_report *r)
{
    r->reported_min = NAN;
    r->post_review_min = NAN;
    r->perceived_pct = NAN;
    r->ai_used = UPL_AI_USED_UNKNOWN;
    r->review = UPL_REVIEW_UNSAID;
}

static upl_status check_report(upl_store *store, const upl_self_report *r)
{
    if (!isnan(r->reported_min) &&
        !(r->reported_min > 0 && r->reported_min <= UPL_DURATION_MAX_MIN))
        return upl__store_fail(store, UPL_INVALID,
                               "reported time of %g minutes is out of range (more than 0, at "
                               "most 7 days)",
                               r->reported_min);
    if (!isnan(r->post_review_min) &&
        !(r->post_review_min > 0 && r->post_review_min <= UPL_DURATION_MAX_MIN))
        return upl__store_fail(store, UPL_INVALID,
                               "post-review time of %g minutes is out of range (more than 0, at "
                               "most 7 days)",
                               r->post_review_min);
    if (!isnan(r->perceived_pct) && !(r->perceived_pct > -1.0 && r->perceived_pct <= 10.0))
        return upl__store_fail(store, UPL_INVALID,
                               "perceived change of %g is out of range (above -100%%, at most "
                               "+1000%%)",
                               r->perceived_pct);
    if (r->ai_used != UPL_AI_USED_UNKNOWN && r->ai_used != UPL_AI_USED_NO &&
        r->ai_used != UPL_AI_USED_YES)
        return upl__store_fail(store, UPL_INVALID, "ai_used must be yes, no or unknown");
    if (r->review == UPL_REVIEW_PENDING && isnan(r->reported_min))
        return upl__store_fail(store, UPL_INVALID,
                               "a pending review belongs to the first report (with its time)");
    if (r->review != UPL_REVIEW_UNSAID && !isnan(r->post_review_min))
        return upl__store_fail(store, UPL_INVALID,
                               "a post-review time says the review is back and took time; it "
                               "cannot also be pending or empty");
    if (isnan(r->reported_min) && isnan(r->post_review_min) && isnan(r->perceived_pct) &&
        r->ai_used == UPL_AI_USED_UNKNOWN && r->review == UPL_REVIEW_UNSAID)
        return upl__store_fail(store, UPL_INVALID, "nothing to record");
    return UPL_OK;
}

/* A later report may fill a value left empty, never change one already recorded. */
static upl_status check_unset(upl_store *store, const task_row *t, const upl_self_report *r)
{
    long long id = (long long)t->id;
    if (!isnan(r->perceived_pct) && !isnan(t->perceived_pct))
        return upl__store_fail(store, UPL_REFUSED,
                               "task %lld already has a perceived change (%+.4g%%); a recorded "
                               "report cannot change (ask the coordinator if it is wrong)",
                               id, t->perceived_pct * 100.0);
    if (r->ai_used != UPL_AI_USED_UNKNOWN && t->ai_used != UPL_AI_USED_UNKNOWN)
        return upl__store_fail(store, UPL_REFUSED,
                               "task %lld already records ai_used=%s; a recorded report cannot "
                               "change (ask the coordinator if it is wrong)",
                               id, t->ai_used == UPL_AI_USED_YES ? "yes" : "no");
    if (isnan(r->reported_min) && r->review == UPL_REVIEW_NONE && !isnan(t->post_review_min))
        return upl__store_fail(store, UPL_REFUSED,
                               "task %lld already records %g min of post-review time; "
                               "'no review' only closes a review left pending",
                               id, t->post_review_min);
    return UPL_OK;
}

upl_status upl_store_task_done(upl_store *store, int64_t task_id, const upl_self_report *r)
{
    task_row t;
    upl_sql_stmt *stmt = NULL;
    upl_timing_event *ev = NULL;
    size_t n = 0;
    upl_status rc = upl__store_require_write(store);
    if (rc != UPL_OK)
        return rc;
    if ((rc = check_report(store, r)) != UPL_OK)
        return rc;
    if ((rc = load_task(store, task_id, &t)) != UPL_OK)
        return rc;
    long long id = (long long)task_id;
    if ((rc = check_loggable(store, &t, "be reported done")) != UPL_OK ||
        (rc = check_unset(store, &t, r)) != UPL_OK)
        goto cleanup;

    int first = !isnan(r->reported_min);
    if (first) {
        if (!isnan(t.reported_min)) {
            char reported[32];
            upl_duration_format(t.reported_min, reported, sizeof reported);
            rc = upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_TASK_DONE, task_id, 0,
                                     "task %lld already has a reported time (%s min), which "
                                     "cannot change",
                                     id, reported);
            goto cleanup;
        }
        upl_timer_state state;
        upl_diag diag = {0};
        if ((rc = upl_store_timing_events(store, task_id, &ev, &n)) != UPL_OK)
            goto cleanup;
        if ((rc = upl_timing_state(ev, n, &state, &diag)) != UPL_OK) {
            rc = upl__store_fail_diag(store, rc, &diag);
            goto cleanup;
        }
        if (state == UPL_TIMER_RUNNING || state == UPL_TIMER_PAUSED) {
            char since[32];
            upl_time_format(ev[n - 1].at, since, sizeof since);
            rc = upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_TIMER_OPEN, task_id, 0,
                                     "task %lld's timer is still %s (since %s)", id,
                                     upl_timer_state_name(state), since);
            goto cleanup;
        }
        rc = upl__store_prepare(
            store,
            "UPDATE task SET status = 'done', reported_min = ?1, "
            "post_review_min = CASE WHEN ?7 <> 0 THEN NULL ELSE coalesce(?2, 0.0) "
            "END, perceived_pct = ?3, ai_used = ?4, done_at = ?5 "
            "WHERE id = ?6",
            &stmt);
    } else {
        if (isnan(t.reported_min)) {
            rc = upl__store_fail_why(store, UPL_REFUSED, UPL_REASON_NOT_REPORTED, task_id, 0,
                                     "task %lld has no reported time yet", id);
            goto cleanup;
        }
        /* each later --post-review adds one more round of review work; a pending review
         * (empty) stays empty until a round or 'no review' is reported */
        rc = upl__store_prepare(store,
                                "UPDATE task SET post_review_min = CASE WHEN CAST(?2 AS DOUBLE "
                                "PRECISION) IS NULL AND ?8 = "
                                "0 THEN post_review_min ELSE coalesce(post_review_min, 0.0) + "
                                "coalesce(?2, 0.0) END, perceived_pct = coalesce(?3, "
                                "perceived_pct), ai_used = coalesce(?4, ai_used) WHERE id = ?6",
                                &stmt);
    }
    if (rc != UPL_OK)
        goto cleanup;
    upl__store_bind_double(stmt, 1, r->reported_min);
    upl__store_bind_double(stmt, 2, r->post_review_min);
    upl__store_bind_double(stmt, 3, r->perceived_pct);
    if (r->ai_used == UPL_AI_USED_UNKNOWN)
        upl__sql_bind_null(stmt, 4);
    else
        upl__sql_bind_int64(stmt, 4, r->ai_used);
    if (first) {
        upl__sql_bind_int64(stmt, 5, upl_store_now(store));
        upl__sql_bind_int64(stmt, 7, r->review == UPL_REVIEW_PENDING);
    } else {
        upl__sql_bind_int64(stmt, 8, r->review == UPL_REVIEW_NONE);
    }
    upl__sql_bind_int64(stmt, 6, task_id);
    if ((rc = upl__store_step_done(store, stmt, "cannot record the report")) != UPL_OK)
        goto cleanup;
    rc = upl__store_audit(store, t.handle, first ? "task.done" : "task.report", "task", task_id);
cleanup:
    upl__sql_finalize(stmt);
    free(ev);
    task_row_release(&t);
    return rc;
}

typedef struct overlap_ctx {
    const upl_interval *mine;
    size_t n_mine;
    int64_t found;
} overlap_ctx;

static upl_status find_overlap(upl_store *store, void *vctx, int64_t other, const upl_interval *iv,
                               size_t n, int *stop)
{
    (void)store;
    overlap_ctx *ctx = vctx;
    if (upl_timing_overlaps(ctx->mine, ctx->n_mine, iv, n)) {
        ctx->found = other;
        *stop = 1;
    }
    return UPL_OK;
}

upl_status upl_store_task_timing(upl_store *store, int64_t task_id, upl_task_timing *out)
{
    task_row t;
    const upl_protocol *protocol = NULL;
    upl_timing_event *ev = NULL, *others = NULL;
    upl_interval *iv = NULL;
    size_t n = 0, n_others = 0, n_iv = 0;
    upl_diag diag = {0};
    memset(out, 0, sizeof *out);
    out->summary.measured_min = NAN;
    out->reported_min = NAN;
    upl_status rc = load_task(store, task_id, &t);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl_store_protocol(store, &protocol)) != UPL_OK ||
        (rc = upl_store_timing_events(store, task_id, &ev, &n)) != UPL_OK)
        goto cleanup;
    int64_t now = upl_store_now(store);
    if ((rc = upl_timing_summarize(ev, n, now, &out->summary, &diag)) != UPL_OK) {
        rc = upl__store_fail_diag(store, rc, &diag);
        goto cleanup;
    }
    out->reported_min = t.reported_min;
    out->tolerance = protocol->report_tolerance;
    out->flags = out->summary.flags;
    if (upl_timing_mismatch(t.reported_min, out->summary.measured_min, protocol->report_tolerance))
        out->flags |= UPL_TIMING_FLAG_MISMATCH;
    if (n > 0) {
        if (!(iv = malloc(n * sizeof *iv))) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
        if ((rc = upl_timing_intervals(ev, n, now, iv, &n_iv, &diag)) != UPL_OK) {
            rc = upl__store_fail_diag(store, rc, &diag);
            goto cleanup;
        }
        if ((rc = load_other_events(store, &t, 0, &others, &n_others)) != UPL_OK)
            goto cleanup;
        overlap_ctx ctx = {iv, n_iv, 0};
        if ((rc = each_task_intervals(store, others, n_others, now, find_overlap, &ctx)) != UPL_OK)
            goto cleanup;
        if (ctx.found) {
            out->flags |= UPL_TIMING_FLAG_OVERLAP;
            out->overlap_task = ctx.found;
        }
    }
cleanup:
    free(iv);
    free(others);
    free(ev);
    task_row_release(&t);
    return rc;
}

/* One task of upl_store_timing_each(): where its events and intervals are. */
typedef struct timed_task {
    int64_t task_id;
    int64_t participant_id;
    size_t first, n;       /* its events ev[first .. first + n) */
    size_t iv_first, n_iv; /* its intervals */
    upl_task_timing timing;
} timed_task;

static int by_task_id(const void *a, const void *b)
{
    const timed_task *x = a, *y = b;
    return (x->task_id > y->task_id) - (x->task_id < y->task_id);
}

upl_status upl_store_timing_each(upl_store *store, const char *participant, upl_task_timing_fn fn,
                                 void *ctx)
{
    const upl_protocol *protocol = NULL;
    upl_sql_stmt *stmt = NULL;
    upl_timing_event *ev = NULL;
    upl_interval *iv = NULL;
    timed_task *tasks = NULL;
    size_t n = 0, cap = 0, n_tasks = 0, n_iv = 0;
    upl_diag diag = {0};
    upl_status rc = upl_store_protocol(store, &protocol);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store,
                                 "SELECT " EVENT_COLUMNS ", t.participant_id, t.reported_min "
                                 "FROM timing_event e JOIN task t ON t.id = e.task_id "
                                 "JOIN participant p ON p.id = t.participant_id "
                                 "WHERE CAST(?1 AS TEXT) IS NULL OR p.handle = ?1 "
                                 "ORDER BY t.participant_id, e.task_id, e.at, e.id",
                                 &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_text(stmt, 1, participant);
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            upl_timing_event *grown = realloc(ev, cap * sizeof *grown);
            timed_task *grown_tasks = realloc(tasks, cap * sizeof *grown_tasks);
            if (grown)
                ev = grown;
            if (grown_tasks)
                tasks = grown_tasks;
            if (!grown || !grown_tasks) {
                rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
                goto cleanup;
            }
        }
        upl_timing_event *e = &ev[n];
        if ((rc = read_event(store, stmt, e)) != UPL_OK)
            goto cleanup;
        if (n == 0 || ev[n - 1].task_id != e->task_id) {
            timed_task *t = &tasks[n_tasks++];
            memset(t, 0, sizeof *t);
            t->task_id = e->task_id;
            t->participant_id = upl__sql_column_int64(stmt, 6);
            t->first = n;
            t->timing.reported_min = upl__store_column_double(stmt, 7);
            t->timing.tolerance = protocol->report_tolerance;
        }
        tasks[n_tasks - 1].n++;
        n++;
    }
    if (step != UPL_SQL_DONE) {
        rc = upl__store_sqlfail(store, "cannot read timing events");
        goto cleanup;
    }
    if (n > 0 && !(iv = malloc(n * sizeof *iv))) {
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    int64_t now = upl_store_now(store);
    for (size_t i = 0; i < n_tasks; i++) {
        timed_task *t = &tasks[i];
        if ((rc = upl_timing_summarize(ev + t->first, t->n, now, &t->timing.summary, &diag)) !=
                UPL_OK ||
            (rc = upl_timing_intervals(ev + t->first, t->n, now, iv + n_iv, &t->n_iv, &diag)) !=
                UPL_OK) {
            rc = upl__store_fail_diag(store, rc, &diag);
            goto cleanup;
        }
        t->iv_first = n_iv;
        n_iv += t->n_iv;
        t->timing.flags = t->timing.summary.flags;
        if (upl_timing_mismatch(t->timing.reported_min, t->timing.summary.measured_min,
                                protocol->report_tolerance))
            t->timing.flags |= UPL_TIMING_FLAG_MISMATCH;
    }
    /* overlaps among the tasks of each participant (they are adjacent) */
    for (size_t i = 0; i < n_tasks; i++) {
        for (size_t j = i + 1; j < n_tasks && tasks[j].participant_id == tasks[i].participant_id;
             j++) {
            if (!upl_timing_overlaps(iv + tasks[i].iv_first, tasks[i].n_iv, iv + tasks[j].iv_first,
                                     tasks[j].n_iv))
                continue;
            tasks[i].timing.flags |= UPL_TIMING_FLAG_OVERLAP;
            tasks[j].timing.flags |= UPL_TIMING_FLAG_OVERLAP;
            if (!tasks[i].timing.overlap_task)
                tasks[i].timing.overlap_task = tasks[j].task_id;
            if (!tasks[j].timing.overlap_task)
                tasks[j].timing.overlap_task = tasks[i].task_id;
        }
    }
    if (n_tasks > 0)
        qsort(tasks, n_tasks, sizeof *tasks, by_task_id);
    for (size_t i = 0; i < n_tasks; i++)
        if (fn(ctx, tasks[i].task_id, &tasks[i].timing) != 0)
            break;
cleanup:
    upl__sql_finalize(stmt);
    free(tasks);
    free(iv);
    free(ev);
    return rc;
}
