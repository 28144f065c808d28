/* OLS by Householder QR and the sandwich variances of estimatr's lm_robust, with CR2
 * computed through eigen-decompositions of at most k x k per cluster (see
 * include/uplift/ols.h).
 *
 * CR2 memory.  Each cluster g needs its transform for the variance and for the
 * degrees of freedom of every coefficient.  Stored as a k x k block per cluster (as
 * before) that is O(G k^2), and with participant fixed effects k grows with G: 16 GB
 * at 1,000 participants.  The transform is therefore stored in the smaller of two
 * equivalent forms, m_g = min(n_g, k) square:
 *   - n_g >= k: T_g = (I - C_g)^-1/2 (k x k), C_g = Q_g'Q_g, and A_g Q_g = Q_g T_g;
 *   - n_g <  k: A_g = (I - H_gg)^-1/2 itself (n_g x n_g), H_gg = Q_g Q_g', which is
 *     what estimatr computes.
 * Both use the same pseudo-inverse cut-off.  The storage is sum_g m_g^2 <= n k, never
 * more than thin Q itself, so fixed effects with small clusters take O(n n_g) instead
 * of O(G^3).  C_g is no longer stored: the df reads Q_g through a list of each
 * cluster's rows.  Per-cluster work stays O(n_g k m_g + m_g^3) <= O(n_g k^2 + k^3).
 *
 * CR2 degrees of freedom cost O(G k^2) per coefficient and the sandwich O(k^3), so the
 * caller names how many leading coefficients it reports (r, the size of df and vcov):
 * fixed-effect dummies come last in every design and nobody reads their variances or
 * df, which took minutes at 1,000 participants. */
#include "uplift/ols.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

struct upl_ols {
    size_t n_max, k_max;
    size_t n, k;
    int fitted;
    /* the QR factor and its pieces */
    gsl_matrix *qr_store;
    gsl_vector *tau_store;
    gsl_matrix *q_store;    /* thin Q, n x k, row-major: row i is q_i */
    gsl_vector *col, *col2; /* n: scratch columns */
    gsl_matrix *rinv_store;
    gsl_vector *beta_store, *resid_store, *lev_store;
    gsl_vector *norm_store; /* k_max: column lengths |x_j| */
    /* views sized to the current fit */
    gsl_matrix_view qr, q, rinv;
    gsl_vector_view tau, beta, resid, lev, norm;
    /* y'y: the scale of a zero variance (UPL_OLS_ZERO_VARIANCE_TOL in ols.h) */
    double y_ss;
    /* row pass: leverages, whether HC2/HC3 are defined, s_g */
    int pass_done;
    int hc23_defined;
    size_t lev_one_row;
    double max_lev;
    size_t max_lev_row;
    /* clusters */
    const size_t *cluster;
    size_t n_clusters, cl_cap;
    double *s_g;      /* n_clusters k-vectors: Q_g'e_g */
    size_t *cl_start; /* n_clusters + 1: cluster g's rows are cl_rows[cl_start[g]..] */
    size_t *cl_rows;  /* n_max: row indices grouped by cluster, ascending within each */
    size_t *tr_off;   /* n_clusters + 1: offset of cluster g's transform in tr */
    double *tr;       /* CR2 transforms, m_g x m_g each, m_g = min(n_g, k) (above) */
    size_t tr_cap;
    int cr2_done;
    /* CR3 needs (I - H_gg)^-1: the first cluster with an eigenvalue of I - H_gg at or below
     * the leverage-one cut-off (SIZE_MAX: none), found by cr2_transforms */
    size_t cr3_singular;
    /* k x k scratch */
    gsl_matrix *m1, *m2, *evec;
    gsl_vector *eval, *v1, *v2, *v3;
};

void upl_ols_free(upl_ols *ols)
{
    if (!ols)
        return;
    gsl_matrix_free(ols->qr_store);
    gsl_vector_free(ols->tau_store);
    gsl_matrix_free(ols->q_store);
    gsl_vector_free(ols->col);
    gsl_vector_free(ols->col2);
    gsl_matrix_free(ols->rinv_store);
    gsl_vector_free(ols->beta_store);
    gsl_vector_free(ols->resid_store);
    gsl_vector_free(ols->lev_store);
    gsl_vector_free(ols->norm_store);
    gsl_matrix_free(ols->m1);
    gsl_matrix_free(ols->m2);
    gsl_matrix_free(ols->evec);
    gsl_vector_free(ols->eval);
    gsl_vector_free(ols->v1);
    gsl_vector_free(ols->v2);
    gsl_vector_free(ols->v3);
    free(ols->s_g);
    free(ols->cl_start);
    free(ols->cl_rows);
    free(ols->tr_off);
    free(ols->tr);
    free(ols);
}

upl_ols *upl_ols_alloc(size_t n_max, size_t k_max)
{
    if (k_max == 0 || n_max < k_max)
        return NULL;
    upl_ols *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    o->n_max = n_max;
    o->k_max = k_max;
    o->qr_store = gsl_matrix_alloc(n_max, k_max);
    o->tau_store = gsl_vector_alloc(k_max);
    o->q_store = gsl_matrix_alloc(n_max, k_max);
    o->col = gsl_vector_alloc(n_max);
    o->col2 = gsl_vector_alloc(n_max);
    o->cl_rows = malloc(n_max * sizeof *o->cl_rows);
    o->rinv_store = gsl_matrix_alloc(k_max, k_max);
    o->beta_store = gsl_vector_alloc(k_max);
    o->resid_store = gsl_vector_alloc(n_max);
    o->lev_store = gsl_vector_alloc(n_max);
    o->norm_store = gsl_vector_alloc(k_max);
    o->m1 = gsl_matrix_alloc(k_max, k_max);
    o->m2 = gsl_matrix_alloc(k_max, k_max);
    o->evec = gsl_matrix_alloc(k_max, k_max);
    o->eval = gsl_vector_alloc(k_max);
    o->v1 = gsl_vector_alloc(k_max);
    o->v2 = gsl_vector_alloc(k_max);
    o->v3 = gsl_vector_alloc(k_max);
    if (!o->qr_store || !o->tau_store || !o->q_store || !o->col || !o->col2 || !o->cl_rows ||
        !o->rinv_store || !o->beta_store || !o->resid_store || !o->lev_store || !o->norm_store ||
        !o->m1 || !o->m2 || !o->evec || !o->eval || !o->v1 || !o->v2 || !o->v3) {
        upl_ols_free(o);
        return NULL;
    }
    return o;
}

const gsl_vector *upl_ols_coef(const upl_ols *ols)
{
    return &ols->beta.vector;
}

const gsl_vector *upl_ols_resid(const upl_ols *ols)
{
    return &ols->resid.vector;
}

size_t upl_ols_n(const upl_ols *ols)
{
    return ols->n;
}

size_t upl_ols_k(const upl_ols *ols)
{
    return ols->k;
}

size_t upl_ols_clusters(const upl_ols *ols)
{
    return ols->cluster ? ols->n_clusters : 0;
}

static upl_status gsl_fail(upl_diag *diag, const char *what, int gsl_rc)
{
    return upl_diag_set(diag, UPL_NUMERIC, "%s failed: %s", what, gsl_strerror(gsl_rc));
}

/* Largest column sum of |a| over the upper triangle of a k x k matrix: its 1-norm. */
static double upper_norm1(const gsl_matrix *a, size_t k)
{
    double best = 0.0;
    for (size_t j = 0; j < k; j++) {
        double sum = 0.0;
        for (size_t i = 0; i <= j; i++)
            sum += fabs(gsl_matrix_get(a, i, j));
        if (!(sum <= best)) /* NaN propagates */
            best = sum;
    }
    return best;
}

/* Rank check on the k x k factor R (the singular values of R are those of X), which
 * leaves R^-1 in o->rinv when X has full rank.  The rule is the SVD's: rank deficient
 * when s_min <= s_max max(n, k) eps.  Because ||A||_2 <= sqrt(k) ||A||_1, s_max / s_min
 * = cond_2(R) <= k ||R||_1 ||R^-1||_1, so R^-1 by back substitution (O(k^3 / 3), needed
 * anyway) settles every well-conditioned design; only the rest pay for the SVD, which
 * with fixed effects (k in the thousands) was a fifth of a fit. */
static upl_status check_rank(upl_ols *o, size_t *bad_column, upl_diag *diag)
{
    size_t k = o->k;
    double nk = (double)(o->n > k ? o->n : k);
    int diag_ok = 1;
    for (size_t i = 0; i < k; i++) {
        double r = gsl_matrix_get(&o->qr.matrix, i, i);
        if (!(fabs(r) > 0.0) || !isfinite(r))
            diag_ok = 0; /* tri_invert would fail: leave it to the SVD */
    }
    gsl_matrix_set_zero(&o->rinv.matrix);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++)
            gsl_matrix_set(&o->rinv.matrix, i, j, gsl_matrix_get(&o->qr.matrix, i, j));
    double r1 = upper_norm1(&o->rinv.matrix, k);
    int inverted =
        diag_ok && gsl_linalg_tri_invert(CblasUpper, CblasNonUnit, &o->rinv.matrix) == GSL_SUCCESS;
    if (inverted) {
        double bound = (double)k * r1 * upper_norm1(&o->rinv.matrix, k);
        if (bound * nk * DBL_EPSILON < 1.0) /* false for NaN and inf */
            return UPL_OK;
    }
    gsl_matrix_view a = gsl_matrix_submatrix(o->m1, 0, 0, k, k);
    gsl_matrix_view v = gsl_matrix_submatrix(o->evec, 0, 0, k, k);
    gsl_vector_view s = gsl_vector_subvector(o->eval, 0, k);
    gsl_vector_view work = gsl_vector_subvector(o->v1, 0, k);
    gsl_matrix_set_zero(&a.matrix);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++)
            gsl_matrix_set(&a.matrix, i, j, gsl_matrix_get(&o->qr.matrix, i, j));
    int rc = gsl_linalg_SV_decomp(&a.matrix, &v.matrix, &s.vector, &work.vector);
    if (rc != GSL_SUCCESS)
        return gsl_fail(diag, "singular value decomposition", rc);
    double smax = gsl_vector_get(&s.vector, 0);
    double smin = gsl_vector_get(&s.vector, k - 1);
    if (!(smax > 0.0) || !(smin > smax * nk * DBL_EPSILON)) {
        size_t worst = 0;
        double wmax = -1.0;
        for (size_t j = 0; j < k; j++) {
            double w = fabs(gsl_matrix_get(&v.matrix, j, k - 1));
            if (w > wmax) {
                wmax = w;
                worst = j;
            }
        }
        if (bad_column)
            *bad_column = worst;
        return upl_diag_set(diag, UPL_NUMERIC,
                            "the design matrix is rank deficient (condition number %.3g): "
                            "column %zu is a linear combination of the others",
                            smin > 0.0 ? smax / smin : HUGE_VAL, worst + 1);
    }
    /* full rank after all (the bound is not tight): R^-1 is the one formed above */
    return inverted ? UPL_OK : upl_diag_set(diag, UPL_NUMERIC, "inverting R failed");
}

/* Thin Q = H_0 H_1 ... H_{k-1} [I_k; 0], the reflectors applied last to first, each to
 * the block it changes (rows i.., columns i..: the columns left of i are still unit
 * vectors there) as w = A'v, A -= tau v w': row-wise passes over the row-major block.
 * Applying all k reflectors to one column of Q at a time (QR_Qvec) read QR's strided
 * columns k times over and was the slowest step of a fit with fixed effects. */
static void thin_q(upl_ols *o)
{
    size_t n = o->n, k = o->k;
    gsl_matrix_set_identity(&o->q.matrix);
    for (size_t i = k; i-- > 0;) {
        gsl_vector_view v = gsl_vector_subvector(o->col, 0, n - i);
        gsl_vector_const_view h = gsl_matrix_const_subcolumn(&o->qr.matrix, i, i, n - i);
        gsl_vector_memcpy(&v.vector, &h.vector);
        gsl_vector_set(&v.vector, 0, 1.0); /* the diagonal holds R; the reflector's v_0 is 1 */
        gsl_matrix_view a = gsl_matrix_submatrix(&o->q.matrix, i, i, n - i, k - i);
        gsl_vector_view w = gsl_vector_subvector(o->v1, 0, k - i);
        gsl_blas_dgemv(CblasTrans, 1.0, &a.matrix, &v.vector, 0.0, &w.vector);
        gsl_blas_dger(-gsl_vector_get(&o->tau.vector, i), &v.vector, &w.vector, &a.matrix);
    }
}

/* One pass over the rows of X: the column lengths |x_j| (for the collinearity measures)
 * and y'y (the scale of a zero variance). */
static void scales(upl_ols *o, const gsl_matrix *X, const gsl_vector *y)
{
    size_t n = o->n, k = o->k;
    double *nsq = o->norm.vector.data; /* stride 1: a subvector of a fresh vector */
    memset(nsq, 0, k * sizeof *nsq);
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *x = X->data + i * X->tda;
        for (size_t j = 0; j < k; j++)
            nsq[j] += x[j] * x[j];
        double yi = gsl_vector_get(y, i);
        ss += yi * yi;
    }
    for (size_t j = 0; j < k; j++)
        nsq[j] = sqrt(nsq[j]);
    o->y_ss = ss;
}

upl_status upl_ols_fit(upl_ols *o, const gsl_matrix *X, const gsl_vector *y, const size_t *cluster,
                       size_t n_clusters, size_t *bad_column, upl_diag *diag)
{
    size_t n = X->size1, k = X->size2;
    o->fitted = 0;
    if (k == 0 || n > o->n_max || k > o->k_max || y->size != n)
        return upl_diag_set(diag, UPL_INVALID,
                            "model of %zu rows and %zu columns exceeds "
                            "the workspace",
                            n, k);
    if (n <= k)
        return upl_diag_set(diag, UPL_INVALID,
                            "%zu rows for %zu parameters: a regression needs more rows than "
                            "parameters",
                            n, k);
    o->n = n;
    o->k = k;
    o->qr = gsl_matrix_submatrix(o->qr_store, 0, 0, n, k);
    o->q = gsl_matrix_submatrix(o->q_store, 0, 0, n, k);
    o->rinv = gsl_matrix_submatrix(o->rinv_store, 0, 0, k, k);
    o->tau = gsl_vector_subvector(o->tau_store, 0, k);
    o->beta = gsl_vector_subvector(o->beta_store, 0, k);
    o->resid = gsl_vector_subvector(o->resid_store, 0, n);
    o->lev = gsl_vector_subvector(o->lev_store, 0, n);
    o->norm = gsl_vector_subvector(o->norm_store, 0, k);
    gsl_matrix_memcpy(&o->qr.matrix, X);
    int rc = gsl_linalg_QR_decomp(&o->qr.matrix, &o->tau.vector);
    if (rc != GSL_SUCCESS)
        return gsl_fail(diag, "QR decomposition", rc);
    upl_status st = check_rank(o, bad_column, diag);
    if (st != UPL_OK)
        return st;
    rc = gsl_linalg_QR_lssolve(&o->qr.matrix, &o->tau.vector, y, &o->beta.vector, &o->resid.vector);
    if (rc != GSL_SUCCESS)
        return gsl_fail(diag, "least-squares solve", rc);
    /* e = y - X b, the residual estimatr uses */
    gsl_vector_memcpy(&o->resid.vector, y);
    gsl_blas_dgemv(CblasNoTrans, -1.0, X, &o->beta.vector, 1.0, &o->resid.vector);
    scales(o, X, y);
    thin_q(o);
    if (cluster && n_clusters > 0) {
        if (n_clusters > o->cl_cap) { /* s_g sized for k_max, so any k fits */
            size_t km = o->k_max;
            double *s = realloc(o->s_g, n_clusters * km * sizeof *s);
            if (s)
                o->s_g = s;
            size_t *cs = realloc(o->cl_start, (n_clusters + 1) * sizeof *cs);
            if (cs)
                o->cl_start = cs;
            size_t *off = realloc(o->tr_off, (n_clusters + 1) * sizeof *off);
            if (off)
                o->tr_off = off;
            if (!s || !cs || !off)
                return upl_diag_set(diag, UPL_NOMEM, "out of memory for %zu clusters", n_clusters);
            o->cl_cap = n_clusters;
        }
        for (size_t i = 0; i < n; i++)
            if (cluster[i] >= n_clusters)
                return upl_diag_set(diag, UPL_INVALID, "row %zu: cluster %zu out of range", i + 1,
                                    cluster[i]);
        o->cluster = cluster;
        o->n_clusters = n_clusters;
    } else {
        o->cluster = NULL;
        o->n_clusters = 0;
    }
    o->pass_done = 0;
    o->cr2_done = 0;
    o->fitted = 1;
    return UPL_OK;
}

/* A += w x x' on the upper triangle (k x k, row-major, leading dimension lda). */
static void rank1_upper(double *a, size_t lda, size_t k, double w, const double *x)
{
    for (size_t i = 0; i < k; i++) {
        double wi = w * x[i];
        double *row = a + i * lda;
        for (size_t j = i; j < k; j++)
            row[j] += wi * x[j];
    }
}

static void symmetrize(double *a, size_t lda, size_t k)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++)
            a[i * lda + j] = a[j * lda + i];
}

/* One pass over the rows: leverages and per cluster s_g = Q_g'e_g. */
static void row_pass(upl_ols *o)
{
    size_t n = o->n, k = o->k;
    if (o->cluster)
        memset(o->s_g, 0, o->n_clusters * k * sizeof *o->s_g);
    o->hc23_defined = 1;
    o->lev_one_row = 0;
    o->max_lev = -1.0;
    o->max_lev_row = 0;
    const double *e = o->resid.vector.data;
    size_t es = o->resid.vector.stride;
    for (size_t i = 0; i < n; i++) {
        const double *qi = o->q.matrix.data + i * o->q.matrix.tda;
        double h = 0.0;
        for (size_t j = 0; j < k; j++)
            h += qi[j] * qi[j];
        gsl_vector_set(&o->lev.vector, i, h);
        if (h > o->max_lev) {
            o->max_lev = h;
            o->max_lev_row = i;
        }
        double ei = e[i * es];
        if (1.0 - h <= UPL_OLS_LEVERAGE_ONE_TOL) {
            if (o->hc23_defined)
                o->lev_one_row = i;
            o->hc23_defined = 0;
        }
        if (o->cluster) {
            double *s = o->s_g + o->cluster[i] * k;
            for (size_t j = 0; j < k; j++)
                s[j] += qi[j] * ei;
        }
    }
    o->pass_done = 1;
}

double upl_ols_max_leverage(upl_ols *o, size_t *row)
{
    if (!o->fitted)
        return NAN;
    if (!o->pass_done)
        row_pass(o);
    if (row)
        *row = o->max_lev_row;
    return o->max_lev;
}

/* V += w b b' on the upper triangle of V (r x r) with b the first r entries of R^-1 x
 * (x a k-vector): a term of the sandwich R^-1 (sum w x x') R^-T, restricted to its
 * leading block in O(k r) instead of O(k^2) for the whole middle.  Scratch: v3. */
static void add_lead_term(upl_ols *o, gsl_matrix *V, double w, const double *x)
{
    size_t k = o->k, r = V->size1;
    const gsl_matrix *ri = &o->rinv.matrix;
    double *b = o->v3->data;
    for (size_t a = 0; a < r; a++) {
        const double *row = ri->data + a * ri->tda;
        double acc = 0.0;
        for (size_t j = a; j < k; j++) /* R^-1 is upper triangular */
            acc += row[j] * x[j];
        b[a] = acc;
    }
    rank1_upper(V->data, V->tda, r, w, b);
}

/* Groups the rows by cluster (a stable counting sort: ascending rows within a cluster)
 * and sizes each cluster's transform, m_g = min(n_g, k).  Returns the largest m_g. */
static size_t cr2_group(upl_ols *o)
{
    size_t n = o->n, k = o->k, G = o->n_clusters, mmax = 0, total = 0;
    size_t *start = o->cl_start, *cur = o->tr_off;
    memset(start, 0, (G + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++)
        start[o->cluster[i] + 1]++;
    for (size_t g = 0; g < G; g++)
        start[g + 1] += start[g];
    memcpy(cur, start, G * sizeof *cur);
    for (size_t i = 0; i < n; i++)
        o->cl_rows[cur[o->cluster[i]]++] = i;
    for (size_t g = 0; g < G; g++) {
        size_t ng = start[g + 1] - start[g], m = ng < k ? ng : k;
        o->tr_off[g] = total;
        total += m * m;
        if (m > mmax)
            mmax = m;
    }
    o->tr_off[G] = total;
    return mmax;
}

/* Row r of thin Q. */
static const double *q_row(const upl_ols *o, size_t r)
{
    return o->q.matrix.data + r * o->q.matrix.tda;
}

/* Per cluster, with m = min(n_g, k): the m x m matrix B (C_g = Q_g'Q_g when n_g >= k,
 * H_gg = Q_g Q_g' when n_g < k; the two share their non-zero eigenvalues l), and its
 * transform V diag(f(l)) V' with B = V diag(l) V', f(l) = (1 - l)^-1/2, or 0 where
 * 1 - l is at most the leverage-one cut-off (estimatr's pseudo-inverse).  For n_g >= k
 * that is T_g, for n_g < k it is A_g (the zero eigenvalues of H_gg give f = 1). */
static upl_status cr2_transforms(upl_ols *o, upl_diag *diag)
{
    size_t k = o->k, kk = o->k_max, G = o->n_clusters;
    size_t mmax = cr2_group(o), total = o->tr_off[G];
    if (total > o->tr_cap) {
        double *t = realloc(o->tr, total * sizeof *t);
        if (!t)
            return upl_diag_set(diag, UPL_NOMEM, "out of memory for the cr2 transforms");
        o->tr = t;
        o->tr_cap = total;
    }
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(mmax > 0 ? mmax : 1);
    if (!w)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    o->cr3_singular = SIZE_MAX;
    for (size_t g = 0; g < G; g++) {
        const size_t *rows = o->cl_rows + o->cl_start[g];
        size_t ng = o->cl_start[g + 1] - o->cl_start[g], m = ng < k ? ng : k;
        if (m == 0)
            continue; /* no rows: the cluster adds nothing */
        gsl_matrix_view a = gsl_matrix_submatrix(o->m1, 0, 0, m, m);
        gsl_matrix_view v = gsl_matrix_submatrix(o->evec, 0, 0, m, m);
        gsl_vector_view l = gsl_vector_subvector(o->eval, 0, m);
        double *ad = o->m1->data;
        if (ng < k) { /* H_gg = Q_g Q_g' */
            for (size_t r = 0; r < ng; r++) {
                const double *qr = q_row(o, rows[r]);
                for (size_t c = r; c < ng; c++) {
                    const double *qc = q_row(o, rows[c]);
                    double acc = 0.0;
                    for (size_t j = 0; j < k; j++)
                        acc += qr[j] * qc[j];
                    ad[r * kk + c] = ad[c * kk + r] = acc;
                }
            }
        } else { /* C_g = Q_g'Q_g, summed in row order */
            gsl_matrix_set_zero(&a.matrix);
            for (size_t r = 0; r < ng; r++)
                rank1_upper(ad, kk, k, 1.0, q_row(o, rows[r]));
            symmetrize(ad, kk, k);
        }
        int rc = gsl_eigen_symmv(&a.matrix, &l.vector, &v.matrix, w);
        if (rc != GSL_SUCCESS) {
            gsl_eigen_symmv_free(w);
            return gsl_fail(diag, "eigen-decomposition", rc);
        }
        double *t = o->tr + o->tr_off[g];
        memset(t, 0, m * m * sizeof *t);
        for (size_t e = 0; e < m; e++) {
            double om = 1.0 - gsl_vector_get(&l.vector, e);
            if (om <= UPL_OLS_LEVERAGE_ONE_TOL) {
                if (o->cr3_singular == SIZE_MAX)
                    o->cr3_singular = g;
                continue;
            }
            double f = 1.0 / sqrt(om);
            for (size_t i = 0; i < m; i++) {
                double vi = f * gsl_matrix_get(&v.matrix, i, e);
                for (size_t j = 0; j < m; j++)
                    t[i * m + j] += vi * gsl_matrix_get(&v.matrix, j, e);
            }
        }
    }
    gsl_eigen_symmv_free(w);
    o->cr2_done = 1;
    return UPL_OK;
}

/* out = T in (m values; T m x m, row-major). */
static void square_apply(const double *t, size_t m, const double *in, double *out)
{
    for (size_t i = 0; i < m; i++) {
        double acc = 0.0;
        for (size_t j = 0; j < m; j++)
            acc += t[i * m + j] * in[j];
        out[i] = acc;
    }
}

/* w = A_g^times Q_g x (n_g values; times 1 for CR2, 2 for CR3), through whichever
 * transform cluster g stores (A_g Q_g = Q_g T_g, so A_g^2 Q_g = Q_g T_g^2); A_g^2 is
 * (I - H_gg)^-1 when no eigenvalue was cut off (o->cr3_singular).  Scratch: col2
 * (n_g < k) or v2 (n_g >= k), and wout itself. */
static void cr2_apply(upl_ols *o, size_t g, const double *x, double *wout, int times)
{
    size_t k = o->k;
    const size_t *rows = o->cl_rows + o->cl_start[g];
    size_t ng = o->cl_start[g + 1] - o->cl_start[g];
    const double *t = o->tr + o->tr_off[g];
    if (ng < k) {
        double *qx = o->col2->data;
        for (size_t r = 0; r < ng; r++) {
            const double *q = q_row(o, rows[r]);
            double acc = 0.0;
            for (size_t j = 0; j < k; j++)
                acc += q[j] * x[j];
            qx[r] = acc;
        }
        square_apply(t, ng, qx, wout);
        if (times == 2) {
            square_apply(t, ng, wout, qx);
            memcpy(wout, qx, ng * sizeof *wout);
        }
    } else {
        double *b = o->v2->data;
        square_apply(t, k, x, b);
        if (times == 2) { /* wout has n_g >= k entries */
            square_apply(t, k, b, wout);
            memcpy(b, wout, k * sizeof *b);
        }
        for (size_t r = 0; r < ng; r++) {
            const double *q = q_row(o, rows[r]);
            double acc = 0.0;
            for (size_t j = 0; j < k; j++)
                acc += q[j] * b[j];
            wout[r] = acc;
        }
    }
}

/* y = Q_g' w (k values). */
static void cluster_qt(const upl_ols *o, size_t g, const double *wv, double *y)
{
    size_t k = o->k;
    const size_t *rows = o->cl_rows + o->cl_start[g];
    size_t ng = o->cl_start[g + 1] - o->cl_start[g];
    memset(y, 0, k * sizeof *y);
    for (size_t r = 0; r < ng; r++) {
        const double *q = q_row(o, rows[r]);
        for (size_t j = 0; j < k; j++)
            y[j] += wv[r] * q[j];
    }
}

/* Columns of z kept before they are added to Z Z' together (cache blocking). */
#define CR2_DF_BATCH 16

/* S += sum_b y_b y_b' on the upper triangle (y_b row b of ys, lda apart); for each
 * element the terms are added in b order, as one rank-one update after another, four
 * at a time so that a row of S is loaded once per four updates. */
static void batch_upper(double *s, size_t lda, size_t k, const double *ys, size_t nb)
{
    for (size_t i = 0; i < k; i++) {
        double *row = s + i * lda;
        size_t b = 0;
        for (; b + 4 <= nb; b += 4) {
            const double *y0 = ys + b * lda, *y1 = y0 + lda, *y2 = y1 + lda, *y3 = y2 + lda;
            double c0 = y0[i], c1 = y1[i], c2 = y2[i], c3 = y3[i];
            for (size_t j = i; j < k; j++)
                row[j] = row[j] + c0 * y0[j] + c1 * y1[j] + c2 * y2[j] + c3 * y3[j];
        }
        for (; b < nb; b++) {
            const double *y = ys + b * lda;
            double yi = y[i];
            for (size_t j = i; j < k; j++)
                row[j] += yi * y[j];
        }
    }
}

/* Satterthwaite df of coefficient p under CR2 (estimatr's formula, working model I):
 * with a = R^-T e_p, w_g = A_g Q_g a (n_g values), z_g = Q_g'w_g and d_g = |w_g|^2,
 * the G x G matrix P = diag(d) - Z'Z has df = tr(P)^2 / ||P||_F^2; ||Z'Z||_F =
 * ||ZZ'||_F keeps it k x k.  Under CR3 (times 2) the adjustment A_g is (I - H_gg)^-1
 * instead, the same formula (clubSandwich's Satterthwaite test takes the adjustment
 * matrices of whichever type it is given).  Uses m1 (batches of z_g), m2 (ZZ'), v1, v3,
 * col. */
static double cr2_df(upl_ols *o, size_t p, int times)
{
    size_t k = o->k, tda = o->k_max;
    size_t batch = CR2_DF_BATCH < tda ? CR2_DF_BATCH : tda, nb = 0;
    double *a = o->v1->data, *wv = o->col->data, *zz = o->m2->data, *ys = o->m1->data;
    for (size_t j = 0; j < k; j++)
        a[j] = gsl_matrix_get(&o->rinv.matrix, p, j);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            zz[i * tda + j] = 0.0;
    double trace = 0.0, diag_sq = 0.0, z4 = 0.0;
    for (size_t g = 0; g < o->n_clusters; g++) {
        size_t ng = o->cl_start[g + 1] - o->cl_start[g];
        if (ng == 0)
            continue; /* w_g and z_g are empty: no term */
        cr2_apply(o, g, a, wv, times);
        double d = 0.0, z2 = 0.0;
        for (size_t r = 0; r < ng; r++)
            d += wv[r] * wv[r];
        double *z = ys + nb * tda;
        cluster_qt(o, g, wv, z);
        for (size_t i = 0; i < k; i++)
            z2 += z[i] * z[i];
        trace += d - z2;
        diag_sq += (d - z2) * (d - z2);
        z4 += z2 * z2;
        if (++nb == batch) {
            batch_upper(zz, tda, k, ys, nb);
            nb = 0;
        }
    }
    batch_upper(zz, tda, k, ys, nb);
    double zz_f2 = 0.0;
    for (size_t i = 0; i < k; i++) {
        zz_f2 += zz[i * tda + i] * zz[i * tda + i];
        for (size_t j = i + 1; j < k; j++)
            zz_f2 += 2.0 * zz[i * tda + j] * zz[i * tda + j];
    }
    double off = zz_f2 - z4;
    if (off < 0.0)
        off = 0.0; /* rounding: the off-diagonal sum of squares is non-negative */
    double frob = diag_sq + off;
    return trace * trace / frob;
}

/* Row and column p of vcov (r x r) and df[p] become NAN for every p whose variance is at
 * most UPL_OLS_ZERO_VARIANCE_TOL times its scale (ols.h): the classical variance with
 * e'e replaced by y'y, (y'y / (n - k)) |row p of R^-1|^2.  Every diagonal entry is
 * compared before any is changed (only row and column p change). */
static void refuse_zero(const upl_ols *o, gsl_matrix *vcov, gsl_vector *df)
{
    size_t k = o->k, r = df->size;
    double scale = o->y_ss / (double)(o->n - k);
    for (size_t p = 0; p < r; p++) {
        const double *row = o->rinv.matrix.data + p * o->rinv.matrix.tda;
        double a2 = 0.0;
        for (size_t j = p; j < k; j++) /* R^-1 is upper triangular */
            a2 += row[j] * row[j];
        if (gsl_matrix_get(vcov, p, p) > UPL_OLS_ZERO_VARIANCE_TOL * scale * a2)
            continue; /* false for NaN too */
        for (size_t j = 0; j < r; j++) {
            gsl_matrix_set(vcov, p, j, NAN);
            gsl_matrix_set(vcov, j, p, NAN);
        }
        gsl_vector_set(df, p, NAN);
    }
}

upl_status upl_ols_vcov(upl_ols *o, upl_se_type type, gsl_matrix *vcov, gsl_vector *df,
                        int *defined, size_t *bad_row, upl_diag *diag)
{
    if (!o->fitted)
        return upl_diag_set(diag, UPL_INVALID, "no fitted model");
    size_t n = o->n, k = o->k, G = o->n_clusters;
    size_t r = df->size;
    if (r < 1 || r > k || vcov->size1 != r || vcov->size2 != r)
        return upl_diag_set(
            diag, UPL_INVALID,
            "variance output must be r x r with r degrees of freedom, 1 <= r <= %zu", k);
    int clustered = upl_se_type_clustered(type);
    if (type == UPL_SE_AUTO || (int)type < 0 || (int)type >= UPL_SE_TYPE_COUNT)
        return upl_diag_set(diag, UPL_INVALID, "no such standard-error type");
    if (clustered && !o->cluster)
        return upl_diag_set(diag, UPL_INVALID, "%s needs clusters", upl_se_type_name(type));
    if (clustered && G < 2)
        return upl_diag_set(diag, UPL_REFUSED, "%s needs at least two clusters; the data have %zu",
                            upl_se_type_name(type), G);
    if (!o->pass_done)
        row_pass(o);
    *defined = 1;
    double dn = (double)n, dk = (double)k, dg = (double)G;
    double resid_df = dn - dk;
    /* every type below is R^-1 M R^-T for a middle M = sum of w x x' terms; only the
     * leading r x r block is formed (add_lead_term), upper triangle then mirrored */
    gsl_matrix_set_zero(vcov);
    switch (type) {
    case UPL_SE_CLASSICAL: {
        double ss = 0.0;
        gsl_blas_ddot(&o->resid.vector, &o->resid.vector, &ss);
        double *unit = o->v1->data; /* M = I: the terms e_j e_j' */
        memset(unit, 0, k * sizeof *unit);
        for (size_t j = 0; j < k; j++) {
            unit[j] = 1.0;
            add_lead_term(o, vcov, ss / resid_df, unit);
            unit[j] = 0.0;
        }
        gsl_vector_set_all(df, resid_df);
        break;
    }
    case UPL_SE_HC0:
    case UPL_SE_HC1:
    case UPL_SE_HC2:
    case UPL_SE_HC3: {
        int adjusted = type == UPL_SE_HC2 || type == UPL_SE_HC3;
        if (adjusted && !o->hc23_defined) {
            *defined = 0;
            if (bad_row)
                *bad_row = o->lev_one_row;
            gsl_matrix_set_all(vcov, NAN);
            gsl_vector_set_all(df, NAN);
            return UPL_OK;
        }
        const double *e = o->resid.vector.data;
        size_t es = o->resid.vector.stride;
        for (size_t i = 0; i < n; i++) {
            double e2 = e[i * es] * e[i * es];
            double one_minus_h = 1.0 - gsl_vector_get(&o->lev.vector, i);
            double w = type == UPL_SE_HC2   ? e2 / one_minus_h
                       : type == UPL_SE_HC3 ? e2 / (one_minus_h * one_minus_h)
                                            : e2;
            add_lead_term(o, vcov, w, q_row(o, i));
        }
        if (type == UPL_SE_HC1)
            gsl_matrix_scale(vcov, dn / resid_df);
        gsl_vector_set_all(df, resid_df);
        break;
    }
    case UPL_SE_CR0:
    case UPL_SE_CR1: {
        for (size_t g = 0; g < G; g++)
            add_lead_term(o, vcov, 1.0, o->s_g + g * k);
        if (type == UPL_SE_CR1)
            gsl_matrix_scale(vcov, dg / (dg - 1.0) * (dn - 1.0) / resid_df);
        gsl_vector_set_all(df, dg - 1.0);
        break;
    }
    case UPL_SE_CR2:
    case UPL_SE_CR3: {
        int times = type == UPL_SE_CR3 ? 2 : 1;
        if (!o->cr2_done) {
            upl_status st = cr2_transforms(o, diag);
            if (st != UPL_OK)
                return st;
        }
        if (times == 2 && o->cr3_singular != SIZE_MAX) { /* (I - H_gg)^-1 does not exist */
            *defined = 0;
            if (bad_row)
                *bad_row = o->cl_rows[o->cl_start[o->cr3_singular]];
            gsl_matrix_set_all(vcov, NAN);
            gsl_vector_set_all(df, NAN);
            return UPL_OK;
        }
        /* middle: sum_g u_g u_g' with u_g = T_g^times s_g = Q_g' A_g^times e_g */
        double *u = o->v1->data, *ae = o->col->data, *ae2 = o->col2->data;
        const double *e = o->resid.vector.data;
        size_t es = o->resid.vector.stride;
        for (size_t g = 0; g < G; g++) {
            const size_t *rows = o->cl_rows + o->cl_start[g];
            size_t ng = o->cl_start[g + 1] - o->cl_start[g];
            const double *t = o->tr + o->tr_off[g], *s = o->s_g + g * k;
            if (ng == 0)
                continue; /* s_g = 0 */
            if (ng < k) { /* t is A_g: u = Q_g' (A_g^times e_g) */
                for (size_t i = 0; i < ng; i++) {
                    double acc = 0.0;
                    for (size_t c = 0; c < ng; c++)
                        acc += t[i * ng + c] * e[rows[c] * es];
                    ae[i] = acc;
                }
                if (times == 2) {
                    square_apply(t, ng, ae, ae2);
                    memcpy(ae, ae2, ng * sizeof *ae);
                }
                cluster_qt(o, g, ae, u);
            } else { /* t is T_g */
                square_apply(t, k, s, u);
                if (times == 2) {
                    double *u2 = o->v2->data;
                    square_apply(t, k, u, u2);
                    memcpy(u, u2, k * sizeof *u);
                }
            }
            add_lead_term(o, vcov, 1.0, u);
        }
        for (size_t p = 0; p < r; p++)
            gsl_vector_set(df, p, cr2_df(o, p, times));
        break;
    }
    default:
        return upl_diag_set(diag, UPL_INVALID, "no such standard-error type");
    }
    symmetrize(vcov->data, vcov->tda, r);
    refuse_zero(o, vcov, df);
    return UPL_OK;
}

upl_status upl_ols_xtx_solve(const upl_ols *o, const double *v, double *out, upl_diag *diag)
{
    if (!o->fitted)
        return upl_diag_set(diag, UPL_INVALID, "no fitted model");
    size_t k = o->k;
    const gsl_matrix *ri = &o->rinv.matrix;
    double *tmp = o->v3->data; /* R^-T v: (R^-T v)_i = sum_{m <= i} R^-1[m][i] v_m */
    for (size_t i = 0; i < k; i++) {
        double acc = 0.0;
        for (size_t m = 0; m <= i; m++)
            acc += gsl_matrix_get(ri, m, i) * v[m];
        tmp[i] = acc;
    }
    for (size_t i = 0; i < k; i++) { /* R^-1 is upper triangular */
        double acc = 0.0;
        for (size_t m = i; m < k; m++)
            acc += gsl_matrix_get(ri, i, m) * tmp[m];
        out[i] = acc;
    }
    return UPL_OK;
}

double upl_ols_alias_ratio(const upl_ols *o, double tol, size_t *column)
{
    if (!o->fitted)
        return NAN;
    size_t best = 0, first = SIZE_MAX;
    double best_ratio = HUGE_VAL;
    for (size_t j = 0; j < o->k; j++) {
        double len = gsl_vector_get(&o->norm.vector, j);
        double ratio = fabs(gsl_matrix_get(&o->qr.matrix, j, j)) / len; /* len > 0: full rank */
        if (ratio < tol && first == SIZE_MAX)
            first = j;
        if (ratio < best_ratio) {
            best_ratio = ratio;
            best = j;
        }
    }
    size_t col = first != SIZE_MAX ? first : best;
    if (column)
        *column = col;
    return fabs(gsl_matrix_get(&o->qr.matrix, col, col)) / gsl_vector_get(&o->norm.vector, col);
}

/* sqrt(|A|_1 |A|_inf) of the upper triangle of the k x k matrix a (lda apart) with column
 * j scaled by cs[j] and row i by rs[i] (NULL: 1): a bound of |A|_2. */
static double norm_1inf(const double *a, size_t lda, size_t k, const double *rs, const double *cs,
                        double *colsum /* k scratch */, double *fro)
{
    double inf = 0.0, f = 0.0;
    memset(colsum, 0, k * sizeof *colsum);
    for (size_t i = 0; i < k; i++) {
        double rowsum = 0.0;
        for (size_t j = i; j < k; j++) {
            double v = fabs(a[i * lda + j]) * (rs ? rs[i] : 1.0) * (cs ? cs[j] : 1.0);
            rowsum += v;
            colsum[j] += v;
            f += v * v;
        }
        if (!(rowsum <= inf))
            inf = rowsum;
    }
    double one = 0.0;
    for (size_t j = 0; j < k; j++)
        if (!(colsum[j] <= one))
            one = colsum[j];
    if (fro)
        *fro = sqrt(f);
    return sqrt(one * inf);
}

upl_status upl_ols_condition(upl_ols *o, double cond_max, double *cond, upl_diag *diag)
{
    if (!o->fitted)
        return upl_diag_set(diag, UPL_INVALID, "no fitted model");
    size_t k = o->k;
    const double *len = o->norm.vector.data, *r = o->qr.matrix.data;
    size_t lda = o->qr.matrix.tda, ilda = o->rinv.matrix.tda;
    double *inv_len = o->v2->data, *scratch = o->v1->data;
    for (size_t j = 0; j < k; j++)
        inv_len[j] = 1.0 / len[j];
    /* A = R D^-1 (the upper triangle of the QR factor) and A^-1 = D R^-1 */
    double a_2 = norm_1inf(r, lda, k, NULL, inv_len, scratch, NULL);
    double inv_f = 0.0;
    double inv_2 = norm_1inf(o->rinv.matrix.data, ilda, k, len, NULL, scratch, &inv_f);
    double bound = fmin(sqrt((double)k), a_2) * fmin(inv_f, inv_2);
    if (bound <= cond_max) {
        *cond = bound;
        return UPL_OK;
    }
    gsl_matrix_view a = gsl_matrix_submatrix(o->m1, 0, 0, k, k);
    gsl_matrix_view v = gsl_matrix_submatrix(o->evec, 0, 0, k, k);
    gsl_vector_view sv = gsl_vector_subvector(o->eval, 0, k);
    gsl_vector_view work = gsl_vector_subvector(o->v1, 0, k);
    gsl_matrix_set_zero(&a.matrix);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++)
            gsl_matrix_set(&a.matrix, i, j, r[i * lda + j] * inv_len[j]);
    int rc = gsl_linalg_SV_decomp(&a.matrix, &v.matrix, &sv.vector, &work.vector);
    if (rc != GSL_SUCCESS)
        return gsl_fail(diag, "singular value decomposition", rc);
    double smax = gsl_vector_get(&sv.vector, 0), smin = gsl_vector_get(&sv.vector, k - 1);
    *cond = smin > 0.0 ? smax / smin : HUGE_VAL;
    return UPL_OK;
}
