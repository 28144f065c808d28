/* The power curve: power against the true effect, each point with its Monte Carlo
 * interval, as `uplift power --curve ... --out FILE` draws it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <plplot.h>

#include "report_internal.h"

/* A horizontal reference line at power y (percent) with its label at the right. */
static void level_line(double xlo, double xhi, double y, int dashed, const char *text)
{
    PLINT mark = dashed ? 4000 : 800, space = dashed ? 2500 : 1500;
    plcol0(UPL__COL_REF);
    plwidth(1.2);
    plstyl(1, &mark, &space);
    pljoin(xlo, y, xhi, y);
    pllsty(1);
    plcol0(UPL__COL_INK);
    plschr(0.0, 0.85);
    plmtex("rv", 0.6, y / 100.0, 0.0, text);
    plschr(0.0, 1.0);
}

upl_status upl__plot_power_curve(const upl_power_result *pts, size_t n, double alpha, double target,
                                 const char *id_prefix, upl_svg *svg)
{
    size_t *order = malloc((n + 1) * sizeof *order), m = 0;
    PLFLT *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
    upl_status st = UPL_OK;
    if (!order || !x || !y) {
        st = UPL_NOMEM;
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if (isfinite(pts[i].effect_pct) && pts[i].effect_pct > -1.0 && isfinite(pts[i].power))
            order[m++] = i;
    if (m == 0) {
        st = UPL_INVALID;
        goto cleanup;
    }
    for (size_t k = 1; k < m; k++) /* by effect (a few dozen points at most) */
        for (size_t j = k; j > 0 && pts[order[j - 1]].effect_pct > pts[order[j]].effect_pct; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    double lo = log(0.8), hi = log(1.25); /* always some room around no change */
    for (size_t k = 0; k < m; k++) {
        x[k] = log1p(pts[order[k]].effect_pct);
        y[k] = 100.0 * pts[order[k]].power;
        lo = x[k] < lo ? x[k] : lo;
        hi = x[k] > hi ? x[k] : hi;
    }
    double pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
    if ((st = upl__chart_begin(720.0, 420.0, 0)) != UPL_OK)
        goto cleanup;
    upl__chart_box(0.12, 0.84, 0.15, 0.95, lo, hi, 0.0, 100.0);
    upl__chart_axis('x', UPL__AXIS_CHANGE, "True effect on completion time (log scale)");
    upl__chart_axis('y', UPL__AXIS_LINEAR, "Power (%)");
    char text[64];
    if (isfinite(alpha)) {
        snprintf(text, sizeof text, "alpha %g%%", 100.0 * alpha);
        level_line(lo, hi, 100.0 * alpha, 1, text);
    }
    if (isfinite(target)) {
        snprintf(text, sizeof text, "target %g%%", 100.0 * target);
        level_line(lo, hi, 100.0 * target, 0, text);
    }
    plcol0(UPL__COL_ARM + 1); /* the first treated arm's colour */
    plwidth(1.8);
    plline((PLINT)m, x, y);
    plwidth(1.4);
    double cap = 0.012 * (hi - lo);
    for (size_t k = 0; k < m; k++) {
        double a, b;
        if (!isfinite(pts[order[k]].power_mc_se))
            continue;
        upl__power_mc_interval(&pts[order[k]], &a, &b);
        pljoin(x[k], a, x[k], b);
        pljoin(x[k] - cap, a, x[k] + cap, a);
        pljoin(x[k] - cap, b, x[k] + cap, b);
    }
    plssym(4.0, 1.6);
    plpoin((PLINT)m, x, y, 17);
    plwidth(1.0);
    plcol0(UPL__COL_INK);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    st = upl__chart_end(id_prefix, "Power against the true effect", svg);
cleanup:
    free(order);
    free(x);
    free(y);
    return st;
}
