/* The wild cluster restricted (WCR) bootstrap of one OLS coefficient: its p-value for
 * H0: b_j = b0 and a confidence interval by test inversion (docs/analysis.md; MacKinnon,
 * Nielsen and Webb 2023, "Cluster-robust inference: a guide to empirical practice";
 * Roodman, MacKinnon, Nielsen and Webb 2019, "Fast and wild").
 *
 * WCR-C: the null is imposed (the restricted model's residuals u(b0) are resampled),
 * each cluster's residuals are multiplied by one weight v_g, and the bootstrap t
 * statistic uses the CR1 variance (estimatr's "stata" factor G/(G-1) (n-1)/(n-k)), as
 * boottest and fwildclusterboot do by default.  The p-value is symmetric: the share of
 * replicates with |t*| >= |t|.  With Rademacher weights and 2^G <= the replicates asked
 * for, all 2^G sign vectors are enumerated (exact, no Monte Carlo error).
 *
 * No replicate refits the model.  By Frisch-Waugh-Lovell the restricted residuals are
 * u(b0) = e + (b_j - b0) z / a_j, with e the OLS residuals, a = (X'X)^-1 e_j and z = X a;
 * every per-cluster piece of a replicate's numerator and CR1 variance is then linear in
 * (b_j - b0), so one pass over the replicates keeps five numbers each and every p(b0) of
 * the root finding costs O(B).  A replicate costs O(G min(G, k)) (k < G: through the
 * k-vectors sum_h v_h X_h'u_h; else through a G x G matrix), independent of n.
 *
 * Randomness only through gsl_rng (UPL_BOOT_RNG), seeded by the caller: the same seed
 * gives the same weights, and the same weights serve every b0 of the inversion. */
#ifndef UPLIFT_WILD_H
#define UPLIFT_WILD_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>

#include "uplift/ols.h"
#include "uplift/status.h"

typedef enum {
    UPL_WILD_RADEMACHER, /* +1, -1 with probability 1/2 */
    UPL_WILD_WEBB,       /* +-sqrt(1/2), +-1, +-sqrt(3/2), 1/6 each (Webb 2014/2023) */
    UPL_WILD_MAMMEN      /* (1 - sqrt 5)/2 w.p. (sqrt 5 + 1)/(2 sqrt 5), else (1 + sqrt 5)/2 */
} upl_wild_weights;
#define UPL_WILD_WEIGHTS_COUNT 3

/* Name <-> value ("rademacher", "webb", "mammen"); _from_name returns 0 and sets *out,
 * -1 for an unknown name. */
const char *upl_wild_weights_name(upl_wild_weights w);
int upl_wild_weights_from_name(const char *name, upl_wild_weights *out);

/* Bootstrap |t*| within this relative distance of |t| counts as |t*| >= |t|: a tie.  The
 * replicate whose weights are all equal (v = 1 or v = -1) reproduces the observed t in
 * exact arithmetic, so without a rule its place in the count would be set by rounding
 * (a relative 1e-15 or so); any other replicate this close to |t| is a tie to working
 * precision too. */
#define UPL_WILD_TIE_RTOL 1e-9

typedef struct upl_wild_result {
    double coef;         /* b_j of the fit */
    double t;            /* its CR1 t statistic for b0 = 0 */
    double p;            /* WCR p-value of b_j = 0 */
    double ci_lo, ci_hi; /* the set of b0 with p(b0) >= 1 - level; +-INFINITY unbounded */
    size_t replicates;   /* 2^G when enumerated */
    int enumerated;      /* 1: every Rademacher sign vector, exact */
    upl_wild_weights weights;
    unsigned long seed; /* the gsl_rng seed of the weights (unused when enumerated) */
} upl_wild_result;

/* The WCR bootstrap of coefficient j of the last fit of ols (fitted on X with clusters
 * cluster[0..n) in [0, G), G >= 2; X is the fit's design, borrowed) with reps replicates
 * (or 2^G, enumerated, under Rademacher weights when 2^G <= reps), weights drawn from a
 * gsl_rng UPL_BOOT_RNG seeded with seed, and the interval at level (0 < level < 1).
 * The interval's bounds are the roots of p(b0) = 1 - level on either side of b_j (Brent's
 * method on the step function p, to a relative 1e-10 of the CR1 standard error), found
 * after doubling a step of one CR1 standard error until p falls below 1 - level; a side
 * where it never does (e.g. too few sign vectors: p >= 2 / 2^G) is unbounded.
 * Errors: UPL_INVALID for bad arguments (j >= k, reps 0, G < 2, a level outside (0, 1));
 * UPL_REFUSED when the CR1 variance of b_j is zero to working precision (no t statistic);
 * UPL_NOMEM. */
upl_status upl_wild_run(upl_ols *ols, const gsl_matrix *X, const size_t *cluster, size_t G,
                        size_t j, size_t reps, upl_wild_weights weights, unsigned long seed,
                        double level, upl_wild_result *res, upl_diag *diag);

/* p(b0) of the same bootstrap (the same weights) for another null, for tests and for a
 * caller's own inversion: runs the replicates again.  Same errors as upl_wild_run. */
upl_status upl_wild_p(upl_ols *ols, const gsl_matrix *X, const size_t *cluster, size_t G, size_t j,
                      size_t reps, upl_wild_weights weights, unsigned long seed, double b0,
                      double *p, upl_diag *diag);

#endif
