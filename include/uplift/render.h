/* Rendering (the render layer, analysis/render/): results of the estimators as text
 * for people, JSON for scripts, and pages (HTML with PLplot charts, Markdown).  The
 * renderers write only to the stream they are handed and never read the study; the
 * study report is uplift/report.h, the CONSORT JSON uplift/consort.h. */
#ifndef UPLIFT_RENDER_H
#define UPLIFT_RENDER_H

#include <stdint.h>
#include <stdio.h>

#include "uplift/analysis.h"
#include "uplift/power.h"
#include "uplift/simulate.h"
#include "uplift/status.h"

/* ---- an analysis: write to out, return UPL_IO on a write error ---- */

/* Aligned tables for people. */
upl_status upl_analysis_render_text(const upl_analysis_result *res, FILE *out);
/* One JSON object with every key of docs/analysis.md (null when not computed),
 * followed by a newline. */
upl_status upl_analysis_render_json(const upl_analysis_result *res, FILE *out);

/* ---- a power curve as a page (analysis/render/report_power.c) ---- */

/* Everything the page shows; every pointer is borrowed for the duration of the call. */
typedef struct upl_power_report {
    const upl_sim_params *design;   /* the design simulated (seed, participants, tasks) */
    const upl_model_spec *model;    /* the analysis of each study */
    const upl_power_result *result; /* the main run: at --effect, or at the MDE */
    const upl_mde_result *mde;      /* NULL unless a minimum detectable effect was searched */
    const upl_power_result *curve;  /* n_curve runs, in the order the effects were given */
    size_t n_curve;
    const char *uplift_version;
    const char *command_line;
    int64_t generated_at; /* seconds since the epoch, UTC */
} upl_power_report;

/* One self-contained HTML page (inline CSS and a PLplot SVG chart of power against the
 * effect with Monte Carlo error bars, no scripts) or Markdown (the same text and table,
 * no chart).  UPL_INVALID when n_curve is 0, UPL_IO on a write error, UPL_ERROR when the
 * chart cannot be drawn; out may then hold a partial document. */
upl_status upl_power_report_render_html(const upl_power_report *in, FILE *out);
upl_status upl_power_report_render_md(const upl_power_report *in, FILE *out);

/* ---- a simulated study ---- */

/* The truth as JSON text (every parameter, the seed and generator, the truth per arm,
 * top-level effect_pct, log_effect and itt_log_effect of the first non-control arm),
 * malloc'd, ending in a newline; NULL when out of memory.  forecast_ratio_sd appears
 * only when it is above 0, so that the truth of a study without it keeps its bytes
 * (absent means 0). */
char *upl_sim_truth_json(const upl_sim_params *p, const upl_sim_truth *truth);

#endif
