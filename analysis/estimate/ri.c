/* Randomization inference by re-drawing the assignment (include/uplift/ri.h). */
#include "uplift/ri.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sf_gamma.h>

static const char *const design_names[] = {"simple", "complete", "blocked-by-participant",
                                           "replay"};

const char *upl_ri_design_name(upl_ri_design d)
{
    return (unsigned)d < 4 ? design_names[d] : "?";
}

int upl_ri_design_from_name(const char *name, upl_ri_design *out)
{
    for (unsigned i = 0; i < 3; i++) {
        if (name && strcmp(name, design_names[i]) == 0) {
            *out = (upl_ri_design)i;
            return 0;
        }
    }
    return -1;
}

/* Workspace of one test. */
typedef struct ri_ws {
    size_t n, q;
    double *r;     /* n: residual of y on W */
    double *qrow;  /* n x q: thin Q, row-major */
    double *acc;   /* q */
    size_t m;      /* eligible rows */
    size_t *elig;  /* m eligible row indices, grouped by block for the blocked design */
    size_t *seg;   /* n_blocks + 1 segment starts into elig */
    size_t *seg_t; /* n_blocks: treated per block */
    size_t n_seg;
    size_t m_t;      /* treated among eligible */
    size_t *set;     /* current treated rows (at most m) */
    size_t *comb;    /* combination indices for enumeration (m_t) */
    double p_simple; /* simple design: probability of treatment */
    const upl_ri_problem *pr;
    unsigned char *drawn; /* replay: n, the draw's indicator */
} ri_ws;

/* b for the treated rows set[0..k), NAN when undefined. */
static double stat(const ri_ws *w, const size_t *set, size_t k)
{
    if (k == 0)
        return NAN;
    double num = 0.0;
    double *acc = w->acc;
    for (size_t j = 0; j < w->q; j++)
        acc[j] = 0.0;
    for (size_t s = 0; s < k; s++) {
        size_t i = set[s];
        num += w->r[i];
        const double *qi = w->qrow + i * w->q;
        for (size_t j = 0; j < w->q; j++)
            acc[j] += qi[j];
    }
    double ss = 0.0;
    for (size_t j = 0; j < w->q; j++)
        ss += acc[j] * acc[j];
    double den = (double)k - ss;
    if (!(den > 1e-10 * (double)k))
        return NAN; /* the indicator lies in the span of W */
    return num / den;
}

static void ws_release(ri_ws *w)
{
    free(w->r);
    free(w->qrow);
    free(w->acc);
    free(w->elig);
    free(w->seg);
    free(w->seg_t);
    free(w->set);
    free(w->comb);
    free(w->drawn);
}

/* QR of W: residual r of y and the rows of thin Q. */
static upl_status project(ri_ws *w, const upl_ri_problem *pr, upl_diag *diag)
{
    size_t n = w->n, q = w->q;
    gsl_matrix *qr = gsl_matrix_alloc(n, q);
    gsl_vector *tau = gsl_vector_alloc(q), *b = gsl_vector_alloc(q), *res = gsl_vector_alloc(n);
    gsl_vector *col = gsl_vector_alloc(n);
    upl_status rc = UPL_OK;
    if (!qr || !tau || !b || !res || !col) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto done;
    }
    gsl_matrix_memcpy(qr, pr->W);
    if (gsl_linalg_QR_decomp(qr, tau) != GSL_SUCCESS) {
        rc = upl_diag_set(diag, UPL_NUMERIC, "QR decomposition failed");
        goto done;
    }
    double rmax = 0.0;
    for (size_t j = 0; j < q; j++)
        rmax = fmax(rmax, fabs(gsl_matrix_get(qr, j, j)));
    for (size_t j = 0; j < q; j++) {
        if (!(fabs(gsl_matrix_get(qr, j, j)) > rmax * (double)n * DBL_EPSILON)) {
            rc = upl_diag_set(diag, UPL_NUMERIC, "the model's other columns are dependent");
            goto done;
        }
    }
    if (gsl_linalg_QR_lssolve(qr, tau, pr->y, b, res) != GSL_SUCCESS) {
        rc = upl_diag_set(diag, UPL_NUMERIC, "least-squares solve failed");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        w->r[i] = gsl_vector_get(res, i);
    for (size_t j = 0; j < q; j++) {
        gsl_vector_set_basis(col, j);
        gsl_linalg_QR_Qvec(qr, tau, col);
        for (size_t i = 0; i < n; i++)
            w->qrow[i * q + j] = gsl_vector_get(col, i);
    }
done:
    gsl_matrix_free(qr);
    gsl_vector_free(tau);
    gsl_vector_free(b);
    gsl_vector_free(res);
    gsl_vector_free(col);
    return rc;
}

/* log of the number of assignments of the design */
static double log_count(const ri_ws *w, upl_ri_design design)
{
    if (design == UPL_RI_SIMPLE)
        return (double)w->m * log(2.0);
    if (design == UPL_RI_COMPLETE)
        return gsl_sf_lnchoose((unsigned)w->m, (unsigned)w->m_t);
    double l = 0.0;
    for (size_t g = 0; g < w->n_seg; g++)
        l += gsl_sf_lnchoose((unsigned)(w->seg[g + 1] - w->seg[g]), (unsigned)w->seg_t[g]);
    return l;
}

/* Next k-combination of {0..n-1} in c (lexicographic); 0 after the last (c reset). */
static int next_comb(size_t *c, size_t k, size_t n)
{
    size_t i = k;
    while (i > 0) {
        i--;
        if (c[i] < n - k + i) {
            c[i]++;
            for (size_t j = i + 1; j < k; j++)
                c[j] = c[j - 1] + 1;
            return 1;
        }
    }
    for (size_t j = 0; j < k; j++)
        c[j] = j;
    return 0;
}

typedef struct tally {
    double obs, hit, total;
    size_t draws, dropped;
    double lo, hi;               /* range of the finite draws */
    double *bins, bin_lo, bin_w; /* when bins: UPL_RI_HIST_BINS weights (the report) */
    double *kept;                /* Monte Carlo: the finite draws, for the histogram */
} tally;

/* Monte Carlo keeps the draws' estimates for the histogram when there are at most this
 * many (8 MB), instead of drawing them again. */
#define UPL_RI_KEEP_MAX ((size_t)1 << 20)

static void count(tally *t, double b, double weight)
{
    if (!isfinite(b)) {
        t->dropped++;
        return;
    }
    if (t->kept)
        t->kept[t->draws] = b;
    t->lo = t->draws == 0 || b < t->lo ? b : t->lo;
    t->hi = t->draws == 0 || b > t->hi ? b : t->hi;
    t->draws++;
    t->total += weight;
    if (fabs(b) >= fabs(t->obs) * (1.0 - 1e-10))
        t->hit += weight;
    if (t->bins) {
        double x = (b - t->bin_lo) / t->bin_w;
        size_t i = x <= 0.0 ? 0 : (size_t)x;
        t->bins[i < UPL_RI_HIST_BINS ? i : UPL_RI_HIST_BINS - 1] += weight;
    }
}

static void enumerate(ri_ws *w, upl_ri_design design, tally *t)
{
    if (design == UPL_RI_SIMPLE) {
        double p = w->p_simple;
        for (uint64_t mask = 0; mask < ((uint64_t)1 << w->m); mask++) {
            size_t k = 0;
            for (size_t i = 0; i < w->m; i++)
                if (mask >> i & 1u)
                    w->set[k++] = w->elig[i];
            if (k == 0 || k == w->m) {
                t->dropped++;
                continue;
            }
            double weight = exp((double)k * log(p) + (double)(w->m - k) * log1p(-p));
            count(t, stat(w, w->set, k), weight);
        }
        return;
    }
    /* complete = one block holding every eligible row */
    size_t nb = w->n_seg;
    size_t *c = w->comb; /* per block, its combination, concatenated */
    size_t off = 0;
    for (size_t g = 0; g < nb; g++)
        for (size_t j = 0; j < w->seg_t[g]; j++)
            c[off++] = j;
    for (;;) {
        size_t k = 0;
        off = 0;
        for (size_t g = 0; g < nb; g++) {
            for (size_t j = 0; j < w->seg_t[g]; j++)
                w->set[k++] = w->elig[w->seg[g] + c[off + j]];
            off += w->seg_t[g];
        }
        count(t, stat(w, w->set, k), 1.0);
        /* odometer: advance block 0, carry on wrap-around */
        size_t g = 0;
        off = 0;
        while (g < nb && !next_comb(c + off, w->seg_t[g], w->seg[g + 1] - w->seg[g])) {
            off += w->seg_t[g];
            g++;
        }
        if (g == nb)
            break;
    }
}

static upl_status monte_carlo(ri_ws *w, upl_ri_design design, size_t reps, gsl_rng *rng, tally *t,
                              upl_progress_fn progress, void *pctx)
{
    size_t step = reps / 100 ? reps / 100 : 1;
    double p = w->p_simple;
    for (size_t b = 0; b < reps; b++) {
        size_t k = 0;
        if (design == UPL_RI_REPLAY) {
            upl_status st = w->pr->draw(w->pr->draw_ctx, rng, w->drawn);
            if (st != UPL_OK)
                return st;
            for (size_t i = 0; i < w->m; i++)
                if (w->drawn[w->elig[i]])
                    w->set[k++] = w->elig[i];
        } else if (design == UPL_RI_SIMPLE) {
            for (size_t i = 0; i < w->m; i++)
                if (gsl_rng_uniform(rng) < p)
                    w->set[k++] = w->elig[i];
        } else {
            /* a partial Fisher-Yates shuffle of each block's first seg_t places */
            for (size_t g = 0; g < w->n_seg; g++) {
                size_t *e = w->elig + w->seg[g], len = w->seg[g + 1] - w->seg[g];
                for (size_t i = 0; i < w->seg_t[g]; i++) {
                    size_t j = i + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(len - i));
                    size_t tmp = e[i];
                    e[i] = e[j];
                    e[j] = tmp;
                    w->set[k++] = e[i];
                }
            }
        }
        count(t, stat(w, w->set, k), 1.0);
        if (progress && (b + 1) % step == 0)
            progress(pctx, "permutations", b + 1, reps);
    }
    return UPL_OK;
}

upl_status upl_ri_run(const upl_ri_problem *pr, upl_ri_design design, size_t permutations,
                      size_t exact_max, unsigned long seed, upl_progress_fn progress,
                      void *progress_ctx, upl_randomization_inference *out, upl_diag *diag)
{
    ri_ws w;
    gsl_rng *rng = NULL;
    size_t *elig0 = NULL;
    double *kept = NULL;
    upl_status rc = UPL_OK;
    memset(&w, 0, sizeof w);
    memset(out, 0, sizeof *out);
    w.n = pr->W->size1;
    w.q = pr->W->size2;
    size_t n = w.n, nb = design == UPL_RI_BLOCKED ? pr->n_blocks : 1;
    if (pr->y->size != n || w.q == 0 || w.q >= n || (design == UPL_RI_BLOCKED && !pr->block) ||
        (design == UPL_RI_REPLAY && !pr->draw) || (unsigned)design > UPL_RI_REPLAY)
        return upl_diag_set(diag, UPL_INVALID, "randomization inference: inconsistent inputs");
    w.r = malloc(n * sizeof *w.r);
    w.qrow = malloc(n * w.q * sizeof *w.qrow);
    w.acc = malloc(w.q * sizeof *w.acc);
    w.elig = malloc(n * sizeof *w.elig);
    w.seg = calloc(nb + 1, sizeof *w.seg);
    w.seg_t = calloc(nb, sizeof *w.seg_t);
    w.set = malloc(n * sizeof *w.set);
    w.comb = malloc(n * sizeof *w.comb);
    w.drawn = calloc(n, 1);
    w.pr = pr;
    if (!w.r || !w.qrow || !w.acc || !w.elig || !w.seg || !w.seg_t || !w.set || !w.comb ||
        !w.drawn) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = project(&w, pr, diag)) != UPL_OK)
        goto done;
    /* eligible rows grouped by block (counting sort), treated per block */
    size_t *fill = w.set; /* scratch */
    for (size_t i = 0; i < n; i++) {
        if (!pr->eligible[i]) {
            if (pr->t[i]) {
                rc = upl_diag_set(diag, UPL_INVALID, "a treated row is not eligible");
                goto done;
            }
            continue;
        }
        size_t g = design == UPL_RI_BLOCKED ? pr->block[i] : 0;
        if (g >= nb) {
            rc = upl_diag_set(diag, UPL_INVALID, "block out of range");
            goto done;
        }
        w.seg[g + 1]++;
        w.seg_t[g] += pr->t[i] ? 1 : 0;
    }
    for (size_t g = 0; g < nb; g++)
        w.seg[g + 1] += w.seg[g];
    for (size_t g = 0; g < nb; g++)
        fill[g] = w.seg[g];
    for (size_t i = 0; i < n; i++) {
        if (!pr->eligible[i])
            continue;
        size_t g = design == UPL_RI_BLOCKED ? pr->block[i] : 0;
        w.elig[fill[g]++] = i;
    }
    w.n_seg = nb;
    w.m = w.seg[nb];
    for (size_t g = 0; g < nb; g++)
        w.m_t += w.seg_t[g];
    w.p_simple =
        pr->p_simple > 0.0 && pr->p_simple < 1.0 ? pr->p_simple : (double)w.m_t / (double)w.m;
    if (w.m_t == 0 || w.m_t == w.m) {
        rc = upl_diag_set(diag, UPL_INVALID,
                          "randomization inference needs treated and control "
                          "tasks");
        goto done;
    }
    /* the observed estimate */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pr->t[i])
            w.set[k++] = i;
    tally t = {0};
    t.obs = stat(&w, w.set, k);
    elig0 = malloc(w.m * sizeof *elig0); /* the draws start from this order */
    if (!elig0) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto done;
    }
    memcpy(elig0, w.elig, w.m * sizeof *elig0);
    if (!isfinite(t.obs)) {
        rc = upl_diag_set(diag, UPL_NUMERIC, "the observed estimate is undefined");
        goto done;
    }
    double lc = design == UPL_RI_REPLAY ? HUGE_VAL : log_count(&w, design);
    int exact = design == UPL_RI_REPLAY   ? 0
                : design == UPL_RI_SIMPLE ? (w.m < 63 && lc <= log((double)exact_max) + 1e-9)
                                          : lc <= log((double)exact_max) + 1e-9;
    if (exact) {
        enumerate(&w, design, &t);
    } else {
        if (permutations == 0 && design == UPL_RI_REPLAY) {
            rc = upl_diag_set(diag, UPL_INVALID,
                              "the replayed design cannot be enumerated; give a number of "
                              "permutations");
            goto done;
        }
        if (permutations == 0) {
            rc = upl_diag_set(diag, UPL_INVALID,
                              "the design has about %.3g assignments, too many to enumerate; "
                              "give a number of permutations",
                              exp(lc));
            goto done;
        }
        rng = gsl_rng_alloc(UPL_BOOT_RNG);
        if (!rng) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto done;
        }
        gsl_rng_set(rng, seed);
        if (permutations <= UPL_RI_KEEP_MAX && !(t.kept = malloc(permutations * sizeof *t.kept))) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto done;
        }
        kept = t.kept;
        if ((rc = monte_carlo(&w, design, permutations, rng, &t, progress, progress_ctx)) !=
            UPL_OK) {
            upl_diag_set(diag, rc, "re-drawing the assignment failed: %s", upl_strerror(rc));
            goto done;
        }
    }
    if (t.draws == 0 || !(t.total > 0.0)) {
        rc = upl_diag_set(diag, UPL_NUMERIC, "no re-drawn assignment had a defined estimate");
        goto done;
    }
    /* Monte Carlo counts the observed assignment among the draws, (hits + 1) / (N + 1):
     * a valid p-value that is never 0 (Phipson & Smyth 2010); enumeration is exact. */
    out->p = exact ? t.hit / t.total : (t.hit + 1.0) / (t.total + 1.0);
    out->p_mc_se = exact ? 0.0 : sqrt(out->p * (1.0 - out->p) / (double)t.draws);
    out->permutations = t.draws;
    out->design =
        design == UPL_RI_REPLAY && pr->replay_name ? pr->replay_name : upl_ri_design_name(design);
    out->exact = exact;
    out->statistic = t.obs;
    out->dropped = t.dropped;
    /* issue 7: the same draws again (same order and seed), binned for the report's
     * histogram over the range of the first pass and the observed estimate */
    double lo = t.lo < t.obs ? t.lo : t.obs, hi = t.hi > t.obs ? t.hi : t.obs;
    if (hi > lo) {
        double pad = 0.02 * (hi - lo);
        tally h = {0};
        h.obs = t.obs;
        h.bins = out->hist;
        h.bin_lo = lo - pad;
        h.bin_w = (hi - lo + 2.0 * pad) / UPL_RI_HIST_BINS;
        memcpy(w.elig, elig0, w.m * sizeof *elig0);
        if (exact) {
            enumerate(&w, design, &h);
        } else if (kept) {
            for (size_t i = 0; i < t.draws; i++)
                count(&h, kept[i], 1.0);
        } else {
            gsl_rng_set(rng, seed);
            if ((rc = monte_carlo(&w, design, permutations, rng, &h, NULL, NULL)) != UPL_OK) {
                upl_diag_set(diag, rc, "re-drawing the assignment failed: %s", upl_strerror(rc));
                goto done;
            }
        }
        for (size_t i = 0; i < UPL_RI_HIST_BINS; i++)
            out->hist[i] /= h.total;
        out->hist_lo = h.bin_lo;
        out->hist_hi = h.bin_lo + h.bin_w * UPL_RI_HIST_BINS;
    }
done:
    free(kept);
    free(elig0);
    gsl_rng_free(rng);
    ws_release(&w);
    return rc;
}
