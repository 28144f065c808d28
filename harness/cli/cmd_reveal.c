/* uplift reveal [--key-file PATH] */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "uplift/secret.h"
#include "uplift/store.h"

static int run_reveal(upl_cli *cli, const upl_args *args);

static const struct option reveal_options[] = {{"key-file", required_argument, NULL, 'k'},
                                               {NULL, 0, NULL, 0}};

const upl_command upl__cmd_reveal = {
    .name = "reveal",
    .summary = "Publish the secret key into the study and close allocation.",
    .usage = "uplift reveal [--key-file PATH]",
    .help = "Options:\n"
            "  --key-file PATH   the secret written by 'uplift init' (default <db>.key)\n"
            "\nChecks the key against the commitment recorded at init, stores it in the\n"
            "study and closes allocation: no task can be randomized afterwards.  Anyone\n"
            "with the database can then replay the allocation with 'uplift verify'.\n",
    .options = reveal_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_reveal,
};

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
