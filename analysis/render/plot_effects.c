/* Interval charts: estimates of the change in completion time with their confidence
 * intervals, one row each (the SE panel, participants, subgroups, perception). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <plplot.h>

#include "report_internal.h"

/* log(1 + pct), or NAN when pct is not a change of time (pct <= -1). */
static double log_change(double pct)
{
    return isfinite(pct) && pct > -1.0 ? log1p(pct) : NAN;
}

/* A bound for the value labels: beyond the axis limits the digits mean nothing. */
static void bound(char *buf, size_t size, double x)
{
    if (x > 19.0)
        snprintf(buf, size, ">+1900%%");
    else
        snprintf(buf, size, "%+.1f%%", 100.0 * x);
}

static void format_change(char *buf, size_t size, const upl__interval_row *r)
{
    char p[32], a[32], b[32];
    if (!isfinite(r->pct)) {
        snprintf(buf, size, "no estimate");
        return;
    }
    bound(p, sizeof p, r->pct);
    if (isfinite(r->lo) && isfinite(r->hi)) {
        bound(a, sizeof a, r->lo);
        bound(b, sizeof b, r->hi);
        snprintf(buf, size, "%s [%s, %s]", p, a, b);
    } else {
        snprintf(buf, size, "%s", p);
    }
}

/* Least (side < 0) or greatest (side > 0) interval end of rows[] that is not far out
 * among the ends on that side (beyond the quartile by 3 interquartile ranges, Tukey's
 * "far out"), on the log scale; NAN when fewer than 4 rows have an interval. */
static double bulk_end(const upl__interval_row *rows, size_t n, int side)
{
    double *v = malloc((n + 1) * sizeof *v), q1, q3, best = NAN;
    size_t m = 0;
    if (!v)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        double e = log_change(side < 0 ? rows[i].lo : rows[i].hi);
        if (!rows[i].emphasis && isfinite(e))
            v[m++] = e;
    }
    if (m >= 4) {
        gsl_sort(v, 1, m);
        q1 = gsl_stats_quantile_from_sorted_data(v, 1, m, 0.25);
        q3 = gsl_stats_quantile_from_sorted_data(v, 1, m, 0.75);
        double fence = side < 0 ? q1 - 3.0 * (q3 - q1) : q3 + 3.0 * (q3 - q1);
        for (size_t i = 0; i < m; i++)
            if (side < 0 ? v[i] >= fence : v[i] <= fence)
                best = isfinite(best) ? (side < 0 ? fmin(best, v[i]) : fmax(best, v[i])) : v[i];
    }
    free(v);
    return best;
}

/* An arrowhead at the axis edge x on row y, pointing outwards (dir -1 left, +1 right). */
static void edge_arrow(double x, double y, double dir, double xspan)
{
    double len = 0.022 * xspan;
    PLFLT px[3] = {x, x - dir * len, x - dir * len}, py[3] = {y, y - 0.2, y + 0.2};
    plfill(3, px, py);
}

upl_status upl__plot_intervals(const upl__interval_row *rows, size_t n, size_t control,
                               const char *xlabel, const char *id_prefix, const char *title,
                               upl_svg *svg, size_t *n_cut)
{
    /* The axis holds every point estimate, the whole interval of the emphasised rows (the
     * pooled effect, the chosen SE) and the bulk of the other intervals: an interval end
     * far out among the others (a participant with five tasks, [-98%, +1700%]) would
     * squash every other row, so such ends are cut at the axis edge with an arrowhead (the
     * numbers at the right are the whole intervals).  Never beyond -95% and +1900%. */
    double lo = log(0.8), hi = log(1.25); /* always show some room around no change */
    double bulk_lo = bulk_end(rows, n, -1), bulk_hi = bulk_end(rows, n, 1);
    for (size_t i = 0; i < n; i++) {
        double v[3] = {log_change(rows[i].pct), log_change(rows[i].lo), log_change(rows[i].hi)};
        for (int j = 0; j < 3; j++) {
            if (!isfinite(v[j]))
                continue;
            if (j == 1 && !rows[i].emphasis && isfinite(bulk_lo) && v[j] < bulk_lo)
                continue;
            if (j == 2 && !rows[i].emphasis && isfinite(bulk_hi) && v[j] > bulk_hi)
                continue;
            lo = v[j] < lo ? v[j] : lo;
            hi = v[j] > hi ? v[j] : hi;
        }
    }
    lo = lo < log(0.05) ? log(0.05) : lo;
    hi = hi > log(20.0) ? log(20.0) : hi;
    double pad = 0.06 * (hi - lo);
    lo -= pad;
    hi += pad;
    if (n_cut)
        *n_cut = 0;
    double height = 80.0 + 24.0 * (double)n;
    upl_status st = upl__chart_begin(720.0, height, control);
    if (st != UPL_OK)
        return st;
    double ymin = 0.4, ymax = (double)n + 0.6;
    upl__chart_box(0.27, 0.70, 58.0 / height, 1.0 - 12.0 / height, lo, hi, ymin, ymax);
    upl__chart_axis('x', UPL__AXIS_CHANGE, xlabel);

    plcol0(UPL__COL_REF);
    pllsty(2);
    pljoin(0.0, ymin, 0.0, ymax);
    pllsty(1);
    for (size_t i = 0; i < n; i++) {
        const upl__interval_row *r = &rows[i];
        double y = (double)(n - i);
        double pos = (y - ymin) / (ymax - ymin);
        char label[160], value[160];
        upl__chart_text(label, sizeof label, r->label, 28);
        format_change(value, sizeof value, r);
        plcol0(UPL__COL_INK);
        plmtex("lv", 0.8, pos, 1.0, label);
        plschr(0.0, 0.85);
        plmtex("rv", 0.8, pos, 0.0, value);
        plschr(0.0, 1.0);
        plcol0(r->color);
        double a = log_change(r->lo), b = log_change(r->hi), x = log_change(r->pct);
        plwidth(r->emphasis ? 3.0 : 1.6);
        if (isfinite(a) && isfinite(b)) {
            int cut_a = a<lo, cut_b = b> hi;
            pljoin(cut_a ? lo : a, y, cut_b ? hi : b, y);
            if (cut_a)
                edge_arrow(lo, y, -1.0, hi - lo);
            else
                pljoin(a, y - 0.18, a, y + 0.18);
            if (cut_b)
                edge_arrow(hi, y, 1.0, hi - lo);
            else
                pljoin(b, y - 0.18, b, y + 0.18);
            if (n_cut && (cut_a || cut_b))
                (*n_cut)++;
        }
        if (isfinite(x) && x >= lo && x <= hi) {
            PLFLT px = x, py = y;
            plssym(4.0, r->emphasis || !(isfinite(a) && isfinite(b)) ? 1.6 : 1.2);
            plpoin(1, &px, &py, 17);
        }
        plwidth(1.0);
    }
    return upl__chart_end(id_prefix, title, svg);
}
