/* The perception bootstrap's contract beyond its numbers (include/uplift/secondary.h,
 * bootstrap.h): the order of the rows changes no byte of the analysis; with three arms
 * every quantity compares the first non-control arm with the control on those two arms'
 * tasks; each resampled quantity has its own stream, so outside predictions move no other
 * interval; and one participant keeps the point estimates without intervals.  Expected
 * values are computed here from the rows. */
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
#include "uplift/render.h"
#include "uplift/secondary.h"

/* Bitwise equality of two doubles. */
static int same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A fixed table of 54 tasks, 9 per participant (6 participants, or all of them one's
 * when parts is 1), in three arms (no_ai the control, ai and agent), with forecasts,
 * perceived effects, categories and ai_used from a xorshift generator; table_dataset()
 * appends its rows to a dataset in the order perm[]. */
enum { T_PARTS = 6, T_TASKS = 9, T_ROWS = T_PARTS * T_TASKS };

typedef struct table_row {
    char id[16], participant[8];
    const char *arm, *category;
    double fa, fn, reported, post, perceived;
    int used;
} table_row;

static void table_rows(table_row *t, size_t parts)
{
    static const char *const arm[3] = {"no_ai", "ai", "agent"};
    static const char *const cat[3] = {"bug", "feature", "docs"};
    static const double speed[3] = {1.0, 1.15, 0.9};
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < T_ROWS; i++) {
        double u[5];
        for (int m = 0; m < 5; m++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            u[m] = (double)(x >> 11) / 9007199254740992.0;
        }
        size_t p = i / T_TASKS % parts, a = (i + p) % 3;
        snprintf(t[i].id, sizeof t[i].id, "t%02zu", i + 1);
        snprintf(t[i].participant, sizeof t[i].participant, "p%zu", p + 1);
        t[i].arm = arm[a];
        t[i].category = cat[(i / 3) % 3];
        t[i].fn = 30.0 + 200.0 * u[0];
        t[i].fa = t[i].fn * (a == 2 ? 0.5 + 0.2 * u[1] : 0.7 + 0.4 * u[1]);
        t[i].reported = t[i].fn * (0.6 + 0.8 * u[2]) * speed[a];
        t[i].post = 20.0 * u[3];
        t[i].perceived = a ? -0.4 + 0.4 * u[4] : NAN;
        t[i].used = a ? u[4] < 0.85 : u[4] < 0.1;
    }
}

static void table_dataset(upl_dataset *ds, const table_row *t, const size_t *perm, int with_ids)
{
    assert_int_equal(upl_dataset_init(ds, 0, NULL), UPL_OK);
    for (size_t k = 0; k < T_ROWS; k++) {
        const table_row *r = &t[perm[k]];
        upl_task_row row;
        upl_task_row_clear(&row);
        row.task_id = with_ids ? r->id : NULL;
        row.participant = r->participant;
        row.arm = r->arm;
        row.category = r->category;
        row.forecast_ai_min = r->fa;
        row.forecast_no_ai_min = r->fn;
        row.reported_min = r->reported;
        row.post_review_min = r->post;
        row.perceived_pct = r->perceived;
        row.ai_used = r->used ? UPL_AI_USED_YES : UPL_AI_USED_NO;
        row.status = UPL_TASK_DONE;
        assert_int_equal(upl_dataset_append(ds, &row), UPL_OK);
    }
    /* the arms in the order a CSV gets them: control, then byte order */
    assert_int_equal(upl_dataset_add_arm(ds, "no_ai", NULL), UPL_OK);
    assert_int_equal(upl_dataset_add_arm(ds, "agent", NULL), UPL_OK);
    assert_int_equal(upl_dataset_add_arm(ds, "ai", NULL), UPL_OK);
    ds->control = 0;
}

/* The whole analysis as the JSON renderer prints it (malloc'd). */
static char *analysis_json(const upl_dataset *ds)
{
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    upl_analysis_result res;
    upl_diag diag = {0};
    if (upl_analysis_run(ds, &spec, &res, &diag) != UPL_OK)
        fail_msg("analysis: %s", diag.msg);
    upl_secondary_spec s;
    upl_secondary_spec_default(&s);
    s.bootstrap = 300;
    s.permutations = 500;
    s.seed = 9;
    s.subgroup = "category";
    upl_prediction preds[2] = {{"experts", -0.39, NULL}, {"experts", -0.30, NULL}};
    s.predictions = preds;
    s.n_predictions = 2;
    if (upl_analysis_secondary(ds, &s, &res, &diag) != UPL_OK)
        fail_msg("secondary: %s", diag.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(upl_analysis_render_json(&res, f), UPL_OK);
    fclose(f);
    upl_analysis_result_release(&res);
    return buf;
}

/* The order of the rows changes no number: the same table appended in file order,
 * reversed and shuffled (with task ids, and without, where only the rows' values order
 * them) renders the same JSON byte for byte, bootstrap and permutations included. */
static void test_row_order(void **state)
{
    (void)state;
    table_row t[T_ROWS];
    table_rows(t, T_PARTS);
    size_t perm[3][T_ROWS];
    uint64_t x = 12345;
    for (size_t i = 0; i < T_ROWS; i++) {
        perm[0][i] = i;
        perm[1][i] = T_ROWS - 1 - i;
        perm[2][i] = i;
    }
    for (size_t i = T_ROWS - 1; i > 0; i--) { /* Fisher-Yates */
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t j = (size_t)(x >> 33) % (i + 1), tmp = perm[2][i];
        perm[2][i] = perm[2][j];
        perm[2][j] = tmp;
    }
    for (int ids = 1; ids >= 0; ids--) {
        char *first = NULL;
        for (size_t k = 0; k < 3; k++) {
            upl_dataset ds;
            table_dataset(&ds, t, perm[k], ids);
            char *json = analysis_json(&ds);
            upl_dataset_release(&ds);
            if (!first) {
                first = json;
                continue;
            }
            if (strcmp(first, json) != 0)
                fail_msg("order %zu (task ids: %d) changes the JSON", k, ids);
            free(json);
        }
        free(first);
    }
}

/* With three arms, forecast_pct compares the two analysed arms only: the first
 * non-control arm (agent, by the arms' order) and the control, computed here from the
 * table's rows. */
static void test_three_arm_forecast(void **state)
{
    (void)state;
    table_row t[T_ROWS];
    size_t perm[T_ROWS];
    table_rows(t, T_PARTS);
    for (size_t i = 0; i < T_ROWS; i++)
        perm[i] = i;
    upl_dataset ds;
    table_dataset(&ds, t, perm, 1);
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    upl_design d;
    upl_diag diag = {0};
    assert_int_equal(upl_design_build(&d, &ds, &spec, &diag), UPL_OK);
    upl_secondary_spec s;
    upl_secondary_spec_default(&s);
    s.bootstrap = 200;
    upl_ratio_of_means rom;
    upl_perception perc;
    assert_int_equal(upl_perception_bootstrap(&ds, &d, &spec, &s, &rom, &perc, NULL, &diag),
                     UPL_OK);
    double fa = 0.0, fn = 0.0, all_fa = 0.0, all_fn = 0.0, perceived = 0.0;
    double out_t = 0.0, out_c = 0.0;
    size_t n = 0, n_perc = 0, n_t = 0, n_c = 0;
    for (size_t i = 0; i < T_ROWS; i++) {
        all_fa += t[i].fa;
        all_fn += t[i].fn;
        if (strcmp(t[i].arm, "ai") == 0)
            continue;
        fa += t[i].fa;
        fn += t[i].fn;
        n++;
        double total = t[i].reported + t[i].post;
        if (strcmp(t[i].arm, "agent") == 0) {
            perceived += t[i].perceived;
            n_perc++;
            out_t += total;
            n_t++;
        } else {
            out_c += total;
            n_c++;
        }
    }
    double want = fa / fn - 1.0, all = all_fa / all_fn - 1.0;
    printf("three arms: forecast_pct %.6f over agent and no_ai (all arms: %.6f)\n",
           perc.forecast_pct, all);
    assert_true(fabs(want - all) > 0.02); /* the test tells the two apart */
    assert_true(fabs(perc.forecast_pct - want) < 1e-12);
    assert_int_equal(perc.n_forecast, n);
    assert_true(fabs(perc.posthoc_pct - perceived / (double)n_perc) < 1e-12);
    assert_true(fabs(rom.pct - ((out_t / (double)n_t) / (out_c / (double)n_c) - 1.0)) < 1e-12);
    free(perc.predictions);
    upl_design_release(&d);
    upl_dataset_release(&ds);
}

static const upl_prediction_gap *group(const upl_perception *p, const char *name)
{
    for (size_t g = 0; g < p->n_predictions; g++)
        if (strcmp(p->predictions[g].group, name) == 0)
            return &p->predictions[g];
    fail_msg("no group '%s'", name);
    abort(); /* fail_msg does not return; gcc -O3 -Wnull-dereference must know it too */
}

static void release_perception(upl_perception *p)
{
    for (size_t g = 0; g < p->n_predictions; g++)
        free(p->predictions[g].group);
    free(p->predictions);
}

/* Each resampled quantity has its own stream: no outside prediction, one group, two
 * groups and the two groups listed the other way round and interleaved give the same
 * ratio of means and perception intervals bit for bit, and the experts' intervals do
 * not move when the managers are added, before or after them. */
static void test_prediction_streams(void **state)
{
    (void)state;
    table_row t[T_ROWS];
    size_t perm[T_ROWS];
    table_rows(t, T_PARTS);
    for (size_t i = 0; i < T_ROWS; i++)
        perm[i] = i;
    upl_dataset ds;
    table_dataset(&ds, t, perm, 1);
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    upl_design d;
    upl_diag diag = {0};
    assert_int_equal(upl_design_build(&d, &ds, &spec, &diag), UPL_OK);
    const upl_prediction e1 = {"experts", -0.39, NULL}, e2 = {"experts", -0.35, NULL},
                         e3 = {"experts", -0.30, NULL}, m1 = {"managers", -0.20, NULL},
                         m2 = {"managers", -0.10, NULL};
    const upl_prediction sets[4][5] = {
        {e1}, {e1, e2, e3}, {e1, e2, e3, m1, m2}, {m1, e1, m2, e2, e3}};
    const size_t n_sets[4] = {0, 3, 5, 5};
    upl_ratio_of_means rom[4];
    upl_perception perc[4];
    for (size_t k = 0; k < 4; k++) {
        upl_secondary_spec s;
        upl_secondary_spec_default(&s);
        s.bootstrap = 500;
        s.seed = 21;
        s.predictions = sets[k];
        s.n_predictions = n_sets[k];
        assert_int_equal(
            upl_perception_bootstrap(&ds, &d, &spec, &s, &rom[k], &perc[k], NULL, &diag), UPL_OK);
    }
    assert_true(isfinite(rom[0].pct_lo) && isfinite(perc[0].gap_posthoc_lo));
    for (size_t k = 1; k < 4; k++) {
        assert_memory_equal(&rom[k], &rom[0], sizeof rom[0]);
        const upl_perception *a = &perc[k], *b = &perc[0];
        assert_memory_equal(&a->forecast_pct, &b->forecast_pct, 12 * sizeof(double));
        assert_memory_equal(a->bca, b->bca, sizeof a->bca);
        assert_memory_equal(a->undefined, b->undefined, sizeof a->undefined);
    }
    const upl_prediction_gap *want = group(&perc[1], "experts");
    assert_true(isfinite(want->gap_lo) && isfinite(want->pct_lo) && want->pct_lo < want->pct_hi);
    for (size_t k = 2; k < 4; k++) {
        const upl_prediction_gap *got = group(&perc[k], "experts");
        assert_int_equal(got->n, want->n);
        const double a[7] = {got->gap,        got->gap_lo, got->gap_hi, got->gap_bca_lo,
                             got->gap_bca_hi, got->pct_lo, got->pct_hi};
        const double b[7] = {want->gap,        want->gap_lo, want->gap_hi, want->gap_bca_lo,
                             want->gap_bca_hi, want->pct_lo, want->pct_hi};
        assert_memory_equal(a, b, sizeof a);
    }
    /* the managers' intervals do not depend on where they are listed either */
    const upl_prediction_gap *m_after = group(&perc[2], "managers"),
                             *m_before = group(&perc[3], "managers");
    assert_true(same(m_after->gap_lo, m_before->gap_lo) &&
                same(m_after->gap_hi, m_before->gap_hi) &&
                same(m_after->pct_lo, m_before->pct_lo) && same(m_after->pct_hi, m_before->pct_hi));
    for (size_t k = 0; k < 4; k++)
        release_perception(&perc[k]);
    upl_design_release(&d);
    upl_dataset_release(&ds);
}

/* One participant: the default bootstrap cannot resample, but the point estimates are
 * the ones --bootstrap 0 reports; every interval is undefined and a warning says why. */
static void test_one_participant(void **state)
{
    (void)state;
    table_row t[T_ROWS];
    size_t perm[T_ROWS];
    table_rows(t, 1);
    for (size_t i = 0; i < T_ROWS; i++)
        perm[i] = i;
    upl_dataset ds;
    table_dataset(&ds, t, perm, 1);
    upl_model_spec spec;
    upl_model_spec_default(&spec);
    upl_design d;
    upl_diag diag = {0};
    assert_int_equal(upl_design_build(&d, &ds, &spec, &diag), UPL_OK);
    assert_int_equal(d.n_clusters, 1);
    upl_ratio_of_means rom[2];
    upl_perception perc[2];
    for (size_t k = 0; k < 2; k++) {
        upl_secondary_spec s;
        upl_secondary_spec_default(&s);
        s.bootstrap = k ? 0 : 2000;
        upl_prediction pred = {"experts", -0.3, NULL};
        s.predictions = &pred;
        s.n_predictions = 1;
        assert_int_equal(
            upl_perception_bootstrap(&ds, &d, &spec, &s, &rom[k], &perc[k], NULL, &diag), UPL_OK);
    }
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(rom[k].bootstrap, 0);
        assert_int_equal(perc[k].bootstrap, 0);
        assert_true(isfinite(rom[k].pct) && isfinite(perc[k].forecast_pct) &&
                    isfinite(perc[k].posthoc_pct) && isfinite(perc[k].gap_forecast) &&
                    isfinite(perc[k].predictions[0].gap));
        assert_true(isnan(rom[k].pct_lo) && isnan(rom[k].bca_lo) && isnan(perc[k].forecast_lo) &&
                    isnan(perc[k].gap_posthoc_hi) && isnan(perc[k].bca[0]) &&
                    isnan(perc[k].predictions[0].gap_lo));
    }
    assert_memory_equal(&rom[0], &rom[1], sizeof rom[0]);
    assert_memory_equal(&perc[0].forecast_pct, &perc[1].forecast_pct, 12 * sizeof(double));
    assert_true(same(perc[0].predictions[0].gap, perc[1].predictions[0].gap));
    for (size_t k = 0; k < 2; k++)
        release_perception(&perc[k]);
    upl_design_release(&d);

    /* through the driver: reported, with a warning */
    upl_analysis_result res;
    assert_int_equal(upl_analysis_run(&ds, &spec, &res, &diag), UPL_OK);
    upl_secondary_spec s;
    upl_secondary_spec_default(&s);
    s.permutations = 0;
    s.exact_max = 0;
    assert_int_equal(upl_analysis_secondary(&ds, &s, &res, &diag), UPL_OK);
    assert_non_null(res.ratio_of_means);
    assert_non_null(res.perception);
    assert_true(same(res.ratio_of_means->pct, rom[1].pct));
    int warned = 0;
    for (size_t w = 0; w < res.n_warnings; w++)
        warned |= strstr(res.warnings[w], "no intervals") != NULL &&
                  strstr(res.warnings[w], "two participants") != NULL;
    assert_true(warned);
    upl_analysis_result_release(&res);
    upl_dataset_release(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_order),
        cmocka_unit_test(test_three_arm_forecast),
        cmocka_unit_test(test_prediction_streams),
        cmocka_unit_test(test_one_participant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
