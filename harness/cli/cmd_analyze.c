/* uplift analyze [--csv FILE [--map FIELD=COLUMN,...] [--treated VALUE]
 *                [--arm-names VALUE=NAME,...]] [options]
 *
 * Reads the study (read-only) or any CSV, runs the analysis of docs/analysis.md and
 * prints it as tables or JSON.  Needs no database with --csv, so it opens the store
 * itself instead of declaring UPL_CMD_NEEDS_DB. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_input.h"
#include "analysis_secondary.h"
#include "cli.h"
#include "uplift/analysis.h"
#include "uplift/dataset_csv.h"
#include "uplift/protocol.h"
#include "uplift/render.h"
#include "uplift/store.h"

static int run_analyze(upl_cli *cli, const upl_args *args);

enum { OPT_JSON = UPL__SOPT_END };

static const struct option analyze_options[] = {UPL__ANALYSIS_LONGOPTS,
                                                UPL__SECONDARY_LONGOPTS,
                                                {"json", no_argument, NULL, OPT_JSON},
                                                {NULL, 0, NULL, 0}};

const upl_command upl__cmd_analyze = {
    .name = "analyze",
    .summary = "Estimate the effect of AI on completion time, with every standard error.",
    .usage = "uplift analyze [--csv FILE [--map FIELD=COLUMN,...] [--treated VALUE] "
             "[--arm-names VALUE=NAME,...]] "
             "[--outcome O] [--covariate C] [--fe participant] [--se TYPE] [--dist t|z] "
             "[--level L] [--impute RULE] [--subgroup COLUMN] [--bootstrap N] "
             "[--permutations N] [--ri-design D] [--wild-bootstrap N [--weights W]] [--seed N] "
             "[--json]",
    .help = "Model: log(outcome) = a + b*arm + c*covariate [+ participant FE] + e, OLS.\n"
            "Options (defaults from the study's protocol; for --csv as shown):\n" UPL__ANALYSIS_HELP
                UPL__SECONDARY_HELP
            "  --json                                  one JSON object (docs/analysis.md)\n"
            "Clusters are participants.  cr1 is estimatr's \"stata\"; cr2 uses Bell-McCaffrey\n"
            "with Satterthwaite degrees of freedom; cr3 is clubSandwich's cluster jackknife.\n"
            "The wild bootstrap imposes the null and uses the cr1 t (WCR-C, as boottest).\n"
            "Without --csv the study database is\n"
            "--db PATH, else $UPLIFT_DB, else ./uplift.db (opened read-only).\n",
    .options = analyze_options,
    .min_args = 0,
    .max_args = 0,
    .flags = 0, /* a CSV needs no study: the study is opened by upl__analysis_load() */
    .run = run_analyze,
    .repeatable = (const char *const[]){UPL__ANALYSIS_REPEATABLE, NULL},
};

static int run_analyze(upl_cli *cli, const upl_args *args)
{
    const upl_command *cmd = &upl__cmd_analyze;
    upl__analysis_opts o;
    memset(&o, 0, sizeof o);
    upl__secondary_opts so; /* issue 6 */
    memset(&so, 0, sizeof so);
    int json = 0;
    for (size_t i = 0; i < args->n_opts; i++) {
        const upl_optval *v = &args->opts[i];
        if (v->code == OPT_JSON)
            json = 1;
        else if (!upl__analysis_opt(&o, v->code, v->arg))
            upl__secondary_opt(&so, v->code, v->arg);
    }
    upl__secondary_input sec;
    if (!upl__secondary_check(cmd, &so, o.csv != NULL, &sec))
        return UPL_EXIT_USAGE;

    upl_model_spec spec;
    upl_dataset ds;
    upl_diag diag = {0};
    upl_store *store = NULL;
    const upl_protocol *protocol = NULL;
    int rc = upl__analysis_load(cli, cmd, &o, &ds, &spec, &store, &protocol);
    if (rc != UPL_EXIT_OK)
        return rc;
    if (store) { /* the study's predictions and randomization scheme */
        rc = upl__secondary_from_store(store, protocol, cli->db_path, &ds, &sec);
        upl_store_rollback(store);
        upl_store_close(store);
        if (rc != UPL_EXIT_OK) {
            upl__secondary_input_release(&sec);
            upl_dataset_release(&ds);
            return rc;
        }
    }

    upl_analysis_result res;
    upl_status st = upl_analysis_run(&ds, &spec, &res, &diag);
    if (st != UPL_OK) {
        rc = upl__fail("cannot analyse%s%s: %s", o.csv ? " " : "", o.csv ? o.csv : "",
                       diag.msg[0] ? upl__diag_error(&diag) : upl_strerror(st));
        upl__secondary_input_release(&sec);
        upl_dataset_release(&ds);
        return rc;
    }
    if ((rc = upl__secondary_run(cli, &ds, &sec, &res)) != UPL_EXIT_OK) {
        upl_analysis_result_release(&res);
        upl__secondary_input_release(&sec);
        upl_dataset_release(&ds);
        return rc;
    }
    st = json ? upl_analysis_render_json(&res, stdout) : upl_analysis_render_text(&res, stdout);
    if (st == UPL_OK && fflush(stdout) != 0)
        st = UPL_IO;
    rc = st == UPL_OK ? UPL_EXIT_OK : upl__fail("cannot write the analysis: %s", upl_strerror(st));
    upl_analysis_result_release(&res);
    upl__secondary_input_release(&sec);
    upl_dataset_release(&ds);
    return rc;
}
