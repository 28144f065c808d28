/* The task table held by column: what every estimator reads. */
#include "uplift/task.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const upl_task_columns[UPL_TASK_COLUMNS] = {"task_id",
                                                        "participant",
                                                        "category",
                                                        "arm",
                                                        "forecast_ai_min",
                                                        "forecast_no_ai_min",
                                                        "measured_min",
                                                        "reported_min",
                                                        "post_review_min",
                                                        "perceived_pct",
                                                        "ai_used",
                                                        "status",
                                                        "excluded_reason",
                                                        "title",
                                                        "url"};

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
    row->forecast_ai_min = NAN;
    row->forecast_no_ai_min = NAN;
    row->measured_min = NAN;
    row->reported_min = NAN;
    row->post_review_min = NAN;
    row->perceived_pct = NAN;
    row->ai_used = UPL_AI_USED_UNKNOWN;
    row->status = UPL_TASK_PLANNED;
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
    free_strings(ds->task_id, ds->n);
    free_strings(ds->participant, ds->n);
    free_strings(ds->category, ds->n);
    free_strings(ds->arm, ds->n);
    free_strings(ds->excluded_reason, ds->n);
    free_strings(ds->title, ds->n);
    free_strings(ds->url, ds->n);
    free(ds->forecast_ai_min);
    free(ds->forecast_no_ai_min);
    free(ds->measured_min);
    free(ds->reported_min);
    free(ds->post_review_min);
    free(ds->perceived_pct);
    free(ds->ai_used);
    free(ds->status);
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
    GROW(task_id);
    GROW(participant);
    GROW(category);
    GROW(arm);
    GROW(excluded_reason);
    GROW(title);
    GROW(url);
    GROW(forecast_ai_min);
    GROW(forecast_no_ai_min);
    GROW(measured_min);
    GROW(reported_min);
    GROW(post_review_min);
    GROW(perceived_pct);
    GROW(ai_used);
    GROW(status);
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
    enum { N_STRINGS = 7 };
    const char *src[N_STRINGS] = {row->task_id,         row->participant, row->category, row->arm,
                                  row->excluded_reason, row->title,       row->url};
    char *copy[N_STRINGS] = {NULL};
    for (size_t k = 0; k < N_STRINGS; k++) {
        if (src[k] && !(copy[k] = dup_or_null(src[k])))
            goto nomem;
    }
    char **extra = NULL;
    if (ds->n_extra) {
        extra = calloc(ds->n_extra, sizeof *extra);
        if (!extra)
            goto nomem;
        for (size_t j = 0; row->extra && j < ds->n_extra; j++) {
            if (row->extra[j] && !(extra[j] = dup_or_null(row->extra[j]))) {
                free_strings(extra, ds->n_extra);
                goto nomem;
            }
        }
    }
    ds->task_id[i] = copy[0];
    ds->participant[i] = copy[1];
    ds->category[i] = copy[2];
    ds->arm[i] = copy[3];
    ds->excluded_reason[i] = copy[4];
    ds->title[i] = copy[5];
    ds->url[i] = copy[6];
    ds->forecast_ai_min[i] = row->forecast_ai_min;
    ds->forecast_no_ai_min[i] = row->forecast_no_ai_min;
    ds->measured_min[i] = row->measured_min;
    ds->reported_min[i] = row->reported_min;
    ds->post_review_min[i] = row->post_review_min;
    ds->perceived_pct[i] = row->perceived_pct;
    ds->ai_used[i] = row->ai_used;
    ds->status[i] = row->status;
    for (size_t j = 0; j < ds->n_extra; j++)
        ds->extra_values[j][i] = extra[j];
    free(extra);
    ds->n++;
    return UPL_OK;
nomem:
    for (size_t k = 0; k < N_STRINGS; k++)
        free(copy[k]);
    return UPL_NOMEM;
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
    row->task_id = ds->task_id[i];
    row->participant = ds->participant[i];
    row->category = ds->category[i];
    row->arm = ds->arm[i];
    row->forecast_ai_min = ds->forecast_ai_min[i];
    row->forecast_no_ai_min = ds->forecast_no_ai_min[i];
    row->measured_min = ds->measured_min[i];
    row->reported_min = ds->reported_min[i];
    row->post_review_min = ds->post_review_min[i];
    row->perceived_pct = ds->perceived_pct[i];
    row->ai_used = ds->ai_used[i];
    row->status = ds->status[i];
    row->excluded_reason = ds->excluded_reason[i];
    row->title = ds->title[i];
    row->url = ds->url[i];
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
