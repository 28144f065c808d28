/* Links uplift_estimate alone (whole archive, with uplift_base and GSL): an OLS fit of
 * y = 1 + 2x through four points, exact. */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "uplift/ols.h"

int main(void)
{
    static const double x[] = {0, 1, 2, 3};
    gsl_matrix *X = gsl_matrix_alloc(4, 2);
    gsl_vector *y = gsl_vector_alloc(4);
    upl_ols *ols = upl_ols_alloc(4, 2);
    upl_diag diag = {0};
    int ok = 0;
    if (!X || !y || !ols)
        goto cleanup;
    for (size_t i = 0; i < 4; i++) {
        gsl_matrix_set(X, i, 0, 1.0);
        gsl_matrix_set(X, i, 1, x[i]);
        gsl_vector_set(y, i, 1.0 + 2.0 * x[i]);
    }
    if (upl_ols_fit(ols, X, y, NULL, 0, NULL, &diag) == UPL_OK) {
        const gsl_vector *b = upl_ols_coef(ols);
        ok = fabs(gsl_vector_get(b, 0) - 1.0) < 1e-12 && fabs(gsl_vector_get(b, 1) - 2.0) < 1e-12;
    }
cleanup:
    upl_ols_free(ols);
    gsl_vector_free(y);
    gsl_matrix_free(X);
    puts(ok ? "uplift_estimate links alone" : "uplift_estimate: wrong result");
    return ok ? 0 : 1;
}
