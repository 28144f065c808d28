/* RFC 4180 CSV, read and written through libcsv.  Reading streams row by row (a
 * million-row file is never held as strings), with source line numbers for messages. */
#ifndef UPLIFT_CSV_H
#define UPLIFT_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "uplift/status.h"

/* Called once per record, the header included (record 0).  line is the 1-based line on
 * which the record starts (LF, CRLF and a lone CR each end a line, blank lines and line
 * breaks inside quoted fields included); fields are NUL-terminated, valid UTF-8 without
 * NUL bytes (checked before the call) and valid only during the call.  Unquoted fields
 * lose their leading and trailing spaces and tabs (libcsv); quoted fields are kept
 * as they are.  Return UPL_OK to go on; any other status stops the parse and is
 * returned by the parse function (fill diag to explain it). */
typedef upl_status (*upl_csv_row_fn)(void *ctx, size_t record, size_t line,
                                     const char *const *fields, size_t n_fields, upl_diag *diag);

/* Parses a whole file, read in chunks, so memory follows the longest record.  Every
 * record must have as many fields as the header; a record with another count, bad
 * UTF-8 (overlong forms, surrogates and NUL bytes included), a stray or unterminated
 * quote, or an empty file fails with UPL_PARSE and a diag such as
 * "tasks.csv:7: expected 6 columns, found 5" or "tasks.csv:9: column 'title': invalid
 * UTF-8" (diag->line is set too).  Blank lines are skipped.  A leading UTF-8 BOM is
 * ignored.  upl_csv_parse_file names messages by path (UPL_IO when it cannot be read);
 * upl_csv_parse_buffer by name ("csv" when NULL). */
upl_status upl_csv_parse_file(const char *path, upl_csv_row_fn fn, void *ctx, upl_diag *diag);
upl_status upl_csv_parse_buffer(const char *data, size_t len, const char *name, upl_csv_row_fn fn,
                                void *ctx, upl_diag *diag);

/* Writes one record (fields may be NULL = empty) with RFC 4180 quoting and "\n" line
 * ends.  Fields are quoted only when they must be: a comma, quote, CR or LF inside,
 * leading or trailing blanks, or a record of one empty field (which would otherwise
 * read back as a blank line).  What upl_csv_parse_* reads back is the same fields.
 * Returns UPL_IO on a write error. */
upl_status upl_csv_write_record(FILE *out, const char *const *fields, size_t n_fields);

/* upl_csv_write_row's flags. */
enum {
    /* Formula injection guard (OWASP "CSV injection"): a text cell that a spreadsheet
     * would evaluate - it starts with '=', '+', '-', '@', a tab or a CR, possibly after
     * single quotes - and is not a plain decimal number gets one leading single quote,
     * so a spreadsheet shows it as text.  upl_csv_restore_cell() undoes it. */
    UPL_CSV_NEUTRALISE = 1u << 0
};

/* As upl_csv_write_record, with flags.  numeric (may be NULL: every cell is text) marks
 * the cells that hold numbers uplift formatted: they are written as they are (-0.2
 * stays -0.2). */
upl_status upl_csv_write_row(FILE *out, const char *const *fields, const unsigned char *numeric,
                             size_t n_fields, unsigned flags);

/* The value of a cell as it was before UPL_CSV_NEUTRALISE: one leading single quote
 * dropped when the cell is single quotes followed by '=', '+', '-', '@', a tab or a CR;
 * any other cell unchanged.  Returns cell or cell + 1 (NULL for NULL).  Neutralising
 * and restoring give back every value; a raw cell of that form loses its quote. */
const char *upl_csv_restore_cell(const char *cell);

#endif
