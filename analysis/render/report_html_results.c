/* The HTML report's analysis sections: primary result and SE panel, per-participant
 * forest plot, forecast vs actual, perception, agreement, subgroups, randomization
 * inference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "report_html.h"

/* Appends to a chart's caption that n_cut intervals run past the axis, when any do. */
static void cut_note(char *caption, size_t size, size_t n_cut)
{
    size_t used = strlen(caption);
    if (n_cut == 0 || used + 1 >= size)
        return;
    snprintf(caption + used, size - used,
             " %zu interval%s longer than the axis: cut at its edge (arrowhead); the figures "
             "at the right are the whole interval%s.",
             n_cut, n_cut == 1 ? " is" : "s are", n_cut == 1 ? "" : "s");
}

static void se_panel(upl__html *h, size_t e)
{
    const upl_analysis_result *r = h->in->result;
    const upl_effect *eff = &r->effects[e];
    char k[96], t[64];
    upl__interval_row rows[2 * UPL_SE_TYPE_COUNT];
    char labels[2 * UPL_SE_TYPE_COUNT][32];
    size_t n = 0;
    long arm = upl__html_arm_index(h->in->dataset, eff->arm);
    upl__html_printf(h, "<h3>Standard-error panel: ");
    upl__html_arm_name(h, eff->arm);
    upl__html_printf(
        h,
        " vs %s</h3>\n<table>\n<tr><th>SE type</th><th>interval</th><th class=\"r\">SE "
        "(log)</th><th class=\"r\">df</th><th class=\"r\">change in time</th><th "
        "class=\"r\">%g%% interval</th><th class=\"r\">p</th></tr>\n",
        r->control_arm ? r->control_arm : "control", 100.0 * r->spec.level);
    for (size_t i = 0; i < r->n_panel; i++) {
        const upl_panel_entry *pe = &r->panel[i];
        if (pe->effect != e)
            continue;
        int chosen = pe->se_type == r->spec.se_type && pe->dist == r->spec.dist;
        upl__html_raw(h, chosen ? "<tr class=\"chosen\">" : "<tr>");
        upl__html_printf(h, "<td>%s%s</td><td>%s</td><td class=\"r\">",
                         upl_se_type_name(pe->se_type), chosen ? " (chosen)" : "",
                         pe->dist == UPL_DIST_T ? "t" : "normal");
        snprintf(k, sizeof k, "se_panel[%zu].se", i);
        upl__html_fmt_fixed(t, sizeof t, pe->est.se, 4);
        upl__html_num(h, k, pe->est.se, t);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].df", i);
        upl__html_fmt_fixed(t, sizeof t, pe->est.df, 1);
        upl__html_num(h, k, pe->est.df, t);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].pct", i);
        upl__html_num_pct(h, k, pe->est.pct);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].pct_ci", i);
        upl__html_num_interval(h, k, pe->est.pct_lo, pe->est.pct_hi);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].p", i);
        upl__html_fmt_p(t, sizeof t, pe->est.p);
        upl__html_num(h, k, pe->est.p, t);
        upl__html_printf(h, "</td></tr>\n");
        if (n < 2 * UPL_SE_TYPE_COUNT) {
            snprintf(labels[n], sizeof labels[n], "%s, %s%s", upl_se_type_name(pe->se_type),
                     pe->dist == UPL_DIST_T ? "t" : "z", chosen ? " (chosen)" : "");
            rows[n].label = labels[n];
            rows[n].pct = pe->est.defined ? pe->est.pct : NAN;
            rows[n].lo = pe->est.pct_lo;
            rows[n].hi = pe->est.pct_hi;
            rows[n].color = (int)(UPL__COL_ARM + (arm >= 0 ? (size_t)arm : 1));
            rows[n].emphasis = chosen;
            n++;
        }
    }
    upl__html_printf(h, "</table>\n");
    upl_svg svg;
    char id[48], title[160];
    snprintf(id, sizeof id, "se-panel-%zu", e);
    snprintf(title, sizeof title, "Effect of %s on completion time under every standard error",
             eff->arm);
    size_t n_cut = 0;
    upl_status st =
        upl__plot_intervals(rows, n, h->in->dataset->control,
                            "Change in completion time (log scale)", id, title, &svg, &n_cut);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    char fig[64], caption[512];
    snprintf(fig, sizeof fig, "fig-se-panel-%zu", e);
    snprintf(caption, sizeof caption,
             "%s: the same point estimate with the %g%% interval of every standard-error type "
             "(bold: the one chosen). Undefined types (cluster-robust with fewer than two "
             "participants) have no interval.",
             title, 100.0 * r->spec.level);
    cut_note(caption, sizeof caption, n_cut);
    upl__html_figure(h, fig, &svg, caption);
}

/* The result in one sentence per arm, at the top of the page. */
void upl__html_headlines(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    char k[96], t[96], words[96];
    if (!r) {
        upl__html_printf(
            h, "<p class=\"warning\"><strong>No result yet:</strong> the analysis cannot run on "
               "this study (");
        upl__html_printf(h, "%s",
                         h->in->analysis_error ? h->in->analysis_error : "no reason given");
        upl__html_printf(h, "). This report shows the study's progress.</p>\n");
        return;
    }
    for (size_t e = 0; e < r->n_effects; e++) {
        const upl_effect *eff = &r->effects[e];
        upl__report_change_words(words, sizeof words, eff->est.pct);
        upl__html_printf(h, "<p class=\"headline\">Tasks in the ");
        upl__html_arm_name(h, eff->arm);
        upl__html_printf(h, " arm %s than in the %s arm (%g%% interval ", words,
                         r->control_arm ? r->control_arm : "control", 100.0 * r->spec.level);
        snprintf(k, sizeof k, "effects[%zu].pct_ci", e);
        upl__html_num_interval(h, k, eff->est.pct_lo, eff->est.pct_hi);
        snprintf(k, sizeof k, "effects[%zu].p", e);
        upl__html_fmt_p(t, sizeof t, eff->est.p);
        upl__html_printf(h, t[0] == '<' ? ", p " : ", p = "); /* not "p = <0.001" */
        upl__html_num(h, k, eff->est.p, t);
        upl__html_printf(h, ").");
        if (isfinite(eff->est.pct_lo) && isfinite(eff->est.pct_hi))
            upl__html_printf(
                h, " %s",
                eff->est.pct_lo <= 0.0 && eff->est.pct_hi >= 0.0
                    ? "The interval includes no change: these data cannot tell a slowdown from "
                      "a speed-up."
                : eff->est.pct_lo > 0.0 ? "The whole interval is a slowdown."
                                        : "The whole interval is a speed-up.");
        upl__html_printf(
            h,
            "<br><small>Primary analysis: %zu tasks from %zu participants, %s standard errors, "
            "%s interval.</small></p>\n",
            r->n, r->clusters, upl_se_type_name(r->spec.se_type),
            r->spec.dist == UPL_DIST_T ? "t" : "normal");
    }
}

void upl__html_section_primary(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    char k[96], t[96];
    upl__html_printf(h, "<section id=\"primary\">\n<h2>Primary result</h2>\n");
    for (size_t i = 0; i < r->n_warnings; i++) {
        upl__html_printf(h, "<p class=\"warning\"><strong>Warning:</strong> ");
        upl__html_printf(h, "%s", r->warnings[i]);
        upl__html_printf(h, "</p>\n");
    }
    upl__html_printf(
        h,
        "<table>\n<tr><th>arm</th><th class=\"r\">tasks</th><th class=\"r\">coef (log)</th>"
        "<th class=\"r\">SE</th><th class=\"r\">df</th><th class=\"r\">change in time</th>"
        "<th class=\"r\">%g%% interval</th><th class=\"r\">p</th></tr>\n",
        100.0 * r->spec.level);
    for (size_t e = 0; e < r->n_effects; e++) {
        const upl_effect *eff = &r->effects[e];
        upl__html_printf(h, "<tr><td>");
        upl__html_arm_name(h, eff->arm);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].n_arm", e);
        snprintf(t, sizeof t, "%zu", eff->n_arm);
        upl__html_num(h, k, (double)eff->n_arm, t);
        static const char *const fields[] = {"coef", "se", "df"};
        const double vals[] = {eff->est.coef, eff->est.se, eff->est.df};
        const int dec[] = {4, 4, 1};
        for (int f = 0; f < 3; f++) {
            upl__html_printf(h, "</td><td class=\"r\">");
            snprintf(k, sizeof k, "effects[%zu].%s", e, fields[f]);
            upl__html_fmt_fixed(t, sizeof t, vals[f], dec[f]);
            upl__html_num(h, k, vals[f], t);
        }
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].pct", e);
        upl__html_num_pct(h, k, eff->est.pct);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].pct_ci", e);
        upl__html_num_interval(h, k, eff->est.pct_lo, eff->est.pct_hi);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].p", e);
        upl__html_fmt_p(t, sizeof t, eff->est.p);
        upl__html_num(h, k, eff->est.p, t);
        upl__html_printf(h, "</td></tr>\n");
    }
    upl__html_printf(h, "</table>\n");
    if (r->ratio_of_means) {
        upl__html_printf(h, "<p>Ratio of mean times (treated / control - 1): ");
        upl__html_num_pct(h, "ratio_of_means.pct", r->ratio_of_means->pct);
        upl__html_printf(h, ", percentile interval ");
        upl__html_num_interval(h, "ratio_of_means.pct_ci", r->ratio_of_means->pct_lo,
                               r->ratio_of_means->pct_hi);
        upl__html_printf(h, " (BCa ");
        upl__html_num_interval(h, "ratio_of_means.pct_ci_bca", r->ratio_of_means->bca_lo,
                               r->ratio_of_means->bca_hi);
        upl__html_printf(h, ") from %zu bootstrap resamples of participants.</p>\n",
                         r->ratio_of_means->bootstrap);
    } else {
        upl__html_not_computed(
            h, "the ratio of mean times needs a cluster bootstrap (--bootstrap N).");
    }
    if (r->compliance) {
        const upl_compliance *c = r->compliance;
        char t1[32];
        upl__html_printf(h, "<p>Compliance: AI not used in ");
        snprintf(t1, sizeof t1, "%.1f%%", 100.0 * c->treated_nonuse);
        upl__html_num(h, "compliance.treated_nonuse", c->treated_nonuse,
                      isfinite(c->treated_nonuse) ? t1 : "\u2013");
        upl__html_printf(h, " of the treated tasks that recorded it; AI used in ");
        snprintf(t1, sizeof t1, "%.1f%%", 100.0 * c->control_use);
        upl__html_num(h, "compliance.control_use", c->control_use,
                      isfinite(c->control_use) ? t1 : "\u2013");
        upl__html_printf(
            h, " of the control tasks. Effect of actually using AI (two-stage least squares, "
               "assignment as the instrument): ");
        upl__html_num_pct(h, "compliance.iv.pct", c->iv.pct);
        upl__html_printf(h, " ");
        upl__html_num_interval(h, "compliance.iv.pct_ci", c->iv.pct_lo, c->iv.pct_hi);
        upl__html_printf(h, ".</p>\n");
    }
    for (size_t e = 0; e < r->n_effects && h->st == UPL_OK; e++)
        se_panel(h, e);
    upl__html_printf(h, "</section>\n");
}

void upl__html_section_participants(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    upl__html_printf(h, "<section id=\"participants\">\n<h2>Effect by participant</h2>\n");
    if (!r->per_participant) {
        upl__html_not_computed(h, "per-participant effects are not part of this analysis.");
        upl__html_printf(h, "</section>\n");
        return;
    }
    size_t n = r->n_per_participant;
    upl__interval_row *rows = calloc(n + 1, sizeof *rows);
    if (!rows) {
        h->st = UPL_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const upl_participant_effect *pe = &r->per_participant[i];
        rows[i].label = pe->participant ? pe->participant : "?";
        rows[i].pct = pe->pct;
        rows[i].lo = pe->pct_lo;
        rows[i].hi = pe->pct_hi;
        rows[i].color = UPL__COL_MUTED;
    }
    if (r->n_effects) {
        rows[n].label = "All participants";
        rows[n].pct = r->effects[0].est.pct;
        rows[n].lo = r->effects[0].est.pct_lo;
        rows[n].hi = r->effects[0].est.pct_hi;
        long a = upl__html_arm_index(h->in->dataset, r->effects[0].arm);
        rows[n].color = (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1));
        rows[n].emphasis = 1;
    }
    upl_svg svg;
    size_t n_cut = 0;
    upl_status st =
        upl__plot_intervals(rows, n + (r->n_effects ? 1 : 0), h->in->dataset->control,
                            "Change in completion time with AI (log scale)", "participants",
                            "Effect of AI by participant", &svg, &n_cut);
    free(rows);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    char caption[512] = "Forest plot: each participant's change in completion time with its "
                        "interval; the bottom row is the pooled estimate. Participants with "
                        "few tasks have wide intervals.";
    cut_note(caption, sizeof caption, n_cut);
    upl__html_figure(h, "fig-participants", &svg, caption);
    char ts[32], te[32];
    snprintf(ts, sizeof ts, "%zu", r->per_participant_slowdown);
    snprintf(te, sizeof te, "%zu", r->per_participant_estimated);
    upl__html_printf(h, "<p>");
    upl__html_num(h, "per_participant_summary.slowdown", (double)r->per_participant_slowdown, ts);
    upl__html_printf(h, " of the ");
    upl__html_num(h, "per_participant_summary.estimated", (double)r->per_participant_estimated, te);
    upl__html_printf(
        h, " participants with an estimate (tasks in both arms) have a point estimate of a "
           "slowdown; each participant's own regression uses classical standard errors.</p>\n");
    upl__html_printf(
        h, "<table>\n<tr><th>participant</th><th class=\"r\">tasks</th><th class=\"r\">change in "
           "time</th><th class=\"r\">interval</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const upl_participant_effect *pe = &r->per_participant[i];
        char k[64];
        upl__html_printf(h, "<tr><td>");
        upl__html_printf(h, "%s", pe->participant);
        upl__html_printf(h, "</td><td class=\"r\">%zu</td><td class=\"r\">", pe->n);
        snprintf(k, sizeof k, "per_participant[%zu].pct", i);
        upl__html_num_pct(h, k, pe->pct);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "per_participant[%zu].pct_ci", i);
        upl__html_num_interval(h, k, pe->pct_lo, pe->pct_hi);
        upl__html_printf(h, "</td></tr>\n");
    }
    upl__html_printf(h, "</table>\n</section>\n");
}

void upl__html_section_forecast(upl__html *h)
{
    upl_svg svg;
    size_t n = 0;
    upl__html_printf(h, "<section id=\"forecast\">\n<h2>Forecast and actual time</h2>\n");
    upl_status st = upl__plot_forecast_scatter(h->in->dataset, h->in->result, "forecast", &svg, &n);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    if (n == 0) {
        upl__html_not_computed(h, "no analysed task has a forecast for its assigned condition.");
    } else {
        char caption[320];
        snprintf(caption, sizeof caption,
                 "Each dot is one of %zu analysed tasks: the participant's forecast for the "
                 "condition the task was assigned to, against the time it took (%s). Dots "
                 "above the dashed line took longer than forecast.",
                 n, upl_outcome_name(h->in->result->spec.outcome));
        upl__html_figure(h, "fig-forecast", &svg, caption);
    }
    upl__html_printf(h, "</section>\n");
}

void upl__html_section_perception(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    upl__html_printf(h, "<section id=\"perception\">\n<h2>Perception and reality</h2>\n");
    if (!r->perception || !r->n_effects) {
        upl__html_not_computed(h, "the perceived effects and their gaps need a cluster bootstrap "
                                  "(--bootstrap N).");
        upl__html_printf(h, "</section>\n");
        return;
    }
    const upl_perception *pc = r->perception;
    long a = upl__html_arm_index(h->in->dataset, r->effects[0].arm);
    int arm_col = (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1));
    size_t n = 0, n_rows = 3 + pc->n_predictions;
    upl__interval_row *rows = calloc(n_rows, sizeof *rows);
    char(*labels)[96] = calloc(pc->n_predictions + 1, sizeof *labels);
    if (!rows || !labels) {
        free(rows);
        free(labels);
        h->st = UPL_NOMEM;
        return;
    }
    rows[n++] = (upl__interval_row){"Forecast before the task",
                                    pc->forecast_pct,
                                    pc->forecast_lo,
                                    pc->forecast_hi,
                                    UPL__COL_MUTED,
                                    0};
    rows[n++] = (upl__interval_row){"Believed afterwards", pc->posthoc_pct, pc->posthoc_lo,
                                    pc->posthoc_hi,        UPL__COL_MUTED,  0};
    for (size_t i = 0; i < pc->n_predictions; i++) {
        snprintf(labels[i], sizeof labels[i], "Predicted by %s",
                 pc->predictions[i].group ? pc->predictions[i].group : "?");
        rows[n++] = (upl__interval_row){labels[i],
                                        pc->predictions[i].pct,
                                        pc->predictions[i].pct_lo,
                                        pc->predictions[i].pct_hi,
                                        UPL__COL_MUTED,
                                        0};
    }
    rows[n++] = (upl__interval_row){"Measured",
                                    r->effects[0].est.pct,
                                    r->effects[0].est.pct_lo,
                                    r->effects[0].est.pct_hi,
                                    arm_col,
                                    1};
    upl_svg svg;
    upl_status st = upl__plot_intervals(
        rows, n, h->in->dataset->control, "Change in completion time with AI (log scale)",
        "perception", "Perceived and measured effect of AI", &svg, NULL);
    free(rows);
    free(labels);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    upl__html_figure(
        h, "fig-perception", &svg,
        pc->n_predictions
            ? "What participants forecast before each task and believed afterwards, and what "
              "outside groups predicted (their mean, with the interval from resampling "
              "their predictions), against the measured effect, each with its interval."
            : "What participants forecast before each task and believed afterwards, against "
              "the measured effect, each with its interval. No outside predictions are "
              "recorded.");
    upl__html_printf(
        h, "<table>\n<tr><th></th><th class=\"r\">change in time</th><th class=\"r\">interval"
           "</th></tr>\n<tr><td>Forecast (mean forecast with AI / without AI - 1)</td>"
           "<td class=\"r\">");
    upl__html_num_pct(h, "perception.forecast_pct", pc->forecast_pct);
    upl__html_printf(h, "</td><td class=\"r\">");
    upl__html_num_interval(h, "perception.forecast_pct_ci", pc->forecast_lo, pc->forecast_hi);
    upl__html_printf(
        h, "</td></tr>\n<tr><td>Believed afterwards (mean perceived effect, AI tasks)</td>"
           "<td class=\"r\">");
    upl__html_num_pct(h, "perception.posthoc_pct", pc->posthoc_pct);
    upl__html_printf(h, "</td><td class=\"r\">");
    upl__html_num_interval(h, "perception.posthoc_pct_ci", pc->posthoc_lo, pc->posthoc_hi);
    upl__html_printf(h, "</td></tr>\n<tr><td>Gap: measured minus forecast</td><td class=\"r\">");
    upl__html_num_pct(h, "perception.gap_forecast", pc->gap_forecast);
    upl__html_printf(h, "</td><td class=\"r\">");
    upl__html_num_interval(h, "perception.gap_forecast_ci", pc->gap_forecast_lo,
                           pc->gap_forecast_hi);
    upl__html_printf(h, "</td></tr>\n<tr><td>Gap: measured minus believed</td><td class=\"r\">");
    upl__html_num_pct(h, "perception.gap_posthoc", pc->gap_posthoc);
    upl__html_printf(h, "</td><td class=\"r\">");
    upl__html_num_interval(h, "perception.gap_posthoc_ci", pc->gap_posthoc_lo, pc->gap_posthoc_hi);
    upl__html_printf(h, "</td></tr>\n");
    for (size_t i = 0; i < pc->n_predictions; i++) {
        const upl_prediction_gap *g = &pc->predictions[i];
        char k[96];
        upl__html_printf(h, "<tr><td>Predicted by ");
        upl__html_printf(h, "%s", g->group);
        upl__html_printf(h, " (mean of %zu)</td><td class=\"r\">", g->n);
        snprintf(k, sizeof k, "perception.predictions[%zu].pct", i);
        upl__html_num_pct(h, k, g->pct);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "perception.predictions[%zu].pct_ci", i);
        upl__html_num_interval(h, k, g->pct_lo, g->pct_hi);
        upl__html_printf(h, "</td></tr>\n<tr><td>Gap: measured minus ");
        upl__html_printf(h, "%s", g->group);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "perception.predictions[%zu].gap", i);
        upl__html_num_pct(h, k, g->gap);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "perception.predictions[%zu].gap_ci", i);
        upl__html_num_interval(h, k, g->gap_lo, g->gap_hi);
        upl__html_printf(h, "</td></tr>\n");
    }
    upl__html_printf(
        h,
        "</table>\n<p>Intervals from %zu bootstrap resamples of participants (percentile). A "
        "positive gap means people believe AI saves more time than it does.</p>\n</section>\n",
        pc->bootstrap);
}

void upl__html_section_agreement(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    upl_svg svg;
    size_t n = 0;
    upl__html_printf(h, "<section id=\"agreement\">\n<h2>Self-reported and measured time</h2>\n");
    upl_status st = upl__plot_agreement(h->in->dataset, r, "agreement", &svg, &n);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    if (n == 0) {
        upl__html_not_computed(h, "no task has both a measured (timer) and a self-reported time.");
    } else {
        char caption[512];
        snprintf(caption, sizeof caption,
                 "Bland-Altman plot on the log scale: for each of %zu tasks with both times, "
                 "the ratio of the self-reported to the measured time against their geometric "
                 "mean. Dots above the grey line at 1x were reported as longer than measured; "
                 "the black lines, when drawn, are the mean ratio (solid) and the 95%% limits "
                 "of agreement (dashed).",
                 n);
        upl__html_figure(h, "fig-agreement", &svg, caption);
    }
    if (r->agreement) {
        const upl_agreement *a = r->agreement;
        char t[64];
        upl__html_printf(h, "<p>Over %zu tasks, reported time was on average ", a->n);
        snprintf(t, sizeof t, "%.3f", a->ratio);
        upl__html_num(h, "agreement.ratio", a->ratio, t);
        upl__html_printf(h, " times the measured time (interval ");
        snprintf(t, sizeof t, "%.3f", a->ratio_lo);
        upl__html_num(h, "agreement.ratio_ci[0]", a->ratio_lo, t);
        upl__html_printf(h, " to ");
        snprintf(t, sizeof t, "%.3f", a->ratio_hi);
        upl__html_num(h, "agreement.ratio_ci[1]", a->ratio_hi, t);
        upl__html_printf(h, "); 95%% limits of agreement ");
        snprintf(t, sizeof t, "%.3f", a->loa_lo);
        upl__html_num(h, "agreement.loa[0]", a->loa_lo, t);
        upl__html_printf(h, " to ");
        snprintf(t, sizeof t, "%.3f", a->loa_hi);
        upl__html_num(h, "agreement.loa[1]", a->loa_hi, t);
        upl__html_printf(h, "; correlation of the logs ");
        snprintf(t, sizeof t, "%.3f", a->r);
        upl__html_num(h, "agreement.r", a->r, t);
        upl__html_printf(h, ". Effect on measured time ");
        upl__html_num_pct(h, "agreement.effect_measured.pct", a->effect_measured.pct);
        upl__html_printf(h, ", on reported time ");
        upl__html_num_pct(h, "agreement.effect_reported.pct", a->effect_reported.pct);
        upl__html_printf(h, ".</p>\n");
    } else {
        upl__html_not_computed(h,
                               "the agreement statistics (mean ratio, limits of agreement) are not "
                               "part of this analysis.");
    }
    upl__html_printf(h, "</section>\n");
}

void upl__html_section_subgroups(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    upl__html_printf(h, "<section id=\"subgroups\">\n<h2>Where AI helps and where it hurts</h2>\n");
    if (!r->subgroups) {
        upl__html_not_computed(h,
                               "subgroup effects need a column to split on (--subgroup category).");
        upl__html_printf(h, "</section>\n");
        return;
    }
    const upl_subgroups *s = r->subgroups;
    upl__interval_row *rows = calloc(s->n_levels + 1, sizeof *rows);
    if (!rows) {
        h->st = UPL_NOMEM;
        return;
    }
    long a = r->n_effects ? upl__html_arm_index(h->in->dataset, r->effects[0].arm) : -1;
    for (size_t i = 0; i < s->n_levels; i++) {
        rows[i].label = s->levels[i].level ? s->levels[i].level : "(none)";
        rows[i].pct = s->levels[i].pct;
        rows[i].lo = s->levels[i].pct_lo;
        rows[i].hi = s->levels[i].pct_hi;
        rows[i].color = (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1));
    }
    upl_svg svg;
    char title[160];
    snprintf(title, sizeof title, "Effect of AI by %s", s->column ? s->column : "subgroup");
    size_t n_cut = 0;
    upl_status st = upl__plot_intervals(rows, s->n_levels, h->in->dataset->control,
                                        "Change in completion time with AI (log scale)",
                                        "subgroups", title, &svg, &n_cut);
    free(rows);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    char caption[512] = "Effect in each subgroup from the interaction model, with Wald "
                        "intervals.";
    cut_note(caption, sizeof caption, n_cut);
    upl__html_figure(h, "fig-subgroups", &svg, caption);
    char t[64];
    upl__html_printf(h, "<p>Test that the effect is the same in every level: ");
    if (s->test && isfinite(s->stat)) {
        upl__html_printf(h, "%s", s->test);
        if (isfinite(s->df2))
            upl__html_printf(h, "(%g, %.1f)", s->df1, s->df2);
        else
            upl__html_printf(h, "(%g)", s->df1);
        upl__html_printf(h, " = ");
        upl__html_fmt_fixed(t, sizeof t, s->stat, 2);
        upl__html_num(h, "subgroups.heterogeneity_test.value", s->stat, t);
        upl__html_printf(h, ", ");
    }
    upl__html_fmt_p(t, sizeof t, s->heterogeneity_p);
    upl__html_printf(h, t[0] == '<' ? "p " : "p = ");
    upl__html_num(h, "subgroups.heterogeneity_p", s->heterogeneity_p, t);
    if (s->excluded)
        upl__html_printf(
            h, " (%zu tasks without a level, or in a level without tasks in both arms, left out)",
            s->excluded);
    upl__html_printf(h, ".</p>\n<table>\n<tr><th>");
    upl__html_printf(h, "%s", s->column);
    upl__html_printf(h, "</th><th class=\"r\">tasks</th><th class=\"r\">change in time</th><th "
                        "class=\"r\">interval</th></tr>\n");
    for (size_t i = 0; i < s->n_levels; i++) {
        char k[64];
        upl__html_printf(h, "<tr><td>");
        upl__html_printf(h, "%s", s->levels[i].level);
        upl__html_printf(h, "</td><td class=\"r\">%zu</td><td class=\"r\">", s->levels[i].n);
        snprintf(k, sizeof k, "subgroups.levels[%zu].pct", i);
        upl__html_num_pct(h, k, s->levels[i].pct);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "subgroups.levels[%zu].pct_ci", i);
        upl__html_num_interval(h, k, s->levels[i].pct_lo, s->levels[i].pct_hi);
        upl__html_printf(h, "</td></tr>\n");
    }
    upl__html_printf(h, "</table>\n</section>\n");
}

void upl__html_section_ri(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    upl__html_printf(
        h, "<section id=\"randomization-inference\">\n<h2>Randomization inference</h2>\n");
    if (!r->randomization_inference) {
        upl__html_not_computed(h, "randomization inference needs re-drawn assignments "
                                  "(--permutations N).");
    } else {
        const upl_randomization_inference *ri = r->randomization_inference;
        char t[64];
        upl__html_printf(h, "<p>Re-drawing the assignment %s%zu times with the %s design (",
                         ri->exact ? "" : "at random ", ri->permutations,
                         h->in->study ? "study's own" : "chosen");
        upl__html_printf(h, "%s", ri->design ? ri->design : "?");
        upl__html_printf(h, ") gives a two-sided p-value of ");
        upl__html_fmt_p(t, sizeof t, ri->p);
        upl__html_num(h, "randomization_inference.p", ri->p, t);
        upl__html_printf(h, " (Monte Carlo standard error ");
        upl__html_fmt_fixed(t, sizeof t, ri->p_mc_se, 4);
        upl__html_num(h, "randomization_inference.p_mc_se", ri->p_mc_se, t);
        upl__html_printf(h, ")%s. The observed coefficient is ",
                         ri->exact ? ", exact: every possible assignment "
                                     "enumerated"
                                   : "");
        upl__html_fmt_fixed(t, sizeof t, ri->statistic, 4);
        upl__html_num(h, "randomization_inference.statistic", ri->statistic, t);
        upl__html_printf(h, " on the log scale");
        if (ri->dropped)
            upl__html_printf(h, "; %zu draws without a treated or control task were left out",
                             ri->dropped);
        upl__html_printf(h, ".</p>\n");
        if (ri->hist_hi > ri->hist_lo) {
            long a = r->n_effects ? upl__html_arm_index(h->in->dataset, r->effects[0].arm) : -1;
            upl_svg svg;
            upl_status st =
                upl__plot_ri_histogram(ri, h->in->dataset->control,
                                       (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1)), "ri", &svg);
            if (st != UPL_OK) {
                h->st = st;
                return;
            }
            upl__html_figure(
                h, "fig-ri", &svg,
                "Histogram of the effect estimated under each re-drawn assignment (the "
                "sharp null of no effect on any task). Coloured bars: estimates at least as "
                "far from no change as the observed one (solid line; dashed: its mirror "
                "image); their share is the p-value.");
        } else {
            upl__html_not_computed(
                h, "the distribution of the re-drawn estimates (for a histogram) is "
                   "not part of this analysis.");
        }
    }
    upl__html_printf(h, "</section>\n");
}

/* issue 16: the wild cluster restricted bootstrap, one row per arm (only when asked for). */
void upl__html_section_wild(upl__html *h)
{
    const upl_analysis_result *r = h->in->result;
    const upl_wild_effect *w0 = &r->wild_bootstrap[0];
    upl__html_printf(
        h, "<section id=\"wild-bootstrap\">\n<h2>Wild cluster restricted bootstrap</h2>\n");
    upl__html_printf(h,
                     "<p>The effect's test with few participants, as the econometrics literature "
                     "recommends it (MacKinnon, Nielsen and Webb 2023): the null of no effect is "
                     "imposed, each participant's residuals are multiplied by one %s weight, and "
                     "the bootstrap t statistic uses the CR1 variance. %s The interval collects "
                     "the effects the test does not reject at the %g%% level.</p>\n",
                     w0->weights,
                     w0->enumerated ? "Every sign vector is used, so the p-value is exact."
                                    : "The weights are drawn at random (Monte Carlo).",
                     100.0 * r->spec.level);
    upl__html_printf(h,
                     "<table>\n<tr><th>arm</th><th class=\"r\">replicates</th>"
                     "<th class=\"r\">p</th><th class=\"r\">time</th><th class=\"r\">%g%% "
                     "interval</th></tr>\n",
                     100.0 * r->spec.level);
    for (size_t i = 0; i < r->n_effects; i++) {
        const upl_wild_effect *w = &r->wild_bootstrap[i];
        char k[64], t[64];
        upl__html_printf(h, "<tr><td>");
        upl__html_arm_name(h, w->arm);
        upl__html_printf(h, "</td><td class=\"r\">%zu</td><td class=\"r\">", w->replicates);
        upl__html_fmt_p(t, sizeof t, w->p);
        snprintf(k, sizeof k, "wild_bootstrap[%zu].p", i);
        upl__html_num(h, k, w->p, t);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].pct", i);
        upl__html_num_pct(h, k, r->effects[i].est.pct);
        upl__html_printf(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "wild_bootstrap[%zu].pct_ci", i);
        upl__html_num_interval(h, k, w->pct_lo, w->pct_hi);
        upl__html_printf(h, "</td></tr>\n");
    }
    upl__html_printf(h, "</table>\n</section>\n");
}
