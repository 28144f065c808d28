/* The truth of a simulated study as JSON (uplift/render.h), written beside its CSV. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "render_json.h"
#include "uplift/render.h"

static int set_number(json_t *obj, const char *key, double v)
{
    return json_object_set_new(obj, key, isnan(v) ? json_null() : json_real(v));
}

char *upl_sim_truth_json(const upl_sim_params *p, const upl_sim_truth *truth)
{
    char *text = NULL;
    json_t *doc = json_object(), *params = json_object(), *arms = json_array(),
           *cats = json_array(), *effects = json_array();
    if (!doc || !params || !arms || !cats || !effects)
        goto cleanup;
    const upl_sim_arm_truth *head = truth->n_effects ? &truth->effects[0] : NULL;
    int bad = 0;
    bad |= json_object_set_new(doc, "arm", json_string(head ? head->label : ""));
    bad |= set_number(doc, "effect_pct", head ? head->effect_pct : NAN);
    bad |= set_number(doc, "log_effect", head ? head->log_effect : NAN);
    bad |= set_number(doc, "itt_log_effect", head ? head->itt_log_effect : NAN);
    bad |= json_object_set_new(doc, "seed", json_integer((json_int_t)truth->seed));
    bad |= json_object_set_new(doc, "rng", json_string(truth->rng));
    bad |= json_object_set_new(doc, "n_tasks", json_integer((json_int_t)truth->n_tasks));
    bad |= json_object_set_new(doc, "participants", json_integer((json_int_t)p->participants));
    bad |= set_number(doc, "participant_sd", truth->participant_sd);
    bad |= set_number(doc, "icc", truth->icc);
    for (size_t e = 0; e < truth->n_effects; e++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(effects, o) != 0)
            goto cleanup;
        bad |= json_object_set_new(o, "arm", json_string(truth->effects[e].label));
        bad |= set_number(o, "effect_pct", truth->effects[e].effect_pct);
        bad |= set_number(o, "log_effect", truth->effects[e].log_effect);
        bad |= set_number(o, "itt_log_effect", truth->effects[e].itt_log_effect);
    }
    bad |= json_object_set(doc, "effects", effects);

    bad |= json_object_set_new(params, "participants", json_integer((json_int_t)p->participants));
    bad |= json_object_set_new(params, "tasks_min", json_integer((json_int_t)p->tasks_min));
    bad |= json_object_set_new(params, "tasks_max", json_integer((json_int_t)p->tasks_max));
    bad |= set_number(params, "effect_pct", p->effect_pct);
    for (size_t a = 0; a < p->n_arms; a++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(arms, o) != 0)
            goto cleanup;
        bad |= json_object_set_new(o, "label", json_string(p->arms[a].label));
        bad |= json_object_set_new(o, "ratio", json_integer(p->arms[a].ratio));
        bad |= json_object_set_new(o, "control", json_boolean(a == p->control));
        bad |= set_number(o, "effect_pct", p->arms[a].effect_pct);
    }
    bad |= json_object_set(params, "arms", arms);
    bad |= json_object_set_new(params, "scheme", json_string(upl_sim_scheme_name(p->scheme)));
    for (size_t c = 0; c < p->n_categories; c++) {
        json_t *o = json_object();
        if (!o || json_array_append_new(cats, o) != 0)
            goto cleanup;
        bad |= json_object_set_new(o, "name", json_string(p->categories[c].name));
        bad |= set_number(o, "share", upl_sim_category_share(p, c));
        bad |= set_number(o, "effect_pct", p->categories[c].effect_pct);
        bad |= set_number(o, "time_mult", p->categories[c].time_mult);
    }
    bad |= json_object_set(params, "categories", cats);
    struct {
        const char *key;
        double v;
        int only_if_set; /* left out at 0: the truth of older studies keeps its bytes */
    } nums[] = {
        {"median_min", p->median_min, 0},
        {"participant_sd", p->participant_sd, 0},
        {"icc", p->icc, 0},
        {"resid_sd", p->resid_sd, 0},
        {"effect_sd", p->effect_sd, 0},
        {"forecast_sd", p->forecast_sd, 0},
        {"forecast_bias", p->forecast_bias, 0},
        {"forecast_ratio_sd", p->forecast_ratio_sd, 1},
        {"perceived_pct", p->perceived_pct, 0},
        {"perceived_sd", p->perceived_sd, 0},
        {"perceived_missing", p->perceived_missing, 0},
        {"review_rate", p->review_rate, 0},
        {"post_review_share", p->post_review_share, 0},
        {"post_review_missing", p->post_review_missing, 0},
        {"report_bias", p->report_bias, 0},
        {"report_sd", p->report_sd, 0},
        {"treated_nonuse", p->treated_nonuse, 0},
        {"control_use", p->control_use, 0},
        {"abandon", p->abandon, 0},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (!nums[i].only_if_set || nums[i].v > 0.0)
            bad |= set_number(params, nums[i].key, nums[i].v);
    bad |= json_object_set(doc, "parameters", params);
    if (bad)
        goto cleanup;
    text = upl__json_text(doc);
cleanup:
    json_decref(doc);
    json_decref(params);
    json_decref(arms);
    json_decref(cats);
    json_decref(effects);
    return text;
}
