/* The main analysis: fit, every variance of the panel, the effects and the warnings. */
#include "uplift/analysis.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "uplift/ols.h"

#include "fit.h"
#include "printable.h"

/* Below this many clusters cluster-robust inference without small-sample correction is
 * known to over-reject (Cameron and Miller 2015, section VI): the warning threshold of
 * the issue. */
#define UPL_FEW_CLUSTERS 30

void upl_estimate_fill(upl_estimate *est, double coef, double var, double df, upl_dist dist,
                       double level)
{
    est->coef = coef;
    est->df = dist == UPL_DIST_T ? df : NAN;
    if (isnan(var) || var < 0.0 || isnan(coef) || (dist == UPL_DIST_T && !(df > 0.0))) {
        est->defined = 0;
        est->se = est->stat = est->p = est->ci_lo = est->ci_hi = NAN;
        est->pct = expm1(coef);
        est->pct_lo = est->pct_hi = NAN;
        return;
    }
    est->defined = 1;
    est->se = sqrt(var);
    est->stat = coef / est->se;
    double tail = (1.0 - level) / 2.0, q;
    if (dist == UPL_DIST_T) {
        q = gsl_cdf_tdist_Qinv(tail, df);
        est->p = 2.0 * gsl_cdf_tdist_Q(fabs(est->stat), df);
    } else {
        q = gsl_cdf_ugaussian_Qinv(tail);
        est->p = 2.0 * gsl_cdf_ugaussian_Q(fabs(est->stat));
    }
    est->ci_lo = coef - q * est->se;
    est->ci_hi = coef + q * est->se;
    est->pct = expm1(coef);
    est->pct_lo = expm1(est->ci_lo);
    est->pct_hi = expm1(est->ci_hi);
}

/* Appends a copy of text as a warning with its reason. */
static upl_status add_warning(upl_analysis_result *res, upl_reason reason, const char *text)
{
    char **grown = realloc(res->warnings, (res->n_warnings + 1) * sizeof *grown);
    if (!grown)
        return UPL_NOMEM;
    res->warnings = grown;
    upl_reason *grown_reasons =
        realloc(res->warning_reasons, (res->n_warnings + 1) * sizeof *grown_reasons);
    if (!grown_reasons)
        return UPL_NOMEM;
    res->warning_reasons = grown_reasons;
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    if (!copy)
        return UPL_NOMEM;
    memcpy(copy, text, len);
    res->warning_reasons[res->n_warnings] = reason;
    res->warnings[res->n_warnings++] = copy;
    return UPL_OK;
}

upl_status upl_analysis_warn(upl_analysis_result *res, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return add_warning(res, UPL_REASON_NONE, buf);
}

upl_status upl_analysis_warn_why(upl_analysis_result *res, upl_reason reason, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return add_warning(res, reason, buf);
}

upl_status upl_analysis_warning_append(upl_analysis_result *res, size_t i, const char *text)
{
    if (i >= res->n_warnings)
        return UPL_INVALID;
    size_t old = strlen(res->warnings[i]), len = strlen(text);
    char *grown = realloc(res->warnings[i], old + len + 1);
    if (!grown)
        return UPL_NOMEM;
    memcpy(grown + old, text, len + 1);
    res->warnings[i] = grown;
    return UPL_OK;
}

void upl_analysis_result_release(upl_analysis_result *res)
{
    if (!res)
        return;
    if (res->term)
        for (size_t j = 0; j < res->k; j++)
            free(res->term[j]);
    free(res->term);
    free(res->coef);
    free(res->effects);
    free(res->panel);
    free(res->ratio_of_means);
    if (res->perception) /* issue 6: the predictions' group names */
        for (size_t i = 0; i < res->perception->n_predictions; i++)
            free(res->perception->predictions[i].group);
    if (res->perception)
        free(res->perception->predictions);
    free(res->perception);
    free(res->agreement);
    free(res->randomization_inference);
    free(res->per_participant);
    if (res->subgroups)
        free(res->subgroups->levels);
    free(res->subgroups);
    free(res->compliance);
    free(res->wild_bootstrap);
    for (size_t i = 0; i < res->n_warnings; i++)
        free(res->warnings[i]);
    free(res->warnings);
    free(res->warning_reasons);
    memset(res, 0, sizeof *res);
}

static int is_cluster_type(upl_se_type t)
{
    return upl_se_type_clustered(t);
}

static upl_status warn_panel(upl_analysis_result *res, const upl_dataset *ds)
{
    double alpha = 1.0 - res->spec.level;
    for (size_t e = 0; e < res->n_effects; e++) {
        char yes[512] = "", no[512] = "", arm[UPL_PRINTABLE_SIZE];
        size_t ny = 0, nn = 0;
        for (size_t i = 0; i < res->n_panel; i++) {
            const upl_panel_entry *pe = &res->panel[i];
            if (pe->effect != e || !pe->est.defined)
                continue;
            int sig = pe->est.p < alpha;
            char *buf = sig ? yes : no;
            size_t *cnt = sig ? &ny : &nn;
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof yes - len, "%s%s/%s", *cnt ? ", " : "",
                     upl_se_type_name(pe->se_type), upl_dist_name(pe->dist));
            (*cnt)++;
        }
        if (ny && nn) {
            upl_status rc = upl_analysis_warn(
                res,
                "arm '%s': the conclusion at the %g%% level depends on the standard error: "
                "the effect is significant under %s but not under %s",
                upl__printable(res->effects[e].arm, arm, sizeof arm), 100.0 * res->spec.level, yes,
                no);
            if (rc != UPL_OK)
                return rc;
        }
    }
    (void)ds;
    return UPL_OK;
}

/* Appends name to the list in buf ("a, b, c"). */
static void list_add(char *buf, size_t size, const char *name)
{
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
}

/* Types whose variance of the effect's coefficient is zero to working precision (upl_ols_vcov
 * leaves it NAN): for each effect, which types are refused and which still apply; then the
 * other reported coefficients under the chosen type. */
static upl_status warn_zero_variance(upl_analysis_result *res, const upl_design *d,
                                     gsl_matrix *const *vcov, const int *defined)
{
    upl_se_type chosen = res->spec.se_type;
    char arm[UPL_PRINTABLE_SIZE];
    for (size_t e = 0, a = 0; a < d->n_arms; a++) {
        if (a == d->control)
            continue;
        size_t col = d->arm_col[a];
        char zero[128] = "", apply[128] = "";
        for (int t = 0; t < UPL_SE_TYPE_COUNT; t++) {
            if (!vcov[t] || !defined[t])
                continue; /* not computed, or undefined: warned elsewhere */
            list_add(isnan(gsl_matrix_get(vcov[t], col, col)) ? zero : apply, sizeof zero,
                     upl_se_type_name((upl_se_type)t));
        }
        if (*zero) {
            int primary =
                vcov[chosen] && defined[chosen] && isnan(gsl_matrix_get(vcov[chosen], col, col));
            char chosen_part[160] = "";
            if (primary)
                snprintf(chosen_part, sizeof chosen_part,
                         ", and so for the effect itself: the chosen type is %s (its coef and pct "
                         "stand, its interval is null)",
                         upl_se_type_name(chosen));
            upl_status rc = upl_analysis_warn(
                res,
                "arm '%s': the variance of the effect is zero to working precision under %s "
                "(a standard error below %.2g times the classical one of residuals as large as "
                "the outcomes: rounding noise; the residuals that identify the effect cancel "
                "within each cluster or vanish, e.g. with participant fixed effects when a single "
                "participant has tasks in both arms, or a participant fitted exactly by their "
                "own fixed effect): se, ci and p are null for %s%s; %s %s",
                upl__printable(res->effects[e].arm, arm, sizeof arm), zero,
                sqrt(UPL_OLS_ZERO_VARIANCE_TOL), strchr(zero, ',') ? "those types" : "that type",
                chosen_part, *apply ? apply : "no standard-error type",
                !*apply              ? "applies"
                : strchr(apply, ',') ? "still apply"
                                     : "still applies");
            if (rc != UPL_OK)
                return rc;
        }
        e++;
    }
    char terms[512] = "";
    size_t nz = 0;
    for (size_t j = 0; j < res->k; j++) {
        int is_arm = 0;
        for (size_t a = 0; a < d->n_arms; a++)
            is_arm |= d->arm_col[a] == j;
        if (is_arm || !defined[chosen] || !isnan(gsl_matrix_get(vcov[chosen], j, j)))
            continue;
        char shown[UPL_PRINTABLE_SIZE + 2];
        snprintf(shown, sizeof shown, "'%s'", res->term[j]);
        list_add(terms, sizeof terms, shown);
        nz++;
    }
    if (nz)
        return upl_analysis_warn(res,
                                 "%s %s: the %s variance is zero to working precision: se, ci "
                                 "and p null in coefficients",
                                 nz == 1 ? "coefficient" : "coefficients", terms,
                                 upl_se_type_name(chosen));
    return UPL_OK;
}

upl_status upl_analysis_run(const upl_dataset *ds, const upl_model_spec *spec,
                            upl_analysis_result *res, upl_diag *diag)
{
    upl_design d;
    upl_ols *ols = NULL;
    gsl_matrix *vcov[UPL_SE_TYPE_COUNT] = {NULL};
    gsl_vector *df[UPL_SE_TYPE_COUNT] = {NULL};
    int defined[UPL_SE_TYPE_COUNT] = {0};
    size_t bad_row[UPL_SE_TYPE_COUNT] = {0};
    upl_status rc;
    char buf[UPL_PRINTABLE_SIZE];

    memset(res, 0, sizeof *res);
    rc = upl_design_build(&d, ds, spec, diag);
    if (rc != UPL_OK)
        return rc;
    res->spec = *spec;
    res->control_arm = ds->arms[ds->control];
    int have_clusters = d.cluster != NULL && d.n_clusters >= 2;
    if (spec->se_type == UPL_SE_AUTO)
        res->spec.se_type = have_clusters ? UPL_SE_CR2 : UPL_SE_HC2;
    upl_se_type chosen = res->spec.se_type;
    if (is_cluster_type(chosen) && !d.cluster) {
        const char *t = ds->task_id[d.no_participant_row];
        rc = upl_diag_set_why(
            diag, UPL_REFUSED, UPL_REASON_NO_CLUSTERS, 0, 0,
            "%s standard errors cluster by participant, but task '%s' has no "
            "participant",
            upl_se_type_name(chosen),
            t && *t ? upl__printable(t, buf, sizeof buf)
                    : (snprintf(buf, sizeof buf, "#%zu", d.no_participant_row + 1), buf));
        goto fail;
    }
    if (is_cluster_type(chosen) && d.n_clusters < 2) {
        rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_NO_CLUSTERS, 0, 0,
                              "%s standard errors need at least two clusters (participants), and "
                              "the data have %zu",
                              upl_se_type_name(chosen), d.n_clusters);
        goto fail;
    }

    ols = upl_ols_alloc(d.n, d.k);
    if (!ols) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory for %zu x %zu regression", d.n, d.k);
        goto fail;
    }
    size_t bad_col = 0;
    rc = upl_ols_fit(ols, d.X, d.y, d.cluster, d.n_clusters, &bad_col, diag);
    if (rc == UPL_NUMERIC && bad_col < d.k) {
        rc = upl_diag_set(
            diag, UPL_REFUSED,
            "the model cannot be estimated: its columns are linearly dependent "
            "('%s' is a combination of the others, e.g. a participant who only "
            "worked in one arm under participant fixed effects, or a constant covariate)",
            d.term[bad_col]);
        goto fail;
    }
    if (rc != UPL_OK)
        goto fail;
    /* near rank deficiency: R's tolerance refuses, the condition number warns (fit.h) */
    double cond = NAN;
    if ((rc = upl_ols_condition(ols, UPL__COND_WARN, &cond, diag)) != UPL_OK)
        goto fail;
    double alias = upl_ols_alias_ratio(ols, UPL__ALIAS_TOL, &bad_col);
    if (alias < UPL__ALIAS_TOL) {
        rc = upl_diag_set(diag, UPL_REFUSED,
                          "the model cannot be estimated: '%s' is a combination of the columns "
                          "before it to within %.2g of its length (condition number %.3g with "
                          "columns scaled to unit length; R's lm reports a column below %g as "
                          "NA), e.g. a covariate that barely varies, or barely varies within "
                          "participants under participant fixed effects",
                          upl__printable(d.term[bad_col], buf, sizeof buf), alias, cond,
                          UPL__ALIAS_TOL);
        goto fail;
    }

    res->n = d.n;
    res->k = d.k - d.n_fe;
    res->n_fe = d.n_fe;
    res->clusters = d.cluster ? d.n_clusters : 0;
    res->counts = d.counts;
    size_t lev_row = 0;
    res->max_leverage = upl_ols_max_leverage(ols, &lev_row);

    for (int t = 0; t < UPL_SE_TYPE_COUNT; t++) {
        if (is_cluster_type((upl_se_type)t) && !have_clusters)
            continue;
        /* no variances for the fixed effects: see ols.h */
        vcov[t] = gsl_matrix_alloc(res->k, res->k);
        df[t] = gsl_vector_alloc(res->k);
        if (!vcov[t] || !df[t]) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto fail;
        }
        rc = upl_ols_vcov(ols, (upl_se_type)t, vcov[t], df[t], &defined[t], &bad_row[t], diag);
        if (rc != UPL_OK)
            goto fail;
    }

    res->term = calloc(res->k, sizeof *res->term);
    res->coef = calloc(res->k, sizeof *res->coef);
    res->n_effects = d.n_arms - 1;
    res->effects = calloc(res->n_effects, sizeof *res->effects);
    res->n_panel = (size_t)UPL_SE_TYPE_COUNT * 2 * res->n_effects;
    res->panel = calloc(res->n_panel, sizeof *res->panel);
    if (!res->term || !res->coef || !res->effects || !res->panel) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto fail;
    }
    const gsl_vector *b = upl_ols_coef(ols);
    for (size_t j = 0; j < res->k; j++) {
        res->term[j] = d.term[j];
        d.term[j] = NULL;
        upl_estimate_fill(&res->coef[j], gsl_vector_get(b, j),
                          defined[chosen] ? gsl_matrix_get(vcov[chosen], j, j) : NAN,
                          defined[chosen] ? gsl_vector_get(df[chosen], j) : NAN, res->spec.dist,
                          res->spec.level);
    }
    size_t e = 0;
    for (size_t a = 0; a < d.n_arms; a++) {
        if (a == d.control)
            continue;
        res->effects[e].arm = ds->arms[a];
        res->effects[e].n_arm = d.arm_n[a];
        res->effects[e].est = res->coef[d.arm_col[a]];
        e++;
    }
    size_t p = 0;
    for (int t = 0; t < UPL_SE_TYPE_COUNT; t++) {
        for (int z = 0; z < 2; z++) {
            upl_dist dist = z == 0 ? UPL_DIST_Z : UPL_DIST_T;
            for (size_t ef = 0, a = 0; a < d.n_arms; a++) {
                if (a == d.control)
                    continue;
                size_t col = d.arm_col[a];
                upl_panel_entry *pe = &res->panel[p++];
                pe->se_type = (upl_se_type)t;
                pe->dist = dist;
                pe->effect = ef++;
                int ok = vcov[t] && defined[t];
                upl_estimate_fill(&pe->est, gsl_vector_get(b, col),
                                  ok ? gsl_matrix_get(vcov[t], col, col) : NAN,
                                  ok ? gsl_vector_get(df[t], col) : NAN, dist, res->spec.level);
            }
        }
    }

    /* warnings */
    if (cond > UPL__COND_WARN &&
        (rc = upl_analysis_warn(
             res,
             "the design is nearly collinear: its condition number with columns scaled to unit "
             "length is %.3g, above %g; '%s' is closest to a combination of the columns before "
             "it (to within %.2g of its length), so its coefficient and those it trades off "
             "against are unstable (R's lm would still estimate them; below %g it drops the "
             "column)",
             cond, UPL__COND_WARN,
             upl__printable(bad_col < res->k ? res->term[bad_col] : d.term[bad_col], buf,
                            sizeof buf),
             alias, UPL__ALIAS_TOL)) != UPL_OK)
        goto nomem;
    if ((rc = warn_zero_variance(res, &d, vcov, defined)) != UPL_OK)
        goto nomem;
    if (!defined[UPL_SE_HC2]) {
        size_t r = d.row[bad_row[UPL_SE_HC2]];
        const char *t = ds->task_id[r];
        rc = upl_analysis_warn(
            res,
            "task '%s' has leverage 1 (the model fits it exactly, e.g. the "
            "only task of a participant under participant fixed effects): hc2 and "
            "hc3 divide by 1 - leverage and are undefined (null)",
            t && *t ? upl__printable(t, buf, sizeof buf) : "?");
        if (rc != UPL_OK)
            goto nomem;
    }
    if (have_clusters && !defined[UPL_SE_CR3]) {
        size_t g = d.cluster[bad_row[UPL_SE_CR3]];
        rc = upl_analysis_warn(
            res,
            "cr3 is undefined (null): I - H_gg of participant '%s' is singular, its tasks fit a "
            "direction of the model exactly (%s), so the jackknife's (I - H_gg)^-1 does not "
            "exist",
            upl__printable(d.cluster_name[g], buf, sizeof buf),
            spec->participant_fe ? "under participant fixed effects every participant's own "
                                   "dummy does"
                                 : "e.g. a covariate or arm that only this participant has");
        if (rc != UPL_OK)
            goto nomem;
    }
    if (!d.cluster) {
        if ((rc = upl_analysis_warn(res, "some tasks have no participant: cluster-robust "
                                         "standard errors (cr0 to cr3) are not computed")) !=
            UPL_OK)
            goto nomem;
    } else if (d.n_clusters < 2) {
        if ((rc = upl_analysis_warn(res, "a single participant: cluster-robust standard "
                                         "errors (cr0 to cr3) are not computed")) != UPL_OK)
            goto nomem;
    } else if (d.n_clusters < UPL_FEW_CLUSTERS) {
        /* the reason asks the caller to say how to choose cr2 with t when it is not used */
        int used = chosen == UPL_SE_CR2 && spec->dist == UPL_DIST_T;
        rc = upl_analysis_warn_why(
            res, used ? UPL_REASON_NONE : UPL_REASON_FEW_CLUSTERS,
            "only %zu clusters (participants): with fewer than %d, cr0/cr1 standard errors "
            "and z intervals are too small, and the wild cluster restricted bootstrap "
            "(wild_bootstrap) and cr3 are the checks that hold up with few clusters; use cr2 "
            "with its Satterthwaite degrees of freedom%s",
            d.n_clusters, UPL_FEW_CLUSTERS, used ? " (used here)" : "");
        if (rc != UPL_OK)
            goto nomem;
    }
    if (d.counts.missing_covariate &&
        (rc = upl_analysis_warn(
             res, "%zu done task%s without %s left out", d.counts.missing_covariate,
             d.counts.missing_covariate == 1 ? "" : "s",
             spec->covariate == UPL_COVARIATE_LOG_FORECAST_AI ? "forecast_ai_min"
                                                              : "forecast_no_ai_min")) != UPL_OK)
        goto nomem;
    if (d.counts.missing_outcome &&
        (rc = upl_analysis_warn(res, "%zu done task%s without the %s outcome left out",
                                d.counts.missing_outcome, d.counts.missing_outcome == 1 ? "" : "s",
                                upl_outcome_name(spec->outcome))) != UPL_OK)
        goto nomem;
    if ((rc = warn_panel(res, ds)) != UPL_OK)
        goto nomem;
    rc = UPL_OK;
    goto done;

nomem:
    rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
fail:
    upl_analysis_result_release(res);
done:
    for (int t = 0; t < UPL_SE_TYPE_COUNT; t++) {
        gsl_matrix_free(vcov[t]);
        gsl_vector_free(df[t]);
    }
    upl_ols_free(ols);
    upl_design_release(&d);
    return rc;
}
