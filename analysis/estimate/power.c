/* Power and minimum detectable effect by simulation: include/uplift/power.h. */
#include "uplift/power.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "uplift/ols.h"

/* Largest log effect the search tries: +1000%, the largest effect simulate accepts. */
#define MDE_LOG_MAX 2.3978952727983707 /* log(11) */
/* The search stops when the bracket is narrower than this on the log scale (about a
 * tenth of a percentage point of effect). */
#define MDE_TOLERANCE       0.001
#define MDE_MAX_EVALUATIONS 40

unsigned long upl_power_study_seed(unsigned long seed, size_t s)
{
    /* splitmix64 of (seed, s): consecutive studies get unrelated mt19937 seeds */
    uint64_t z = (uint64_t)seed * 0x9E3779B97F4A7C15u + (uint64_t)s + 1u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return (unsigned long)(z & 0xFFFFFFFFu);
}

typedef struct tally_acc {
    size_t defined, rejected, covered;
    double se_sum;
} tally_acc;

typedef struct run_state {
    const upl_power_spec *spec;
    double estimand, alpha;
    upl_ols *ols;
    size_t n_max, k_max;
    gsl_matrix *vcov;
    gsl_vector *df;
    /* the declared type */
    tally_acc main;
    size_t analysed;
    double mean, m2; /* Welford on the coefficient */
    int resolved;
    upl_se_type se_type;
    tally_acc panel[UPL_SE_TYPE_COUNT][2];
} run_state;

static upl_status ensure_workspace(run_state *st, size_t n, size_t k)
{
    if (st->ols && n <= st->n_max && k <= st->k_max)
        return UPL_OK;
    upl_ols_free(st->ols);
    gsl_matrix_free(st->vcov);
    gsl_vector_free(st->df);
    st->n_max = n > st->n_max ? n : st->n_max;
    st->k_max = k > st->k_max ? k : st->k_max;
    st->ols = upl_ols_alloc(st->n_max, st->k_max);
    st->vcov = gsl_matrix_alloc(st->k_max, st->k_max);
    st->df = gsl_vector_alloc(st->k_max);
    return st->ols && st->vcov && st->df ? UPL_OK : UPL_NOMEM;
}

static void tally(tally_acc *acc, const upl_estimate *est, double estimand, double alpha)
{
    if (!est->defined)
        return;
    acc->defined++;
    acc->se_sum += est->se;
    if (est->p < alpha)
        acc->rejected++;
    if (est->ci_lo <= estimand && estimand <= est->ci_hi)
        acc->covered++;
}

/* The estimate of the first non-control arm under one SE type and interval; defined 0
 * when the type cannot be computed on this study. */
static upl_status estimate(run_state *st, const upl_design *d, size_t col, upl_se_type type,
                           upl_dist dist, upl_estimate *est, upl_diag *diag)
{
    const upl_model_spec *m = &st->spec->model;
    int clustered = upl_se_type_clustered(type);
    double var = NAN, df = NAN;
    if (!clustered || (d->cluster && d->n_clusters >= 2)) {
        gsl_matrix_view v = gsl_matrix_submatrix(st->vcov, 0, 0, col + 1, col + 1);
        gsl_vector_view dv = gsl_vector_subvector(st->df, 0, col + 1); /* up to col */
        int defined = 0;
        upl_status rc = upl_ols_vcov(st->ols, type, &v.matrix, &dv.vector, &defined, NULL, diag);
        if (rc != UPL_OK)
            return rc;
        if (defined) {
            var = gsl_matrix_get(&v.matrix, col, col);
            df = gsl_vector_get(&dv.vector, col);
        }
    }
    upl_estimate_fill(est, gsl_vector_get(upl_ols_coef(st->ols), col), var, df, dist, m->level);
    return UPL_OK;
}

/* Draws study s, analyses it and tallies; *failed is set when the analysis refused it. */
static upl_status one_study(run_state *st, const upl_sim_params *design, size_t s, int *failed,
                            char *why, size_t why_size, upl_diag *diag)
{
    upl_sim_params p = *design;
    upl_dataset ds;
    upl_design d;
    upl_diag local = {0};
    upl_status rc;
    int have_design = 0;
    *failed = 0;
    p.seed = upl_power_study_seed(design->seed, s);
    if ((rc = upl_sim_study(&p, &ds, NULL, diag)) != UPL_OK)
        return rc;
    rc = upl_design_build(&d, &ds, &st->spec->model, &local);
    if (rc == UPL_REFUSED)
        goto refused;
    if (rc != UPL_OK) {
        upl_diag_set(diag, rc, "%s", local.msg);
        goto cleanup;
    }
    have_design = 1;
    if ((rc = ensure_workspace(st, d.n, d.k)) != UPL_OK) {
        upl_diag_set(diag, rc, "out of memory");
        goto cleanup;
    }
    rc = upl_ols_fit(st->ols, d.X, d.y, d.cluster, d.n_clusters, NULL, &local);
    if (rc == UPL_NUMERIC || rc == UPL_INVALID)
        goto refused;
    if (rc != UPL_OK) {
        upl_diag_set(diag, rc, "%s", local.msg);
        goto cleanup;
    }
    size_t treated = design->control == 0 ? 1 : 0;
    size_t col = d.arm_col[treated];
    upl_se_type type = st->spec->model.se_type;
    if (type == UPL_SE_AUTO)
        type = d.cluster && d.n_clusters >= 2 ? UPL_SE_CR2 : UPL_SE_HC2;
    if (!st->resolved) {
        st->se_type = type;
        st->resolved = 1;
    }
    upl_estimate est;
    rc = estimate(st, &d, col, type, st->spec->model.dist, &est, &local);
    if (rc == UPL_REFUSED)
        goto refused;
    if (rc != UPL_OK) {
        upl_diag_set(diag, rc, "%s", local.msg);
        goto cleanup;
    }
    if (!est.defined) {
        upl_diag_set(&local, UPL_REFUSED, "the %s standard error is undefined on this study (%s)",
                     upl_se_type_name(type),
                     d.n_clusters < 2 ? "fewer than two participants" : "a row of leverage one");
        goto refused;
    }
    tally(&st->main, &est, st->estimand, st->alpha);
    st->analysed++;
    double delta = est.coef - st->mean;
    st->mean += delta / (double)st->analysed;
    st->m2 += delta * (est.coef - st->mean);
    if (st->spec->panel) {
        for (int t = 0; t < UPL_SE_TYPE_COUNT; t++) {
            for (int z = 0; z < 2; z++) {
                upl_estimate e;
                rc = estimate(st, &d, col, (upl_se_type)t, z ? UPL_DIST_Z : UPL_DIST_T, &e, &local);
                if (rc != UPL_OK) {
                    upl_diag_set(diag, rc, "%s", local.msg);
                    goto cleanup;
                }
                tally(&st->panel[t][z], &e, st->estimand, st->alpha);
            }
        }
    }
    rc = UPL_OK;
    goto cleanup;
refused:
    *failed = 1;
    if (why && !*why)
        snprintf(why, why_size, "%s", local.msg);
    rc = UPL_OK;
cleanup:
    if (have_design)
        upl_design_release(&d);
    upl_dataset_release(&ds);
    return rc;
}

static void share(size_t k, size_t n, double *p, double *se)
{
    if (n == 0) {
        *p = *se = NAN;
        return;
    }
    *p = (double)k / (double)n;
    *se = sqrt(*p * (1.0 - *p) / (double)n);
}

static void finish_tally(const tally_acc *acc, size_t sims, upl_power_tally *out)
{
    out->defined = acc->defined;
    share(acc->rejected, sims, &out->power, &out->power_mc_se);
    share(acc->covered, acc->defined, &out->coverage, &out->coverage_mc_se);
    out->mean_se = acc->defined ? acc->se_sum / (double)acc->defined : NAN;
}

static upl_status run_effect(const upl_power_spec *spec, const upl_sim_params *design,
                             size_t evaluation, upl_power_result *res, upl_diag *diag)
{
    upl_status rc;
    run_state st;
    upl_sim_truth truth;
    memset(&st, 0, sizeof st);
    memset(res, 0, sizeof *res);
    if ((rc = upl_sim_params_check(design, diag)) != UPL_OK)
        return rc;
    if (spec->sims < 1)
        return upl_diag_set(diag, UPL_INVALID, "the number of simulated studies must be positive");
    if (!(spec->model.level > 0.0 && spec->model.level < 1.0))
        return upl_diag_set(diag, UPL_INVALID, "confidence level %g is not between 0 and 1",
                            spec->model.level);
    upl_sim_truth_compute(design, &truth);
    st.spec = spec;
    st.estimand = truth.effects[0].itt_log_effect;
    st.alpha = 1.0 - spec->model.level;
    size_t failed = 0;
    for (size_t s = 0; s < spec->sims; s++) {
        int f = 0;
        rc = one_study(&st, design, s, &f, res->first_failure, sizeof res->first_failure, diag);
        if (rc != UPL_OK)
            goto cleanup;
        failed += (size_t)f;
        if (spec->progress)
            spec->progress(spec->progress_ctx, evaluation, s + 1, spec->sims);
    }
    if (st.analysed == 0) {
        rc = upl_diag_set(diag, UPL_REFUSED, "no simulated study could be analysed: %s",
                          res->first_failure);
        goto cleanup;
    }
    res->effect_pct = truth.effects[0].effect_pct;
    res->log_effect = truth.effects[0].log_effect;
    res->estimand = st.estimand;
    res->se_type = st.se_type;
    res->dist = spec->model.dist;
    res->alpha = st.alpha;
    res->sims = spec->sims;
    res->failed = failed;
    upl_power_tally declared;
    finish_tally(&st.main, spec->sims, &declared);
    res->power = declared.power;
    res->power_mc_se = declared.power_mc_se;
    res->coverage = declared.coverage;
    res->coverage_mc_se = declared.coverage_mc_se;
    res->mean_se = declared.mean_se;
    res->est_mean = st.mean;
    res->est_sd = st.analysed > 1 ? sqrt(st.m2 / (double)(st.analysed - 1)) : NAN;
    res->est_mc_se = res->est_sd / sqrt((double)st.analysed);
    res->have_panel = spec->panel;
    if (spec->panel)
        for (int t = 0; t < UPL_SE_TYPE_COUNT; t++)
            for (int z = 0; z < 2; z++)
                finish_tally(&st.panel[t][z], spec->sims, &res->panel[t][z]);
    rc = UPL_OK;
cleanup:
    upl_ols_free(st.ols);
    gsl_matrix_free(st.vcov);
    gsl_vector_free(st.df);
    return rc;
}

upl_status upl_power_run(const upl_power_spec *spec, upl_power_result *res, upl_diag *diag)
{
    return run_effect(spec, &spec->design, 0, res, diag);
}

upl_status upl_power_mde(const upl_power_spec *spec, double target, upl_mde_result *res,
                         upl_diag *diag)
{
    upl_status rc;
    upl_power_result *r = NULL;
    memset(res, 0, sizeof *res);
    if (!(target > 0.0 && target < 1.0))
        return upl_diag_set(diag, UPL_INVALID, "target power %g is not between 0 and 1", target);
    r = malloc(sizeof *r);
    if (!r)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    res->target = target;
    res->tolerance = MDE_TOLERANCE;
    upl_sim_params p = spec->design;
    /* bracket: lo has power below target (0 does, unless alpha >= target), hi reaches it */
    double lo = 0.0, hi = 0.05;
    size_t evals = 0;
    for (;;) {
        p.effect_pct = fmin(expm1(hi), 10.0); /* log(11) may round above +1000% */
        if ((rc = run_effect(spec, &p, ++evals, r, diag)) != UPL_OK)
            goto cleanup;
        if (r->power >= target) {
            res->at = *r;
            break;
        }
        if (hi >= MDE_LOG_MAX) {
            rc = upl_diag_set(diag, UPL_REFUSED,
                              "power %.3f at +1000%% does not reach the target %.3f: more "
                              "participants or tasks are needed",
                              r->power, target);
            goto cleanup;
        }
        lo = hi;
        hi = hi * 2.0 < MDE_LOG_MAX ? hi * 2.0 : MDE_LOG_MAX;
    }
    while (hi - lo > MDE_TOLERANCE && evals < MDE_MAX_EVALUATIONS) {
        double mid = 0.5 * (lo + hi);
        p.effect_pct = expm1(mid);
        if ((rc = run_effect(spec, &p, ++evals, r, diag)) != UPL_OK)
            goto cleanup;
        if (r->power >= target) {
            hi = mid;
            res->at = *r;
        } else {
            lo = mid;
        }
    }
    res->log_effect = hi;
    res->mde_pct = expm1(hi);
    res->mde_pct_faster = expm1(-hi);
    res->evaluations = evals;
    rc = UPL_OK;
cleanup:
    free(r);
    return rc;
}
