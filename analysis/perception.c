/* Perception of AI's effect and the ratio of means, with intervals from one cluster
 * bootstrap of the whole pipeline (include/uplift/secondary.h).
 *
 * Every replicate redraws participants and recomputes, on the same resample, the main
 * model's first effect (QR on the resampled rows; with participant fixed effects each
 * drawn copy of a participant is its own effect, absorbed by demeaning within it), the
 * ratio of mean outcomes, the forecast and post-hoc perceived effects, and the gaps.
 * So each gap's interval carries the uncertainty of both of its sides and their
 * correlation.  External groups' predictions are resampled within each group in the
 * same replicate.  Sums per participant are precomputed; a replicate costs O(G) for
 * the means and one small QR for the effect, with no allocation. */
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
    size_t *start, *idx; /* CSR rows of each cluster */
    csum *sum;
    int fe;
    size_t kc;      /* columns of the resampled regression */
    size_t col0;    /* first design column copied (1 with FE: no intercept) */
    size_t eff_col; /* the first arm's column in the resampled regression */
    gsl_matrix *X;  /* n_max x kc */
    gsl_vector *y, *tau, *beta, *resid;
    /* predictions: groups with their values */
    size_t n_groups;
    size_t *g_start, *g_n;
    double *g_val;
} pipe;

static double pipe_effect(pipe *p, const size_t *draw, size_t n_draw)
{
    const upl_design *d = p->d;
    size_t r = 0, kc = p->kc;
    for (size_t s = 0; s < n_draw; s++) {
        size_t g = draw[s], r0 = r;
        for (size_t t = p->start[g]; t < p->start[g + 1]; t++, r++) {
            size_t j = p->idx[t];
            const double *xs = d->X->data + j * d->X->tda + p->col0;
            double *xd = p->X->data + r * p->X->tda;
            for (size_t c = 0; c < kc; c++)
                xd[c] = xs[c];
            p->y->data[r] = d->y->data[j * d->y->stride];
        }
        if (p->fe && r > r0) { /* demean within this drawn copy */
            double inv = 1.0 / (double)(r - r0);
            for (size_t c = 0; c <= kc; c++) {
                double m = 0.0;
                for (size_t i = r0; i < r; i++)
                    m += c < kc ? p->X->data[i * p->X->tda + c] : p->y->data[i];
                m *= inv;
                for (size_t i = r0; i < r; i++) {
                    if (c < kc)
                        p->X->data[i * p->X->tda + c] -= m;
                    else
                        p->y->data[i] -= m;
                }
            }
        }
    }
    if (r <= kc)
        return NAN;
    gsl_matrix_view X = gsl_matrix_submatrix(p->X, 0, 0, r, kc);
    gsl_vector_view y = gsl_vector_subvector(p->y, 0, r);
    gsl_vector_view res = gsl_vector_subvector(p->resid, 0, r);
    if (gsl_linalg_QR_decomp(&X.matrix, p->tau) != GSL_SUCCESS)
        return NAN;
    double rmax = 0.0;
    for (size_t c = 0; c < kc; c++)
        rmax = fmax(rmax, fabs(gsl_matrix_get(&X.matrix, c, c)));
    for (size_t c = 0; c < kc; c++)
        if (!(fabs(gsl_matrix_get(&X.matrix, c, c)) > rmax * 1e-10))
            return NAN; /* e.g. an arm missing from the resample */
    if (gsl_linalg_QR_lssolve(&X.matrix, p->tau, &y.vector, p->beta, &res.vector) != GSL_SUCCESS)
        return NAN;
    return expm1(gsl_vector_get(p->beta, p->eff_col));
}

static int pipe_stat(void *ctx, const size_t *draw, size_t n_draw, gsl_rng *rng, double *out)
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
    double eff = pipe_effect(p, draw, n_draw);
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
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += v[rng ? (size_t)gsl_rng_uniform_int(rng, (unsigned long)n) : i];
        out[ST_GROUPS + g] = eff - m / (double)n;
    }
    return 0;
}

static void pipe_release(pipe *p)
{
    free(p->start);
    free(p->idx);
    free(p->sum);
    gsl_matrix_free(p->X);
    gsl_vector_free(p->y);
    gsl_vector_free(p->tau);
    gsl_vector_free(p->beta);
    gsl_vector_free(p->resid);
    free(p->g_start);
    free(p->g_n);
    free(p->g_val);
}

static upl_status pipe_init(pipe *p, const upl_dataset *ds, const upl_design *d,
                            const upl_model_spec *spec, const upl_secondary_spec *s,
                            const char ***group_names)
{
    size_t n = d->n, arm1 = upl__first_arm(d);
    memset(p, 0, sizeof *p);
    p->d = d;
    p->G = d->cluster ? d->n_clusters : n; /* without participants every task is a cluster */
    p->start = calloc(p->G + 1, sizeof *p->start);
    p->idx = malloc((n ? n : 1) * sizeof *p->idx);
    p->sum = calloc(p->G, sizeof *p->sum);
    if (!p->start || !p->idx || !p->sum)
        return UPL_NOMEM;
    for (size_t j = 0; j < n; j++)
        p->start[(d->cluster ? d->cluster[j] : j) + 1]++;
    size_t max_size = 0;
    for (size_t g = 0; g < p->G; g++) {
        max_size = p->start[g + 1] > max_size ? p->start[g + 1] : max_size;
        p->start[g + 1] += p->start[g];
    }
    size_t *fill = calloc(p->G, sizeof *fill);
    if (!fill)
        return UPL_NOMEM;
    for (size_t j = 0; j < n; j++) {
        size_t g = d->cluster ? d->cluster[j] : j;
        p->idx[p->start[g] + fill[g]++] = j;
        csum *c = &p->sum[g];
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
        }
        double fa = ds->forecast_ai_min[i], fn = ds->forecast_no_ai_min[i];
        if (isfinite(fa) && isfinite(fn) && fa > 0.0 && fn > 0.0) {
            c->fa += fa;
            c->fn += fn;
            c->n_f++;
        }
    }
    free(fill);
    /* the resampled regression: the design's columns without participant dummies, and
     * without the intercept when they are absorbed */
    size_t cov_col = upl__design_cov_col(d);
    size_t k_main = cov_col != SIZE_MAX ? cov_col + 1 : d->n_arms;
    p->fe = spec->participant_fe && d->cluster;
    p->col0 = p->fe ? 1 : 0;
    p->kc = k_main - p->col0;
    p->eff_col = d->arm_col[arm1] - p->col0;
    size_t n_max = p->G * max_size;
    if (n_max < p->kc + 1)
        n_max = p->kc + 1;
    p->X = gsl_matrix_alloc(n_max, p->kc);
    p->y = gsl_vector_alloc(n_max);
    p->tau = gsl_vector_alloc(p->kc);
    p->beta = gsl_vector_alloc(p->kc);
    p->resid = gsl_vector_alloc(n_max);
    if (!p->X || !p->y || !p->tau || !p->beta || !p->resid)
        return UPL_NOMEM;
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
    return UPL_OK;
}

upl_status upl_perception_bootstrap(const upl_dataset *ds, const upl_design *d,
                                    const upl_model_spec *spec, const upl_secondary_spec *s,
                                    upl_ratio_of_means *rom, upl_perception *perc, upl_diag *diag)
{
    pipe p;
    const char **names = NULL;
    upl_boot_result br;
    double *scratch = NULL, *theta = NULL;
    memset(&br, 0, sizeof br);
    memset(rom, 0, sizeof *rom);
    memset(perc, 0, sizeof *perc);
    upl_status rc = pipe_init(&p, ds, d, spec, s, &names);
    if (rc != UPL_OK) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto done;
    }
    size_t m = ST_GROUPS + p.n_groups;
    if (s->bootstrap > 0) {
        if (p.G < 2) {
            rc = upl_diag_set(diag, UPL_REFUSED, "a cluster bootstrap needs two participants");
            goto done;
        }
        rc = upl_boot_run(p.G, m, s->bootstrap, s->seed, pipe_stat, &p, s->progress,
                          s->progress_ctx, &br, diag);
        if (rc != UPL_OK)
            goto done;
        theta = br.theta;
        scratch = malloc(s->bootstrap * sizeof *scratch);
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
        pipe_stat(&p, all, p.G, NULL, theta);
        free(all);
    }
    upl_boot_ci ci[ST_GROUPS];
    upl_boot_ci none = {0, NAN, NAN, NAN, NAN, NAN, NAN};
    for (size_t j = 0; j < ST_GROUPS; j++) {
        if (s->bootstrap > 0)
            upl_boot_interval(&br, j, spec->level, scratch, &ci[j]);
        else
            ci[j] = none;
    }
    rom->pct = theta[ST_ROM];
    rom->pct_lo = ci[ST_ROM].lo;
    rom->pct_hi = ci[ST_ROM].hi;
    rom->bca_lo = ci[ST_ROM].bca_lo;
    rom->bca_hi = ci[ST_ROM].bca_hi;
    rom->bootstrap = s->bootstrap;
    rom->seed = s->seed;
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
    perc->bootstrap = s->bootstrap;
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
            upl_boot_ci gc = none;
            if (s->bootstrap > 0)
                upl_boot_interval(&br, ST_GROUPS + g, spec->level, scratch, &gc);
            o->gap_lo = gc.lo;
            o->gap_hi = gc.hi;
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
    if (s->bootstrap == 0)
        free(theta);
    upl_boot_result_release(&br);
    free(scratch);
    free(names);
    pipe_release(&p);
    return rc;
}
