/* A task table (the columns of `uplift export`) from any CSV, for `uplift analyze --csv`:
 * foreign column names are mapped onto the task-table fields with --map, the treated arm
 * is named with --treated and arms get names with --arm-names.  The file is streamed
 * record by record (include/uplift/csv.h), so only the column dataset is held in
 * memory. */
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
 * treated: NULL, or the arm value of the treated arm (or the name arm_names gives it);
 *   the file must then hold exactly one other arm value, which becomes the control.
 *   The treated arm is labelled as treated is written (unless arm_names names it).
 *   Without it the control is the arm labelled no_ai (else control), after arm_names;
 *   arms keep their values as labels, control first, then the others in byte order of
 *   their labels (never the order of the rows).
 * arm_names: NULL or "VALUE=NAME,...": the arm of each VALUE is labelled NAME (each
 *   VALUE must be an arm value of the file; names must differ).
 *
 * Cells (the header's too) are read without their surrounding blanks, quoted or not
 * (the label rule of harness/engine/text.h); so are the values of treated and
 * arm_names.  Arm values that are decimal numbers compare as numbers and are labelled
 * by their shortest form (1, 1.0, 1.00 and 1e0 are the arm "1"); treated and the VALUEs
 * of arm_names match them the same way.  Numbers are decimal (empty or NA = missing;
 * perceived_pct also takes "-20%"); ai_used is yes/no/true/false/1/0 or empty; status
 * is a task status name or empty (= done); an empty arm leaves the task unassigned.
 * When the file has a task_id or a participant column, every row needs a value in it.
 *
 * Errors: UPL_INVALID when an argument itself is wrong: a malformed map (unknown field,
 * field mapped twice) or arm_names (see upl_dataset_csv_check_arm_names()), or a mapped
 * column the file lacks; UPL_REFUSED when the data do not fit the arguments: a file
 * without an arm column, an arm_names VALUE or treated value that is no arm value of
 * the file, two arms with one name, arms that are not as treated (or the default rule)
 * requires; UPL_PARSE for a file without rows or a cell that is not what its field
 * needs, with "FILE:LINE: column 'NAME': ..." in diag; UPL_IO, UPL_NOMEM. */
upl_status upl_dataset_read_csv(upl_dataset *ds, const char *path, const char *map,
                                const char *treated, const char *arm_names, upl_diag *diag);

/* The same on CSV text in memory (len bytes, not NUL-terminated); name labels messages
 * where the file name would. */
upl_status upl_dataset_read_csv_buffer(upl_dataset *ds, const char *data, size_t len,
                                       const char *name, const char *map, const char *treated,
                                       const char *arm_names, upl_diag *diag);

/* Checks the text of an arm_names value (NULL is fine) before any file is read: UPL_OK,
 * or UPL_INVALID with a message starting "--arm-names" when an item is not VALUE=NAME
 * (both non-empty after the label rule), a name holds a control character, a value is
 * named twice (1 and 1.0 are one value) or two values get one name; UPL_NOMEM. */
upl_status upl_dataset_csv_check_arm_names(const char *arm_names, upl_diag *diag);

#endif
