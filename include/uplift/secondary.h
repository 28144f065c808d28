/* The analyses beside the main effect (docs/perception.md): perception of the
 * effect and its gaps, self-reported against measured time, compliance and the effect
 * of AI use (2SLS), subgroups and per-participant effects, randomization inference.
 *
 * Each fills one of the members of upl_analysis_result that upl_analysis_run() leaves
 * NULL; upl_analysis_secondary() runs them all.  The library never prints: what cannot
 * be computed stays NULL and the reason goes to res->warnings. */
#ifndef UPLIFT_SECONDARY_H
#define UPLIFT_SECONDARY_H

#include <stddef.h>

#include "uplift/analysis.h"
#include "uplift/bootstrap.h"
#include "uplift/ri.h"
#include "uplift/status.h"
#include "uplift/task.h"
#include "uplift/wild.h"

/* One external prediction of AI's effect on time (-0.30 = 30% less time), borrowed. */
typedef struct upl_prediction {
    const char *group;
    double pct;
    const char *source; /* may be NULL */
} upl_prediction;

/* A study's own randomization scheme re-drawn for randomization inference (ri_design
 * UPL_RI_REPLAY): one fresh allocation of the whole study taken from rng (the same
 * generator state gives the same allocation), reported for the n dataset rows rows[]:
 * arm[j] is the index into ds->arms drawn for row rows[j].  A row the allocation does not
 * cover makes it fail (UPL_INTEGRITY). */
typedef upl_status (*upl_ri_arms_fn)(void *ctx, gsl_rng *rng, size_t n, const size_t *rows,
                                     size_t *arm);

typedef struct upl_secondary_spec {
    size_t bootstrap;                  /* cluster bootstrap resamples; default 2000; 0 = none */
    size_t permutations;               /* randomization-inference draws; default 10000; 0 = none */
    upl_ri_design ri_design;           /* default complete */
    double ri_simple_p;                /* simple design: P(treated); 0 (default) = observed share */
    size_t exact_max;                  /* enumerate designs with at most this many assignments */
    unsigned long seed;                /* default 1: bootstrap and permutations */
    const char *subgroup;              /* NULL, "category" or an extra column of the dataset */
    const upl_prediction *predictions; /* borrowed */
    size_t n_predictions;
    upl_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    /* Set when the caller asked for bootstrap / permutations explicitly.  Otherwise the
     * defaults are not applied to large data: no bootstrap intervals with more than
     * UPL_SECONDARY_AUTO_MAX clusters (tasks, without participants) and no
     * randomization inference with more than UPL_SECONDARY_AUTO_MAX tasks (a warning
     * says how to ask). */
    int bootstrap_asked, permutations_asked;
    /* ri_design UPL_RI_REPLAY: the draw, its context, and the design's name in the result
     * (static, e.g. "replay of the protocol's permuted-block scheme") */
    upl_ri_arms_fn ri_replay;
    void *ri_replay_ctx;
    const char *ri_replay_name;
    /* issue 16: wild cluster restricted bootstrap replicates (0, the default: not run)
     * and their weights (default Rademacher); seeded from seed */
    size_t wild_bootstrap;
    upl_wild_weights wild_weights;
} upl_secondary_spec;

#define UPL_SECONDARY_AUTO_MAX 20000

void upl_secondary_spec_default(upl_secondary_spec *s);

/* Runs every secondary analysis of spec on ds for res, a result of upl_analysis_run()
 * on the same dataset (its resolved spec is used).  Fills the members it can; the rest
 * stay NULL with a warning each.  UPL_NOMEM, UPL_INVALID for a bad spec (diag); a
 * failure of one analysis on these data is a warning, not an error. */
upl_status upl_analysis_secondary(const upl_dataset *ds, const upl_secondary_spec *s,
                                  upl_analysis_result *res, upl_diag *diag);

/* ---- the pieces (each on the main design d of ds under the resolved spec) ---- */

/* Compliance shares over the control arm and the first non-control arm, and the 2SLS
 * effect of ai_used instrumented by assignment on the tasks where ai_used is known:
 * log(outcome) ~ ai_used + covariate [+ participant FE], instruments assignment +
 * covariate [+ FE].  Point estimate and every variance as estimatr::iv_robust: the
 * sandwich of the second-stage design (fitted ai_used) with the residuals of the
 * structural equation (the observed ai_used); df and CR2 as lm_robust on that design.
 * first_stage_f is estimatr's diagnostic: the Wald F of the instrument in the first
 * stage under the same SE type (df1 = 1, df2 = n - k or G - 1); NAN under full
 * compliance (ai_used equals assignment on every task: F is infinite).
 * UPL_NOTFOUND when no analysed task records ai_used; UPL_REFUSED (diag) when the 2SLS
 * cannot be estimated (shares are then still set in *out, iv.defined = 0). */
upl_status upl_iv_estimate(const upl_dataset *ds, const upl_design *d, const upl_model_spec *spec,
                           upl_compliance *out, upl_diag *diag);

/* The interaction model log(outcome) ~ level + level:treated + [other arms] + covariate
 * [+ FE] (the same model as treated * level, parameterised so that each level's effect
 * b_t + b_int is one coefficient with its own SE and df under spec's SE type), on the
 * analysed tasks with a level in a level that has tasks in both the control and first
 * non-control arm; levels sorted by strcmp.  Heterogeneity: the Wald statistic W of
 * equal effects across the L levels, reported as F = W / (L - 1) on (L - 1, n - k or
 * G - 1 for cluster types) with t intervals, as chi-square(L - 1) with z intervals.
 * With participant fixed effects, level main-effect columns spanned by them (a column
 * constant within participants, e.g. seniority) are left out, as lm_robust drops aliased
 * columns; k counts the columns kept.
 * column is "category" or an extra column.  *out is caller-owned: free out->levels.
 * UPL_NOTFOUND for an unknown column, UPL_REFUSED (diag) when fewer than two levels
 * remain or the model is rank deficient. */
upl_status upl_subgroup_estimate(const upl_dataset *ds, const upl_design *d,
                                 const upl_model_spec *spec, const char *column, upl_subgroups *out,
                                 upl_diag *diag);

/* For each participant with tasks in the control and first non-control arm, OLS of
 * their own tasks: log(outcome) ~ treated [+ covariate when they have at least
 * 4 tasks], classical SE, t(n_j - k) interval; pct NAN when not estimable.  With one
 * task in each arm pct is exp of the difference of their log times and the interval
 * NAN (no degree of freedom is left).  *out is
 * malloc'd (n = d->n_clusters entries, order of the design's clusters); *estimated and
 * *slowdown count the participants with a point estimate and those above 0. */
upl_status upl_per_participant(const upl_design *d, const upl_model_spec *spec,
                               upl_participant_effect **out, size_t *n, size_t *estimated,
                               size_t *slowdown, upl_diag *diag);

/* Self-reported (reported_min) against measured (measured_min) time on the done,
 * assigned tasks that have both (positive): ratio = exp(mean log(reported/measured))
 * with the interval of an intercept-only regression of the log ratio under spec's SE
 * type (clusters = participants); Bland-Altman limits exp(mean -/+ 1.96 sd); r the
 * Pearson correlation of the logs; the main model's first effect on each outcome
 * (measured, initial) over the same tasks.  UPL_NOTFOUND when fewer than 3 tasks have
 * both. */
upl_status upl_agreement_estimate(const upl_dataset *ds, const upl_model_spec *spec,
                                  upl_agreement *out, upl_diag *diag);

/* The cluster bootstrap (participants) of the whole pipeline: the main model's first
 * effect, the ratio of means of the outcome (first non-control arm over control), the
 * forecast effect mean(forecast_ai)/mean(forecast_no_ai) - 1 over the analysed tasks of
 * those two arms, the post-hoc mean of perceived_pct over the first non-control arm's
 * analysed tasks, the gaps effect - forecast and effect - posthoc, and for each external
 * group (in order of first appearance) the gap effect - mean(group), the group's
 * predictions resampled with replacement alongside from the group's own stream
 * (upl_boot_stream_key(group), include/uplift/bootstrap.h).  Fills *rom and *perc
 * (caller-owned; perc->predictions malloc'd).  The point estimates never depend on the
 * resampling: with s->bootstrap 0, or a single cluster (one participant), nothing is
 * resampled, every interval is NAN and rom->bootstrap = perc->bootstrap = 0 (the
 * resamples behind the intervals).  replicates (may be NULL) receives the bootstrap's
 * table, statistics in the order of upl_perc_stat then one gap per group, then each
 * group's mean prediction (n_groups each) (release it with upl_boot_result_release();
 * empty when nothing was resampled). */
typedef enum {
    UPL_PERC_EFFECT,       /* effects[0].pct */
    UPL_PERC_ROM,          /* ratio of means - 1 */
    UPL_PERC_FORECAST,     /* forecast_pct */
    UPL_PERC_POSTHOC,      /* posthoc_pct */
    UPL_PERC_GAP_FORECAST, /* effect - forecast */
    UPL_PERC_GAP_POSTHOC,  /* effect - posthoc */
    UPL_PERC_GROUPS        /* first group's gap */
} upl_perc_stat;
upl_status upl_perception_bootstrap(const upl_dataset *ds, const upl_design *d,
                                    const upl_model_spec *spec, const upl_secondary_spec *s,
                                    upl_ratio_of_means *rom, upl_perception *perc,
                                    upl_boot_result *replicates, upl_diag *diag);

/* The wild cluster restricted bootstrap (include/uplift/wild.h) of every arm's effect in
 * the main model, s->wild_bootstrap replicates with s->wild_weights, at spec->level.  Each
 * arm's weights come from a stream of its own: upl_boot_stream_seed(s->seed,
 * upl_boot_stream_key("wild:" arm label)), so that adding an arm or reordering arms
 * moves no other arm's draws.  out has d->n_arms - 1 entries (effects order), filled
 * with replicates 0 for an arm that could not be bootstrapped (*why then says why for
 * the first such arm).  UPL_REFUSED (diag) without two clusters; UPL_NOMEM. */
upl_status upl_wild_estimate(const upl_dataset *ds, const upl_design *d, const upl_model_spec *spec,
                             const upl_secondary_spec *s, upl_wild_effect *out, upl_diag *why,
                             upl_diag *diag);

/* Randomization inference of the main model's first effect under design (treated: the
 * first non-control arm; other arms keep their rows and indicators).  Under the replay
 * design a row is treated when s->ri_replay draws it into the first non-control arm; only
 * the rows of that arm and control take part (exact with two arms).  */
upl_status upl_ri_estimate(const upl_design *d, const upl_secondary_spec *s,
                           upl_randomization_inference *out, upl_diag *diag);

#endif
