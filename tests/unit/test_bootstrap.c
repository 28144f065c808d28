/* Percentile and BCa intervals of upl_boot_interval() against values computed
 * independently: tests/fixtures/bootstrap/make_bca.py (Python standard library:
 * statistics.NormalDist for Phi and Phi^-1, R's type-7 quantile written out) wrote a
 * skewed set of replicates with ties and undefined values, skewed jackknife values and
 * the expected bounds, z0 and acceleration.  The result is built by hand (no
 * resampling), so only the interval arithmetic is under test. */
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

#include "uplift/bootstrap.h"

/* Python's and GSL's normal quantile and distribution function differ in the last
 * digits; the bounds are interpolated order statistics, so they inherit that. */
#define UPL_TEST_RELTOL 1e-10

static FILE *open_bootstrap(const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/bootstrap/%s", fixtures, name);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    return f;
}

/* Reads a two-column CSV (after its header) into *out (malloc'd, row-major); returns
 * the number of rows. */
static size_t read_pairs(const char *name, double **out)
{
    FILE *f = open_bootstrap(name);
    char line[256];
    char *fld[4];
    size_t n = 0, cap = 0;
    *out = NULL;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 4), 2);
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = realloc(*out, 2 * cap * sizeof **out);
            assert_non_null(*out);
        }
        (*out)[2 * n] = num(fld[0]);
        (*out)[2 * n + 1] = num(fld[1]);
        n++;
    }
    fclose(f);
    return n;
}

static double worst;

static void close_to(double got, double want, const char *what)
{
    double err = fabs(got - want) / fmax(fabs(want), 1e-300);
    if (err > worst)
        worst = err;
    if (!(err <= UPL_TEST_RELTOL))
        fail_msg("%s: %.17g, expected %.17g (relative error %.2e)", what, got, want, err);
}

static void test_bca_against_python(void **state)
{
    (void)state;
    upl_boot_result br;
    memset(&br, 0, sizeof br);
    double *theta = NULL;
    assert_int_equal(read_pairs("bca_theta.csv", &theta), 1);
    br.m = 2;
    br.theta = theta;
    br.reps = read_pairs("bca_replicates.csv", &br.rep);
    br.G = read_pairs("bca_jackknife.csv", &br.jack);
    assert_int_equal(br.reps, 2000);
    assert_int_equal(br.G, 23);
    double *scratch = malloc(br.reps * sizeof *scratch);
    assert_non_null(scratch);

    FILE *f = open_bootstrap("bca_expected.csv");
    char line[1024];
    char *fld[12];
    size_t rows = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 12), 9);
        size_t j = (size_t)num(fld[0]);
        double level = num(fld[1]);
        upl_boot_ci ci;
        upl_boot_interval(&br, j, level, scratch, &ci);
        char what[64];
        assert_int_equal(ci.used, (size_t)num(fld[2]));
        snprintf(what, sizeof what, "stat %zu level %g lo", j, level);
        close_to(ci.lo, num(fld[3]), what);
        snprintf(what, sizeof what, "stat %zu level %g hi", j, level);
        close_to(ci.hi, num(fld[4]), what);
        snprintf(what, sizeof what, "stat %zu z0", j);
        close_to(ci.z0, num(fld[5]), what);
        snprintf(what, sizeof what, "stat %zu accel", j);
        close_to(ci.accel, num(fld[6]), what);
        snprintf(what, sizeof what, "stat %zu level %g bca_lo", j, level);
        close_to(ci.bca_lo, num(fld[7]), what);
        snprintf(what, sizeof what, "stat %zu level %g bca_hi", j, level);
        close_to(ci.bca_hi, num(fld[8]), what);
        /* the data are skewed enough that BCa moves a bound well away from the
         * percentile one (so a sign error in z0 or a cannot pass the checks above) */
        assert_true(fabs(ci.z0) > 0.1 && fabs(ci.accel) > 0.03);
        assert_true(fabs(ci.bca_lo - ci.lo) > 0.05 * (ci.hi - ci.lo) ||
                    fabs(ci.bca_hi - ci.hi) > 0.05 * (ci.hi - ci.lo));
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 4);
    print_message("BCa against make_bca.py: largest relative error %.2e\n", worst);
    free(scratch);
    upl_boot_result_release(&br);
}

/* Undefined BCa: every finite replicate on one side of the estimate (z0 infinite), a
 * jackknife value not finite; the percentile bounds stay. */
static void test_bca_undefined(void **state)
{
    (void)state;
    double theta[1] = {0.0}, rep[5] = {1.0, 2.0, NAN, 3.0, 4.0}, jack[3] = {0.1, -0.2, 0.3};
    upl_boot_result br = {1, 5, 3, 1, theta, rep, jack};
    double scratch[5];
    upl_boot_ci ci;
    upl_boot_interval(&br, 0, 0.5, scratch, &ci);
    assert_int_equal(ci.used, 4);
    close_to(ci.lo, 1.75, "lo"); /* type 7: h = 3 * 0.25 = 0.75 */
    close_to(ci.hi, 3.25, "hi");
    assert_true(isnan(ci.bca_lo) && isnan(ci.bca_hi));
    theta[0] = 2.5;
    jack[1] = NAN;
    upl_boot_interval(&br, 0, 0.5, scratch, &ci);
    assert_true(isfinite(ci.lo) && isnan(ci.bca_lo) && isnan(ci.bca_hi));
}

/* The documented stream rule against values computed independently in Python:
 *   M = 2**64 - 1
 *   def s(x):  # SplitMix64
 *       x = (x + 0x9E3779B97F4A7C15) & M
 *       x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
 *       x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
 *       return x ^ (x >> 31)
 *   def fnv(t):  # FNV-1a, 64 bits
 *       h = 0xCBF29CE484222325
 *       for b in t.encode():
 *           h = ((h ^ b) * 0x100000001B3) & M
 *       return h
 *   stream_seed = lambda seed, key: s(s(seed) ^ key) >> 32
 * and the clusters of upl_boot_run drawn from stream 0 of the seed: each resample's
 * draw is the next G values of gsl_rng_uniform_int on an mt19937 seeded with it. */
typedef struct draws {
    size_t G, reps;
    size_t *seen; /* reps x G */
} draws;

static int record_draws(void *ctx, const size_t *draw, size_t n_draw, size_t rep, double *out)
{
    draws *d = ctx;
    out[0] = 0.0;
    if (rep == UPL_BOOT_NO_RESAMPLE)
        return 0;
    assert_true(rep < d->reps);
    assert_int_equal(n_draw, d->G);
    memcpy(d->seen + rep * d->G, draw, n_draw * sizeof *draw);
    return 0;
}

static void test_stream_seeds(void **state)
{
    (void)state;
    assert_true(upl_boot_stream_key("experts") == UINT64_C(0x5AA88A55AF39A466));
    assert_true(upl_boot_stream_key("") == UINT64_C(0xCBF29CE484222325));
    assert_true(upl_boot_stream_key("a") == UINT64_C(0xAF63DC4C8601EC8C));
    assert_int_equal(upl_boot_stream_seed(1, UPL_BOOT_STREAM_CLUSTERS), 1581361928UL);
    assert_int_equal(upl_boot_stream_seed(2, UPL_BOOT_STREAM_CLUSTERS), 1684556879UL);
    assert_int_equal(upl_boot_stream_seed(4294967295UL, 0), 3910872080UL);
    assert_int_equal(upl_boot_stream_seed(1, upl_boot_stream_key("experts")), 757503441UL);
    assert_int_equal(upl_boot_stream_seed(7, upl_boot_stream_key("managers")), 2727638498UL);

    enum { G = 7, REPS = 50 };
    size_t seen[REPS * G];
    draws d = {G, REPS, seen};
    upl_boot_result br;
    upl_diag diag = {0};
    assert_int_equal(upl_boot_run(G, 1, REPS, 3, record_draws, &d, NULL, NULL, &br, &diag), UPL_OK);
    gsl_rng *r = gsl_rng_alloc(UPL_BOOT_RNG);
    assert_non_null(r);
    gsl_rng_set(r, upl_boot_stream_seed(3, UPL_BOOT_STREAM_CLUSTERS));
    for (size_t i = 0; i < REPS * G; i++)
        assert_int_equal(seen[i], gsl_rng_uniform_int(r, G));
    gsl_rng_free(r);
    upl_boot_result_release(&br);
}

int main(void)
{
    const char *fx = getenv("UPLIFT_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s", fx ? fx : "tests/fixtures");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bca_against_python),
        cmocka_unit_test(test_bca_undefined),
        cmocka_unit_test(test_stream_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
