/* The task table (CONTRACT section 4): one row per task, the unit that the study engine
 * exports and the estimators read.  A dataset is the same table held by column. */
#ifndef UPLIFT_TASK_H
#define UPLIFT_TASK_H

#include <stddef.h>

#include "uplift/status.h"

/* Longest duration a task's time may take: 7 days, in minutes (the parser of typed
 * durations refuses more, the simulator draws no more). */
#define UPL_DURATION_MAX_MIN (7.0 * 24.0 * 60.0)

typedef enum {
    UPL_TASK_PLANNED,
    UPL_TASK_ASSIGNED,
    UPL_TASK_IN_PROGRESS,
    UPL_TASK_DONE,
    UPL_TASK_EXCLUDED,
    UPL_TASK_ABANDONED
} upl_task_status;

/* The task table's columns in order: the 13 of CONTRACT section 4, then title and url
 * (protocol covariates follow them in an export). */
#define UPL_TASK_CONTRACT_COLUMNS 13
#define UPL_TASK_COLUMNS          15
extern const char *const upl_task_columns[UPL_TASK_COLUMNS];

const char *upl_task_status_name(upl_task_status s);
int upl_task_status_from_name(const char *name, upl_task_status *out);

/* ai_used values */
#define UPL_AI_USED_UNKNOWN (-1)
#define UPL_AI_USED_NO      0
#define UPL_AI_USED_YES     1

/* One row, borrowed: the strings belong to whoever filled the row.  Missing numbers are
 * NAN; missing strings are NULL (written as empty cells). */
typedef struct upl_task_row {
    const char *task_id;
    const char *participant;
    const char *category;
    const char *arm;
    double forecast_ai_min;
    double forecast_no_ai_min;
    double measured_min;
    double reported_min;
    double post_review_min;
    double perceived_pct;
    int ai_used;
    upl_task_status status;
    const char *excluded_reason;
    const char *title; /* not used by the estimators; exported so a table re-imports */
    const char *url;
    /* protocol-declared covariates, parallel to the dataset's extra_names */
    const char *const *extra;
} upl_task_row;

/* Sets every number to NAN, strings to NULL, ai_used unknown, status planned. */
void upl_task_row_clear(upl_task_row *row);

/* Column store of the task table.  Every string is owned by the dataset. */
typedef struct upl_dataset {
    size_t n;
    size_t capacity;
    char **task_id;
    char **participant;
    char **category;
    char **arm;
    double *forecast_ai_min;
    double *forecast_no_ai_min;
    double *measured_min;
    double *reported_min;
    double *post_review_min;
    double *perceived_pct;
    int *ai_used;
    upl_task_status *status;
    char **excluded_reason;
    char **title;
    char **url;
    size_t n_extra;
    char **extra_names;   /* n_extra names */
    char ***extra_values; /* extra_values[j][i]: column j, row i (NULL = empty) */
    /* Arms in analysis order; arms[control] is the comparison arm.  Filled by whoever
     * builds the dataset (protocol order for a study, --treated for a CSV). */
    size_t n_arms;
    char **arms;
    size_t control;
} upl_dataset;

/* Caller-owned struct: _init makes an empty dataset with the given extra columns (names
 * are copied), _release frees everything it holds.  _release on an initialised empty
 * dataset is fine. */
upl_status upl_dataset_init(upl_dataset *ds, size_t n_extra, const char *const *extra_names);
void upl_dataset_release(upl_dataset *ds);

/* Appends a copy of row.  row->extra may be NULL when n_extra is 0 or all are empty. */
upl_status upl_dataset_append(upl_dataset *ds, const upl_task_row *row);

/* Adds an arm label (copied) unless present; *index receives its position. */
upl_status upl_dataset_add_arm(upl_dataset *ds, const char *label, size_t *index);

/* Borrowed view of row i (valid until the dataset changes). */
void upl_dataset_row(const upl_dataset *ds, size_t i, upl_task_row *row);

/* The canonical order of the rows, so that no result depends on the order of the input:
 * order[0..ds->n) receives the row indices sorted by participant, then task id, then the
 * row's other values (text in byte order with an empty cell first, numbers ascending
 * with a missing one first); rows equal in every column keep their input order.
 * UPL_NOMEM. */
upl_status upl_dataset_order(const upl_dataset *ds, size_t *order);

/* Index of column name among extra columns, or -1. */
long upl_dataset_extra_index(const upl_dataset *ds, const char *name);

#endif
