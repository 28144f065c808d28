/* Golden tests of the secondary analyses (issue 6) against R's estimatr:
 * tests/fixtures/analysis/make_secondary.R wrote each data set NAME.csv and what
 * iv_robust (2SLS, first-stage F) or lm_robust (the subgroup interaction model and the
 * Wald test of heterogeneity) report on it for every SE type.  Relative agreement
 * within 1e-8 on every number; the largest errors are printed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/analysis.h"
#include "uplift/secondary.h"

#define UPL_TEST_RELTOL 1e-8

static char fixtures[1024];
static double max_iv, max_f, max_sub, max_het;

static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static double num(const char *s)
{
    if (strcmp(s, "NA") == 0 || !*s)
        return NAN;
    char *end = NULL;
    double v = strtod(s, &end);
    assert_true(end && *end == '\0');
    return v;
}

static FILE *open_fixture(const char *name, const char *suffix)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/analysis/%s%s", fixtures, name, suffix);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    return f;
}

static void load(upl_dataset *ds, const char *name)
{
    FILE *f = open_fixture(name, ".csv");
    char line[4096];
    char *fld[16];
    assert_int_equal(upl_dataset_init(ds, 0, NULL), UPL_OK);
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(split(line, fld, 16), 10);
    assert_string_equal(fld[4], "ai_used");
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 16), 10);
        upl_task_row row;
        upl_task_row_clear(&row);
        row.task_id = fld[0];
        row.participant = fld[1];
        row.arm = fld[2];
        row.category = fld[3];
        row.ai_used = strcmp(fld[4], "yes") == 0 ? UPL_AI_USED_YES : UPL_AI_USED_NO;
        row.forecast_ai_min = num(fld[5]);
        row.forecast_no_ai_min = num(fld[6]);
        row.reported_min = num(fld[7]);
        row.post_review_min = num(fld[8]);
        assert_int_equal(upl_task_status_from_name(fld[9], &row.status), 0);
        assert_int_equal(upl_dataset_append(ds, &row), UPL_OK);
    }
    fclose(f);
    assert_int_equal(upl_dataset_add_arm(ds, "no_ai", NULL), UPL_OK);
    assert_int_equal(upl_dataset_add_arm(ds, "ai", NULL), UPL_OK);
    ds->control = 0;
}

static double check(double got, double want, const char *what, const char *name, const char *se,
                    const char *term)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("%s %s %s %s: want NA, got %.17g", name, se, term, what, got);
        return 0.0;
    }
    double rel = fabs(got - want) / fabs(want);
    if (!(rel <= UPL_TEST_RELTOL))
        fail_msg("%s %s %s %s: want %.17g, got %.17g (relative error %.3g)", name, se, term, what,
                 want, got, rel);
    return rel;
}

static void run_set(const char *name, const char *kind, const char *covariate, int fe)
{
    upl_dataset ds;
    load(&ds, name);
    FILE *f = open_fixture(name, ".expected.csv");
    char line[4096];
    char *fld[16];
    assert_non_null(fgets(line, sizeof line, f));
    char cur[32] = "";
    upl_design d;
    upl_compliance comp;
    upl_subgroups sub;
    memset(&sub, 0, sizeof sub);
    int have = 0;
    size_t rows = 0;
    upl_model_spec spec;
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 16), 8);
        if (strcmp(fld[0], cur) != 0) {
            if (have) {
                free(sub.levels);
                memset(&sub, 0, sizeof sub);
                upl_design_release(&d);
            }
            snprintf(cur, sizeof cur, "%s", fld[0]);
            upl_model_spec_default(&spec);
            assert_int_equal(upl_covariate_from_name(covariate, &spec.covariate), 0);
            assert_int_equal(upl_se_type_from_name(fld[0], &spec.se_type), 0);
            spec.participant_fe = fe;
            spec.impute = UPL_IMPUTE_COMPLETE_CASE;
            upl_diag diag = {0};
            if (upl_design_build(&d, &ds, &spec, &diag) != UPL_OK)
                fail_msg("%s: %s", name, diag.msg);
            upl_status st = strcmp(kind, "iv") == 0
                                ? upl_iv_estimate(&ds, &d, &spec, &comp, &diag)
                                : upl_subgroup_estimate(&ds, &d, &spec, "category", &sub, &diag);
            if (st != UPL_OK)
                fail_msg("%s %s: %s", name, fld[0], diag.msg);
            have = 1;
        }
        const char *term = fld[1];
        double r = 0.0;
        if (strcmp(kind, "iv") == 0 && strcmp(term, "ai_used") == 0) {
            const upl_estimate *e = &comp.iv;
            r = fmax(r, check(e->coef, num(fld[2]), "coef", name, cur, term));
            r = fmax(r, check(e->se, num(fld[3]), "se", name, cur, term));
            r = fmax(r, check(e->df, num(fld[4]), "df", name, cur, term));
            r = fmax(r, check(e->ci_lo, num(fld[5]), "ci_lo", name, cur, term));
            r = fmax(r, check(e->ci_hi, num(fld[6]), "ci_hi", name, cur, term));
            r = fmax(r, check(e->p, num(fld[7]), "p", name, cur, term));
            max_iv = fmax(max_iv, r);
        } else if (strcmp(term, "first_stage_f") == 0) {
            r = fmax(r, check(comp.first_stage_f, num(fld[2]), "F", name, cur, term));
            r = fmax(r, check(comp.first_stage_df2, num(fld[4]), "dendf", name, cur, term));
            max_f = fmax(max_f, r);
        } else if (strcmp(term, "heterogeneity") == 0 || strcmp(term, "heterogeneity_chisq") == 0) {
            int chisq = strcmp(term, "heterogeneity_chisq") == 0;
            upl_subgroups z;
            upl_diag diag = {0};
            const upl_subgroups *s = &sub;
            if (chisq) { /* the same model with z intervals reports chi-square */
                spec.dist = UPL_DIST_Z;
                assert_int_equal(upl_subgroup_estimate(&ds, &d, &spec, "category", &z, &diag),
                                 UPL_OK);
                spec.dist = UPL_DIST_T;
                s = &z;
                assert_string_equal(s->test, "chisq");
            } else {
                assert_string_equal(s->test, "F");
            }
            r = fmax(r, check(s->stat, num(fld[2]), "stat", name, cur, term));
            r = fmax(r, check(chisq ? s->df1 : s->df2, num(fld[4]), "df", name, cur, term));
            r = fmax(r, check(s->heterogeneity_p, num(fld[7]), "p", name, cur, term));
            if (chisq)
                free(z.levels);
            max_het = fmax(max_het, r);
        } else {
            size_t l = 0;
            while (l < sub.n_levels && strcmp(sub.levels[l].level, term) != 0)
                l++;
            if (l == sub.n_levels)
                fail_msg("%s: level %s missing", name, term);
            const upl_subgroup_level *e = &sub.levels[l];
            r = fmax(r, check(e->coef, num(fld[2]), "coef", name, cur, term));
            r = fmax(r, check(e->se, num(fld[3]), "se", name, cur, term));
            r = fmax(r, check(e->df, num(fld[4]), "df", name, cur, term));
            r = fmax(r, check(log1p(e->pct_lo), num(fld[5]), "ci_lo", name, cur, term));
            r = fmax(r, check(log1p(e->pct_hi), num(fld[6]), "ci_hi", name, cur, term));
            r = fmax(r, check(e->p, num(fld[7]), "p", name, cur, term));
            max_sub = fmax(max_sub, r);
        }
        rows++;
    }
    fclose(f);
    assert_true(rows >= 16);
    if (have) {
        free(sub.levels);
        upl_design_release(&d);
    }
    upl_dataset_release(&ds);
}

static void test_golden_secondary(void **state)
{
    (void)state;
    FILE *f = open_fixture("secondary_manifest", ".csv");
    char line[1024];
    char *fld[8];
    size_t sets = 0, iv = 0, sg = 0;
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 8), 4);
        run_set(fld[0], fld[1], fld[2], strcmp(fld[3], "1") == 0);
        sets++;
        if (strcmp(fld[1], "iv") == 0)
            iv++;
        else
            sg++;
    }
    fclose(f);
    assert_true(iv >= 2 && sg >= 2);
    printf("max relative error against estimatr over %zu data sets x 8 SE types:\n"
           "  2SLS (iv_robust) %.2e, first-stage F %.2e, subgroup effects (lm_robust) %.2e, "
           "heterogeneity test %.2e\n",
           sets, max_iv, max_f, max_sub, max_het);
}

int main(void)
{
    const char *fx = getenv("UPLIFT_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s", fx ? fx : "tests/fixtures");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_secondary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
