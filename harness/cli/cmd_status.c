/* uplift status [--json]: CONSORT counts by arm. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "balance.h"
#include "cli.h"
#include "uplift/consort.h"
#include "uplift/store.h"

static int run_status(upl_cli *cli, const upl_args *args);

static const struct option status_options[] = {{"json", no_argument, NULL, 'j'},
                                               {NULL, 0, NULL, 0}};

const upl_command upl__cmd_status = {
    .name = "status",
    .summary = "Show the study's progress: CONSORT counts by arm and exclusions by reason.",
    .usage = "uplift status [--json]",
    .help = "Options:\n"
            "  --json   one JSON object on stdout\n"
            "\nCounts: participants; tasks enrolled, with forecasts, excluded before\n"
            "assignment, assigned; per arm assigned, started, done, excluded, abandoned.\n",
    .options = status_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_status,
};

static void print_status(const upl_study_info *study, const upl_consort *c)
{
    printf("%s\nstudy %s, protocol sha256 %s\nallocation %s\n\n", study->title, study->uid,
           study->protocol_hash,
           study->revealed_secret ? "closed, secret revealed" : "open, secret concealed");
    printf("%-34s %6zu\n", "participants", c->participants);
    printf("%-34s %6zu\n", "tasks enrolled", c->enrolled);
    printf("%-34s %6zu\n", "  with both forecasts", c->forecast);
    printf("%-34s %6zu\n", "  excluded before assignment", c->excluded_before_assignment);
    printf("%-34s %6zu\n\n", "  assigned to an arm", c->assigned);
    printf("%-16s", "by arm");
    for (size_t a = 0; a < c->n_arms; a++)
        printf(" %10s", c->arms[a].arm);
    printf(" %10s\n", "total");
    struct {
        const char *label;
        size_t total;
        size_t offset;
    } rows[] = {
        {"assigned", c->assigned, offsetof(upl_arm_counts, assigned)},
        {"started", c->started, offsetof(upl_arm_counts, started)},
        {"done", c->done, offsetof(upl_arm_counts, done)},
        {"excluded", c->excluded - c->excluded_before_assignment,
         offsetof(upl_arm_counts, excluded)},
        {"abandoned", c->abandoned, offsetof(upl_arm_counts, abandoned)},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        size_t sum = 0;
        printf("%-16s", rows[r].label);
        for (size_t a = 0; a < c->n_arms; a++) {
            size_t v = *(const size_t *)(const void *)((const char *)&c->arms[a] + rows[r].offset);
            sum += v;
            printf(" %10zu", v);
        }
        printf(" %10zu\n", sum);
    }
    if (c->n_reasons) {
        printf("\nexclusions by reason\n");
        for (size_t r = 0; r < c->n_reasons; r++)
            printf("%6zu  %s\n", c->reasons[r].count,
                   c->reasons[r].reason ? c->reasons[r].reason : "(none)");
    }
}

static int run_status(upl_cli *cli, const upl_args *args)
{
    upl_study_info study;
    upl_consort consort;
    int json = upl__args_has(args, 'j');
    if (upl_store_study_get(cli->store, &study) != UPL_OK)
        return upl__fail_store(cli, "cannot read the study");
    if (upl_store_consort(cli->store, &consort) != UPL_OK) {
        upl_study_info_release(&study);
        return upl__fail_store(cli, "cannot count");
    }
    upl_alloc_balance balance; /* issue 3: allocation balance by stratum and arm */
    if (upl_store_alloc_balance(cli->store, &balance) != UPL_OK) {
        upl_consort_release(&consort);
        upl_study_info_release(&study);
        return upl__fail_store(cli, "cannot count the allocations");
    }
    int rc = UPL_EXIT_OK;
    if (json) {
        json_t *doc = upl_consort_json(&study, &consort);
        if (doc)
            json_object_set_new(doc, "balance", upl_balance_json(&balance));
        rc = upl__print_json(doc);
    } else {
        print_status(&study, &consort);
        upl__balance_print(&balance, stdout);
    }
    upl_alloc_balance_release(&balance);
    upl_consort_release(&consort);
    upl_study_info_release(&study);
    return rc;
}
