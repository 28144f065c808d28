/* uplift done TASK --time DUR [--post-review DUR | --review-pending | --no-review]
 * [--perceived PCT] [--ai-used yes|no]: the participant's self-report, and later
 * additions to it. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "uplift/duration.h"
#include "uplift/store.h"

static int run_done(upl_cli *cli, const upl_args *args);

static const struct option done_options[] = {{"time", required_argument, NULL, 't'},
                                             {"post-review", required_argument, NULL, 'r'},
                                             {"perceived", required_argument, NULL, 'p'},
                                             {"ai-used", required_argument, NULL, 'a'},
                                             {"review-pending", no_argument, NULL, 'w'},
                                             {"no-review", no_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};

const upl_command upl__cmd_done = {
    .name = "done",
    .summary = "Report a task done: time taken, review time, perceived AI effect.",
    .usage = "uplift done TASK --time DUR [--post-review DUR | --review-pending | --no-review] "
             "[--perceived PCT] [--ai-used yes|no]",
    .help = "Options:\n"
            "  --time DUR         time to the first review-ready submission (90, 90m, 1h30m,\n"
            "                     1:30, 45s; stored in minutes)\n"
            "  --post-review DUR  time spent after review; given later on its own, each call\n"
            "                     adds one more round of review work\n"
            "  --review-pending   the review has not come back: the post-review time stays\n"
            "                     empty (missing, imputed or left out by the analysis per the\n"
            "                     protocol's missing-data rule) until reported\n"
            "  --no-review        no review work: 0 min (the default of a first report\n"
            "                     without --post-review); later, closes a pending review\n"
            "  --perceived PCT    how AI changed your time on this task: -20% or '20% faster'\n"
            "                     both mean 20% less time; '+15%' or '15% slower' more\n"
            "  --ai-used yes|no   whether you actually used AI on this task\n"
            "\nOn a task whose arm does not allow AI (no_ai), --ai-used yes and --perceived\n"
            "are recorded as given, with a warning on stderr (exit 0).\n"
            "\nThe first report needs --time and a timer that is not running (stop it first).\n"
            "A reported time cannot change later; values left out can be added later\n"
            "('uplift done TASK --post-review DUR', '--perceived', '--ai-used').\n",
    .options = done_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_done,
};

static int parse_duration(const char *option, const char *text, double *out)
{
    upl_diag diag = {0};
    if (upl_duration_parse(text, out, &diag) != UPL_OK) {
        upl__usage(&upl__cmd_done, "%s: %s", option, diag.msg);
        return 0;
    }
    return 1;
}

/* Warnings (stderr, the report is recorded as given) where what the report says does
 * not fit a task whose arm does not allow AI: AI used, or a perceived effect of AI. */
static int warn_arm(upl_cli *cli, const upl_task_info *info, const upl_self_report *report)
{
    const upl_protocol *protocol = NULL;
    if (!info->arm)
        return UPL_EXIT_OK;
    if (upl_store_protocol(cli->store, &protocol) != UPL_OK)
        return upl__fail_store(cli, "cannot read the protocol");
    if (upl_protocol_arm_ai(protocol, info->arm) != UPL_ARM_NO_AI)
        return UPL_EXIT_OK;
    long long id = (long long)info->id;
    if (report->ai_used == UPL_AI_USED_YES)
        fprintf(stderr,
                "uplift: warning: task %lld is in arm %s (AI not allowed), but --ai-used yes "
                "says AI was used: recorded as given (non-compliance is data)\n",
                id, info->arm);
    if (!isnan(report->perceived_pct))
        fprintf(stderr,
                "uplift: warning: task %lld is in arm %s (AI not allowed): --perceived is AI's "
                "effect on a task done with AI, so the analysis leaves it out; recorded as "
                "given\n",
                id, info->arm);
    return UPL_EXIT_OK;
}

static int run_done(upl_cli *cli, const upl_args *args)
{
    const upl_command *cmd = &upl__cmd_done;
    upl_self_report report;
    upl_diag diag = {0};
    upl_self_report_clear(&report);
    for (size_t i = 0; i < args->n_opts; i++) {
        const char *arg = args->opts[i].arg;
        switch (args->opts[i].code) {
        case 't':
            if (!parse_duration("--time", arg, &report.reported_min))
                return UPL_EXIT_USAGE;
            break;
        case 'r':
            if (!parse_duration("--post-review", arg, &report.post_review_min))
                return UPL_EXIT_USAGE;
            break;
        case 'p':
            if (upl_percent_parse(arg, &report.perceived_pct, &diag) != UPL_OK)
                return upl__usage(cmd, "--perceived: %s", diag.msg);
            break;
        case 'w':
            report.review = UPL_REVIEW_PENDING;
            break;
        case 'n':
            report.review = UPL_REVIEW_NONE;
            break;
        case 'a':
            if (strcmp(arg, "yes") == 0)
                report.ai_used = UPL_AI_USED_YES;
            else if (strcmp(arg, "no") == 0)
                report.ai_used = UPL_AI_USED_NO;
            else
                return upl__usage(cmd, "--ai-used takes yes or no, not '%s'", arg);
            break;
        }
    }
    long long task_id;
    if (!upl__parse_task_id(cmd, args->pos[0], &task_id))
        return UPL_EXIT_USAGE;
    if (isnan(report.reported_min) && isnan(report.post_review_min) &&
        isnan(report.perceived_pct) && report.ai_used == UPL_AI_USED_UNKNOWN &&
        report.review == UPL_REVIEW_UNSAID)
        return upl__usage(cmd, "nothing to report: give --time DUR (or, later, --post-review "
                               "DUR, --no-review, --perceived PCT or --ai-used yes|no)");
    if (report.review != UPL_REVIEW_UNSAID && !isnan(report.post_review_min))
        return upl__usage(cmd, "--post-review DUR cannot go with --%s",
                          report.review == UPL_REVIEW_PENDING ? "review-pending" : "no-review");
    if (report.review == UPL_REVIEW_PENDING && isnan(report.reported_min))
        return upl__usage(cmd, "--review-pending goes with the first report (--time DUR)");

    upl_status st = upl_store_task_done(cli->store, task_id, &report);
    if (st == UPL_REFUSED || st == UPL_NOTFOUND || st == UPL_INVALID)
        return upl__fail("%s", upl__store_error(cli->store));
    if (st != UPL_OK)
        return upl__fail("cannot record the report of task %lld: %s", task_id,
                         upl__store_error(cli->store));

    upl_task_info info;
    if (upl_store_task_get(cli->store, task_id, &info) != UPL_OK)
        return upl__fail_store(cli, "cannot read the task back");
    char reported[32], post[32], measured[32];
    upl_duration_format(info.reported_min, reported, sizeof reported);
    upl_duration_format(info.post_review_min, post, sizeof post);
    printf("task %lld %s: reported %s min, post-review %s%s", task_id,
           isnan(report.reported_min) ? "updated" : "done", reported,
           isnan(info.post_review_min) ? "pending" : post,
           isnan(info.post_review_min) ? "" : " min");
    if (!isnan(info.measured_min)) {
        upl_duration_format(info.measured_min, measured, sizeof measured);
        printf(", measured %s min", measured);
    }
    if (!isnan(info.perceived_pct))
        printf(", perceived %+.4g%%", info.perceived_pct * 100.0);
    if (info.ai_used != UPL_AI_USED_UNKNOWN)
        printf(", ai used %s", info.ai_used == UPL_AI_USED_YES ? "yes" : "no");
    putchar('\n');
    int rc = warn_arm(cli, &info, &report);
    upl_task_info_release(&info);
    return rc;
}
