/* `analyze --csv`: any CSV to a task table, with --map, --treated and --arm-names,
 * streamed through the CSV reader.  Cells are labels without their surrounding blanks
 * (harness/engine/text.h); arm values that are numbers compare as numbers. */
#include "uplift/dataset_csv.h"
#include "printable.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/csv.h"
#include "uplift/protocol.h"

/* The fields a CSV is read into: the task table's shared columns (uplift/task.h), by
 * their UPL_COL_ index; title, url and every other column are kept as extra columns. */
#define N_FIELDS UPL_TASK_SHARED_COLUMNS

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
    upl__labels labels; /* the record's cells without surrounding blanks */
} reader;

/* Records in diag the argument item a failure is about (why.name: "participant=dev_id",
 * the --treated value), so the caller can name it with its option; returns status. */
static upl_status with_value(upl_diag *diag, const char *value, upl_status status)
{
    size_t len = strlen(value);
    if (diag) { /* cut to the 64 characters why.name holds */
        len = len < sizeof diag->why.name ? len : sizeof diag->why.name - 1;
        memcpy(diag->why.name, value, len);
        diag->why.name[len] = '\0';
    }
    return status;
}

static upl_status parse_map(reader *r, char *map, upl_diag *diag)
{
    char q[UPL_PRINTABLE_SIZE];
    for (char *item = map; item && *item;) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1])
            return upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_MAP, 0, 0,
                                    "'%s' is not FIELD=COLUMN (e.g. participant=dev_id)",
                                    upl__printable(item, q, sizeof q));
        *eq = '\0';
        int f = -1;
        for (int i = 0; i < N_FIELDS; i++)
            if (strcmp(item, upl_task_columns[i]) == 0)
                f = i;
        if (f < 0)
            return upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_MAP, 0, 0,
                                    "'%s' is not a task-table field (task_id, participant, "
                                    "category, arm, forecast_ai_min, forecast_no_ai_min, "
                                    "measured_min, reported_min, post_review_min, perceived_pct, "
                                    "ai_used, status, excluded_reason)",
                                    upl__printable(item, q, sizeof q));
        if (r->mapped[f])
            return upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_MAP, 0, 0,
                                    "field '%s' is mapped twice",
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
            char item[UPL_PRINTABLE_SIZE + 32];
            snprintf(item, sizeof item, "%s=%s", upl_task_columns[f], q);
            rc = with_value(diag, item,
                            upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_MAP, 0, 0,
                                             "'%s' has no column '%s'", r->path, q));
            goto out;
        }
    }
    if (r->col[UPL_COL_ARM] < 0) {
        rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_NO_ARM_COLUMN, 0, 0,
                              "'%s' has no arm column", r->path);
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

/* An arm value that is a number is named by its shortest spelling that reads back as the
 * same double, so that numeric values compare as numbers: 1, 1.0, 1.00 and 1e0 are all
 * "1" (METR's public CSV writes its treatment column as 1.0 and 0.0).  Any other value
 * is its own key.  Returns label or buf. */
enum { ARM_KEY_SIZE = 32 };
static const char *arm_key(const char *label, char buf[ARM_KEY_SIZE])
{
    double v;
    if (!*label || parse_number(label, 0, &v) != 0 || isnan(v))
        return label;
    v += 0.0; /* -0 is 0 */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, ARM_KEY_SIZE, "%.*g", digits, v);
        double back = strtod(buf, NULL);
        if (!(back < v || back > v))
            break;
    }
    return buf;
}

static long arm_index(const upl_dataset *ds, const char *key)
{
    for (size_t a = 0; a < ds->n_arms; a++)
        if (strcmp(ds->arms[a], key) == 0)
            return (long)a;
    return -1;
}

static upl_status on_row(void *ctx, size_t record, size_t line, const char *const *fields, size_t n,
                         upl_diag *diag)
{
    reader *r = ctx;
    char q[UPL_PRINTABLE_SIZE], q2[UPL_PRINTABLE_SIZE], key[ARM_KEY_SIZE];
    if (!(fields = upl__labels_trim(&r->labels, fields, n)))
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    if (record == 0)
        return on_header(r, fields, n, diag);
    upl_task_row row;
    upl_task_row_clear(&row);
    row.status = UPL_TASK_DONE;
    const char *text[UPL_TASK_COLUMNS] = {NULL}; /* title and url stay NULL: extra columns */
    for (int f = 0; f < N_FIELDS; f++)
        if (r->col[f] >= 0)
            text[f] = upl_csv_restore_cell(fields[r->col[f]]); /* export's formula guard */
            /* text and number columns by their kind in the task table's map */
#define EMPTY_TO_NULL(f)    ((text[f] && !blank(text[f])) ? text[f] : NULL)
#define READ_TEXT(id, name) row.name = EMPTY_TO_NULL(UPL_COL_##id);
#define READ_MINUTES(id, name)
#define READ_SHARE(id, name)
#define READ_AI_USED(id, name)
#define READ_STATUS(id, name)
#define READ_COLUMN(id, name, kind) READ_##kind(id, name)
    UPL_TASK_COLUMN_MAP(READ_COLUMN)
#undef READ_COLUMN
#undef EMPTY_TO_NULL
    struct {
        upl_task_column field;
        double *dst;
        int share; /* a relative change: "-20%" is -0.2 */
    } nums[] = {
#define NUMBER_TEXT(id, name)
#define NUMBER_MINUTES(id, name) {UPL_COL_##id, &row.name, 0},
#define NUMBER_SHARE(id, name)   {UPL_COL_##id, &row.name, 1},
#define NUMBER_AI_USED(id, name)
#define NUMBER_STATUS(id, name)
#define NUMBER_COLUMN(id, name, kind) NUMBER_##kind(id, name)
        UPL_TASK_COLUMN_MAP(NUMBER_COLUMN)
#undef NUMBER_COLUMN
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        upl_task_column f = nums[i].field;
        if (!text[f])
            continue;
        int bad = parse_number(text[f], nums[i].share, nums[i].dst);
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
    if (r->col[UPL_COL_TASK_ID] >= 0 && !row.task_id) {
        if (diag) {
            diag->line = line;
            diag->column = (size_t)r->col[UPL_COL_TASK_ID] + 1;
        }
        return upl_diag_set(
            diag, UPL_PARSE,
            "%s:%zu: column '%s' is empty: every task needs an id (leave the "
            "column out to number the rows instead)",
            r->path, line,
            upl__printable(r->mapped[UPL_COL_TASK_ID] ? r->mapped[UPL_COL_TASK_ID] : "task_id", q,
                           sizeof q));
    }
    /* a participant is a cluster: one task without one would leave the others unclustered */
    if (r->col[UPL_COL_PARTICIPANT] >= 0 && !row.participant) {
        if (diag) {
            diag->line = line;
            diag->column = (size_t)r->col[UPL_COL_PARTICIPANT] + 1;
        }
        return upl_diag_set(diag, UPL_PARSE,
                            "%s:%zu: column '%s' is empty: every task needs a participant (the "
                            "clusters of the standard errors; leave the column out to analyse "
                            "without clusters)",
                            r->path, line,
                            upl__printable(r->mapped[UPL_COL_PARTICIPANT]
                                               ? r->mapped[UPL_COL_PARTICIPANT]
                                               : "participant",
                                           q, sizeof q));
    }
    if (text[UPL_COL_AI_USED] && !blank(text[UPL_COL_AI_USED])) {
        const char *v = text[UPL_COL_AI_USED];
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
            row.ai_used = UPL_AI_USED_YES;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
            row.ai_used = UPL_AI_USED_NO;
        else
            return upl_diag_set(
                diag, UPL_PARSE, "%s:%zu: column '%s': '%s' is not yes or no", r->path, line,
                upl__printable(r->mapped[UPL_COL_AI_USED] ? r->mapped[UPL_COL_AI_USED] : "ai_used",
                               q, sizeof q),
                upl__printable(v, q2, sizeof q2));
    }
    if (text[UPL_COL_STATUS] && !blank(text[UPL_COL_STATUS]) &&
        upl_task_status_from_name(text[UPL_COL_STATUS], &row.status) != 0)
        return upl_diag_set(
            diag, UPL_PARSE,
            "%s:%zu: column '%s': '%s' is not a task status (planned, "
            "assigned, in_progress, done, excluded, abandoned)",
            r->path, line,
            upl__printable(r->mapped[UPL_COL_STATUS] ? r->mapped[UPL_COL_STATUS] : "status", q,
                           sizeof q),
            upl__printable(text[UPL_COL_STATUS], q2, sizeof q2));
    for (size_t j = 0; j < r->n_extra; j++) {
        const char *cell = upl_csv_restore_cell(fields[r->extra_col[j]]);
        r->extra_val[j] = blank(cell) ? NULL : cell;
    }
    row.extra = r->extra_val;
    if (row.arm) {
        row.arm = arm_key(row.arm, key);
        size_t before = r->ds->n_arms;
        int known = arm_index(r->ds, row.arm) >= 0;
        if (!known && before >= UPL_PROTOCOL_MAX_ARMS)
            return upl_diag_set_why(
                diag, UPL_REFUSED, UPL_REASON_TOO_MANY_ARMS, 0, 0,
                "%s:%zu: column '%s' has more than %d distinct arm values", r->path, line,
                upl__printable(r->mapped[UPL_COL_ARM] ? r->mapped[UPL_COL_ARM] : "arm", q,
                               sizeof q),
                UPL_PROTOCOL_MAX_ARMS);
        if (!known && upl_dataset_add_arm(r->ds, row.arm, NULL) != UPL_OK)
            return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    }
    if (upl_dataset_append(r->ds, &row) != UPL_OK)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    return UPL_OK;
}

/* --arm-names "VALUE=NAME,...": pairs held in one copy of the option, each part
 * without its surrounding blanks. */
struct arm_name {
    const char *value, *name;
    const char *key; /* arm_key(value) */
    char key_buf[ARM_KEY_SIZE];
};
typedef struct name_list {
    char *copy;
    size_t n;
    struct arm_name *pair;
} name_list;

static void name_list_release(name_list *an)
{
    free(an->copy);
    free(an->pair);
    memset(an, 0, sizeof *an);
}

/* Parses spec (NULL: no pairs); the errors are all about the option's text. */
static upl_status name_list_parse(name_list *an, const char *spec, upl_diag *diag)
{
    char q[UPL_PRINTABLE_SIZE], q2[UPL_PRINTABLE_SIZE], q3[UPL_PRINTABLE_SIZE];
    memset(an, 0, sizeof *an);
    if (!spec)
        return UPL_OK;
    size_t len = strlen(spec), items = 1;
    for (const char *p = spec; *p; p++)
        items += *p == ',';
    an->copy = malloc(len + 1);
    an->pair = calloc(items, sizeof *an->pair);
    if (!an->copy || !an->pair) {
        name_list_release(an);
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    }
    memcpy(an->copy, spec, len + 1);
    upl_status rc = UPL_OK;
    for (char *item = an->copy; item && rc == UPL_OK; an->n++) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        char *eq = strchr(item, '=');
        const char *value = NULL, *name = NULL;
        size_t value_len = 0, name_len = 0;
        if (eq) {
            *eq = '\0';
            value_len = upl__label_span(item, &value);
            name_len = upl__label_span(eq + 1, &name);
            *eq = '=';
        }
        if (!eq && upl__label_span(item, NULL) == 0) {
            rc = upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_ARM_NAMES, 0, 0,
                                  "'%s' has an empty item (two commas, or one at an end)",
                                  upl__printable(spec, q, sizeof q));
            break;
        }
        if (!value_len || !name_len) {
            rc = upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_ARM_NAMES, 0, 0,
                                  "'%s' is not VALUE=NAME (e.g. 1=ai,0=no_ai)",
                                  upl__printable(item, q, sizeof q));
            break;
        }
        struct arm_name *pn = &an->pair[an->n];
        pn->value = item + (value - item);
        item[(size_t)(value - item) + value_len] = '\0';
        pn->name = eq + 1 + (name - (eq + 1));
        eq[1 + (size_t)(name - (eq + 1)) + name_len] = '\0';
        pn->key = arm_key(pn->value, pn->key_buf);
        upl_diag td = {0};
        if (upl__text_check("the name", pn->name, &td) != UPL_OK) {
            rc = upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_ARM_NAMES, 0, 0, "%s", td.msg);
            break;
        }
        for (size_t j = 0; j < an->n && rc == UPL_OK; j++) {
            const struct arm_name *o = &an->pair[j];
            if (strcmp(o->key, pn->key) == 0)
                rc = upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_ARM_NAMES, 0, 0,
                                      "arm value '%s' is named twice",
                                      upl__printable(pn->value, q, sizeof q));
            else if (strcmp(o->name, pn->name) == 0)
                rc = upl_diag_set_why(diag, UPL_INVALID, UPL_REASON_ARG_ARM_NAMES, 0, 0,
                                      "'%s' names both '%s' and '%s'; give each arm its own name",
                                      upl__printable(pn->name, q, sizeof q),
                                      upl__printable(o->value, q2, sizeof q2),
                                      upl__printable(pn->value, q3, sizeof q3));
        }
        item = next;
    }
    if (rc != UPL_OK)
        name_list_release(an);
    return rc;
}

upl_status upl_dataset_csv_check_arm_names(const char *arm_names, upl_diag *diag)
{
    name_list an;
    upl_status rc = name_list_parse(&an, arm_names, diag);
    name_list_release(&an);
    return rc;
}

/* "its arm values: 1, 0" for messages, bounded. */
static const char *arm_list(const upl_dataset *ds, char *buf, size_t size)
{
    char q[UPL_PRINTABLE_SIZE];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t a = 0; a < ds->n_arms && used < size; a++) {
        int w = snprintf(buf + used, size - used, "%s%s", a ? ", " : "",
                         upl__printable(ds->arms[a], q, sizeof q));
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

static char *dup_text(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

/* Gives arm a the label label[a], in the arm list and in every row.  Each row's arm is
 * found among the old labels before any changes, so that swapped names (1=0,0=1) keep
 * the arms apart. */
static upl_status relabel_arms(upl_dataset *ds, const char *const *label)
{
    for (size_t i = 0; i < ds->n; i++) {
        long a = ds->arm[i] ? arm_index(ds, ds->arm[i]) : -1;
        if (a < 0 || strcmp(label[a], ds->arm[i]) == 0)
            continue;
        char *copy = dup_text(label[a]);
        if (!copy)
            return UPL_NOMEM;
        free(ds->arm[i]);
        ds->arm[i] = copy;
    }
    for (size_t a = 0; a < ds->n_arms; a++) {
        if (strcmp(label[a], ds->arms[a]) == 0)
            continue;
        char *copy = dup_text(label[a]);
        if (!copy)
            return UPL_NOMEM;
        free(ds->arms[a]);
        ds->arms[a] = copy;
    }
    return UPL_OK;
}

static int cmp_label(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names the arms (--arm-names, and the treated arm as --treated wrote it) and puts the
 * control arm first, the others after it in byte order of their names, so that the
 * order of the effects (and effects[0], the arm the secondary quantities compare with
 * control) depends on the arm values, never on the order of the rows. */
static upl_status name_arms(reader *r, const char *treated, const char *names, upl_diag *diag)
{
    upl_dataset *ds = r->ds;
    long control, t = -1;
    char q[UPL_PRINTABLE_SIZE], q2[UPL_PRINTABLE_SIZE], key[ARM_KEY_SIZE], list[256];
    name_list an;
    upl_status rc = name_list_parse(&an, names, diag);
    if (rc != UPL_OK)
        return rc;
    size_t *named = calloc(ds->n_arms ? ds->n_arms : 1, sizeof *named); /* pair + 1, 0: none */
    const char **label = calloc(ds->n_arms ? ds->n_arms : 1, sizeof *label);
    if (!named || !label) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < an.n; j++) {
        const struct arm_name *pn = &an.pair[j];
        long a = arm_index(ds, pn->key);
        if (a < 0) {
            char item[2 * UPL_PRINTABLE_SIZE];
            snprintf(item, sizeof item, "%s=%s", upl__printable(pn->value, q, sizeof q),
                     upl__printable(pn->name, q2, sizeof q2));
            rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_ARG_ARM_NAMES, 0, 0,
                                  "no task in '%s' has arm '%s' (its arm values: %s)", r->path, q,
                                  arm_list(ds, list, sizeof list));
            with_value(diag, item, rc);
            goto out;
        }
        named[a] = j + 1;
    }
    char *treated_copy = NULL;
    if (treated) {
        const char *start;
        size_t len = upl__label_span(treated, &start);
        if (!(treated_copy = malloc(len + 1))) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto out;
        }
        memcpy(treated_copy, start, len);
        treated_copy[len] = '\0';
        t = arm_index(ds, arm_key(treated_copy, key));
        for (size_t a = 0; t < 0 && a < ds->n_arms; a++) /* or the name --arm-names gives */
            if (named[a] && strcmp(an.pair[named[a] - 1].name, treated_copy) == 0)
                t = (long)a;
        if (t < 0) {
            upl__printable(treated_copy, q, sizeof q);
            rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_ARG_TREATED, 0, 0,
                                  "no task in '%s' has arm '%s' (its arm values: %s)", r->path, q,
                                  arm_list(ds, list, sizeof list));
            with_value(diag, q, rc);
        } else if (ds->n_arms != 2)
            rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_ARG_TREATED, 0, 0,
                                  "'%s' has %zu arm values; naming the treated one needs "
                                  "exactly two",
                                  r->path, ds->n_arms);
    }
    /* the new names: the pairs', and the treated arm as --treated wrote it */
    for (size_t a = 0; rc == UPL_OK && a < ds->n_arms; a++) {
        label[a] = named[a]                   ? an.pair[named[a] - 1].name
                   : t >= 0 && a == (size_t)t ? treated_copy
                                              : ds->arms[a];
        for (size_t b = 0; rc == UPL_OK && b < a; b++)
            if (strcmp(label[a], label[b]) == 0)
                rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_ARG_ARM_NAMES, 0, 0,
                                      "two arms would be named '%s'; give each arm its own name",
                                      upl__printable(label[a], q, sizeof q));
    }
    if (rc == UPL_OK && relabel_arms(ds, label) != UPL_OK)
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
    free(treated_copy);
    if (rc != UPL_OK)
        goto out;
    if (t >= 0) {
        control = t == 0 ? 1 : 0;
    } else {
        control = arm_index(ds, "no_ai");
        if (control < 0)
            control = arm_index(ds, "control");
        if (control < 0 && ds->n_arms >= 2) {
            rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_NO_CONTROL, 0, 0,
                                  "cannot tell the control arm among the %zu arm values of '%s' "
                                  "(first: '%s')",
                                  ds->n_arms, r->path, upl__printable(ds->arms[0], q, sizeof q));
            goto out;
        }
    }
    if (ds->n_arms < 2) {
        rc = upl_diag_set(diag, UPL_REFUSED, "'%s' has %zu arm value%s: an effect needs two",
                          r->path, ds->n_arms, ds->n_arms == 1 ? "" : "s");
        goto out;
    }
    char *c = ds->arms[control];
    memmove(ds->arms + 1, ds->arms, (size_t)control * sizeof *ds->arms);
    ds->arms[0] = c;
    ds->control = 0;
    qsort(ds->arms + 1, ds->n_arms - 1, sizeof *ds->arms, cmp_label);
out:
    free(named);
    free(label);
    name_list_release(&an);
    return rc;
}

/* Reads from a file (data == NULL) or a buffer. */
static upl_status read_csv(upl_dataset *ds, const char *path, const char *data, size_t len,
                           const char *map, const char *treated, const char *arm_names,
                           upl_diag *diag)
{
    reader r;
    memset(&r, 0, sizeof r);
    memset(ds, 0, sizeof *ds);
    r.path = path;
    r.ds = ds;
    char *map_copy = NULL;
    upl_status rc = UPL_OK;
    if ((rc = upl_dataset_csv_check_arm_names(arm_names, diag)) != UPL_OK)
        return rc;
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
        rc = upl_diag_set(diag, UPL_PARSE, "'%s' has a header but no rows", path);
    if (rc == UPL_OK)
        rc = name_arms(&r, treated, arm_names, diag);
out:
    if (rc != UPL_OK && r.ds_ready)
        upl_dataset_release(ds);
    free(map_copy);
    free(r.extra_col);
    free(r.extra_val);
    upl__labels_release(&r.labels);
    return rc;
}

upl_status upl_dataset_read_csv(upl_dataset *ds, const char *path, const char *map,
                                const char *treated, const char *arm_names, upl_diag *diag)
{
    return read_csv(ds, path, NULL, 0, map, treated, arm_names, diag);
}

upl_status upl_dataset_read_csv_buffer(upl_dataset *ds, const char *data, size_t len,
                                       const char *name, const char *map, const char *treated,
                                       const char *arm_names, upl_diag *diag)
{
    return read_csv(ds, name ? name : "(buffer)", data ? data : "", len, map, treated, arm_names,
                    diag);
}
