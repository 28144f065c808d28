/* `analyze --csv`: any CSV to a task table, with --map and --treated (CONTRACT sections
 * 3, 4 and 6), streamed through the CSV reader. */
#include "uplift/dataset_csv.h"
#include "uplift/printable.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/csv.h"
#include "uplift/protocol.h"

enum field {
    F_TASK_ID,
    F_PARTICIPANT,
    F_CATEGORY,
    F_ARM,
    F_FORECAST_AI,
    F_FORECAST_NO_AI,
    F_MEASURED,
    F_REPORTED,
    F_POST_REVIEW,
    F_PERCEIVED,
    F_AI_USED,
    F_STATUS,
    F_EXCLUDED_REASON,
    N_FIELDS
};

/* The fields are the contract's columns of the task table, in its order. */
_Static_assert(N_FIELDS == UPL_TASK_CONTRACT_COLUMNS, "fields follow upl_task_columns");

typedef struct reader {
    const char *path;
    upl_dataset *ds;
    int ds_ready;
    const char *mapped[N_FIELDS]; /* column name per field (points into map_copy) */
    long col[N_FIELDS];           /* column index per field, -1 when absent */
    size_t n_cols;
    size_t n_extra;
    size_t *extra_col;
    const char **extra_val;
} reader;

static upl_status parse_map(reader *r, char *map, upl_diag *diag)
{
    char q[UPL_PRINTABLE_SIZE];
    for (char *item = map; item && *item;) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1])
            return upl_diag_set(diag, UPL_INVALID,
                                "--map: '%s' is not FIELD=COLUMN (e.g. participant=dev_id)",
                                upl__printable(item, q, sizeof q));
        *eq = '\0';
        int f = -1;
        for (int i = 0; i < N_FIELDS; i++)
            if (strcmp(item, upl_task_columns[i]) == 0)
                f = i;
        if (f < 0)
            return upl_diag_set(diag, UPL_INVALID,
                                "--map: '%s' is not a task-table field (task_id, participant, "
                                "category, arm, forecast_ai_min, forecast_no_ai_min, "
                                "measured_min, reported_min, post_review_min, perceived_pct, "
                                "ai_used, status, excluded_reason)",
                                upl__printable(item, q, sizeof q));
        if (r->mapped[f])
            return upl_diag_set(diag, UPL_INVALID, "--map: field '%s' is mapped twice",
                                upl__printable(item, q, sizeof q));
        r->mapped[f] = eq + 1;
        item = next;
    }
    return UPL_OK;
}

static upl_status on_header(reader *r, const char *const *fields, size_t n, upl_diag *diag)
{
    char q[UPL_PRINTABLE_SIZE];
    r->n_cols = n;
    unsigned char *used = calloc(n ? n : 1, 1);
    if (!used)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    upl_status rc = UPL_OK;
    for (int f = 0; f < N_FIELDS; f++) {
        const char *want = r->mapped[f] ? r->mapped[f] : upl_task_columns[f];
        r->col[f] = -1;
        for (size_t c = 0; c < n; c++) {
            if (strcmp(fields[c], want) == 0) {
                r->col[f] = (long)c;
                used[c] = 1;
                break;
            }
        }
        if (r->col[f] < 0 && r->mapped[f]) {
            upl__printable(want, q, sizeof q);
            rc = upl_diag_set(diag, UPL_INVALID, "--map %s=%s: '%s' has no column '%s'",
                              upl_task_columns[f], q, r->path, q);
            goto out;
        }
    }
    if (r->col[F_ARM] < 0) {
        rc = upl_diag_set(diag, UPL_INVALID,
                          "'%s' has no arm column: name it with --map arm=COLUMN", r->path);
        goto out;
    }
    for (size_t c = 0; c < n; c++)
        if (!used[c])
            r->n_extra++;
    r->extra_col = malloc((r->n_extra ? r->n_extra : 1) * sizeof *r->extra_col);
    r->extra_val = malloc((r->n_extra ? r->n_extra : 1) * sizeof *r->extra_val);
    const char **names = malloc((r->n_extra ? r->n_extra : 1) * sizeof *names);
    if (!r->extra_col || !r->extra_val || !names) {
        free(names);
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto out;
    }
    for (size_t c = 0, j = 0; c < n; c++) {
        if (!used[c]) {
            r->extra_col[j] = c;
            names[j++] = fields[c];
        }
    }
    rc = upl_dataset_init(r->ds, r->n_extra, names);
    free(names);
    if (rc != UPL_OK) {
        rc = upl_diag_set(diag, rc, "out of memory");
        goto out;
    }
    r->ds_ready = 1;
out:
    free(used);
    return rc;
}

static int blank(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return !*s;
}

static int is_na(const char *s)
{
    return blank(s) || strcmp(s, "NA") == 0 || strcmp(s, "na") == 0;
}

/* A finite decimal number (surrounding blanks allowed); percent = accept a trailing '%'
 * meaning /100.  Returns 0 on success, NUMBER_RANGE for a number a double cannot hold
 * (overflow, or underflow below the smallest normal double), NUMBER_BAD otherwise. */
enum { NUMBER_BAD = -1, NUMBER_RANGE = -2 };
static int parse_number(const char *s, int percent, double *out)
{
    if (is_na(s)) {
        *out = NAN;
        return 0;
    }
    while (isspace((unsigned char)*s))
        s++;
    /* decimal only: no hex, inf or nan spellings */
    for (const char *p = s; *p; p++)
        if (isalpha((unsigned char)*p) && *p != 'e' && *p != 'E')
            return NUMBER_BAD;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s)
        return NUMBER_BAD;
    int range = errno == ERANGE || !isfinite(v);
    if (percent && *end == '%') {
        v /= 100.0;
        end++;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return NUMBER_BAD;
    if (range)
        return NUMBER_RANGE;
    *out = v;
    return 0;
}

static upl_status on_row(void *ctx, size_t record, size_t line, const char *const *fields, size_t n,
                         upl_diag *diag)
{
    reader *r = ctx;
    char q[UPL_PRINTABLE_SIZE], q2[UPL_PRINTABLE_SIZE];
    if (record == 0)
        return on_header(r, fields, n, diag);
    upl_task_row row;
    upl_task_row_clear(&row);
    row.status = UPL_TASK_DONE;
    const char *text[N_FIELDS] = {NULL};
    for (int f = 0; f < N_FIELDS; f++)
        if (r->col[f] >= 0)
            text[f] = fields[r->col[f]];
#define EMPTY_TO_NULL(f) ((text[f] && !blank(text[f])) ? text[f] : NULL)
    row.task_id = EMPTY_TO_NULL(F_TASK_ID);
    row.participant = EMPTY_TO_NULL(F_PARTICIPANT);
    row.category = EMPTY_TO_NULL(F_CATEGORY);
    row.arm = EMPTY_TO_NULL(F_ARM);
    row.excluded_reason = EMPTY_TO_NULL(F_EXCLUDED_REASON);
#undef EMPTY_TO_NULL
    struct {
        int field;
        double *dst;
    } nums[] = {{F_FORECAST_AI, &row.forecast_ai_min}, {F_FORECAST_NO_AI, &row.forecast_no_ai_min},
                {F_MEASURED, &row.measured_min},       {F_REPORTED, &row.reported_min},
                {F_POST_REVIEW, &row.post_review_min}, {F_PERCEIVED, &row.perceived_pct}};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        int f = nums[i].field;
        if (!text[f])
            continue;
        int bad = parse_number(text[f], f == F_PERCEIVED, nums[i].dst);
        if (bad) {
            if (diag) {
                diag->line = line;
                diag->column = (size_t)r->col[f] + 1;
            }
            return upl_diag_set(
                diag, UPL_PARSE, "%s:%zu: column '%s': '%s' %s", r->path, line,
                upl__printable(r->mapped[f] ? r->mapped[f] : upl_task_columns[f], q, sizeof q),
                upl__printable(text[f], q2, sizeof q2),
                bad == NUMBER_RANGE ? "is out of the range of a double (too large or too small)"
                                    : "is not a number");
        }
    }
    if (r->col[F_TASK_ID] >= 0 && !row.task_id) {
        if (diag) {
            diag->line = line;
            diag->column = (size_t)r->col[F_TASK_ID] + 1;
        }
        return upl_diag_set(
            diag, UPL_PARSE,
            "%s:%zu: column '%s' is empty: every task needs an id (leave the "
            "column out to number the rows instead)",
            r->path, line,
            upl__printable(r->mapped[F_TASK_ID] ? r->mapped[F_TASK_ID] : "task_id", q, sizeof q));
    }
    if (text[F_AI_USED] && !blank(text[F_AI_USED])) {
        const char *v = text[F_AI_USED];
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
            row.ai_used = UPL_AI_USED_YES;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
            row.ai_used = UPL_AI_USED_NO;
        else
            return upl_diag_set(
                diag, UPL_PARSE, "%s:%zu: column '%s': '%s' is not yes or no", r->path, line,
                upl__printable(r->mapped[F_AI_USED] ? r->mapped[F_AI_USED] : "ai_used", q,
                               sizeof q),
                upl__printable(v, q2, sizeof q2));
    }
    if (text[F_STATUS] && !blank(text[F_STATUS]) &&
        upl_task_status_from_name(text[F_STATUS], &row.status) != 0)
        return upl_diag_set(
            diag, UPL_PARSE,
            "%s:%zu: column '%s': '%s' is not a task status (planned, "
            "assigned, in_progress, done, excluded, abandoned)",
            r->path, line,
            upl__printable(r->mapped[F_STATUS] ? r->mapped[F_STATUS] : "status", q, sizeof q),
            upl__printable(text[F_STATUS], q2, sizeof q2));
    for (size_t j = 0; j < r->n_extra; j++)
        r->extra_val[j] = blank(fields[r->extra_col[j]]) ? NULL : fields[r->extra_col[j]];
    row.extra = r->extra_val;
    if (row.arm) {
        size_t before = r->ds->n_arms;
        int known = 0;
        for (size_t a = 0; a < before && !known; a++)
            known = strcmp(r->ds->arms[a], row.arm) == 0;
        if (!known && before >= UPL_PROTOCOL_MAX_ARMS)
            return upl_diag_set(
                diag, UPL_INVALID,
                "%s:%zu: column '%s' has more than %d distinct arm values: "
                "is --map arm= the treatment column?",
                r->path, line,
                upl__printable(r->mapped[F_ARM] ? r->mapped[F_ARM] : "arm", q, sizeof q),
                UPL_PROTOCOL_MAX_ARMS);
        if (!known && upl_dataset_add_arm(r->ds, row.arm, NULL) != UPL_OK)
            return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    }
    if (upl_dataset_append(r->ds, &row) != UPL_OK)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    return UPL_OK;
}

static long arm_index(const upl_dataset *ds, const char *label)
{
    for (size_t a = 0; a < ds->n_arms; a++)
        if (strcmp(ds->arms[a], label) == 0)
            return (long)a;
    return -1;
}

/* Moves the control arm first (the others keep their order). */
static upl_status choose_control(reader *r, const char *treated, upl_diag *diag)
{
    upl_dataset *ds = r->ds;
    long control = -1;
    char q[UPL_PRINTABLE_SIZE];
    if (treated) {
        long t = arm_index(ds, treated);
        if (t < 0)
            return upl_diag_set(diag, UPL_INVALID, "--treated %s: no task in '%s' has arm '%s'",
                                upl__printable(treated, q, sizeof q), r->path, q);
        if (ds->n_arms != 2)
            return upl_diag_set(diag, UPL_INVALID,
                                "--treated needs exactly two arm values in '%s', found %zu",
                                r->path, ds->n_arms);
        control = t == 0 ? 1 : 0;
    } else {
        control = arm_index(ds, "no_ai");
        if (control < 0)
            control = arm_index(ds, "control");
        if (control < 0 && ds->n_arms >= 2)
            return upl_diag_set(diag, UPL_INVALID,
                                "cannot tell the control arm among the %zu arm values of '%s' "
                                "(first: '%s'): name the treated one with --treated VALUE, or "
                                "label the control no_ai",
                                ds->n_arms, r->path, upl__printable(ds->arms[0], q, sizeof q));
    }
    if (ds->n_arms < 2)
        return upl_diag_set(diag, UPL_INVALID, "'%s' has %zu arm value%s: an effect needs two",
                            r->path, ds->n_arms, ds->n_arms == 1 ? "" : "s");
    char *c = ds->arms[control];
    memmove(ds->arms + 1, ds->arms, (size_t)control * sizeof *ds->arms);
    ds->arms[0] = c;
    ds->control = 0;
    return UPL_OK;
}

/* Reads from a file (data == NULL) or a buffer. */
static upl_status read_csv(upl_dataset *ds, const char *path, const char *data, size_t len,
                           const char *map, const char *treated, upl_diag *diag)
{
    reader r;
    memset(&r, 0, sizeof r);
    memset(ds, 0, sizeof *ds);
    r.path = path;
    r.ds = ds;
    char *map_copy = NULL;
    upl_status rc = UPL_OK;
    if (map) {
        size_t mlen = strlen(map) + 1;
        if (!(map_copy = malloc(mlen)))
            return upl_diag_set(diag, UPL_NOMEM, "out of memory");
        memcpy(map_copy, map, mlen);
        if ((rc = parse_map(&r, map_copy, diag)) != UPL_OK)
            goto out;
    }
    if (data)
        rc = upl_csv_parse_buffer(data, len, path, on_row, &r, diag);
    else
        rc = upl_csv_parse_file(path, on_row, &r, diag);
    if (rc == UPL_OK && !r.ds_ready)
        rc = upl_diag_set(diag, UPL_PARSE, "'%s' is empty", path);
    if (rc == UPL_OK && ds->n == 0)
        rc = upl_diag_set(diag, UPL_INVALID, "'%s' has a header but no rows", path);
    if (rc == UPL_OK)
        rc = choose_control(&r, treated, diag);
out:
    if (rc != UPL_OK && r.ds_ready)
        upl_dataset_release(ds);
    free(map_copy);
    free(r.extra_col);
    free(r.extra_val);
    return rc;
}

upl_status upl_dataset_read_csv(upl_dataset *ds, const char *path, const char *map,
                                const char *treated, upl_diag *diag)
{
    return read_csv(ds, path, NULL, 0, map, treated, diag);
}

upl_status upl_dataset_read_csv_buffer(upl_dataset *ds, const char *data, size_t len,
                                       const char *name, const char *map, const char *treated,
                                       upl_diag *diag)
{
    return read_csv(ds, name ? name : "(buffer)", data ? data : "", len, map, treated, diag);
}
