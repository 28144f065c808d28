/* The study report (issue 7): one self-contained HTML file (inline CSS and SVG charts
 * drawn with PLplot, no scripts, no network), the same content as Markdown, and one
 * JSON document (the analysis of `uplift analyze --json`, the study's status and its
 * protocol).
 *
 * The renderers live in analysis/: they never read the study store and never print
 * to the terminal; they write to the FILE* they are handed.  The command line fills an
 * upl_report_input from the store (or from a CSV) and the analysis. */
#ifndef UPLIFT_REPORT_H
#define UPLIFT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "uplift/analysis.h"
#include "uplift/protocol.h"
#include "uplift/status.h"
#include "uplift/study.h"
#include "uplift/task.h"

/* Everything a report shows.  Every pointer is borrowed for the duration of the call.
 * For CSV input study, protocol and consort are NULL and the report says so. */
typedef struct upl_report_input {
    const upl_study_info *study; /* NULL for CSV input */
    const upl_protocol *protocol;
    const upl_consort *consort;
    const upl_alloc_balance *balance; /* NULL for CSV input */
    const upl_dataset *dataset;       /* the rows the analysis read */
    /* The analysis; NULL when it could not run on a study (no finished task yet, one arm
     * only...): the report then shows the study's progress, and analysis_error says why
     * in every section that needs the analysis.  spec is the analysis asked for. */
    const upl_analysis_result *result;
    const char *analysis_error;
    const upl_model_spec *spec;
    const char *source; /* the database path or the CSV path */
    /* reproducibility footer */
    const char *uplift_version;
    const char *sqlite_version; /* the CLI's sqlite3_libversion(): analysis/ has no SQLite */
    const char *command_line;
    int64_t generated_at; /* seconds since the epoch, UTC */
} upl_report_input;

/* Writes the HTML report to out.  UPL_IO on a write error, UPL_NOMEM, UPL_ERROR when a
 * chart cannot be drawn; out may then hold a partial document (the caller writes to a
 * temporary file and renames it on success). */
upl_status upl_report_render_html(const upl_report_input *in, FILE *out);

/* The same sections as Markdown tables and text (no charts). */
upl_status upl_report_render_md(const upl_report_input *in, FILE *out);

/* One JSON object: every key of `uplift analyze --json` at the top level, then
 * "status" (the keys of `uplift status --json`, null for CSV input), "protocol" (the
 * parsed protocol with its sha256 and canonical text, null for CSV input) and
 * "report" (source, versions, command line, time). */
upl_status upl_report_render_json(const upl_report_input *in, FILE *out);

/* ---- charts (analysis/render/plot_*.c): PLplot's SVG device into a memory buffer ---- */

/* An SVG document made by a chart function: text owned by the struct, ready to inline
 * in HTML (XML prolog removed, element ids prefixed so that several charts can share a
 * page).  Release with upl_svg_release(). */
typedef struct upl_svg {
    char *text;
    size_t len;
} upl_svg;

void upl_svg_release(upl_svg *svg);

/* Colour of arm index a (in the dataset's arm order, control first) as "#rrggbb", the
 * same in every chart and table of a report. */
const char *upl_report_arm_color(size_t arm, size_t control);

#endif
