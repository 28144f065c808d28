/* Randomization inference as a histogram: the estimates of every re-drawn assignment,
 * those at least as far from no change as the observed one in the treated arm's colour,
 * and the observed estimate (and its mirror image: the test is two-sided). */
#include <math.h>
#include <stdio.h>

#include <plplot.h>

#include "report_internal.h"

upl_status upl__plot_ri_histogram(const upl_randomization_inference *ri, size_t control, int color,
                                  const char *id_prefix, upl_svg *svg)
{
    if (!(ri->hist_hi > ri->hist_lo) || !isfinite(ri->statistic))
        return UPL_INVALID;
    double obs = ri->statistic, lo = ri->hist_lo, hi = ri->hist_hi;
    double w = (hi - lo) / UPL_RI_HIST_BINS, top = 0.0;
    lo = -fabs(obs) < lo ? -fabs(obs) - w : lo; /* room for both reference lines */
    hi = fabs(obs) > hi ? fabs(obs) + w : hi;
    for (size_t i = 0; i < UPL_RI_HIST_BINS; i++)
        top = ri->hist[i] > top ? ri->hist[i] : top;
    top = 100.0 * top * 1.12;
    if (!(top > 0.0))
        return UPL_INVALID;
    upl_status st = upl__chart_begin(720.0, 400.0, control);
    if (st != UPL_OK)
        return st;
    upl__chart_box(0.12, 0.96, 0.15, 0.90, lo, hi, 0.0, top);
    upl__chart_axis('x', UPL__AXIS_CHANGE,
                    "Effect on completion time under a re-drawn assignment "
                    "(log scale)");
    upl__chart_axis('y', UPL__AXIS_LINEAR, "Share of re-drawn assignments (%)");
    for (size_t i = 0; i < UPL_RI_HIST_BINS; i++) {
        double x0 = ri->hist_lo + w * (double)i, x1 = x0 + w, mid = 0.5 * (x0 + x1);
        if (!(ri->hist[i] > 0.0))
            continue;
        PLFLT x[4] = {x0, x0, x1, x1}, y[4] = {0.0, 100.0 * ri->hist[i], 100.0 * ri->hist[i], 0.0};
        plcol0(fabs(mid) >= fabs(obs) ? color : UPL__COL_REF);
        plfill(4, x, y);
        plcol0(UPL__COL_BG);
        plwidth(0.6);
        plline(4, x, y);
    }
    plwidth(2.0);
    plcol0(color);
    pljoin(obs, 0.0, obs, top);
    plcol0(UPL__COL_INK);
    /* the mirror image dashed, as the caption says: 4 mm dashes, 2.5 mm gaps (PLplot's
     * style 2, 1 mm on and off, reads as dots at this width) */
    PLINT mark = 4000, space = 2500;
    plstyl(1, &mark, &space);
    pljoin(-obs, 0.0, -obs, top);
    pllsty(1);
    plwidth(1.0);
    char text[96];
    snprintf(text, sizeof text, "observed %+.1f%%", 100.0 * expm1(obs));
    plcol0(UPL__COL_INK);
    plptex(obs, 0.95 * top, 1.0, 0.0, obs >= 0 ? 1.02 : -0.02, text);
    plcol0(UPL__COL_INK);
    plbox("bc", 0.0, 0, "bc", 0.0, 0); /* the frame over the bars */
    return upl__chart_end(id_prefix,
                          "Randomization inference: estimates under re-drawn assignments", svg);
}
