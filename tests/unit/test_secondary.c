/* Golden tests of the secondary analyses (issue 6) against R's estimatr:
 * tests/fixtures/analysis/make_secondary.R wrote each data set NAME.csv and what
 * iv_robust (2SLS, first-stage F) or lm_robust (the subgroup interaction model and the
 * Wald test of heterogeneity) report on it for every SE type.  Relative agreement
 * within 1e-8 on every number; the largest errors are printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/analysis.h"
#include "uplift/ols.h"
#include "uplift/secondary.h"
#include "uplift/simulate.h"

#define UPL_TEST_RELTOL 1e-8

static double max_iv, max_f, max_sub, max_het;

static void load(upl_dataset *ds, const char *name)
{
    FILE *f = open_fixture(name, ".csv");
    char line[4096];
    char *fld[16];
    assert_int_equal(upl_dataset_init(ds, 0, NULL), UPL_OK);
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(split(line, fld, 16), 10);
    assert_string_equal(fld[4], "ai_used");
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 16), 10);
        upl_task_row row;
        upl_task_row_clear(&row);
        row.task_id = fld[0];
        row.participant = fld[1];
        row.arm = fld[2];
        row.category = fld[3];
        row.ai_used = strcmp(fld[4], "yes") == 0 ? UPL_AI_USED_YES : UPL_AI_USED_NO;
        row.forecast_ai_min = num(fld[5]);
        row.forecast_no_ai_min = num(fld[6]);
        row.reported_min = num(fld[7]);
        row.post_review_min = num(fld[8]);
        assert_int_equal(upl_task_status_from_name(fld[9], &row.status), 0);
        assert_int_equal(upl_dataset_append(ds, &row), UPL_OK);
    }
    fclose(f);
    assert_int_equal(upl_dataset_add_arm(ds, "no_ai", NULL), UPL_OK);
    assert_int_equal(upl_dataset_add_arm(ds, "ai", NULL), UPL_OK);
    ds->control = 0;
}

static double check(double got, double want, const char *what, const char *name, const char *se,
                    const char *term)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("%s %s %s %s: want NA, got %.17g", name, se, term, what, got);
        return 0.0;
    }
    double rel = fabs(got - want) / fabs(want);
    if (!(rel <= UPL_TEST_RELTOL))
        fail_msg("%s %s %s %s: want %.17g, got %.17g (relative error %.3g)", name, se, term, what,
                 want, got, rel);
    return rel;
}

static void run_set(const char *name, const char *kind, const char *covariate, int fe)
{
    upl_dataset ds;
    load(&ds, name);
    FILE *f = open_fixture(name, ".expected.csv");
    char line[4096];
    char *fld[16];
    assert_non_null(fgets(line, sizeof line, f));
    char cur[32] = "";
    upl_design d;
    upl_compliance comp;
    upl_subgroups sub;
    memset(&sub, 0, sizeof sub);
    int have = 0;
    size_t rows = 0;
    upl_model_spec spec;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 16), 8);
        if (strcmp(fld[0], cur) != 0) {
            if (have) {
                free(sub.levels);
                memset(&sub, 0, sizeof sub);
                upl_design_release(&d);
            }
            assert_true(strlen(fld[0]) < sizeof cur);
            memcpy(cur, fld[0], strlen(fld[0]) + 1);
            upl_model_spec_default(&spec);
            assert_int_equal(upl_covariate_from_name(covariate, &spec.covariate), 0);
            assert_int_equal(upl_se_type_from_name(fld[0], &spec.se_type), 0);
            spec.participant_fe = fe;
            spec.impute = UPL_IMPUTE_COMPLETE_CASE;
            upl_diag diag = {0};
            if (upl_design_build(&d, &ds, &spec, &diag) != UPL_OK)
                fail_msg("%s: %s", name, diag.msg);
            upl_status st = strcmp(kind, "iv") == 0
                                ? upl_iv_estimate(&ds, &d, &spec, &comp, &diag)
                                : upl_subgroup_estimate(&ds, &d, &spec, "category", &sub, &diag);
            if (st != UPL_OK)
                fail_msg("%s %s: %s", name, fld[0], diag.msg);
            have = 1;
        }
        const char *term = fld[1];
        double r = 0.0;
        if (strcmp(kind, "iv") == 0 && strcmp(term, "ai_used") == 0) {
            const upl_estimate *e = &comp.iv;
            r = fmax(r, check(e->coef, num(fld[2]), "coef", name, cur, term));
            r = fmax(r, check(e->se, num(fld[3]), "se", name, cur, term));
            r = fmax(r, check(e->df, num(fld[4]), "df", name, cur, term));
            r = fmax(r, check(e->ci_lo, num(fld[5]), "ci_lo", name, cur, term));
            r = fmax(r, check(e->ci_hi, num(fld[6]), "ci_hi", name, cur, term));
            r = fmax(r, check(e->p, num(fld[7]), "p", name, cur, term));
            max_iv = fmax(max_iv, r);
        } else if (strcmp(term, "first_stage_f") == 0) {
            r = fmax(r, check(comp.first_stage_f, num(fld[2]), "F", name, cur, term));
            r = fmax(r, check(comp.first_stage_df2, num(fld[4]), "dendf", name, cur, term));
            max_f = fmax(max_f, r);
        } else if (strcmp(term, "heterogeneity") == 0 || strcmp(term, "heterogeneity_chisq") == 0) {
            int chisq = strcmp(term, "heterogeneity_chisq") == 0;
            upl_subgroups z;
            upl_diag diag = {0};
            const upl_subgroups *s = &sub;
            if (chisq) { /* the same model with z intervals reports chi-square */
                spec.dist = UPL_DIST_Z;
                assert_int_equal(upl_subgroup_estimate(&ds, &d, &spec, "category", &z, &diag),
                                 UPL_OK);
                spec.dist = UPL_DIST_T;
                s = &z;
                assert_string_equal(s->test, "chisq");
            } else {
                assert_string_equal(s->test, "F");
            }
            r = fmax(r, check(s->stat, num(fld[2]), "stat", name, cur, term));
            r = fmax(r, check(chisq ? s->df1 : s->df2, num(fld[4]), "df", name, cur, term));
            r = fmax(r, check(s->heterogeneity_p, num(fld[7]), "p", name, cur, term));
            if (chisq)
                free(z.levels);
            max_het = fmax(max_het, r);
        } else {
            size_t l = 0;
            while (l < sub.n_levels && strcmp(sub.levels[l].level, term) != 0)
                l++;
            if (l == sub.n_levels)
                fail_msg("%s: level %s missing", name, term);
            const upl_subgroup_level *e = &sub.levels[l];
            r = fmax(r, check(e->coef, num(fld[2]), "coef", name, cur, term));
            r = fmax(r, check(e->se, num(fld[3]), "se", name, cur, term));
            r = fmax(r, check(e->df, num(fld[4]), "df", name, cur, term));
            r = fmax(r, check(log1p(e->pct_lo), num(fld[5]), "ci_lo", name, cur, term));
            r = fmax(r, check(log1p(e->pct_hi), num(fld[6]), "ci_hi", name, cur, term));
            r = fmax(r, check(e->p, num(fld[7]), "p", name, cur, term));
            max_sub = fmax(max_sub, r);
        }
        rows++;
    }
    fclose(f);
    assert_true(rows >= 16);
    if (have) {
        free(sub.levels);
        upl_design_release(&d);
    }
    upl_dataset_release(&ds);
}

static void test_golden_secondary(void **state)
{
    (void)state;
    FILE *f = open_fixture("secondary_manifest", ".csv");
    char line[1024];
    char *fld[8];
    size_t sets = 0, iv = 0, sg = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 8), 4);
        run_set(fld[0], fld[1], fld[2], strcmp(fld[3], "1") == 0);
        sets++;
        if (strcmp(fld[1], "iv") == 0)
            iv++;
        else
            sg++;
    }
    fclose(f);
    assert_true(iv >= 2 && sg >= 2);
    printf("max relative error against estimatr over %zu data sets x 8 SE types:\n"
           "  2SLS (iv_robust) %.2e, first-stage F %.2e, subgroup effects (lm_robust) %.2e, "
           "heterogeneity test %.2e\n",
           sets, max_iv, max_f, max_sub, max_het);
}

/* ---- randomization inference: exact enumeration against a hand-worked design ----
 *
 * Two participants A and B with two tasks each, log times A: 1, 3 and B: 2, 6, no
 * covariate (W = intercept), so the estimate is the difference of means.  Observed:
 * the second task of each participant treated, b = (3 + 6)/2 - (1 + 2)/2 = 3.
 *   blocked by participant (one treated in each): {A1,B1} -3, {A1,B2} 1, {A2,B1} -1,
 *     {A2,B2} 3: |b*| >= 3 in 2 of 4, p = 1/2.
 *   complete (two of four): the four above and {A1,A2} -2, {B1,B2} 2: p = 2/6 = 1/3.
 *   simple (each task with probability 1/2; 14 assignments with both arms, equally
 *     likely): singletons {1} -8/3, {3} 0, {2} -4/3, {6} 4; their complements 8/3, 0,
 *     4/3, -4; the six pairs +-3, +-1, +-2: |b*| >= 3 for {6}, {1,3,2} and the two
 *     pairs with +-3, p = 4/14 = 2/7. */
static void test_ri_exact_2x2(void **state)
{
    (void)state;
    gsl_matrix *W = gsl_matrix_alloc(4, 1);
    gsl_vector *y = gsl_vector_alloc(4);
    gsl_matrix_set_all(W, 1.0);
    const double yv[4] = {1.0, 3.0, 2.0, 6.0};
    for (size_t i = 0; i < 4; i++)
        gsl_vector_set(y, i, yv[i]);
    const unsigned char t[4] = {0, 1, 0, 1}, el[4] = {1, 1, 1, 1};
    const size_t block[4] = {0, 0, 1, 1};
    upl_ri_problem pr = {W, y, t, el, block, 2, 0.0, NULL, NULL, NULL};
    const struct {
        upl_ri_design design;
        double p;
        size_t draws;
    } want[3] = {{UPL_RI_BLOCKED, 1.0 / 2.0, 4},
                 {UPL_RI_COMPLETE, 1.0 / 3.0, 6},
                 {UPL_RI_SIMPLE, 2.0 / 7.0, 14}};
    for (size_t k = 0; k < 3; k++) {
        upl_randomization_inference ri;
        upl_diag diag = {0};
        assert_int_equal(
            upl_ri_run(&pr, want[k].design, 0, UPL_RI_EXACT_MAX, 1, NULL, NULL, &ri, &diag),
            UPL_OK);
        assert_true(ri.exact);
        assert_true(fabs(ri.statistic - 3.0) < 1e-12);
        assert_true(fabs(ri.p - want[k].p) < 1e-12);
        assert_int_equal(ri.permutations, want[k].draws);
        assert_true(fabs(ri.p_mc_se) < 1e-300);
        assert_string_equal(ri.design, upl_ri_design_name(want[k].design));
    }
    /* Monte Carlo draws agree with enumeration: 12 tasks, 6 treated, a covariate */
    {
        gsl_matrix *W2 = gsl_matrix_alloc(12, 2);
        gsl_vector *y2 = gsl_vector_alloc(12);
        unsigned char t2[12], el2[12];
        for (size_t i = 0; i < 12; i++) {
            double x = sin(1.7 * (double)i + 0.3);
            gsl_matrix_set(W2, i, 0, 1.0);
            gsl_matrix_set(W2, i, 1, x);
            t2[i] = (unsigned char)(i % 2);
            el2[i] = 1;
            gsl_vector_set(y2, i, 0.5 * x + 0.4 * t2[i] + 0.3 * cos(2.9 * (double)i));
        }
        upl_ri_problem pr2 = {W2, y2, t2, el2, NULL, 0, 0.0, NULL, NULL, NULL};
        upl_randomization_inference ex, mc;
        upl_diag d2 = {0};
        assert_int_equal(upl_ri_run(&pr2, UPL_RI_COMPLETE, 0, 1000, 1, NULL, NULL, &ex, &d2),
                         UPL_OK);
        assert_true(ex.exact);
        assert_int_equal(ex.permutations, 924); /* C(12, 6) */
        assert_int_equal(upl_ri_run(&pr2, UPL_RI_COMPLETE, 40000, 0, 3, NULL, NULL, &mc, &d2),
                         UPL_OK);
        assert_false(mc.exact);
        printf("complete design, 12 tasks: exact p %.4f, Monte Carlo p %.4f (MC SE %.4f)\n", ex.p,
               mc.p, mc.p_mc_se);
        assert_true(fabs(mc.p - ex.p) < 4.0 * mc.p_mc_se);
        gsl_matrix_free(W2);
        gsl_vector_free(y2);
    }
    /* Monte Carlo counts the observed assignment as a draw: p = (hits + 1) / (N + 1),
     * so p (N + 1) is a whole number and p is never 0 */
    {
        upl_randomization_inference mc;
        upl_diag d3 = {0};
        const size_t n_draws = 999;
        assert_int_equal(upl_ri_run(&pr, UPL_RI_COMPLETE, n_draws, 0, 5, NULL, NULL, &mc, &d3),
                         UPL_OK);
        assert_false(mc.exact);
        double scaled = mc.p * (double)(n_draws + 1);
        assert_true(fabs(scaled - round(scaled)) < 1e-9);
        assert_true(mc.p >= 1.0 / (double)(n_draws + 1));
        assert_true(fabs(mc.p - 1.0 / 3.0) < 4.0 * mc.p_mc_se);
    }
    /* with exact enumeration disabled and no draws the test is refused */
    upl_randomization_inference ri;
    upl_diag diag = {0};
    assert_int_equal(upl_ri_run(&pr, UPL_RI_COMPLETE, 0, 0, 1, NULL, NULL, &ri, &diag),
                     UPL_INVALID);
    gsl_matrix_free(W);
    gsl_vector_free(y);
}

/* ---- randomization inference: the histogram the report draws (issue 7) ----
 *
 * The 2x2 design above under complete randomization: six equally likely assignments
 * with estimates -3, -2, -1, 1, 2, 3, each in a bin of its own over [-3, 3] (padded), so
 * six bins hold 1/6 each; a Monte Carlo run gives the same histogram for the same seed,
 * shares that sum to one, and the share of bins beyond the observed estimate near p. */
static void test_ri_histogram(void **state)
{
    (void)state;
    gsl_matrix *W = gsl_matrix_alloc(4, 1);
    gsl_vector *y = gsl_vector_alloc(4);
    gsl_matrix_set_all(W, 1.0);
    const double yv[4] = {1.0, 3.0, 2.0, 6.0};
    for (size_t i = 0; i < 4; i++)
        gsl_vector_set(y, i, yv[i]);
    const unsigned char t[4] = {0, 1, 0, 1}, el[4] = {1, 1, 1, 1};
    upl_ri_problem pr = {W, y, t, el, NULL, 0, 0.0, NULL, NULL, NULL};
    upl_randomization_inference ri, a, b;
    upl_diag diag = {0};
    assert_int_equal(
        upl_ri_run(&pr, UPL_RI_COMPLETE, 0, UPL_RI_EXACT_MAX, 1, NULL, NULL, &ri, &diag), UPL_OK);
    assert_true(ri.hist_lo < -3.0 && ri.hist_hi > 3.0);
    size_t filled = 0;
    double sum = 0.0;
    for (size_t i = 0; i < UPL_RI_HIST_BINS; i++) {
        sum += ri.hist[i];
        if (ri.hist[i] > 0.0) {
            filled++;
            assert_true(fabs(ri.hist[i] - 1.0 / 6.0) < 1e-12);
        }
    }
    assert_int_equal(filled, 6);
    assert_true(fabs(sum - 1.0) < 1e-12);

    /* Monte Carlo: 12 tasks, 6 treated, a covariate */
    gsl_matrix *W2 = gsl_matrix_alloc(12, 2);
    gsl_vector *y2 = gsl_vector_alloc(12);
    unsigned char t2[12], el2[12];
    for (size_t i = 0; i < 12; i++) {
        double x = sin(1.7 * (double)i + 0.3);
        gsl_matrix_set(W2, i, 0, 1.0);
        gsl_matrix_set(W2, i, 1, x);
        t2[i] = (unsigned char)(i % 2);
        el2[i] = 1;
        gsl_vector_set(y2, i, 0.5 * x + 0.4 * t2[i] + 0.3 * cos(2.9 * (double)i));
    }
    upl_ri_problem pr2 = {W2, y2, t2, el2, NULL, 0, 0.0, NULL, NULL, NULL};
    assert_int_equal(upl_ri_run(&pr2, UPL_RI_COMPLETE, 20000, 0, 5, NULL, NULL, &a, &diag), UPL_OK);
    assert_int_equal(upl_ri_run(&pr2, UPL_RI_COMPLETE, 20000, 0, 5, NULL, NULL, &b, &diag), UPL_OK);
    assert_memory_equal(a.hist, b.hist, sizeof a.hist);
    sum = 0.0;
    double beyond = 0.0, w = (a.hist_hi - a.hist_lo) / UPL_RI_HIST_BINS;
    for (size_t i = 0; i < UPL_RI_HIST_BINS; i++) {
        sum += a.hist[i];
        double lo = a.hist_lo + w * (double)i, hi = lo + w;
        if (lo >= fabs(a.statistic) || hi <= -fabs(a.statistic))
            beyond += a.hist[i];
    }
    assert_true(fabs(sum - 1.0) < 1e-9);
    assert_true(a.statistic > a.hist_lo && a.statistic < a.hist_hi);
    /* bins wholly beyond |b| hold at most p, and p at most those plus the two bins the
     * observed estimate and its mirror fall in */
    assert_true(beyond <= a.p + 1e-12);
    printf("histogram: p %.4f, share of bins beyond the observed estimate %.4f\n", a.p, beyond);
    gsl_matrix_free(W);
    gsl_vector_free(y);
    gsl_matrix_free(W2);
    gsl_vector_free(y2);
}

/* ---- a simulated study with known truth ---- */

static void sim_study(upl_dataset *ds, upl_sim_truth *truth, unsigned long seed, size_t P,
                      size_t tasks, double effect)
{
    upl_sim_params p;
    upl_sim_params_default(&p);
    p.participants = P;
    p.tasks_min = p.tasks_max = tasks;
    p.seed = seed;
    p.effect_pct = effect;   /* AI use: 0.19 = 19% more time */
    p.forecast_bias = -0.24; /* forecast: 24% less time with AI */
    p.perceived_pct = -0.20; /* believed afterwards: 20% less */
    p.report_bias = 0.15;    /* self-reports 15% above the timer (geometric mean) */
    p.treated_nonuse = 0.20; /* 20% of AI-arm tasks done without AI */
    p.control_use = 0.10;    /* 10% of control tasks done with AI */
    upl_diag diag = {0};
    if (upl_sim_study(&p, ds, truth, &diag) != UPL_OK)
        fail_msg("simulate: %s", diag.msg);
}

typedef struct truths {
    double itt_pct, iv_log, forecast, posthoc, gap_forecast, gap_posthoc, ratio, rom;
} truths;

/* The truth of sim_study's parameters (what each quantity estimates). */
static truths truth_of(const upl_sim_truth *t)
{
    truths w;
    double eff = t->effects[0].effect_pct, used_t = 0.8, used_c = 0.1;
    w.itt_pct = expm1(t->effects[0].itt_log_effect); /* the model's effect under non-use */
    w.iv_log = t->effects[0].log_effect;             /* 2SLS: the effect of AI use */
    w.forecast = -0.24;
    w.posthoc = -0.20;
    w.gap_forecast = w.itt_pct - w.forecast;
    w.gap_posthoc = w.itt_pct - w.posthoc;
    w.ratio = 1.15;
    /* ratio of mean times: the no-AI time has the same distribution in both arms */
    w.rom = (used_t * (1.0 + eff) + (1.0 - used_t)) / (used_c * (1.0 + eff) + (1.0 - used_c)) - 1.0;
    return w;
}

static void run_all(const upl_dataset *ds, size_t reps, unsigned long seed,
                    upl_analysis_result *res)
{
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    upl_diag diag = {0};
    if (upl_analysis_run(ds, &spec, res, &diag) != UPL_OK)
        fail_msg("analysis: %s", diag.msg);
    upl_secondary_spec s;
    upl_secondary_spec_default(&s);
    s.bootstrap = reps;
    s.permutations = 2000;
    s.seed = seed;
    s.subgroup = "category";
    upl_prediction preds[3] = {
        {"experts", -0.39, NULL}, {"experts", -0.35, NULL}, {"managers", -0.30, NULL}};
    s.predictions = preds;
    s.n_predictions = 3;
    if (upl_analysis_secondary(ds, &s, res, &diag) != UPL_OK)
        fail_msg("secondary: %s", diag.msg);
    assert_non_null(res->ratio_of_means);
    assert_non_null(res->perception);
    assert_non_null(res->agreement);
    assert_non_null(res->randomization_inference);
    assert_non_null(res->per_participant);
    assert_non_null(res->subgroups);
    assert_non_null(res->compliance);
}

static int inside(double x, double lo, double hi)
{
    return lo <= x && x <= hi;
}

/* One study of 40 developers x 12 tasks: every quantity's interval holds its truth. */
static void test_recovery(void **state)
{
    (void)state;
    upl_dataset ds;
    upl_sim_truth truth;
    sim_study(&ds, &truth, 2025, 40, 12, 0.19);
    truths w = truth_of(&truth);
    upl_analysis_result r;
    run_all(&ds, 2000, 7, &r);
    const upl_perception *p = r.perception;
    const upl_estimate *e = &r.effects[0].est;
    printf("truth vs estimate [95%% CI]:\n"
           "  ITT effect      %+.4f  %+.4f [%+.4f, %+.4f]\n"
           "  ratio of means  %+.4f  %+.4f [%+.4f, %+.4f]\n"
           "  forecast        %+.4f  %+.4f [%+.4f, %+.4f]\n"
           "  post-hoc        %+.4f  %+.4f [%+.4f, %+.4f]\n"
           "  gap forecast    %+.4f  %+.4f [%+.4f, %+.4f]\n"
           "  gap post-hoc    %+.4f  %+.4f [%+.4f, %+.4f]\n"
           "  report ratio    %.4f   %.4f [%.4f, %.4f]\n"
           "  2SLS (log)      %+.4f  %+.4f [%+.4f, %+.4f] F=%.1f\n"
           "  non-use %.3f (0.20), control use %.3f (0.10)\n",
           w.itt_pct, e->pct, e->pct_lo, e->pct_hi, w.rom, r.ratio_of_means->pct,
           r.ratio_of_means->pct_lo, r.ratio_of_means->pct_hi, w.forecast, p->forecast_pct,
           p->forecast_lo, p->forecast_hi, w.posthoc, p->posthoc_pct, p->posthoc_lo, p->posthoc_hi,
           w.gap_forecast, p->gap_forecast, p->gap_forecast_lo, p->gap_forecast_hi, w.gap_posthoc,
           p->gap_posthoc, p->gap_posthoc_lo, p->gap_posthoc_hi, w.ratio, r.agreement->ratio,
           r.agreement->ratio_lo, r.agreement->ratio_hi, w.iv_log, r.compliance->iv.coef,
           r.compliance->iv.ci_lo, r.compliance->iv.ci_hi, r.compliance->first_stage_f,
           r.compliance->treated_nonuse, r.compliance->control_use);
    assert_true(inside(w.itt_pct, e->pct_lo, e->pct_hi));
    assert_true(inside(w.rom, r.ratio_of_means->pct_lo, r.ratio_of_means->pct_hi));
    /* forecast_ai is forecast_no_ai * 0.76 rounded to whole minutes: the ratio of means
     * is -0.24 up to rounding and its interval has rounding width only */
    assert_true(fabs(p->forecast_pct - w.forecast) < 0.005);
    assert_true(inside(w.posthoc, p->posthoc_lo, p->posthoc_hi));
    assert_true(inside(w.gap_forecast, p->gap_forecast_lo, p->gap_forecast_hi));
    assert_true(inside(w.gap_posthoc, p->gap_posthoc_lo, p->gap_posthoc_hi));
    assert_true(inside(w.ratio, r.agreement->ratio_lo, r.agreement->ratio_hi));
    assert_true(inside(w.iv_log, r.compliance->iv.ci_lo, r.compliance->iv.ci_hi));
    assert_true(fabs(r.compliance->treated_nonuse - 0.20) < 0.06);
    assert_true(fabs(r.compliance->control_use - 0.10) < 0.05);
    assert_true(r.compliance->first_stage_f > 10.0);
    /* randomization inference re-estimates the model's coefficient */
    assert_true(fabs(r.randomization_inference->statistic - e->coef) < 1e-10);
    assert_true(r.randomization_inference->p < 0.05);
    /* the bootstrap's effect is the model's: the gap is effect - perceived exactly */
    assert_true(fabs(p->gap_forecast - (e->pct - p->forecast_pct)) < 1e-12);
    assert_true(fabs(p->gap_posthoc - (e->pct - p->posthoc_pct)) < 1e-12);
    /* the 2SLS effect of use is larger than the diluted ITT effect */
    assert_true(r.compliance->iv.coef > e->coef);
    /* external predictions: group means and gaps */
    assert_int_equal(p->n_predictions, 2);
    assert_string_equal(p->predictions[0].group, "experts");
    assert_int_equal(p->predictions[0].n, 2);
    assert_true(fabs(p->predictions[0].pct + 0.37) < 1e-12);
    assert_true(fabs(p->predictions[0].gap - (e->pct + 0.37)) < 1e-12);
    assert_true(p->predictions[0].gap_lo < p->predictions[0].gap &&
                p->predictions[0].gap < p->predictions[0].gap_hi);
    assert_true(fabs(p->predictions[1].gap - (e->pct + 0.30)) < 1e-12);
    /* the gap's BCa interval, and the interval of the group's own mean prediction: two
     * experts (-0.39, -0.35) resample to means -0.39, -0.37, -0.35 with probabilities
     * 1/4, 1/2, 1/4, so the 2.5% and 97.5% points of 2000 resamples are the extremes; one
     * manager's prediction has no spread, so no interval of its own */
    assert_true(p->predictions[0].gap_bca_lo < p->predictions[0].gap &&
                p->predictions[0].gap < p->predictions[0].gap_bca_hi);
    assert_true(fabs(p->predictions[0].pct_lo + 0.39) < 1e-12);
    assert_true(fabs(p->predictions[0].pct_hi + 0.35) < 1e-12);
    assert_true(isnan(p->predictions[1].pct_lo) && isnan(p->predictions[1].pct_hi));
    /* no resample missed an arm at 40 developers x 12 tasks */
    assert_int_equal(p->undefined[0], 0);
    assert_int_equal(r.ratio_of_means->undefined, 0);
    /* every participant has both arms here, so each has an estimate */
    assert_int_equal(r.per_participant_estimated, 40);
    assert_int_equal(r.subgroups->n_levels, 4);
    upl_analysis_result_release(&r);
    upl_dataset_release(&ds);
}

/* Coverage over 100 simulated studies (20 developers x 12 tasks, 400 resamples each):
 * each 95% interval must hold its truth in at least 85 of them (a 95% interval misses
 * 85 or fewer times with probability ~1e-4 under binomial sampling; the bootstrap with
 * 20 clusters is known to under-cover somewhat). */
static void test_coverage(void **state)
{
    (void)state;
    enum { STUDIES = 100, Q = 7 };
    size_t hit[Q] = {0};
    const char *const name[Q] = {"effect",      "ratio_of_means", "posthoc", "gap_forecast",
                                 "gap_posthoc", "report ratio",   "2SLS"};
    for (unsigned long k = 0; k < STUDIES; k++) {
        upl_dataset ds;
        upl_sim_truth truth;
        sim_study(&ds, &truth, 1000 + k, 20, 12, 0.19);
        truths w = truth_of(&truth);
        upl_analysis_result r;
        run_all(&ds, 400, k + 1, &r);
        const upl_perception *p = r.perception;
        const upl_estimate *e = &r.effects[0].est;
        hit[0] += inside(w.itt_pct, e->pct_lo, e->pct_hi) ? 1u : 0u;
        hit[1] += inside(w.rom, r.ratio_of_means->pct_lo, r.ratio_of_means->pct_hi) ? 1u : 0u;
        hit[2] += inside(w.posthoc, p->posthoc_lo, p->posthoc_hi) ? 1u : 0u;
        hit[3] += inside(w.gap_forecast, p->gap_forecast_lo, p->gap_forecast_hi) ? 1u : 0u;
        hit[4] += inside(w.gap_posthoc, p->gap_posthoc_lo, p->gap_posthoc_hi) ? 1u : 0u;
        hit[5] += inside(w.ratio, r.agreement->ratio_lo, r.agreement->ratio_hi) ? 1u : 0u;
        hit[6] += inside(w.iv_log, r.compliance->iv.ci_lo, r.compliance->iv.ci_hi) ? 1u : 0u;
        upl_analysis_result_release(&r);
        upl_dataset_release(&ds);
    }
    printf("coverage of 95%% intervals over %d simulated studies:", STUDIES);
    for (size_t q = 0; q < Q; q++)
        printf(" %s %zu%%", name[q], hit[q]);
    printf("\n");
    for (size_t q = 0; q < Q; q++)
        if (hit[q] < 85)
            fail_msg("%s: coverage %zu of %d", name[q], hit[q], STUDIES);
}

/* Bitwise equality of two doubles. */
static int same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Same seed, same numbers; another seed, other numbers. */
static void test_reproducible(void **state)
{
    (void)state;
    upl_dataset ds;
    upl_sim_truth truth;
    sim_study(&ds, &truth, 99, 12, 10, 0.0); /* no effect: a p-value far from 0 */
    upl_analysis_result a, b, c;
    /* permutations: 12 x 10 tasks are far too many to enumerate, so these are draws */
    run_all(&ds, 500, 11, &a);
    run_all(&ds, 500, 11, &b);
    run_all(&ds, 500, 12, &c);
    assert_false(a.randomization_inference->exact);
    assert_true(a.randomization_inference->p > 0.01);
    assert_memory_equal(a.ratio_of_means, b.ratio_of_means, sizeof *a.ratio_of_means);
    assert_true(
        memcmp(&a.perception->forecast_lo, &b.perception->forecast_lo, sizeof(double) * 14) == 0);
    assert_true(same(a.randomization_inference->p, b.randomization_inference->p));
    assert_true(same(a.perception->predictions[0].gap_lo, b.perception->predictions[0].gap_lo));
    /* another seed: the same point estimates, other intervals and p */
    assert_true(same(a.ratio_of_means->pct, c.ratio_of_means->pct));
    assert_false(same(a.ratio_of_means->pct_lo, c.ratio_of_means->pct_lo));
    assert_false(same(a.perception->gap_posthoc_hi, c.perception->gap_posthoc_hi));
    assert_false(same(a.randomization_inference->p, c.randomization_inference->p));
    upl_analysis_result_release(&a);
    upl_analysis_result_release(&b);
    upl_analysis_result_release(&c);
    upl_dataset_release(&ds);
}

/* BCa against a statistic whose bootstrap distribution is known: the mean of G values,
 * where the percentile and BCa intervals must both be near mean -/+ 1.96 sd/sqrt(G)
 * and BCa's acceleration is the jackknife skewness (0 for symmetric values). */
static int mean_stat(void *ctx, const size_t *draw, size_t n, size_t rep, double *out)
{
    const double *v = ctx;
    (void)rep;
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += v[draw[i]];
    out[0] = s / (double)n;
    return 0;
}

static void test_bootstrap_mean(void **state)
{
    (void)state;
    enum { G = 200 };
    double v[G];
    for (size_t i = 0; i < G; i++)
        v[i] = (double)i - (G - 1) / 2.0; /* symmetric around 0, sd known */
    upl_boot_result br;
    upl_diag diag = {0};
    assert_int_equal(upl_boot_run(G, 1, 20000, 5, mean_stat, v, NULL, NULL, &br, &diag), UPL_OK);
    double *scratch = malloc(20000 * sizeof *scratch);
    upl_boot_ci ci;
    upl_boot_interval(&br, 0, 0.95, scratch, &ci);
    double sd = sqrt(((double)G * G - 1.0) / 12.0), se = sd / sqrt((double)G);
    assert_true(fabs(ci.lo + 1.96 * se) < 0.05 * 1.96 * se);
    assert_true(fabs(ci.hi - 1.96 * se) < 0.05 * 1.96 * se);
    assert_true(fabs(ci.accel) < 1e-12);
    assert_true(fabs(ci.bca_lo - ci.lo) < 0.05 * 1.96 * se);
    assert_int_equal(ci.used, 20000);
    free(scratch);
    upl_boot_result_release(&br);
}

/* ---- the bootstrap's replicates against brute-force refits ----
 *
 * The perception bootstrap refits the model from summed per-participant cross-products.
 * Here every replicate is recomputed the slow way: the drawn participants' rows copied
 * out (a participant drawn twice twice, each copy with its own fixed effect), the model
 * fitted by QR, and the ratio of mean times computed from the rows.  The draws are the
 * same because the clusters' stream and seed are. */
typedef struct brute {
    const upl_design *d;
    int fe;
} brute;

static int brute_stat(void *ctx, const size_t *draw, size_t n_draw, size_t rep, double *out)
{
    const brute *b = ctx;
    const upl_design *d = b->d;
    (void)rep;
    size_t n = 0, arm1 = d->control == 0 ? 1 : 0;
    for (size_t t = 0; t < n_draw; t++)
        n += d->cluster_n[draw[t]];
    size_t k = 3 + (b->fe ? n_draw - 1 : 0);
    gsl_matrix *X = gsl_matrix_calloc(n, k);
    gsl_vector *y = gsl_vector_alloc(n);
    double st = 0.0, sc = 0.0;
    size_t nt = 0, nc = 0, r = 0;
    for (size_t t = 0; t < n_draw; t++) {
        for (size_t j = 0; j < d->n; j++) {
            if (d->cluster[j] != draw[t])
                continue;
            gsl_matrix_set(X, r, 0, 1.0);
            gsl_matrix_set(X, r, 1, d->arm[j] == arm1 ? 1.0 : 0.0);
            gsl_matrix_set(X, r, 2, gsl_matrix_get(d->X, j, 2));
            if (b->fe && t > 0)
                gsl_matrix_set(X, r, 2 + t, 1.0);
            gsl_vector_set(y, r, gsl_vector_get(d->y, j));
            double o = exp(gsl_vector_get(d->y, j));
            if (d->arm[j] == arm1) {
                st += o;
                nt++;
            } else {
                sc += o;
                nc++;
            }
            r++;
        }
    }
    upl_ols *ols = upl_ols_alloc(n, k);
    upl_diag diag = {0};
    out[0] = upl_ols_fit(ols, X, y, NULL, 0, NULL, &diag) == UPL_OK
                 ? expm1(gsl_vector_get(upl_ols_coef(ols), 1))
                 : NAN;
    out[1] = nt && nc ? (st / (double)nt) / (sc / (double)nc) - 1.0 : NAN;
    upl_ols_free(ols);
    gsl_matrix_free(X);
    gsl_vector_free(y);
    return 0;
}

static void test_bootstrap_brute_force(void **state)
{
    (void)state;
    upl_dataset ds;
    upl_sim_truth truth;
    size_t undefined_total = 0;
    for (int run = 0; run < 3; run++) {
        int fe = run == 1;
        /* 9 developers x 8 tasks without and with fixed effects, then 8 developers with
         * one task each (no fixed effects possible), where whole arms go missing */
        if (run != 1)
            sim_study(&ds, &truth, 31, run ? 8 : 9, run ? 1 : 8, 0.19);
        upl_model_spec spec;
        upl_model_spec_default(&spec);
        spec.participant_fe = fe;
        upl_design d;
        upl_diag diag = {0};
        assert_int_equal(upl_design_build(&d, &ds, &spec, &diag), UPL_OK);
        upl_secondary_spec s;
        upl_secondary_spec_default(&s);
        s.bootstrap = 300;
        s.seed = 77;
        upl_ratio_of_means rom;
        upl_perception perc;
        upl_boot_result fast, slow;
        assert_int_equal(upl_perception_bootstrap(&ds, &d, &spec, &s, &rom, &perc, &fast, &diag),
                         UPL_OK);
        brute b = {&d, fe};
        assert_int_equal(
            upl_boot_run(d.n_clusters, 2, 300, 77, brute_stat, &b, NULL, NULL, &slow, &diag),
            UPL_OK);
        double worst = 0.0;
        size_t undefined = 0, undefined_q[2] = {0, 0};
        for (size_t r = 0; r < 300; r++) {
            for (size_t q = 0; q < 2; q++) {
                double f = fast.rep[r * fast.m + (q ? UPL_PERC_ROM : UPL_PERC_EFFECT)];
                double w = slow.rep[r * 2 + q];
                if (isnan(w)) { /* an arm missing from the resample */
                    assert_true(isnan(f));
                    undefined++;
                    undefined_q[q]++;
                    continue;
                }
                worst = fmax(worst, fabs(f - w) / fmax(fabs(w), 1e-3));
            }
        }
        /* the leave-one-participant-out values (BCa) too */
        for (size_t g = 0; g < d.n_clusters; g++)
            worst = fmax(worst, fabs(fast.jack[g * fast.m + UPL_PERC_EFFECT] - slow.jack[g * 2]) /
                                    fmax(fabs(slow.jack[g * 2]), 1e-3));
        printf("bootstrap (%s): largest difference from brute-force refits %.2e over 300 "
               "replicates (%zu undefined in both)\n",
               fe ? "participant fixed effects" : "no fixed effects", worst, undefined);
        assert_true(worst < 1e-9);
        /* the counts of undefined resamples reported are the brute force's */
        assert_int_equal(perc.undefined[0], undefined_q[0]);
        assert_int_equal(rom.undefined, undefined_q[1]);
        undefined_total += undefined_q[0];
        free(perc.predictions);
        upl_boot_result_release(&fast);
        upl_boot_result_release(&slow);
        upl_design_release(&d);
        if (run != 0)
            upl_dataset_release(&ds);
    }
    assert_true(undefined_total > 0); /* the undefined case is exercised */
}

int main(void)
{
    const char *fx = getenv("UPLIFT_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s", fx ? fx : "tests/fixtures");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_secondary), cmocka_unit_test(test_ri_exact_2x2),
        cmocka_unit_test(test_ri_histogram),     cmocka_unit_test(test_bootstrap_mean),
        cmocka_unit_test(test_reproducible),     cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_coverage),         cmocka_unit_test(test_bootstrap_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
