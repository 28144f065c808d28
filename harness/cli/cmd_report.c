/* uplift report [--out FILE] [--format html|md|json] [analysis options]
 *
 * Reads the study (read-only: protocol, status, tasks) or a CSV with the options of
 * `uplift analyze`, runs the analysis and writes the report whole or not at all. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_input.h"
#include "analysis_secondary.h"
#include "cli.h"
#include "uplift/report.h"
#include "uplift/store.h"

static int run_report(upl_cli *cli, const upl_args *args);

enum { OPT_OUT = UPL__SOPT_END, OPT_FORMAT };

static const struct option report_options[] = {UPL__ANALYSIS_LONGOPTS,
                                               UPL__SECONDARY_LONGOPTS,
                                               {"out", required_argument, NULL, OPT_OUT},
                                               {"format", required_argument, NULL, OPT_FORMAT},
                                               {NULL, 0, NULL, 0}};

const upl_command upl__cmd_report = {
    .name = "report",
    .summary = "Write the study report: HTML with charts, Markdown, or one JSON document.",
    .usage = "uplift report [--out FILE] [--format html|md|json] [--csv FILE [--map ...] "
             "[--treated VALUE] [--arm-names VALUE=NAME,...]] [analysis options of 'uplift "
             "analyze']",
    .help =
        "Options:\n"
        "  --out FILE                              [report.html, report.md, report.json]\n"
        "                                          '-' writes to standard output; never\n"
        "                                          over a SQLite database, a key file, a\n"
        "                                          symbolic link, FIFO or device\n"
        "  --format html|md|json                   [html]\n" UPL__ANALYSIS_HELP UPL__SECONDARY_HELP
        "\nHTML: one self-contained file (inline CSS and SVG charts, no scripts, no\n"
        "network): study summary, CONSORT flow, baseline by arm, primary result with\n"
        "the standard-error panel, per-participant forest plot, forecast vs actual,\n"
        "perception, self-report vs measured, subgroups, randomization inference,\n"
        "methods and a reproducibility footer.  Sections whose numbers the analysis\n"
        "did not compute say so; on a study the analysis cannot run on yet (no task\n"
        "done), the report shows the study's progress and why there is no result.\n"
        "Markdown: the same without charts.  JSON: the keys of 'uplift analyze --json'\n"
        "plus \"status\", \"protocol\" and \"report\" (\"analysis_error\" instead of the\n"
        "analysis when it cannot run).\n"
        "The time in the report is SOURCE_DATE_EPOCH when set, else now.\n",
    .options = report_options,
    .min_args = 0,
    .max_args = 0,
    .flags = 0, /* a CSV needs no study: the study is opened by upl__analysis_load() */
    .run = run_report,
    .repeatable = (const char *const[]){UPL__ANALYSIS_REPEATABLE, NULL},
};

typedef enum { FORMAT_HTML, FORMAT_MD, FORMAT_JSON } report_format;

static int run_report(upl_cli *cli, const upl_args *args)
{
    const upl_command *cmd = &upl__cmd_report;
    upl__analysis_opts o;
    upl__secondary_opts so;
    upl__secondary_input sec;
    const char *out_path = NULL, *format_name = "html";
    report_format format = FORMAT_HTML;
    memset(&o, 0, sizeof o);
    memset(&so, 0, sizeof so);
    for (size_t i = 0; i < args->n_opts; i++) {
        const upl_optval *v = &args->opts[i];
        if (v->code == OPT_OUT)
            out_path = v->arg;
        else if (v->code == OPT_FORMAT)
            format_name = v->arg;
        else if (!upl__analysis_opt(&o, v->code, v->arg))
            upl__secondary_opt(&so, v->code, v->arg);
    }
    if (strcmp(format_name, "html") == 0)
        format = FORMAT_HTML;
    else if (strcmp(format_name, "md") == 0)
        format = FORMAT_MD;
    else if (strcmp(format_name, "json") == 0)
        format = FORMAT_JSON;
    else
        return upl__usage(cmd, "--format must be html, md or json, not '%s'", format_name);
    if (!out_path)
        out_path = format == FORMAT_HTML ? "report.html"
                   : format == FORMAT_MD ? "report.md"
                                         : "report.json";

    if (!upl__secondary_check(cmd, &so, o.csv != NULL, &sec))
        return UPL_EXIT_USAGE;
    upl_output out;
    if (upl__output_open(&out, cli, out_path) != 0) { /* refused before the analysis */
        upl__secondary_input_release(&sec);
        return UPL_EXIT_FAIL;
    }

    upl_store *store = NULL;
    upl_dataset ds;
    upl_model_spec spec;
    upl_study_info study;
    const upl_protocol *protocol = NULL;
    upl_consort consort;
    upl_alloc_balance balance;
    upl_analysis_result res;
    upl_diag diag = {0};
    int have_study = 0, have_consort = 0, have_balance = 0, have_result = 0;
    memset(&study, 0, sizeof study);
    memset(&consort, 0, sizeof consort);
    memset(&balance, 0, sizeof balance);
    int rc = upl__analysis_load(cli, cmd, &o, &ds, &spec, &store, &protocol);
    if (rc != UPL_EXIT_OK) {
        upl__output_abort(&out);
        upl__secondary_input_release(&sec);
        return rc;
    }
    if (store) {
        /* the study's predictions and randomization scheme, for the secondary analyses */
        if ((rc = upl__secondary_from_store(store, protocol, cli->db_path, &ds, &sec)) !=
            UPL_EXIT_OK)
            goto cleanup;
        if (upl_store_study_get(store, &study) != UPL_OK) {
            rc = upl__fail("cannot read the study: %s", upl__store_error(store));
            goto cleanup;
        }
        have_study = 1;
        if (upl_store_consort(store, &consort) != UPL_OK) {
            rc = upl__fail("cannot count the tasks: %s", upl__store_error(store));
            goto cleanup;
        }
        have_consort = 1;
        if (upl_store_alloc_balance(store, &balance) != UPL_OK) {
            rc = upl__fail("cannot count the allocation: %s", upl__store_error(store));
            goto cleanup;
        }
        have_balance = 1;
        /* read-only snapshot: done with the database; the handle stays open until the
         * end for the protocol it parsed */
        upl_store_rollback(store);
    }
    upl_status st = upl_analysis_run(&ds, &spec, &res, &diag);
    const char *analysis_error = NULL;
    char analysis_error_buf[1024];
    if (st == UPL_NOMEM || (st != UPL_OK && o.csv)) {
        rc = upl__fail("cannot analyse%s%s: %s", o.csv ? " " : "", o.csv ? o.csv : "",
                       diag.msg[0] ? upl__diag_error(&diag) : upl_strerror(st));
        goto cleanup;
    }
    if (st != UPL_OK) { /* a study in progress: report what there is, say why no result */
        snprintf(analysis_error_buf, sizeof analysis_error_buf, "%s",
                 diag.msg[0] ? upl__diag_error(&diag) : upl_strerror(st));
        analysis_error = analysis_error_buf;
    } else {
        have_result = 1;
        if ((rc = upl__secondary_run(cli, &ds, &sec, &res)) != UPL_EXIT_OK)
            goto cleanup;
    }

    upl_report_input in = {
        .study = have_study ? &study : NULL,
        .protocol = protocol,
        .consort = have_consort ? &consort : NULL,
        .balance = have_balance ? &balance : NULL,
        .dataset = &ds,
        .result = have_result ? &res : NULL,
        .analysis_error = analysis_error,
        .spec = &spec,
        .source = o.csv ? o.csv : cli->db_path,
        .uplift_version = UPL_VERSION,
        .sqlite_version = o.csv ? NULL : sqlite3_libversion(),
        .command_line = cli->command_line,
        .generated_at = upl__page_time(),
    };
    st = format == FORMAT_HTML ? upl_report_render_html(&in, out.stream)
         : format == FORMAT_MD ? upl_report_render_md(&in, out.stream)
                               : upl_report_render_json(&in, out.stream);
    if (st != UPL_OK) {
        rc = upl__output_failed(&out, st);
        goto cleanup;
    }
    if (upl__output_commit(&out) != 0) {
        rc = UPL_EXIT_FAIL;
        goto cleanup;
    }
    /* notes only after the report is out: a failure is then the one line it prints */
    if (analysis_error)
        fprintf(stderr, "uplift: no analysis yet (%s): the report shows the study's progress\n",
                analysis_error);
    if (strcmp(out_path, "-") != 0)
        fprintf(stderr, "uplift: wrote %s\n", out_path);
    rc = UPL_EXIT_OK;
cleanup:
    upl__output_abort(&out);
    upl_store_close(store); /* rolls back a read transaction still open */
    if (have_result)
        upl_analysis_result_release(&res);
    if (have_consort)
        upl_consort_release(&consort);
    if (have_balance)
        upl_alloc_balance_release(&balance);
    if (have_study)
        upl_study_info_release(&study);
    upl__secondary_input_release(&sec);
    upl_dataset_release(&ds);
    return rc;
}
