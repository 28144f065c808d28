/* uplift randomize [TASK...] [--key-file PATH] [--json] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "uplift/randomize.h"
#include "uplift/secret.h"
#include "uplift/store.h"

static int run_randomize(upl_cli *cli, const upl_args *args);

static const struct option randomize_options[] = {{"key-file", required_argument, NULL, 'k'},
                                                  {"json", no_argument, NULL, 'j'},
                                                  {NULL, 0, NULL, 0}};

const upl_command upl__cmd_randomize = {
    .name = "randomize",
    .summary =
        "Assign tasks to arms with the study's secret key (all ready tasks, or those named).",
    .usage = "uplift randomize [TASK...] [--key-file PATH] [--json]",
    .help = "Options:\n"
            "  --key-file PATH   the secret written by 'uplift init' (default <db>.key)\n"
            "  --json            one JSON object on stdout\n"
            "\nWithout TASK, assigns every planned task that has both forecasts; with TASK\n"
            "ids, exactly those (all or none).  A task without both forecasts, an excluded\n"
            "or assigned task, and any task after 'uplift reveal' are refused.  Each draw\n"
            "depends only on the key, the protocol, the task's stratum (its participant, and\n"
            "its category when the protocol stratifies by category) and its position there:\n"
            "never on other participants' tasks (docs/concealment.md).\n",
    .options = randomize_options,
    .min_args = 0,
    .max_args = -1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_randomize,
};

typedef struct {
    int json;
    json_t *list;
    int oom;
} randomize_out;

static void on_draw(void *ctx, const upl_alloc_task *task, const char *arm,
                    const upl_alloc_record *rec)
{
    randomize_out *out = ctx;
    (void)rec;
    if (out->json) {
        json_t *item =
            json_pack("{s:I, s:s, s:s?, s:s}", "task_id", (json_int_t)task->id, "participant",
                      task->participant, "category", task->category, "arm", arm);
        if (!item || json_array_append_new(out->list, item) != 0)
            out->oom = 1;
        return;
    }
    /* The block and position stay out of the output: whoever reads it over the
     * coordinator's shoulder learns no more than the arms. */
    printf("task %-6lld %-16s %-14s %s\n", (long long)task->id, task->participant,
           task->category ? task->category : "-", arm);
}

static int run_randomize(upl_cli *cli, const upl_args *args)
{
    const char *key_path = upl__args_value(args, 'k');
    char *default_key = NULL;
    int64_t *ids = NULL;
    size_t n_ids = 0;
    upl_secret secret;
    upl_diag diag = {0};
    upl_randomize_summary summary;
    randomize_out out = {0};
    int rc = UPL_EXIT_FAIL;
    upl_secret_wipe(&secret);
    out.json = upl__args_has(args, 'j');
    if (args->n_pos && !(ids = calloc(args->n_pos, sizeof *ids)))
        return upl__fail("out of memory");
    for (size_t i = 0; i < args->n_pos; i++) {
        long long id;
        if (!upl__parse_task_id(&upl__cmd_randomize, args->pos[i], &id)) {
            rc = UPL_EXIT_USAGE;
            goto cleanup;
        }
        ids[n_ids++] = id;
    }
    if (upl__key_path_required(cli, key_path, &default_key) != 0) {
        rc = UPL_EXIT_FAIL;
        goto cleanup;
    }
    key_path = default_key;
    if (upl_secret_read(key_path, &secret, &diag) != UPL_OK) {
        rc = upl__fail("%s", upl__diag_error(&diag));
        goto cleanup;
    }
    if (out.json && !(out.list = json_array())) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    /* a bar between the lines of the text output on the same terminal would tear them:
     * progress only with --json or when stdout goes elsewhere */
    upl__progress bar;
    upl__progress_init(&bar, cli, NULL);
    int show = upl__progress_on(&bar) && (out.json || !isatty(STDOUT_FILENO));
    if (upl_randomize_progress(cli->store, &secret, ids, n_ids, on_draw, &out,
                               show ? upl__progress_fn : NULL, &bar, &summary, &diag) != UPL_OK) {
        rc = upl__fail("cannot randomize: %s", upl__diag_error(&diag));
        goto cleanup;
    }
    if (out.oom) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    if (summary.assigned == 0 && summary.waiting > 0) {
        rc = upl__fail("no task is ready to randomize: %zu task%s lack%s forecasts; record both "
                       "with 'uplift forecast TASK --ai DUR --no-ai DUR' first",
                       summary.waiting, summary.waiting == 1 ? "" : "s",
                       summary.waiting == 1 ? "s" : "");
        goto cleanup;
    }
    if (out.json) {
        json_t *doc =
            json_pack("{s:I, s:I, s:I, s:I, s:o}", "run", (json_int_t)summary.run, "assigned",
                      (json_int_t)summary.assigned, "strata", (json_int_t)summary.strata,
                      "waiting_for_forecasts", (json_int_t)summary.waiting, "tasks", out.list);
        out.list = NULL;
        if ((rc = upl__print_json(doc)) != UPL_EXIT_OK)
            goto cleanup;
    }
    if (summary.assigned == 0)
        fprintf(stderr, "uplift: nothing to randomize: every task is assigned or excluded\n");
    else
        fprintf(stderr, "uplift: randomized %zu task%s in %zu strat%s (run %lld)\n",
                summary.assigned, summary.assigned == 1 ? "" : "s", summary.strata,
                summary.strata == 1 ? "um" : "a", (long long)summary.run);
    if (summary.waiting > 0)
        fprintf(stderr, "uplift: %zu task%s still wait%s for forecasts\n", summary.waiting,
                summary.waiting == 1 ? "" : "s", summary.waiting == 1 ? "s" : "");
    rc = UPL_EXIT_OK;
cleanup:
    upl_secret_wipe(&secret);
    json_decref(out.list);
    free(ids);
    free(default_key);
    return rc;
}
