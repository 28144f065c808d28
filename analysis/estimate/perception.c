/* Perception of AI's effect and the ratio of means, with intervals from one cluster
 * bootstrap of the whole pipeline (include/uplift/secondary.h).
 *
 * Every replicate redraws participants and recomputes, on the same resample, the main
 * model's first effect, the ratio of mean outcomes, the forecast and post-hoc perceived
 * effects, and the gaps.  So each gap's interval carries the uncertainty of both of its
 * sides and their correlation.  External groups' predictions are resampled within each
 * group in the same replicate, each group from a stream of its own keyed by its name
 * (include/uplift/bootstrap.h), so that no group moves the participants' draws or another
 * group's.  With more than two arms every quantity compares the first non-control arm
 * (effects[0]) with the control, on the tasks of those two arms.
 *
 * Everything a replicate needs is summed per participant beforehand: the outcome and
 * forecast sums for the means, and the cross-products X_g'X_g, X_g'y_g of the model's
 * columns (centred on the full-sample means; with participant fixed effects demeaned
 * within the participant, so that each drawn copy of a participant is its own fixed
 * effect, by Frisch-Waugh-Lovell).  A replicate adds G small blocks and solves a
 * k x k system by Cholesky: O(G k^2), whatever the number of tasks, with no
 * allocation.  The full-sample estimate itself is the QR fit of the main analysis. */
#include "uplift/secondary.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fit.h"

enum { ST_EFFECT, ST_ROM, ST_FORECAST, ST_POSTHOC, ST_GAP_FORECAST, ST_GAP_POSTHOC, ST_GROUPS };

/* per-cluster sums */
typedef struct csum {
    double out_t, out_c, fa, fn, perc;
    size_t n_t, n_c, n_f, n_perc;
} csum;

typedef struct pipe {
    const upl_design *d;
    size_t G;
    csum *sum;
    /* the resampled regression through per-cluster cross-products of centred (or, with
     * fixed effects, within-cluster demeaned) columns: kc x kc and kc per cluster */
    size_t kc, eff_col;
    double *xx, *xy;
    double full_effect; /* the QR fit on the full sample: the model's own estimate */
    gsl_matrix *S;
    gsl_vector *s, *b, *diag;
    /* predictions: groups with their values */
    size_t n_groups;
    size_t *g_start, *g_n;
    double *g_val;
    gsl_rng **g_rng; /* n_groups streams when resampling, else NULL */
} pipe;

/* The first arm's effect on a resample: the normal equations of the summed
 * cross-products, solved by Cholesky; NAN when a column is (numerically) a combination
 * of the others on this resample, e.g. an arm missing from it. */
static double pipe_effect(pipe *p, const size_t *draw, size_t n_draw)
{
    size_t kc = p->kc;
    double *S = p->S->data, *s = p->s->data;
    size_t tda = p->S->tda;
    for (size_t i = 0; i < kc; i++) {
        s[i] = 0.0;
        for (size_t j = 0; j < kc; j++)
            S[i * tda + j] = 0.0;
    }
    for (size_t t = 0; t < n_draw; t++) {
        const double *xx = p->xx + draw[t] * kc * kc, *xy = p->xy + draw[t] * kc;
        for (size_t i = 0; i < kc; i++) {
            s[i] += xy[i];
            for (size_t j = 0; j < kc; j++)
                S[i * tda + j] += xx[i * kc + j];
        }
    }
    for (size_t i = 0; i < kc; i++)
        gsl_vector_set(p->diag, i, S[i * tda + i]);
    if (gsl_linalg_cholesky_decomp1(p->S) != GSL_SUCCESS)
        return NAN;
    for (size_t i = 0; i < kc; i++) {
        double l = S[i * tda + i];
        if (!(l * l > 1e-10 * gsl_vector_get(p->diag, i)))
            return NAN;
    }
    if (gsl_linalg_cholesky_solve(p->S, p->s, p->b) != GSL_SUCCESS)
        return NAN;
    return expm1(gsl_vector_get(p->b, p->eff_col));
}

static int pipe_stat(void *ctx, const size_t *draw, size_t n_draw, size_t rep, double *out)
{
    pipe *p = ctx;
    csum s = {0};
    for (size_t i = 0; i < n_draw; i++) {
        const csum *c = &p->sum[draw[i]];
        s.out_t += c->out_t;
        s.out_c += c->out_c;
        s.fa += c->fa;
        s.fn += c->fn;
        s.perc += c->perc;
        s.n_t += c->n_t;
        s.n_c += c->n_c;
        s.n_f += c->n_f;
        s.n_perc += c->n_perc;
    }
    int resample = rep != UPL_BOOT_NO_RESAMPLE;
    /* the full sample (not a resample, every cluster once) is the model's QR estimate */
    double eff = !resample && n_draw == p->G ? p->full_effect : pipe_effect(p, draw, n_draw);
    out[ST_EFFECT] = eff;
    out[ST_ROM] = s.n_t && s.n_c && s.out_c > 0.0
                      ? (s.out_t / (double)s.n_t) / (s.out_c / (double)s.n_c) - 1.0
                      : NAN;
    out[ST_FORECAST] = s.n_f && s.fn > 0.0 ? s.fa / s.fn - 1.0 : NAN;
    out[ST_POSTHOC] = s.n_perc ? s.perc / (double)s.n_perc : NAN;
    out[ST_GAP_FORECAST] = eff - out[ST_FORECAST];
    out[ST_GAP_POSTHOC] = eff - out[ST_POSTHOC];
    for (size_t g = 0; g < p->n_groups; g++) {
        const double *v = p->g_val + p->g_start[g];
        size_t n = p->g_n[g];
        gsl_rng *r = resample ? p->g_rng[g] : NULL;
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += v[r ? (size_t)gsl_rng_uniform_int(r, (unsigned long)n) : i];
        out[ST_GROUPS + g] = eff - m / (double)n;
        out[ST_GROUPS + p->n_groups + g] = m / (double)n; /* the group's own mean */
    }
    return 0;
}

static void pipe_release(pipe *p)
{
    free(p->sum);
    free(p->xx);
    free(p->xy);
    gsl_matrix_free(p->S);
    gsl_vector_free(p->s);
    gsl_vector_free(p->b);
    gsl_vector_free(p->diag);
    free(p->g_start);
    free(p->g_n);
    free(p->g_val);
    for (size_t g = 0; p->g_rng && g < p->n_groups; g++)
        gsl_rng_free(p->g_rng[g]);
    free(p->g_rng);
}

/* reps: the resamples to prepare for (0: the point estimates only) */
static upl_status pipe_init(pipe *p, const upl_dataset *ds, const upl_design *d,
                            const upl_model_spec *spec, size_t reps)
{
    size_t n = d->n, arm1 = upl__first_arm(d);
    memset(p, 0, sizeof *p);
    p->d = d;
    p->G = d->cluster ? d->n_clusters : n; /* without participants every task is a cluster */
    p->sum = calloc(p->G, sizeof *p->sum);
    if (!p->sum)
        return UPL_NOMEM;
    for (size_t j = 0; j < n; j++) {
        csum *c = &p->sum[d->cluster ? d->cluster[j] : j];
        size_t i = d->row[j];
        double out = exp(gsl_vector_get(d->y, j));
        if (d->arm[j] == arm1) {
            c->out_t += out;
            c->n_t++;
            double pp = ds->perceived_pct[i];
            if (isfinite(pp)) {
                c->perc += pp;
                c->n_perc++;
            }
        } else if (d->arm[j] == d->control) {
            c->out_c += out;
            c->n_c++;
        } else {
            continue; /* another arm: in the model's columns only */
        }
        double fa = ds->forecast_ai_min[i], fn = ds->forecast_no_ai_min[i];
        if (isfinite(fa) && isfinite(fn) && fa > 0.0 && fn > 0.0) {
            c->fa += fa;
            c->fn += fn;
            c->n_f++;
        }
    }
    /* the model's estimate on the full sample, by QR as in the main analysis */
    upl_ols *ols = upl_ols_alloc(n, d->k);
    if (!ols)
        return UPL_NOMEM;
    upl_diag fd = {0};
    p->full_effect = upl_ols_fit(ols, d->X, d->y, NULL, 0, NULL, &fd) == UPL_OK
                         ? expm1(gsl_vector_get(upl_ols_coef(ols), d->arm_col[arm1]))
                         : NAN;
    upl_ols_free(ols);
    /* the resampled regression: the design's columns without participant dummies; with
     * fixed effects without the intercept, every column demeaned within its participant
     * (each drawn copy of a participant is its own effect), else centred on the full
     * sample's means (which leaves the slopes unchanged and the cross-products well
     * conditioned) */
    size_t cov_col = upl__design_cov_col(d);
    size_t k_main = cov_col != SIZE_MAX ? cov_col + 1 : d->n_arms;
    int fe = spec->participant_fe && d->cluster;
    size_t col0 = fe ? 1 : 0, kc = k_main - col0;
    p->kc = kc;
    p->eff_col = d->arm_col[arm1] - col0;
    p->S = gsl_matrix_alloc(kc, kc);
    p->s = gsl_vector_alloc(kc);
    p->b = gsl_vector_alloc(kc);
    p->diag = gsl_vector_alloc(kc);
    if (!p->S || !p->s || !p->b || !p->diag)
        return UPL_NOMEM;
    if (reps == 0)
        return UPL_OK;         /* point estimates only: no cross-products needed */
    size_t nm = fe ? p->G : 1; /* sets of means: per participant, or one */
    p->xx = calloc(p->G * kc * kc, sizeof *p->xx);
    p->xy = calloc(p->G * kc, sizeof *p->xy);
    double *mean = calloc(nm * (kc + 1), sizeof *mean);
    size_t *cnt = calloc(nm, sizeof *cnt);
    double *row = malloc((kc + 1) * sizeof *row);
    if (!p->xx || !p->xy || !mean || !cnt || !row) {
        free(mean);
        free(cnt);
        free(row);
        return UPL_NOMEM;
    }
    for (size_t j = 0; j < n; j++) {
        size_t m = fe ? d->cluster[j] : 0;
        const double *x = d->X->data + j * d->X->tda + col0;
        for (size_t c = 0; c < kc; c++)
            mean[m * (kc + 1) + c] += x[c];
        mean[m * (kc + 1) + kc] += gsl_vector_get(d->y, j);
        cnt[m]++;
    }
    for (size_t m = 0; m < nm; m++)
        for (size_t c = 0; c <= kc; c++)
            mean[m * (kc + 1) + c] /= (double)(cnt[m] ? cnt[m] : 1);
    for (size_t j = 0; j < n; j++) {
        size_t g = d->cluster ? d->cluster[j] : j, m = fe ? d->cluster[j] : 0;
        const double *x = d->X->data + j * d->X->tda + col0, *mu = mean + m * (kc + 1);
        for (size_t c = 0; c < kc; c++)
            row[c] = !fe && c == 0 ? 1.0 : x[c] - mu[c]; /* the intercept stays 1 */
        double yc = gsl_vector_get(d->y, j) - mu[kc];
        double *xx = p->xx + g * kc * kc, *xy = p->xy + g * kc;
        for (size_t a = 0; a < kc; a++) {
            xy[a] += row[a] * yc;
            for (size_t c = 0; c < kc; c++)
                xx[a * kc + c] += row[a] * row[c];
        }
    }
    free(mean);
    free(cnt);
    free(row);
    return UPL_OK;
}

/* groups of predictions, in order of first appearance (after pipe_init), with a stream
 * each when there are reps resamples to draw */
static upl_status pipe_groups(pipe *p, const upl_secondary_spec *s, size_t reps,
                              const char ***group_names)
{
    /* groups of predictions, in order of first appearance */
    size_t np = s->n_predictions;
    p->g_start = calloc(np + 1, sizeof *p->g_start);
    p->g_n = calloc(np + 1, sizeof *p->g_n);
    p->g_val = malloc((np ? np : 1) * sizeof *p->g_val);
    *group_names = calloc(np + 1, sizeof **group_names);
    if (!p->g_start || !p->g_n || !p->g_val || !*group_names)
        return UPL_NOMEM;
    const char **names = *group_names;
    for (size_t i = 0; i < np; i++) {
        size_t g = 0;
        while (g < p->n_groups && strcmp(names[g], s->predictions[i].group) != 0)
            g++;
        if (g == p->n_groups)
            names[p->n_groups++] = s->predictions[i].group;
        p->g_n[g]++;
    }
    for (size_t g = 0; g < p->n_groups; g++)
        p->g_start[g + 1] = p->g_start[g] + p->g_n[g];
    size_t *gf = calloc(p->n_groups + 1, sizeof *gf);
    if (!gf)
        return UPL_NOMEM;
    for (size_t i = 0; i < np; i++) {
        size_t g = 0;
        while (strcmp(names[g], s->predictions[i].group) != 0)
            g++;
        p->g_val[p->g_start[g] + gf[g]++] = s->predictions[i].pct;
    }
    free(gf);
    if (reps == 0 || p->n_groups == 0)
        return UPL_OK;
    if (!(p->g_rng = calloc(p->n_groups, sizeof *p->g_rng)))
        return UPL_NOMEM;
    for (size_t g = 0; g < p->n_groups; g++) {
        if (!(p->g_rng[g] = gsl_rng_alloc(UPL_BOOT_RNG)))
            return UPL_NOMEM;
        gsl_rng_set(p->g_rng[g], upl_boot_stream_seed(s->seed, upl_boot_stream_key(names[g])));
    }
    return UPL_OK;
}

upl_status upl_perception_bootstrap(const upl_dataset *ds, const upl_design *d,
                                    const upl_model_spec *spec, const upl_secondary_spec *s,
                                    upl_ratio_of_means *rom, upl_perception *perc,
                                    upl_boot_result *replicates, upl_diag *diag)
{
    pipe p;
    const char **names = NULL;
    upl_boot_result br;
    double *scratch = NULL, *theta = NULL;
    memset(&br, 0, sizeof br);
    memset(rom, 0, sizeof *rom);
    memset(perc, 0, sizeof *perc);
    /* one cluster (one participant) cannot be resampled: the point estimates alone */
    size_t G = d->cluster ? d->n_clusters : d->n;
    size_t reps = G >= 2 ? s->bootstrap : 0;
    upl_status rc = pipe_init(&p, ds, d, spec, reps);
    if (rc == UPL_OK)
        rc = pipe_groups(&p, s, reps, &names);
    if (rc != UPL_OK) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto done;
    }
    size_t m = ST_GROUPS + 2 * p.n_groups; /* gaps, then the groups' mean predictions */
    if (reps > 0) {
        rc = upl_boot_run(p.G, m, reps, s->seed, pipe_stat, &p, s->progress, s->progress_ctx, &br,
                          diag);
        if (rc != UPL_OK)
            goto done;
        theta = br.theta;
        scratch = malloc(reps * sizeof *scratch);
        if (!scratch) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto done;
        }
    } else {
        theta = malloc(m * sizeof *theta);
        size_t *all = malloc((p.G ? p.G : 1) * sizeof *all);
        if (!theta || !all) {
            free(all);
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto done;
        }
        for (size_t g = 0; g < p.G; g++)
            all[g] = g;
        pipe_stat(&p, all, p.G, UPL_BOOT_NO_RESAMPLE, theta);
        free(all);
    }
    upl_boot_ci ci[ST_GROUPS];
    upl_boot_ci none = {0, NAN, NAN, NAN, NAN, NAN, NAN};
    for (size_t j = 0; j < ST_GROUPS; j++) {
        if (reps > 0)
            upl_boot_interval(&br, j, spec->level, scratch, &ci[j]);
        else
            ci[j] = none;
    }
    rom->pct = theta[ST_ROM];
    rom->pct_lo = ci[ST_ROM].lo;
    rom->pct_hi = ci[ST_ROM].hi;
    rom->bca_lo = ci[ST_ROM].bca_lo;
    rom->bca_hi = ci[ST_ROM].bca_hi;
    rom->bootstrap = reps;
    rom->seed = s->seed;
    rom->undefined = reps - (reps ? ci[ST_ROM].used : 0);
    perc->forecast_pct = theta[ST_FORECAST];
    perc->forecast_lo = ci[ST_FORECAST].lo;
    perc->forecast_hi = ci[ST_FORECAST].hi;
    perc->posthoc_pct = theta[ST_POSTHOC];
    perc->posthoc_lo = ci[ST_POSTHOC].lo;
    perc->posthoc_hi = ci[ST_POSTHOC].hi;
    perc->gap_forecast = theta[ST_GAP_FORECAST];
    perc->gap_forecast_lo = ci[ST_GAP_FORECAST].lo;
    perc->gap_forecast_hi = ci[ST_GAP_FORECAST].hi;
    perc->gap_posthoc = theta[ST_GAP_POSTHOC];
    perc->gap_posthoc_lo = ci[ST_GAP_POSTHOC].lo;
    perc->gap_posthoc_hi = ci[ST_GAP_POSTHOC].hi;
    for (size_t j = 0; j < 4; j++) {
        perc->bca[2 * j] = ci[ST_FORECAST + j].bca_lo;
        perc->bca[2 * j + 1] = ci[ST_FORECAST + j].bca_hi;
    }
    perc->bootstrap = reps;
    static const size_t undef_stat[5] = {ST_EFFECT, ST_FORECAST, ST_POSTHOC, ST_GAP_FORECAST,
                                         ST_GAP_POSTHOC};
    for (size_t j = 0; j < 5; j++)
        perc->undefined[j] = reps - (reps ? ci[undef_stat[j]].used : 0);
    for (size_t g = 0; g < p.G; g++) {
        perc->n_forecast += p.sum[g].n_f;
        perc->n_posthoc += p.sum[g].n_perc;
    }
    if (p.n_groups) {
        perc->predictions = calloc(p.n_groups, sizeof *perc->predictions);
        if (!perc->predictions) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto done;
        }
        perc->n_predictions = p.n_groups;
        for (size_t g = 0; g < p.n_groups; g++) {
            upl_prediction_gap *o = &perc->predictions[g];
            size_t len = strlen(names[g]) + 1;
            if (!(o->group = malloc(len))) {
                rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
                goto done;
            }
            memcpy(o->group, names[g], len);
            o->n = p.g_n[g];
            o->gap = theta[ST_GROUPS + g];
            o->pct = 0.0;
            for (size_t i = 0; i < p.g_n[g]; i++)
                o->pct += p.g_val[p.g_start[g] + i];
            o->pct /= (double)p.g_n[g];
            upl_boot_ci gc = none, mc = none;
            if (reps > 0) {
                upl_boot_interval(&br, ST_GROUPS + g, spec->level, scratch, &gc);
                upl_boot_interval(&br, ST_GROUPS + p.n_groups + g, spec->level, scratch, &mc);
            }
            o->gap_lo = gc.lo;
            o->gap_hi = gc.hi;
            o->gap_bca_lo = gc.bca_lo;
            o->gap_bca_hi = gc.bca_hi;
            /* one prediction has no spread: its resampled "interval" is the point */
            o->pct_lo = p.g_n[g] > 1 ? mc.lo : NAN;
            o->pct_hi = p.g_n[g] > 1 ? mc.hi : NAN;
        }
    }
done:
    if (rc != UPL_OK && perc->predictions) {
        for (size_t g = 0; g < perc->n_predictions; g++)
            free(perc->predictions[g].group);
        free(perc->predictions);
        perc->predictions = NULL;
        perc->n_predictions = 0;
    }
    if (reps == 0)
        free(theta);
    if (replicates) {
        memset(replicates, 0, sizeof *replicates);
        if (rc == UPL_OK && reps > 0) {
            *replicates = br; /* handed over */
            memset(&br, 0, sizeof br);
        }
    }
    upl_boot_result_release(&br);
    free(scratch);
    free(names);
    pipe_release(&p);
    return rc;
}
