/* The analysis driver and its renderers: refusals at the library level, the JSON keys of
 * the keys of docs/analysis.md (null while not computed, rendered when a later analysis fills
 * them), and the text tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "uplift/analysis.h"
#include "uplift/render.h"

/* 4 participants x 8 tasks, alternating arms, deterministic pseudo-random times. */
static void make_dataset(upl_dataset *ds, size_t participants)
{
    static const char *const names[] = {"ana", "ben", "cy", "dee"};
    assert_int_equal(upl_dataset_init(ds, 0, NULL), UPL_OK);
    uint64_t s = 0x2545f4914f6cdd1dULL;
    for (size_t i = 0; i < 32; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%zu", i + 1);
        double u[3];
        for (int m = 0; m < 3; m++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            u[m] = (double)(s >> 11) / 9007199254740992.0;
        }
        upl_task_row row;
        upl_task_row_clear(&row);
        row.task_id = id;
        row.participant = names[i % participants];
        row.arm = i % 2 ? "ai" : "no_ai";
        row.forecast_no_ai_min = 30.0 + 200.0 * u[0];
        row.forecast_ai_min = row.forecast_no_ai_min * (0.6 + 0.4 * u[1]);
        row.reported_min = row.forecast_no_ai_min * (0.5 + u[2]) * (i % 2 ? 1.2 : 1.0);
        row.post_review_min = i % 5 ? 0.1 * row.reported_min : 0.0;
        row.status = UPL_TASK_DONE;
        assert_int_equal(upl_dataset_append(ds, &row), UPL_OK);
    }
    assert_int_equal(upl_dataset_add_arm(ds, "no_ai", NULL), UPL_OK);
    assert_int_equal(upl_dataset_add_arm(ds, "ai", NULL), UPL_OK);
    ds->control = 0;
}

static json_t *render_json(const upl_analysis_result *res)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(upl_analysis_render_json(res, f), UPL_OK);
    fclose(f);
    assert_null(strstr(buf, "NaN"));
    json_error_t err;
    json_t *root = json_loads(buf, 0, &err);
    if (!root)
        fail_msg("invalid JSON: %s", err.text);
    free(buf);
    return root;
}

static void test_keys_and_nulls(void **state)
{
    (void)state;
    upl_dataset ds;
    make_dataset(&ds, 4);
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    upl_analysis_result res;
    upl_diag diag = {0};
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_OK);
    assert_int_equal(res.spec.se_type, UPL_SE_CR2);
    assert_int_equal(res.n_panel, 18);
    json_t *root = render_json(&res);
    static const char *const keys[] = {"n",
                                       "clusters",
                                       "outcome",
                                       "covariate",
                                       "se_type",
                                       "dist",
                                       "level",
                                       "effects",
                                       "se_panel",
                                       "ratio_of_means",
                                       "perception",
                                       "agreement",
                                       "randomization_inference",
                                       "per_participant",
                                       "subgroups",
                                       "compliance",
                                       "warnings"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(root, keys[i]))
            fail_msg("missing key %s", keys[i]);
    for (size_t i = 9; i < 16; i++)
        assert_true(json_is_null(json_object_get(root, keys[i])));
    assert_int_equal(json_integer_value(json_object_get(root, "n")), 32);
    assert_int_equal(json_integer_value(json_object_get(root, "clusters")), 4);
    json_decref(root);

    /* what issue 6 will fill is rendered once present */
    res.perception = calloc(1, sizeof *res.perception);
    assert_non_null(res.perception);
    res.perception->forecast_pct = -0.237;
    res.perception->forecast_lo = -0.3;
    res.perception->forecast_hi = -0.2;
    res.perception->posthoc_pct = NAN;
    res.perception->posthoc_lo = NAN;
    res.perception->posthoc_hi = NAN;
    res.perception->gap_forecast = 0.425;
    res.perception->gap_forecast_lo = 0.3;
    res.perception->gap_forecast_hi = 0.5;
    res.perception->gap_posthoc = NAN;
    res.perception->gap_posthoc_lo = NAN;
    res.perception->gap_posthoc_hi = NAN;
    res.ratio_of_means = calloc(1, sizeof *res.ratio_of_means);
    assert_non_null(res.ratio_of_means);
    res.ratio_of_means->pct = 0.337;
    res.ratio_of_means->pct_lo = 0.1;
    res.ratio_of_means->pct_hi = 0.6;
    res.ratio_of_means->bootstrap = 2000;
    res.per_participant = calloc(1, sizeof *res.per_participant);
    assert_non_null(res.per_participant);
    res.n_per_participant = 1;
    res.per_participant[0] = (upl_participant_effect){"655", 20, 0.1, -0.1, 0.3};
    root = render_json(&res);
    json_t *p = json_object_get(root, "perception");
    assert_true(json_is_object(p));
    assert_true(fabs(json_real_value(json_object_get(p, "forecast_pct")) + 0.237) < 1e-15);
    assert_true(json_is_null(json_object_get(p, "posthoc_pct")));
    assert_true(json_is_null(json_object_get(p, "posthoc_pct_ci")));
    assert_int_equal(json_array_size(json_object_get(p, "gap_forecast_ci")), 2);
    json_t *rom = json_object_get(root, "ratio_of_means");
    assert_true(fabs(json_real_value(json_object_get(rom, "pct")) - 0.337) < 1e-15);
    json_t *pp = json_object_get(root, "per_participant");
    assert_int_equal(json_array_size(pp), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pp, 0), "participant")),
                        "655");
    json_decref(root);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(upl_analysis_render_text(&res, f), UPL_OK);
    fclose(f);
    assert_non_null(strstr(buf, "Standard-error panel for arm 'ai'"));
    assert_non_null(strstr(buf, "vs the no_ai arm"));
    assert_non_null(strstr(buf, "only 4 clusters"));
    free(buf);

    /* undefined values print as '-', never "nan": a first-stage F without full
     * compliance, a heterogeneity test whose Wald statistic is undefined */
    res.compliance = calloc(1, sizeof *res.compliance);
    res.subgroups = calloc(1, sizeof *res.subgroups);
    assert_non_null(res.compliance);
    assert_non_null(res.subgroups);
    res.compliance->treated_nonuse = 0.1;
    res.compliance->first_stage_f = NAN;
    upl_estimate_fill(&res.compliance->iv, NAN, NAN, NAN, UPL_DIST_T, 0.95);
    res.subgroups->column = "category";
    res.subgroups->test = "F";
    res.subgroups->stat = res.subgroups->heterogeneity_p = NAN;
    res.subgroups->df1 = 1.0;
    res.subgroups->df2 = 10.0;
    f = open_memstream(&buf, &len);
    assert_int_equal(upl_analysis_render_text(&res, f), UPL_OK);
    fclose(f);
    assert_non_null(strstr(buf, "first-stage F                      -\n"));
    assert_non_null(strstr(buf, "heterogeneity: - "));
    assert_null(strstr(buf, "nan"));
    free(buf);
    upl_analysis_result_release(&res);
    upl_dataset_release(&ds);
}

static void test_refusals(void **state)
{
    (void)state;
    upl_dataset ds;
    upl_model_spec spec;
    upl_analysis_result res;
    upl_diag diag = {0};

    make_dataset(&ds, 1);
    upl_model_spec_default(&spec);
    spec.se_type = UPL_SE_CR1;
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "at least two clusters"));
    assert_int_equal(diag.why.reason, UPL_REASON_NO_CLUSTERS);
    assert_null(strstr(diag.msg, "--"));
    spec.se_type = UPL_SE_AUTO; /* one participant: auto falls back to hc2 */
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_OK);
    assert_int_equal(res.spec.se_type, UPL_SE_HC2);
    /* a caller's advice goes at the end of a warning; each warning has a reason */
    assert_true(res.n_warnings > 0);
    assert_int_equal(res.warning_reasons[0], UPL_REASON_NONE);
    assert_int_equal(upl_analysis_warning_append(&res, 0, " [advice]"), UPL_OK);
    size_t wlen = strlen(res.warnings[0]);
    assert_true(wlen > 9 && strcmp(res.warnings[0] + wlen - 9, " [advice]") == 0);
    assert_int_equal(upl_analysis_warning_append(&res, res.n_warnings, "x"), UPL_INVALID);
    upl_analysis_result_release(&res);
    upl_dataset_release(&ds);

    make_dataset(&ds, 4);
    ds.reported_min[6] = 0.0;
    ds.post_review_min[6] = 0.0;
    upl_model_spec_default(&spec);
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "task 't7'"));
    ds.reported_min[6] = 10.0;
    ds.forecast_no_ai_min[3] = -1.0;
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "task 't4': forecast_no_ai_min"));
    assert_int_equal(diag.why.reason, UPL_REASON_COVARIATE_INVALID);
    ds.forecast_no_ai_min[3] = 50.0;
    for (size_t i = 1; i < ds.n; i += 2)
        ds.status[i] = UPL_TASK_EXCLUDED;
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "arm 'ai' has no analysed task"));
    upl_dataset_release(&ds);

    /* a task without a participant among clustered ones: refused, not unclustered */
    make_dataset(&ds, 4);
    free(ds.participant[5]);
    ds.participant[5] = NULL;
    upl_model_spec_default(&spec);
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "task 't6' has no participant but other tasks have one"));
    upl_dataset_release(&ds);

    /* missing post-review time: arm mean of the same arm, or left out */
    make_dataset(&ds, 4);
    ds.post_review_min[1] = NAN;
    ds.post_review_min[2] = NAN;
    upl_design d;
    assert_int_equal(upl_design_build(&d, &ds, &spec, &diag), UPL_OK);
    assert_int_equal(d.counts.imputed, 2);
    double sum = 0.0;
    size_t cnt = 0;
    for (size_t i = 3; i < ds.n; i += 2) {
        sum += ds.post_review_min[i];
        cnt++;
    }
    double want = log(ds.reported_min[1] + sum / (double)cnt);
    size_t j1 = 0; /* the design row of dataset row 1 (the design's order is canonical) */
    while (j1 < d.n && d.row[j1] != 1)
        j1++;
    assert_true(j1 < d.n);
    assert_true(fabs(gsl_vector_get(d.y, j1) - want) <= 4 * DBL_EPSILON * fabs(want));
    upl_design_release(&d);
    spec.impute = UPL_IMPUTE_COMPLETE_CASE;
    assert_int_equal(upl_design_build(&d, &ds, &spec, &diag), UPL_OK);
    assert_int_equal(d.n, ds.n - 2);
    assert_int_equal(d.counts.missing_outcome, 2);
    upl_design_release(&d);
    upl_dataset_release(&ds);
}

/* Does some warning of res contain every one of the strings (NULL-terminated)? */
static int warned(const upl_analysis_result *res, const char *const *parts)
{
    for (size_t i = 0; i < res->n_warnings; i++) {
        int all = 1;
        for (const char *const *q = parts; *q && all; q++)
            all = strstr(res->warnings[i], *q) != NULL;
        if (all)
            return 1;
    }
    return 0;
}

/* One participant of 40 tasks in both arms and one of a single task, with participant
 * fixed effects: the single task's own dummy fits it exactly, its residual is 0 and with
 * two clusters the other's cluster sum is 0 too, so every cluster-robust variance of the
 * effect is exactly zero (issue 11 item 5).  The default cr2 is refused: the effect keeps
 * its coefficient and pct, its se, ci, pct_ci and p are NAN (null), a warning says which
 * types are refused, which still apply and that the chosen one is refused; the panel's
 * classical rows keep their intervals. */
static void test_zero_variance_effect(void **state)
{
    (void)state;
    upl_dataset ds;
    assert_int_equal(upl_dataset_init(&ds, 0, NULL), UPL_OK);
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < 41; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%zu", i + 1);
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double u = (double)(s >> 11) / 9007199254740992.0;
        upl_task_row row;
        upl_task_row_clear(&row);
        row.task_id = id;
        row.participant = i < 40 ? "big" : "solo";
        row.arm = i % 2 ? "ai" : "no_ai";
        row.forecast_no_ai_min = 30.0 + 10.0 * (double)(i % 7);
        row.reported_min = row.forecast_no_ai_min * (0.6 + u) * (i % 2 ? 1.2 : 1.0);
        row.post_review_min = 0.0;
        row.status = UPL_TASK_DONE;
        assert_int_equal(upl_dataset_append(&ds, &row), UPL_OK);
    }
    assert_int_equal(upl_dataset_add_arm(&ds, "no_ai", NULL), UPL_OK);
    assert_int_equal(upl_dataset_add_arm(&ds, "ai", NULL), UPL_OK);
    ds.control = 0;
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    spec.participant_fe = 1;
    upl_analysis_result res;
    upl_diag diag = {0};
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_OK);
    assert_int_equal(res.spec.se_type, UPL_SE_CR2);
    const upl_estimate *e = &res.effects[0].est;
    assert_false(e->defined);
    assert_true(isfinite(e->coef) && isfinite(e->pct));
    assert_true(isnan(e->se) && isnan(e->ci_lo) && isnan(e->pct_lo) && isnan(e->p));
    for (size_t i = 0; i < res.n_panel; i++) {
        const upl_panel_entry *pe = &res.panel[i];
        int cluster = upl_se_type_clustered(pe->se_type);
        int leverage_one = pe->se_type == UPL_SE_HC2 || pe->se_type == UPL_SE_HC3;
        assert_int_equal(pe->est.defined, !cluster && !leverage_one);
        if (pe->est.defined)
            assert_true(pe->est.se > 0.0 && pe->est.pct_lo < pe->est.pct_hi);
    }
    static const char *const effect[] = {"arm 'ai'",
                                         "zero to working precision",
                                         "cr0, cr1, cr2",
                                         "classical, hc0, hc1 still apply",
                                         "the chosen type is cr2",
                                         NULL};
    assert_true(warned(&res, effect));
    json_t *root = render_json(&res);
    json_t *eff = json_array_get(json_object_get(root, "effects"), 0);
    assert_true(json_is_real(json_object_get(eff, "pct")));
    static const char *const nulls[] = {"se", "df", "ci", "pct_ci", "p"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        assert_true(json_is_null(json_object_get(eff, nulls[i])));
    json_decref(root);
    upl_analysis_result_release(&res);

    /* the same data under classical: the chosen type applies and nothing is refused */
    spec.se_type = UPL_SE_CLASSICAL;
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_OK);
    assert_true(res.effects[0].est.defined && res.effects[0].est.se > 0.0);
    static const char *const chosen[] = {"the chosen type", NULL};
    assert_false(warned(&res, chosen));
    static const char *const panel[] = {"arm 'ai'", "zero to working precision", "cr0, cr1, cr2",
                                        NULL}; /* the panel's cluster types: still refused */
    assert_true(warned(&res, panel));
    upl_analysis_result_release(&res);
    upl_dataset_release(&ds);
}

/* A covariate log(60 exp(delta u)) that is nearly the intercept (issue 11 item 6): with
 * delta = 1e-9 its part orthogonal to the intercept and arm is below R's tolerance (1e-7
 * of its length): refused as rank deficient, naming it and the condition number; with
 * delta = 2e-6 it is above the tolerance but the condition number (with unit-length
 * columns) is above 1e7: estimated, with a warning naming it and the condition number; with
 * delta = 0.3 neither. */
static void test_near_collinear(void **state)
{
    (void)state;
    const double deltas[] = {1e-9, 2e-6, 0.3};
    for (size_t d = 0; d < 3; d++) {
        upl_dataset ds;
        make_dataset(&ds, 4);
        uint64_t s = 0x2545f4914f6cdd1dULL;
        for (size_t i = 0; i < ds.n; i++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            double u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
            ds.forecast_no_ai_min[i] = 60.0 * exp(deltas[d] * u);
        }
        upl_model_spec spec;
        upl_model_spec_default(&spec);
        upl_analysis_result res;
        upl_diag diag = {0};
        upl_status st = upl_analysis_run(&ds, &spec, &res, &diag);
        static const char *const warning[] = {"nearly collinear", "condition number",
                                              "'log_forecast_no_ai'", NULL};
        if (d == 0) {
            assert_int_equal(st, UPL_REFUSED);
            assert_non_null(strstr(diag.msg, "'log_forecast_no_ai' is a combination"));
            assert_non_null(strstr(diag.msg, "condition number"));
        } else {
            assert_int_equal(st, UPL_OK);
            assert_int_equal(warned(&res, warning), d == 1);
            upl_analysis_result_release(&res);
        }
        upl_dataset_release(&ds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_and_nulls),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_zero_variance_effect),
        cmocka_unit_test(test_near_collinear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
