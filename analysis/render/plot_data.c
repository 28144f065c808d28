/* Charts of the tasks themselves: forecast against actual time, and self-reported
 * against measured time (Bland-Altman). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "report_internal.h"

/* One legend entry at *pos (a fraction of the box width) on line *disp above the box,
 * wrapping onto a new line when it does not fit (widths estimated from the character
 * count). */
static void legend_entry(const char *text, PLINT color, double *pos, double *disp)
{
    size_t chars = 0;
    for (const char *c = text; *c; c++)
        chars += ((unsigned char)*c & 0xc0) != 0x80;
    double width = upl__chart_label_fraction(chars);
    if (*pos > 0.0 && *pos + width > 1.0) {
        *pos = 0.0;
        *disp += 1.4;
    }
    plcol0(color);
    plmtex("t", *disp, *pos, 0.0, text);
    *pos += width;
}

/* One legend entry per arm above the plot box, in the arm's colour, then extra (in the
 * reference lines' colour) when not NULL. */
static void arm_legend(const upl_dataset *ds, const size_t *counts, const char *extra)
{
    double pos = 0.0, disp = 0.9;
    for (size_t a = 0; a < ds->n_arms && a < UPL__MAX_ARM_COLORS; a++) {
        char label[96], text[128];
        upl__chart_text(label, sizeof label, ds->arms[a], 24);
        snprintf(text, sizeof text, "\u25cf %s (%zu task%s)", label, counts[a],
                 counts[a] == 1 ? "" : "s");
        legend_entry(text, (PLINT)(UPL__COL_ARM + a), &pos, &disp);
    }
    if (extra)
        legend_entry(extra, UPL__COL_REF, &pos, &disp);
    plcol0(UPL__COL_INK);
}

static long arm_index(const upl_dataset *ds, const char *arm)
{
    if (!arm)
        return -1;
    for (size_t a = 0; a < ds->n_arms; a++)
        if (strcmp(ds->arms[a], arm) == 0)
            return (long)a;
    return -1;
}

static void range(const double *v, size_t n, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        *lo = v[i] < *lo ? v[i] : *lo;
        *hi = v[i] > *hi ? v[i] : *hi;
    }
    double pad = 0.06 * (*hi - *lo);
    if (!(pad > 0))
        pad = 0.3;
    *lo -= pad;
    *hi += pad;
}

static void dots(const double *x, const double *y, const size_t *arm, size_t n, size_t n_arms)
{
    plssym(4.0, 1.5);
    for (size_t a = 0; a < n_arms && a < UPL__MAX_ARM_COLORS; a++) {
        plcol0((PLINT)(UPL__COL_ARM + a));
        for (size_t i = 0; i < n; i++) {
            if (arm[i] != a)
                continue;
            PLFLT px = x[i], py = y[i];
            plpoin(1, &px, &py, 17);
        }
    }
}

upl_status upl__plot_forecast_scatter(const upl_dataset *ds, const upl_analysis_result *res,
                                      const char *id_prefix, upl_svg *svg, size_t *n_points)
{
    upl_design d;
    upl_diag diag = {0};
    double *x = NULL, *y = NULL;
    size_t *arm = NULL, *counts = NULL, n = 0;
    *n_points = 0;
    upl_status st = upl_design_build(&d, ds, &res->spec, &diag);
    if (st != UPL_OK)
        return st;
    x = malloc((d.n + 1) * sizeof *x);
    y = malloc((d.n + 1) * sizeof *y);
    arm = malloc((d.n + 1) * sizeof *arm);
    counts = calloc(ds->n_arms + 1, sizeof *counts);
    if (!x || !y || !arm || !counts) {
        st = UPL_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < d.n; i++) {
        size_t row = d.row[i];
        double f = d.arm[i] == ds->control ? ds->forecast_no_ai_min[row] : ds->forecast_ai_min[row];
        if (!(isfinite(f) && f > 0))
            continue;
        x[n] = log(f);
        y[n] = gsl_vector_get(d.y, i);
        arm[n] = d.arm[i];
        counts[d.arm[i]]++;
        n++;
    }
    *n_points = n;
    if (n == 0) {
        st = UPL_OK;
        goto cleanup;
    }
    double xlo, xhi, ylo, yhi;
    range(x, n, &xlo, &xhi);
    range(y, n, &ylo, &yhi);
    double lo = xlo < ylo ? xlo : ylo, hi = xhi > yhi ? xhi : yhi; /* same scale on both */
    double height = 540.0;
    if ((st = upl__chart_begin(720.0, height, ds->control)) != UPL_OK)
        goto cleanup;
    upl__chart_box(0.14, 0.96, 0.12, 0.93, lo, hi, lo, hi);
    upl__chart_axis('x', UPL__AXIS_MINUTES,
                    "Forecast for the assigned condition (minutes, log scale)");
    char ylabel[128];
    snprintf(ylabel, sizeof ylabel, "Actual %s time (minutes, log scale)",
             upl_outcome_name(res->spec.outcome));
    upl__chart_axis('y', UPL__AXIS_MINUTES, ylabel);
    plcol0(UPL__COL_REF);
    pllsty(2);
    pljoin(lo, lo, hi, hi);
    pllsty(1);
    dots(x, y, arm, n, ds->n_arms);
    /* the line's name goes in the legend: along the line it would sit on the dots */
    arm_legend(ds, counts, "- - - forecast = actual");
    st = upl__chart_end(id_prefix, "Forecast against actual time, by arm", svg);
cleanup:
    free(x);
    free(y);
    free(arm);
    free(counts);
    upl_design_release(&d);
    return st;
}

upl_status upl__plot_agreement(const upl_dataset *ds, const upl_analysis_result *res,
                               const char *id_prefix, upl_svg *svg, size_t *n_points)
{
    double *x = malloc((ds->n + 1) * sizeof *x);
    double *y = malloc((ds->n + 1) * sizeof *y);
    size_t *arm = malloc((ds->n + 1) * sizeof *arm);
    size_t *counts = calloc(ds->n_arms + 1, sizeof *counts);
    size_t n = 0;
    upl_status st = UPL_OK;
    *n_points = 0;
    if (!x || !y || !arm || !counts) {
        st = UPL_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < ds->n; i++) {
        double m = ds->measured_min[i], r = ds->reported_min[i];
        long a = arm_index(ds, ds->arm[i]);
        if (a < 0 || !(isfinite(m) && m > 0 && isfinite(r) && r > 0))
            continue;
        x[n] = 0.5 * (log(m) + log(r));
        y[n] = log(r) - log(m);
        arm[n] = (size_t)a;
        counts[a]++;
        n++;
    }
    *n_points = n;
    if (n == 0)
        goto cleanup;
    const upl_agreement *ag = res->agreement;
    double xlo, xhi, ylo, yhi;
    range(x, n, &xlo, &xhi);
    range(y, n, &ylo, &yhi);
    double marks[3] = {ag ? ag->ratio : NAN, ag ? ag->loa_lo : NAN, ag ? ag->loa_hi : NAN};
    for (int j = 0; j < 3; j++) {
        if (isfinite(marks[j]) && marks[j] > 0) {
            double v = log(marks[j]);
            ylo = v - 0.1 < ylo ? v - 0.1 : ylo;
            yhi = v + 0.1 > yhi ? v + 0.1 : yhi;
        }
    }
    ylo = ylo > log(0.8) ? log(0.8) : ylo;
    yhi = yhi < log(1.25) ? log(1.25) : yhi;
    double height = 480.0;
    if ((st = upl__chart_begin(720.0, height, ds->control)) != UPL_OK)
        goto cleanup;
    upl__chart_box(0.14, ag ? 0.78 : 0.96, 0.13, 0.92, xlo, xhi, ylo, yhi);
    upl__chart_axis('x', UPL__AXIS_MINUTES,
                    "Mean of reported and measured time (geometric, minutes, log scale)");
    upl__chart_axis('y', UPL__AXIS_RATIO, "Reported / measured time (log scale)");
    plcol0(UPL__COL_REF);
    pllsty(2);
    pljoin(xlo, 0.0, xhi, 0.0);
    pllsty(1);
    dots(x, y, arm, n, ds->n_arms);
    static const char *const names[3] = {"mean ratio", "lower limit", "upper limit"};
    for (int j = 0; j < 3; j++) {
        if (!(isfinite(marks[j]) && marks[j] > 0))
            continue;
        double v = log(marks[j]);
        char text[64];
        snprintf(text, sizeof text, "%s %.2fx", names[j], marks[j]);
        plcol0(UPL__COL_INK);
        pllsty(j == 0 ? 1 : 3);
        plwidth(j == 0 ? 1.6 : 1.2);
        pljoin(xlo, v, xhi, v);
        plschr(0.0, 0.85);
        plmtex("rv", 0.6, (v - ylo) / (yhi - ylo), 0.0, text);
        plschr(0.0, 1.0);
    }
    pllsty(1);
    plwidth(1.0);
    arm_legend(ds, counts, NULL);
    st = upl__chart_end(id_prefix, "Self-reported against measured time (Bland-Altman)", svg);
cleanup:
    free(x);
    free(y);
    free(arm);
    free(counts);
    return st;
}
