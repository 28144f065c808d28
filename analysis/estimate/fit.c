/* One OLS fit under one standard-error type, and design helpers for the secondary
 * analyses (see fit.h). */
#include "fit.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

int upl__is_cluster_type(upl_se_type t)
{
    return upl_se_type_clustered(t);
}

upl_status upl__check_alias(const upl_ols *ols, size_t *bad_column, upl_diag *diag)
{
    size_t col = 0;
    double ratio = upl_ols_alias_ratio(ols, UPL__ALIAS_TOL, &col);
    if (!(ratio < UPL__ALIAS_TOL))
        return UPL_OK;
    if (bad_column)
        *bad_column = col;
    return upl_diag_set(diag, UPL_NUMERIC,
                        "column %zu is a combination of the columns before it to within %.2g "
                        "of its length (below %g, R's lm reports its coefficient as NA)",
                        col + 1, ratio, UPL__ALIAS_TOL);
}

void upl__fit_release(upl__fit *f)
{
    if (!f)
        return;
    upl_ols_free(f->ols);
    gsl_matrix_free(f->V);
    gsl_vector_free(f->df);
    memset(f, 0, sizeof *f);
}

upl_status upl__fit_run(upl__fit *f, const gsl_matrix *X, const gsl_vector *y,
                        const size_t *cluster, size_t G, upl_se_type type, size_t n_df,
                        size_t *bad_column, upl_diag *diag)
{
    size_t n = X->size1, k = X->size2;
    upl__fit_release(f);
    if (n_df < 1 || n_df > k)
        return upl_diag_set(diag, UPL_INVALID, "degrees of freedom for %zu of %zu coefficients",
                            n_df, k);
    if (upl__is_cluster_type(type) && (!cluster || G < 2))
        return upl_diag_set(diag, UPL_REFUSED, "%s needs at least two clusters",
                            upl_se_type_name(type));
    f->ols = upl_ols_alloc(n > k ? n : k + 1, k);
    f->V = gsl_matrix_alloc(n_df, n_df);
    f->df = gsl_vector_alloc(n_df);
    f->k = k;
    if (!f->ols || !f->V || !f->df) {
        upl__fit_release(f);
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    }
    upl_status rc = upl_ols_fit(f->ols, X, y, upl__is_cluster_type(type) ? cluster : NULL,
                                upl__is_cluster_type(type) ? G : 0, bad_column, diag);
    if (rc == UPL_OK)
        rc = upl__check_alias(f->ols, bad_column, diag);
    if (rc == UPL_OK)
        rc = upl_ols_vcov(f->ols, type, f->V, f->df, &f->defined, NULL, diag);
    if (rc != UPL_OK)
        upl__fit_release(f);
    return rc;
}

void upl__fit_estimate(const upl__fit *f, size_t j, upl_dist dist, double level, upl_estimate *est)
{
    double b = gsl_vector_get(upl_ols_coef(f->ols), j);
    upl_estimate_fill(est, b, f->defined ? gsl_matrix_get(f->V, j, j) : NAN,
                      f->defined ? gsl_vector_get(f->df, j) : NAN, dist, level);
}

int upl__fit_zero_variance(const upl__fit *f, size_t j)
{
    return f->defined && isnan(gsl_matrix_get(f->V, j, j));
}

size_t upl__design_cov_col(const upl_design *d)
{
    size_t col = d->n_arms; /* intercept + (n_arms - 1) arm columns */
    if (col < d->k && d->term[col] && strncmp(d->term[col], "participant_", 12) != 0)
        return col;
    return SIZE_MAX;
}

void upl__remap_clusters(const upl_design *d, const size_t *rows, size_t m, size_t *cl, size_t *G,
                         size_t *scratch)
{
    for (size_t g = 0; g < d->n_clusters; g++)
        scratch[g] = SIZE_MAX;
    size_t next = 0;
    for (size_t i = 0; i < m; i++) {
        size_t g = d->cluster[rows[i]];
        if (scratch[g] == SIZE_MAX)
            scratch[g] = next++;
        cl[i] = scratch[g];
    }
    *G = next;
}

size_t upl__first_arm(const upl_design *d)
{
    for (size_t a = 0; a < d->n_arms; a++)
        if (a != d->control)
            return a;
    return SIZE_MAX;
}

size_t upl__fill_tail(const upl_design *d, size_t j, size_t cov_col, int fe, size_t cl, size_t G,
                      double *xrow, size_t col0)
{
    size_t c = col0;
    if (cov_col != SIZE_MAX)
        xrow[c++] = gsl_matrix_get(d->X, j, cov_col);
    if (fe) {
        for (size_t g = 1; g < G; g++)
            xrow[c + g - 1] = cl == g ? 1.0 : 0.0;
        c += G > 0 ? G - 1 : 0;
    }
    return c - col0;
}
