/* Internal to the report renderers (analysis/report_*.c) and their charts
 * (analysis/render/plot_*.c). */
#ifndef UPLIFT_REPORT_INTERNAL_H
#define UPLIFT_REPORT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "uplift/power.h"
#include "uplift/render.h"
#include "uplift/report.h"

/* ---- chart canvas (plot_svg.c) ---- */

/* Colour-map-0 indices every chart sets up. */
enum {
    UPL__COL_BG = 0,
    UPL__COL_INK = 1,   /* frame, labels */
    UPL__COL_GRID = 2,  /* grid lines */
    UPL__COL_REF = 3,   /* reference lines (no effect, forecast = actual) */
    UPL__COL_MUTED = 4, /* participants, secondary marks */
    UPL__COL_ARM = 5    /* UPL__COL_ARM + arm index: the arm colours */
};
#define UPL__MAX_ARM_COLORS 10

/* Kinds of axis: the data are always on a log scale, labelled in words. */
typedef enum {
    UPL__AXIS_MINUTES, /* minutes on a log scale, ticks "15 min", "1 h", ... */
    UPL__AXIS_CHANGE,  /* a ratio of times on a log scale, ticks "-50%", "0%", "+100%" */
    UPL__AXIS_RATIO,   /* a ratio on a log scale, ticks "0.5x", "1x", "2x" */
    UPL__AXIS_LINEAR   /* plain numbers (histograms) */
} upl__axis_kind;

/* Starts a chart of width x height points drawing into memory; the arms' colours follow
 * upl_report_arm_color() for control.  Only one chart is open at a time. */
upl_status upl__chart_begin(double width, double height, size_t control);
/* Sets the plot box (fractions of the page: left, right, bottom, top) and the world
 * coordinates; for log axes the world coordinates are natural logarithms. */
void upl__chart_box(double left, double right, double bottom, double top, double xmin, double xmax,
                    double ymin, double ymax);
/* Draws grid lines, ticks and tick labels of the x (axis 'x') or y axis of the current
 * box, then the frame and the axis title. */
void upl__chart_axis(char axis, upl__axis_kind kind, const char *title);
/* Text made safe for PLplot (its escape character doubled), at most max characters. */
void upl__chart_text(char *dst, size_t size, const char *src, size_t max);
/* The width of a label of chars characters as a fraction of the plot box's width (an
 * estimate from the character count, the same one that spaces the tick labels). */
double upl__chart_label_fraction(size_t chars);
/* Ends the chart: the SVG, prefixed with id_prefix and titled, into *svg. */
upl_status upl__chart_end(const char *id_prefix, const char *title, upl_svg *svg);

/* ---- charts (plot_*.c): each returns UPL_OK with *svg filled ---- */

/* One horizontal interval per row on a change-of-time axis, with a line at no change. */
typedef struct upl__interval_row {
    const char *label;
    double pct, lo, hi; /* percent change as a fraction; lo/hi may be NAN (no interval) */
    int color;          /* a colour-map-0 index */
    int emphasis;       /* drawn bold (the chosen SE, the overall effect) */
} upl__interval_row;

/* The axis holds the point estimates, the emphasised rows' intervals and the bulk of
 * the others; interval ends far beyond the rest are cut at the axis edge with an
 * arrowhead, and *n_cut (when not NULL) counts the rows so cut. */
upl_status upl__plot_intervals(const upl__interval_row *rows, size_t n, size_t control,
                               const char *xlabel, const char *id_prefix, const char *title,
                               upl_svg *svg, size_t *n_cut);

/* Forecast for the assigned condition against the analysed outcome, each task a dot in
 * its arm's colour, log axes, with the line forecast = actual. */
upl_status upl__plot_forecast_scatter(const upl_dataset *ds, const upl_analysis_result *res,
                                      const char *id_prefix, upl_svg *svg, size_t *n_points);

/* Bland-Altman on the log scale: reported / measured time against their geometric
 * mean, with the agreement's mean ratio and limits when res->agreement is set. */
upl_status upl__plot_agreement(const upl_dataset *ds, const upl_analysis_result *res,
                               const char *id_prefix, upl_svg *svg, size_t *n_points);

/* The distribution of the re-drawn estimates (ri->hist), the draws at least as extreme as
 * the observed one in colour, the observed estimate and its mirror image.  UPL_INVALID
 * when ri holds no histogram. */
upl_status upl__plot_ri_histogram(const upl_randomization_inference *ri, size_t control, int color,
                                  const char *id_prefix, upl_svg *svg);

/* Power (%) against the true effect (change-of-time axis) of n power runs, each point
 * with its 95% Monte Carlo interval (power -/+ 1.96 power_mc_se), a dashed line at
 * alpha and, when target is finite, a dotted one at the target power. */
upl_status upl__plot_power_curve(const upl_power_result *pts, size_t n, double alpha, double target,
                                 const char *id_prefix, upl_svg *svg);

/* The 95% Monte Carlo interval of a power, in percent (power -/+ 1.96 power_mc_se,
 * clipped to [0, 100]): the chart's bars and the page's table (report_power.c). */
void upl__power_mc_interval(const upl_power_result *r, double *lo, double *hi);

/* ---- shared text (report_common.c) ---- */

/* Descriptive statistics of one arm over its randomized tasks. */
typedef struct upl__arm_baseline {
    size_t tasks, participants, done;
    double forecast_ai_median, forecast_no_ai_median; /* minutes; NAN when none */
    double forecast_ratio_gm; /* geometric mean of forecast_ai / forecast_no_ai */
} upl__arm_baseline;

/* Per arm of ds (ds->n_arms entries, caller frees *out). */
upl_status upl__report_baseline(const upl_dataset *ds, upl__arm_baseline **out);

/* Categories of the randomized tasks, most frequent first; counts[c * n_arms + a].
 * Caller frees *names (the strings are borrowed from ds) and *counts. */
upl_status upl__report_categories(const upl_dataset *ds, const char ***names, size_t **counts,
                                  size_t *n);

/* "took 19.0% longer" / "took 12.0% less time" for a percent change. */
void upl__report_change_words(char *buf, size_t size, double pct);

/* The methods paragraphs, plain text, one call of para per paragraph. */
void upl__report_methods(const upl_report_input *in, void (*para)(void *ctx, const char *text),
                         void *ctx);

/* The row accounting in one sentence, zero counts left out: "Of 48 tasks, 44 were
 * analysed; the other 4 were not (1 excluded, 1 abandoned and 2 not done)." */
void upl__report_rows_sentence(char *buf, size_t size, const upl_row_counts *rc);

/* UTC "2026-11-25 15:04 UTC" of t, or "-" for 0. */
void upl__report_time(char *buf, size_t size, int64_t t);

/* Analysed tasks of arm a (control included). */
size_t upl__report_arm_n(const upl_analysis_result *res, const upl_dataset *ds, size_t a);

/* ---- the escaping writers: one per format, so that no string reaches a page
 * unescaped ---- */

/* printf into out, except that every %s and %c argument (the data) is written through
 * esc; numbers print as printf prints them.  fmt is the page's own markup: the writers
 * below take it as a checked literal (format attribute, -Wformat=2). */
void upl__report_vprintf(FILE *out, void (*esc)(FILE *out, const char *s, size_t len),
                         const char *fmt, va_list ap);

/* Markdown: %s is text with the characters that make Markdown or HTML (\ ` * _ | # ~
 * < > &, and the ']' that closes a link) escaped and line breaks as spaces, in a
 * paragraph or a table cell alike. */
void upl__md_printf(FILE *out, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* s as an inline code span (hashes, ids): fenced with more backticks than it holds in a
 * row, so it shows exactly.  Not for free text: a code span shows '<' as it is in the
 * file. */
void upl__md_code(FILE *out, const char *s);

#endif
