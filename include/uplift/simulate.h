/* Synthetic studies with known truth (docs/simulation.md): a task table
 * drawn from a declared data-generating model, for planning (power), for validating the
 * estimators and for examples.  Randomness only through gsl_rng: the generator's name
 * and the seed are part of the truth, and the same parameters and seed give the same
 * table on every machine.
 *
 * The model, for participant j = 1..P and task i of that participant:
 *
 *   u_j ~ N(0, participant_sd^2)                      participant random effect
 *   log T0_ij = log(median_min) + log(mult_c) + u_j + e_ij,  e_ij ~ N(0, resid_sd^2)
 *                                                      true time without AI
 *   used_ij ~ Bernoulli(1 - treated_nonuse) in a non-control arm,
 *             Bernoulli(control_use) in the control arm
 *   v_j ~ N(0, effect_sd^2)                           participant's own deviation of the
 *                                                      log effect (a random slope)
 *   T_ij = T0_ij * (1 + effect(arm, category)) * exp(v_j) when used_ij (the control
 *          arm's users take the first non-control arm's effect), else T0_ij
 *   reviewed_ij ~ Bernoulli(review_rate); s = post_review_share when reviewed, else 0
 *   measured = T (1 - s)                               the timer's active time
 *   reported = measured * (1 + report_bias) * exp(N(0, report_sd^2))
 *   post_review = T s (1 + report_bias) exp(N(0, report_sd^2)); missing with
 *                 probability post_review_missing
 *   forecast_no_ai = T0 exp(N(0, forecast_sd^2)); forecast_ai = forecast_no_ai (1 +
 *                 forecast_bias) exp(N(0, forecast_ratio_sd^2)) (the geometric mean of
 *                 forecast_ai / forecast_no_ai is 1 + forecast_bias)
 *   perceived_pct ~ N(perceived_pct, perceived_sd^2) (clamped to (-0.95, 10)) on the tasks
 *                 that used AI; missing with probability perceived_missing
 *
 * effect(arm, category) is the arm's own effect when one was declared, else the
 * category's when one was declared (a jagged frontier), else effect_pct.  A task is
 * abandoned (no times) with probability abandon.  Times are rounded to 0.1 minute,
 * forecasts to whole minutes, perceptions to whole percent.
 *
 * Every random number is drawn whatever the effect, so two studies with the same seed
 * that differ only in their effects share every other quantity (common random
 * numbers, which power searches rely on).  The draws that came later (v_j, then the
 * forecast ratios) come after all others, so a study with effect_sd and
 * forecast_ratio_sd 0 is the study drawn before they existed. */
#ifndef UPLIFT_SIMULATE_H
#define UPLIFT_SIMULATE_H

#include <stddef.h>

#include "uplift/status.h"
#include "uplift/task.h"

#define UPL_SIM_MAX_ARMS       8
#define UPL_SIM_MAX_CATEGORIES 16

typedef enum {
    UPL_SIM_SIMPLE,   /* an independent draw per task with the arm probabilities */
    UPL_SIM_COMPLETE, /* exact counts (to within one block) over the whole study */
    UPL_SIM_BLOCKED   /* exact counts within each participant's tasks */
} upl_sim_scheme;

/* "simple", "complete", "blocked-by-participant" (the names of analyze --ri-design). */
const char *upl_sim_scheme_name(upl_sim_scheme s);
int upl_sim_scheme_from_name(const char *name, upl_sim_scheme *out);

typedef struct upl_sim_arm {
    const char *label; /* borrowed; [a-z0-9_]+ */
    unsigned ratio;    /* allocation weight >= 1 */
    double effect_pct; /* NAN: by category, else the study's effect_pct; unused for control */
} upl_sim_arm;

typedef struct upl_sim_category {
    const char *name;  /* borrowed */
    double share;      /* weight > 0 (normalised over the categories) */
    double effect_pct; /* NAN: the study's effect_pct */
    double time_mult;  /* multiplies the median no-AI time; default 1 */
} upl_sim_category;

typedef struct upl_sim_params {
    size_t participants; /* >= 1 */
    size_t tasks_min;    /* tasks per participant, uniform on [tasks_min, tasks_max] */
    size_t tasks_max;
    double effect_pct; /* relative change of time with AI: 0.19 = 19% more time */
    unsigned long seed;
    size_t n_arms;
    upl_sim_arm arms[UPL_SIM_MAX_ARMS];
    size_t control; /* index of the comparison arm */
    upl_sim_scheme scheme;
    size_t n_categories;
    upl_sim_category categories[UPL_SIM_MAX_CATEGORIES];
    double median_min;        /* median true no-AI time, minutes */
    double participant_sd;    /* SD of u_j on the log scale */
    double icc;               /* NAN, or the intra-class correlation: then participant_sd =
                                 resid_sd sqrt(icc / (1 - icc)) */
    double resid_sd;          /* SD of e_ij */
    double effect_sd;         /* SD of v_j, participants' own deviations of the log effect */
    double forecast_sd;       /* SD of log(forecast_no_ai / T0) */
    double forecast_bias;     /* forecast_ai / forecast_no_ai - 1 (geometric mean) */
    double forecast_ratio_sd; /* SD across tasks of log(forecast_ai / forecast_no_ai) */
    double perceived_pct;     /* mean post-hoc estimate of AI's effect */
    double perceived_sd;
    double perceived_missing;   /* share of AI tasks without an estimate */
    double review_rate;         /* share of tasks with work after review */
    double post_review_share;   /* share of a reviewed task's time after review */
    double post_review_missing; /* share of done tasks whose post-review time is missing */
    double report_bias;         /* geometric mean of reported / measured, minus 1 */
    double report_sd;           /* SD of log(reported / ((1 + bias) measured)) */
    double treated_nonuse;      /* share of non-control tasks done without AI */
    double control_use;         /* share of control tasks done with AI */
    double abandon;             /* share of tasks abandoned (no outcome) */
} upl_sim_params;

/* Defaults: 16 participants, 15 tasks each, arms ai:1 and no_ai:1 (control no_ai),
 * simple randomization, categories bug, feature, refactor, exploration (shares 0.35,
 * 0.35, 0.2, 0.1), effect 0, seed 1, median 90 minutes, participant_sd 0.3, icc NAN,
 * resid_sd 0.8, effect_sd 0, forecast_sd 0.5, forecast_bias 0, forecast_ratio_sd 0,
 * perceived 0 (sd 0.15, missing 0), review_rate 0.5, post_review_share 0.15,
 * post_review_missing 0, report_bias 0, report_sd 0.1, no non-compliance, no
 * abandonment. */
void upl_sim_params_default(upl_sim_params *p);

/* Checks p (ranges, shares in [0, 1], unique arm and category labels, a valid control)
 * and returns UPL_INVALID with one line in diag naming the parameter. */
upl_status upl_sim_params_check(const upl_sim_params *p, upl_diag *diag);

/* The truth the estimators should recover.  For each non-control arm a:
 *   log_effect     = sum_c share_c log(1 + effect(a, c))  the effect of AI use on log time
 *                    (what the pooled model estimates when everyone complies)
 *   effect_pct     = exp(log_effect) - 1
 *   itt_log_effect = (1 - treated_nonuse) log_effect - control_use log_effect(first arm)
 *                    the intention-to-treat contrast of mean log time */
typedef struct upl_sim_arm_truth {
    const char *label; /* borrowed from the params */
    double effect_pct, log_effect, itt_log_effect;
} upl_sim_arm_truth;

typedef struct upl_sim_truth {
    const char *rng; /* gsl_rng name, static */
    unsigned long seed;
    double participant_sd; /* resolved (from icc when given) */
    double icc;            /* resolved */
    size_t n_tasks;
    size_t n_effects; /* non-control arms, in arm order */
    upl_sim_arm_truth effects[UPL_SIM_MAX_ARMS];
} upl_sim_truth;

/* Category c's share of the tasks, the shares of p normalised to sum to 1. */
double upl_sim_category_share(const upl_sim_params *p, size_t c);

/* Fills truth from p alone (no draws).  p must pass upl_sim_params_check(). */
void upl_sim_truth_compute(const upl_sim_params *p, upl_sim_truth *truth);

/* Draws one study into *ds (caller-owned, released with upl_dataset_release() after
 * UPL_OK; on failure it holds nothing).  truth (may be NULL) receives the truth with
 * n_tasks.  Task ids are 1..n, participants p01.. (zero-padded), arms set with the
 * control.  UPL_INVALID (diag) for bad parameters, UPL_NOMEM. */
upl_status upl_sim_study(const upl_sim_params *p, upl_dataset *ds, upl_sim_truth *truth,
                         upl_diag *diag);

#endif
