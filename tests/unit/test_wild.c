/* The wild cluster restricted bootstrap (analysis/estimate/wild.c) against the literal
 * algorithm of tests/fixtures/analysis/make_wild.py (a refit per replicate, every
 * Rademacher sign vector), and its Monte Carlo mode, reproducibility, interval and
 * refusals. */
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
#include "uplift/wild.h"

/* A fitted design of one fixture (make_wild.py's model). */
typedef struct fitted {
    upl_dataset ds;
    upl_design d;
    upl_ols *ols;
} fitted;

static void fit_fixture(fitted *f, const char *name, int fe)
{
    char arms[] = "no_ai;ai";
    load_dataset(&f->ds, name, arms);
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    spec.participant_fe = fe;
    spec.impute = UPL_IMPUTE_COMPLETE_CASE;
    upl_diag diag = {0};
    if (upl_design_build(&f->d, &f->ds, &spec, &diag) != UPL_OK)
        fail_msg("%s: %s", name, diag.msg);
    f->ols = upl_ols_alloc(f->d.n, f->d.k);
    assert_non_null(f->ols);
    if (upl_ols_fit(f->ols, f->d.X, f->d.y, f->d.cluster, f->d.n_clusters, NULL, &diag) != UPL_OK)
        fail_msg("%s: %s", name, diag.msg);
}

static void fitted_release(fitted *f)
{
    upl_ols_free(f->ols);
    upl_design_release(&f->d);
    upl_dataset_release(&f->ds);
}

/* Every row of wild.expected.csv: the enumerated p-value equals the literal one to 1e-12
 * (they are counts over the same 2^G sign vectors), the coefficient and t to 1e-10. */
static void test_literal_enumeration(void **state)
{
    (void)state;
    FILE *in = open_fixture("wild", ".expected.csv");
    char line[512];
    char *fld[8];
    assert_non_null(fgets(line, sizeof line, in));
    size_t rows = 0, with_fe = 0;
    int Gs = 0;
    while (fgets(line, sizeof line, in)) {
        assert_int_equal(split(line, fld, 8), 6);
        int fe = strcmp(fld[1], "1") == 0;
        double b0 = num(fld[2]), coef = num(fld[3]), t = num(fld[4]), p = num(fld[5]);
        fitted f;
        fit_fixture(&f, fld[0], fe);
        size_t G = f.d.n_clusters, j = f.d.arm_col[1];
        upl_diag diag = {0};
        double got = NAN;
        assert_int_equal(upl_wild_p(f.ols, f.d.X, f.d.cluster, G, j, (size_t)1 << G,
                                    UPL_WILD_RADEMACHER, 1, b0, &got, &diag),
                         UPL_OK);
        if (!(fabs(got - p) <= 1e-12))
            fail_msg("%s fe %d b0 %g: p %.17g, literal %.17g", fld[0], fe, b0, got, p);
        if (fpclassify(b0) == FP_ZERO) {
            upl_wild_result r;
            assert_int_equal(upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, (size_t)1 << G,
                                          UPL_WILD_RADEMACHER, 1, 0.95, &r, &diag),
                             UPL_OK);
            assert_true(r.enumerated && r.replicates == (size_t)1 << G);
            assert_true(fabs(r.p - p) <= 1e-12);
            assert_true(fabs(r.coef - coef) <= 1e-10 * fabs(coef));
            assert_true(fabs(r.t - t) <= 1e-10 * fabs(t));
        }
        Gs |= 1 << G;
        with_fe += (size_t)fe;
        rows++;
        fitted_release(&f);
    }
    fclose(in);
    assert_int_equal(rows, 12);
    assert_int_equal(with_fe, 6);
    assert_int_equal(Gs, (1 << 6) | (1 << 8) | (1 << 12));
}

/* Below 2^G replicates the weights are drawn: Rademacher agrees with the exact p within
 * four Monte Carlo standard errors; the same seed gives the same p, another seed other
 * draws; Webb and Mammen weights run and give p-values. */
static void test_monte_carlo(void **state)
{
    (void)state;
    fitted f;
    fit_fixture(&f, "wild_g12", 0);
    size_t G = f.d.n_clusters, j = f.d.arm_col[1], B = 999;
    upl_diag diag = {0};
    upl_wild_result exact, mc, again, other;
    assert_int_equal(upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 4096, UPL_WILD_RADEMACHER, 7,
                                  0.95, &exact, &diag),
                     UPL_OK);
    assert_true(exact.enumerated);
    assert_int_equal(
        upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, B, UPL_WILD_RADEMACHER, 7, 0.95, &mc, &diag),
        UPL_OK);
    assert_false(mc.enumerated);
    assert_int_equal(mc.replicates, B);
    double se = sqrt(exact.p * (1.0 - exact.p) / (double)B);
    if (!(fabs(mc.p - exact.p) <= 4.0 * se))
        fail_msg("Monte Carlo p %.4f, exact %.4f (MC SE %.4f)", mc.p, exact.p, se);
    assert_int_equal(upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, B, UPL_WILD_RADEMACHER, 7, 0.95,
                                  &again, &diag),
                     UPL_OK);
    assert_memory_equal(&mc.p, &again.p, sizeof mc.p);
    assert_memory_equal(&mc.ci_lo, &again.ci_lo, sizeof mc.ci_lo);
    static const upl_wild_weights ws[] = {UPL_WILD_WEBB, UPL_WILD_MAMMEN};
    for (size_t w = 0; w < 2; w++) {
        assert_int_equal(
            upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 9999, ws[w], 7, 0.95, &other, &diag),
            UPL_OK);
        assert_false(other.enumerated);
        assert_true(other.p > 0.0 && other.p <= 1.0);
        /* a continuous-ish statistic, far from the few-cluster limits: near the exact
         * Rademacher p (the weights differ, so only loosely) */
        assert_true(fabs(other.p - exact.p) < 0.1);
    }
    /* different seeds: different draws (a p-value equal to the last bit is a coincidence
     * the 999 draws make negligible; checked on the table, through p at another null) */
    double p1 = NAN, p2 = NAN;
    assert_int_equal(upl_wild_p(f.ols, f.d.X, f.d.cluster, G, j, B, UPL_WILD_WEBB, 1,
                                exact.coef / 2.0, &p1, &diag),
                     UPL_OK);
    assert_int_equal(upl_wild_p(f.ols, f.d.X, f.d.cluster, G, j, B, UPL_WILD_WEBB, 2,
                                exact.coef / 2.0, &p2, &diag),
                     UPL_OK);
    assert_true(fabs(p1 - p2) > 0.0);
    fitted_release(&f);
}

/* The interval is the set of nulls the test does not reject: p just inside each bound is
 * at least alpha and just outside below it; p(0) < alpha exactly when 0 is outside. */
static void test_interval(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int fe;
    } cases[] = {{"wild_g8", 0}, {"wild_g8", 1}, {"wild_g12", 1}, {"wild_g6", 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fitted f;
        fit_fixture(&f, cases[c].name, cases[c].fe);
        size_t G = f.d.n_clusters, j = f.d.arm_col[1];
        upl_diag diag = {0};
        upl_wild_result r;
        assert_int_equal(upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 99999, UPL_WILD_RADEMACHER,
                                      3, 0.9, &r, &diag),
                         UPL_OK);
        assert_true(r.ci_lo < r.coef && r.coef < r.ci_hi);
        double alpha = 0.1;
        if (isfinite(r.ci_lo) && isfinite(r.ci_hi)) {
            double eps = 1e-6 * (r.ci_hi - r.ci_lo);
            const double at[4] = {r.ci_lo + eps, r.ci_hi - eps, r.ci_lo - eps, r.ci_hi + eps};
            for (int i = 0; i < 4; i++) {
                double p = NAN;
                assert_int_equal(upl_wild_p(f.ols, f.d.X, f.d.cluster, G, j, 99999,
                                            UPL_WILD_RADEMACHER, 3, at[i], &p, &diag),
                                 UPL_OK);
                if (i < 2 ? !(p >= alpha) : !(p < alpha))
                    fail_msg("%s fe %d: p(%.10g) = %.6f %s alpha", cases[c].name, cases[c].fe,
                             at[i], p, i < 2 ? "below" : "not below");
            }
        }
        int outside = 0.0 < r.ci_lo || 0.0 > r.ci_hi;
        assert_int_equal(r.p < alpha, outside);
        fitted_release(&f);
    }
}

static void test_refusals(void **state)
{
    (void)state;
    fitted f;
    fit_fixture(&f, "wild_g6", 0);
    size_t G = f.d.n_clusters, j = f.d.arm_col[1];
    upl_diag diag = {0};
    upl_wild_result r;
    assert_int_equal(
        upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 0, UPL_WILD_RADEMACHER, 1, 0.95, &r, &diag),
        UPL_INVALID);
    assert_int_equal(
        upl_wild_run(f.ols, f.d.X, f.d.cluster, 1, j, 99, UPL_WILD_RADEMACHER, 1, 0.95, &r, &diag),
        UPL_INVALID);
    assert_int_equal(upl_wild_run(f.ols, f.d.X, f.d.cluster, G, f.d.k, 99, UPL_WILD_RADEMACHER, 1,
                                  0.95, &r, &diag),
                     UPL_INVALID);
    assert_int_equal(
        upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 99, UPL_WILD_RADEMACHER, 1, 1.0, &r, &diag),
        UPL_INVALID);
    /* 2^6 = 64: enumerated from 64 replicates on, drawn below */
    assert_int_equal(
        upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 64, UPL_WILD_RADEMACHER, 1, 0.95, &r, &diag),
        UPL_OK);
    assert_true(r.enumerated && r.replicates == 64);
    assert_int_equal(
        upl_wild_run(f.ols, f.d.X, f.d.cluster, G, j, 63, UPL_WILD_RADEMACHER, 1, 0.95, &r, &diag),
        UPL_OK);
    assert_true(!r.enumerated && r.replicates == 63);
    upl_wild_weights w;
    assert_int_equal(upl_wild_weights_from_name("webb", &w), 0);
    assert_int_equal(w, UPL_WILD_WEBB);
    assert_int_equal(upl_wild_weights_from_name("normal", &w), -1);
    assert_string_equal(upl_wild_weights_name(UPL_WILD_MAMMEN), "mammen");
    fitted_release(&f);
}

int main(void)
{
    const char *dir = getenv("UPLIFT_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s", dir ? dir : "tests/fixtures");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_enumeration),
        cmocka_unit_test(test_monte_carlo),
        cmocka_unit_test(test_interval),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
