/* uplift export [--format csv|json] [--raw] [--out FILE] */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "uplift/exchange.h"
#include "uplift/store.h"

static int run_export(upl_cli *cli, const upl_args *args);

static const struct option export_options[] = {{"format", required_argument, NULL, 'f'},
                                               {"out", required_argument, NULL, 'o'},
                                               {"raw", no_argument, NULL, 'r'},
                                               {NULL, 0, NULL, 0}};

const upl_command upl__cmd_export = {
    .name = "export",
    .summary = "Write the task table (one row per task) as CSV or JSON.",
    .usage = "uplift export [--format csv|json] [--raw] [--out FILE]",
    .help = "Options:\n"
            "  --format csv|json  default csv (RFC 4180, header first)\n"
            "  --out FILE         write to FILE (whole or not at all) instead of stdout ('-');\n"
            "                     never over a SQLite database, a key file, a symbolic link,\n"
            "                     FIFO or device\n"
            "  --raw              CSV text cells exactly as stored, without the formula guard\n"
            "\nColumns: task_id, participant, category, arm, forecast_ai_min,\n"
            "forecast_no_ai_min, measured_min, reported_min, post_review_min, perceived_pct,\n"
            "ai_used, status, excluded_reason, title, url, then the protocol's covariates.\n"
            "'uplift analyze --csv' reads this table.\n"
            "\nA CSV text cell (title, category, handle, ...) that a spreadsheet would run as\n"
            "a formula - it starts with =, +, -, @, a tab or a CR and is not a plain number -\n"
            "is written with a leading single quote ('=SUM(1) for =SUM(1)); number columns\n"
            "are never changed.  'uplift task import' and 'uplift analyze --csv' drop that\n"
            "quote again.  --raw writes the stored text as it is (open such a file in a\n"
            "spreadsheet only if you trust every participant).\n",
    .options = export_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_export,
};

static int run_export(upl_cli *cli, const upl_args *args)
{
    const char *format = upl__args_value(args, 'f');
    const char *out_path = upl__args_value(args, 'o');
    unsigned csv_flags = upl__args_has(args, 'r') ? 0 : UPL_CSV_NEUTRALISE;
    upl_dataset ds;
    upl_output out;
    if (!format)
        format = "csv";
    int json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "csv") != 0)
        return upl__usage(&upl__cmd_export, "--format must be csv or json, not '%s'", format);
    if (json && !(csv_flags & UPL_CSV_NEUTRALISE))
        return upl__usage(&upl__cmd_export, "--raw applies to CSV only (JSON is always raw)");
    if (upl_store_task_table(cli->store, NULL, &ds) != UPL_OK)
        return upl__fail_store(cli, "cannot export");
    if (upl__output_open(&out, cli, out_path) != 0) {
        upl_dataset_release(&ds);
        return UPL_EXIT_FAIL;
    }
    upl_status st =
        json ? upl_export_json(&ds, out.stream) : upl_export_csv(&ds, out.stream, csv_flags);
    if (st != UPL_OK) {
        upl__output_failed(&out, st);
        upl_dataset_release(&ds);
        return UPL_EXIT_FAIL;
    }
    upl_dataset_release(&ds);
    if (upl__output_commit(&out) != 0)
        return UPL_EXIT_FAIL;
    if (out_path && strcmp(out_path, "-") != 0)
        fprintf(stderr, "uplift: wrote %s\n", out_path);
    return UPL_EXIT_OK;
}
