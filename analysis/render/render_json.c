/* The analysis as one JSON object (the keys of docs/analysis.md): every key always present,
 * null for what was not computed or is undefined, never NaN. */
#include "uplift/render.h"

#include <math.h>

#include <jansson.h>

#include <stdlib.h>
#include <string.h>

#include "render_json.h"
#include "render_secondary.h"

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

static json_t *counts_obj(const upl_row_counts *c)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "input", (json_int_t)c->input,
                     "analysed", (json_int_t)c->analysed, "excluded", (json_int_t)c->excluded,
                     "abandoned", (json_int_t)c->abandoned, "not_done", (json_int_t)c->not_done,
                     "unassigned", (json_int_t)c->unassigned, "missing_outcome",
                     (json_int_t)c->missing_outcome, "missing_covariate",
                     (json_int_t)c->missing_covariate, "imputed", (json_int_t)c->imputed);
}

upl_status upl__json_write(const json_t *doc, FILE *out)
{
    if (json_dumpf(doc, out, UPL_JSON_FLAGS) != 0 || fputc('\n', out) == EOF)
        return UPL_IO;
    return UPL_OK;
}

char *upl__json_text(const json_t *doc)
{
    char *dumped = json_dumps(doc, UPL_JSON_FLAGS), *text = NULL;
    if (!dumped)
        return NULL;
    size_t len = strlen(dumped);
    if ((text = malloc(len + 2))) {
        memcpy(text, dumped, len);
        text[len] = '\n';
        text[len + 1] = '\0';
    }
    free(dumped);
    return text;
}

upl_status upl_analysis_render_json(const upl_analysis_result *r, FILE *out)
{
    json_t *root = upl__analysis_json(r);
    if (!root)
        return UPL_NOMEM;
    upl_status st = upl__json_write(root, out);
    json_decref(root);
    return st;
}

json_t *upl__analysis_json(const upl_analysis_result *r)
{
    json_t *root = json_object();
    if (!root)
        return NULL;
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

    upl__render_secondary_json(r, root); /* issue 6 */

    json_t *warnings = json_array();
    for (size_t i = 0; warnings && i < r->n_warnings; i++)
        json_array_append_new(warnings, json_string(r->warnings[i]));
    json_object_set_new(root, "warnings", warnings ? warnings : json_null());

    return root;
}
