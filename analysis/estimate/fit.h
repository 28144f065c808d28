/* Internal to analysis/: one OLS fit with its variance under one standard-error type,
 * and the design helpers the secondary analyses share (subsets of the main design's
 * rows with their own clusters and participant fixed effects). */
#ifndef UPLIFT_ANALYSIS_FIT_H
#define UPLIFT_ANALYSIS_FIT_H

#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "uplift/analysis.h"
#include "uplift/ols.h"

/* R's lm (LINPACK dqrdc2) reports a column as aliased, its coefficient NA, when the part of
 * it orthogonal to the columns before it is shorter than this times the column's length
 * (upl_ols_alias_ratio).  uplift refuses such a design as it refuses an exactly rank
 * deficient one: the coefficient is then set by the last digits of the data (dropping
 * the column instead would change the model without being asked). */
#define UPL__ALIAS_TOL 1e-7

/* Above this 2-norm condition number of the design with unit-length columns
 * (upl_ols_condition), 1 / UPL__ALIAS_TOL, the main analysis warns: the design is as close
 * to rank deficient as R's tolerance allows a single column to be (a column below that
 * tolerance makes the condition number exceed it: s_min <= |R_jj| / |x_j| < UPL__ALIAS_TOL
 * and s_max >= 1). */
#define UPL__COND_WARN (1.0 / UPL__ALIAS_TOL)

/* After a successful upl_ols_fit(): UPL_NUMERIC when a column's ratio is below
 * UPL__ALIAS_TOL, with *bad_column (may be NULL) that column and diag the ratio; else
 * UPL_OK. */
upl_status upl__check_alias(const upl_ols *ols, size_t *bad_column, upl_diag *diag);

/* A fit and the variance of its coefficients under one type.  Zero-initialise; release
 * with upl__fit_release(). */
typedef struct upl__fit {
    upl_ols *ols;
    gsl_matrix *V;  /* n_df x n_df: the leading block */
    gsl_vector *df; /* n_df */
    int defined;
    size_t k;
} upl__fit;

/* Fits y = X b + e and computes the variance and degrees of freedom of the first n_df
 * coefficients (1 to k: the ones the caller reads; see ols.h for the cost) under type
 * (not AUTO).  A cluster type needs cluster (n rows, ids < G) and G >= 2.
 * On UPL_NUMERIC (rank deficient, or a column aliased by UPL__ALIAS_TOL) *bad_column (may
 * be NULL) names the dependent column.  diag says what failed. */
upl_status upl__fit_run(upl__fit *f, const gsl_matrix *X, const gsl_vector *y,
                        const size_t *cluster, size_t G, upl_se_type type, size_t n_df,
                        size_t *bad_column, upl_diag *diag);
void upl__fit_release(upl__fit *f);

/* Coefficient j (< the fit's n_df) of the last fit as an estimate (dist, level). */
void upl__fit_estimate(const upl__fit *f, size_t j, upl_dist dist, double level, upl_estimate *est);

/* Is the variance of coefficient j (< n_df) zero to working precision under the fit's
 * type (ols.h: upl_ols_vcov leaves it NAN while the type is defined)? */
int upl__fit_zero_variance(const upl__fit *f, size_t j);

/* Column of the covariate in the main design, or SIZE_MAX without one. */
size_t upl__design_cov_col(const upl_design *d);

/* Renumbers the clusters of design rows rows[0..m) consecutively in order of first
 * appearance: cl[i] for each of the m rows, *G the count.  d->cluster must be set. */
void upl__remap_clusters(const upl_design *d, const size_t *rows, size_t m, size_t *cl, size_t *G,
                         size_t *scratch /* d->n_clusters */);

/* Is t one of the cluster-robust types? */
int upl__is_cluster_type(upl_se_type t);

#endif

/* Index (into the dataset's arms) of the first non-control arm: effects[0]. */
size_t upl__first_arm(const upl_design *d);

/* Fills row r of X (at least 1 + lead + cov + FE columns wide) after the caller's lead
 * columns: X[r][col0] = covariate of design row j when cov_col != SIZE_MAX, then FE
 * dummies for clusters 1..G-1 (cl = the row's remapped cluster) when fe.  Returns the
 * number of columns written. */
size_t upl__fill_tail(const upl_design *d, size_t j, size_t cov_col, int fe, size_t cl, size_t G,
                      double *xrow, size_t col0);
