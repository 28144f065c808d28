/* uplift reveal [--key-file PATH] */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "uplift/secret.h"
#include "uplift/store.h"

static int run_reveal(upl_cli *cli, const upl_args *args);

static const struct option reveal_options[] = {{"key-file", required_argument, NULL, 'k'},
                                               {"force", no_argument, NULL, 'f'},
                                               {NULL, 0, NULL, 0}};

const upl_command upl__cmd_reveal = {
    .name = "reveal",
    .summary = "Publish the secret key into the study and close allocation.",
    .usage = "uplift reveal [--key-file PATH] [--force]",
    .help = "Options:\n"
            "  --key-file PATH   the secret written by 'uplift init' (default <db>.key)\n"
            "  --force           reveal although tasks are not randomized or in progress\n"
            "\nChecks the key against the commitment recorded at init, stores it in the\n"
            "study and closes allocation: no task can be randomized afterwards.  Anyone\n"
            "with the database can then replay the allocation with 'uplift verify'.\n"
            "Refused while planned tasks wait for a draw (they would never get one) or tasks\n"
            "are in progress (started, not yet reported: the study is not over), unless\n"
            "--force.\n",
    .options = reveal_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_reveal,
};

/* The number of tasks in progress (started, not yet done). */
static upl_status count_in_progress(upl_cli *cli, size_t *n)
{
    upl_dataset ds;
    upl_status st = upl_store_task_table(cli->store, NULL, &ds);
    if (st != UPL_OK)
        return st;
    *n = 0;
    for (size_t i = 0; i < ds.n; i++)
        *n += ds.status[i] == UPL_TASK_IN_PROGRESS;
    upl_dataset_release(&ds);
    return UPL_OK;
}

static int run_reveal(upl_cli *cli, const upl_args *args)
{
    const char *key_path = upl__args_value(args, 'k');
    char *default_key = NULL;
    upl_secret secret;
    upl_study_info study;
    upl_diag diag = {0};
    char hex[UPL_SECRET_HEX] = "";
    int rc = UPL_EXIT_FAIL;
    upl_alloc_task *waiting = NULL;
    size_t n_waiting = 0, n_unforecast = 0;
    upl_secret_wipe(&secret);
    if (upl_store_study_get(cli->store, &study) != UPL_OK)
        return upl__fail_store(cli, "cannot read the study");
    if (study.revealed_secret) {
        rc = upl__fail("the secret is revealed already; run 'uplift verify' to replay the "
                       "allocation");
        goto cleanup;
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
    if (!upl_secret_matches(&secret, study.commitment)) {
        rc = upl__fail("key file '%s' does not match this study's commitment %s: it belongs to "
                       "another study or was altered",
                       key_path, study.commitment);
        goto cleanup;
    }
    /* Tasks still waiting for a draw will never get one: say so. */
    if (upl_store_alloc_eligible(cli->store, NULL, 0, &waiting, &n_waiting, &n_unforecast) !=
        UPL_OK) {
        rc = upl__fail_store(cli, "cannot list the tasks");
        goto cleanup;
    }
    size_t n_running = 0;
    if (count_in_progress(cli, &n_running) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot list the tasks");
        goto cleanup;
    }
    size_t n_planned = n_waiting + n_unforecast;
    if ((n_planned || n_running) && !upl__args_has(args, 'f')) {
        char planned[96] = "", running[64] = "";
        if (n_planned)
            snprintf(planned, sizeof planned, "%zu task%s not randomized", n_planned,
                     n_planned == 1 ? " is" : "s are");
        if (n_running)
            snprintf(running, sizeof running, "%s%zu task%s in progress", n_planned ? " and " : "",
                     n_running, n_running == 1 ? " is" : "s are");
        rc = upl__fail("%s%s: reveal closes allocation for good; randomize, finish or exclude "
                       "them first ('uplift task list --status planned,in_progress'), or reveal "
                       "anyway with --force",
                       planned, running);
        goto cleanup;
    }
    upl_secret_to_hex(&secret, hex);
    if (upl_store_alloc_reveal(cli->store, hex) != UPL_OK) {
        rc = upl__fail_store(cli, "cannot reveal the secret");
        goto cleanup;
    }
    printf("%-12s %s\n%-12s %s\n", "secret", hex, "commitment", study.commitment);
    if (n_waiting + n_unforecast > 0)
        fprintf(stderr, "uplift: %zu planned task%s were never randomized and now never will be\n",
                n_waiting + n_unforecast, n_waiting + n_unforecast == 1 ? "" : "s");
    fprintf(stderr, "uplift: allocation closed; anyone with the database can now run "
                    "'uplift verify'\n");
    rc = UPL_EXIT_OK;
cleanup:
    upl_secret_wipe(&secret);
    upl_alloc_tasks_free(waiting, n_waiting);
    upl_study_info_release(&study);
    free(default_key);
    return rc;
}
