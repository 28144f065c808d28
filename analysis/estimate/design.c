/* From the task table to the regression: which rows are analysed, the outcome with
 * METR's arm-mean fill of missing post-review time, the log transform, X and y.  The
 * design's rows (and so its participants) come in the dataset's canonical order
 * (upl_dataset_order()), and every sum here runs in it: the order of the input rows
 * changes no number; refusals name the first offending row of the input. */
#include "uplift/analysis.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printable.h"
#include "strmap.h"

void upl_model_spec_default(upl_model_spec *spec)
{
    spec->outcome = UPL_OUTCOME_TOTAL;
    spec->covariate = UPL_COVARIATE_LOG_FORECAST_NO_AI;
    spec->participant_fe = 0;
    spec->impute = UPL_IMPUTE_ARM_MEAN;
    spec->se_type = UPL_SE_AUTO;
    spec->dist = UPL_DIST_T;
    spec->level = 0.95;
}

enum row_state {
    ROW_EXCLUDED,
    ROW_ABANDONED,
    ROW_NOT_DONE,
    ROW_UNASSIGNED,
    ROW_MISSING_OUTCOME,
    ROW_MISSING_COVARIATE,
    ROW_NEEDS_IMPUTATION,
    ROW_OK
};

void upl_design_release(upl_design *d)
{
    if (!d)
        return;
    gsl_matrix_free(d->X);
    gsl_vector_free(d->y);
    free(d->row);
    free(d->arm);
    if (d->term)
        for (size_t j = 0; j < d->k; j++)
            free(d->term[j]);
    free(d->term);
    free(d->arm_col);
    free(d->arm_n);
    free(d->cluster);
    free(d->cluster_name);
    free(d->cluster_n);
    memset(d, 0, sizeof *d);
}

static const char *task_name(const upl_dataset *ds, size_t i, char *buf, size_t len)
{
    if (ds->task_id[i] && *ds->task_id[i])
        return upl__printable(ds->task_id[i], buf, len);
    snprintf(buf, len, "#%zu", i + 1);
    return buf;
}

static char *term_name(const char *prefix, const char *label)
{
    size_t a = strlen(prefix), b = strlen(label);
    char *s = malloc(a + b + 1);
    if (s) {
        memcpy(s, prefix, a);
        memcpy(s + a, label, b + 1);
    }
    return s;
}

static int empty(const char *s)
{
    return !s || !*s;
}

static double outcome_value(const upl_dataset *ds, upl_outcome o, size_t i)
{
    switch (o) {
    case UPL_OUTCOME_INITIAL:
        return ds->reported_min[i];
    case UPL_OUTCOME_MEASURED:
        return ds->measured_min[i];
    case UPL_OUTCOME_TOTAL:
    default:
        return ds->reported_min[i] + ds->post_review_min[i];
    }
}

static double covariate_value(const upl_dataset *ds, upl_covariate c, size_t i)
{
    return c == UPL_COVARIATE_LOG_FORECAST_AI ? ds->forecast_ai_min[i] : ds->forecast_no_ai_min[i];
}

/* Classifies row i (refusing impossible values); *arm receives its arm index. */
static upl_status classify(const upl_dataset *ds, const upl_model_spec *spec, upl__strmap *arms,
                           size_t i, unsigned char *state, size_t *arm, upl_diag *diag)
{
    char buf[UPL_PRINTABLE_SIZE], buf2[UPL_PRINTABLE_SIZE];
    switch (ds->status[i]) {
    case UPL_TASK_EXCLUDED:
        *state = ROW_EXCLUDED;
        return UPL_OK;
    case UPL_TASK_ABANDONED:
        *state = ROW_ABANDONED;
        return UPL_OK;
    case UPL_TASK_DONE:
        break;
    default:
        *state = ROW_NOT_DONE;
        return UPL_OK;
    }
    if (empty(ds->arm[i])) {
        *state = ROW_UNASSIGNED;
        return UPL_OK;
    }
    int found = 0;
    upl_status rc = upl__strmap_get_or_put(arms, ds->arm[i], SIZE_MAX, arm, &found);
    if (rc != UPL_OK)
        return upl_diag_set(diag, rc, "out of memory");
    if (!found)
        return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_ARM_UNKNOWN, 0, 0,
                                "task '%s' has arm '%s', which is not an arm of the analysis",
                                task_name(ds, i, buf, sizeof buf),
                                upl__printable(ds->arm[i], buf2, sizeof buf2));
    const char *tn = task_name(ds, i, buf, sizeof buf);
    double main_v =
        spec->outcome == UPL_OUTCOME_MEASURED ? ds->measured_min[i] : ds->reported_min[i];
    const char *main_name = spec->outcome == UPL_OUTCOME_MEASURED ? "measured_min" : "reported_min";
    if (isnan(main_v)) {
        *state = ROW_MISSING_OUTCOME;
        return UPL_OK;
    }
    if (!isfinite(main_v) || main_v < 0.0 ||
        (spec->outcome != UPL_OUTCOME_TOTAL && !(main_v > 0.0)))
        return upl_diag_set(diag, UPL_REFUSED,
                            "task '%s': %s is %g, not a positive time (the log of the "
                            "outcome is undefined); fix or exclude the task",
                            tn, main_name, main_v);
    int needs_post = 0;
    if (spec->outcome == UPL_OUTCOME_TOTAL) {
        double post = ds->post_review_min[i];
        if (isnan(post)) {
            if (spec->impute == UPL_IMPUTE_COMPLETE_CASE) {
                *state = ROW_MISSING_OUTCOME;
                return UPL_OK;
            }
            needs_post = 1;
        } else if (!isfinite(post) || post < 0.0) {
            return upl_diag_set(diag, UPL_REFUSED,
                                "task '%s': post_review_min is %g, not a time; fix or "
                                "exclude the task",
                                tn, post);
        } else if (!isfinite(main_v + post)) {
            return upl_diag_set(diag, UPL_REFUSED,
                                "task '%s': reported_min + post_review_min overflows; fix or "
                                "exclude the task",
                                tn);
        } else if (!(main_v + post > 0.0)) {
            return upl_diag_set(diag, UPL_REFUSED,
                                "task '%s': total time (reported_min + post_review_min) "
                                "is 0, so its log is undefined; fix or exclude the task",
                                tn);
        }
    }
    if (spec->covariate != UPL_COVARIATE_NONE) {
        double c = covariate_value(ds, spec->covariate, i);
        const char *cname = spec->covariate == UPL_COVARIATE_LOG_FORECAST_AI ? "forecast_ai_min"
                                                                             : "forecast_no_ai_min";
        if (isnan(c)) {
            *state = ROW_MISSING_COVARIATE;
            return UPL_OK;
        }
        if (!isfinite(c) || !(c > 0.0))
            return upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_COVARIATE_INVALID, 0, 0,
                                    "task '%s': %s is %g, not a positive time (its log is the "
                                    "covariate)",
                                    tn, cname, c);
    }
    *state = needs_post ? ROW_NEEDS_IMPUTATION : ROW_OK;
    return UPL_OK;
}

upl_status upl_design_build(upl_design *d, const upl_dataset *ds, const upl_model_spec *spec,
                            upl_diag *diag)
{
    upl_status rc = UPL_OK;
    unsigned char *state = NULL;
    size_t *row_arm = NULL, *order = NULL;
    double *post_sum = NULL;
    size_t *post_cnt = NULL;
    upl__strmap arms = {0}, ids = {0}, parts = {0};
    char buf[UPL_PRINTABLE_SIZE], buf2[UPL_PRINTABLE_SIZE];
    memset(d, 0, sizeof *d);

    if (!(spec->level > 0.0 && spec->level < 1.0))
        return upl_diag_set(diag, UPL_INVALID, "confidence level %g is not between 0 and 1",
                            spec->level);
    if (ds->n_arms < 2 || ds->control >= ds->n_arms)
        return upl_diag_set(diag, UPL_INVALID,
                            "the analysis needs a control arm and at least one other arm "
                            "(found %zu arm%s)",
                            ds->n_arms, ds->n_arms == 1 ? "" : "s");
    d->counts.input = ds->n;
    d->n_arms = ds->n_arms;
    d->control = ds->control;

    if ((rc = upl__strmap_init(&arms, ds->n_arms)) != UPL_OK ||
        (rc = upl__strmap_init(&ids, ds->n)) != UPL_OK ||
        (rc = upl__strmap_init(&parts, 64)) != UPL_OK)
        goto nomem;
    for (size_t a = 0; a < ds->n_arms; a++)
        if ((rc = upl__strmap_get_or_put(&arms, ds->arms[a], a, NULL, NULL)) != UPL_OK)
            goto nomem;
    state = malloc(ds->n ? ds->n : 1);
    row_arm = malloc((ds->n ? ds->n : 1) * sizeof *row_arm);
    order = malloc((ds->n ? ds->n : 1) * sizeof *order);
    post_sum = calloc(ds->n_arms, sizeof *post_sum);
    post_cnt = calloc(ds->n_arms, sizeof *post_cnt);
    d->arm_n = calloc(ds->n_arms, sizeof *d->arm_n);
    d->arm_col = malloc(ds->n_arms * sizeof *d->arm_col);
    if (!state || !row_arm || !order || !post_sum || !post_cnt || !d->arm_n || !d->arm_col ||
        upl_dataset_order(ds, order) != UPL_OK)
        goto nomem;

    /* pass 1, in input order: duplicates, classification */
    for (size_t i = 0; i < ds->n; i++) {
        if (!empty(ds->task_id[i])) {
            int found = 0;
            size_t first = 0;
            if ((rc = upl__strmap_get_or_put(&ids, ds->task_id[i], i, &first, &found)) != UPL_OK)
                goto nomem;
            if (found) {
                rc =
                    upl_diag_set(diag, UPL_REFUSED,
                                 "task id '%s' appears twice (rows %zu and %zu): task ids "
                                 "must be unique",
                                 upl__printable(ds->task_id[i], buf, sizeof buf), first + 1, i + 1);
                goto fail;
            }
        }
        row_arm[i] = SIZE_MAX;
        if ((rc = classify(ds, spec, &arms, i, &state[i], &row_arm[i], diag)) != UPL_OK)
            goto fail;
    }
    /* the arm means of post-review time, summed in canonical order */
    for (size_t q = 0; q < ds->n; q++) {
        size_t i = order[q];
        if (state[i] == ROW_OK && spec->outcome == UPL_OUTCOME_TOTAL) {
            post_sum[row_arm[i]] += ds->post_review_min[i];
            post_cnt[row_arm[i]]++;
        }
    }
    size_t n = 0;
    for (size_t i = 0; i < ds->n; i++) {
        switch (state[i]) {
        case ROW_EXCLUDED:
            d->counts.excluded++;
            break;
        case ROW_ABANDONED:
            d->counts.abandoned++;
            break;
        case ROW_NOT_DONE:
            d->counts.not_done++;
            break;
        case ROW_UNASSIGNED:
            d->counts.unassigned++;
            break;
        case ROW_MISSING_OUTCOME:
            d->counts.missing_outcome++;
            break;
        case ROW_MISSING_COVARIATE:
            d->counts.missing_covariate++;
            break;
        case ROW_NEEDS_IMPUTATION:
            if (post_cnt[row_arm[i]] == 0) {
                rc = upl_diag_set_why(diag, UPL_REFUSED, UPL_REASON_NOTHING_TO_IMPUTE, 0, 0,
                                      "task '%s' has no post_review_min and no task of arm '%s' "
                                      "has one to impute from",
                                      task_name(ds, i, buf, sizeof buf),
                                      upl__printable(ds->arms[row_arm[i]], buf2, sizeof buf2));
                goto fail;
            }
            d->counts.imputed++;
            d->arm_n[row_arm[i]]++;
            n++;
            break;
        default:
            d->arm_n[row_arm[i]]++;
            n++;
        }
    }
    d->counts.analysed = n;
    for (size_t a = 0; a < ds->n_arms; a++) {
        if (d->arm_n[a] == 0) {
            rc = upl_diag_set(diag, UPL_REFUSED,
                              "arm '%s' has no analysed task (of %zu rows: %zu excluded, %zu "
                              "not done or abandoned, %zu unassigned, %zu missing the %s "
                              "outcome, %zu missing the covariate): an effect needs tasks in "
                              "every arm",
                              upl__printable(ds->arms[a], buf, sizeof buf), ds->n,
                              d->counts.excluded, d->counts.not_done + d->counts.abandoned,
                              d->counts.unassigned, d->counts.missing_outcome,
                              upl_outcome_name(spec->outcome), d->counts.missing_covariate);
            goto fail;
        }
    }

    /* the rows in canonical order; clusters: participants in order of first appearance
     * among them, i.e. by handle */
    d->n = n;
    d->row = malloc(n * sizeof *d->row);
    d->arm = malloc(n * sizeof *d->arm);
    d->cluster = malloc(n * sizeof *d->cluster);
    if (!d->row || !d->arm || !d->cluster)
        goto nomem;
    int have_clusters = 1;
    size_t r = 0;
    for (size_t q = 0; q < ds->n; q++) {
        size_t i = order[q];
        if (state[i] != ROW_OK && state[i] != ROW_NEEDS_IMPUTATION)
            continue;
        d->row[r] = i;
        d->arm[r] = row_arm[i];
        if (empty(ds->participant[i])) {
            if (have_clusters || i < d->no_participant_row) /* the first in input order */
                d->no_participant_row = i;
            have_clusters = 0;
        } else if ((rc = upl__strmap_get_or_put(&parts, ds->participant[i], parts.n, &d->cluster[r],
                                                NULL)) != UPL_OK) {
            goto nomem;
        }
        r++;
    }
    if (!have_clusters && parts.n > 0) {
        /* some tasks clustered and some not: no standard error fits that, so refuse */
        rc = upl_diag_set(diag, UPL_REFUSED,
                          "task '%s' has no participant but other tasks have one: give every "
                          "task its participant (or none, to analyse without clusters)",
                          task_name(ds, d->no_participant_row, buf, sizeof buf));
        goto fail;
    }
    if (!have_clusters) {
        free(d->cluster);
        d->cluster = NULL;
        if (spec->participant_fe) {
            rc = upl_diag_set(diag, UPL_REFUSED,
                              "participant fixed effects need a participant for every task; "
                              "task '%s' has none",
                              task_name(ds, d->no_participant_row, buf, sizeof buf));
            goto fail;
        }
    } else {
        d->n_clusters = parts.n;
        d->cluster_name = malloc(parts.n * sizeof *d->cluster_name);
        d->cluster_n = calloc(parts.n, sizeof *d->cluster_n);
        if (!d->cluster_name || !d->cluster_n)
            goto nomem;
        for (size_t j = 0; j < n; j++) {
            if (d->cluster_n[d->cluster[j]]++ == 0)
                d->cluster_name[d->cluster[j]] = ds->participant[d->row[j]];
        }
    }

    /* columns */
    size_t k = 1 + (ds->n_arms - 1) + (spec->covariate != UPL_COVARIATE_NONE ? 1 : 0);
    size_t fe_start = k;
    if (spec->participant_fe && d->n_clusters > 1)
        k += d->n_clusters - 1;
    if (n <= k) {
        rc = upl_diag_set(diag, UPL_REFUSED,
                          "%zu analysed tasks for %zu parameters: the regression needs more "
                          "tasks than parameters",
                          n, k);
        goto fail;
    }
    d->k = k;
    d->n_fe = k - fe_start;
    d->term = calloc(k, sizeof *d->term);
    if (!d->term)
        goto nomem;
    size_t col = 0;
    if (!(d->term[col++] = term_name("", "(Intercept)")))
        goto nomem;
    for (size_t a = 0; a < ds->n_arms; a++) {
        if (a == ds->control) {
            d->arm_col[a] = SIZE_MAX;
            continue;
        }
        d->arm_col[a] = col;
        if (!(d->term[col++] = term_name("arm_", ds->arms[a])))
            goto nomem;
    }
    size_t cov_col = SIZE_MAX;
    if (spec->covariate != UPL_COVARIATE_NONE) {
        cov_col = col;
        if (!(d->term[col++] = term_name("", upl_covariate_name(spec->covariate))))
            goto nomem;
    }
    for (size_t g = 1; col < k; g++)
        if (!(d->term[col++] = term_name("participant_", d->cluster_name[g])))
            goto nomem;

    d->X = gsl_matrix_calloc(n, k);
    d->y = gsl_vector_alloc(n);
    if (!d->X || !d->y)
        goto nomem;
    for (size_t j = 0; j < n; j++) {
        size_t i = d->row[j];
        double *x = d->X->data + j * d->X->tda;
        double out = outcome_value(ds, spec->outcome, i);
        if (state[i] == ROW_NEEDS_IMPUTATION) {
            out = ds->reported_min[i] + post_sum[d->arm[j]] / (double)post_cnt[d->arm[j]];
            if (!(out > 0.0) || !isfinite(out)) { /* reported 0 and an arm mean of 0 */
                rc = upl_diag_set(diag, UPL_REFUSED,
                                  "task '%s': reported_min is 0 and the imputed post-review "
                                  "time (the arm mean) is 0, so its log is undefined; fix or "
                                  "exclude the task",
                                  task_name(ds, i, buf, sizeof buf));
                goto fail;
            }
        }
        gsl_vector_set(d->y, j, log(out));
        x[0] = 1.0;
        if (d->arm_col[d->arm[j]] != SIZE_MAX)
            x[d->arm_col[d->arm[j]]] = 1.0;
        if (cov_col != SIZE_MAX)
            x[cov_col] = log(covariate_value(ds, spec->covariate, i));
        if (d->cluster && spec->participant_fe && d->cluster[j] > 0)
            x[fe_start + d->cluster[j] - 1] = 1.0;
    }
    goto done;

nomem:
    rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
fail:
    upl_design_release(d);
done:
    free(state);
    free(row_arm);
    free(order);
    free(post_sum);
    free(post_cnt);
    upl__strmap_release(&arms);
    upl__strmap_release(&ids);
    upl__strmap_release(&parts);
    return rc;
}
