/* uplift prediction add --group NAME --pct PCT [--source TEXT];
 * uplift prediction list [--json]; uplift prediction import FILE.csv
 *
 * External groups' predictions of AI's effect on completion time (experts, managers),
 * compared with the measured effect in the perception section of analyze. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "uplift/csv.h"
#include "uplift/duration.h"
#include "uplift/store.h"
#include "text.h"

static int run_add(upl_cli *cli, const upl_args *args);
static int run_list(upl_cli *cli, const upl_args *args);
static int run_import(upl_cli *cli, const upl_args *args);

static const struct option add_options[] = {{"group", required_argument, NULL, 'g'},
                                            {"pct", required_argument, NULL, 'p'},
                                            {"source", required_argument, NULL, 's'},
                                            {NULL, 0, NULL, 0}};

const upl_command upl__cmd_prediction_add = {
    .name = "prediction add",
    .summary = "Record an external group's prediction of AI's effect on time (experts, managers).",
    .usage = "uplift prediction add --group NAME --pct PCT [--source TEXT]",
    .help = "Options:\n"
            "  --group NAME    who predicted (e.g. experts, managers); 1-64 characters\n"
            "  --pct PCT       predicted change of completion time with AI: -30%, 30% faster,\n"
            "                  +10%, 10% slower or a fraction (-0.3)\n"
            "  --source TEXT   where the prediction comes from (survey, paper, ...)\n"
            "\nanalyze compares each group's mean prediction with the measured effect.\n",
    .options = add_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_add,
};

static const struct option list_options[] = {{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};

const upl_command upl__cmd_prediction_list = {
    .name = "prediction list",
    .summary = "List the recorded predictions.",
    .usage = "uplift prediction list [--json]",
    .help = "Options:\n"
            "  --json   one JSON array on stdout\n",
    .options = list_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_list,
};

static const struct option import_options[] = {{NULL, 0, NULL, 0}};

const upl_command upl__cmd_prediction_import = {
    .name = "prediction import",
    .summary = "Import predictions from a CSV file with columns group,pct[,source].",
    .usage = "uplift prediction import FILE.csv",
    .help = "The header names the columns group and pct, and optionally source.  pct takes\n"
            "the forms of prediction add --pct.  All rows or none: a bad row names its line.\n",
    .options = import_options,
    .min_args = 1,
    .max_args = 1,
    .flags = UPL_CMD_NEEDS_DB | UPL_CMD_WRITES,
    .run = run_import,
};

static int run_add(upl_cli *cli, const upl_args *args)
{
    const char *group = upl__args_value(args, 'g'), *pct_text = upl__args_value(args, 'p');
    const char *source = upl__args_value(args, 's');
    if (!group || !pct_text)
        return upl__usage(&upl__cmd_prediction_add, "prediction add needs --group and --pct");
    double pct;
    upl_diag diag = {0};
    if (upl_percent_parse(pct_text, &pct, &diag) != UPL_OK)
        return upl__usage(&upl__cmd_prediction_add, "--pct: %s", diag.msg);
    int64_t id = 0;
    if (upl_store_prediction_add(cli->store, group, pct, source, &id) != UPL_OK)
        return upl__fail_store(cli, "cannot add the prediction");
    printf("prediction %lld: %s %+.1f%%\n", (long long)id, group, 100.0 * pct);
    return UPL_EXIT_OK;
}

typedef struct list_ctx {
    json_t *json;
} list_ctx;

static int print_prediction(void *arg, const upl_prediction_rec *r)
{
    list_ctx *ctx = arg;
    if (ctx->json) {
        json_t *o = json_pack("{s:I,s:s,s:f,s:s?}", "id", (json_int_t)r->id, "group", r->group,
                              "pct", r->pct, "source", r->source);
        return o ? json_array_append_new(ctx->json, o) : 1;
    }
    printf("%-6lld %-20s %+8.1f%%  %s\n", (long long)r->id, r->group, 100.0 * r->pct,
           r->source ? r->source : "");
    return 0;
}

static int run_list(upl_cli *cli, const upl_args *args)
{
    list_ctx ctx = {NULL};
    if (upl__args_has(args, 'j') && !(ctx.json = json_array()))
        return upl__fail("out of memory");
    if (!ctx.json)
        printf("%-6s %-20s %9s  %s\n", "ID", "GROUP", "PCT", "SOURCE");
    if (upl_store_prediction_each(cli->store, print_prediction, &ctx) != UPL_OK) {
        json_decref(ctx.json);
        return upl__fail_store(cli, "cannot list predictions");
    }
    return ctx.json ? upl__print_json(ctx.json) : UPL_EXIT_OK;
}

typedef struct import_ctx {
    upl_cli *cli;
    const char *path;
    long col_group, col_pct, col_source;
    size_t added;
    upl__labels labels;
} import_ctx;

static upl_status import_row(void *arg, size_t record, size_t line, const char *const *f, size_t n,
                             upl_diag *diag)
{
    import_ctx *ctx = arg;
    if (!(f = upl__labels_trim(&ctx->labels, f, n)))
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    if (record == 0) {
        ctx->col_group = ctx->col_pct = ctx->col_source = -1;
        for (size_t i = 0; i < n; i++) {
            long *slot = strcmp(f[i], "group") == 0    ? &ctx->col_group
                         : strcmp(f[i], "pct") == 0    ? &ctx->col_pct
                         : strcmp(f[i], "source") == 0 ? &ctx->col_source
                                                       : NULL;
            if (!slot)
                return upl_diag_set(diag, UPL_PARSE,
                                    "%s:%zu: unknown column '%s' (expected group, pct, source)",
                                    ctx->path, line, f[i]);
            if (*slot >= 0)
                return upl_diag_set(diag, UPL_PARSE, "%s:%zu: column '%s' appears twice", ctx->path,
                                    line, f[i]);
            *slot = (long)i;
        }
        if (ctx->col_group < 0 || ctx->col_pct < 0)
            return upl_diag_set(diag, UPL_PARSE, "%s:%zu: the header needs columns group and pct",
                                ctx->path, line);
        return UPL_OK;
    }
    double pct;
    upl_diag pd = {0};
    if (upl_percent_parse(f[ctx->col_pct], &pct, &pd) != UPL_OK)
        return upl_diag_set(diag, UPL_PARSE, "%s:%zu: column 'pct': %s", ctx->path, line, pd.msg);
    const char *source = ctx->col_source >= 0 ? f[ctx->col_source] : NULL;
    if (upl_store_prediction_add(ctx->cli->store, f[ctx->col_group], pct, source, NULL) != UPL_OK)
        return upl_diag_set(diag, UPL_PARSE, "%s:%zu: %s", ctx->path, line,
                            upl__store_error(ctx->cli->store));
    ctx->added++;
    return UPL_OK;
}

static int run_import(upl_cli *cli, const upl_args *args)
{
    import_ctx ctx = {cli, args->pos[0], -1, -1, -1, 0, {0}};
    upl_diag diag = {0};
    upl_status st = upl_csv_parse_file(ctx.path, import_row, &ctx, &diag);
    upl__labels_release(&ctx.labels);
    if (st != UPL_OK)
        return upl__fail("%s; nothing imported",
                         diag.msg[0] ? upl__diag_error(&diag) : upl_strerror(st));
    printf("%zu prediction%s imported\n", ctx.added, ctx.added == 1 ? "" : "s");
    return UPL_EXIT_OK;
}
