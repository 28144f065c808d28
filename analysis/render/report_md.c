/* The report as Markdown, for pasting into documents: the sections of the HTML report
 * as text and tables, without the charts. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_version.h>

#include "render_secondary.h"
#include "report_internal.h"

static const char *pval(char *buf, size_t size, double x)
{
    if (!isfinite(x))
        snprintf(buf, size, "-");
    else if (x < 0.001)
        snprintf(buf, size, "<0.001");
    else
        snprintf(buf, size, "%.3f", x);
    return buf;
}

static const char *fixed(char *buf, size_t size, double x, int decimals)
{
    if (isfinite(x))
        snprintf(buf, size, "%.*f", decimals, x);
    else
        snprintf(buf, size, "-");
    return buf;
}

static void methods_para(void *ctx, const char *text)
{
    upl__md_printf((FILE *)ctx, "%s\n\n", text);
}

static void summary(const upl_report_input *in, FILE *out)
{
    const upl_analysis_result *r = in->result;
    char t[64];
    fputs("## Study summary\n\n| | |\n|---|---|\n", out);
    if (in->study) {
        fputs("| Protocol | ", out);
        upl__md_printf(out, "%s", in->protocol ? in->protocol->title : in->study->title);
        fputs(" |\n| Protocol SHA-256 | ", out);
        upl__md_code(out, in->study->protocol_hash);
        fputs(" |\n| Study id | ", out);
        upl__md_code(out, in->study->uid);
        fputs(" |\n| Seed commitment (SHA-256) | ", out);
        upl__md_code(out, in->study->commitment);
        upl__md_printf(out, " |\n| Secret revealed | %s |\n",
                       in->study->revealed_secret ? "yes" : "no");
        upl__report_time(t, sizeof t, in->study->created_at);
        upl__md_printf(out, "| Study created | %s |\n", t);
        upl__report_time(t, sizeof t, in->study->allocation_closed_at);
        upl__md_printf(out, "| Allocation closed | %s |\n",
                       in->study->allocation_closed_at ? t : "not yet");
    } else {
        fputs("| Data | ", out);
        upl__md_printf(out, "%s", in->source);
        fputs(" (CSV: no protocol or randomization record) |\n", out);
    }
    if (in->consort)
        upl__md_printf(out, "| Participants | %zu |\n| Tasks enrolled | %zu |\n",
                       in->consort->participants, in->consort->enrolled);
    if (r)
        upl__md_printf(out, "| Tasks analysed | %zu of %zu, %zu participants |\n", r->n,
                       r->counts.input, r->clusters);
    else
        fputs("| Tasks analysed | none yet |\n", out);
    upl__report_time(t, sizeof t, in->generated_at);
    upl__md_printf(out, "| Report generated | %s |\n\n", t);
}

static void consort(const upl_report_input *in, FILE *out)
{
    const upl_consort *c = in->consort;
    const upl_row_counts *rc = in->result ? &in->result->counts : NULL;
    fputs("## Flow of participants and tasks (CONSORT)\n\n", out);
    if (c) {
        upl__md_printf(out,
                       "Participants enrolled: %zu. Tasks enrolled: %zu; with both forecasts: %zu; "
                       "excluded before assignment: %zu; randomized: %zu.\n\n",
                       c->participants, c->enrolled, c->forecast, c->excluded_before_assignment,
                       c->assigned);
        fputs("| arm | assigned | started | done | excluded after assignment | abandoned | "
              "analysed |\n|---|---:|---:|---:|---:|---:|---:|\n",
              out);
        for (size_t a = 0; a < c->n_arms; a++) {
            const upl_arm_counts *ac = &c->arms[a];
            if (!ac->arm)
                continue;
            char analysed[32] = "-";
            for (size_t k = 0; in->result && k < in->dataset->n_arms; k++)
                if (strcmp(in->dataset->arms[k], ac->arm) == 0)
                    snprintf(analysed, sizeof analysed, "%zu",
                             upl__report_arm_n(in->result, in->dataset, k));
            fputs("| ", out);
            upl__md_printf(out, "%s", ac->arm);
            upl__md_printf(out, " | %zu | %zu | %zu | %zu | %zu | %s |\n", ac->assigned,
                           ac->started, ac->done, ac->excluded, ac->abandoned, analysed);
        }
        fputc('\n', out);
        for (size_t i = 0; i < c->n_reasons; i++) {
            fputs(i ? "; " : "Exclusions by reason: ", out);
            upl__md_printf(out, "%s", c->reasons[i].reason ? c->reasons[i].reason : "(no reason)");
            upl__md_printf(out, " %zu", c->reasons[i].count);
        }
        if (c->n_reasons)
            fputs(".\n\n", out);
    }
    if (!rc)
        return;
    char rows[512];
    upl__report_rows_sentence(rows, sizeof rows, rc);
    upl__md_printf(out, "%s\n\n", rows);
}

static upl_status baseline(const upl_report_input *in, FILE *out)
{
    const upl_dataset *ds = in->dataset;
    upl__arm_baseline *b = NULL;
    const char **cat = NULL;
    size_t *cc = NULL, nc = 0;
    char t[64];
    upl_status st = upl__report_baseline(ds, &b);
    if (st != UPL_OK)
        return st;
    if ((st = upl__report_categories(ds, &cat, &cc, &nc)) != UPL_OK) {
        free(b);
        return st;
    }
    fputs("## Baseline by arm\n\n|", out);
    for (size_t a = 0; a < ds->n_arms; a++) {
        fputs(" | ", out);
        upl__md_printf(out, "%s", ds->arms[a]);
    }
    fputs(" |\n|---", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        fputs("|---:", out);
    fputs("|\n| Tasks randomized", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__md_printf(out, " | %zu", b[a].tasks);
    fputs(" |\n| Participants", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__md_printf(out, " | %zu", b[a].participants);
    fputs(" |\n| Tasks done", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__md_printf(out, " | %zu", b[a].done);
    fputs(" |\n| Median forecast without AI (minutes)", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__md_printf(out, " | %s", fixed(t, sizeof t, b[a].forecast_no_ai_median, 0));
    fputs(" |\n| Median forecast with AI (minutes)", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__md_printf(out, " | %s", fixed(t, sizeof t, b[a].forecast_ai_median, 0));
    fputs(" |\n| Forecast change with AI (geometric mean)", out);
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__md_printf(out, " | %s", upl__text_pct(t, sizeof t, b[a].forecast_ratio_gm - 1.0));
    fputs(" |\n", out);
    for (size_t k = 0; k < nc; k++) {
        fputs("| Category: ", out);
        upl__md_printf(out, "%s", cat[k]);
        for (size_t a = 0; a < ds->n_arms; a++) {
            size_t n = cc[k * ds->n_arms + a];
            upl__md_printf(out, " | %zu (%.0f%%)", n,
                           b[a].tasks ? 100.0 * (double)n / (double)b[a].tasks : 0.0);
        }
        fputs(" |\n", out);
    }
    fputc('\n', out);
    free(b);
    free(cat);
    free(cc);
    return UPL_OK;
}

static void primary(const upl_report_input *in, FILE *out)
{
    const upl_analysis_result *r = in->result;
    char t1[64], t2[64], t3[64], t4[64], t5[64], words[96];
    const char *control = r->control_arm ? r->control_arm : "control";
    fputs("## Primary result\n\n", out);
    for (size_t e = 0; e < r->n_effects; e++) {
        const upl_effect *eff = &r->effects[e];
        upl__report_change_words(words, sizeof words, eff->est.pct);
        upl__md_printf(
            out,
            "**Tasks in the %s arm %s than in the %s arm** (%s; %g%% interval %s, p %s%s; "
            "%s standard errors, %s interval).\n\n",
            eff->arm, words, control, upl__text_pct(t1, sizeof t1, eff->est.pct),
            100.0 * r->spec.level,
            upl__text_pct_ci(t2, sizeof t2, eff->est.pct_lo, eff->est.pct_hi),
            pval(t3, sizeof t3, eff->est.p)[0] == '<' ? "" : "= ", t3,
            upl_se_type_name(r->spec.se_type), r->spec.dist == UPL_DIST_T ? "t" : "normal");
    }
    for (size_t i = 0; i < r->n_warnings; i++) {
        fputs("> **Warning:** ", out);
        upl__md_printf(out, "%s", r->warnings[i]);
        fputs("\n\n", out);
    }
    fputs("| arm | tasks | coef (log) | SE | df | change in time | interval | p |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|\n",
          out);
    for (size_t e = 0; e < r->n_effects; e++) {
        const upl_effect *eff = &r->effects[e];
        upl__md_printf(out, "| %s | %zu | %s | %s | %s | %s | %s | %s |\n", eff->arm, eff->n_arm,
                       fixed(t1, sizeof t1, eff->est.coef, 4), fixed(t2, sizeof t2, eff->est.se, 4),
                       fixed(t3, sizeof t3, eff->est.df, 1),
                       upl__text_pct(t4, sizeof t4, eff->est.pct),
                       upl__text_pct_ci(t5, sizeof t5, eff->est.pct_lo, eff->est.pct_hi),
                       pval(words, sizeof words, eff->est.p));
    }
    fputc('\n', out);
    if (r->ratio_of_means)
        upl__md_printf(
            out,
            "Ratio of mean times: %s, percentile interval %s (%zu bootstrap resamples "
            "of participants).\n\n",
            upl__text_pct(t1, sizeof t1, r->ratio_of_means->pct),
            upl__text_pct_ci(t2, sizeof t2, r->ratio_of_means->pct_lo, r->ratio_of_means->pct_hi),
            r->ratio_of_means->bootstrap);
    else
        fputs("*Not computed: the ratio of mean times needs a cluster bootstrap (--bootstrap "
              "N).*\n\n",
              out);
    if (r->compliance)
        upl__md_printf(
            out,
            "Compliance: AI not used in %.1f%% of the treated tasks that recorded it; AI "
            "used in %.1f%% of the control tasks. Effect of actually using AI (two-stage "
            "least squares, assignment as the instrument): %s %s.\n\n",
            100.0 * r->compliance->treated_nonuse, 100.0 * r->compliance->control_use,
            upl__text_pct(t1, sizeof t1, r->compliance->iv.pct),
            upl__text_pct_ci(t2, sizeof t2, r->compliance->iv.pct_lo, r->compliance->iv.pct_hi));
    for (size_t e = 0; e < r->n_effects; e++) {
        upl__md_printf(out, "### Standard-error panel: %s vs %s\n\n", r->effects[e].arm, control);
        fputs("| SE type | interval | SE (log) | df | change in time | interval | p |\n"
              "|---|---|---:|---:|---:|---:|---:|\n",
              out);
        for (size_t i = 0; i < r->n_panel; i++) {
            const upl_panel_entry *pe = &r->panel[i];
            if (pe->effect != e)
                continue;
            int chosen = pe->se_type == r->spec.se_type && pe->dist == r->spec.dist;
            fputs(chosen ? "| **" : "| ", out); /* the chosen type in bold */
            upl__md_printf(out, "%s%s", upl_se_type_name(pe->se_type), chosen ? " (chosen)" : "");
            fputs(chosen ? "**" : "", out);
            upl__md_printf(out, " | %s | %s | %s | %s | %s | %s |\n",
                           pe->dist == UPL_DIST_T ? "t" : "normal",
                           fixed(t1, sizeof t1, pe->est.se, 4), fixed(t2, sizeof t2, pe->est.df, 1),
                           upl__text_pct(t3, sizeof t3, pe->est.pct),
                           upl__text_pct_ci(t4, sizeof t4, pe->est.pct_lo, pe->est.pct_hi),
                           pval(t5, sizeof t5, pe->est.p));
        }
        fputc('\n', out);
    }
}

static void later(const upl_report_input *in, FILE *out)
{
    const upl_analysis_result *r = in->result;
    char t1[64], t2[64], t3[64];
    fputs("## Effect by participant\n\n", out);
    if (r->per_participant) {
        fputs("| participant | tasks | change in time | interval |\n|---|---:|---:|---:|\n", out);
        for (size_t i = 0; i < r->n_per_participant; i++) {
            const upl_participant_effect *pe = &r->per_participant[i];
            fputs("| ", out);
            upl__md_printf(out, "%s", pe->participant);
            upl__md_printf(out, " | %zu | %s | %s |\n", pe->n,
                           upl__text_pct(t1, sizeof t1, pe->pct),
                           upl__text_pct_ci(t2, sizeof t2, pe->pct_lo, pe->pct_hi));
        }
        upl__md_printf(out,
                       "\n%zu of the %zu participants with an estimate have a point estimate of "
                       "a slowdown.\n\n",
                       r->per_participant_slowdown, r->per_participant_estimated);
    } else {
        fputs("*Not computed: per-participant effects are not part of this analysis.*\n\n", out);
    }
    fputs("## Perception and reality\n\n", out);
    if (r->perception) {
        const upl_perception *p = r->perception;
        fputs("| | change in time | interval |\n|---|---:|---:|\n", out);
        upl__md_printf(out, "| Forecast before the task | %s | %s |\n",
                       upl__text_pct(t1, sizeof t1, p->forecast_pct),
                       upl__text_pct_ci(t2, sizeof t2, p->forecast_lo, p->forecast_hi));
        upl__md_printf(out, "| Believed afterwards | %s | %s |\n",
                       upl__text_pct(t1, sizeof t1, p->posthoc_pct),
                       upl__text_pct_ci(t2, sizeof t2, p->posthoc_lo, p->posthoc_hi));
        upl__md_printf(out, "| Gap: measured minus forecast | %s | %s |\n",
                       upl__text_pct(t1, sizeof t1, p->gap_forecast),
                       upl__text_pct_ci(t2, sizeof t2, p->gap_forecast_lo, p->gap_forecast_hi));
        upl__md_printf(out, "| Gap: measured minus believed | %s | %s |\n",
                       upl__text_pct(t1, sizeof t1, p->gap_posthoc),
                       upl__text_pct_ci(t2, sizeof t2, p->gap_posthoc_lo, p->gap_posthoc_hi));
        for (size_t i = 0; i < p->n_predictions; i++) {
            const upl_prediction_gap *g = &p->predictions[i];
            fputs("| Predicted by ", out);
            upl__md_printf(out, "%s", g->group);
            upl__md_printf(out, " (mean of %zu) | %s | %s |\n| Gap: measured minus ", g->n,
                           upl__text_pct(t1, sizeof t1, g->pct),
                           upl__text_pct_ci(t2, sizeof t2, g->pct_lo, g->pct_hi));
            upl__md_printf(out, "%s", g->group);
            upl__md_printf(out, " | %s | %s |\n", upl__text_pct(t1, sizeof t1, g->gap),
                           upl__text_pct_ci(t2, sizeof t2, g->gap_lo, g->gap_hi));
        }
        upl__md_printf(out,
                       "\nIntervals from %zu bootstrap resamples of participants. A positive gap "
                       "means people believe AI saves more time than it does.\n\n",
                       p->bootstrap);
    } else {
        fputs("*Not computed: the perceived effects and their gaps need a cluster bootstrap "
              "(--bootstrap N).*\n\n",
              out);
    }
    fputs("## Self-reported and measured time\n\n", out);
    if (r->agreement) {
        const upl_agreement *a = r->agreement;
        upl__md_printf(
            out,
            "Over %zu tasks, reported time was on average %.3f times the measured time "
            "(interval %.3f to %.3f); 95%% limits of agreement %.3f to %.3f; correlation "
            "of the logs %.3f.\n\n",
            a->n, a->ratio, a->ratio_lo, a->ratio_hi, a->loa_lo, a->loa_hi, a->r);
    } else {
        fputs("*Not computed: the agreement statistics are not part of this analysis.*\n\n", out);
    }
    fputs("## Where AI helps and where it hurts\n\n", out);
    if (r->subgroups) {
        const upl_subgroups *s = r->subgroups;
        fputs("| ", out);
        upl__md_printf(out, "%s", s->column);
        fputs(" | tasks | change in time | interval |\n|---|---:|---:|---:|\n", out);
        for (size_t i = 0; i < s->n_levels; i++) {
            fputs("| ", out);
            upl__md_printf(out, "%s", s->levels[i].level);
            upl__md_printf(
                out, " | %zu | %s | %s |\n", s->levels[i].n,
                upl__text_pct(t1, sizeof t1, s->levels[i].pct),
                upl__text_pct_ci(t2, sizeof t2, s->levels[i].pct_lo, s->levels[i].pct_hi));
        }
        pval(t1, sizeof t1, s->heterogeneity_p);
        upl__md_printf(out, "\nTest of heterogeneity: p %s%s.\n\n", t1[0] == '<' ? "" : "= ", t1);
    } else {
        fputs("*Not computed: subgroup effects need a column to split on (--subgroup "
              "category).*\n\n",
              out);
    }
    fputs("## Randomization inference\n\n", out);
    if (r->randomization_inference) {
        const upl_randomization_inference *ri = r->randomization_inference;
        upl__md_printf(out,
                       "Re-drawing the assignment %s%zu times with the %s design (%s) gives a "
                       "two-sided p-value of %s (Monte Carlo standard error %s)%s.\n\n",
                       ri->exact ? "" : "at random ", ri->permutations,
                       in->study ? "study's own" : "chosen", ri->design ? ri->design : "?",
                       pval(t1, sizeof t1, ri->p), fixed(t2, sizeof t2, ri->p_mc_se, 4),
                       ri->exact ? ", exact: every possible assignment enumerated" : "");
    } else {
        fputs("*Not computed: randomization inference needs re-drawn assignments "
              "(--permutations N).*\n\n",
              out);
    }
    if (r->wild_bootstrap && r->n_effects) { /* issue 16: only when asked for */
        const upl_wild_effect *w0 = &r->wild_bootstrap[0];
        fputs("## Wild cluster restricted bootstrap\n\n", out);
        upl__md_printf(out,
                       "The null of no effect imposed, one %s weight per participant, the "
                       "bootstrap t with the CR1 variance (%s); intervals by test inversion.\n\n",
                       w0->weights,
                       w0->enumerated ? "every sign vector: exact" : "weights drawn at random");
        fputs("| arm | replicates | p | time | interval |\n|---|---:|---:|---:|---|\n", out);
        for (size_t i = 0; i < r->n_effects; i++) {
            const upl_wild_effect *w = &r->wild_bootstrap[i];
            upl__md_printf(out, "| %s | %zu | %s | %s | %s |\n", w->arm ? w->arm : "?",
                           w->replicates, pval(t1, sizeof t1, w->p),
                           upl__text_pct(t2, sizeof t2, r->effects[i].est.pct),
                           upl__text_pct_ci(t3, sizeof t3, w->pct_lo, w->pct_hi));
        }
        fputs("\n", out);
    }
}

upl_status upl_report_render_md(const upl_report_input *in, FILE *out)
{
    char csv_title[256];
    const char *base = in->source ? strrchr(in->source, '/') : NULL;
    snprintf(csv_title, sizeof csv_title, "Analysis of %s",
             base         ? base + 1
             : in->source ? in->source
                          : "a task table");
    const char *title = in->protocol ? in->protocol->title
                        : in->study  ? in->study->title
                                     : csv_title;
    fputs("# ", out);
    upl__md_printf(out, "%s", title);
    fputs("\n\nReport of a randomized controlled trial of developer productivity, made by "
          "uplift from ",
          out);
    upl__md_printf(out, "%s.\n\n", in->source ? in->source : "the study");
    summary(in, out);
    consort(in, out);
    upl_status st = baseline(in, out);
    if (st != UPL_OK)
        return st;
    if (in->result) {
        primary(in, out);
        later(in, out);
    } else {
        fputs("## Primary result\n\n*Not computed: the analysis cannot run yet (", out);
        upl__md_printf(out, "%s", in->analysis_error ? in->analysis_error : "no reason given");
        fputs(").* This report shows the study's progress.\n\n", out);
    }
    fputs("## Methods\n\n", out);
    upl__report_methods(in, methods_para, out);
    fputs("## Reproducibility\n\n", out);
    upl__md_printf(out, "- uplift %s, GSL %s, SQLite %s\n",
                   in->uplift_version ? in->uplift_version : "?", gsl_version,
                   in->sqlite_version ? in->sqlite_version : "not used");
    if (in->study) {
        upl__md_printf(out, "- randomization: %s generator, secret committed as ",
                       in->study->rng_name ? in->study->rng_name : "GSL");
        upl__md_code(out, in->study->commitment);
        upl__md_printf(out, " (%s)\n", in->study->revealed_secret ? "revealed" : "concealed");
    }
    /* escaped text, not code spans: a code span would show its '<' raw in the file */
    upl__md_printf(out, "- data: %s\n- command: %s\n", in->source ? in->source : "?",
                   in->command_line ? in->command_line : "?");
    return ferror(out) ? UPL_IO : UPL_OK;
}
