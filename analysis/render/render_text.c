/* The analysis for people: aligned tables of the effects, the coefficients and the SE
 * panel, then the warnings. */
#include "uplift/render.h"

#include <math.h>
#include <string.h>

#include "render_secondary.h"

/* Writes x with `decimals` decimals, or "-" when undefined, right-aligned in width. */
static void cell(FILE *out, int width, int decimals, double x)
{
    char buf[64];
    if (isfinite(x))
        snprintf(buf, sizeof buf, "%.*f", decimals, x);
    else
        snprintf(buf, sizeof buf, "-");
    fprintf(out, " %*s", width, buf);
}

static void pct_cell(FILE *out, int width, double x)
{
    char buf[64];
    if (isfinite(x))
        snprintf(buf, sizeof buf, "%+.1f%%", 100.0 * x);
    else
        snprintf(buf, sizeof buf, "-");
    fprintf(out, " %*s", width, buf);
}

static void pct_interval(FILE *out, int width, double lo, double hi)
{
    char buf[64];
    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, sizeof buf, "[%+.1f%%, %+.1f%%]", 100.0 * lo, 100.0 * hi);
    else
        snprintf(buf, sizeof buf, "-");
    fprintf(out, " %*s", width, buf);
}

static void interval(FILE *out, int width, double lo, double hi)
{
    char buf[64];
    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, sizeof buf, "[%.4f, %.4f]", lo, hi);
    else
        snprintf(buf, sizeof buf, "-");
    fprintf(out, " %*s", width, buf);
}

upl_status upl_analysis_render_text(const upl_analysis_result *r, FILE *out)
{
    double lvl = 100.0 * r->spec.level;
    fprintf(out, "Model: log(%s time) ~ arm%s%s%s, OLS\n", upl_outcome_name(r->spec.outcome),
            r->spec.covariate == UPL_COVARIATE_NONE ? "" : " + ",
            r->spec.covariate == UPL_COVARIATE_NONE ? "" : upl_covariate_name(r->spec.covariate),
            r->spec.participant_fe ? " + participant fixed effects" : "");
    fprintf(out,
            "Tasks: %zu analysed of %zu (%zu excluded, %zu abandoned, %zu not done, %zu "
            "unassigned, %zu missing outcome, %zu missing covariate); %zu post-review "
            "time%s imputed (%s)\n",
            r->n, r->counts.input, r->counts.excluded, r->counts.abandoned, r->counts.not_done,
            r->counts.unassigned, r->counts.missing_outcome, r->counts.missing_covariate,
            r->counts.imputed, r->counts.imputed == 1 ? "" : "s", upl_impute_name(r->spec.impute));
    fprintf(out, "Clusters: %zu participants; standard error %s, %s interval, %g%% level\n\n",
            r->clusters, upl_se_type_name(r->spec.se_type),
            r->spec.dist == UPL_DIST_T ? "t" : "normal (z)", lvl);

    int aw = 3;
    for (size_t i = 0; i < r->n_effects; i++) {
        int len = (int)strlen(r->effects[i].arm);
        if (len > aw)
            aw = len;
    }
    fprintf(out, "Effect on completion time (vs the %s arm)\n",
            r->control_arm ? r->control_arm : "control");
    fprintf(out, "%-*s %6s %8s %8s %8s %20s %9s %10s %20s\n", aw, "arm", "n", "coef", "se", "df",
            "CI (log)", "p", "time", "CI (time)");
    for (size_t i = 0; i < r->n_effects; i++) {
        const upl_effect *e = &r->effects[i];
        fprintf(out, "%-*s %6zu", aw, e->arm, e->n_arm);
        cell(out, 8, 4, e->est.coef);
        cell(out, 8, 4, e->est.se);
        cell(out, 8, 2, e->est.df);
        interval(out, 20, e->est.ci_lo, e->est.ci_hi);
        cell(out, 9, 4, e->est.p);
        pct_cell(out, 10, e->est.pct);
        pct_interval(out, 20, e->est.pct_lo, e->est.pct_hi);
        fputc('\n', out);
    }

    int tw = 4;
    for (size_t j = 0; j < r->k; j++) {
        int len = (int)strlen(r->term[j]);
        if (len > tw)
            tw = len;
    }
    fprintf(out, "\nCoefficients (%s, %s)\n", upl_se_type_name(r->spec.se_type),
            upl_dist_name(r->spec.dist));
    fprintf(out, "%-*s %10s %10s %8s %9s\n", tw, "term", "coef", "se", "df", "p");
    for (size_t j = 0; j < r->k; j++) {
        fprintf(out, "%-*s", tw, r->term[j]);
        cell(out, 10, 5, r->coef[j].coef);
        cell(out, 10, 5, r->coef[j].se);
        cell(out, 8, 2, r->coef[j].df);
        cell(out, 9, 4, r->coef[j].p);
        fputc('\n', out);
    }
    if (r->n_fe > 0)
        fprintf(out, "(participant fixed effects: %zu terms, not shown)\n", r->n_fe);

    for (size_t e = 0; e < r->n_effects; e++) {
        fprintf(out, "\nStandard-error panel for arm '%s' (%g%% intervals)\n", r->effects[e].arm,
                lvl);
        fprintf(out, "%-9s %4s %8s %8s %9s %20s\n", "type", "dist", "se", "df", "p", "CI (time)");
        for (size_t i = 0; i < r->n_panel; i++) {
            const upl_panel_entry *pe = &r->panel[i];
            if (pe->effect != e)
                continue;
            fprintf(out, "%-9s %4s", upl_se_type_name(pe->se_type), upl_dist_name(pe->dist));
            cell(out, 8, 4, pe->est.se);
            cell(out, 8, 2, pe->est.df);
            cell(out, 9, 4, pe->est.p);
            pct_interval(out, 20, pe->est.pct_lo, pe->est.pct_hi);
            fputs(pe->se_type == r->spec.se_type && pe->dist == r->spec.dist ? "  <- chosen\n"
                                                                             : "\n",
                  out);
        }
    }
    upl__render_secondary_text(r, out); /* issue 6 */
    if (r->n_warnings) {
        fputs("\nWarnings:\n", out);
        for (size_t i = 0; i < r->n_warnings; i++)
            fprintf(out, "  - %s\n", r->warnings[i]);
    }
    return ferror(out) ? UPL_IO : UPL_OK;
}
