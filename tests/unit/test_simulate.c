/* Synthetic studies (analysis/estimate/simulate.c) and power by simulation
 * (analysis/estimate/power.c).
 *
 * Statistical checks use a fixed seed, so each passes or fails deterministically; the
 * bounds are stated as multiples of the Monte Carlo standard error of the quantity
 * (4 SE for moments: a correct generator fails one with probability about 6e-5 per
 * seed; 2 SE for the recovery acceptance criterion of issue 8, 3 SE for power against
 * its closed form), plus the rounding of times to 0.1 minute where it matters. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "uplift/duration.h"
#include "uplift/power.h"
#include "uplift/render.h"
#include "uplift/simulate.h"

#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b), e_ = (double)(eps);                             \
        if (!(fabs(a_ - b_) <= e_))                                                                \
            fail_msg("%s = %.6g, expected %.6g within %.3g", #a, a_, b_, e_);                      \
    } while (0)

static void simulate(const upl_sim_params *p, upl_dataset *ds, upl_sim_truth *t)
{
    upl_diag diag = {0};
    upl_status rc = upl_sim_study(p, ds, t, &diag);
    if (rc != UPL_OK)
        fail_msg("simulate: %s", diag.msg);
}

static int same_string(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static int same_number(double a, double b)
{
    return (isnan(a) && isnan(b)) || !(a < b || a > b);
}

static int same_dataset(const upl_dataset *a, const upl_dataset *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (!same_string(a->task_id[i], b->task_id[i]) ||
            !same_string(a->participant[i], b->participant[i]) ||
            !same_string(a->category[i], b->category[i]) || !same_string(a->arm[i], b->arm[i]) ||
            !same_number(a->forecast_ai_min[i], b->forecast_ai_min[i]) ||
            !same_number(a->forecast_no_ai_min[i], b->forecast_no_ai_min[i]) ||
            !same_number(a->measured_min[i], b->measured_min[i]) ||
            !same_number(a->reported_min[i], b->reported_min[i]) ||
            !same_number(a->post_review_min[i], b->post_review_min[i]) ||
            !same_number(a->perceived_pct[i], b->perceived_pct[i]) ||
            a->ai_used[i] != b->ai_used[i] || a->status[i] != b->status[i])
            return 0;
    }
    return 1;
}

static void test_deterministic_per_seed(void **state)
{
    (void)state;
    upl_sim_params p;
    upl_sim_params_default(&p);
    p.tasks_min = 5;
    p.tasks_max = 25;
    p.effect_pct = 0.19;
    p.seed = 42;
    p.perceived_missing = 0.3;
    p.post_review_missing = 0.2;
    upl_dataset a, b, c;
    simulate(&p, &a, NULL);
    simulate(&p, &b, NULL);
    assert_true(same_dataset(&a, &b));
    p.seed = 43;
    simulate(&p, &c, NULL);
    assert_false(same_dataset(&a, &c));
    /* common random numbers: another effect changes times of AI tasks, nothing else */
    upl_dataset_release(&c);
    p.seed = 42;
    p.effect_pct = -0.3;
    simulate(&p, &c, NULL);
    assert_int_equal(a.n, c.n);
    size_t changed = 0;
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.arm[i], c.arm[i]);
        assert_string_equal(a.category[i], c.category[i]);
        assert_true(same_number(a.forecast_no_ai_min[i], c.forecast_no_ai_min[i]));
        assert_true(same_number(a.perceived_pct[i], c.perceived_pct[i]));
        if (strcmp(a.arm[i], "no_ai") == 0)
            assert_true(same_number(a.measured_min[i], c.measured_min[i]));
        else
            changed += !same_number(a.measured_min[i], c.measured_min[i]);
    }
    assert_true(changed > 0);
    upl_dataset_release(&a);
    upl_dataset_release(&b);
    upl_dataset_release(&c);
}

/* 200 participants x 20 tasks: the generated quantities have the declared moments. */
static void test_moments(void **state)
{
    (void)state;
    upl_sim_params p;
    upl_sim_params_default(&p);
    p.participants = 200;
    p.tasks_min = p.tasks_max = 20;
    p.effect_pct = 0.19;
    p.seed = 2025;
    p.forecast_bias = -0.24;
    p.perceived_pct = -0.20;
    p.report_bias = 0.10;
    p.report_sd = 0.1;
    p.review_rate = 0.5;
    p.post_review_missing = 0.1;
    p.treated_nonuse = 0.2;
    upl_dataset ds;
    upl_sim_truth t;
    simulate(&p, &ds, &t);
    const size_t n = ds.n;
    assert_int_equal(n, 4000);
    assert_int_equal(t.n_tasks, 4000);

    size_t n_ai = 0, nonuse = 0, reviewed = 0, missing_post = 0, n_perc = 0;
    double sum_ratio = 0, sum_lr = 0, sum_lr2 = 0, sum_perc = 0, sum_lf = 0, sum_lf2 = 0;
    for (size_t i = 0; i < n; i++) {
        int ai = strcmp(ds.arm[i], "ai") == 0;
        n_ai += (size_t)ai;
        if (ai && ds.ai_used[i] == UPL_AI_USED_NO)
            nonuse++;
        if (!ai)
            assert_int_equal(ds.ai_used[i], UPL_AI_USED_NO);
        if (isnan(ds.post_review_min[i]))
            missing_post++;
        else if (ds.post_review_min[i] > 0.0)
            reviewed++;
        sum_ratio += ds.forecast_ai_min[i] / ds.forecast_no_ai_min[i];
        double lr = log(ds.reported_min[i] / ds.measured_min[i]);
        sum_lr += lr;
        sum_lr2 += lr * lr;
        double lf = log(ds.forecast_no_ai_min[i]);
        sum_lf += lf;
        sum_lf2 += lf * lf;
        if (!isnan(ds.perceived_pct[i])) {
            assert_int_equal(ds.ai_used[i], UPL_AI_USED_YES);
            n_perc++;
            sum_perc += ds.perceived_pct[i];
        }
    }
    double dn = (double)n;
    /* simple randomization: share of the ai arm 0.5, SE sqrt(0.25/n) = 0.0079 */
    assert_near((double)n_ai / dn, 0.5, 4 * sqrt(0.25 / dn));
    /* non-use among ai tasks 0.2, SE sqrt(0.16/2000) = 0.009 */
    assert_near((double)nonuse / (double)n_ai, 0.2, 4 * sqrt(0.16 / (double)n_ai));
    /* post-review missing 0.1 (SE 0.0047); reviewed 0.5 of the rest */
    assert_near((double)missing_post / dn, 0.1, 4 * sqrt(0.09 / dn));
    assert_near((double)reviewed / (dn - (double)missing_post), 0.5,
                4 * sqrt(0.25 / (dn - (double)missing_post)));
    /* forecast_ai / forecast_no_ai = 0.76 up to rounding to whole minutes */
    assert_near(sum_ratio / dn, 0.76, 0.01);
    /* log(reported / measured) ~ N(log 1.1, 0.1^2): mean SE 0.0016, SD SE 0.0011; the
     * rounding to 0.1 minute adds at most ~0.002 */
    double m_lr = sum_lr / dn, sd_lr = sqrt((sum_lr2 - dn * m_lr * m_lr) / (dn - 1));
    assert_near(m_lr, log(1.1), 4 * 0.1 / sqrt(dn) + 0.002);
    assert_near(sd_lr, 0.1, 4 * 0.1 / sqrt(2 * dn) + 0.005);
    /* perceived: mean -0.20 over tasks that used AI, SD 0.15: SE 0.15/sqrt(1600) */
    assert_near(sum_perc / (double)n_perc, -0.20, 4 * 0.15 / sqrt((double)n_perc) + 0.001);
    /* log forecast_no_ai = log 90 + u + e + forecast noise: mean SE
     * sqrt(0.09/200 + (0.64 + 0.25)/4000) = 0.026; variance 0.98 */
    double m_lf = sum_lf / dn, v_lf = (sum_lf2 - dn * m_lf * m_lf) / (dn - 1);
    assert_near(m_lf, log(90.0), 4 * 0.026);
    assert_near(v_lf, 0.98, 0.1);

    /* participant SD from the spread of participant means of log forecast:
     * var(means) = psd^2 + (0.64 + 0.25)/20, SE of var(means) about 0.0135 */
    double means[200] = {0};
    for (size_t i = 0; i < n; i++) {
        unsigned long j = strtoul(ds.participant[i] + 1, NULL, 10) - 1;
        means[j] += log(ds.forecast_no_ai_min[i]) / 20.0;
    }
    double mm = 0, vm = 0;
    for (size_t j = 0; j < 200; j++)
        mm += means[j] / 200.0;
    for (size_t j = 0; j < 200; j++)
        vm += (means[j] - mm) * (means[j] - mm) / 199.0;
    assert_near(vm - 0.89 / 20.0, 0.09, 4 * 0.0135);
    upl_dataset_release(&ds);
}

/* --forecast-ratio-sd: log(forecast_ai / forecast_no_ai) ~ N(log(1 + bias), X^2) across
 * tasks.  200 x 20 = 4000 tasks with long forecasts (median 4000 minutes, small spreads,
 * so every forecast_ai is between 700 minutes and the longest accepted duration, unclamped,
 * and the rounding to whole minutes moves a log ratio by at most 0.5/700 = 0.0007).  At X = 0.25
 * the SD of the log ratio has a Monte Carlo SE of X / sqrt(2n) = 0.0028 and its mean X / sqrt(n) =
 * 0.0040: 4 SE plus 0.001 for the rounding.  With X = 0 the table is the one drawn without the
 * option: every forecast_ai is round(forecast_no_ai (1 + bias)); with X > 0 only forecast_ai
 * changes (the ratios are drawn after everything else). */
static void test_forecast_ratio_sd(void **state)
{
    (void)state;
    upl_sim_params p;
    upl_sim_params_default(&p);
    p.participants = 200;
    p.tasks_min = p.tasks_max = 20;
    p.effect_pct = 0.19;
    p.seed = 31;
    p.median_min = 4000.0;
    p.participant_sd = 0.0;
    p.resid_sd = 0.05;
    p.forecast_sd = 0.05;
    p.forecast_bias = -0.24;
    upl_dataset plain, zero, varied;
    simulate(&p, &plain, NULL);
    p.forecast_ratio_sd = 0.0;
    simulate(&p, &zero, NULL);
    assert_true(same_dataset(&plain, &zero));
    for (size_t i = 0; i < zero.n; i++)
        assert_true(same_number(zero.forecast_ai_min[i],
                                floor(zero.forecast_no_ai_min[i] * (1.0 + p.forecast_bias) + 0.5)));

    const double x = 0.25;
    p.forecast_ratio_sd = x;
    simulate(&p, &varied, NULL);
    assert_int_equal(varied.n, 4000);
    double sum = 0, sum2 = 0, dn = (double)varied.n;
    for (size_t i = 0; i < varied.n; i++) {
        assert_string_equal(varied.arm[i], plain.arm[i]);
        assert_true(same_number(varied.forecast_no_ai_min[i], plain.forecast_no_ai_min[i]));
        assert_true(same_number(varied.measured_min[i], plain.measured_min[i]));
        assert_true(same_number(varied.reported_min[i], plain.reported_min[i]));
        assert_true(same_number(varied.perceived_pct[i], plain.perceived_pct[i]));
        assert_true(varied.forecast_ai_min[i] >= 700.0);
        assert_true(varied.forecast_ai_min[i] < UPL_DURATION_MAX_MIN);
        double l = log(varied.forecast_ai_min[i] / varied.forecast_no_ai_min[i]);
        sum += l;
        sum2 += l * l;
    }
    double mean = sum / dn, sd = sqrt((sum2 - dn * mean * mean) / (dn - 1));
    print_message("forecast ratio: SD of log %.4f (want %.2f), geometric mean %.4f (want "
                  "0.76)\n",
                  sd, x, exp(mean));
    assert_near(sd, x, 4 * x / sqrt(2 * dn) + 0.001);
    assert_near(mean, log(0.76), 4 * x / sqrt(dn) + 0.001);

    /* the truth records the option when it is set, and only then */
    upl_sim_truth t;
    upl_sim_truth_compute(&p, &t);
    char *json = upl_sim_truth_json(&p, &t);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"forecast_ratio_sd\": 0.25"));
    free(json);
    p.forecast_ratio_sd = 0.0;
    json = upl_sim_truth_json(&p, &t);
    assert_non_null(json);
    assert_null(strstr(json, "forecast_ratio_sd"));
    free(json);
    /* out of range */
    upl_diag diag = {0};
    p.forecast_ratio_sd = -0.1;
    assert_int_equal(upl_sim_params_check(&p, &diag), UPL_INVALID);
    assert_non_null(strstr(diag.msg, "forecast ratio SD"));
    upl_dataset_release(&plain);
    upl_dataset_release(&zero);
    upl_dataset_release(&varied);
}

static void test_schemes_and_task_counts(void **state)
{
    (void)state;
    upl_sim_params p;
    upl_sim_params_default(&p);
    p.participants = 30;
    p.tasks_min = 3;
    p.tasks_max = 11;
    p.seed = 9;
    upl_dataset ds;
    /* complete: the arms differ by at most one over the study */
    p.scheme = UPL_SIM_COMPLETE;
    simulate(&p, &ds, NULL);
    long diff = 0;
    for (size_t i = 0; i < ds.n; i++)
        diff += strcmp(ds.arm[i], "ai") == 0 ? 1 : -1;
    assert_true(labs(diff) <= 1);
    /* tasks per participant within MIN-MAX, and both ends occur over 30 participants */
    size_t count[31] = {0};
    for (size_t i = 0; i < ds.n; i++)
        count[strtoul(ds.participant[i] + 1, NULL, 10)]++;
    size_t lo = 100, hi = 0;
    for (size_t j = 1; j <= 30; j++) {
        assert_true(count[j] >= 3 && count[j] <= 11);
        lo = count[j] < lo ? count[j] : lo;
        hi = count[j] > hi ? count[j] : hi;
    }
    assert_true(lo < 6 && hi > 8);
    upl_dataset_release(&ds);
    /* blocked by participant, ratio 2:1: within each participant the counts are within
     * one block of 2:1 */
    p.scheme = UPL_SIM_BLOCKED;
    p.arms[0].ratio = 2;
    simulate(&p, &ds, NULL);
    long ai[31] = {0}, all[31] = {0};
    for (size_t i = 0; i < ds.n; i++) {
        unsigned long j = strtoul(ds.participant[i] + 1, NULL, 10);
        all[j]++;
        ai[j] += strcmp(ds.arm[i], "ai") == 0;
    }
    for (size_t j = 1; j <= 30; j++) {
        double expect = 2.0 * (double)all[j] / 3.0;
        assert_true(fabs((double)ai[j] - expect) <= 1.0);
    }
    upl_dataset_release(&ds);
}

static void test_truth(void **state)
{
    (void)state;
    upl_sim_params p;
    upl_sim_params_default(&p);
    p.effect_pct = 0.19;
    p.treated_nonuse = 0.2;
    p.control_use = 0.1;
    upl_sim_truth t;
    upl_sim_truth_compute(&p, &t);
    assert_int_equal(t.n_effects, 1);
    assert_near(t.effects[0].log_effect, log(1.19), 1e-12);
    assert_near(t.effects[0].itt_log_effect, 0.7 * log(1.19), 1e-12);
    /* jagged frontier: two equal categories with opposite effects */
    p.treated_nonuse = p.control_use = 0;
    p.n_categories = 2;
    p.categories[0] = (upl_sim_category){"bug", 1.0, -0.2, 1.0};
    p.categories[1] = (upl_sim_category){"feature", 1.0, 0.3, 1.0};
    upl_sim_truth_compute(&p, &t);
    assert_near(t.effects[0].log_effect, 0.5 * log(0.8) + 0.5 * log(1.3), 1e-12);
    /* icc resolves the participant SD */
    p.icc = 0.3;
    upl_sim_truth_compute(&p, &t);
    assert_near(t.participant_sd, 0.8 * sqrt(0.3 / 0.7), 1e-12);
    assert_near(t.icc, 0.3, 1e-12);
    /* the JSON names the truth, the seed and the generator */
    char *json = upl_sim_truth_json(&p, &t);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"log_effect\""));
    assert_non_null(strstr(json, "\"effect_pct\""));
    assert_non_null(strstr(json, "\"rng\": \"mt19937\""));
    assert_non_null(strstr(json, "\"seed\": 1"));
    free(json);
    /* bad parameters are refused with a message */
    upl_diag diag = {0};
    p.resid_sd = -1;
    assert_int_equal(upl_sim_params_check(&p, &diag), UPL_INVALID);
    assert_non_null(strstr(diag.msg, "residual SD"));
}

static upl_power_result run_power(const upl_power_spec *spec)
{
    upl_power_result r;
    upl_diag diag = {0};
    if (upl_power_run(spec, &r, &diag) != UPL_OK)
        fail_msg("power: %s", diag.msg);
    return r;
}

/* Acceptance (issue 8): across 500 simulated studies the mean estimate is within 2 Monte
 * Carlo SEs of the true log effect: a METR-shaped design (CR2), and a jagged frontier
 * with non-compliance (the truth is then the intention-to-treat contrast). */
static void test_recovery(void **state)
{
    (void)state;
    upl_power_spec spec;
    memset(&spec, 0, sizeof spec);
    upl_sim_params_default(&spec.design);
    upl_model_spec_default(&spec.model);
    spec.design.participants = 16;
    spec.design.tasks_min = 5;
    spec.design.tasks_max = 25;
    spec.design.effect_pct = 0.19;
    spec.design.seed = 8;
    spec.sims = 500;
    upl_power_result r = run_power(&spec);
    print_message("recovery: mean %.5f, truth %.5f, MC SE %.5f, coverage %.3f (%s)\n", r.est_mean,
                  log(1.19), r.est_mc_se, r.coverage, upl_se_type_name(r.se_type));
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.se_type, UPL_SE_CR2);
    assert_near(r.estimand, log(1.19), 1e-12);
    assert_near(r.est_mean, log(1.19), 2 * r.est_mc_se);

    spec.design.n_categories = 2;
    spec.design.categories[0] = (upl_sim_category){"bug", 1.0, -0.2, 1.0};
    spec.design.categories[1] = (upl_sim_category){"feature", 1.0, 0.3, 1.0};
    spec.design.treated_nonuse = 0.15;
    spec.design.post_review_missing = 0.1;
    r = run_power(&spec);
    double truth = 0.85 * (0.5 * log(0.8) + 0.5 * log(1.3));
    print_message("jagged + non-compliance: mean %.5f, truth %.5f, MC SE %.5f\n", r.est_mean, truth,
                  r.est_mc_se);
    assert_near(r.estimand, truth, 1e-12);
    assert_near(r.est_mean, truth, 2 * r.est_mc_se);

    /* developers who differ in their own effect (random slope SD 0.2): still unbiased */
    upl_sim_params_default(&spec.design);
    spec.design.participants = 16;
    spec.design.tasks_min = 5;
    spec.design.tasks_max = 25;
    spec.design.effect_pct = 0.19;
    spec.design.effect_sd = 0.2;
    spec.design.seed = 11;
    r = run_power(&spec);
    print_message("random slope: mean %.5f, truth %.5f, MC SE %.5f, coverage %.3f\n", r.est_mean,
                  log(1.19), r.est_mc_se, r.coverage);
    assert_near(r.est_mean, log(1.19), 2 * r.est_mc_se);
}

/* Closed form: an unclustered two-arm design (200 participants with one task each, no
 * participant effect, complete randomization 100:100), log time normal with SD s, no
 * covariate, classical SE and a z test.  The difference of arm means of log time has
 * SE = s sqrt(1/100 + 1/100), and the normal-approximation power at log effect d is
 *   power = Phi(d/SE - z_{1-alpha/2}) + Phi(-d/SE - z_{1-alpha/2}).
 * Simulated power must agree within 3 Monte Carlo SEs, sqrt(p (1 - p) / sims). */
static void test_power_closed_form(void **state)
{
    (void)state;
    upl_power_spec spec;
    memset(&spec, 0, sizeof spec);
    upl_sim_params_default(&spec.design);
    upl_model_spec_default(&spec.model);
    upl_sim_params *p = &spec.design;
    p->participants = 200;
    p->tasks_min = p->tasks_max = 1;
    p->participant_sd = 0.0;
    p->resid_sd = 0.5;
    p->scheme = UPL_SIM_COMPLETE;
    p->review_rate = 0.0;
    p->report_sd = 0.0;
    p->seed = 77;
    spec.model.covariate = UPL_COVARIATE_NONE;
    spec.model.se_type = UPL_SE_CLASSICAL;
    spec.model.dist = UPL_DIST_Z;
    spec.sims = 2000;
    const double effects[] = {0.10, 0.19, -0.15};
    for (size_t e = 0; e < 3; e++) {
        p->effect_pct = effects[e];
        double d = log1p(effects[e]), se = 0.5 * sqrt(2.0 / 100.0);
        double z = gsl_cdf_ugaussian_Qinv(0.025);
        double closed = gsl_cdf_ugaussian_P(d / se - z) + gsl_cdf_ugaussian_P(-d / se - z);
        upl_power_result r = run_power(&spec);
        print_message("effect %+.0f%%: power %.4f (MC SE %.4f), closed form %.4f\n",
                      100 * effects[e], r.power, r.power_mc_se, closed);
        assert_near(r.power, closed, 3 * sqrt(closed * (1 - closed) / 2000.0));
    }
    /* and the minimum detectable effect at 80% power: d = (z_{0.975} + z_{0.8}) SE */
    upl_mde_result m;
    upl_diag diag = {0};
    assert_int_equal(upl_power_mde(&spec, 0.8, &m, &diag), UPL_OK);
    double se = 0.5 * sqrt(2.0 / 100.0);
    double d80 = (gsl_cdf_ugaussian_Qinv(0.025) + gsl_cdf_ugaussian_Qinv(0.2)) * se;
    /* power changes by phi(0.84) / SE = 0.280 / 0.0707 = 3.96 per unit of log effect near
     * 80%: 3 MC SEs of power (0.027) are about 0.0068 of log effect */
    print_message("MDE: log %.4f (power %.4f), closed form %.4f\n", m.log_effect, m.at.power, d80);
    assert_near(m.log_effect, d80, 0.0068 + m.tolerance);
    assert_true(m.at.power >= 0.8);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_forecast_ratio_sd),
        cmocka_unit_test(test_schemes_and_task_counts),
        cmocka_unit_test(test_truth),
        cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_power_closed_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
