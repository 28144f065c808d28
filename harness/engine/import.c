/* `task import`: a CSV of tasks into the study, all rows or none.  Cells lose their
 * surrounding blanks, the label rule of harness/engine/text.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/csv.h"
#include "uplift/duration.h"
#include "uplift/exchange.h"
#include "text.h"

enum col_role {
    COL_PARTICIPANT,
    COL_TITLE,
    COL_CATEGORY,
    COL_URL,
    COL_FORECAST_AI,
    COL_FORECAST_NO_AI,
    COL_COVARIATE,
    COL_IGNORED /* results of an exported study: not imported */
};

static const char *const input_columns[] = {"participant", "title",           "category",
                                            "url",         "forecast_ai_min", "forecast_no_ai_min"};
static const char *const result_columns[] = {
    "task_id",       "arm",     "measured_min", "reported_min",   "post_review_min",
    "perceived_pct", "ai_used", "status",       "excluded_reason"};

/* A diag that quotes a failure of the store keeps the store's reason with it (the
 * advice for an unknown participant, a refused task), so the caller can give it. */
static upl_status with_store_why(const upl_store *store, upl_diag *diag, upl_status status)
{
    if (diag)
        diag->why = *upl_store_why(store);
    return status;
}

#define COUNT(a) (sizeof(a) / sizeof(a[0]))

typedef struct import_ctx {
    upl_store *store;
    const char *name;
    const upl_protocol *protocol;
    size_t n_cols;
    enum col_role *roles;
    char **col_names;
    upl_attr *covariates; /* scratch for one row */
    size_t n_covariates;
    size_t n_imported;
    int64_t first_id;
    char *ignored;
    upl_progress_fn progress;
    void *progress_ctx;
    size_t total_lines;
    upl__labels labels; /* the record's cells without surrounding blanks */
} import_ctx;

static char *dup_string(const char *s)
{
    size_t len = strlen(s) + 1;
    char *c = malloc(len);
    if (c)
        memcpy(c, s, len);
    return c;
}

static upl_status append_ignored(import_ctx *ctx, const char *name)
{
    size_t old = ctx->ignored ? strlen(ctx->ignored) : 0;
    char *grown = realloc(ctx->ignored, old + strlen(name) + 3);
    if (!grown)
        return UPL_NOMEM;
    ctx->ignored = grown;
    snprintf(grown + old, strlen(name) + 3, "%s%s", old ? ", " : "", name);
    return UPL_OK;
}

static upl_status read_header(import_ctx *ctx, size_t line, const char *const *fields, size_t n,
                              upl_diag *diag)
{
    ctx->n_cols = n;
    ctx->roles = calloc(n, sizeof *ctx->roles);
    ctx->col_names = calloc(n, sizeof *ctx->col_names);
    ctx->covariates = calloc(n, sizeof *ctx->covariates);
    if (!ctx->roles || !ctx->col_names || !ctx->covariates)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    int seen_participant = 0, seen_title = 0;
    for (size_t c = 0; c < n; c++) {
        const char *name = fields[c];
        if (!(ctx->col_names[c] = dup_string(name)))
            return upl_diag_set(diag, UPL_NOMEM, "out of memory");
        for (size_t k = 0; k < c; k++)
            if (strcmp(ctx->col_names[k], name) == 0)
                return upl_diag_set(diag, UPL_PARSE, "%s:%zu: column '%s' appears twice", ctx->name,
                                    line, name);
        int known = 0;
        for (size_t k = 0; k < COUNT(input_columns) && !known; k++)
            if (strcmp(name, input_columns[k]) == 0) {
                ctx->roles[c] = (enum col_role)k;
                known = 1;
            }
        for (size_t k = 0; k < COUNT(result_columns) && !known; k++)
            if (strcmp(name, result_columns[k]) == 0) {
                ctx->roles[c] = COL_IGNORED;
                known = 1;
                if (append_ignored(ctx, name) != UPL_OK)
                    return upl_diag_set(diag, UPL_NOMEM, "out of memory");
            }
        for (size_t k = 0; k < ctx->protocol->n_covariates && !known; k++)
            if (strcmp(name, ctx->protocol->covariates[k].name) == 0) {
                ctx->roles[c] = COL_COVARIATE;
                known = 1;
            }
        if (!known)
            return upl_diag_set(diag, UPL_PARSE,
                                "%s:%zu: unknown column '%s' (expected participant, title, "
                                "category, url, forecast_ai_min, forecast_no_ai_min or a "
                                "covariate the protocol declares)",
                                ctx->name, line, name);
        seen_participant |= ctx->roles[c] == COL_PARTICIPANT;
        seen_title |= ctx->roles[c] == COL_TITLE;
    }
    if (!seen_participant || !seen_title)
        return upl_diag_set(diag, UPL_PARSE, "%s:%zu: the header needs the columns %s", ctx->name,
                            line,
                            !seen_participant && !seen_title ? "'participant' and 'title'"
                            : !seen_participant              ? "'participant'"
                                                             : "'title'");
    return UPL_OK;
}

static upl_status parse_forecast(import_ctx *ctx, size_t line, size_t c, const char *cell,
                                 double *out, upl_diag *diag)
{
    upl_diag inner = {0};
    if (!*cell) {
        *out = NAN;
        return UPL_OK;
    }
    if (upl_duration_parse(cell, out, &inner) != UPL_OK)
        return upl_diag_set(diag, UPL_PARSE, "%s:%zu: column '%s': %s", ctx->name, line,
                            ctx->col_names[c], inner.msg);
    return UPL_OK;
}

static upl_status import_row(void *arg, size_t record, size_t line, const char *const *fields,
                             size_t n, upl_diag *diag)
{
    import_ctx *ctx = arg;
    if (!(fields = upl__labels_trim(&ctx->labels, fields, n)))
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    if (record == 0)
        return read_header(ctx, line, fields, n, diag);

    upl_task_new task = {0};
    task.forecast_ai_min = NAN;
    task.forecast_no_ai_min = NAN;
    size_t participant_col = 0;
    ctx->n_covariates = 0;
    for (size_t c = 0; c < n; c++) {
        const char *cell = upl_csv_restore_cell(fields[c]); /* export's formula guard */
        upl_status rc = UPL_OK;
        if (ctx->roles[c] != COL_IGNORED) {
            char what[96];
            upl_diag inner = {0};
            snprintf(what, sizeof what, "column '%s'", ctx->col_names[c]);
            if (upl__text_check(what, cell, &inner) != UPL_OK)
                return upl_diag_set(diag, UPL_PARSE, "%s:%zu: %s", ctx->name, line, inner.msg);
        }
        switch (ctx->roles[c]) {
        case COL_PARTICIPANT:
            task.participant = cell;
            participant_col = c;
            break;
        case COL_TITLE:
            task.title = cell;
            break;
        case COL_CATEGORY:
            task.category = cell;
            break;
        case COL_URL:
            task.url = cell;
            break;
        case COL_FORECAST_AI:
            rc = parse_forecast(ctx, line, c, cell, &task.forecast_ai_min, diag);
            break;
        case COL_FORECAST_NO_AI:
            rc = parse_forecast(ctx, line, c, cell, &task.forecast_no_ai_min, diag);
            break;
        case COL_COVARIATE:
            ctx->covariates[ctx->n_covariates].key = ctx->col_names[c];
            ctx->covariates[ctx->n_covariates].value = cell;
            ctx->n_covariates++;
            break;
        case COL_IGNORED:
            break;
        }
        if (rc != UPL_OK)
            return rc;
    }
    if (!task.participant || !*task.participant)
        return upl_diag_set(diag, UPL_PARSE, "%s:%zu: column 'participant' is empty", ctx->name,
                            line);
    if (!task.title || !*task.title)
        return upl_diag_set(diag, UPL_PARSE, "%s:%zu: column 'title' is empty", ctx->name, line);
    int64_t participant_id;
    if (upl_store_participant_id(ctx->store, task.participant, &participant_id) != UPL_OK)
        return with_store_why(ctx->store, diag,
                              upl_diag_set(diag, UPL_PARSE, "%s:%zu: column '%s': %s", ctx->name,
                                           line, ctx->col_names[participant_col],
                                           upl_store_errmsg(ctx->store)));
    task.covariates = ctx->covariates;
    task.n_covariates = ctx->n_covariates;
    int64_t id;
    upl_status rc = upl_store_task_add(ctx->store, &task, &id);
    if (rc != UPL_OK)
        return with_store_why(
            ctx->store, diag,
            upl_diag_set(diag, rc, "%s:%zu: %s", ctx->name, line, upl_store_errmsg(ctx->store)));
    if (ctx->n_imported++ == 0)
        ctx->first_id = id;
    if (ctx->progress && line <= ctx->total_lines)
        ctx->progress(ctx->progress_ctx, "import", line, ctx->total_lines);
    return UPL_OK;
}

/* Lines of a file, for the progress total (0 when it cannot be read: the parse will
 * say why). */
static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    char buf[65536];
    size_t lines = 0, got;
    int last = '\n';
    if (!f)
        return 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + got - p))) != NULL; p++)
            lines++;
        last = buf[got - 1];
    }
    fclose(f);
    return lines + (last != '\n');
}

upl_status upl_import_tasks_csv(upl_store *store, const char *path, size_t *n_imported,
                                int64_t *first_id, char **ignored, upl_diag *diag)
{
    return upl_import_tasks_csv_progress(store, path, n_imported, first_id, ignored, NULL, NULL,
                                         diag);
}

upl_status upl_import_tasks_csv_progress(upl_store *store, const char *path, size_t *n_imported,
                                         int64_t *first_id, char **ignored,
                                         upl_progress_fn progress, void *progress_ctx,
                                         upl_diag *diag)
{
    import_ctx ctx = {0};
    upl_status rc = upl_store_protocol(store, &ctx.protocol);
    if (rc != UPL_OK)
        return upl_store_diag(store, rc, diag);
    ctx.store = store;
    ctx.name = path;
    if (progress) {
        ctx.total_lines = count_lines(path);
        ctx.progress = progress;
        ctx.progress_ctx = progress_ctx;
    }
    rc = upl_csv_parse_file(path, import_row, &ctx, diag);
    if (rc == UPL_OK && ctx.progress && ctx.total_lines)
        progress(progress_ctx, "import", ctx.total_lines, ctx.total_lines);
    if (rc == UPL_OK && ctx.n_imported == 0)
        rc = upl_diag_set(diag, UPL_PARSE, "%s: no tasks below the header", path);
    if (rc == UPL_OK) {
        if (n_imported)
            *n_imported = ctx.n_imported;
        if (first_id)
            *first_id = ctx.first_id;
        if (ignored) {
            *ignored = ctx.ignored;
            ctx.ignored = NULL;
        }
    }
    for (size_t c = 0; c < ctx.n_cols; c++)
        free(ctx.col_names ? ctx.col_names[c] : NULL);
    free(ctx.col_names);
    free(ctx.roles);
    free(ctx.covariates);
    free(ctx.ignored);
    upl__labels_release(&ctx.labels);
    return rc;
}
