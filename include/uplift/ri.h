/* Randomization inference (Fisher's exact test of the sharp null of no effect on any
 * task): re-draw the assignment with the design that produced it, recompute the
 * estimate, and count how often it is at least as far from zero as the one observed.
 *
 * The estimate is the treatment coefficient b of y = W g + b t + e, the main model's
 * regression (W: the intercept, the other arms, the covariate, participant fixed
 * effects; t: the treated arm's indicator).  W does not change when t is re-drawn, so
 * by Frisch-Waugh-Lovell b = sum_S r_i / (|S| - ||sum_S q_i||^2) with r the residual of
 * y on W, q_i the rows of the thin Q of W and S the treated rows: O(|S| q) per draw, no
 * refit and no allocation. */
#ifndef UPLIFT_RI_H
#define UPLIFT_RI_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "uplift/analysis.h"
#include "uplift/bootstrap.h"
#include "uplift/status.h"

typedef enum {
    UPL_RI_SIMPLE,   /* each eligible task treated with probability (observed share) */
    UPL_RI_COMPLETE, /* the observed number treated, any subset equally likely */
    UPL_RI_BLOCKED,  /* the observed number treated within each block (participant) */
    UPL_RI_REPLAY    /* the caller's draw (a study's own scheme, replayed by its engine) */
} upl_ri_design;

/* One re-drawn assignment of the replay design: sets treated[i] (0 or 1) for each of the
 * problem's n rows, taking all its randomness from rng, so that the same generator state
 * gives the same assignment.  Only eligible rows are read.  A status other than UPL_OK
 * stops the test with that status. */
typedef upl_status (*upl_ri_draw_fn)(void *ctx, gsl_rng *rng, unsigned char *treated);

/* "simple", "complete", "blocked-by-participant", "replay" (upl_ri_design_from_name
 * accepts only the first three: the replay needs a draw function) */
const char *upl_ri_design_name(upl_ri_design d);
int upl_ri_design_from_name(const char *name, upl_ri_design *out);

/* Assignments at or below this many are enumerated exactly by default. */
#define UPL_RI_EXACT_MAX 100000

/* The problem, borrowed.  Rows that do not take part in the re-draw (another arm) have
 * eligible[i] == 0 and t[i] == 0.  block (blocked design only) gives each row's block in
 * [0, n_blocks). */
typedef struct upl_ri_problem {
    const gsl_matrix *W; /* n x q, full column rank */
    const gsl_vector *y; /* n */
    const unsigned char *t;
    const unsigned char *eligible;
    const size_t *block;
    size_t n_blocks;
    /* simple design: the probability that an eligible task is treated; 0 = the observed
     * share (a study passes its protocol's allocation ratio) */
    double p_simple;
    /* replay design: the draw, its context and the text of out->design (static; NULL:
     * "replay") */
    upl_ri_draw_fn draw;
    void *draw_ctx;
    const char *replay_name;
} upl_ri_problem;

/* Runs the test: exact enumeration when the design has at most exact_max assignments
 * (never for the replay design, whose number of assignments is unknown)
 * (under the simple design each weighted by its probability; assignments with no
 * treated or no control task, whose estimate is undefined, are left out and the rest
 * renormalised), else `permutations` Monte Carlo draws (replay: each pr->draw, the
 * treated rows being the eligible rows it marks) from a gsl_rng (UPL_BOOT_RNG)
 * seeded with seed.  Two-sided p: the share of draws with |b*| >= |b| (relative
 * tolerance 1e-10 for ties); Monte Carlo SE sqrt(p (1 - p) / draws), 0 when exact.
 * out->design is static.  UPL_INVALID for inconsistent inputs or no permutations when
 * enumeration is too large; UPL_NUMERIC when W is rank deficient or the observed
 * estimate is undefined; UPL_NOMEM. */
upl_status upl_ri_run(const upl_ri_problem *pr, upl_ri_design design, size_t permutations,
                      size_t exact_max, unsigned long seed, upl_progress_fn progress,
                      void *progress_ctx, upl_randomization_inference *out, upl_diag *diag);

#endif
