/* The wild cluster restricted bootstrap of every arm's effect in the main model
 * (include/uplift/secondary.h, include/uplift/wild.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "uplift/bootstrap.h"
#include "uplift/ols.h"
#include "uplift/secondary.h"
#include "uplift/wild.h"

upl_status upl_wild_estimate(const upl_dataset *ds, const upl_design *d, const upl_model_spec *spec,
                             const upl_secondary_spec *s, upl_wild_effect *out, upl_diag *why,
                             upl_diag *diag)
{
    upl_status rc = UPL_OK;
    upl_ols *ols = NULL;
    int first_failure = 1;
    for (size_t e = 0, a = 0; a < d->n_arms; a++) {
        if (a == d->control)
            continue;
        upl_wild_effect *w = &out[e++];
        memset(w, 0, sizeof *w);
        w->arm = ds->arms[a];
        w->p = w->ci_lo = w->ci_hi = w->pct_lo = w->pct_hi = NAN;
        w->weights = upl_wild_weights_name(s->wild_weights);
    }
    if (!d->cluster || d->n_clusters < 2)
        return upl_diag_set(diag, UPL_REFUSED,
                            "the wild cluster bootstrap resamples participants and needs at "
                            "least two; the data have %zu",
                            d->cluster ? d->n_clusters : 0);
    if (!(ols = upl_ols_alloc(d->n, d->k)))
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    if ((rc = upl_ols_fit(ols, d->X, d->y, d->cluster, d->n_clusters, NULL, diag)) != UPL_OK)
        goto cleanup;
    for (size_t e = 0, a = 0; a < d->n_arms; a++) {
        if (a == d->control)
            continue;
        upl_wild_effect *w = &out[e++];
        char key[512];
        snprintf(key, sizeof key, "wild:%s", ds->arms[a]);
        unsigned long seed = upl_boot_stream_seed(s->seed, upl_boot_stream_key(key));
        upl_wild_result r;
        upl_diag local = {0};
        rc = upl_wild_run(ols, d->X, d->cluster, d->n_clusters, d->arm_col[a], s->wild_bootstrap,
                          s->wild_weights, seed, spec->level, &r, &local);
        if (rc == UPL_NOMEM) {
            upl_diag_set(diag, rc, "%s", local.msg);
            goto cleanup;
        }
        if (rc != UPL_OK) {
            if (first_failure)
                upl_diag_set(why, rc, "%s", local.msg);
            first_failure = 0;
            rc = UPL_OK;
            continue;
        }
        w->p = r.p;
        w->ci_lo = r.ci_lo;
        w->ci_hi = r.ci_hi;
        /* an unbounded side has no percent bound (exp(-inf) - 1 = -100% would read as one) */
        w->pct_lo = isfinite(r.ci_lo) ? expm1(r.ci_lo) : NAN;
        w->pct_hi = isfinite(r.ci_hi) ? expm1(r.ci_hi) : NAN;
        w->replicates = r.replicates;
        w->enumerated = r.enumerated;
        w->seed = r.seed;
    }
cleanup:
    upl_ols_free(ols);
    return rc;
}
