/* The secondary analyses as JSON (the keys of docs/analysis.md) and as text. */
#include "render_secondary.h"

#include <math.h>
#include <string.h>

static json_t *num(double x)
{
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *pair(double lo, double hi)
{
    if (!isfinite(lo) || !isfinite(hi))
        return json_null();
    return json_pack("[o,o]", json_real(lo), json_real(hi));
}

static json_t *estimate(const upl_estimate *e)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "coef", num(e->coef), "se", num(e->se), "df",
                     num(e->df), "ci", pair(e->ci_lo, e->ci_hi), "pct", num(e->pct), "pct_ci",
                     pair(e->pct_lo, e->pct_hi), "p", num(e->p));
}

static json_t *or_null(json_t *v)
{
    return v ? v : json_null();
}

static json_t *perception(const upl_perception *p)
{
    json_t *o = json_pack(
        "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "forecast_pct", num(p->forecast_pct),
        "forecast_pct_ci", pair(p->forecast_lo, p->forecast_hi), "posthoc_pct", num(p->posthoc_pct),
        "posthoc_pct_ci", pair(p->posthoc_lo, p->posthoc_hi), "gap_forecast", num(p->gap_forecast),
        "gap_forecast_ci", pair(p->gap_forecast_lo, p->gap_forecast_hi), "gap_posthoc",
        num(p->gap_posthoc), "gap_posthoc_ci", pair(p->gap_posthoc_lo, p->gap_posthoc_hi));
    if (!o)
        return NULL;
    json_t *preds = json_array();
    for (size_t i = 0; preds && i < p->n_predictions; i++) {
        const upl_prediction_gap *g = &p->predictions[i];
        json_array_append_new(preds,
                              json_pack("{s:s?,s:o,s:o,s:I,s:o,s:o,s:o}", "group", g->group, "pct",
                                        num(g->pct), "pct_ci", pair(g->pct_lo, g->pct_hi), "n",
                                        (json_int_t)g->n, "gap", num(g->gap), "gap_ci",
                                        pair(g->gap_lo, g->gap_hi), "gap_ci_bca",
                                        pair(g->gap_bca_lo, g->gap_bca_hi)));
    }
    json_object_set_new(o, "predictions", or_null(preds));
    json_object_set_new(o, "n_forecast", json_integer((json_int_t)p->n_forecast));
    json_object_set_new(o, "n_posthoc", json_integer((json_int_t)p->n_posthoc));
    json_object_set_new(o, "bootstrap", json_integer((json_int_t)p->bootstrap));
    json_object_set_new(o, "ci_method", json_string("percentile"));
    json_object_set_new(o, "bca_ci",
                        json_pack("{s:o,s:o,s:o,s:o}", "forecast_pct", pair(p->bca[0], p->bca[1]),
                                  "posthoc_pct", pair(p->bca[2], p->bca[3]), "gap_forecast",
                                  pair(p->bca[4], p->bca[5]), "gap_posthoc",
                                  pair(p->bca[6], p->bca[7])));
    json_object_set_new(o, "undefined",
                        json_pack("{s:I,s:I,s:I,s:I,s:I}", "effect", (json_int_t)p->undefined[0],
                                  "forecast_pct", (json_int_t)p->undefined[1], "posthoc_pct",
                                  (json_int_t)p->undefined[2], "gap_forecast",
                                  (json_int_t)p->undefined[3], "gap_posthoc",
                                  (json_int_t)p->undefined[4]));
    return o;
}

void upl__render_secondary_json(const upl_analysis_result *r, json_t *root)
{
    json_t *v = NULL;
    if (r->ratio_of_means) {
        const upl_ratio_of_means *m = r->ratio_of_means;
        v = json_pack("{s:o,s:o,s:o,s:I,s:I,s:I}", "pct", num(m->pct), "pct_ci",
                      pair(m->pct_lo, m->pct_hi), "pct_ci_bca", pair(m->bca_lo, m->bca_hi),
                      "bootstrap", (json_int_t)m->bootstrap, "seed", (json_int_t)m->seed,
                      "undefined", (json_int_t)m->undefined);
    }
    json_object_set_new(root, "ratio_of_means", or_null(v));

    v = r->perception ? perception(r->perception) : NULL;
    json_object_set_new(root, "perception", or_null(v));

    v = NULL;
    if (r->agreement) {
        const upl_agreement *a = r->agreement;
        v = json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)a->n, "ratio",
                      num(a->ratio), "ratio_ci", pair(a->ratio_lo, a->ratio_hi), "loa",
                      pair(a->loa_lo, a->loa_hi), "r", num(a->r), "effect_measured",
                      or_null(estimate(&a->effect_measured)), "effect_reported",
                      or_null(estimate(&a->effect_reported)));
    }
    json_object_set_new(root, "agreement", or_null(v));

    v = NULL;
    if (r->randomization_inference) {
        const upl_randomization_inference *ri = r->randomization_inference;
        v = json_pack("{s:o,s:o,s:I,s:s?,s:b,s:o,s:I}", "p", num(ri->p), "p_mc_se",
                      num(ri->p_mc_se), "permutations", (json_int_t)ri->permutations, "design",
                      ri->design, "exact", ri->exact, "statistic", num(ri->statistic), "dropped",
                      (json_int_t)ri->dropped);
    }
    json_object_set_new(root, "randomization_inference", or_null(v));

    v = NULL;
    if (r->wild_bootstrap) {
        v = json_array();
        for (size_t i = 0; v && i < r->n_effects; i++) {
            const upl_wild_effect *w = &r->wild_bootstrap[i];
            json_array_append_new(
                v, json_pack("{s:s?,s:o,s:o,s:o,s:s,s:I,s:b,s:s,s:I}", "arm", w->arm, "p",
                             num(w->p), "pct_ci", pair(w->pct_lo, w->pct_hi), "ci",
                             pair(w->ci_lo, w->ci_hi), "weights", w->weights, "replicates",
                             (json_int_t)w->replicates, "enumerated", w->enumerated, "t_variance",
                             "cr1", "seed", (json_int_t)w->seed));
        }
    }
    json_object_set_new(root, "wild_bootstrap", or_null(v));

    v = NULL;
    json_t *summary = NULL;
    if (r->per_participant) {
        v = json_array();
        for (size_t i = 0; v && i < r->n_per_participant; i++) {
            const upl_participant_effect *pp = &r->per_participant[i];
            json_array_append_new(v, json_pack("{s:s?,s:I,s:o,s:o}", "participant", pp->participant,
                                               "n", (json_int_t)pp->n, "pct", num(pp->pct),
                                               "pct_ci", pair(pp->pct_lo, pp->pct_hi)));
        }
        size_t e = r->per_participant_estimated, s = r->per_participant_slowdown;
        summary = json_pack("{s:I,s:I,s:o}", "estimated", (json_int_t)e, "slowdown", (json_int_t)s,
                            "share_slowdown", e ? json_real((double)s / (double)e) : json_null());
    }
    json_object_set_new(root, "per_participant", or_null(v));
    json_object_set_new(root, "per_participant_summary", or_null(summary));

    v = NULL;
    if (r->subgroups) {
        const upl_subgroups *s = r->subgroups;
        json_t *levels = json_array();
        for (size_t i = 0; levels && i < s->n_levels; i++) {
            const upl_subgroup_level *l = &s->levels[i];
            json_array_append_new(levels,
                                  json_pack("{s:s?,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "level", l->level,
                                            "n", (json_int_t)l->n, "coef", num(l->coef), "se",
                                            num(l->se), "df", num(l->df), "p", num(l->p), "pct",
                                            num(l->pct), "pct_ci", pair(l->pct_lo, l->pct_hi)));
        }
        v = json_pack("{s:s?,s:o,s:o,s:I,s:I}", "column", s->column, "heterogeneity_p",
                      num(s->heterogeneity_p), "levels", or_null(levels), "n", (json_int_t)s->n,
                      "excluded", (json_int_t)s->excluded);
        if (v)
            json_object_set_new(v, "heterogeneity_test",
                                json_pack("{s:s?,s:o,s:o,s:o}", "stat", s->test, "value",
                                          num(s->stat), "df1", num(s->df1), "df2", num(s->df2)));
    }
    json_object_set_new(root, "subgroups", or_null(v));

    v = NULL;
    if (r->compliance) {
        const upl_compliance *c = r->compliance;
        json_t *iv = estimate(&c->iv);
        if (iv) {
            json_object_set_new(iv, "first_stage_f", num(c->first_stage_f));
            json_object_set_new(iv, "first_stage_df", pair(c->first_stage_df1, c->first_stage_df2));
        }
        v = json_pack("{s:o,s:o,s:I,s:I,s:I,s:o}", "treated_nonuse", num(c->treated_nonuse),
                      "control_use", num(c->control_use), "n", (json_int_t)c->n, "n_treated_known",
                      (json_int_t)c->n_treated_known, "n_control_known",
                      (json_int_t)c->n_control_known, "iv", or_null(iv));
    }
    json_object_set_new(root, "compliance", or_null(v));
}

/* ---- text ---- */

const char *upl__text_pct(char *buf, size_t size, double x)
{
    if (isfinite(x))
        snprintf(buf, size, "%+.1f%%", 100.0 * x);
    else
        snprintf(buf, size, "-");
    return buf;
}

const char *upl__text_pct_ci(char *buf, size_t size, double lo, double hi)
{
    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, size, "[%+.1f%%, %+.1f%%]", 100.0 * lo, 100.0 * hi);
    else
        snprintf(buf, size, "-");
    return buf;
}

static void line(FILE *out, const char *label, double v, double lo, double hi)
{
    char a[32], b[64];
    fprintf(out, "  %-34s %s  %s\n", label, upl__text_pct(a, sizeof a, v),
            upl__text_pct_ci(b, sizeof b, lo, hi));
}

/* A bootstrap quantity: estimate, percentile interval, BCa interval in columns. */
static void line_bca(FILE *out, const char *label, double v, double lo, double hi, double bca_lo,
                     double bca_hi)
{
    char a[32], b[64], c[64];
    fprintf(out, "  %-34s %-8s %-18s %s\n", label, upl__text_pct(a, sizeof a, v),
            upl__text_pct_ci(b, sizeof b, lo, hi), upl__text_pct_ci(c, sizeof c, bca_lo, bca_hi));
}

void upl__render_secondary_text(const upl_analysis_result *r, FILE *out)
{
    double lvl = 100.0 * r->spec.level;
    if (r->ratio_of_means || r->perception) {
        size_t b = r->ratio_of_means ? r->ratio_of_means->bootstrap : r->perception->bootstrap;
        fprintf(out,
                "\nPerception and ratio of means (%g%% intervals, cluster bootstrap of %zu "
                "resamples of participants)\n",
                lvl, b);
        fprintf(out, "  %-34s %-8s %-18s %s\n", "", "", "percentile", "BCa");
    }
    if (r->ratio_of_means) {
        const upl_ratio_of_means *m = r->ratio_of_means;
        line_bca(out, "ratio of mean times - 1", m->pct, m->pct_lo, m->pct_hi, m->bca_lo,
                 m->bca_hi);
    }
    if (r->effects && r->n_effects)
        line_bca(out, "measured effect (model, Wald)", r->effects[0].est.pct,
                 r->effects[0].est.pct_lo, r->effects[0].est.pct_hi, NAN, NAN);
    if (r->perception) {
        const upl_perception *p = r->perception;
        line_bca(out, "forecast effect (before the draw)", p->forecast_pct, p->forecast_lo,
                 p->forecast_hi, p->bca[0], p->bca[1]);
        line_bca(out, "post-hoc perceived effect", p->posthoc_pct, p->posthoc_lo, p->posthoc_hi,
                 p->bca[2], p->bca[3]);
        line_bca(out, "gap: measured - forecast", p->gap_forecast, p->gap_forecast_lo,
                 p->gap_forecast_hi, p->bca[4], p->bca[5]);
        line_bca(out, "gap: measured - post-hoc", p->gap_posthoc, p->gap_posthoc_lo,
                 p->gap_posthoc_hi, p->bca[6], p->bca[7]);
        for (size_t i = 0; i < p->n_predictions; i++) {
            const upl_prediction_gap *g = &p->predictions[i];
            char label[96];
            snprintf(label, sizeof label, "prediction '%.40s' (n=%zu)", g->group, g->n);
            line_bca(out, label, g->pct, g->pct_lo, g->pct_hi, NAN, NAN);
            snprintf(label, sizeof label, "gap: measured - '%.40s'", g->group);
            line_bca(out, label, g->gap, g->gap_lo, g->gap_hi, g->gap_bca_lo, g->gap_bca_hi);
        }
        if (p->bootstrap && r->ratio_of_means)
            fprintf(out,
                    "  undefined resamples, left out: ratio of means %zu, model's effect %zu, "
                    "gaps %zu and %zu (of %zu)\n",
                    r->ratio_of_means->undefined, p->undefined[0], p->undefined[3], p->undefined[4],
                    p->bootstrap);
    }
    if (r->agreement) {
        const upl_agreement *a = r->agreement;
        fprintf(out, "\nSelf-reported vs measured time (%zu tasks)\n", a->n);
        fprintf(out, "  geometric mean reported/measured  %.3f  [%.3f, %.3f]\n", a->ratio,
                a->ratio_lo, a->ratio_hi);
        fprintf(out, "  Bland-Altman 95%% limits (ratio)   %.3f to %.3f\n", a->loa_lo, a->loa_hi);
        fprintf(out, "  correlation of logs               %.3f\n", a->r);
        line(out, "effect on measured time", a->effect_measured.pct, a->effect_measured.pct_lo,
             a->effect_measured.pct_hi);
        line(out, "effect on reported time", a->effect_reported.pct, a->effect_reported.pct_lo,
             a->effect_reported.pct_hi);
    }
    if (r->compliance) {
        const upl_compliance *c = r->compliance;
        fprintf(out, "\nCompliance (%zu tasks with ai_used)\n", c->n);
        fprintf(out, "  AI-arm tasks done without AI       %.1f%% of %zu\n",
                100.0 * c->treated_nonuse, c->n_treated_known);
        fprintf(out, "  control tasks done with AI         %.1f%% of %zu\n", 100.0 * c->control_use,
                c->n_control_known);
        line(out, "effect of AI use (2SLS)", c->iv.pct, c->iv.pct_lo, c->iv.pct_hi);
        fputs("  first-stage F                      ", out);
        if (isfinite(c->first_stage_f))
            fprintf(out, "%.2f\n", c->first_stage_f);
        else if (!(c->treated_nonuse > 0.0) && !(c->control_use > 0.0))
            fputs("- (full compliance: the first stage is exact)\n", out);
        else
            fputs("-\n", out);
    }
    if (r->subgroups) {
        const upl_subgroups *s = r->subgroups;
        fprintf(out, "\nSubgroups by '%s' (interaction model, %s)\n", s->column,
                upl_se_type_name(r->spec.se_type));
        for (size_t i = 0; i < s->n_levels; i++) {
            char label[96];
            snprintf(label, sizeof label, "%.60s (n=%zu)", s->levels[i].level, s->levels[i].n);
            line(out, label, s->levels[i].pct, s->levels[i].pct_lo, s->levels[i].pct_hi);
        }
        if (!isfinite(s->stat) || !isfinite(s->heterogeneity_p))
            fputs("  heterogeneity: - (the Wald statistic is not defined)\n", out);
        else if (s->test && strcmp(s->test, "F") == 0)
            fprintf(out, "  heterogeneity: F(%g, %g) = %.3f, p = %.4f\n", s->df1, s->df2, s->stat,
                    s->heterogeneity_p);
        else
            fprintf(out, "  heterogeneity: chi-square(%g) = %.3f, p = %.4f\n", s->df1, s->stat,
                    s->heterogeneity_p);
    }
    if (r->per_participant) {
        fprintf(out, "\nPer participant (own tasks, classical SE)\n");
        for (size_t i = 0; i < r->n_per_participant; i++) {
            const upl_participant_effect *pp = &r->per_participant[i];
            char label[96];
            snprintf(label, sizeof label, "%.60s (n=%zu)", pp->participant ? pp->participant : "?",
                     pp->n);
            line(out, label, pp->pct, pp->pct_lo, pp->pct_hi);
        }
        fprintf(out, "  slowed down (point estimate > 0): %zu of %zu\n",
                r->per_participant_slowdown, r->per_participant_estimated);
    }
    if (r->randomization_inference) {
        const upl_randomization_inference *ri = r->randomization_inference;
        fprintf(out, "\nRandomization inference (%s, %s, %zu assignments): p = %.4f", ri->design,
                ri->exact ? "exact" : "Monte Carlo", ri->permutations, ri->p);
        if (!ri->exact)
            fprintf(out, " (MC SE %.4f)", ri->p_mc_se);
        fputc('\n', out);
    }
    if (r->wild_bootstrap && r->n_effects) {
        const upl_wild_effect *w0 = &r->wild_bootstrap[0];
        fprintf(out,
                "\nWild cluster restricted bootstrap (%g%% intervals by test inversion; null "
                "imposed, %s weights, CR1 t, %s)\n",
                lvl, w0->weights, w0->enumerated ? "exact: every sign vector" : "Monte Carlo");
        for (size_t i = 0; i < r->n_effects; i++) {
            const upl_wild_effect *w = &r->wild_bootstrap[i];
            char label[160];
            if (w->replicates == 0) {
                snprintf(label, sizeof label, "%.60s: not computed", w->arm ? w->arm : "?");
                fprintf(out, "  %s\n", label);
                continue;
            }
            snprintf(label, sizeof label, "%.40s (%zu replicates, p = %.4f)", w->arm ? w->arm : "?",
                     w->replicates, w->p);
            line(out, label, r->effects[i].est.pct, w->pct_lo, w->pct_hi);
        }
    }
}
