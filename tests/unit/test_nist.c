/* NIST StRD linear regression (tests/fixtures/nist/): uplift's QR fit and classical
 * standard errors against the certified values.  Accuracy is reported as the log
 * relative error LRE = -log10(|got - certified| / |certified|), capped at 15 (the digits
 * NIST certifies).  The minimum LRE required per data set is what this GSL QR fit
 * reaches on the machine it was written on, rounded down to a whole digit
 * (docs/analysis.md records the figures): a regression that loses a digit fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>

#include "uplift/ols.h"

#define MAX_ROWS 64
#define MAX_K    8

static char fixtures[1024];

typedef struct nist_set {
    size_t n, k;
    double y[MAX_ROWS], x[MAX_ROWS][MAX_K];
    double cert_b[MAX_K], cert_sd[MAX_K];
    double residual_sd, r_squared;
} nist_set;

static void load(const char *name, nist_set *s)
{
    char path[1200], line[512];
    snprintf(path, sizeof path, "%s/nist/%s", fixtures, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    memset(s, 0, sizeof *s);
    size_t n_cert = 0;
    while (fgets(line, sizeof line, f)) {
        char *p = line, *end = NULL;
        if (*p == '#' || *p == '\n')
            continue;
        if (strncmp(p, "cert ", 5) == 0) {
            p = strchr(p + 5, ' ');
            assert_non_null(p);
            assert_true(n_cert < MAX_K);
            s->cert_b[n_cert] = strtod(p, &end);
            s->cert_sd[n_cert] = strtod(end, &end);
            n_cert++;
            continue;
        }
        if (strncmp(p, "residual_sd ", 12) == 0) {
            s->residual_sd = strtod(p + 12, NULL);
            continue;
        }
        if (strncmp(p, "r_squared ", 10) == 0) {
            s->r_squared = strtod(p + 10, NULL);
            continue;
        }
        assert_true(s->n < MAX_ROWS);
        s->y[s->n] = strtod(p, &end);
        s->x[s->n][0] = 1.0;
        size_t j = 1;
        for (p = end; j < MAX_K; j++) {
            double v = strtod(p, &end);
            if (end == p)
                break;
            s->x[s->n][j] = v;
            p = end;
        }
        assert_int_equal(j, n_cert);
        s->n++;
    }
    fclose(f);
    s->k = n_cert;
}

static double lre(double got, double cert)
{
    double rel = fabs(got - cert) / fabs(cert);
    if (!(rel > 1e-15))
        return 15.0;
    double d = -log10(rel);
    return d > 15.0 ? 15.0 : d;
}

/* Fits the set; returns the smallest LRE over coefficients, SDs and residual SD. */
static double run(const char *name, double need)
{
    nist_set s;
    load(name, &s);
    gsl_matrix *X = gsl_matrix_alloc(s.n, s.k);
    gsl_vector *y = gsl_vector_alloc(s.n);
    for (size_t i = 0; i < s.n; i++) {
        gsl_vector_set(y, i, s.y[i]);
        for (size_t j = 0; j < s.k; j++)
            gsl_matrix_set(X, i, j, s.x[i][j]);
    }
    upl_ols *ols = upl_ols_alloc(s.n, s.k);
    upl_diag diag = {0};
    assert_int_equal(upl_ols_fit(ols, X, y, NULL, 0, NULL, &diag), UPL_OK);
    gsl_matrix *V = gsl_matrix_alloc(s.k, s.k);
    gsl_vector *df = gsl_vector_alloc(s.k);
    int defined = 0;
    assert_int_equal(upl_ols_vcov(ols, UPL_SE_CLASSICAL, V, df, &defined, NULL, &diag), UPL_OK);
    double worst_b = 15.0, worst_sd = 15.0;
    for (size_t j = 0; j < s.k; j++) {
        double b = gsl_vector_get(upl_ols_coef(ols), j);
        double sd = sqrt(gsl_matrix_get(V, j, j));
        double lb = lre(b, s.cert_b[j]), ls = lre(sd, s.cert_sd[j]);
        worst_b = lb < worst_b ? lb : worst_b;
        worst_sd = ls < worst_sd ? ls : worst_sd;
    }
    double ss = 0.0;
    gsl_blas_ddot(upl_ols_resid(ols), upl_ols_resid(ols), &ss);
    double rsd = sqrt(ss / (double)(s.n - s.k));
    double lr = lre(rsd, s.residual_sd);
    printf("%s: LRE coefficients %.1f, standard deviations %.1f, residual SD %.1f "
           "(required %.0f)\n",
           name, worst_b, worst_sd, lr, need);
    double worst = worst_b < worst_sd ? worst_b : worst_sd;
    worst = lr < worst ? lr : worst;
    gsl_matrix_free(V);
    gsl_vector_free(df);
    gsl_matrix_free(X);
    gsl_vector_free(y);
    upl_ols_free(ols);
    return worst;
}

static void test_norris(void **state)
{
    (void)state;
    const double need = 11.0; /* reached: 11.8 (the intercept, -0.26 against y up to 999) */
    assert_true(run("norris.dat", need) >= need);
}

static void test_longley(void **state)
{
    (void)state;
    const double need = 12.0; /* reached: 12.5 */
    assert_true(run("longley.dat", need) >= need);
}

int main(void)
{
    const char *env = getenv("UPLIFT_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s", env && *env ? env : "tests/fixtures");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norris),
        cmocka_unit_test(test_longley),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
