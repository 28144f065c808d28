/* Compliance and the effect of AI use: two-stage least squares with assignment as the
 * instrument for ai_used, as estimatr::iv_robust (include/uplift/secondary.h).
 *
 * With Z the instruments and Xh = P_Z X the second-stage design, the 2SLS coefficients
 * b solve Xh'Xh b = Xh'y and the structural residual e = y - X b is orthogonal to Xh
 * (Xh'X = Xh'Xh).  So an OLS of y~ = Xh b + e on Xh has coefficients b and residuals
 * e exactly: every lm_robust variance of that fit (classical, HC0-3, CR0, stata, CR2
 * with its Satterthwaite df) is iv_robust's, which uses the second-stage design with
 * the residuals computed with the endogenous regressor. */
#include "uplift/secondary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"

upl_status upl_iv_estimate(const upl_dataset *ds, const upl_design *d, const upl_model_spec *spec,
                           upl_compliance *out, upl_diag *diag)
{
    upl_status rc = UPL_OK;
    size_t *rows = NULL, *cl = NULL, *scratch = NULL;
    gsl_matrix *Z = NULL, *Xh = NULL;
    gsl_vector *used = NULL, *y = NULL;
    upl__fit fs = {0}, ss = {0};
    memset(out, 0, sizeof *out);
    out->treated_nonuse = out->control_use = out->first_stage_f = NAN;
    out->first_stage_df1 = out->first_stage_df2 = NAN;
    upl_estimate_fill(&out->iv, NAN, NAN, NAN, spec->dist, spec->level);

    size_t arm1 = upl__first_arm(d);
    size_t nt = 0, nt_no = 0, nc = 0, nc_yes = 0, m = 0;
    rows = malloc((d->n ? d->n : 1) * sizeof *rows);
    if (!rows)
        goto nomem;
    for (size_t j = 0; j < d->n; j++) {
        size_t a = d->arm[j];
        int u = ds->ai_used[d->row[j]];
        if ((a != arm1 && a != d->control) || u == UPL_AI_USED_UNKNOWN)
            continue;
        rows[m++] = j;
        if (a == arm1) {
            nt++;
            nt_no += u == UPL_AI_USED_NO ? 1u : 0u;
        } else {
            nc++;
            nc_yes += u == UPL_AI_USED_YES ? 1u : 0u;
        }
    }
    if (m == 0) {
        rc = upl_diag_set(diag, UPL_NOTFOUND, "no analysed task records ai_used");
        goto done;
    }
    out->n = m;
    out->n_treated_known = nt;
    out->n_control_known = nc;
    out->treated_nonuse = nt ? (double)nt_no / (double)nt : NAN;
    out->control_use = nc ? (double)nc_yes / (double)nc : NAN;
    if (!nt || !nc) {
        rc = upl_diag_set(diag, UPL_REFUSED, "ai_used is recorded in one arm only");
        goto done;
    }

    size_t cov_col = upl__design_cov_col(d);
    int clustered = d->cluster != NULL;
    size_t G = 0;
    cl = calloc(m, sizeof *cl);
    scratch = malloc((d->n_clusters ? d->n_clusters : 1) * sizeof *scratch);
    if (!cl || !scratch)
        goto nomem;
    if (clustered)
        upl__remap_clusters(d, rows, m, cl, &G, scratch);
    int fe = spec->participant_fe && clustered;
    size_t k = 2 + (cov_col != SIZE_MAX ? 1u : 0u) + (fe && G > 1 ? G - 1 : 0);
    if (m <= k) {
        rc = upl_diag_set(diag, UPL_REFUSED, "%zu tasks with ai_used for %zu parameters", m, k);
        goto done;
    }
    Z = gsl_matrix_calloc(m, k);
    Xh = gsl_matrix_calloc(m, k);
    used = gsl_vector_alloc(m);
    y = gsl_vector_alloc(m);
    if (!Z || !Xh || !used || !y)
        goto nomem;
    for (size_t i = 0; i < m; i++) {
        size_t j = rows[i];
        double *z = Z->data + i * Z->tda;
        z[0] = 1.0;
        z[1] = d->arm[j] == arm1 ? 1.0 : 0.0;
        upl__fill_tail(d, j, cov_col, fe, cl[i], G, z, 2);
        gsl_vector_set(used, i, ds->ai_used[d->row[j]] == UPL_AI_USED_YES ? 1.0 : 0.0);
        gsl_vector_set(y, i, gsl_vector_get(d->y, j));
    }
    upl_se_type type = spec->se_type;
    if (upl__is_cluster_type(type) && (!clustered || G < 2)) {
        rc = upl_diag_set(diag, UPL_REFUSED, "%s needs two participants with ai_used recorded",
                          upl_se_type_name(type));
        goto done;
    }
    /* first stage: ai_used on the instruments */
    size_t bad = SIZE_MAX;
    upl_diag fd = {0}; /* the fit's own message, quoted in diag */
    rc = upl__fit_run(&fs, Z, used, cl, G, type, 2, &bad, &fd);
    if (rc != UPL_OK) {
        rc = upl_diag_set(diag, rc == UPL_NOMEM ? rc : UPL_REFUSED,
                          "the first stage cannot be estimated: %s", fd.msg);
        goto done;
    }
    double pi = gsl_vector_get(upl_ols_coef(fs.ols), 1);
    double vpi = fs.defined ? gsl_matrix_get(fs.V, 1, 1) : NAN;
    int exact_fit = nt_no == 0 && nc_yes == 0;
    out->first_stage_zero_variance = !exact_fit && upl__fit_zero_variance(&fs, 1);
    /* full compliance: ai_used is the assignment, the first stage fits exactly and F is
     * infinite (reported as undefined); the 2SLS then equals the ITT estimate */
    out->first_stage_f = vpi > 0.0 && !exact_fit ? pi * pi / vpi : NAN;
    out->first_stage_df1 = 1.0;
    out->first_stage_df2 = upl__is_cluster_type(type) ? (double)G - 1.0 : (double)(m - k);
    /* the second-stage design: Z with ai_used replaced by its fitted value */
    gsl_matrix_memcpy(Xh, Z);
    const gsl_vector *fres = upl_ols_resid(fs.ols);
    for (size_t i = 0; i < m; i++)
        gsl_matrix_set(Xh, i, 1, gsl_vector_get(used, i) - gsl_vector_get(fres, i));
    rc = upl__fit_run(&ss, Xh, y, cl, G, type, 2, &bad, &fd);
    if (rc != UPL_OK) {
        rc = upl_diag_set(diag, rc == UPL_NOMEM ? rc : UPL_REFUSED,
                          "the 2SLS cannot be estimated (assignment does not predict ai_used): %s",
                          fd.msg);
        goto done;
    }
    double b = gsl_vector_get(upl_ols_coef(ss.ols), 1);
    /* y~ = y - (used - fitted) b: same coefficients, structural residuals */
    for (size_t i = 0; i < m; i++)
        gsl_vector_set(y, i, gsl_vector_get(y, i) - gsl_vector_get(fres, i) * b);
    rc = upl__fit_run(&ss, Xh, y, cl, G, type, 2, &bad, diag);
    if (rc != UPL_OK)
        goto done;
    upl__fit_estimate(&ss, 1, spec->dist, spec->level, &out->iv);
    out->iv_zero_variance = upl__fit_zero_variance(&ss, 1);
    goto done;
nomem:
    rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
done:
    upl__fit_release(&fs);
    upl__fit_release(&ss);
    gsl_matrix_free(Z);
    gsl_matrix_free(Xh);
    gsl_vector_free(used);
    gsl_vector_free(y);
    free(rows);
    free(cl);
    free(scratch);
    return rc;
}
