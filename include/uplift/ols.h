/* OLS and its standard errors, the definitions of R estimatr's lm_robust
 * (docs/analysis.md), and clubSandwich's CR3.
 *
 * The fit is a Householder QR of X (GSL), never the normal equations.  With the thin
 * factor X = QR every variance is a sandwich R^-1 S R^-T whose k x k middle S is
 * accumulated in one pass over the rows, so memory is O(n k + G k) (no per-cluster k x
 * k storage: fixed effects make k grow with G) and time O(n k^2 + G k^3) for n rows, k
 * columns and G clusters.  CR2 (and CR3, which squares its transforms) works per
 * cluster with the smaller of C_g = Q_g'Q_g (k x k) and H_gg = Q_g Q_g' (n_g x n_g),
 * m_g = min(n_g, k) square, never larger: (I - H_gg)^-1/2 Q_g = Q_g V_g diag((1 -
 * l_j)^-1/2) V_g' with C_g = V_g diag(l_j) V_g', and it keeps one such transform per
 * cluster, sum_g m_g^2 <= n k doubles (docs/analysis.md derives it and the CR2 degrees
 * of freedom).
 *
 * Usage: alloc once for the largest problem, fit, then ask for any number of variance
 * types; every result refers to the last successful fit. */
#ifndef UPLIFT_OLS_H
#define UPLIFT_OLS_H

#include <float.h>
#include <stddef.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "uplift/model.h"
#include "uplift/status.h"

/* An eigenvalue of I - H_gg (or 1 - h_ii) at or below this is zero: the row or
 * direction has leverage one.  estimatr's CR2 uses the same cut-off when it takes the
 * inverse square root of I - H_gg; using it too keeps uplift's CR2 equal to estimatr's
 * in the degenerate cases (a cluster whose own fixed effect fits it exactly). */
#define UPL_OLS_LEVERAGE_ONE_TOL 1e-12

/* A variance at or below this times its scale is zero to working precision
 * (upl_ols_vcov).  The scale of coefficient p is the classical variance it would have if
 * the residuals were as large as the outcomes, (y'y / (n - k)) |row p of R^-1|^2.  The
 * residuals e = y - Xb are computed to about DBL_EPSILON times |y| (times the growth of
 * the coefficients' terms x_ij b_j over y_i, large only in designs that R's tolerance
 * refuses), and so is every sandwich middle: where the exact variance is 0 the computed
 * one is about DBL_EPSILON^2 times the scale (a standard error of at most 5e-15 times
 * the scale's in the cases of docs/analysis.md).  DBL_EPSILON (a standard error below
 * sqrt(DBL_EPSILON) = 1.5e-8 times the scale's) leaves eight orders of magnitude for the
 * growth of rounding over long sums and through the CR2 and HC3 leverage transforms, and
 * lies seven orders below the standard errors of data: log times with a residual
 * standard deviation of a tenth of their size give a classical one 0.1 times the
 * scale's. */
#define UPL_OLS_ZERO_VARIANCE_TOL DBL_EPSILON

typedef struct upl_ols upl_ols;

/* Workspace for fits of up to n_max rows and k_max columns (n_max >= k_max >= 1).
 * NULL when out of memory.  _free(NULL) is a no-op. */
upl_ols *upl_ols_alloc(size_t n_max, size_t k_max);
void upl_ols_free(upl_ols *ols);

/* Fits y = X b + e.  X is n x k with k <= n <= n_max and k <= k_max.  cluster, when
 * not NULL, gives each row's cluster in [0, n_clusters) and is borrowed until the next
 * fit (cluster-robust types need it).
 * Errors: UPL_INVALID for sizes beyond the workspace or n <= k (no residual degrees of
 * freedom); UPL_NUMERIC when X is rank deficient, i.e. its smallest singular value is at
 * most max(n, k) * DBL_EPSILON times its largest (the rule of LAPACK-based rank
 * estimates); *bad_column (when not NULL) then names the column that weighs most in the
 * null direction.  The diag says which. */
upl_status upl_ols_fit(upl_ols *ols, const gsl_matrix *X, const gsl_vector *y,
                       const size_t *cluster, size_t n_clusters, size_t *bad_column,
                       upl_diag *diag);

/* Views of the last fit, owned by ols (valid until the next fit or free). */
const gsl_vector *upl_ols_coef(const upl_ols *ols);
const gsl_vector *upl_ols_resid(const upl_ols *ols);
size_t upl_ols_n(const upl_ols *ols);
size_t upl_ols_k(const upl_ols *ols);
size_t upl_ols_clusters(const upl_ols *ols);

/* Largest leverage h_ii = x_i'(X'X)^-1 x_i of the last fit and its row (NAN without a
 * fit).  Not const: the first call after a fit runs the row pass that later variance
 * requests reuse. */
double upl_ols_max_leverage(upl_ols *ols, size_t *row);

/* Variance of the first r coefficients (1 <= r <= k) for one type (not UPL_SE_AUTO):
 * caller-allocated vcov (r x r, the leading block of the k x k variance) and df (r: the
 * degrees of freedom of a t interval for each): classical and HC0-HC3 have n - k, CR0
 * and CR1 have G - 1, CR2 has the Bell-McCaffrey/Satterthwaite value of each
 * coefficient as estimatr computes it, CR3 the same Satterthwaite formula with its own
 * adjustment. Time is O(r k^2) for the sandwich plus, under CR2 and CR3, O(G k^2) per
 * df, hence the choice of r: put the coefficients to report first and nuisance terms
 * such as fixed effects last.  The first CR2 or CR3 request also keeps one min(n_g,
 * k)-square transform per cluster, at most n k doubles in all.
 * HC1 scales HC0 by n/(n-k); CR1 is estimatr's "stata": CR0 times G/(G-1) *
 * (n-1)/(n-k). CR3 is clubSandwich's vcovCR(type = "CR3"), the cluster jackknife
 * without a (G-1)/G factor: the middle sum_g X_g'(I - H_gg)^-1 e_g e_g'(I - H_gg)^-1
 * X_g, through the CR2 transforms squared (CR2 and CR3 share them).
 * *defined is 1 normally; 0 when the type is undefined on these data (HC2 or HC3 with a
 * row of leverage one: 0/0; CR3 when some I - H_gg is singular, i.e. has an eigenvalue
 * at or below UPL_OLS_LEVERAGE_ONE_TOL: the cluster's rows fit some direction of the
 * model exactly, as every participant's own dummy does under participant fixed
 * effects), in which case vcov and df are filled with NAN and *bad_row (when not NULL)
 * is that row (for CR3 the first row of the first such cluster).
 * With *defined 1, a coefficient p whose variance is zero to working precision (at most
 * UPL_OLS_ZERO_VARIANCE_TOL times its rounding scale, above) has no standard error
 * under this type: row and column p of vcov and df[p] are NAN, the other entries stand.
 * A zero middle does that, e.g. the cluster sums s_g of a coefficient that cancel
 * exactly: with participant fixed effects, an arm effect identified within a single
 * participant, or two clusters one of which its own fixed effect fits exactly (s_1 =
 * -s_2 = 0); and an exact fit zeroes every type.
 * Errors: UPL_INVALID without a fit, for UPL_SE_AUTO, for a cluster type when the fit
 * had no clusters; UPL_REFUSED for a cluster type with a single cluster; UPL_NUMERIC
 * when a GSL routine fails. */
upl_status upl_ols_vcov(upl_ols *ols, upl_se_type type, gsl_matrix *vcov, gsl_vector *df,
                        int *defined, size_t *bad_row, upl_diag *diag);

/* out = (X'X)^-1 v (k values each) for the last fit, as R^-1 (R^-T v) with the fit's
 * triangular factor: O(k^2), never the normal equations.  UPL_INVALID without a fit. */
upl_status upl_ols_xtx_solve(const upl_ols *ols, const double *v, double *out, upl_diag *diag);

/* Collinearity of the last fit's design, measured on its columns scaled to unit length,
 * X D^-1 with D = diag(|x_j|) (the scaling of R's kappa() and of Belsley's condition
 * indexes), whose triangular factor is R D^-1.
 *
 * upl_ols_alias_ratio: |R_jj| / |x_j|, the length of the part of column j orthogonal to
 * the columns before it relative to the column's own length (1 for orthogonal columns),
 * of the column *column (when not NULL): the first column whose ratio is below tol, or,
 * when none is, the column with the smallest ratio.  R's lm (LINPACK dqrdc2 with
 * tol = 1e-7) reports the coefficient of the first column below its tol as NA.  O(k);
 * NAN without a fit.
 *
 * upl_ols_condition: *cond is the 2-norm condition number s_max / s_min of X D^-1 when it
 * exceeds cond_max, else a value at most cond_max (an upper bound of it).  The exact value
 * costs an O(k^3) SVD, run only when the O(k^2) bound
 *   min(sqrt(k), sqrt(|A|_1 |A|_inf)) * min(|A^-1|_F, sqrt(|A^-1|_1 |A^-1|_inf)),
 * A = R D^-1, exceeds cond_max (with fixed effects k is in the thousands).
 * Errors: UPL_INVALID without a fit, UPL_NUMERIC when the SVD fails. */
double upl_ols_alias_ratio(const upl_ols *ols, double tol, size_t *column);
upl_status upl_ols_condition(upl_ols *ols, double cond_max, double *cond, upl_diag *diag);

#endif
