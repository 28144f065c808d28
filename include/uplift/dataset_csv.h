/* A task table (CONTRACT section 4) from any CSV, for `uplift analyze --csv`: foreign
 * column names are mapped onto the task-table fields with --map and the treated arm is
 * named with --treated.  The file is streamed record by record (include/uplift/csv.h),
 * so only the column dataset is held in memory. */
#ifndef UPLIFT_DATASET_CSV_H
#define UPLIFT_DATASET_CSV_H

#include "uplift/status.h"
#include "uplift/task.h"

/* Reads path into *ds (caller-owned; on UPL_OK release it with upl_dataset_release(),
 * on failure it holds nothing).
 *
 * map: NULL or "FIELD=COLUMN,..." where FIELD is a task-table column (task_id,
 *   participant, category, arm, forecast_ai_min, forecast_no_ai_min, measured_min,
 *   reported_min, post_review_min, perceived_pct, ai_used, status, excluded_reason) and
 *   COLUMN a header name of the file.  Unmapped fields are read from the column of the
 *   same name when there is one.  Every other column is kept as an extra column (text).
 * treated: NULL, or the arm value of the treated arm; the file must then hold exactly
 *   one other arm value, which becomes the control.  Without it the control is the arm
 *   labelled no_ai (else control); arms keep their values as labels, control first,
 *   then in order of first appearance.
 *
 * Cells: numbers are decimal (empty or NA = missing; perceived_pct also takes "-20%");
 * ai_used is yes/no/true/false/1/0 or empty; status is a task status name or empty
 * (= done); an empty arm leaves the task unassigned.
 *
 * Errors: UPL_INVALID for a malformed map (unknown field, field mapped twice) or a
 * mapped column the file lacks, for a file without an arm column, and when the arms
 * are not as --treated (or the default rule) requires; UPL_PARSE for a cell that is
 * not what its field needs, with "FILE:LINE: column 'NAME': ..." in diag; UPL_IO,
 * UPL_NOMEM. */
upl_status upl_dataset_read_csv(upl_dataset *ds, const char *path, const char *map,
                                const char *treated, upl_diag *diag);

/* The same on CSV text in memory (len bytes, not NUL-terminated); name labels messages
 * where the file name would. */
upl_status upl_dataset_read_csv_buffer(upl_dataset *ds, const char *data, size_t len,
                                       const char *name, const char *map, const char *treated,
                                       upl_diag *diag);

#endif
