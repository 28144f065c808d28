/* Self-reported against measured time (include/uplift/secondary.h): the geometric mean
 * of reported/measured with a cluster-robust interval, Bland-Altman limits on the log
 * scale, the correlation of the logs, and the main effect on each outcome over the same
 * tasks. */
#include "uplift/secondary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#include "fit.h"

/* The main model's first effect with outcome o on the rows keep[] of ds (a shallow
 * copy of the dataset whose status marks the others excluded). */
static void effect_on(const upl_dataset *ds, const upl_model_spec *spec, upl_outcome o,
                      upl_task_status *status, upl_estimate *est)
{
    upl_dataset view = *ds;
    view.status = status;
    upl_model_spec sp = *spec;
    sp.outcome = o;
    upl_analysis_result r;
    upl_diag diag = {0};
    upl_estimate_fill(est, NAN, NAN, NAN, spec->dist, spec->level);
    if (upl_analysis_run(&view, &sp, &r, &diag) != UPL_OK)
        return;
    if (r.n_effects > 0)
        *est = r.effects[0].est;
    upl_analysis_result_release(&r);
}

upl_status upl_agreement_estimate(const upl_dataset *ds, const upl_model_spec *spec,
                                  upl_agreement *out, upl_diag *diag)
{
    upl_status rc = UPL_OK;
    upl_design d;
    double *lr = NULL, *lm = NULL, *lp = NULL;
    size_t *rows = NULL, *cl = NULL, *scratch = NULL;
    upl_task_status *status = NULL;
    gsl_matrix *X = NULL;
    gsl_vector *y = NULL;
    upl__fit fit = {0};
    memset(out, 0, sizeof *out);
    out->ratio = out->ratio_lo = out->ratio_hi = out->loa_lo = out->loa_hi = out->r = NAN;
    upl_estimate_fill(&out->effect_measured, NAN, NAN, NAN, spec->dist, spec->level);
    out->effect_reported = out->effect_measured;
    /* the main design gives the analysed tasks and their participants */
    if ((rc = upl_design_build(&d, ds, spec, diag)) != UPL_OK)
        return rc;
    size_t n = d.n;
    lr = malloc(n * sizeof *lr);
    lm = malloc(n * sizeof *lm);
    lp = malloc(n * sizeof *lp);
    rows = malloc(n * sizeof *rows);
    cl = calloc(n, sizeof *cl);
    scratch = malloc((d.n_clusters ? d.n_clusters : 1) * sizeof *scratch);
    status = malloc((ds->n ? ds->n : 1) * sizeof *status);
    if (!lr || !lm || !lp || !rows || !cl || !scratch || !status)
        goto nomem;
    for (size_t i = 0; i < ds->n; i++)
        status[i] = UPL_TASK_EXCLUDED;
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = d.row[j];
        double rep = ds->reported_min[i], mea = ds->measured_min[i];
        if (!(isfinite(rep) && isfinite(mea) && rep > 0.0 && mea > 0.0))
            continue;
        lr[m] = log(rep);
        lm[m] = log(mea);
        lp[m] = lr[m] - lm[m];
        rows[m++] = j;
        status[i] = ds->status[i];
    }
    out->n = m;
    if (m < 3) {
        rc = upl_diag_set(diag, UPL_NOTFOUND,
                          "%zu analysed task%s with both measured and reported time", m,
                          m == 1 ? "" : "s");
        goto done;
    }
    double mean = gsl_stats_mean(lp, 1, m);
    double sd = gsl_stats_sd_m(lp, 1, m, mean);
    double z = gsl_cdf_ugaussian_Pinv(0.975);
    out->ratio = exp(mean);
    out->loa_lo = exp(mean - z * sd);
    out->loa_hi = exp(mean + z * sd);
    out->r = gsl_stats_correlation(lr, 1, lm, 1, m);
    /* the interval of the mean log ratio: intercept-only regression under the SE type */
    size_t G = 0;
    if (d.cluster)
        upl__remap_clusters(&d, rows, m, cl, &G, scratch);
    X = gsl_matrix_alloc(m, 1);
    y = gsl_vector_alloc(m);
    if (!X || !y)
        goto nomem;
    gsl_matrix_set_all(X, 1.0);
    for (size_t i = 0; i < m; i++)
        gsl_vector_set(y, i, lp[i]);
    upl_se_type type = spec->se_type;
    if (upl__is_cluster_type(type) && G < 2)
        type = UPL_SE_HC2;
    upl_diag fd = {0};
    if (upl__fit_run(&fit, X, y, cl, G, type, 1, NULL, &fd) == UPL_OK) {
        upl_estimate e;
        upl__fit_estimate(&fit, 0, spec->dist, spec->level, &e);
        out->ratio_lo = exp(e.ci_lo);
        out->ratio_hi = exp(e.ci_hi);
        out->ratio_zero_variance = upl__fit_zero_variance(&fit, 0);
    }
    effect_on(ds, spec, UPL_OUTCOME_MEASURED, status, &out->effect_measured);
    effect_on(ds, spec, UPL_OUTCOME_INITIAL, status, &out->effect_reported);
    goto done;
nomem:
    rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
done:
    upl__fit_release(&fit);
    gsl_matrix_free(X);
    gsl_vector_free(y);
    free(lr);
    free(lm);
    free(lp);
    free(rows);
    free(cl);
    free(scratch);
    free(status);
    upl_design_release(&d);
    return rc;
}
