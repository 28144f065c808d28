/* The task table held by column: what every estimator reads. */
#include "uplift/task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const upl_task_columns[UPL_TASK_COLUMNS] = {
#define COLUMN_NAME(id, name, kind) #name,
    UPL_TASK_COLUMN_MAP(COLUMN_NAME)
#undef COLUMN_NAME
};

/* The missing value of each kind: what a cleared row holds. */
#define MISSING_TEXT    NULL
#define MISSING_MINUTES NAN
#define MISSING_SHARE   NAN
#define MISSING_AI_USED UPL_AI_USED_UNKNOWN
#define MISSING_STATUS  UPL_TASK_PLANNED

static const char *const status_names[] = {"planned", "assigned", "in_progress",
                                           "done",    "excluded", "abandoned"};

const char *upl_task_status_name(upl_task_status s)
{
    if ((unsigned)s >= sizeof status_names / sizeof status_names[0])
        return "?";
    return status_names[s];
}

int upl_task_status_from_name(const char *name, upl_task_status *out)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
        if (name && strcmp(name, status_names[i]) == 0) {
            *out = (upl_task_status)i;
            return 0;
        }
    }
    return -1;
}

void upl_task_row_clear(upl_task_row *row)
{
    memset(row, 0, sizeof *row);
#define CLEAR(id, name, kind) row->name = MISSING_##kind;
    UPL_TASK_COLUMN_MAP(CLEAR)
#undef CLEAR
}

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

upl_status upl_dataset_init(upl_dataset *ds, size_t n_extra, const char *const *extra_names)
{
    memset(ds, 0, sizeof *ds);
    if (n_extra == 0)
        return UPL_OK;
    ds->extra_names = calloc(n_extra, sizeof *ds->extra_names);
    ds->extra_values = calloc(n_extra, sizeof *ds->extra_values);
    if (!ds->extra_names || !ds->extra_values)
        goto nomem;
    ds->n_extra = n_extra;
    for (size_t j = 0; j < n_extra; j++) {
        ds->extra_names[j] = dup_or_null(extra_names[j]);
        if (!ds->extra_names[j])
            goto nomem;
    }
    return UPL_OK;
nomem:
    upl_dataset_release(ds);
    return UPL_NOMEM;
}

static void free_strings(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void upl_dataset_release(upl_dataset *ds)
{
    if (!ds)
        return;
#define FREE_TEXT(col)              free_strings(col, ds->n)
#define FREE_MINUTES(col)           free(col)
#define FREE_SHARE(col)             free(col)
#define FREE_AI_USED(col)           free(col)
#define FREE_STATUS(col)            free(col)
#define FREE_COLUMN(id, name, kind) FREE_##kind(ds->name);
    UPL_TASK_COLUMN_MAP(FREE_COLUMN)
#undef FREE_COLUMN
    for (size_t j = 0; j < ds->n_extra; j++) {
        free(ds->extra_names ? ds->extra_names[j] : NULL);
        free_strings(ds->extra_values ? ds->extra_values[j] : NULL, ds->n);
    }
    free(ds->extra_names);
    free(ds->extra_values);
    free_strings(ds->arms, ds->n_arms);
    memset(ds, 0, sizeof *ds);
}

#define GROW(field)                                                                                \
    do {                                                                                           \
        void *p = realloc(ds->field, cap * sizeof *ds->field);                                     \
        if (!p)                                                                                    \
            return UPL_NOMEM;                                                                      \
        ds->field = p;                                                                             \
    } while (0)

static upl_status reserve(upl_dataset *ds, size_t need)
{
    if (need <= ds->capacity)
        return UPL_OK;
    size_t cap = ds->capacity ? ds->capacity * 2 : 64;
    while (cap < need)
        cap *= 2;
#define GROW_COLUMN(id, name, kind) GROW(name);
    UPL_TASK_COLUMN_MAP(GROW_COLUMN)
#undef GROW_COLUMN
    for (size_t j = 0; j < ds->n_extra; j++) {
        void *p = realloc(ds->extra_values[j], cap * sizeof *ds->extra_values[j]);
        if (!p)
            return UPL_NOMEM;
        ds->extra_values[j] = p;
    }
    ds->capacity = cap;
    return UPL_OK;
}

upl_status upl_dataset_append(upl_dataset *ds, const upl_task_row *row)
{
    upl_status rc = reserve(ds, ds->n + 1);
    if (rc != UPL_OK)
        return rc;
    size_t i = ds->n;
    /* the strings are copied first, so that running out of memory leaves ds as it was */
    struct {
#define COPY_MEMBER(id, name, kind) UPL__COL_TYPE_##kind name;
        UPL_TASK_COLUMN_MAP(COPY_MEMBER)
#undef COPY_MEMBER
    } copy = {0};
    int failed = 0;
#define COPY_TEXT(dst, src)         (void)((src) && !((dst) = dup_or_null(src)) && (failed = 1))
#define COPY_MINUTES(dst, src)      ((dst) = (src))
#define COPY_SHARE(dst, src)        ((dst) = (src))
#define COPY_AI_USED(dst, src)      ((dst) = (src))
#define COPY_STATUS(dst, src)       ((dst) = (src))
#define COPY_COLUMN(id, name, kind) COPY_##kind(copy.name, row->name);
    UPL_TASK_COLUMN_MAP(COPY_COLUMN)
#undef COPY_COLUMN
    char **extra = NULL;
    if (!failed && ds->n_extra) {
        extra = calloc(ds->n_extra, sizeof *extra);
        failed = !extra;
        for (size_t j = 0; !failed && row->extra && j < ds->n_extra; j++)
            failed = row->extra[j] && !(extra[j] = dup_or_null(row->extra[j]));
    }
    if (failed) {
        free_strings(extra, ds->n_extra);
#define DROP_TEXT(v) free(v)
#define DROP_MINUTES(v)
#define DROP_SHARE(v)
#define DROP_AI_USED(v)
#define DROP_STATUS(v)
#define DROP_COLUMN(id, name, kind) DROP_##kind(copy.name);
        UPL_TASK_COLUMN_MAP(DROP_COLUMN)
#undef DROP_COLUMN
        return UPL_NOMEM;
    }
#define STORE_COLUMN(id, name, kind) ds->name[i] = copy.name;
    UPL_TASK_COLUMN_MAP(STORE_COLUMN)
#undef STORE_COLUMN
    for (size_t j = 0; j < ds->n_extra; j++)
        ds->extra_values[j][i] = extra[j];
    free(extra);
    ds->n++;
    return UPL_OK;
}

upl_status upl_dataset_add_arm(upl_dataset *ds, const char *label, size_t *index)
{
    for (size_t a = 0; a < ds->n_arms; a++) {
        if (strcmp(ds->arms[a], label) == 0) {
            if (index)
                *index = a;
            return UPL_OK;
        }
    }
    char **grown = realloc(ds->arms, (ds->n_arms + 1) * sizeof *grown);
    if (!grown)
        return UPL_NOMEM;
    ds->arms = grown;
    if (!(ds->arms[ds->n_arms] = dup_or_null(label)))
        return UPL_NOMEM;
    if (index)
        *index = ds->n_arms;
    ds->n_arms++;
    return UPL_OK;
}

void upl_dataset_row(const upl_dataset *ds, size_t i, upl_task_row *row)
{
#define VIEW_COLUMN(id, name, kind) row->name = ds->name[i];
    UPL_TASK_COLUMN_MAP(VIEW_COLUMN)
#undef VIEW_COLUMN
    row->extra = NULL; /* columns are not contiguous per row; read extra_values[j][i] */
}

/* ---- the canonical order of the rows ---- */

typedef struct row_ref {
    const upl_dataset *ds;
    size_t i;
} row_ref;

static int cmp_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* NAN (missing) first, then ascending */
static int cmp_number(double a, double b)
{
    if (isnan(a) || isnan(b))
        return (int)!isnan(a) - (int)!isnan(b);
    return (a > b) - (a < b);
}

static int cmp_int(int a, int b)
{
    return (a > b) - (a < b);
}

/* participant, task id, the other text columns, status, ai_used, the numbers, the
 * extra columns, and last the row index (rows equal in everything else) */
static int cmp_rows(const void *pa, const void *pb)
{
    const row_ref *ra = pa, *rb = pb;
    const upl_dataset *ds = ra->ds;
    size_t a = ra->i, b = rb->i;
    char *const *const text[] = {ds->participant,     ds->task_id, ds->arm, ds->category,
                                 ds->excluded_reason, ds->title,   ds->url};
    const double *const number[] = {ds->forecast_ai_min, ds->forecast_no_ai_min, ds->measured_min,
                                    ds->reported_min,    ds->post_review_min,    ds->perceived_pct};
    int c = 0;
    for (size_t k = 0; !c && k < sizeof text / sizeof text[0]; k++)
        c = cmp_text(text[k][a], text[k][b]);
    if (!c)
        c = cmp_int((int)ds->status[a], (int)ds->status[b]);
    if (!c)
        c = cmp_int(ds->ai_used[a], ds->ai_used[b]);
    for (size_t k = 0; !c && k < sizeof number / sizeof number[0]; k++)
        c = cmp_number(number[k][a], number[k][b]);
    for (size_t j = 0; !c && j < ds->n_extra; j++)
        c = cmp_text(ds->extra_values[j][a], ds->extra_values[j][b]);
    return c ? c : (a > b) - (a < b);
}

upl_status upl_dataset_order(const upl_dataset *ds, size_t *order)
{
    row_ref *ref = malloc((ds->n ? ds->n : 1) * sizeof *ref);
    if (!ref)
        return UPL_NOMEM;
    for (size_t i = 0; i < ds->n; i++)
        ref[i] = (row_ref){ds, i};
    qsort(ref, ds->n, sizeof *ref, cmp_rows);
    for (size_t i = 0; i < ds->n; i++)
        order[i] = ref[i].i;
    free(ref);
    return UPL_OK;
}

long upl_dataset_extra_index(const upl_dataset *ds, const char *name)
{
    for (size_t j = 0; j < ds->n_extra; j++)
        if (strcmp(ds->extra_names[j], name) == 0)
            return (long)j;
    return -1;
}
