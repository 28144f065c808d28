/* Subgroup effects from the interaction model and the joint test of heterogeneity
 * (include/uplift/secondary.h). */
#include "uplift/secondary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fit.h"
#include "printable.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The Wald statistic d' S^-1 d of equal effects: d_l = b_0 - b_l (l = 1..L-1) over the
 * per-level coefficients in columns c0..c0+L-1.  NAN when S is not positive definite. */
static double wald_equal(const upl__fit *f, size_t c0, size_t L)
{
    size_t q = L - 1;
    gsl_matrix *S = gsl_matrix_alloc(q, q);
    gsl_vector *dv = gsl_vector_alloc(q), *x = gsl_vector_alloc(q);
    double w = NAN;
    if (!S || !dv || !x)
        goto done;
    const gsl_vector *b = upl_ols_coef(f->ols);
#define V(i, j) gsl_matrix_get(f->V, c0 + (i), c0 + (j))
    for (size_t l = 0; l < q; l++) {
        gsl_vector_set(dv, l, gsl_vector_get(b, c0) - gsl_vector_get(b, c0 + l + 1));
        for (size_t m = 0; m < q; m++)
            gsl_matrix_set(S, l, m, V(0, 0) - V(0, m + 1) - V(l + 1, 0) + V(l + 1, m + 1));
    }
#undef V
    if (gsl_linalg_cholesky_decomp1(S) != GSL_SUCCESS ||
        gsl_linalg_cholesky_solve(S, dv, x) != GSL_SUCCESS)
        goto done;
    w = 0.0;
    for (size_t l = 0; l < q; l++)
        w += gsl_vector_get(dv, l) * gsl_vector_get(x, l);
done:
    gsl_matrix_free(S);
    gsl_vector_free(dv);
    gsl_vector_free(x);
    return w;
}

static size_t uf_find(size_t *parent, size_t x)
{
    while (parent[x] != x)
        x = parent[x] = parent[parent[x]];
    return x;
}

/* With participant fixed effects, which level main-effect columns to leave out as spanned
 * by the fixed effects.  Two levels are connected when a participant has tasks in both;
 * within a connected component of levels, the sum of the level indicators equals the sum
 * of the indicators of the component's participants.  So with the G participants'
 * indicators in the model, exactly one level per component is aliased: the rank of the
 * level indicators beyond the participants is L - C (C components), and the within-
 * participant-demeaned indicators of a component are independent once one of its levels
 * is left out (their only null vectors are constant on components).  The model keeps the
 * intercept-free layout with the G - 1 dummies of participants 1..G-1: the component of
 * participant 0 keeps all its levels (their sum stands for participant 0's indicator),
 * every other component leaves out its first level.  Exact (no tolerance): a level that
 * is constant within every participant (seniority, team) is a component of its own.
 * Sets col[l] to the main-effect column of level l or SIZE_MAX, returns the columns kept. */
static size_t level_columns(const size_t *lvl, const size_t *cl, size_t m, size_t L, size_t G,
                            size_t *parent /* L */, size_t *first /* G */, size_t *col)
{
    for (size_t l = 0; l < L; l++)
        parent[l] = l;
    for (size_t g = 0; g < G; g++)
        first[g] = SIZE_MAX;
    for (size_t i = 0; i < m; i++) {
        size_t g = cl[i];
        if (first[g] == SIZE_MAX) {
            first[g] = lvl[i];
            continue;
        }
        size_t a = uf_find(parent, first[g]), b = uf_find(parent, lvl[i]);
        if (a != b)
            parent[a < b ? b : a] = a < b ? a : b; /* the root is the smallest level */
    }
    size_t root0 = uf_find(parent, first[0]), kept = 0;
    for (size_t l = 0; l < L; l++) {
        size_t r = uf_find(parent, l);
        /* the root is its component's first level: left out unless participant 0's */
        col[l] = r == l && r != root0 ? SIZE_MAX : kept++;
    }
    return kept;
}

upl_status upl_subgroup_estimate(const upl_dataset *ds, const upl_design *d,
                                 const upl_model_spec *spec, const char *column, upl_subgroups *out,
                                 upl_diag *diag)
{
    upl_status rc = UPL_OK;
    const char **lv = NULL, **uniq = NULL;
    size_t *lvl = NULL, *rows = NULL, *cl = NULL, *scratch = NULL, *cnt = NULL;
    size_t *parent = NULL, *first = NULL, *mcol = NULL;
    gsl_matrix *X = NULL;
    gsl_vector *y = NULL;
    upl__fit fit = {0};
    char shown_col[UPL_PRINTABLE_SIZE];
    memset(out, 0, sizeof *out);
    out->heterogeneity_p = out->stat = out->df1 = out->df2 = NAN;

    char *const *values = NULL;
    if (strcmp(column, "category") == 0) {
        values = ds->category;
        out->column = "category";
    } else {
        long e = upl_dataset_extra_index(ds, column);
        char shown[UPL_PRINTABLE_SIZE];
        if (e < 0)
            return upl_diag_set(diag, UPL_NOTFOUND,
                                "subgroup column '%s' is not a column of the data (category "
                                "or a covariate column)",
                                upl__printable(column, shown, sizeof shown));
        values = ds->extra_values[e];
        out->column = ds->extra_names[e];
    }
    size_t n = d->n, arm1 = upl__first_arm(d);
    lv = malloc((n ? n : 1) * sizeof *lv);
    uniq = malloc((n ? n : 1) * sizeof *uniq);
    lvl = malloc((n ? n : 1) * sizeof *lvl);
    rows = malloc((n ? n : 1) * sizeof *rows);
    cl = calloc(n ? n : 1, sizeof *cl);
    scratch = malloc((d->n_clusters ? d->n_clusters : 1) * sizeof *scratch);
    if (!lv || !uniq || !lvl || !rows || !cl || !scratch)
        goto nomem;
    size_t nu = 0;
    for (size_t j = 0; j < n; j++) {
        const char *v = values[d->row[j]];
        lv[j] = v && *v ? v : NULL;
        if (lv[j])
            uniq[nu++] = lv[j];
    }
    qsort(uniq, nu, sizeof *uniq, cmp_str);
    size_t L = 0;
    for (size_t i = 0; i < nu; i++)
        if (L == 0 || strcmp(uniq[L - 1], uniq[i]) != 0)
            uniq[L++] = uniq[i];
    cnt = calloc(2 * (L ? L : 1), sizeof *cnt); /* control, treated per level */
    if (!cnt)
        goto nomem;
    for (size_t j = 0; j < n; j++) {
        lvl[j] = SIZE_MAX;
        if (!lv[j])
            continue;
        const char **hit = bsearch(&lv[j], uniq, L, sizeof *uniq, cmp_str);
        lvl[j] = (size_t)(hit - uniq);
        if (d->arm[j] == d->control)
            cnt[2 * lvl[j]]++;
        else if (d->arm[j] == arm1)
            cnt[2 * lvl[j] + 1]++;
    }
    /* keep the levels with both arms; renumber them */
    size_t nk = 0;
    size_t *newidx = malloc((L ? L : 1) * sizeof *newidx);
    if (!newidx)
        goto nomem;
    for (size_t l = 0; l < L; l++) {
        if (cnt[2 * l] && cnt[2 * l + 1]) {
            uniq[nk] = uniq[l];
            cnt[2 * nk] = cnt[2 * l];
            cnt[2 * nk + 1] = cnt[2 * l + 1];
            newidx[l] = nk++;
        } else {
            newidx[l] = SIZE_MAX;
        }
    }
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        if (lvl[j] == SIZE_MAX || newidx[lvl[j]] == SIZE_MAX)
            continue;
        lvl[m] = newidx[lvl[j]];
        rows[m++] = j;
    }
    free(newidx);
    L = nk;
    out->n = m;
    out->excluded = n - m;
    if (L < 2) {
        rc = upl_diag_set(diag, UPL_REFUSED,
                          "subgroups by '%s': fewer than two levels have tasks in both arms",
                          upl__printable(out->column, shown_col, sizeof shown_col));
        goto done;
    }
    size_t cov_col = upl__design_cov_col(d);
    int clustered = d->cluster != NULL;
    size_t G = 0;
    if (clustered)
        upl__remap_clusters(d, rows, m, cl, &G, scratch);
    int fe = spec->participant_fe && clustered;
    size_t other = d->n_arms - 2;
    /* the level main effects: all L, or with fixed effects those not spanned by them */
    parent = malloc(L * sizeof *parent);
    mcol = malloc(L * sizeof *mcol);
    first = malloc((G ? G : 1) * sizeof *first);
    if (!parent || !mcol || !first)
        goto nomem;
    size_t Lk = L;
    if (fe && G > 1)
        Lk = level_columns(lvl, cl, m, L, G, parent, first, mcol);
    else
        for (size_t l = 0; l < L; l++)
            mcol[l] = l;
    size_t k = Lk + L + other + (cov_col != SIZE_MAX ? 1u : 0u) + (fe && G > 1 ? G - 1 : 0);
    if (m <= k) {
        rc = upl_diag_set(diag, UPL_REFUSED, "subgroups: %zu tasks for %zu parameters", m, k);
        goto done;
    }
    X = gsl_matrix_calloc(m, k);
    y = gsl_vector_alloc(m);
    if (!X || !y)
        goto nomem;
    for (size_t i = 0; i < m; i++) {
        size_t j = rows[i];
        double *x = X->data + i * X->tda;
        if (mcol[lvl[i]] != SIZE_MAX)
            x[mcol[lvl[i]]] = 1.0;
        if (d->arm[j] == arm1)
            x[Lk + lvl[i]] = 1.0;
        size_t c = Lk + L;
        for (size_t a = 0; a < d->n_arms; a++) {
            if (a == d->control || a == arm1)
                continue;
            x[c++] = d->arm[j] == a ? 1.0 : 0.0;
        }
        upl__fill_tail(d, j, cov_col, fe, cl[i], G, x, c);
        gsl_vector_set(y, i, gsl_vector_get(d->y, j));
    }
    upl_se_type type = spec->se_type;
    size_t bad = SIZE_MAX;
    upl_diag fd = {0}; /* the fit's own message, quoted in diag */
    rc = upl__fit_run(&fit, X, y, cl, G, type, Lk + L, &bad, &fd);
    if (rc != UPL_OK) {
        rc = upl_diag_set(diag, rc == UPL_NOMEM ? rc : UPL_REFUSED,
                          "subgroups by '%s': the interaction model cannot be estimated "
                          "(%s)",
                          upl__printable(out->column, shown_col, sizeof shown_col), fd.msg);
        goto done;
    }
    out->levels = calloc(L, sizeof *out->levels);
    if (!out->levels)
        goto nomem;
    out->n_levels = L;
    for (size_t l = 0; l < L; l++) {
        upl_estimate est;
        upl__fit_estimate(&fit, Lk + l, spec->dist, spec->level, &est);
        upl_subgroup_level *o = &out->levels[l];
        o->level = uniq[l];
        o->n = cnt[2 * l] + cnt[2 * l + 1];
        o->coef = est.coef;
        o->se = est.se;
        o->df = est.df;
        o->p = est.p;
        o->pct = est.pct;
        o->pct_lo = est.pct_lo;
        o->pct_hi = est.pct_hi;
        if (upl__fit_zero_variance(&fit, Lk + l))
            out->zero_variance++;
    }
    /* the n per level counts every analysed task of the level, other arms too */
    for (size_t l = 0; l < L; l++)
        out->levels[l].n = 0;
    for (size_t i = 0; i < m; i++)
        out->levels[lvl[i]].n++;
    double w = fit.defined ? wald_equal(&fit, Lk, L) : NAN;
    double q = (double)(L - 1);
    if (spec->dist == UPL_DIST_Z) {
        out->test = "chisq";
        out->stat = w;
        out->df1 = q;
        out->heterogeneity_p = isfinite(w) ? gsl_cdf_chisq_Q(w, q) : NAN;
    } else {
        out->test = "F";
        out->stat = w / q;
        out->df1 = q;
        out->df2 = upl__is_cluster_type(type) ? (double)G - 1.0 : (double)(m - k);
        out->heterogeneity_p = isfinite(w) ? gsl_cdf_fdist_Q(w / q, q, out->df2) : NAN;
    }
    goto done;
nomem:
    rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
done:
    if (rc != UPL_OK) {
        free(out->levels);
        out->levels = NULL;
        out->n_levels = 0;
    }
    upl__fit_release(&fit);
    gsl_matrix_free(X);
    gsl_vector_free(y);
    free(lv);
    free(uniq);
    free(lvl);
    free(rows);
    free(cl);
    free(scratch);
    free(cnt);
    free(parent);
    free(first);
    free(mcol);
    return rc;
}
