/* uplift analyze [--csv FILE [--map FIELD=COLUMN,...] [--treated VALUE]] [options]
 *
 * Reads the study (read-only) or any CSV, runs the analysis of CONTRACT section 6 and
 * prints it as tables or JSON.  Needs no database with --csv, so it opens the store
 * itself instead of declaring UPL_CMD_NEEDS_DB. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "uplift/analysis.h"
#include "uplift/dataset_csv.h"
#include "uplift/protocol.h"
#include "uplift/store.h"

static int run_analyze(upl_cli *cli, int argc, char **argv);

const upl_command upl__cmd_analyze = {
    .name = "analyze",
    .summary = "Estimate the effect of AI on completion time, with every standard error.",
    .usage = "uplift analyze [--csv FILE [--map FIELD=COLUMN,...] [--treated VALUE]] "
             "[--outcome O] [--covariate C] [--fe participant] [--se TYPE] [--dist t|z] "
             "[--level L] [--impute RULE] [--json]",
    .help = "Model: log(outcome) = a + b*arm + c*covariate [+ participant FE] + e, OLS.\n"
            "Options (defaults from the study's protocol; for --csv as shown):\n"
            "  --outcome total|initial|measured        [total] total = reported + post-review\n"
            "  --covariate log_forecast_no_ai|log_forecast_ai|none  [log_forecast_no_ai]\n"
            "  --fe participant                        participant fixed effects [off]\n"
            "  --se classical|hc0|hc1|hc2|hc3|cr0|cr1|cr2  [cr2 with clusters, else hc2]\n"
            "  --dist t|z                              interval distribution [t]\n"
            "  --level L                               confidence level in (0,1) [0.95]\n"
            "  --impute arm-mean|complete-case         missing post-review time [arm-mean]\n"
            "  --json                                  one JSON object (CONTRACT section 6)\n"
            "  --csv FILE                              analyse a CSV instead of the study\n"
            "  --map FIELD=COLUMN,...                  CSV column names for task-table fields\n"
            "  --treated VALUE                         the arm value of the treated arm\n"
            "Clusters are participants.  cr1 is estimatr's \"stata\"; cr2 uses Bell-McCaffrey\n"
            "with Satterthwaite degrees of freedom.  Without --csv the study database is\n"
            "--db PATH, else $UPLIFT_DB, else ./uplift.db (opened read-only).\n",
    .flags = 0,
    .run = run_analyze,
};

enum {
    OPT_OUTCOME = 256,
    OPT_COVARIATE,
    OPT_FE,
    OPT_SE,
    OPT_DIST,
    OPT_LEVEL,
    OPT_IMPUTE,
    OPT_JSON,
    OPT_CSV,
    OPT_MAP,
    OPT_TREATED
};

typedef struct analyze_opts {
    const char *outcome, *covariate, *fe, *se, *dist, *level, *impute;
    const char *csv, *map, *treated;
    int json;
} analyze_opts;

/* Applies the option values over spec; prints a usage error and returns 0 when one is
 * not valid. */
static int apply_options(const analyze_opts *o, upl_model_spec *spec)
{
    const upl_command *cmd = &upl__cmd_analyze;
    if (o->outcome && upl_outcome_from_name(o->outcome, &spec->outcome) != 0)
        return !upl__usage(cmd, "--outcome must be total, initial or measured, not '%s'",
                           o->outcome);
    if (o->covariate && upl_covariate_from_name(o->covariate, &spec->covariate) != 0)
        return !upl__usage(cmd,
                           "--covariate must be log_forecast_no_ai, log_forecast_ai or none, "
                           "not '%s'",
                           o->covariate);
    if (o->fe) {
        if (strcmp(o->fe, "participant") != 0)
            return !upl__usage(cmd, "--fe takes 'participant', not '%s'", o->fe);
        spec->participant_fe = 1;
    }
    if (o->se &&
        (upl_se_type_from_name(o->se, &spec->se_type) != 0 || spec->se_type == UPL_SE_AUTO))
        return !upl__usage(cmd,
                           "--se must be classical, hc0, hc1, hc2, hc3, cr0, cr1 or cr2, not "
                           "'%s'",
                           o->se);
    if (o->dist && upl_dist_from_name(o->dist, &spec->dist) != 0)
        return !upl__usage(cmd, "--dist must be t or z, not '%s'", o->dist);
    if (o->impute && upl_impute_from_name(o->impute, &spec->impute) != 0)
        return !upl__usage(cmd, "--impute must be arm-mean or complete-case, not '%s'", o->impute);
    if (o->level) {
        char *end = NULL;
        errno = 0;
        double v = strtod(o->level, &end);
        if (!*o->level || *end || errno || !(v > 0.0 && v < 1.0))
            return !upl__usage(cmd,
                               "--level must be a number between 0 and 1 (e.g. 0.95), "
                               "not '%s'",
                               o->level);
        spec->level = v;
    }
    return 1;
}

/* Reads the study's task table and protocol defaults, read-only. */
static int load_study(upl_cli *cli, upl_dataset *ds, upl_model_spec *spec)
{
    upl_store *store = NULL;
    upl_protocol protocol;
    upl_diag diag = {0};
    int rc = UPL_EXIT_OK;
    memset(&protocol, 0, sizeof protocol);
    if (access(cli->db_path, F_OK) != 0)
        return upl__fail("no study at '%s': point --db at one, or analyse a CSV with --csv "
                         "FILE",
                         cli->db_path);
    if (upl_store_open(cli->db_path, UPL_STORE_READONLY, &store, &diag) != UPL_OK)
        return upl__fail("%s", diag.msg);
    if (upl_store_begin(store, 0) != UPL_OK) {
        rc = upl__fail("cannot read '%s': %s", cli->db_path, upl_store_errmsg(store));
        goto out;
    }
    if (upl_store_protocol(store, &protocol) != UPL_OK) {
        rc = upl__fail("cannot read the protocol of '%s': %s", cli->db_path,
                       upl_store_errmsg(store));
        goto out;
    }
    spec->outcome = protocol.outcome;
    spec->covariate = protocol.covariate;
    spec->se_type = protocol.se_type;
    spec->dist = protocol.dist;
    spec->level = 1.0 - protocol.alpha;
    spec->impute = protocol.impute;
    if (upl_store_task_table(store, NULL, ds) != UPL_OK) {
        rc = upl__fail("cannot read the tasks of '%s': %s", cli->db_path, upl_store_errmsg(store));
        goto out;
    }
out:
    upl_protocol_release(&protocol);
    if (store)
        upl_store_rollback(store);
    upl_store_close(store);
    return rc;
}

static int run_analyze(upl_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {{"outcome", required_argument, NULL, OPT_OUTCOME},
                                            {"covariate", required_argument, NULL, OPT_COVARIATE},
                                            {"fe", required_argument, NULL, OPT_FE},
                                            {"se", required_argument, NULL, OPT_SE},
                                            {"dist", required_argument, NULL, OPT_DIST},
                                            {"level", required_argument, NULL, OPT_LEVEL},
                                            {"impute", required_argument, NULL, OPT_IMPUTE},
                                            {"json", no_argument, NULL, OPT_JSON},
                                            {"csv", required_argument, NULL, OPT_CSV},
                                            {"map", required_argument, NULL, OPT_MAP},
                                            {"treated", required_argument, NULL, OPT_TREATED},
                                            {NULL, 0, NULL, 0}};
    const upl_command *cmd = &upl__cmd_analyze;
    analyze_opts o;
    memset(&o, 0, sizeof o);
    int c;
    while ((c = upl__getopt(cmd, argc, argv, options)) != -1) {
        switch (c) {
        case OPT_OUTCOME:
            o.outcome = optarg;
            break;
        case OPT_COVARIATE:
            o.covariate = optarg;
            break;
        case OPT_FE:
            o.fe = optarg;
            break;
        case OPT_SE:
            o.se = optarg;
            break;
        case OPT_DIST:
            o.dist = optarg;
            break;
        case OPT_LEVEL:
            o.level = optarg;
            break;
        case OPT_IMPUTE:
            o.impute = optarg;
            break;
        case OPT_JSON:
            o.json = 1;
            break;
        case OPT_CSV:
            o.csv = optarg;
            break;
        case OPT_MAP:
            o.map = optarg;
            break;
        case OPT_TREATED:
            o.treated = optarg;
            break;
        default:
            return UPL_EXIT_USAGE;
        }
    }
    if (!upl__positionals(cmd, argc, 0, 0))
        return UPL_EXIT_USAGE;
    if (!o.csv && (o.map || o.treated))
        return upl__usage(cmd, "--map and --treated apply to --csv input only");

    upl_model_spec spec;
    upl_model_spec_default(&spec);
    if (!apply_options(&o, &spec)) /* usage errors before any reading */
        return UPL_EXIT_USAGE;
    upl_model_spec_default(&spec);
    upl_dataset ds;
    memset(&ds, 0, sizeof ds);
    upl_diag diag = {0};
    int rc;
    if (o.csv) {
        upl_status st = upl_dataset_read_csv(&ds, o.csv, o.map, o.treated, &diag);
        if (st == UPL_INVALID && o.map && strncmp(diag.msg, "--map", 5) == 0)
            return upl__usage(cmd, "%s", diag.msg);
        if (st != UPL_OK)
            return upl__fail("%s", diag.msg[0] ? diag.msg : upl_strerror(st));
    } else if ((rc = load_study(cli, &ds, &spec)) != UPL_EXIT_OK) {
        return rc;
    }
    if (!apply_options(&o, &spec)) {
        upl_dataset_release(&ds);
        return UPL_EXIT_USAGE;
    }

    upl_analysis_result res;
    upl_status st = upl_analysis_run(&ds, &spec, &res, &diag);
    if (st != UPL_OK) {
        rc = upl__fail("cannot analyse%s%s: %s", o.csv ? " " : "", o.csv ? o.csv : "",
                       diag.msg[0] ? diag.msg : upl_strerror(st));
        upl_dataset_release(&ds);
        return rc;
    }
    st = o.json ? upl_analysis_render_json(&res, stdout) : upl_analysis_render_text(&res, stdout);
    if (st == UPL_OK && fflush(stdout) != 0)
        st = UPL_IO;
    rc = st == UPL_OK ? UPL_EXIT_OK : upl__fail("cannot write the analysis: %s", upl_strerror(st));
    upl_analysis_result_release(&res);
    upl_dataset_release(&ds);
    return rc;
}
