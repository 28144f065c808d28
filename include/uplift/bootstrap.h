/* The cluster bootstrap: resample whole clusters (participants) with replacement,
 * recompute a vector of statistics on each resample, and report percentile and BCa
 * intervals (Efron and Tibshirani 1993, ch. 13-14; Davison and Hinkley 1997, 5.3).
 *
 * Randomness only through gsl_rng (UPL_BOOT_RNG): the same clusters, statistic and seed
 * give the same replicates on every machine.  Every resampled quantity draws from a
 * stream of its own, its generator seeded with upl_boot_stream_seed(seed, key) for a key
 * fixed to that quantity: the clusters from UPL_BOOT_STREAM_CLUSTERS, anything else a
 * statistic resamples (an outside group's predictions) from its own key.  So adding,
 * removing or reordering one such quantity never moves the draws of another.  The
 * caller's statistic does its own work in its own workspace; the driver allocates once
 * (the replicate table) and nothing per resample. */
#ifndef UPLIFT_BOOTSTRAP_H
#define UPLIFT_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "uplift/progress.h"
#include "uplift/status.h"

/* The jackknife (for BCa) costs G evaluations of the statistic on G - 1 clusters; above
 * this many clusters it is skipped and BCa bounds are NAN. */
#define UPL_BOOT_JACKKNIFE_MAX 5000

/* The generator of every bootstrap and permutation draw. */
#define UPL_BOOT_RNG (gsl_rng_mt19937)

/* The key of the clusters' stream (the draws of upl_boot_run itself). */
#define UPL_BOOT_STREAM_CLUSTERS UINT64_C(0)

/* The gsl_rng seed of stream key under the caller's seed: the upper 32 bits of
 * s(s(seed) XOR key), s being SplitMix64 (Steele, Lea and Flood 2014: add
 * 0x9E3779B97F4A7C15, then its output mix), so that nearby seeds and keys give unrelated
 * streams.  32 bits because mt19937 uses no more; a result of 0 is used as it is
 * (gsl_rng_set then takes the generator's default seed). */
unsigned long upl_boot_stream_seed(unsigned long seed, uint64_t key);

/* The key of a stream named by text (e.g. an outside group of predictions, by its
 * name): the 64-bit FNV-1a hash of its bytes, fixed by the name alone. */
uint64_t upl_boot_stream_key(const char *name);

/* Passed as rep for the passes that are not resamples: the full sample and the
 * jackknife. */
#define UPL_BOOT_NO_RESAMPLE SIZE_MAX

/* Computes m statistics into out[0..m) from the clusters draw[0..n_draw) (indices in
 * [0, G), repeats allowed; a cluster drawn twice counts as two clusters).  rep is the
 * resample's number, 0 to reps - 1, or UPL_BOOT_NO_RESAMPLE on the full sample and the
 * jackknife passes.  A statistic that resamples something else as well (e.g. outside
 * predictions within their group) draws it from generators of its own, seeded by
 * upl_boot_stream_seed() with their keys: upl_boot_run calls the resamples in the order
 * 0, 1, ..., reps - 1, each once, after the full sample and the jackknife, so that such
 * a stream is read in the same order on every run.  On UPL_BOOT_NO_RESAMPLE it uses its
 * full data.  A statistic that is undefined on a resample is NAN.  Return 0, or non-zero
 * to abort (upl_boot_run then returns UPL_ERROR). */
typedef int (*upl_boot_stat_fn)(void *ctx, const size_t *draw, size_t n_draw, size_t rep,
                                double *out);

typedef struct upl_boot_result {
    size_t m, reps, G;
    unsigned long seed;
    double *theta; /* m: the statistics on the full sample */
    double *rep;   /* reps x m, row-major */
    double *jack;  /* G x m: leave-one-cluster-out values (for BCa); NAN above
                      UPL_BOOT_JACKKNIFE_MAX clusters */
} upl_boot_result;

/* Runs reps resamples of G clusters, drawn from the stream UPL_BOOT_STREAM_CLUSTERS of
 * seed.  *res is caller-owned: release it with
 * upl_boot_result_release() after UPL_OK (on failure it holds nothing).  progress may
 * be NULL.  UPL_INVALID for G < 2, m == 0 or reps == 0; UPL_NOMEM; UPL_ERROR when fn
 * aborts. */
upl_status upl_boot_run(size_t G, size_t m, size_t reps, unsigned long seed, upl_boot_stat_fn fn,
                        void *ctx, upl_progress_fn progress, void *progress_ctx,
                        upl_boot_result *res, upl_diag *diag);
void upl_boot_result_release(upl_boot_result *res);

typedef struct upl_boot_ci {
    size_t used;   /* replicates with a finite value */
    double lo, hi; /* percentile interval */
    double bca_lo, bca_hi;
    double z0, accel; /* BCa bias correction and acceleration */
} upl_boot_ci;

/* Intervals at level for statistic j.  Percentile: the (1-level)/2 and (1+level)/2
 * quantiles of the finite replicates (linear interpolation, R's type 7).  BCa: the
 * same quantiles moved by z0 = Phi^-1(share of replicates below theta, ties counted
 * half) and the jackknife acceleration.  NAN bounds when fewer than two replicates are
 * finite, and NAN BCa bounds when theta or a jackknife value is not finite or every
 * replicate lies on one side of theta.  Needs scratch of reps doubles; no allocation. */
void upl_boot_interval(const upl_boot_result *res, size_t j, double level, double *scratch,
                       upl_boot_ci *ci);

#endif
