/* uplift start|pause|resume|stop TASK [--at TIME]: the participant's timer.  Four
 * descriptors share one handler; the command's name is the event's kind. */
#include <stdio.h>

#include "cli.h"
#include "uplift/duration.h"
#include "uplift/store.h"

static int run_timer(upl_cli *cli, const upl_args *args);

static const struct option timer_options[] = {{"at", required_argument, NULL, 'a'},
                                              {NULL, 0, NULL, 0}};

#define TIMER_HELP                                                                                 \
    "Options:\n"                                                                                   \
    "  --at TIME   when it happened, if not now: ISO-8601 (2026-03-01T09:30, optional\n"           \
    "              seconds and zone; no zone = local time), HH:MM (today, local time),\n"          \
    "              yesterday 17:30 or today 9:00 (local time), or -DUR before now\n"               \
    "              (-5m, -1h30m, -90, -1:30).\n"                                                   \
    "              The event is marked as entered by hand.  It may not be earlier\n"               \
    "              than the task's assignment (when 'uplift randomize' drew its arm).\n"           \
    "\n'start' prints the task's arm in words: \"AI allowed (ai)\" or \"AI not allowed\n"          \
    "(no_ai)\", with the protocol's description of the arm.\n"                                     \
    "\nMeasured time is the sum of the running stretches: start or resume until pause or\n"        \
    "stop.  A stopped timer is final; later review work goes to 'uplift done TASK\n"               \
    "--post-review DUR'.  'uplift task show TASK' shows the timeline.\n"

const upl_command upl__cmd_start = {
    .name = "start",
    .summary = "Start the timer of an assigned task.",
    .usage = "uplift start TASK [--at TIME]",
    .help = TIMER_HELP,
    .options = timer_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_timer,
};

const upl_command upl__cmd_pause = {
    .name = "pause",
    .summary = "Pause a running timer.",
    .usage = "uplift pause TASK [--at TIME]",
    .help = TIMER_HELP,
    .options = timer_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_timer,
};

const upl_command upl__cmd_resume = {
    .name = "resume",
    .summary = "Resume a paused timer.",
    .usage = "uplift resume TASK [--at TIME]",
    .help = TIMER_HELP,
    .options = timer_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_timer,
};

const upl_command upl__cmd_stop = {
    .name = "stop",
    .summary = "Stop a task's timer (first review-ready submission).",
    .usage = "uplift stop TASK [--at TIME]",
    .help = TIMER_HELP,
    .options = timer_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_timer,
};

static const char *const past_tense[] = {"started", "paused", "resumed", "stopped"};

static int run_timer(upl_cli *cli, const upl_args *args)
{
    const upl_command *cmd = args->cmd;
    upl_event_kind kind;
    if (upl_event_kind_from_name(cmd->name, &kind) != 0)
        return upl__fail("'%s' is not a timer command", cmd->name);
    const char *at_text = upl__args_value(args, 'a');
    long long task_id;
    if (!upl__parse_task_id(cmd, args->pos[0], &task_id))
        return UPL_EXIT_USAGE;

    int64_t now = upl_store_now(cli->store);
    int64_t at = now;
    if (at_text) {
        upl_diag diag = {0};
        if (upl_time_parse(at_text, now, &at, &diag) != UPL_OK)
            return upl__usage(cmd, "--at: %s", diag.msg);
    }
    int64_t event_id = 0;
    upl_status st = upl_store_timing_log(cli->store, task_id, kind, at, at_text != NULL, &event_id);
    if (st == UPL_REFUSED || st == UPL_NOTFOUND)
        return upl__fail("%s", upl__store_error(cli->store));
    if (st != UPL_OK)
        return upl__fail("cannot %s task %lld: %s", cmd->name, task_id,
                         upl__store_error(cli->store));

    char when[32];
    upl_time_format(at, when, sizeof when);
    printf("task %lld %s at %s%s (event %lld)\n", task_id, past_tense[kind], when,
           at_text ? ", entered by hand" : "", (long long)event_id);
    if (kind == UPL_EVENT_START) {
        /* the participant works under the arm from now on: say it in words */
        upl_task_info info;
        const upl_protocol *protocol = NULL;
        if (upl_store_task_get(cli->store, task_id, &info) != UPL_OK ||
            upl_store_protocol(cli->store, &protocol) != UPL_OK)
            return upl__fail_store(cli, "cannot read the task's arm");
        char words[256];
        printf("arm: %s\n", upl_protocol_arm_words(protocol, info.arm, 1, words, sizeof words));
        upl_task_info_release(&info);
    }
    if (kind == UPL_EVENT_PAUSE || kind == UPL_EVENT_STOP) {
        upl_task_timing timing;
        if (upl_store_task_timing(cli->store, task_id, &timing) == UPL_OK) {
            char measured[32];
            upl_duration_format(timing.summary.measured_min, measured, sizeof measured);
            printf("measured%s: %s min\n", kind == UPL_EVENT_STOP ? "" : " so far", measured);
        }
    }
    return UPL_EXIT_OK;
}
