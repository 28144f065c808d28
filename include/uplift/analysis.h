/* The analysis of a study (docs/analysis.md): from a task table to the effect of each
 * arm on completion time, with every standard error of the panel, and the renderers
 * that print it.  The library never prints to the terminal: renderers write to the
 * FILE* they are handed.
 *
 * Flow: upl_dataset -> upl_design_build() (rows, outcome, imputation, X, y, clusters)
 *       -> upl_ols (include/uplift/ols.h) -> upl_analysis_run() fills an
 *       upl_analysis_result -> upl_analysis_render_text() / _render_json(). */
#ifndef UPLIFT_ANALYSIS_H
#define UPLIFT_ANALYSIS_H

#include <stddef.h>
#include <stdio.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "uplift/model.h"
#include "uplift/status.h"
#include "uplift/task.h"

/* ---- what to estimate ---- */

typedef struct upl_model_spec {
    upl_outcome outcome;     /* default total */
    upl_covariate covariate; /* default log_forecast_no_ai */
    int participant_fe;      /* participant fixed effects; default 0 */
    upl_impute impute;       /* default arm-mean */
    upl_se_type se_type;     /* default UPL_SE_AUTO: cr2 with clusters, else hc2 */
    upl_dist dist;           /* default t */
    double level;            /* confidence level in (0, 1); default 0.95 */
} upl_model_spec;

/* Fills the defaults listed above. */
void upl_model_spec_default(upl_model_spec *spec);

/* ---- the design: which rows, the outcome, X and y ---- */

/* Row accounting: every dataset row is analysed or counted in exactly one reason. */
typedef struct upl_row_counts {
    size_t input;             /* rows of the dataset */
    size_t excluded;          /* status excluded */
    size_t abandoned;         /* status abandoned */
    size_t not_done;          /* planned, assigned or in progress */
    size_t unassigned;        /* no arm */
    size_t missing_outcome;   /* outcome time missing (or post-review, complete-case) */
    size_t missing_covariate; /* covariate forecast missing */
    size_t imputed;           /* analysed rows whose post-review time is an arm mean */
    size_t analysed;
} upl_row_counts;

/* The regression log(outcome) = X b + e.  Rows: the analysed rows in the dataset's
 * canonical order (upl_dataset_order()), so that the input's row order changes no
 * result.  Columns: "(Intercept)", then "arm_<label>" for each non-control arm in
 * ds->arms order, then the covariate (when any), then "participant_<handle>" for every
 * participant but the first (participants by handle, byte order) when
 * spec->participant_fe. */
typedef struct upl_design {
    size_t n, k;
    size_t n_fe;   /* the last n_fe of the k columns are participant fixed effects */
    gsl_matrix *X; /* n x k */
    gsl_vector *y; /* n: log outcome */
    size_t *row;   /* n: dataset row of each design row */
    size_t *arm;   /* n: index into ds->arms */
    char **term;   /* k names, owned */
    size_t n_arms;
    size_t control;
    size_t *arm_col; /* n_arms: column of each arm's indicator; (size_t)-1 for control */
    size_t *arm_n;   /* n_arms: analysed rows per arm */
    /* clusters = participants; NULL cluster when no analysed row has a participant (a
     * design where some have one and others not is refused) */
    size_t *cluster; /* n, or NULL */
    size_t n_clusters;
    const char **cluster_name; /* n_clusters, borrowed from the dataset */
    size_t *cluster_n;         /* n_clusters */
    size_t no_participant_row; /* when cluster is NULL: a dataset row lacking one */
    upl_row_counts counts;
} upl_design;

/* Builds the design of spec on ds (ds->arms and ds->control must be set).  *d is
 * caller-owned; release it with upl_design_release() after UPL_OK (on failure it holds
 * nothing).  Refusals (UPL_REFUSED, diag names the task): a non-positive outcome or
 * forecast (log undefined; for the covariate's forecast why is
 * UPL_REASON_COVARIATE_INVALID), a negative post-review time, a duplicate task id, a task
 * whose arm is not one of ds->arms (ARM_UNKNOWN), an arm with no analysed task, no more
 * analysed rows than parameters, arm-mean imputation for an arm with no post-review time
 * at all (NOTHING_TO_IMPUTE), an analysed task without a participant when others have
 * one.
 * UPL_INVALID for a bad spec or dataset, UPL_NOMEM. */
upl_status upl_design_build(upl_design *d, const upl_dataset *ds, const upl_model_spec *spec,
                            upl_diag *diag);
void upl_design_release(upl_design *d);

/* ---- results ---- */

/* One estimate with its interval, on the log scale and as a percent change of time.
 * defined == 0 means the SE type cannot be computed on these data: every number is then
 * NAN and renderers print null. */
typedef struct upl_estimate {
    int defined;
    double coef, se;
    double df; /* NAN for a z interval */
    double stat, p;
    double ci_lo, ci_hi;
    double pct, pct_lo, pct_hi; /* exp(coef) - 1 and exp(ci) - 1 */
} upl_estimate;

typedef struct upl_effect {
    const char *arm; /* borrowed from the dataset */
    size_t n_arm;
    upl_estimate est;
} upl_effect;

typedef struct upl_panel_entry {
    upl_se_type se_type;
    upl_dist dist;
    size_t effect; /* index into effects */
    upl_estimate est;
} upl_panel_entry;

/* Members that later analyses fill (issue 6).  NULL = not computed (JSON null). */
typedef struct upl_ratio_of_means {
    double pct, pct_lo, pct_hi;
    size_t bootstrap;
    /* issue 6: BCa interval beside the percentile one, and the seed */
    double bca_lo, bca_hi;
    unsigned long seed;
    /* resamples on which the ratio was undefined (an arm missing), left out */
    size_t undefined;
} upl_ratio_of_means;

/* issue 6: an external group's prediction (experts, managers) against the measured
 * effect: gap = effects[0].pct - pct, its interval from the joint bootstrap. */
typedef struct upl_prediction_gap {
    char *group; /* owned */
    size_t n;    /* predictions of the group */
    double pct;  /* their mean */
    double gap, gap_lo, gap_hi;
    /* the gap's BCa interval (acceleration from the participant jackknife, the
     * predictions held fixed in it), and the percentile interval of the group's mean
     * prediction from resampling its predictions in the same bootstrap (NAN without
     * bootstrap, and for a one-prediction group: nothing to resample) */
    double gap_bca_lo, gap_bca_hi;
    double pct_lo, pct_hi;
} upl_prediction_gap;

typedef struct upl_perception {
    /* NAN members print as null */
    double forecast_pct, forecast_lo, forecast_hi;
    double posthoc_pct, posthoc_lo, posthoc_hi;
    double gap_forecast, gap_forecast_lo, gap_forecast_hi;
    double gap_posthoc, gap_posthoc_lo, gap_posthoc_hi;
    /* issue 6: counts, the bootstrap, BCa bounds in the order forecast, posthoc,
     * gap_forecast, gap_posthoc (lo, hi each), external predictions */
    size_t n_forecast, n_posthoc, bootstrap;
    double bca[8];
    size_t n_predictions;
    upl_prediction_gap *predictions; /* owned */
    /* resamples left out of each interval as undefined (an arm missing from the resample,
     * or no task with forecasts / a post-hoc estimate), in the order effect (the
     * model's, also left out of every prediction gap), forecast, posthoc, gap_forecast,
     * gap_posthoc */
    size_t undefined[5];
} upl_perception;

typedef struct upl_agreement {
    size_t n;
    double ratio, ratio_lo, ratio_hi;
    double loa_lo, loa_hi;
    double r;
    upl_estimate effect_measured, effect_reported;
    /* the variance of the mean log ratio is zero to working precision (every task's ratio
     * the same): ratio_lo and ratio_hi NAN */
    int ratio_zero_variance;
} upl_agreement;

#define UPL_RI_HIST_BINS 40

typedef struct upl_randomization_inference {
    double p, p_mc_se;
    size_t permutations;
    const char *design;
    /* issue 6: exact enumeration (p_mc_se 0), the observed statistic (the coefficient),
     * draws whose estimate was undefined and left out */
    int exact;
    double statistic;
    size_t dropped;
    /* issue 7 (the report's histogram): the distribution of the re-drawn estimates,
     * hist[i] the share of the draws (weighted when exact) in the i-th of
     * UPL_RI_HIST_BINS equal bins over [hist_lo, hist_hi], which holds every draw and
     * the observed statistic; all zero when hist_hi <= hist_lo */
    double hist_lo, hist_hi;
    double hist[UPL_RI_HIST_BINS];
} upl_randomization_inference;

typedef struct upl_participant_effect {
    const char *participant;
    size_t n;
    double pct, pct_lo, pct_hi;
} upl_participant_effect;

typedef struct upl_subgroup_level {
    const char *level;
    size_t n;
    double coef, se, pct, pct_lo, pct_hi;
    double df, p; /* issue 6 */
} upl_subgroup_level;

typedef struct upl_subgroups {
    const char *column;
    double heterogeneity_p;
    size_t n_levels;
    upl_subgroup_level *levels;
    /* issue 6: the joint Wald test that every level's effect is equal: "F" with df1 and
     * df2 (t intervals) or "chisq" with df1 (z intervals); rows left out (no level, or
     * a level without tasks in both arms) */
    const char *test;
    double stat, df1, df2;
    size_t n, excluded;
    /* levels whose effect's variance is zero to working precision under the SE type
     * (include/uplift/ols.h): se, df, p and pct_ci NAN, the Wald test too */
    size_t zero_variance;
} upl_subgroups;

/* issue 16: one arm's wild cluster restricted bootstrap (include/uplift/wild.h): the
 * p-value of no effect and the interval by test inversion as percent changes of time.
 * replicates 0: not computed (every number NAN). */
typedef struct upl_wild_effect {
    const char *arm; /* borrowed from the dataset */
    double p;
    double ci_lo, ci_hi;   /* log scale; +-HUGE_VAL on an unbounded side */
    double pct_lo, pct_hi; /* exp(ci) - 1 */
    const char *weights;   /* static: "rademacher", "webb" or "mammen" */
    size_t replicates;
    int enumerated;
    unsigned long seed; /* the gsl_rng seed of the weights */
} upl_wild_effect;

typedef struct upl_compliance {
    double treated_nonuse, control_use;
    upl_estimate iv;
    double first_stage_f;
    /* issue 6: tasks with ai_used known (in the two arms compared), the F's degrees of
     * freedom as estimatr reports them */
    size_t n, n_treated_known, n_control_known;
    double first_stage_df1, first_stage_df2;
    /* the variance of the first stage's instrument (first_stage_f NAN) or of the 2SLS
     * effect (iv's se, ci and p NAN) is zero to working precision (include/uplift/ols.h) */
    int first_stage_zero_variance, iv_zero_variance;
} upl_compliance;

typedef struct upl_analysis_result {
    upl_model_spec spec;     /* se_type resolved (never AUTO) */
    const char *control_arm; /* borrowed from the dataset */
    size_t n, k, clusters;
    size_t n_fe; /* participant fixed effects in the model, not among the k reported */
    upl_row_counts counts;
    double max_leverage;
    /* every coefficient but the fixed effects, under the chosen SE type (estimatr's
     * fixed_effects = ~participant does not report them either) */
    char **term; /* k, owned */
    upl_estimate *coef;
    /* one per non-control arm */
    size_t n_effects;
    upl_effect *effects;
    /* UPL_SE_TYPE_COUNT x {z, t} x n_effects, in that order; types that need clusters
     * when there are fewer than two are present with defined == 0 */
    size_t n_panel;
    upl_panel_entry *panel;
    /* later work; NULL = not computed */
    upl_ratio_of_means *ratio_of_means;
    upl_perception *perception;
    upl_agreement *agreement;
    upl_randomization_inference *randomization_inference;
    upl_participant_effect *per_participant; /* NULL = not computed */
    size_t n_per_participant;
    size_t per_participant_estimated, per_participant_slowdown; /* issue 6 */
    upl_subgroups *subgroups;
    upl_compliance *compliance;
    /* issue 16: the wild cluster restricted bootstrap of each effect (n_effects entries, in
     * the order of effects; an entry with replicates 0 could not be computed, the reason
     * in warnings); NULL when not asked for */
    upl_wild_effect *wild_bootstrap;
    /* One-line messages, owned, each saying what limits the result; warning_reasons[i]
     * says which situation warnings[i] describes (UPL_REASON_NONE for most; FEW_CLUSTERS,
     * BOOTSTRAP_SKIPPED, PERMUTATIONS_SKIPPED when an option of the caller's would change
     * it).  The text names no option or command: a caller that has a way to change the
     * result appends it with upl_analysis_warning_append() before rendering, chosen by
     * the reason.  The command line does, so the warnings of analyze --json and of the
     * report carry that advice: "...: ask for it with --bootstrap N". */
    size_t n_warnings;
    char **warnings;
    upl_reason *warning_reasons; /* n_warnings */
} upl_analysis_result;

/* Estimates spec on ds.  *res is caller-owned: on UPL_OK release it with
 * upl_analysis_result_release(); on failure it holds nothing and diag says why
 * (the refusals of upl_design_build(), UPL_REFUSED for a cluster type with fewer than
 * two clusters or without participants (why UPL_REASON_NO_CLUSTERS), and for a
 * rank-deficient design: linearly dependent columns, or a column whose part orthogonal
 * to the columns before it is below 1e-7 of its length, which R's lm reports as NA).  A
 * variance that is zero to working precision (include/uplift/ols.h) leaves that type's
 * estimate of the coefficient undefined, and a condition number above 1e7 (columns
 * scaled to unit length) adds a warning. */
upl_status upl_analysis_run(const upl_dataset *ds, const upl_model_spec *spec,
                            upl_analysis_result *res, upl_diag *diag);
void upl_analysis_result_release(upl_analysis_result *res);

/* Fills est from a coefficient, its variance and df under dist at level (shared with
 * later analyses).  var may be NAN (est->defined = 0). */
void upl_estimate_fill(upl_estimate *est, double coef, double var, double df, upl_dist dist,
                       double level);

/* Adds a formatted warning (copied) to res, with reason UPL_REASON_NONE (_warn) or
 * reason (_warn_why); UPL_NOMEM on failure. */
upl_status upl_analysis_warn(upl_analysis_result *res, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
upl_status upl_analysis_warn_why(upl_analysis_result *res, upl_reason reason, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Appends text (copied, e.g. "; ask for it with --bootstrap N") to warning i of res.
 * UPL_INVALID when there is no warning i, UPL_NOMEM (the warning unchanged). */
upl_status upl_analysis_warning_append(upl_analysis_result *res, size_t i, const char *text);

#endif
