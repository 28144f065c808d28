/* The cluster bootstrap with percentile and BCa intervals (include/uplift/bootstrap.h). */
#include "uplift/bootstrap.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void upl_boot_result_release(upl_boot_result *res)
{
    if (!res)
        return;
    free(res->theta);
    free(res->rep);
    free(res->jack);
    memset(res, 0, sizeof *res);
}

/* SplitMix64 (Steele, Lea and Flood 2014): one step of its Weyl sequence, then its
 * output mix, a bijection of 64-bit words. */
static uint64_t splitmix64(uint64_t x)
{
    x += UINT64_C(0x9E3779B97F4A7C15);
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

unsigned long upl_boot_stream_seed(unsigned long seed, uint64_t key)
{
    return (unsigned long)(splitmix64(splitmix64((uint64_t)seed) ^ key) >> 32);
}

uint64_t upl_boot_stream_key(const char *name)
{
    uint64_t h = UINT64_C(0xCBF29CE484222325); /* FNV-1a, 64 bits */
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        h ^= *c;
        h *= UINT64_C(0x100000001B3);
    }
    return h;
}

upl_status upl_boot_run(size_t G, size_t m, size_t reps, unsigned long seed, upl_boot_stat_fn fn,
                        void *ctx, upl_progress_fn progress, void *progress_ctx,
                        upl_boot_result *res, upl_diag *diag)
{
    upl_status rc = UPL_OK;
    size_t *draw = NULL;
    gsl_rng *rng = NULL;
    memset(res, 0, sizeof *res);
    if (G < 2 || m == 0 || reps == 0)
        return upl_diag_set(diag, UPL_INVALID,
                            "a cluster bootstrap needs at least two clusters and one resample");
    res->m = m;
    res->reps = reps;
    res->G = G;
    res->seed = seed;
    res->theta = malloc(m * sizeof *res->theta);
    res->rep = malloc(reps * m * sizeof *res->rep);
    res->jack = malloc(G * m * sizeof *res->jack);
    draw = malloc(G * sizeof *draw);
    rng = gsl_rng_alloc(UPL_BOOT_RNG);
    if (!res->theta || !res->rep || !res->jack || !draw || !rng) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory for %zu bootstrap resamples", reps);
        goto fail;
    }
    gsl_rng_set(rng, upl_boot_stream_seed(seed, UPL_BOOT_STREAM_CLUSTERS));
    for (size_t g = 0; g < G; g++)
        draw[g] = g;
    if (fn(ctx, draw, G, UPL_BOOT_NO_RESAMPLE, res->theta) != 0)
        goto abort;
    /* jackknife: leave cluster g out (draw = 0..G-1 without g) */
    for (size_t g = 0; G > UPL_BOOT_JACKKNIFE_MAX && g < G * m; g++)
        res->jack[g] = NAN;
    for (size_t g = 0; G <= UPL_BOOT_JACKKNIFE_MAX && g < G; g++) {
        for (size_t i = 0, j = 0; i < G; i++)
            if (i != g)
                draw[j++] = i;
        if (fn(ctx, draw, G - 1, UPL_BOOT_NO_RESAMPLE, res->jack + g * m) != 0)
            goto abort;
    }
    size_t step = reps / 100 ? reps / 100 : 1;
    for (size_t b = 0; b < reps; b++) {
        for (size_t g = 0; g < G; g++)
            draw[g] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)G);
        if (fn(ctx, draw, G, b, res->rep + b * m) != 0)
            goto abort;
        if (progress && (b + 1) % step == 0)
            progress(progress_ctx, "bootstrap", b + 1, reps);
    }
    goto done;
abort:
    rc = upl_diag_set(diag, UPL_ERROR, "the bootstrap statistic failed");
fail:
    upl_boot_result_release(res);
done:
    free(draw);
    gsl_rng_free(rng);
    return rc;
}

/* R's type 7 quantile of sorted x[0..n). */
static double quantile(const double *x, size_t n, double p)
{
    if (p <= 0.0)
        return x[0];
    if (p >= 1.0)
        return x[n - 1];
    return gsl_stats_quantile_from_sorted_data(x, 1, n, p);
}

void upl_boot_interval(const upl_boot_result *res, size_t j, double level, double *scratch,
                       upl_boot_ci *ci)
{
    size_t m = res->m, n = 0;
    double theta = res->theta[j];
    double below = 0.0;
    for (size_t b = 0; b < res->reps; b++) {
        double v = res->rep[b * m + j];
        if (!isfinite(v))
            continue;
        scratch[n++] = v;
        if (v < theta)
            below += 1.0;
        else if (!(v > theta))
            below += 0.5;
    }
    ci->used = n;
    ci->lo = ci->hi = ci->bca_lo = ci->bca_hi = ci->z0 = ci->accel = NAN;
    if (n < 2)
        return;
    gsl_sort(scratch, 1, n);
    double a1 = (1.0 - level) / 2.0, a2 = (1.0 + level) / 2.0;
    ci->lo = quantile(scratch, n, a1);
    ci->hi = quantile(scratch, n, a2);
    if (!isfinite(theta) || !(below > 0.0) || !(below < (double)n))
        return;
    /* acceleration from the jackknife values */
    double mean = 0.0;
    for (size_t g = 0; g < res->G; g++) {
        double v = res->jack[g * m + j];
        if (!isfinite(v))
            return;
        mean += v;
    }
    mean /= (double)res->G;
    double s2 = 0.0, s3 = 0.0;
    for (size_t g = 0; g < res->G; g++) {
        double d = mean - res->jack[g * m + j];
        s2 += d * d;
        s3 += d * d * d;
    }
    double accel = s2 > 0.0 ? s3 / (6.0 * pow(s2, 1.5)) : 0.0;
    double z0 = gsl_cdf_ugaussian_Pinv(below / (double)n);
    double za1 = gsl_cdf_ugaussian_Pinv(a1), za2 = gsl_cdf_ugaussian_Pinv(a2);
    double d1 = 1.0 - accel * (z0 + za1), d2 = 1.0 - accel * (z0 + za2);
    ci->z0 = z0;
    ci->accel = accel;
    if (!(d1 > 0.0) || !(d2 > 0.0))
        return;
    double p1 = gsl_cdf_ugaussian_P(z0 + (z0 + za1) / d1);
    double p2 = gsl_cdf_ugaussian_P(z0 + (z0 + za2) / d2);
    ci->bca_lo = quantile(scratch, n, p1);
    ci->bca_hi = quantile(scratch, n, p2);
}
