/* Power analysis by simulation (docs/simulation.md): draw many studies of a declared
 * design (include/uplift/simulate.h), run the declared analysis (include/uplift/analysis.h:
 * design, OLS and one standard-error type) on each, and count rejections of "no effect"
 * at the level's alpha.  Study s uses the seed derived from (design.seed, s), so two runs
 * that differ only in their effect share every other random number (common random
 * numbers): power curves are smooth and the minimum-detectable-effect search is stable.
 *
 * Monte Carlo error: power and coverage are shares of S studies, with standard error
 * sqrt(p (1 - p) / S). */
#ifndef UPLIFT_POWER_H
#define UPLIFT_POWER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "uplift/analysis.h"
#include "uplift/model.h"
#include "uplift/simulate.h"
#include "uplift/status.h"

/* Called after each simulated study: evaluation is 0 for a plain power run and counts
 * the steps of an MDE search; done of total studies of this evaluation. */
typedef void (*upl_power_progress)(void *ctx, size_t evaluation, size_t done, size_t total);

typedef struct upl_power_spec {
    upl_sim_params design;       /* effect_pct is the effect whose power is wanted */
    upl_model_spec model;        /* the analysis; se_type AUTO = cr2 with clusters, else hc2 */
    size_t sims;                 /* studies to draw, >= 1 */
    int panel;                   /* also tally every SE type with t and z intervals */
    upl_power_progress progress; /* may be NULL */
    void *progress_ctx;
} upl_power_spec;

/* Rejections and coverage for one SE type and interval. */
typedef struct upl_power_tally {
    size_t defined; /* studies where this SE was defined */
    double power, power_mc_se;
    double coverage, coverage_mc_se; /* of the estimand (truth itt_log_effect) */
    double mean_se;
} upl_power_tally;

typedef struct upl_power_result {
    double effect_pct; /* of the first non-control arm (truth) */
    double log_effect;
    double estimand;     /* itt_log_effect: what the analysis estimates */
    upl_se_type se_type; /* as resolved on the first analysed study */
    upl_dist dist;
    double alpha;
    size_t sims;   /* studies drawn */
    size_t failed; /* studies the analysis refused (counted as no rejection) */
    double power, power_mc_se;
    double coverage, coverage_mc_se;
    double est_mean, est_sd, est_mc_se; /* coefficient across analysed studies */
    double mean_se;
    int have_panel;
    upl_power_tally panel[UPL_SE_TYPE_COUNT][2]; /* [type][0: t, 1: z] */
    char first_failure[512]; /* why the first refused study was refused, or "" */
} upl_power_result;

/* Runs spec.  *res is filled on UPL_OK.  UPL_INVALID for a bad design or spec (diag),
 * UPL_REFUSED when no study could be analysed (diag holds the first refusal), UPL_NOMEM. */
upl_status upl_power_run(const upl_power_spec *spec, upl_power_result *res, upl_diag *diag);

/* The seed of study s of a run seeded with seed (splitmix64, 32 bits). */
unsigned long upl_power_study_seed(unsigned long seed, size_t s);

typedef struct upl_mde_result {
    double target;         /* the power asked for */
    double log_effect;     /* smallest log effect found with power >= target */
    double mde_pct;        /* exp(log_effect) - 1: more time with AI */
    double mde_pct_faster; /* exp(-log_effect) - 1: the same size as a saving */
    double tolerance;      /* the search stopped with the bracket narrower than this (log) */
    size_t evaluations;
    upl_power_result at; /* the power run at log_effect */
} upl_mde_result;

/* Minimum detectable effect: the smallest base effect (design.effect_pct, varied on the
 * log scale; per-arm and per-category effects stay as declared) whose power reaches
 * target, by bracketing and bisection on the same simulated studies at every step.
 * UPL_REFUSED when even +1000% does not reach the target. */
upl_status upl_power_mde(const upl_power_spec *spec, double target, upl_mde_result *res,
                         upl_diag *diag);

#endif
