/* uplift task show TASK [--json]: one task with its timeline, measured against reported
 * time, and the timing flags. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "uplift/duration.h"
#include "uplift/store.h"

static int run_show(upl_cli *cli, const upl_args *args);

static const struct option show_options[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};

const upl_command upl__cmd_task_show = {
    .name = "task show",
    .summary = "Show one task: timeline, measured vs reported time, flags.",
    .usage = "uplift task show TASK [--json]",
    .help = "Options:\n"
            "  --json   one JSON object on stdout\n"
            "\nFlags: mismatch (reported differs from measured by more than the protocol's\n"
            "report_tolerance), overlap (timer ran together with another task of the same\n"
            "participant), long_run (a running stretch over 12 hours), backdated (events\n"
            "entered by hand with --at).  Times are shown in UTC.\n",
    .options = show_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_show,
};

static const unsigned all_flags[] = {UPL_TIMING_FLAG_MISMATCH, UPL_TIMING_FLAG_OVERLAP,
                                     UPL_TIMING_FLAG_LONG_RUN, UPL_TIMING_FLAG_BACKDATED};
#define N_FLAGS (sizeof all_flags / sizeof all_flags[0])

static json_t *json_minutes(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *json_text(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *json_time(int64_t t)
{
    char buf[32];
    upl_time_format(t, buf, sizeof buf);
    return json_string(buf);
}

static const char *ai_used_name(int ai_used)
{
    return ai_used == UPL_AI_USED_YES ? "yes" : ai_used == UPL_AI_USED_NO ? "no" : NULL;
}

static int print_json(const upl_task_info *info, const upl_task_timing *tm,
                      const upl_timing_event *ev, size_t n)
{
    json_t *doc = json_object();
    json_t *events = json_array();
    json_t *flags = json_array();
    if (!doc || !events || !flags) {
        json_decref(doc);
        json_decref(events);
        json_decref(flags);
        return upl__fail("out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer((json_int_t)ev[i].id));
        json_object_set_new(e, "kind", json_string(upl_event_kind_name(ev[i].kind)));
        json_object_set_new(e, "at", json_time(ev[i].at));
        json_object_set_new(e, "recorded_at", json_time(ev[i].recorded_at));
        json_object_set_new(e, "manual", json_boolean(ev[i].manual));
        json_array_append_new(events, e);
    }
    for (size_t i = 0; i < N_FLAGS; i++)
        if (tm->flags & all_flags[i])
            json_array_append_new(flags, json_string(upl_timing_flag_name(all_flags[i])));
    json_object_set_new(doc, "task_id", json_integer((json_int_t)info->id));
    json_object_set_new(doc, "participant", json_text(info->participant));
    json_object_set_new(doc, "title", json_text(info->title));
    json_object_set_new(doc, "category", json_text(info->category));
    json_object_set_new(doc, "arm", json_text(info->arm));
    json_object_set_new(doc, "status", json_string(upl_task_status_name(info->status)));
    json_object_set_new(doc, "excluded_reason", json_text(info->excluded_reason));
    json_object_set_new(doc, "forecast_ai_min", json_minutes(info->forecast_ai_min));
    json_object_set_new(doc, "forecast_no_ai_min", json_minutes(info->forecast_no_ai_min));
    json_object_set_new(doc, "timer", json_string(upl_timer_state_name(tm->summary.state)));
    json_object_set_new(doc, "measured_min", json_minutes(tm->summary.measured_min));
    json_object_set_new(doc, "running_min", json_real(tm->summary.open_min));
    json_object_set_new(doc, "reported_min", json_minutes(info->reported_min));
    json_object_set_new(doc, "post_review_min", json_minutes(info->post_review_min));
    json_object_set_new(doc, "perceived_pct", json_minutes(info->perceived_pct));
    json_object_set_new(doc, "ai_used", json_text(ai_used_name(info->ai_used)));
    json_object_set_new(doc, "report_tolerance", json_real(tm->tolerance));
    json_object_set_new(doc, "flags", flags);
    json_object_set_new(doc, "overlap_task",
                        tm->overlap_task ? json_integer((json_int_t)tm->overlap_task)
                                         : json_null());
    json_object_set_new(doc, "events", events);
    return upl__print_json(doc);
}

static void print_minutes(const char *label, double v)
{
    char buf[32];
    if (isnan(v)) {
        printf("%-13s -\n", label);
        return;
    }
    upl_duration_format(v, buf, sizeof buf);
    printf("%-13s %s min\n", label, buf);
}

static void print_text(const upl_task_info *info, const upl_task_timing *tm,
                       const upl_timing_event *ev, size_t n)
{
    char buf[32], buf2[32];
    printf("task %lld: %s\n", (long long)info->id, info->title ? info->title : "");
    printf("%-13s %s\n", "participant", info->participant ? info->participant : "");
    if (info->category)
        printf("%-13s %s\n", "category", info->category);
    printf("%-13s %s\n", "arm", info->arm ? info->arm : "(not assigned)");
    printf("%-13s %s", "status", upl_task_status_name(info->status));
    if (info->excluded_reason)
        printf(" (%s)", info->excluded_reason);
    putchar('\n');
    if (!isnan(info->forecast_ai_min)) {
        upl_duration_format(info->forecast_ai_min, buf, sizeof buf);
        upl_duration_format(info->forecast_no_ai_min, buf2, sizeof buf2);
        printf("%-13s %s min with AI, %s min without\n", "forecast", buf, buf2);
    }

    printf("\ntimeline (UTC)\n");
    if (n == 0)
        printf("  (no timing events)\n");
    int64_t run_begin = 0;
    for (size_t i = 0; i < n; i++) {
        int ran = (ev[i].kind == UPL_EVENT_PAUSE || ev[i].kind == UPL_EVENT_STOP) && run_begin;
        upl_time_format(ev[i].at, buf, sizeof buf);
        printf("  %s  %-*s", buf, ran || ev[i].manual ? 6 : 0, upl_event_kind_name(ev[i].kind));
        if (ran) {
            upl_duration_format((double)(ev[i].at - run_begin) / 60.0, buf2, sizeof buf2);
            printf("  ran %s min", buf2);
        }
        if (ev[i].manual) {
            upl_time_format(ev[i].recorded_at, buf2, sizeof buf2);
            printf("  (entered by hand at %s)", buf2);
        }
        putchar('\n');
        if (ev[i].kind == UPL_EVENT_START || ev[i].kind == UPL_EVENT_RESUME)
            run_begin = ev[i].at;
        else
            run_begin = 0;
    }
    putchar('\n');
    printf("%-13s %s", "timer", upl_timer_state_name(tm->summary.state));
    if (tm->summary.state == UPL_TIMER_RUNNING) {
        upl_duration_format(tm->summary.open_min, buf, sizeof buf);
        printf(" (this stretch %s min so far, not yet counted)", buf);
    }
    putchar('\n');
    print_minutes("measured", tm->summary.measured_min);
    print_minutes("reported", info->reported_min);
    if (!isnan(info->reported_min) && !isnan(tm->summary.measured_min) &&
        tm->summary.measured_min > 0)
        printf("%-13s %+.1f%% (tolerance %.0f%%)\n", "reported/meas",
               (info->reported_min / tm->summary.measured_min - 1.0) * 100.0,
               tm->tolerance * 100.0);
    print_minutes("post-review", info->post_review_min);
    if (!isnan(info->perceived_pct))
        printf("%-13s %+.4g%%\n", "perceived", info->perceived_pct * 100.0);
    if (info->ai_used != UPL_AI_USED_UNKNOWN)
        printf("%-13s %s\n", "ai used", ai_used_name(info->ai_used));

    if (!tm->flags) {
        printf("%-13s none\n", "flags");
        return;
    }
    printf("flags\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        if (!(tm->flags & all_flags[i]))
            continue;
        printf("  %-10s %s", upl_timing_flag_name(all_flags[i]),
               upl_timing_flag_text(all_flags[i]));
        if (all_flags[i] == UPL_TIMING_FLAG_OVERLAP && tm->overlap_task)
            printf(" (task %lld)", (long long)tm->overlap_task);
        putchar('\n');
    }
}

static int run_show(upl_cli *cli, const upl_args *args)
{
    const upl_command *cmd = &upl__cmd_task_show;
    int json = upl__args_has(args, 'j');
    long long task_id;
    if (!upl__parse_task_id(cmd, args->pos[0], &task_id))
        return UPL_EXIT_USAGE;

    upl_task_info info;
    upl_task_timing timing;
    upl_timing_event *ev = NULL;
    size_t n = 0;
    int rc = UPL_EXIT_FAIL;
    upl_status st = upl_store_task_get(cli->store, task_id, &info);
    if (st != UPL_OK)
        return st == UPL_NOTFOUND ? upl__fail("%s", upl__store_error(cli->store))
                                  : upl__fail_store(cli, "cannot read the task");
    if (upl_store_task_timing(cli->store, task_id, &timing) != UPL_OK ||
        upl_store_timing_events(cli->store, task_id, &ev, &n) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot read the task's timing");
        goto cleanup;
    }
    if (json) {
        rc = print_json(&info, &timing, ev, n);
    } else {
        print_text(&info, &timing, ev, n);
        rc = fflush(stdout) == 0 ? UPL_EXIT_OK : upl__fail("cannot write to standard output");
    }
cleanup:
    free(ev);
    upl_task_info_release(&info);
    return rc;
}
