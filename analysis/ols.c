/* OLS by Householder QR and the sandwich variances of estimatr's lm_robust, with CR2
 * computed through k x k eigen-decompositions (see include/uplift/ols.h). */
#include "uplift/ols.h"

#include <float.h>
#include <math.h>
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
    gsl_matrix *q_store; /* thin Q, n x k, row-major: row i is q_i */
    gsl_vector *col;     /* n: scratch column */
    gsl_matrix *rinv_store;
    gsl_vector *beta_store, *resid_store, *lev_store;
    /* views sized to the current fit */
    gsl_matrix_view qr, q, rinv;
    gsl_vector_view tau, beta, resid, lev;
    /* row-pass accumulators (k x k in k_max x k_max storage) */
    int pass_done;
    gsl_matrix *hc0, *hc2, *hc3;
    int hc23_defined;
    size_t lev_one_row;
    double max_lev;
    size_t max_lev_row;
    /* clusters */
    const size_t *cluster;
    size_t n_clusters, cl_cap;
    double *c_g; /* n_clusters k x k blocks: Q_g'Q_g */
    double *s_g; /* n_clusters k-vectors: Q_g'e_g */
    double *t_g; /* n_clusters k x k blocks: V diag(f(l)) V' for CR2 */
    int cr2_done;
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
    gsl_matrix_free(ols->rinv_store);
    gsl_vector_free(ols->beta_store);
    gsl_vector_free(ols->resid_store);
    gsl_vector_free(ols->lev_store);
    gsl_matrix_free(ols->hc0);
    gsl_matrix_free(ols->hc2);
    gsl_matrix_free(ols->hc3);
    gsl_matrix_free(ols->m1);
    gsl_matrix_free(ols->m2);
    gsl_matrix_free(ols->evec);
    gsl_vector_free(ols->eval);
    gsl_vector_free(ols->v1);
    gsl_vector_free(ols->v2);
    gsl_vector_free(ols->v3);
    free(ols->c_g);
    free(ols->s_g);
    free(ols->t_g);
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
    o->rinv_store = gsl_matrix_alloc(k_max, k_max);
    o->beta_store = gsl_vector_alloc(k_max);
    o->resid_store = gsl_vector_alloc(n_max);
    o->lev_store = gsl_vector_alloc(n_max);
    o->hc0 = gsl_matrix_alloc(k_max, k_max);
    o->hc2 = gsl_matrix_alloc(k_max, k_max);
    o->hc3 = gsl_matrix_alloc(k_max, k_max);
    o->m1 = gsl_matrix_alloc(k_max, k_max);
    o->m2 = gsl_matrix_alloc(k_max, k_max);
    o->evec = gsl_matrix_alloc(k_max, k_max);
    o->eval = gsl_vector_alloc(k_max);
    o->v1 = gsl_vector_alloc(k_max);
    o->v2 = gsl_vector_alloc(k_max);
    o->v3 = gsl_vector_alloc(k_max);
    if (!o->qr_store || !o->tau_store || !o->q_store || !o->col || !o->rinv_store ||
        !o->beta_store || !o->resid_store || !o->lev_store || !o->hc0 || !o->hc2 || !o->hc3 ||
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

/* Rank check on the k x k factor R: the singular values of R are those of X. */
static upl_status check_rank(upl_ols *o, size_t *bad_column, upl_diag *diag)
{
    size_t k = o->k;
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
    double nk = (double)(o->n > k ? o->n : k);
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
    return UPL_OK;
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
    /* thin Q, one column at a time: Q e_j */
    gsl_vector_view col = gsl_vector_subvector(o->col, 0, n);
    for (size_t j = 0; j < k; j++) {
        gsl_vector_set_basis(&col.vector, j);
        rc = gsl_linalg_QR_Qvec(&o->qr.matrix, &o->tau.vector, &col.vector);
        if (rc != GSL_SUCCESS)
            return gsl_fail(diag, "forming Q", rc);
        gsl_matrix_set_col(&o->q.matrix, j, &col.vector);
    }
    /* R^-1 */
    gsl_matrix_set_zero(&o->rinv.matrix);
    for (size_t i = 0; i < k; i++)
        for (size_t j = i; j < k; j++)
            gsl_matrix_set(&o->rinv.matrix, i, j, gsl_matrix_get(&o->qr.matrix, i, j));
    rc = gsl_linalg_tri_invert(CblasUpper, CblasNonUnit, &o->rinv.matrix);
    if (rc != GSL_SUCCESS)
        return gsl_fail(diag, "inverting R", rc);

    if (cluster && n_clusters > 0) {
        if (n_clusters > o->cl_cap) { /* blocks sized for k_max, so any k fits */
            size_t km = o->k_max;
            double *c = realloc(o->c_g, n_clusters * km * km * sizeof *c);
            if (c)
                o->c_g = c;
            double *s = realloc(o->s_g, n_clusters * km * sizeof *s);
            if (s)
                o->s_g = s;
            double *t = realloc(o->t_g, n_clusters * km * km * sizeof *t);
            if (t)
                o->t_g = t;
            if (!c || !s || !t)
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

/* One pass over the rows: leverages, the HC middles, and per cluster C_g and s_g. */
static void row_pass(upl_ols *o)
{
    size_t n = o->n, k = o->k, kk = o->k_max;
    gsl_matrix_set_zero(o->hc0);
    gsl_matrix_set_zero(o->hc2);
    gsl_matrix_set_zero(o->hc3);
    if (o->cluster) {
        memset(o->c_g, 0, o->n_clusters * k * k * sizeof *o->c_g);
        memset(o->s_g, 0, o->n_clusters * k * sizeof *o->s_g);
    }
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
        double ei = e[i * es], e2 = ei * ei;
        rank1_upper(o->hc0->data, kk, k, e2, qi);
        double one_minus_h = 1.0 - h;
        if (one_minus_h <= UPL_OLS_LEVERAGE_ONE_TOL) {
            if (o->hc23_defined)
                o->lev_one_row = i;
            o->hc23_defined = 0;
        } else {
            rank1_upper(o->hc2->data, kk, k, e2 / one_minus_h, qi);
            rank1_upper(o->hc3->data, kk, k, e2 / (one_minus_h * one_minus_h), qi);
        }
        if (o->cluster) {
            size_t g = o->cluster[i];
            rank1_upper(o->c_g + g * k * k, k, k, 1.0, qi);
            double *s = o->s_g + g * k;
            for (size_t j = 0; j < k; j++)
                s[j] += qi[j] * ei;
        }
    }
    symmetrize(o->hc0->data, kk, k);
    symmetrize(o->hc2->data, kk, k);
    symmetrize(o->hc3->data, kk, k);
    for (size_t g = 0; o->cluster && g < o->n_clusters; g++)
        symmetrize(o->c_g + g * k * k, k, k);
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

/* T_g = V diag(f(l)) V' with C_g = V diag(l) V', f(l) = (1 - l)^-1/2, or 0 where
 * 1 - l is at most the leverage-one cut-off (estimatr's pseudo-inverse). */
static upl_status cr2_transforms(upl_ols *o, upl_diag *diag)
{
    size_t k = o->k;
    gsl_matrix_view a = gsl_matrix_submatrix(o->m1, 0, 0, k, k);
    gsl_matrix_view v = gsl_matrix_submatrix(o->evec, 0, 0, k, k);
    gsl_vector_view l = gsl_vector_subvector(o->eval, 0, k);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc(k);
    if (!w)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    for (size_t g = 0; g < o->n_clusters; g++) {
        gsl_matrix_view cg = gsl_matrix_view_array(o->c_g + g * k * k, k, k);
        gsl_matrix_memcpy(&a.matrix, &cg.matrix);
        int rc = gsl_eigen_symmv(&a.matrix, &l.vector, &v.matrix, w);
        if (rc != GSL_SUCCESS) {
            gsl_eigen_symmv_free(w);
            return gsl_fail(diag, "eigen-decomposition", rc);
        }
        double *t = o->t_g + g * k * k;
        memset(t, 0, k * k * sizeof *t);
        for (size_t m = 0; m < k; m++) {
            double om = 1.0 - gsl_vector_get(&l.vector, m);
            if (om <= UPL_OLS_LEVERAGE_ONE_TOL)
                continue;
            double f = 1.0 / sqrt(om);
            for (size_t i = 0; i < k; i++) {
                double vi = f * gsl_matrix_get(&v.matrix, i, m);
                for (size_t j = 0; j < k; j++)
                    t[i * k + j] += vi * gsl_matrix_get(&v.matrix, j, m);
            }
        }
    }
    gsl_eigen_symmv_free(w);
    o->cr2_done = 1;
    return UPL_OK;
}

/* out = scale * R^-1 S R^-T, S symmetric k x k (in k_max storage when lda = k_max). */
static void sandwich(upl_ols *o, const double *s, size_t lda, double scale, gsl_matrix *out)
{
    size_t k = o->k;
    gsl_matrix_const_view sv = gsl_matrix_const_view_array_with_tda(s, k, k, lda);
    gsl_matrix_view tmp = gsl_matrix_submatrix(o->m2, 0, 0, k, k);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &o->rinv.matrix, &sv.matrix, 0.0, &tmp.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, scale, &tmp.matrix, &o->rinv.matrix, 0.0, out);
}

/* Satterthwaite df of coefficient p under CR2 (estimatr's formula, working model I):
 * with a = R^-T e_p, b_g = T_g a, z_g = C_g b_g and d_g = b_g'C_g b_g, the G x G matrix
 * P = diag(d) - Z'Z has df = tr(P)^2 / ||P||_F^2; ||Z'Z||_F = ||ZZ'||_F keeps it k x k. */
static double cr2_df(upl_ols *o, size_t p)
{
    size_t k = o->k;
    double *a = o->v1->data, *b = o->v2->data, *z = o->v3->data;
    double *zz = o->m2->data; /* k x k with tda k_max */
    size_t tda = o->k_max;
    for (size_t j = 0; j < k; j++)
        a[j] = gsl_matrix_get(&o->rinv.matrix, p, j);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            zz[i * tda + j] = 0.0;
    double trace = 0.0, diag_sq = 0.0, z4 = 0.0;
    for (size_t g = 0; g < o->n_clusters; g++) {
        const double *t = o->t_g + g * k * k, *c = o->c_g + g * k * k;
        for (size_t i = 0; i < k; i++) {
            double acc = 0.0;
            for (size_t j = 0; j < k; j++)
                acc += t[i * k + j] * a[j];
            b[i] = acc;
        }
        double d = 0.0, z2 = 0.0;
        for (size_t i = 0; i < k; i++) {
            double acc = 0.0;
            for (size_t j = 0; j < k; j++)
                acc += c[i * k + j] * b[j];
            z[i] = acc;
            d += b[i] * acc;
            z2 += acc * acc;
        }
        trace += d - z2;
        diag_sq += (d - z2) * (d - z2);
        z4 += z2 * z2;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                zz[i * tda + j] += z[i] * z[j];
    }
    double zz_f2 = 0.0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            zz_f2 += zz[i * tda + j] * zz[i * tda + j];
    double off = zz_f2 - z4;
    if (off < 0.0)
        off = 0.0; /* rounding: the off-diagonal sum of squares is non-negative */
    double frob = diag_sq + off;
    return trace * trace / frob;
}

upl_status upl_ols_vcov(upl_ols *o, upl_se_type type, gsl_matrix *vcov, gsl_vector *df,
                        int *defined, size_t *bad_row, upl_diag *diag)
{
    if (!o->fitted)
        return upl_diag_set(diag, UPL_INVALID, "no fitted model");
    size_t n = o->n, k = o->k, G = o->n_clusters;
    if (vcov->size1 != k || vcov->size2 != k || df->size != k)
        return upl_diag_set(diag, UPL_INVALID, "variance output must be %zu x %zu", k, k);
    int clustered = type == UPL_SE_CR0 || type == UPL_SE_CR1 || type == UPL_SE_CR2;
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
    switch (type) {
    case UPL_SE_CLASSICAL: {
        double ss = 0.0;
        gsl_blas_ddot(&o->resid.vector, &o->resid.vector, &ss);
        gsl_matrix_view id = gsl_matrix_submatrix(o->m1, 0, 0, k, k);
        gsl_matrix_set_identity(&id.matrix);
        sandwich(o, o->m1->data, o->k_max, ss / resid_df, vcov);
        gsl_vector_set_all(df, resid_df);
        break;
    }
    case UPL_SE_HC0:
    case UPL_SE_HC1:
        sandwich(o, o->hc0->data, o->k_max, type == UPL_SE_HC1 ? dn / resid_df : 1.0, vcov);
        gsl_vector_set_all(df, resid_df);
        break;
    case UPL_SE_HC2:
    case UPL_SE_HC3:
        if (!o->hc23_defined) {
            *defined = 0;
            if (bad_row)
                *bad_row = o->lev_one_row;
            gsl_matrix_set_all(vcov, NAN);
            gsl_vector_set_all(df, NAN);
            return UPL_OK;
        }
        sandwich(o, (type == UPL_SE_HC2 ? o->hc2 : o->hc3)->data, o->k_max, 1.0, vcov);
        gsl_vector_set_all(df, resid_df);
        break;
    case UPL_SE_CR0:
    case UPL_SE_CR1: {
        double *m = o->m1->data;
        size_t tda = o->k_max;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                m[i * tda + j] = 0.0;
        for (size_t g = 0; g < G; g++)
            rank1_upper(m, tda, k, 1.0, o->s_g + g * k);
        symmetrize(m, tda, k);
        double scale = type == UPL_SE_CR1 ? dg / (dg - 1.0) * (dn - 1.0) / resid_df : 1.0;
        sandwich(o, m, tda, scale, vcov);
        gsl_vector_set_all(df, dg - 1.0);
        break;
    }
    case UPL_SE_CR2: {
        if (!o->cr2_done) {
            upl_status st = cr2_transforms(o, diag);
            if (st != UPL_OK)
                return st;
        }
        /* middle: sum_g u_g u_g' with u_g = T_g s_g */
        double *m = o->m1->data;
        size_t tda = o->k_max;
        double *u = o->v1->data;
        for (size_t i = 0; i < k; i++)
            for (size_t j = 0; j < k; j++)
                m[i * tda + j] = 0.0;
        for (size_t g = 0; g < G; g++) {
            const double *t = o->t_g + g * k * k, *s = o->s_g + g * k;
            for (size_t i = 0; i < k; i++) {
                double acc = 0.0;
                for (size_t j = 0; j < k; j++)
                    acc += t[i * k + j] * s[j];
                u[i] = acc;
            }
            rank1_upper(m, tda, k, 1.0, u);
        }
        symmetrize(m, tda, k);
        sandwich(o, m, tda, 1.0, vcov);
        for (size_t p = 0; p < k; p++)
            gsl_vector_set(df, p, cr2_df(o, p));
        break;
    }
    default:
        return upl_diag_set(diag, UPL_INVALID, "no such standard-error type");
    }
    return UPL_OK;
}
