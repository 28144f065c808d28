/* uplift task add | task import | task list */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "uplift/duration.h"
#include "uplift/exchange.h"
#include "uplift/store.h"
#include "uplift/timing.h"

static int run_add(upl_cli *cli, const upl_args *args);
static int run_import(upl_cli *cli, const upl_args *args);
static int run_list(upl_cli *cli, const upl_args *args);

static const struct option add_options[] = {
    {"participant", required_argument, NULL, 'p'}, {"title", required_argument, NULL, 't'},
    {"category", required_argument, NULL, 'c'},    {"url", required_argument, NULL, 'u'},
    {"forecast-ai", required_argument, NULL, 'a'}, {"forecast-no-ai", required_argument, NULL, 'n'},
    {"cov", required_argument, NULL, 'v'},         {NULL, 0, NULL, 0}};

const upl_command upl__cmd_task_add = {
    .name = "task add",
    .summary = "Enrol one task (an issue) for a participant; prints its id.",
    .usage = "uplift task add --participant HANDLE --title TEXT [--category CAT] [--url URL]\n"
             "                [--forecast-ai DUR --forecast-no-ai DUR] [--cov NAME=VALUE]...",
    .help = "Options:\n"
            "  --participant HANDLE  who will work on the task (see 'uplift participant add')\n"
            "  --title TEXT          what the task is\n"
            "  --category CAT        free text, e.g. bug, feature, refactor, exploration\n"
            "  --url URL             the issue's address\n"
            "  --forecast-ai DUR     forecast time with AI allowed (90, 1h30m, 1:30, 45s)\n"
            "  --forecast-no-ai DUR  forecast time without AI; give both forecasts or neither\n"
            "  --cov NAME=VALUE      a covariate the protocol declares; repeatable; an empty\n"
            "                        VALUE records nothing\n",
    .options = add_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_add,
    .repeatable = (const char *const[]){"cov", NULL},
};

static const struct option import_options[] = {{NULL, 0, NULL, 0}};

const upl_command upl__cmd_task_import = {
    .name = "task import",
    .summary = "Enrol tasks from a CSV file: all rows or none.",
    .usage = "uplift task import FILE.csv",
    .help = "The header names the columns: participant and title are required; category,\n"
            "url, forecast_ai_min, forecast_no_ai_min and the protocol's covariates are\n"
            "optional.  The result columns of 'uplift export' (task_id, arm, status, ...) are\n"
            "accepted and ignored, so an export re-imports into a new study.  Participants\n"
            "must exist.  An empty covariate cell records nothing (the value is missing).  A\n"
            "bad row names its line and column and nothing is imported.  Blanks around a\n"
            "cell are not part of it, quoted or not (\"p01 \" is p01), as in analyze --csv.\n",
    .options = import_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_import,
};

static const struct option list_options[] = {{"participant", required_argument, NULL, 'p'},
                                             {"status", required_argument, NULL, 's'},
                                             {"json", no_argument, NULL, 'j'},
                                             {NULL, 0, NULL, 0}};

const upl_command upl__cmd_task_list = {
    .name = "task list",
    .summary = "List tasks with their arm, status, forecasts and times.",
    .usage = "uplift task list [--participant HANDLE] [--status STATUS[,STATUS...]] [--json]",
    .help = "Options:\n"
            "  --participant HANDLE  only this participant's tasks\n"
            "  --status STATUS       only tasks in these statuses, comma-separated: planned,\n"
            "                        assigned, in_progress, done, excluded, abandoned\n"
            "  --json                the task table as one JSON array (as 'uplift export')\n",
    .options = list_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_list,
};

static int parse_duration_option(const char *option, const char *text, double *minutes)
{
    upl_diag diag = {0};
    if (upl_duration_parse(text, minutes, &diag) != UPL_OK) {
        upl__usage(&upl__cmd_task_add, "%s: %s", option, diag.msg);
        return 0;
    }
    return 1;
}

static int run_add(upl_cli *cli, const upl_args *args)
{
    upl_task_new task = {0};
    upl_attr *covs = calloc(args->n_opts + 1, sizeof *covs); /* at most one per option */
    int rc = UPL_EXIT_USAGE;
    if (!covs)
        return upl__fail("out of memory");
    task.forecast_ai_min = NAN;
    task.forecast_no_ai_min = NAN;
    for (size_t i = 0; i < args->n_opts; i++) {
        char *arg = args->opts[i].arg, *key, *value;
        switch (args->opts[i].code) {
        case 'p':
            task.participant = arg;
            break;
        case 't':
            task.title = arg;
            break;
        case 'c':
            task.category = arg;
            break;
        case 'u':
            task.url = arg;
            break;
        case 'a':
            if (!parse_duration_option("--forecast-ai", arg, &task.forecast_ai_min))
                goto cleanup;
            break;
        case 'n':
            if (!parse_duration_option("--forecast-no-ai", arg, &task.forecast_no_ai_min))
                goto cleanup;
            break;
        case 'v':
            if (!upl__split_assignment(arg, &key, &value)) {
                upl__usage(&upl__cmd_task_add, "--cov needs NAME=VALUE, not '%s'", arg);
                goto cleanup;
            }
            covs[task.n_covariates].key = key;
            covs[task.n_covariates].value = value;
            task.n_covariates++;
            break;
        }
    }
    if (!task.participant || !task.title) {
        upl__usage(&upl__cmd_task_add, "task add needs --participant and --title");
        goto cleanup;
    }
    task.covariates = covs;
    int64_t id;
    if (upl_store_task_add(cli->store, &task, &id) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot add the task");
        goto cleanup;
    }
    printf("%lld\n", (long long)id);
    rc = UPL_EXIT_OK;
cleanup:
    free(covs);
    return rc;
}

static int run_import(upl_cli *cli, const upl_args *args)
{
    upl_diag diag = {0};
    size_t n = 0;
    int64_t first = 0;
    char *ignored = NULL;
    upl__progress bar;
    upl__progress_init(&bar, cli, NULL);
    snprintf(bar.label, sizeof bar.label, "import %s", args->pos[0]);
    if (upl_import_tasks_csv_progress(cli->store, args->pos[0], &n, &first, &ignored,
                                      upl__progress_on(&bar) ? upl__progress_fn : NULL, &bar,
                                      &diag) != UPL_OK) {
        return upl__fail("%s; nothing was imported", upl__diag_error(&diag));
    }
    if (ignored)
        fprintf(stderr, "uplift: ignored the result columns %s (results are not imported)\n",
                ignored);
    free(ignored);
    printf("imported %zu task%s (ids %lld-%lld)\n", n, n == 1 ? "" : "s", (long long)first,
           (long long)first + (long long)n - 1);
    return UPL_EXIT_OK;
}

static void print_minutes(double v)
{
    char buf[32];
    upl_format_number(v, buf, sizeof buf);
    printf(" %8s", isnan(v) ? "-" : buf);
}

/* Timing flags of the tasks that have events, in task id order. */
typedef struct task_flags {
    int64_t *id;
    unsigned *flags;
    size_t n, cap;
} task_flags;

static int collect_flags(void *arg, int64_t task_id, const upl_task_timing *timing)
{
    task_flags *tf = arg;
    if (tf->n == tf->cap) {
        size_t cap = tf->cap ? 2 * tf->cap : 64;
        int64_t *id = realloc(tf->id, cap * sizeof *id);
        if (id)
            tf->id = id;
        unsigned *flags = realloc(tf->flags, cap * sizeof *flags);
        if (flags)
            tf->flags = flags;
        if (!id || !flags)
            return 1;
        tf->cap = cap;
    }
    tf->id[tf->n] = task_id;
    tf->flags[tf->n] = timing->flags;
    tf->n++;
    return 0;
}

/* The flags as comma-separated names in a 20-wide column; "-" for none. */
static void print_flags(unsigned flags)
{
    static const unsigned each[] = {UPL_TIMING_FLAG_MISMATCH, UPL_TIMING_FLAG_OVERLAP,
                                    UPL_TIMING_FLAG_LONG_RUN, UPL_TIMING_FLAG_BACKDATED};
    int width = 0;
    putchar(' ');
    for (size_t i = 0; i < sizeof each / sizeof each[0]; i++)
        if (flags & each[i])
            width += printf("%s%s", width ? "," : "", upl_timing_flag_name(each[i]));
    if (!width)
        width = printf("-");
    printf("%*s", width < 20 ? 20 - width : 0, "");
}

/* --status: a set of statuses as bits (1u << status), from names separated by commas;
 * 0 after printing a usage error. */
static unsigned parse_statuses(const upl_command *cmd, char *text)
{
    unsigned set = 0;
    for (char *name = text, *comma; name; name = comma ? comma + 1 : NULL) {
        comma = strchr(name, ',');
        if (comma)
            *comma = '\0';
        upl_task_status st;
        if (upl_task_status_from_name(name, &st) != 0) {
            upl__usage(cmd,
                       "--status: '%s' is not a status (planned, assigned, in_progress, done, "
                       "excluded or abandoned)",
                       name);
            return 0;
        }
        set |= 1u << st;
    }
    return set;
}

/* Keeps the rows of ds whose status is in the set, in their order. */
static upl_status filter_status(upl_dataset *ds, unsigned statuses)
{
    upl_dataset kept;
    const char **extra = calloc(ds->n_extra + 1, sizeof *extra); /* one row's covariates */
    if (!extra)
        return UPL_NOMEM;
    upl_status st = upl_dataset_init(&kept, ds->n_extra, (const char *const *)ds->extra_names);
    for (size_t a = 0; st == UPL_OK && a < ds->n_arms; a++)
        st = upl_dataset_add_arm(&kept, ds->arms[a], &(size_t){0});
    kept.control = ds->control;
    for (size_t i = 0; st == UPL_OK && i < ds->n; i++) {
        if (!(statuses & (1u << ds->status[i])))
            continue;
        upl_task_row row;
        upl_dataset_row(ds, i, &row);
        for (size_t j = 0; j < ds->n_extra; j++)
            extra[j] = ds->extra_values[j][i];
        row.extra = extra;
        st = upl_dataset_append(&kept, &row);
    }
    free(extra);
    if (st != UPL_OK) {
        upl_dataset_release(&kept);
        return st;
    }
    upl_dataset_release(ds);
    *ds = kept;
    return UPL_OK;
}

static int run_list(upl_cli *cli, const upl_args *args)
{
    const char *participant = upl__args_value(args, 'p');
    char *status_text = upl__args_value(args, 's');
    int json = upl__args_has(args, 'j');
    unsigned statuses = ~0u;
    upl_dataset ds;
    if (status_text && !(statuses = parse_statuses(args->cmd, status_text)))
        return UPL_EXIT_USAGE;
    if (participant) {
        int64_t id;
        if (upl_store_participant_id(cli->store, participant, &id) != UPL_OK)
            return upl__fail_store(cli, "cannot list tasks");
    }
    if (upl_store_task_table(cli->store, participant, &ds) != UPL_OK)
        return upl__fail_store(cli, "cannot list tasks");
    if (status_text && filter_status(&ds, statuses) != UPL_OK) {
        upl_dataset_release(&ds);
        return upl__fail("out of memory");
    }
    int rc = UPL_EXIT_OK;
    task_flags tf = {0};
    if (!json && upl_store_timing_each(cli->store, participant, collect_flags, &tf) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot list tasks");
    } else if (json) {
        if (upl_export_json(&ds, stdout) != UPL_OK)
            rc = upl__fail("cannot write to standard output");
    } else {
        printf("%5s %-14s %-12s %-12s %-11s %8s %8s %8s %8s %-20s  %s\n", "ID", "PARTICIPANT",
               "CATEGORY", "ARM", "STATUS", "FC_AI", "FC_NO_AI", "MEASURED", "REPORTED", "FLAGS",
               "TITLE");
        size_t next_flag = 0;
        for (size_t i = 0; i < ds.n; i++) {
            printf("%5s %-14s %-12s %-12s %-11s", ds.task_id[i], ds.participant[i],
                   ds.category[i] ? ds.category[i] : "-", ds.arm[i] ? ds.arm[i] : "-",
                   upl_task_status_name(ds.status[i]));
            print_minutes(ds.forecast_ai_min[i]);
            print_minutes(ds.forecast_no_ai_min[i]);
            print_minutes(ds.measured_min[i]);
            print_minutes(ds.reported_min[i]);
            /* both lists are in task id order */
            long long id = strtoll(ds.task_id[i], NULL, 10);
            while (next_flag < tf.n && tf.id[next_flag] < id)
                next_flag++;
            print_flags(next_flag < tf.n && tf.id[next_flag] == id ? tf.flags[next_flag] : 0);
            printf("  %s\n", ds.title[i] ? ds.title[i] : "");
        }
    }
    free(tf.id);
    free(tf.flags);
    upl_dataset_release(&ds);
    return rc;
}
