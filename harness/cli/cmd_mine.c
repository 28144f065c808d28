/* uplift mine [--participant HANDLE] [--all] [--json]: the participant's own view of
 * their tasks: what is open, which arm each is in (in words), where its timer stands
 * and the time logged so far, and what to type next. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "uplift/duration.h"
#include "uplift/store.h"
#include "uplift/timing.h"

static int run_mine(upl_cli *cli, const upl_args *args);

static const struct option mine_options[] = {{"participant", required_argument, NULL, 'p'},
                                             {"all", no_argument, NULL, 'a'},
                                             {"json", no_argument, NULL, 'j'},
                                             {NULL, 0, NULL, 0}};

const upl_command upl__cmd_mine = {
    .name = "mine",
    .summary = "A participant's open tasks: arm in words, timer state, time so far.",
    .usage = "uplift mine [--participant HANDLE] [--all] [--json]",
    .help = "Options:\n"
            "  --participant HANDLE  whose tasks (default $UPLIFT_PARTICIPANT)\n"
            "  --all                 every task, also those done (review in), excluded or\n"
            "                        abandoned\n"
            "  --json                one JSON array on stdout\n"
            "\nOpen tasks are those planned, assigned or in progress, and those done whose\n"
            "review is still pending.  The arm shows once the task is randomized.  TIMER is\n"
            "'not started', 'running', 'paused', 'stopped' or 'done'; SO_FAR the minutes\n"
            "logged with start/pause/resume/stop, the running stretch included.  NEXT says\n"
            "what to type next.\n",
    .options = mine_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_mine,
};

/* Timing of the participant's tasks that have events, in task id order. */
typedef struct timings {
    int64_t *id;
    upl_timing_summary *summary;
    size_t n, cap;
} timings;

static int collect(void *arg, int64_t task_id, const upl_task_timing *timing)
{
    timings *t = arg;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        int64_t *id = realloc(t->id, cap * sizeof *id);
        if (id)
            t->id = id;
        upl_timing_summary *summary = realloc(t->summary, cap * sizeof *summary);
        if (summary)
            t->summary = summary;
        if (!id || !summary)
            return 1;
        t->cap = cap;
    }
    t->id[t->n] = task_id;
    t->summary[t->n] = timing->summary;
    t->n++;
    return 0;
}

/* One task as the participant sees it. */
typedef struct mine_row {
    long long id;
    const char *timer;  /* "not started", "running", ... */
    double so_far;      /* minutes; NAN when never started */
    int review_pending; /* done, post-review time still to come */
    char next[96];      /* what to type next; "" for nothing */
} mine_row;

static void describe(const upl_dataset *ds, size_t i, const upl_timing_summary *summary,
                     mine_row *row)
{
    row->timer = "not started";
    row->so_far = NAN;
    row->review_pending = 0;
    row->next[0] = '\0';
    if (summary && summary->n_events > 0) {
        row->timer = upl_timer_state_name(summary->state);
        row->so_far =
            (isnan(summary->measured_min) ? 0.0 : summary->measured_min) + summary->open_min;
    }
    switch (ds->status[i]) {
    case UPL_TASK_PLANNED:
        if (isnan(ds->forecast_ai_min[i]) || isnan(ds->forecast_no_ai_min[i]))
            snprintf(row->next, sizeof row->next, "uplift forecast %lld --ai DUR --no-ai DUR",
                     row->id);
        else
            snprintf(row->next, sizeof row->next, "wait for the draw (uplift randomize)");
        break;
    case UPL_TASK_ASSIGNED:
        snprintf(row->next, sizeof row->next, "uplift start %lld", row->id);
        break;
    case UPL_TASK_IN_PROGRESS:
        if (summary && summary->state == UPL_TIMER_RUNNING)
            snprintf(row->next, sizeof row->next, "uplift pause %lld, or uplift stop %lld", row->id,
                     row->id);
        else if (summary && summary->state == UPL_TIMER_PAUSED)
            snprintf(row->next, sizeof row->next, "uplift resume %lld", row->id);
        else
            snprintf(row->next, sizeof row->next, "uplift done %lld --time DUR", row->id);
        break;
    case UPL_TASK_DONE:
        row->timer = "done";
        row->review_pending = isnan(ds->post_review_min[i]);
        if (row->review_pending)
            snprintf(row->next, sizeof row->next,
                     "uplift done %lld --post-review DUR (or --no-review)", row->id);
        break;
    case UPL_TASK_EXCLUDED:
    case UPL_TASK_ABANDONED:
        row->timer = upl_task_status_name(ds->status[i]);
        break;
    }
}

static int is_open(const upl_dataset *ds, size_t i)
{
    upl_task_status s = ds->status[i];
    return s == UPL_TASK_PLANNED || s == UPL_TASK_ASSIGNED || s == UPL_TASK_IN_PROGRESS ||
           (s == UPL_TASK_DONE && isnan(ds->post_review_min[i]));
}

static json_t *number_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int run_mine(upl_cli *cli, const upl_args *args)
{
    const char *participant = upl__args_value(args, 'p');
    int all = upl__args_has(args, 'a'), json = upl__args_has(args, 'j');
    const upl_protocol *protocol = NULL;
    upl_dataset ds = {0};
    timings tm = {0};
    json_t *doc = NULL;
    int rc = UPL_EXIT_FAIL;
    int64_t participant_id;
    if (!participant) {
        participant = getenv("UPLIFT_PARTICIPANT");
        if (!participant || !*participant)
            return upl__usage(args->cmd, "say whose tasks: --participant HANDLE, or set "
                                         "$UPLIFT_PARTICIPANT");
    }
    if (upl_store_participant_id(cli->store, participant, &participant_id) != UPL_OK)
        return upl__fail_store(cli, "cannot list tasks");
    if (upl_store_protocol(cli->store, &protocol) != UPL_OK)
        return upl__fail_store(cli, "cannot read the protocol");
    if (upl_store_task_table(cli->store, participant, &ds) != UPL_OK)
        return upl__fail_store(cli, "cannot list tasks");
    if (upl_store_timing_each(cli->store, participant, collect, &tm) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot list tasks");
        goto cleanup;
    }
    if (json && !(doc = json_array())) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    if (!json)
        printf("%5s %-12s %8s  %-24s %-40s  %s\n", "ID", "TIMER", "SO_FAR", "ARM", "TITLE", "NEXT");
    size_t next_timing = 0, shown = 0;
    for (size_t i = 0; i < ds.n; i++) {
        mine_row row;
        row.id = strtoll(ds.task_id[i], NULL, 10);
        /* both lists are in task id order */
        while (next_timing < tm.n && tm.id[next_timing] < row.id)
            next_timing++;
        const upl_timing_summary *summary =
            next_timing < tm.n && tm.id[next_timing] == row.id ? &tm.summary[next_timing] : NULL;
        if (!all && !is_open(&ds, i))
            continue;
        describe(&ds, i, summary, &row);
        shown++;
        char words[256] = "-";
        if (ds.arm[i])
            upl_protocol_arm_words(protocol, ds.arm[i], json, words, sizeof words);
        if (json) {
            json_t *obj = json_object();
            int ok = obj != NULL;
            ok = ok && json_object_set_new(obj, "task_id", json_integer(row.id)) == 0;
            ok = ok && json_object_set_new(obj, "participant", json_string(participant)) == 0;
            ok = ok && json_object_set_new(obj, "title", string_or_null(ds.title[i])) == 0;
            ok = ok && json_object_set_new(obj, "category", string_or_null(ds.category[i])) == 0;
            ok = ok && json_object_set_new(obj, "arm", string_or_null(ds.arm[i])) == 0;
            ok = ok && json_object_set_new(obj, "arm_words",
                                           ds.arm[i] ? json_string(words) : json_null()) == 0;
            upl_arm_ai ai = upl_protocol_arm_ai(protocol, ds.arm[i]); /* UNSAID when NULL */
            ok = ok &&
                 json_object_set_new(obj, "ai_allowed",
                                     ai == UPL_ARM_AI_UNSAID ? json_null()
                                                             : json_boolean(ai == UPL_ARM_AI)) == 0;
            ok = ok && json_object_set_new(obj, "status",
                                           json_string(upl_task_status_name(ds.status[i]))) == 0;
            ok = ok && json_object_set_new(obj, "timer", json_string(row.timer)) == 0;
            ok = ok && json_object_set_new(obj, "time_so_far_min", number_or_null(row.so_far)) == 0;
            ok = ok &&
                 json_object_set_new(obj, "review_pending", json_boolean(row.review_pending)) == 0;
            ok = ok && json_object_set_new(obj, "next",
                                           *row.next ? json_string(row.next) : json_null()) == 0;
            if (!ok || json_array_append_new(doc, obj) != 0) {
                json_decref(obj);
                rc = upl__fail("out of memory");
                goto cleanup;
            }
        } else {
            char so_far[32] = "-";
            if (!isnan(row.so_far))
                upl_duration_format(row.so_far, so_far, sizeof so_far);
            const char *title = ds.title[i] ? ds.title[i] : "";
            if (*row.next)
                printf("%5lld %-12s %8s  %-24s %-40s  %s\n", row.id, row.timer, so_far, words,
                       title, row.next);
            else
                printf("%5lld %-12s %8s  %-24s %s\n", row.id, row.timer, so_far, words, title);
        }
    }
    if (json) {
        rc = upl__print_json(doc);
        doc = NULL;
    } else {
        if (!shown)
            printf("(no %stasks for %s)\n", all ? "" : "open ", participant);
        rc = UPL_EXIT_OK;
    }
cleanup:
    json_decref(doc);
    free(tm.id);
    free(tm.summary);
    upl_dataset_release(&ds);
    return rc;
}
