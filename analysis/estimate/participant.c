/* Per-participant effects and the share of participants slowed down
 * (include/uplift/secondary.h). */
#include "uplift/secondary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fit.h"

upl_status upl_per_participant(const upl_design *d, const upl_model_spec *spec,
                               upl_participant_effect **out, size_t *n_out, size_t *estimated,
                               size_t *slowdown, upl_diag *diag)
{
    upl_status rc = UPL_OK;
    *out = NULL;
    *n_out = *estimated = *slowdown = 0;
    if (!d->cluster)
        return upl_diag_set(diag, UPL_NOTFOUND, "tasks without participants");
    size_t G = d->n_clusters, arm1 = upl__first_arm(d), cov_col = upl__design_cov_col(d);
    upl_participant_effect *pe = calloc(G, sizeof *pe);
    size_t *rows = malloc(d->n * sizeof *rows), *nt = calloc(G, sizeof *nt),
           *nc = calloc(G, sizeof *nc);
    gsl_matrix *X = NULL;
    gsl_vector *y = NULL;
    upl__fit fit = {0};
    size_t *start = calloc(G + 1, sizeof *start), *idx = malloc(d->n * sizeof *idx);
    if (!pe || !rows || !nt || !nc || !start || !idx)
        goto nomem;
    /* the rows of each participant (counting sort) */
    for (size_t j = 0; j < d->n; j++)
        start[d->cluster[j] + 1]++;
    for (size_t g = 0; g < G; g++)
        start[g + 1] += start[g];
    for (size_t j = 0; j < d->n; j++)
        idx[start[d->cluster[j]] + nc[d->cluster[j]]++] = j;
    memset(nc, 0, G * sizeof *nc);
    for (size_t j = 0; j < d->n; j++) {
        if (d->arm[j] == arm1)
            nt[d->cluster[j]]++;
        else if (d->arm[j] == d->control)
            nc[d->cluster[j]]++;
    }
    for (size_t g = 0; g < G; g++) {
        upl_participant_effect *o = &pe[g];
        o->participant = d->cluster_name[g];
        o->n = nt[g] + nc[g];
        o->pct = o->pct_lo = o->pct_hi = NAN;
        if (!nt[g] || !nc[g])
            continue;
        size_t m = 0;
        for (size_t t = start[g]; t < start[g + 1]; t++)
            if (d->arm[idx[t]] == arm1 || d->arm[idx[t]] == d->control)
                rows[m++] = idx[t];
        size_t k = cov_col != SIZE_MAX && m >= 4 ? 3 : 2;
        if (m <= k) {
            /* one task in each arm (m = k = 2): the estimate is the difference of their
             * log times, with no degree of freedom left for an interval */
            double diff = 0.0;
            for (size_t i = 0; i < m; i++)
                diff += (d->arm[rows[i]] == arm1 ? 1.0 : -1.0) * gsl_vector_get(d->y, rows[i]);
            o->pct = exp(diff) - 1.0;
            (*estimated)++;
            if (diff > 0.0)
                (*slowdown)++;
            continue;
        }
        gsl_matrix_free(X);
        gsl_vector_free(y);
        X = gsl_matrix_alloc(m, k);
        y = gsl_vector_alloc(m);
        if (!X || !y)
            goto nomem;
        for (size_t i = 0; i < m; i++) {
            size_t j = rows[i];
            gsl_matrix_set(X, i, 0, 1.0);
            gsl_matrix_set(X, i, 1, d->arm[j] == arm1 ? 1.0 : 0.0);
            if (k == 3)
                gsl_matrix_set(X, i, 2, gsl_matrix_get(d->X, j, cov_col));
            gsl_vector_set(y, i, gsl_vector_get(d->y, j));
        }
        upl_diag fd = {0};
        if (upl__fit_run(&fit, X, y, NULL, 0, UPL_SE_CLASSICAL, 2, NULL, &fd) != UPL_OK)
            continue; /* e.g. a constant covariate within the participant */
        upl_estimate e;
        upl__fit_estimate(&fit, 1, UPL_DIST_T, spec->level, &e);
        o->pct = e.pct;
        o->pct_lo = e.pct_lo;
        o->pct_hi = e.pct_hi;
        (*estimated)++;
        if (e.coef > 0.0)
            (*slowdown)++;
    }
    *out = pe;
    *n_out = G;
    pe = NULL;
    goto done;
nomem:
    rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
done:
    upl__fit_release(&fit);
    gsl_matrix_free(X);
    gsl_vector_free(y);
    free(pe);
    free(rows);
    free(nt);
    free(nc);
    free(start);
    free(idx);
    return rc;
}
