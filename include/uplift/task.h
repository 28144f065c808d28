/* The task table (README.md, Reference): one row per task, the unit that the study engine
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

const char *upl_task_status_name(upl_task_status s);
int upl_task_status_from_name(const char *name, upl_task_status *out);

/* ai_used values */
#define UPL_AI_USED_UNKNOWN (-1)
#define UPL_AI_USED_NO      0
#define UPL_AI_USED_YES     1

/* The task table's columns, defined once, in their order: X(ID, name, KIND) gives the
 * column's enum (UPL_COL_ID), its header name, the member of upl_task_row and the column
 * array of upl_dataset, and the kind that says how it is stored, read and written:
 *   TEXT     a string; missing NULL (an empty cell)      row: const char *   dataset: char **
 *   MINUTES  a duration in minutes; missing NAN          row: double         dataset: double *
 *   SHARE    a relative change (-0.20 = 20% less; a CSV
 *            may write -20%); missing NAN                row: double         dataset: double *
 *   AI_USED  UPL_AI_USED_YES/NO/UNKNOWN (yes/no/empty)   row: int            dataset: int *
 *   STATUS   upl_task_status (its name)                  row/dataset: upl_task_status
 * The columns before title are the task table every tool reads and writes (the export
 * format, what `analyze --csv` maps); title and url follow, then protocol covariates.
 * Adding a column is one line here; docs/architecture.md lists what follows from it. */
#define UPL_TASK_COLUMN_MAP(X)                                                                     \
    X(TASK_ID, task_id, TEXT)                                                                      \
    X(PARTICIPANT, participant, TEXT) /* the participant's handle: the cluster */                  \
    X(CATEGORY, category, TEXT)                                                                    \
    X(ARM, arm, TEXT)                                                                              \
    X(FORECAST_AI_MIN, forecast_ai_min, MINUTES) /* forecasts, made before assignment */           \
    X(FORECAST_NO_AI_MIN, forecast_no_ai_min, MINUTES)                                             \
    X(MEASURED_MIN, measured_min, MINUTES)       /* active time logged with start/stop */          \
    X(REPORTED_MIN, reported_min, MINUTES)       /* self-report: to the first submission */        \
    X(POST_REVIEW_MIN, post_review_min, MINUTES) /* self-report: after review */                   \
    X(PERCEIVED_PCT, perceived_pct, SHARE)       /* perceived effect of AI on time */              \
    X(AI_USED, ai_used, AI_USED)                                                                   \
    X(STATUS, status, STATUS)                                                                      \
    X(EXCLUDED_REASON, excluded_reason, TEXT)                                                      \
    X(TITLE, title, TEXT) /* not used by the estimators; exported so a table re-imports */         \
    X(URL, url, TEXT)

typedef enum {
#define UPL__TASK_COLUMN_ENUM(id, name, kind) UPL_COL_##id,
    UPL_TASK_COLUMN_MAP(UPL__TASK_COLUMN_ENUM)
#undef UPL__TASK_COLUMN_ENUM
        UPL_TASK_COLUMNS
} upl_task_column;

/* The columns of the shared task table: all before title. */
#define UPL_TASK_SHARED_COLUMNS UPL_COL_TITLE

/* The header names, in column order. */
extern const char *const upl_task_columns[UPL_TASK_COLUMNS];

/* The C types of a kind in a row and in a dataset's column (see the map above). */
#define UPL__ROW_TYPE_TEXT    const char *
#define UPL__ROW_TYPE_MINUTES double
#define UPL__ROW_TYPE_SHARE   double
#define UPL__ROW_TYPE_AI_USED int
#define UPL__ROW_TYPE_STATUS  upl_task_status
#define UPL__COL_TYPE_TEXT    char *
#define UPL__COL_TYPE_MINUTES double
#define UPL__COL_TYPE_SHARE   double
#define UPL__COL_TYPE_AI_USED int
#define UPL__COL_TYPE_STATUS  upl_task_status

/* One row, borrowed: the strings belong to whoever filled the row.  Missing numbers are
 * NAN; missing strings are NULL (written as empty cells). */
typedef struct upl_task_row {
#define UPL__TASK_ROW_MEMBER(id, name, kind) UPL__ROW_TYPE_##kind name;
    UPL_TASK_COLUMN_MAP(UPL__TASK_ROW_MEMBER)
#undef UPL__TASK_ROW_MEMBER
    /* protocol-declared covariates, parallel to the dataset's extra_names */
    const char *const *extra;
} upl_task_row;

/* Sets every number to NAN, strings to NULL, ai_used unknown, status planned. */
void upl_task_row_clear(upl_task_row *row);

/* Column store of the task table.  Every string is owned by the dataset. */
typedef struct upl_dataset {
    size_t n;
    size_t capacity;
    /* one array of n per column of the task table, by the map's kinds */
#define UPL__DATASET_MEMBER(id, name, kind) UPL__COL_TYPE_##kind *name;
    UPL_TASK_COLUMN_MAP(UPL__DATASET_MEMBER)
#undef UPL__DATASET_MEMBER
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
