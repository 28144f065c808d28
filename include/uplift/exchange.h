/* Moving task tables in and out of a study: `task import` and `export`. */
#ifndef UPLIFT_EXCHANGE_H
#define UPLIFT_EXCHANGE_H

#include <stdio.h>

#include "uplift/csv.h"
#include "uplift/progress.h"
#include "uplift/status.h"
#include "uplift/store.h"
#include "uplift/task.h"

/* Imports tasks from a CSV file (header: participant,title and optional category, url,
 * forecast_ai_min, forecast_no_ai_min, protocol covariates; the result columns of an
 * export are accepted and ignored).  Runs inside the caller's write transaction and
 * stops at the first bad row: the caller rolls back, so it is all rows or none.  diag
 * names file, line and column.  *n_imported and *first_id (may be NULL) describe what
 * was added.  *ignored receives a malloc'd comma-separated list of ignored columns, or
 * NULL. */
upl_status upl_import_tasks_csv(upl_store *store, const char *path, size_t *n_imported,
                                int64_t *first_id, char **ignored, upl_diag *diag);

/* The same, reporting progress (lines read of the file's lines) through progress when
 * it is not NULL. */
upl_status upl_import_tasks_csv_progress(upl_store *store, const char *path, size_t *n_imported,
                                         int64_t *first_id, char **ignored,
                                         upl_progress_fn progress, void *progress_ctx,
                                         upl_diag *diag);

/* The task table as RFC 4180 CSV (the columns of README.md's task table, then title and url, then
 * covariates) or as a JSON array of objects with the same keys.  flags are
 * upl_csv_write_row's (uplift/csv.h): UPL_CSV_NEUTRALISE guards the text cells against
 * spreadsheet formulas; the number columns are written as they are. */
upl_status upl_export_csv(const upl_dataset *ds, FILE *out, unsigned flags);
upl_status upl_export_json(const upl_dataset *ds, FILE *out);

/* Formats a number for a CSV cell or text table: shortest of %.15g; "" for NAN. */
void upl_format_number(double v, char *buf, size_t size);

#endif
