/* A power curve as a page: `uplift power --curve ... --out FILE`.  HTML with the study
 * report's style sheet and chart canvas (one PLplot chart: power against the effect
 * with Monte Carlo error bars), or Markdown with the same text and table. */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_version.h>
#include <plplot.h>

#include "report_html.h"

/* The design and the analysis in one sentence each, as `uplift power` prints them. */
static void describe(const upl_power_report *in, char *design, size_t dsize, char *analysis,
                     size_t asize)
{
    const upl_sim_params *p = in->design;
    const upl_model_spec *m = in->model;
    const upl_power_result *r = in->result;
    char tasks[64];
    if (p->tasks_min == p->tasks_max)
        snprintf(tasks, sizeof tasks, "%zu tasks each", p->tasks_min);
    else
        snprintf(tasks, sizeof tasks, "%zu-%zu tasks each", p->tasks_min, p->tasks_max);
    snprintf(design, dsize, "%zu participants, %s, %s randomization, seed %lu", p->participants,
             tasks, upl_sim_scheme_name(p->scheme), p->seed);
    int cov = m->covariate != UPL_COVARIATE_NONE;
    snprintf(analysis, asize,
             "log(%s time) ~ arm%s%s%s, %s standard error, %s test at alpha %g, %zu simulated "
             "studies per point",
             upl_outcome_name(m->outcome), cov ? " + " : "",
             cov ? upl_covariate_name(m->covariate) : "",
             m->participant_fe ? " + participant FE" : "", upl_se_type_name(r->se_type),
             upl_dist_name(r->dist), r->alpha, r->sims);
}

void upl__power_mc_interval(const upl_power_result *r, double *lo, double *hi)
{
    *lo = fmax(0.0, 100.0 * (r->power - 1.96 * r->power_mc_se));
    *hi = fmin(100.0, 100.0 * (r->power + 1.96 * r->power_mc_se));
}

upl_status upl_power_report_render_html(const upl_power_report *in, FILE *out)
{
    upl__html h = {out, NULL, UPL_OK};
    if (!in->n_curve || !in->curve)
        return UPL_INVALID;
    char design[256], analysis[320], when[64], plver[80] = "";
    describe(in, design, sizeof design, analysis, sizeof analysis);
    upl__report_time(when, sizeof when, in->generated_at);
    plgver(plver);
    upl__html_printf(&h,
                     "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"uplift ");
    upl__html_printf(&h, "%s", in->uplift_version ? in->uplift_version : "");
    upl__html_printf(&h, "\">\n<title>Power curve - uplift</title>\n<style>");
    upl__html_raw(&h, upl__html_css);
    upl__html_printf(&h, "</style>\n</head>\n"
                         "<body>\n<header>\n<h1>Power curve</h1>\n<p class=\"sub\">How often a "
                         "study of this design finds the effect of AI on completion time, by "
                         "simulation.</p>\n</header>\n<main>\n<section id=\"design\">\n"
                         "<table>\n<tr><th>Design</th><td>");
    upl__html_printf(&h, "%s", design);
    upl__html_printf(&h, "</td></tr>\n<tr><th>Analysis</th><td>");
    upl__html_printf(&h, "%s", analysis);
    upl__html_printf(&h, "</td></tr>\n");
    if (in->mde)
        upl__html_printf(&h,
                         "<tr><th>Minimum detectable effect</th><td>%+.1f%% (or %+.1f%% as a "
                         "saving) at power %.2f; power there %.3f (Monte Carlo SE %.3f)</td>"
                         "</tr>\n",
                         100.0 * in->mde->mde_pct, 100.0 * in->mde->mde_pct_faster, in->mde->target,
                         in->result->power, in->result->power_mc_se);
    upl__html_printf(&h, "</table>\n</section>\n<section id=\"curve\">\n<h2>Power by true "
                         "effect</h2>\n");
    upl_svg svg;
    upl_status st = upl__plot_power_curve(in->curve, in->n_curve, in->result->alpha,
                                          in->mde ? in->mde->target : NAN, "power", &svg);
    if (st != UPL_OK)
        return st;
    char caption[512];
    snprintf(caption, sizeof caption,
             "Share of %zu simulated studies per point whose test rejects no effect, against "
             "the true effect on completion time. Bars: 95%% Monte Carlo intervals (power "
             "-/+ 1.96 SE). Dashed: alpha, the power at no effect.%s",
             in->result->sims, in->mde ? " Dotted: the target power." : "");
    upl__html_figure(&h, "fig-power", &svg, caption);
    upl__html_printf(&h, "<table>\n<tr><th class=\"r\">true effect</th><th class=\"r\">power"
                         "</th><th class=\"r\">Monte Carlo SE</th><th class=\"r\">95%% Monte "
                         "Carlo interval</th><th class=\"r\">studies not analysed</th></tr>\n");
    for (size_t i = 0; i < in->n_curve; i++) {
        const upl_power_result *r = &in->curve[i];
        double lo, hi;
        upl__power_mc_interval(r, &lo, &hi);
        upl__html_printf(&h,
                         "<tr><td class=\"r\">%+.1f%%</td><td class=\"r\">%.3f</td><td "
                         "class=\"r\">%.3f</td><td class=\"r\">[%.1f%%, %.1f%%]</td><td "
                         "class=\"r\">%zu</td></tr>\n",
                         100.0 * r->effect_pct, r->power, r->power_mc_se, lo, hi, r->failed);
    }
    upl__html_printf(&h, "</table>\n<p>Every point uses the same simulated studies (common "
                         "random numbers: study s has the seed derived from the design's seed "
                         "and s), so the curve is smooth; only the effect differs.</p>\n"
                         "</section>\n</main>\n<footer id=\"reproducibility\">\n<h2>"
                         "Reproducibility</h2>\n<dl>\n<dt>uplift</dt><dd>");
    upl__html_printf(&h, "%s", in->uplift_version ? in->uplift_version : "?");
    upl__html_printf(&h, "</dd>\n<dt>GSL</dt><dd>%s</dd>\n<dt>PLplot</dt><dd>", gsl_version);
    upl__html_printf(&h, "%s", plver);
    upl__html_printf(&h,
                     "</dd>\n<dt>Generated</dt><dd>%s</dd>\n<dt>Command</dt><dd "
                     "class=\"mono\">",
                     when);
    upl__html_printf(&h, "%s", in->command_line ? in->command_line : "?");
    upl__html_printf(&h, "</dd>\n</dl>\n</footer>\n</body>\n</html>\n");
    return ferror(out) ? UPL_IO : UPL_OK;
}

upl_status upl_power_report_render_md(const upl_power_report *in, FILE *out)
{
    if (!in->n_curve || !in->curve)
        return UPL_INVALID;
    char design[256], analysis[320], when[64];
    describe(in, design, sizeof design, analysis, sizeof analysis);
    upl__report_time(when, sizeof when, in->generated_at);
    upl__md_printf(out, "# Power curve\n\nDesign: %s.\n\nAnalysis: %s.\n\n", design, analysis);
    if (in->mde)
        upl__md_printf(out,
                       "Minimum detectable effect: %+.1f%% (or %+.1f%% as a saving) at power %.2f; "
                       "power there %.3f (Monte Carlo SE %.3f).\n\n",
                       100.0 * in->mde->mde_pct, 100.0 * in->mde->mde_pct_faster, in->mde->target,
                       in->result->power, in->result->power_mc_se);
    upl__md_printf(out,
                   "| true effect | power | Monte Carlo SE | 95%% Monte Carlo interval | studies "
                   "not analysed |\n|---:|---:|---:|---:|---:|\n");
    for (size_t i = 0; i < in->n_curve; i++) {
        const upl_power_result *r = &in->curve[i];
        double lo, hi;
        upl__power_mc_interval(r, &lo, &hi);
        upl__md_printf(out, "| %+.1f%% | %.3f | %.3f | [%.1f%%, %.1f%%] | %zu |\n",
                       100.0 * r->effect_pct, r->power, r->power_mc_se, lo, hi, r->failed);
    }
    upl__md_printf(out,
                   "\nEvery point uses the same simulated studies (common random numbers), so the "
                   "curve is smooth; only the effect differs. The HTML format (`--format html`) "
                   "draws it.\n\nuplift %s, %s: ",
                   in->uplift_version ? in->uplift_version : "?", when);
    upl__md_printf(out, "%s\n", in->command_line ? in->command_line : "?");
    return ferror(out) ? UPL_IO : UPL_OK;
}
