/* Every secondary analysis of issue 6 on one result (include/uplift/secondary.h): what
 * can be computed fills its member, what cannot stays NULL with a warning. */
#include "uplift/secondary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"
#include "printable.h"

/* A first-stage F below this signals a weak instrument (Staiger and Stock 1997). */
#define UPL_WEAK_INSTRUMENT_F 10.0

void upl_secondary_spec_default(upl_secondary_spec *s)
{
    memset(s, 0, sizeof *s);
    s->bootstrap = 2000;
    s->permutations = 10000;
    s->ri_design = UPL_RI_COMPLETE;
    s->exact_max = UPL_RI_EXACT_MAX;
    s->seed = 1;
}

/* The replay design's draw over the design rows: the study's arms, then the indicator. */
typedef struct replay_ctx {
    const upl_design *d;
    const upl_secondary_spec *s;
    size_t arm1;
    size_t *arm; /* d->n */
} replay_ctx;

static upl_status replay_draw(void *arg, gsl_rng *rng, unsigned char *treated)
{
    replay_ctx *c = arg;
    upl_status st = c->s->ri_replay(c->s->ri_replay_ctx, rng, c->d->n, c->d->row, c->arm);
    if (st != UPL_OK)
        return st;
    for (size_t j = 0; j < c->d->n; j++)
        treated[j] = c->arm[j] == c->arm1;
    return UPL_OK;
}

upl_status upl_ri_estimate(const upl_design *d, const upl_secondary_spec *s,
                           upl_randomization_inference *out, upl_diag *diag)
{
    if (s->ri_design == UPL_RI_BLOCKED && !d->cluster)
        return upl_diag_set(diag, UPL_REFUSED,
                            "blocked-by-participant needs a participant for every task");
    if (s->ri_design == UPL_RI_REPLAY && !s->ri_replay)
        return upl_diag_set(diag, UPL_INVALID, "the replay design needs a draw function");
    size_t n = d->n, k = d->k, arm1 = upl__first_arm(d), tc = d->arm_col[arm1];
    gsl_matrix *W = gsl_matrix_alloc(n, k - 1);
    unsigned char *t = malloc(n), *el = malloc(n);
    replay_ctx rctx = {d, s, arm1, malloc(n * sizeof(size_t))};
    upl_status rc;
    if (!W || !t || !el || !rctx.arm) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < n; j++) {
        for (size_t c = 0, o = 0; c < k; c++)
            if (c != tc)
                gsl_matrix_set(W, j, o++, gsl_matrix_get(d->X, j, c));
        t[j] = d->arm[j] == arm1;
        el[j] = d->arm[j] == arm1 || d->arm[j] == d->control;
    }
    upl_ri_problem pr = {W,
                         d->y,
                         t,
                         el,
                         d->cluster,
                         d->n_clusters,
                         s->ri_simple_p,
                         replay_draw,
                         &rctx,
                         s->ri_replay_name};
    rc = upl_ri_run(&pr, s->ri_design, s->permutations, s->exact_max, s->seed, s->progress,
                    s->progress_ctx, out, diag);
done:
    gsl_matrix_free(W);
    free(t);
    free(el);
    free(rctx.arm);
    return rc;
}

#define WARN(...)                                                                                  \
    do {                                                                                           \
        if (upl_analysis_warn(res, __VA_ARGS__) != UPL_OK)                                         \
            goto nomem;                                                                            \
    } while (0)
#define WARN_WHY(reason, ...)                                                                      \
    do {                                                                                           \
        if (upl_analysis_warn_why(res, reason, __VA_ARGS__) != UPL_OK)                             \
            goto nomem;                                                                            \
    } while (0)

upl_status upl_analysis_secondary(const upl_dataset *ds, const upl_secondary_spec *s,
                                  upl_analysis_result *res, upl_diag *diag)
{
    upl_design d;
    upl_diag why = {0};
    upl_status rc;
    const upl_model_spec *spec = &res->spec;
    if (s->subgroup && !*s->subgroup)
        return upl_diag_set(diag, UPL_INVALID, "the subgroup column has no name");
    if ((rc = upl_design_build(&d, ds, spec, diag)) != UPL_OK)
        return rc;
    /* user text quoted in warnings: one line, bounded */
    char arm1[UPL_PRINTABLE_SIZE], ctl[UPL_PRINTABLE_SIZE], col[UPL_PRINTABLE_SIZE];
    upl__printable(ds->arms[upl__first_arm(&d)], arm1, sizeof arm1);
    upl__printable(ds->arms[d.control], ctl, sizeof ctl);
    if (d.n_arms > 2)
        WARN("ratio_of_means, perception, randomization_inference, per_participant, subgroups "
             "and compliance compare the first non-control arm, '%s', with '%s'",
             arm1, ctl);

    /* large data: the defaults are for studies, not for a million-row table */
    upl_secondary_spec eff = *s;
    size_t G = d.cluster ? d.n_clusters : d.n;
    if (eff.bootstrap > 0 && !eff.bootstrap_asked && G > UPL_SECONDARY_AUTO_MAX) {
        eff.bootstrap = 0;
        WARN_WHY(UPL_REASON_BOOTSTRAP_SKIPPED,
                 "the bootstrap is not run by default with %zu %s (more than %d)", G,
                 d.cluster ? "participants" : "tasks without participants", UPL_SECONDARY_AUTO_MAX);
    }
    int ri_skip = !eff.permutations_asked && d.n > UPL_SECONDARY_AUTO_MAX;
    s = &eff;

    /* ratio of means and perception: one bootstrap of the whole pipeline */
    upl_ratio_of_means rom;
    upl_perception perc;
    rc = upl_perception_bootstrap(ds, &d, spec, s, &rom, &perc, NULL, &why);
    if (rc == UPL_NOMEM)
        goto nomem;
    if (rc == UPL_OK) {
        res->ratio_of_means = malloc(sizeof *res->ratio_of_means);
        res->perception = malloc(sizeof *res->perception);
        if (!res->ratio_of_means || !res->perception) {
            for (size_t g = 0; g < perc.n_predictions; g++)
                free(perc.predictions[g].group);
            free(perc.predictions);
            goto nomem;
        }
        *res->ratio_of_means = rom;
        *res->perception = perc;
        if (s->bootstrap == 0)
            WARN("the bootstrap was not run (0 resamples asked for): ratio_of_means and "
                 "perception have no intervals");
        else if (rom.bootstrap == 0)
            WARN("ratio_of_means and perception have no intervals: the cluster bootstrap "
                 "needs at least two participants to resample, and the data have %zu",
                 G);
        if (!isfinite(perc.forecast_pct))
            WARN("perception: no analysed task has both forecasts; forecast_pct is null");
        if (!isfinite(perc.posthoc_pct))
            WARN("perception: no analysed task of arm '%s' has perceived_pct; posthoc_pct is "
                 "null",
                 arm1);
    } else {
        WARN("ratio_of_means and perception not computed: %s", why.msg);
    }

    /* self-report against the timer */
    upl_agreement ag;
    rc = upl_agreement_estimate(ds, spec, &ag, &why);
    if (rc == UPL_NOMEM)
        goto nomem;
    if (rc == UPL_OK) {
        if (!(res->agreement = malloc(sizeof *res->agreement)))
            goto nomem;
        *res->agreement = ag;
        if (ag.ratio_zero_variance)
            WARN("agreement: reported/measured is the same ratio on every task, so the %s "
                 "variance of its mean is zero to working precision: ratio_ci is null",
                 upl_se_type_name(spec->se_type));
    } else {
        WARN("agreement not computed: %s", why.msg);
    }

    /* randomization inference */
    if (ri_skip) {
        WARN_WHY(UPL_REASON_PERMUTATIONS_SKIPPED,
                 "randomization inference is not run by default on %zu tasks (more than %d)", d.n,
                 UPL_SECONDARY_AUTO_MAX);
    } else if (s->permutations > 0 || s->exact_max > 0) {
        upl_randomization_inference ri;
        rc = upl_ri_estimate(&d, s, &ri, &why);
        if (rc == UPL_NOMEM)
            goto nomem;
        if (rc == UPL_OK) {
            if (!(res->randomization_inference = malloc(sizeof *res->randomization_inference)))
                goto nomem;
            *res->randomization_inference = ri;
            if (s->ri_design == UPL_RI_REPLAY && d.n_arms > 2)
                WARN("randomization inference: the replayed allocation moves tasks between all "
                     "%zu arms, but only re-drawn assignments to '%s' or '%s' among the tasks "
                     "analysed in those two arms enter the statistic (the other arms keep "
                     "their observed tasks): an approximation of the design",
                     d.n_arms, arm1, ctl);
        } else {
            WARN("randomization_inference not computed: %s", why.msg);
        }
    } else {
        WARN("randomization_inference not computed (0 permutations asked for)");
    }

    /* wild cluster restricted bootstrap (issue 16) */
    if (s->wild_bootstrap > 0) {
        upl_wild_effect *wb = calloc(d.n_arms - 1, sizeof *wb);
        upl_diag first = {0};
        if (!wb)
            goto nomem;
        rc = upl_wild_estimate(ds, &d, spec, s, wb, &first, &why);
        if (rc == UPL_NOMEM) {
            free(wb);
            goto nomem;
        }
        if (rc != UPL_OK) {
            free(wb);
            WARN("wild_bootstrap not computed: %s", why.msg);
        } else {
            res->wild_bootstrap = wb;
            for (size_t e = 0; e < d.n_arms - 1; e++) {
                upl__printable(wb[e].arm, col, sizeof col);
                if (wb[e].replicates == 0)
                    WARN("wild_bootstrap: arm '%s' not computed: %s", col, first.msg);
                else if (!isfinite(wb[e].pct_lo) || !isfinite(wb[e].pct_hi))
                    WARN("wild_bootstrap: the interval of arm '%s' is unbounded (p stays above "
                         "%g however far the null is moved%s): pct_ci is null",
                         col, 1.0 - spec->level,
                         wb[e].enumerated ? ", as with few clusters every Rademacher p is at "
                                            "least 2 / 2^G"
                                          : "");
            }
        }
    }

    /* per participant */
    rc = upl_per_participant(&d, spec, &res->per_participant, &res->n_per_participant,
                             &res->per_participant_estimated, &res->per_participant_slowdown, &why);
    if (rc == UPL_NOMEM)
        goto nomem;
    if (rc != UPL_OK)
        WARN("per_participant not computed: %s", why.msg);
    /* no interval: one task in each arm (no degree of freedom), or an exact fit (zero
     * variance, include/uplift/ols.h) */
    size_t no_interval = 0, first = 0, exact = 0, first_exact = 0;
    for (size_t g = 0; g < res->n_per_participant; g++) {
        const upl_participant_effect *pe = &res->per_participant[g];
        if (!isfinite(pe->pct) || isfinite(pe->pct_lo))
            continue;
        if (pe->n == 2 && no_interval++ == 0)
            first = g;
        if (pe->n != 2 && exact++ == 0)
            first_exact = g;
    }
    if (exact)
        WARN("per_participant: %zu participant%s whose tasks their own model fits exactly "
             "(first: '%s'; the classical variance is zero to working precision) %s a point "
             "estimate but no interval (pct_ci null)",
             exact, exact == 1 ? "" : "s",
             upl__printable(res->per_participant[first_exact].participant, col, sizeof col),
             exact == 1 ? "has" : "have");
    if (no_interval)
        WARN("per_participant: %zu participant%s with one task in each arm (first: '%s') %s a "
             "point estimate but no interval (pct_ci null: no degree of freedom left)",
             no_interval, no_interval == 1 ? "" : "s",
             upl__printable(res->per_participant[first].participant, col, sizeof col),
             no_interval == 1 ? "has" : "have");

    /* subgroups */
    if (s->subgroup) {
        upl_subgroups sg;
        rc = upl_subgroup_estimate(ds, &d, spec, s->subgroup, &sg, &why);
        if (rc == UPL_NOMEM)
            goto nomem;
        if (rc == UPL_OK) {
            if (!(res->subgroups = malloc(sizeof *res->subgroups))) {
                free(sg.levels);
                goto nomem;
            }
            *res->subgroups = sg;
            if (sg.excluded)
                WARN("subgroups by '%s': %zu task%s without a level, or in a level without "
                     "tasks in both arms, left out",
                     upl__printable(sg.column, col, sizeof col), sg.excluded,
                     sg.excluded == 1 ? "" : "s");
            if (sg.zero_variance)
                WARN("subgroups by '%s': the %s variance of the effect in %zu level%s is zero "
                     "to working precision: se, pct_ci and p are null there, and so is the "
                     "heterogeneity test",
                     upl__printable(sg.column, col, sizeof col), upl_se_type_name(spec->se_type),
                     sg.zero_variance, sg.zero_variance == 1 ? "" : "s");
        } else if (rc == UPL_NOTFOUND) {
            upl_design_release(&d);
            return upl_diag_set(diag, UPL_NOTFOUND, "%s", why.msg);
        } else {
            WARN("subgroups not computed: %s", why.msg);
        }
    }

    /* compliance */
    upl_compliance comp;
    rc = upl_iv_estimate(ds, &d, spec, &comp, &why);
    if (rc == UPL_NOMEM)
        goto nomem;
    if (rc == UPL_NOTFOUND) {
        WARN("compliance not computed: %s", why.msg);
    } else {
        if (!(res->compliance = malloc(sizeof *res->compliance)))
            goto nomem;
        *res->compliance = comp;
        if (rc != UPL_OK)
            WARN("compliance: the effect of AI use (iv) is not computed: %s", why.msg);
        else if (comp.first_stage_zero_variance)
            WARN("compliance: the %s variance of the first stage's instrument is zero to "
                 "working precision: first_stage_f is null",
                 upl_se_type_name(spec->se_type));
        else if (!isfinite(comp.first_stage_f))
            WARN("compliance: assignment determines ai_used exactly (full compliance): the "
                 "2SLS effect equals the intention-to-treat effect");
        else if (comp.first_stage_f < UPL_WEAK_INSTRUMENT_F)
            WARN("compliance: weak instrument: first-stage F = %.2f < %g, so the 2SLS effect of "
                 "AI use and its interval are unreliable",
                 comp.first_stage_f, UPL_WEAK_INSTRUMENT_F);
        if (rc == UPL_OK && comp.iv_zero_variance)
            WARN("compliance: the %s variance of the effect of AI use (iv) is zero to working "
                 "precision: its se, ci, pct_ci and p are null (coef and pct stand)",
                 upl_se_type_name(spec->se_type));
    }
    upl_design_release(&d);
    return UPL_OK;
nomem:
    upl_design_release(&d);
    return upl_diag_set(diag, UPL_NOMEM, "out of memory");
}
