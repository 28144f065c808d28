/* The analysis as one JSON object (CONTRACT section 6): every key always present,
 * null for what was not computed or is undefined, never NaN. */
#include "uplift/analysis.h"

#include <math.h>

#include <jansson.h>

/* Significant digits of numbers in the JSON: 15 keeps every printed digit meaningful
 * (0.95 prints as 0.95) with a relative rounding of at most 5e-16. */
#define UPL_JSON_DIGITS 15

/* A number, or null when it is not finite. */
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

/* Adds the estimate's keys to o (which may already hold leading keys); returns o. */
static json_t *estimate_keys(json_t *o, const upl_estimate *e, int with_coef)
{
    if (!o)
        return NULL;
    if (with_coef)
        json_object_set_new(o, "coef", num(e->coef));
    json_object_set_new(o, "se", num(e->se));
    json_object_set_new(o, "df", num(e->df));
    if (with_coef)
        json_object_set_new(o, "ci", pair(e->ci_lo, e->ci_hi));
    json_object_set_new(o, "pct", num(e->pct));
    json_object_set_new(o, "pct_ci", pair(e->pct_lo, e->pct_hi));
    json_object_set_new(o, "p", num(e->p));
    return o;
}

static json_t *estimate_obj(const upl_estimate *e, int with_coef)
{
    return estimate_keys(json_object(), e, with_coef);
}

static json_t *counts_obj(const upl_row_counts *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "input", (json_int_t)c->input,
                     "analysed", (json_int_t)c->analysed, "excluded", (json_int_t)c->excluded,
                     "abandoned", (json_int_t)c->abandoned, "not_done", (json_int_t)c->not_done,
                     "unassigned", (json_int_t)c->unassigned, "missing_outcome",
                     (json_int_t)c->missing_outcome, "missing_covariate",
                     (json_int_t)c->missing_covariate, "imputed", (json_int_t)c->imputed);
}

static json_t *later_members(const upl_analysis_result *r, json_t *root)
{
    if (r->ratio_of_means) {
        const upl_ratio_of_means *m = r->ratio_of_means;
        json_object_set_new(root, "ratio_of_means",
                            json_pack("{s:o,s:o,s:I}", "pct", num(m->pct), "pct_ci",
                                      pair(m->pct_lo, m->pct_hi), "bootstrap",
                                      (json_int_t)m->bootstrap));
    } else {
        json_object_set_new(root, "ratio_of_means", json_null());
    }
    if (r->perception) {
        const upl_perception *p = r->perception;
        json_object_set_new(
            root, "perception",
            json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "forecast_pct", num(p->forecast_pct),
                      "forecast_pct_ci", pair(p->forecast_lo, p->forecast_hi), "posthoc_pct",
                      num(p->posthoc_pct), "posthoc_pct_ci", pair(p->posthoc_lo, p->posthoc_hi),
                      "gap_forecast", num(p->gap_forecast), "gap_forecast_ci",
                      pair(p->gap_forecast_lo, p->gap_forecast_hi), "gap_posthoc",
                      num(p->gap_posthoc), "gap_posthoc_ci",
                      pair(p->gap_posthoc_lo, p->gap_posthoc_hi)));
    } else {
        json_object_set_new(root, "perception", json_null());
    }
    if (r->agreement) {
        const upl_agreement *a = r->agreement;
        json_object_set_new(root, "agreement",
                            json_pack("{s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "n", (json_int_t)a->n,
                                      "ratio", num(a->ratio), "ratio_ci",
                                      pair(a->ratio_lo, a->ratio_hi), "loa",
                                      pair(a->loa_lo, a->loa_hi), "r", num(a->r), "effect_measured",
                                      estimate_obj(&a->effect_measured, 1), "effect_reported",
                                      estimate_obj(&a->effect_reported, 1)));
    } else {
        json_object_set_new(root, "agreement", json_null());
    }
    if (r->randomization_inference) {
        const upl_randomization_inference *ri = r->randomization_inference;
        json_object_set_new(root, "randomization_inference",
                            json_pack("{s:o,s:o,s:I,s:s?}", "p", num(ri->p), "p_mc_se",
                                      num(ri->p_mc_se), "permutations",
                                      (json_int_t)ri->permutations, "design", ri->design));
    } else {
        json_object_set_new(root, "randomization_inference", json_null());
    }
    if (r->per_participant) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < r->n_per_participant; i++) {
            const upl_participant_effect *pp = &r->per_participant[i];
            json_array_append_new(arr,
                                  json_pack("{s:s?,s:I,s:o,s:o}", "participant", pp->participant,
                                            "n", (json_int_t)pp->n, "pct", num(pp->pct), "pct_ci",
                                            pair(pp->pct_lo, pp->pct_hi)));
        }
        json_object_set_new(root, "per_participant", arr);
    } else {
        json_object_set_new(root, "per_participant", json_null());
    }
    if (r->subgroups) {
        const upl_subgroups *s = r->subgroups;
        json_t *levels = json_array();
        for (size_t i = 0; levels && i < s->n_levels; i++) {
            const upl_subgroup_level *l = &s->levels[i];
            json_array_append_new(levels, json_pack("{s:s?,s:I,s:o,s:o,s:o,s:o}", "level", l->level,
                                                    "n", (json_int_t)l->n, "coef", num(l->coef),
                                                    "se", num(l->se), "pct", num(l->pct), "pct_ci",
                                                    pair(l->pct_lo, l->pct_hi)));
        }
        json_object_set_new(root, "subgroups",
                            json_pack("{s:s?,s:o,s:o}", "column", s->column, "heterogeneity_p",
                                      num(s->heterogeneity_p), "levels",
                                      levels ? levels : json_null()));
    } else {
        json_object_set_new(root, "subgroups", json_null());
    }
    if (r->compliance) {
        const upl_compliance *c = r->compliance;
        json_t *iv = estimate_obj(&c->iv, 1);
        if (iv)
            json_object_set_new(iv, "first_stage_f", num(c->first_stage_f));
        json_object_set_new(root, "compliance",
                            json_pack("{s:o,s:o,s:o}", "treated_nonuse", num(c->treated_nonuse),
                                      "control_use", num(c->control_use), "iv",
                                      iv ? iv : json_null()));
    } else {
        json_object_set_new(root, "compliance", json_null());
    }
    return root;
}

upl_status upl_analysis_render_json(const upl_analysis_result *r, FILE *out)
{
    json_t *root = json_object();
    if (!root)
        return UPL_NOMEM;
    json_object_set_new(root, "n", json_integer((json_int_t)r->n));
    json_object_set_new(root, "clusters", json_integer((json_int_t)r->clusters));
    json_object_set_new(root, "outcome", json_string(upl_outcome_name(r->spec.outcome)));
    json_object_set_new(root, "covariate", json_string(upl_covariate_name(r->spec.covariate)));
    json_object_set_new(root, "fixed_effects",
                        r->spec.participant_fe ? json_string("participant") : json_null());
    json_object_set_new(root, "impute", json_string(upl_impute_name(r->spec.impute)));
    json_object_set_new(root, "se_type", json_string(upl_se_type_name(r->spec.se_type)));
    json_object_set_new(root, "dist", json_string(upl_dist_name(r->spec.dist)));
    json_object_set_new(root, "level", json_real(r->spec.level));
    json_object_set_new(root, "rows", counts_obj(&r->counts));

    json_t *effects = json_array();
    for (size_t i = 0; effects && i < r->n_effects; i++) {
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "arm", json_string(r->effects[i].arm));
        estimate_keys(o, &r->effects[i].est, 1);
        json_object_set_new(o, "n_arm", json_integer((json_int_t)r->effects[i].n_arm));
        json_array_append_new(effects, o);
    }
    json_object_set_new(root, "effects", effects ? effects : json_null());

    json_t *panel = json_array();
    for (size_t i = 0; panel && i < r->n_panel; i++) {
        const upl_panel_entry *pe = &r->panel[i];
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "se_type", json_string(upl_se_type_name(pe->se_type)));
        json_object_set_new(o, "dist", json_string(upl_dist_name(pe->dist)));
        json_object_set_new(o, "arm", json_string(r->effects[pe->effect].arm));
        estimate_keys(o, &pe->est, 0);
        json_array_append_new(panel, o);
    }
    json_object_set_new(root, "se_panel", panel ? panel : json_null());

    json_t *coefs = json_array();
    for (size_t j = 0; coefs && j < r->k; j++) {
        json_t *o = json_object();
        if (!o)
            break;
        json_object_set_new(o, "term", json_string(r->term[j]));
        estimate_keys(o, &r->coef[j], 1);
        json_array_append_new(coefs, o);
    }
    json_object_set_new(root, "coefficients", coefs ? coefs : json_null());

    later_members(r, root);

    json_t *warnings = json_array();
    for (size_t i = 0; warnings && i < r->n_warnings; i++)
        json_array_append_new(warnings, json_string(r->warnings[i]));
    json_object_set_new(root, "warnings", warnings ? warnings : json_null());

    int rc = json_dumpf(
        root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(UPL_JSON_DIGITS));
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF)
        return UPL_IO;
    return UPL_OK;
}
