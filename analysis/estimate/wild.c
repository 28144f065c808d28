/* The wild cluster restricted bootstrap, WCR-C, without refits (include/uplift/wild.h).
 *
 * Notation: X (n x k) the design, M = (X'X)^-1, a = M e_j, z = X a, e the OLS residuals,
 * b_j the estimate, b0 the null, d = b_j - b0 and c = d / a_j.  The restricted model's
 * residuals are u = e + c z (Frisch-Waugh-Lovell: the residuals of y - b0 x_j on the
 * other columns).  A replicate multiplies cluster g's residuals by v_g; its estimate
 * minus b0 is N = a'X'(u o v) = sum_g v_g z_g'u_g, and its residuals are M_X (u o v),
 * whose cluster-g score for coefficient j is
 *   r_g = v_g z_g'u_g - q_g' M sum_h v_h X_h'u_h,   q_g = X_g'z_g,
 * so that the CR1 variance is m sum_g r_g^2, m = G/(G-1) (n-1)/(n-k).  With
 * z_g'u_g = z_g'e_g + c |z_g|^2 and X_h'u_h = p_h + c q_h (p_h = X_h'e_h) every piece is
 * linear in c: N = Np + c Nq and r_g = rp_g + c rq_g.  One pass over the replicates keeps
 * Np, Nq, sum rp^2, sum rp rq, sum rq^2 of each; then
 *   t*(b0) = (Np + c Nq) / sqrt(m (A + 2 c B + c^2 C)),   t(b0) = d / se_CR1,
 * and p(b0) is a count over the table, O(B) for any b0. */
#include "uplift/wild.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_roots.h>

#include "uplift/bootstrap.h"

static const char *const weight_names[UPL_WILD_WEIGHTS_COUNT] = {"rademacher", "webb", "mammen"};

const char *upl_wild_weights_name(upl_wild_weights w)
{
    return (int)w >= 0 && (int)w < UPL_WILD_WEIGHTS_COUNT ? weight_names[w] : "?";
}

int upl_wild_weights_from_name(const char *name, upl_wild_weights *out)
{
    for (int i = 0; name && i < UPL_WILD_WEIGHTS_COUNT; i++)
        if (strcmp(name, weight_names[i]) == 0) {
            *out = (upl_wild_weights)i;
            return 0;
        }
    return -1;
}

/* The replicate table and what the observed statistic needs. */
typedef struct wild_table {
    size_t B;
    double *rep; /* B x 5: Np, Nq, A, B, C */
    double coef, aj, se, m;
    int enumerated;
} wild_table;

static void table_release(wild_table *t)
{
    free(t->rep);
    memset(t, 0, sizeof *t);
}

/* Fills v[0..G) with the weights of replicate b. */
static void draw_weights(upl_wild_weights w, int enumerated, size_t b, gsl_rng *rng, size_t G,
                         double *v)
{
    static const double webb[6] = {-1.2247448713915889, -1.0, -0.70710678118654752,
                                   0.70710678118654752, 1.0,  1.2247448713915889};
    /* Mammen: (1 - sqrt 5)/2 with probability (sqrt 5 + 1)/(2 sqrt 5), else (1 + sqrt 5)/2 */
    const double s5 = sqrt(5.0), m_lo = (1.0 - s5) / 2.0, m_hi = (1.0 + s5) / 2.0,
                 m_p = (s5 + 1.0) / (2.0 * s5);
    for (size_t g = 0; g < G; g++) {
        if (enumerated) {
            v[g] = (b >> g) & 1u ? -1.0 : 1.0;
            continue;
        }
        switch (w) {
        case UPL_WILD_WEBB:
            v[g] = webb[gsl_rng_uniform_int(rng, 6)];
            break;
        case UPL_WILD_MAMMEN:
            v[g] = gsl_rng_uniform(rng) < m_p ? m_lo : m_hi;
            break;
        case UPL_WILD_RADEMACHER:
        default:
            v[g] = gsl_rng_uniform_int(rng, 2) ? 1.0 : -1.0;
            break;
        }
    }
}

static upl_status build_table(upl_ols *ols, const gsl_matrix *X, const size_t *cluster, size_t G,
                              size_t j, size_t reps, upl_wild_weights weights, unsigned long seed,
                              wild_table *t, upl_diag *diag)
{
    size_t n = X->size1, k = X->size2;
    upl_status rc = UPL_OK;
    double *buf = NULL;
    gsl_matrix *V = NULL;
    gsl_vector *df = NULL;
    gsl_rng *rng = NULL;
    memset(t, 0, sizeof *t);
    if (upl_ols_n(ols) != n || upl_ols_k(ols) != k || j >= k || reps == 0 || G < 2 || !cluster)
        return upl_diag_set(diag, UPL_INVALID,
                            "the wild bootstrap needs the fit's design, a coefficient, at least "
                            "one replicate and two clusters");
    for (size_t i = 0; i < n; i++)
        if (cluster[i] >= G)
            return upl_diag_set(diag, UPL_INVALID, "row %zu: cluster %zu out of range", i + 1,
                                cluster[i]);
    /* the CR1 variance of b_j zero to working precision: no t statistic (ols.h) */
    V = gsl_matrix_alloc(j + 1, j + 1);
    df = gsl_vector_alloc(j + 1);
    if (!V || !df) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    int defined = 0;
    if ((rc = upl_ols_vcov(ols, UPL_SE_CR1, V, df, &defined, NULL, diag)) != UPL_OK)
        goto cleanup;
    if (!defined || isnan(gsl_matrix_get(V, j, j))) {
        rc = upl_diag_set(diag, UPL_REFUSED,
                          "the cr1 variance of the coefficient is zero to working precision, so "
                          "it has no t statistic to bootstrap");
        goto cleanup;
    }

    int enumerated = weights == UPL_WILD_RADEMACHER && G < 63 && ((size_t)1 << G) <= reps;
    size_t B = enumerated ? (size_t)1 << G : reps;
    int factored = k < G; /* sum_h v_h X_h'u_h through k-vectors, else a G x G matrix */
    /* scratch: a, ma (k); z (n); ce, cz, v, rp, rq (G); p, q, f (G x k); Dp, Dq (G x G) */
    size_t nbuf = 2 * k + n + 5 * G + 3 * G * k + (factored ? 2 * k : 2 * G * G);
    buf = calloc(nbuf, sizeof *buf);
    t->rep = malloc(B * 5 * sizeof *t->rep);
    if (!buf || !t->rep) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory for %zu wild bootstrap replicates", B);
        goto cleanup;
    }
    double *a = buf, *ma = a + k, *z = ma + k, *ce = z + n, *cz = ce + G, *v = cz + G, *rp = v + G,
           *rq = rp + G, *p = rq + G, *q = p + G * k, *f = q + G * k, *extra = f + G * k;
    double *unit = ma; /* e_j, before ma is needed */
    unit[j] = 1.0;
    if ((rc = upl_ols_xtx_solve(ols, unit, a, diag)) != UPL_OK)
        goto cleanup;
    memset(ma, 0, k * sizeof *ma);
    const gsl_vector *e = upl_ols_resid(ols);
    for (size_t i = 0; i < n; i++) {
        const double *x = X->data + i * X->tda;
        double zi = 0.0;
        for (size_t c = 0; c < k; c++)
            zi += x[c] * a[c];
        z[i] = zi;
        size_t g = cluster[i];
        double ei = gsl_vector_get(e, i);
        ce[g] += zi * ei;
        cz[g] += zi * zi;
        double *pg = p + g * k, *qg = q + g * k;
        for (size_t c = 0; c < k; c++) {
            pg[c] += x[c] * ei;
            qg[c] += x[c] * zi;
        }
    }
    for (size_t g = 0; g < G; g++) /* f_g = M q_g */
        if ((rc = upl_ols_xtx_solve(ols, q + g * k, f + g * k, diag)) != UPL_OK)
            goto cleanup;
    double *up = extra, *uq = extra + (factored ? k : 0);
    double *Dp = extra, *Dq = extra + (factored ? 0 : G * G);
    if (!factored) /* D_gh = f_g'p_h and f_g'q_h */
        for (size_t g = 0; g < G; g++)
            for (size_t h = 0; h < G; h++) {
                double sp = 0.0, sq = 0.0;
                for (size_t c = 0; c < k; c++) {
                    sp += f[g * k + c] * p[h * k + c];
                    sq += f[g * k + c] * q[h * k + c];
                }
                Dp[g * G + h] = sp;
                Dq[g * G + h] = sq;
            }
    double ss = 0.0;
    for (size_t g = 0; g < G; g++)
        ss += ce[g] * ce[g];
    t->m = (double)G / (double)(G - 1) * (double)(n - 1) / (double)(n - k);
    t->se = sqrt(t->m * ss);
    t->coef = gsl_vector_get(upl_ols_coef(ols), j);
    t->aj = a[j];
    t->B = B;
    t->enumerated = enumerated;

    if (!enumerated) {
        rng = gsl_rng_alloc(UPL_BOOT_RNG);
        if (!rng) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
        gsl_rng_set(rng, seed);
    }
    for (size_t b = 0; b < B; b++) {
        draw_weights(weights, enumerated, b, rng, G, v);
        double np = 0.0, nq = 0.0;
        for (size_t g = 0; g < G; g++) {
            np += v[g] * ce[g];
            nq += v[g] * cz[g];
        }
        if (factored) {
            memset(up, 0, 2 * k * sizeof *up);
            for (size_t h = 0; h < G; h++) {
                const double *ph = p + h * k, *qh = q + h * k;
                for (size_t c = 0; c < k; c++) {
                    up[c] += v[h] * ph[c];
                    uq[c] += v[h] * qh[c];
                }
            }
            for (size_t g = 0; g < G; g++) {
                const double *fg = f + g * k;
                double dp = 0.0, dq = 0.0;
                for (size_t c = 0; c < k; c++) {
                    dp += fg[c] * up[c];
                    dq += fg[c] * uq[c];
                }
                rp[g] = v[g] * ce[g] - dp;
                rq[g] = v[g] * cz[g] - dq;
            }
        } else {
            for (size_t g = 0; g < G; g++) {
                const double *dpg = Dp + g * G, *dqg = Dq + g * G;
                double dp = 0.0, dq = 0.0;
                for (size_t h = 0; h < G; h++) {
                    dp += dpg[h] * v[h];
                    dq += dqg[h] * v[h];
                }
                rp[g] = v[g] * ce[g] - dp;
                rq[g] = v[g] * cz[g] - dq;
            }
        }
        double sa = 0.0, sb = 0.0, sc = 0.0;
        for (size_t g = 0; g < G; g++) {
            sa += rp[g] * rp[g];
            sb += rp[g] * rq[g];
            sc += rq[g] * rq[g];
        }
        double *r = t->rep + 5 * b;
        r[0] = np;
        r[1] = nq;
        r[2] = sa;
        r[3] = sb;
        r[4] = sc;
    }
cleanup:
    if (rc != UPL_OK)
        table_release(t);
    gsl_rng_free(rng);
    free(buf);
    gsl_matrix_free(V);
    gsl_vector_free(df);
    return rc;
}

/* p(b0): the share of replicates with |t*(b0)| >= |t(b0)| (ties by UPL_WILD_TIE_RTOL). */
static double p_at(const wild_table *t, double b0)
{
    double d = t->coef - b0, c = d / t->aj;
    double tabs = fabs(d / t->se) * (1.0 - UPL_WILD_TIE_RTOL);
    size_t hits = 0;
    for (size_t b = 0; b < t->B; b++) {
        const double *r = t->rep + 5 * b;
        double num = r[0] + c * r[1];
        double var = t->m * (r[2] + 2.0 * c * r[3] + c * c * r[4]);
        /* |num| / sqrt(var) >= tabs without dividing; var 0 with num != 0 is infinite */
        if (num * num >= tabs * tabs * var)
            hits++;
    }
    return (double)hits / (double)t->B;
}

typedef struct root_ctx {
    const wild_table *t;
    double alpha;
} root_ctx;

static double root_fn(double b0, void *arg)
{
    const root_ctx *r = arg;
    return p_at(r->t, b0) - r->alpha;
}

/* The bound of the interval on side dir (-1 lower, +1 upper): where p crosses alpha. */
static double invert(const wild_table *t, double alpha, int dir)
{
    root_ctx ctx = {t, alpha};
    double inside = t->coef, step = t->se, outside = NAN;
    for (int i = 0; i < 64; i++, step *= 2.0) {
        double x = dir < 0 ? t->coef - step : t->coef + step;
        if (p_at(t, x) < alpha) {
            outside = x;
            break;
        }
        inside = x;
    }
    if (isnan(outside))
        return dir < 0 ? -HUGE_VAL : HUGE_VAL;
    gsl_function fn = {root_fn, &ctx};
    gsl_root_fsolver *s = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (!s)
        return NAN;
    double lo = dir < 0 ? outside : inside, hi = dir < 0 ? inside : outside, root = 0.5 * (lo + hi);
    if (gsl_root_fsolver_set(s, &fn, lo, hi) == GSL_SUCCESS) {
        for (int it = 0; it < 200; it++) {
            if (gsl_root_fsolver_iterate(s) != GSL_SUCCESS)
                break;
            root = gsl_root_fsolver_root(s);
            lo = gsl_root_fsolver_x_lower(s);
            hi = gsl_root_fsolver_x_upper(s);
            if (gsl_root_test_interval(lo, hi, 1e-10 * t->se, 0.0) == GSL_SUCCESS)
                break;
        }
    }
    gsl_root_fsolver_free(s);
    return root;
}

upl_status upl_wild_run(upl_ols *ols, const gsl_matrix *X, const size_t *cluster, size_t G,
                        size_t j, size_t reps, upl_wild_weights weights, unsigned long seed,
                        double level, upl_wild_result *res, upl_diag *diag)
{
    memset(res, 0, sizeof *res);
    if (!(level > 0.0 && level < 1.0))
        return upl_diag_set(diag, UPL_INVALID, "confidence level %g outside (0, 1)", level);
    wild_table t;
    upl_status rc = build_table(ols, X, cluster, G, j, reps, weights, seed, &t, diag);
    if (rc != UPL_OK)
        return rc;
    double alpha = 1.0 - level;
    res->coef = t.coef;
    res->t = t.coef / t.se;
    res->p = p_at(&t, 0.0);
    res->ci_lo = invert(&t, alpha, -1);
    res->ci_hi = invert(&t, alpha, 1);
    res->replicates = t.B;
    res->enumerated = t.enumerated;
    res->weights = weights;
    res->seed = seed;
    table_release(&t);
    if (isnan(res->ci_lo) || isnan(res->ci_hi))
        return upl_diag_set(diag, UPL_NOMEM, "out of memory for the root finder");
    return UPL_OK;
}

upl_status upl_wild_p(upl_ols *ols, const gsl_matrix *X, const size_t *cluster, size_t G, size_t j,
                      size_t reps, upl_wild_weights weights, unsigned long seed, double b0,
                      double *p, upl_diag *diag)
{
    wild_table t;
    upl_status rc = build_table(ols, X, cluster, G, j, reps, weights, seed, &t, diag);
    if (rc != UPL_OK)
        return rc;
    *p = p_at(&t, b0);
    table_release(&t);
    return UPL_OK;
}
