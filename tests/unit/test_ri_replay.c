/* Randomization inference under the study's own design (UPL_RI_REPLAY): analysis/estimate/ri.c
 * with a caller's draw against exact enumeration, and harness/engine/redraw.c re-running the
 * allocation engine over a real store (permuted blocks of random size within
 * participant and category; complete batches balanced within participant). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <sodium.h>

#include "uplift/protocol_parse.h"
#include "uplift/randomize.h"
#include "uplift/redraw.h"
#include "uplift/ri.h"
#include "uplift/store.h"

#define T0 INT64_C(1772355600) /* 2026-03-01T09:00:00Z */

/* ---- the analysis side: a draw function against enumeration ---- */

/* Draws k of the n rows of each block (blocks of equal size), as the complete (one
 * block) or blocked design does, but through the replay interface. */
typedef struct shuffle_ctx {
    size_t n, n_blocks, k; /* k treated per block */
    size_t idx[12];
    int fail;
} shuffle_ctx;

static upl_status draw_shuffle(void *arg, gsl_rng *rng, unsigned char *treated)
{
    shuffle_ctx *c = arg;
    if (c->fail)
        return UPL_INTEGRITY;
    size_t len = c->n / c->n_blocks;
    for (size_t g = 0; g < c->n_blocks; g++) {
        size_t *e = c->idx + g * len;
        gsl_ran_shuffle(rng, e, len, sizeof *e);
        for (size_t i = 0; i < len; i++)
            treated[e[i]] = i < c->k;
    }
    return UPL_OK;
}

/* 12 tasks, 6 treated (blocked: 3 of each 6), a covariate: the Monte Carlo p of the
 * replay design agrees with the exact p of the design its draw reproduces, within 4 MC
 * SE, and the two designs' exact p differ by more than that (so the check tells them
 * apart); same seed same p, another seed another p. */
static void test_replay_matches_enumeration(void **state)
{
    (void)state;
    gsl_matrix *W = gsl_matrix_alloc(12, 2);
    gsl_vector *y = gsl_vector_alloc(12);
    unsigned char t[12], el[12];
    size_t block[12];
    for (size_t i = 0; i < 12; i++) {
        double x = sin(1.7 * (double)i + 0.3);
        gsl_matrix_set(W, i, 0, 1.0);
        gsl_matrix_set(W, i, 1, x);
        t[i] = (unsigned char)(i % 2);
        el[i] = 1;
        block[i] = i / 6;
        gsl_vector_set(y, i,
                       0.5 * x + 0.4 * t[i] + 0.9 * (double)(i / 6) + 0.3 * cos(2.9 * (double)i));
    }
    upl_randomization_inference ex[2], mc, again, other;
    upl_diag diag = {0};
    const upl_ri_design exact_design[2] = {UPL_RI_COMPLETE, UPL_RI_BLOCKED};
    for (size_t d = 0; d < 2; d++) {
        upl_ri_problem pr = {W, y, t, el, block, 2, 0.0, NULL, NULL, NULL};
        assert_int_equal(
            upl_ri_run(&pr, exact_design[d], 0, UPL_RI_EXACT_MAX, 1, NULL, NULL, &ex[d], &diag),
            UPL_OK);
        assert_true(ex[d].exact);
    }
    assert_int_equal(ex[0].permutations, 924); /* C(12, 6) */
    assert_int_equal(ex[1].permutations, 400); /* C(6, 3)^2 */
    for (size_t d = 0; d < 2; d++) {
        shuffle_ctx c = {12, d + 1, d ? 3 : 6, {0}, 0};
        for (size_t i = 0; i < 12; i++)
            c.idx[i] = i;
        upl_ri_problem pr = {W, y, t, el, NULL, 0, 0.0, draw_shuffle, &c, "replay of a test"};
        assert_int_equal(
            upl_ri_run(&pr, UPL_RI_REPLAY, 40000, UPL_RI_EXACT_MAX, 3, NULL, NULL, &mc, &diag),
            UPL_OK);
        printf("%s: exact p %.4f (the other design %.4f), replay p %.4f (MC SE %.4f)\n",
               upl_ri_design_name(exact_design[d]), ex[d].p, ex[1 - d].p, mc.p, mc.p_mc_se);
        assert_false(mc.exact); /* never enumerated, though small */
        assert_int_equal(mc.permutations, 40000);
        assert_string_equal(mc.design, "replay of a test");
        assert_true(fabs(mc.statistic - ex[d].statistic) < 1e-12);
        assert_true(fabs(mc.p - ex[d].p) < 4.0 * mc.p_mc_se);
        assert_true(fabs(mc.p - ex[1 - d].p) > 4.0 * mc.p_mc_se);
        for (size_t i = 0; i < 12; i++)
            c.idx[i] = i;
        assert_int_equal(
            upl_ri_run(&pr, UPL_RI_REPLAY, 40000, UPL_RI_EXACT_MAX, 3, NULL, NULL, &again, &diag),
            UPL_OK);
        assert_true(fabs(again.p - mc.p) < 1e-300);
        assert_memory_equal(again.hist, mc.hist, sizeof mc.hist);
        assert_int_equal(
            upl_ri_run(&pr, UPL_RI_REPLAY, 40000, UPL_RI_EXACT_MAX, 4, NULL, NULL, &other, &diag),
            UPL_OK);
        assert_true(fabs(other.p - mc.p) > 0.0);
        /* no draws: refused, the design cannot be enumerated */
        assert_int_equal(
            upl_ri_run(&pr, UPL_RI_REPLAY, 0, UPL_RI_EXACT_MAX, 3, NULL, NULL, &other, &diag),
            UPL_INVALID);
        /* the draw's failure stops the test with its status */
        c.fail = 1;
        assert_int_equal(upl_ri_run(&pr, UPL_RI_REPLAY, 100, 0, 3, NULL, NULL, &other, &diag),
                         UPL_INTEGRITY);
        assert_non_null(strstr(diag.msg, "re-drawing"));
    }
    /* no draw function */
    upl_ri_problem none = {W, y, t, el, NULL, 0, 0.0, NULL, NULL, NULL};
    assert_int_equal(upl_ri_run(&none, UPL_RI_REPLAY, 100, 0, 3, NULL, NULL, &other, &diag),
                     UPL_INVALID);
    assert_string_equal(upl_ri_design_name(UPL_RI_REPLAY), "replay");
    upl_ri_design parsed;
    assert_int_equal(upl_ri_design_from_name("replay", &parsed), -1);
    gsl_matrix_free(W);
    gsl_vector_free(y);
}

/* ---- the harness side: the engine over a real store ---- */

typedef struct fixture {
    char dir[64];
    char path[96];
    upl_store *store;
    upl_secret secret;
    upl_protocol protocol;
    upl_dataset ds;
    upl_redraw *redraw;
} fixture;

static const char blocks_by_category[] = "title: blocks by participant and category\n"
                                         "randomization:\n"
                                         "  scheme: permuted-block\n"
                                         "  stratify: [participant, category]\n"
                                         "  block_sizes: [2, 4, 6]\n";
static const char complete_unstratified[] = "title: complete, not stratified\n"
                                            "randomization:\n"
                                            "  scheme: complete\n";

/* Participants p0.. with n tasks each (categories bug/feature alternating when
 * categories), randomized: ids first (may be NULL), then the rest. */
static fixture *make_study(const char *text, int participants, int n, int categories,
                           const int64_t *first, size_t n_first)
{
    fixture *f = calloc(1, sizeof *f);
    upl_diag diag = {0};
    char commitment[UPL_SECRET_HEX];
    upl_randomize_summary s;
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/upl-ri-replay-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/study.db", f->dir);
    assert_int_equal(upl_store_open(f->path, UPL_STORE_CREATE, &f->store, &diag), UPL_OK);
    upl_store_set_clock(f->store, T0);
    if (upl_protocol_parse(text, strlen(text), "test", &f->protocol, &diag) != UPL_OK)
        fail_msg("protocol: %s", diag.msg);
    crypto_hash_sha256(f->secret.bytes, (const unsigned char *)text, strlen(text));
    upl_secret_commitment(&f->secret, commitment);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(upl_store_study_create(f->store, &f->protocol, text, commitment,
                                            UPL_ALLOC_RNG_DEFAULT, NULL),
                     UPL_OK);
    for (int p = 0; p < participants; p++) {
        char who[16];
        snprintf(who, sizeof who, "p%d", p);
        assert_int_equal(upl_store_participant_add(f->store, who, NULL, 0, NULL), UPL_OK);
        for (int i = 0; i < n; i++) {
            upl_task_new t;
            memset(&t, 0, sizeof t);
            t.participant = who;
            t.title = "a task";
            t.category = categories ? (i % 2 ? "feature" : "bug") : NULL;
            t.forecast_ai_min = 30 + i;
            t.forecast_no_ai_min = 40 + i;
            assert_int_equal(upl_store_task_add(f->store, &t, NULL), UPL_OK);
        }
    }
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    for (int run = first ? 0 : 1; run < 2; run++) {
        upl_store_set_clock(f->store, upl_store_now(f->store) + 60);
        assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
        if (upl_randomize(f->store, &f->secret, run ? NULL : first, run ? 0 : n_first, NULL, NULL,
                          &s, &diag) != UPL_OK)
            fail_msg("randomize: %s", diag.msg);
        assert_int_equal(upl_store_commit(f->store), UPL_OK);
    }
    assert_int_equal(upl_store_begin(f->store, 0), UPL_OK);
    assert_int_equal(upl_store_task_table(f->store, NULL, &f->ds), UPL_OK);
    if (upl_redraw_alloc(f->store, &f->ds, &f->redraw, &diag) != UPL_OK)
        fail_msg("redraw: %s", diag.msg);
    upl_store_rollback(f->store);
    return f;
}

static void drop_study(fixture *f)
{
    char cmd[128];
    upl_redraw_free(f->redraw);
    upl_dataset_release(&f->ds);
    upl_protocol_release(&f->protocol);
    upl_store_close(f->store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
}

/* The allocation of dataset row i, or SIZE_MAX. */
static size_t alloc_of(const upl_alloc_row *rows, size_t n, const char *task_id)
{
    for (size_t a = 0; a < n; a++)
        if (rows[a].task_id == strtoll(task_id, NULL, 10))
            return a;
    return SIZE_MAX;
}

/* With the study's own secret the re-draw is the recorded allocation. */
static void check_own_secret(fixture *f)
{
    const upl_alloc_row *rows;
    const upl_alloc_draw *draws;
    size_t n;
    assert_int_equal(upl_redraw_with(f->redraw, &f->secret), UPL_OK);
    upl_redraw_draws(f->redraw, &rows, &draws, &n);
    assert_int_equal(n, f->ds.n);
    for (size_t a = 0; a < n; a++) {
        assert_string_equal(f->protocol.arms[draws[a].arm].label, rows[a].arm);
        assert_int_equal((int64_t)draws[a].position, rows[a].position);
        assert_int_equal((int64_t)draws[a].block, rows[a].block);
        assert_int_equal((int64_t)draws[a].block_size, rows[a].block_size);
    }
}

/* Permuted blocks of random size in strata of participant and category: every replayed
 * block that the stratum fills holds as many ai as no_ai tasks, in every re-draw; block
 * sizes come from {2, 4, 6} and vary; arms differ from the recorded ones; the arms
 * handed to randomization inference are the draws' arms by task. */
static void test_redraw_permuted_blocks(void **state)
{
    (void)state;
    fixture *f = make_study(blocks_by_category, 3, 15, 1, NULL, 0);
    check_own_secret(f);
    assert_string_equal(upl_redraw_name(f->redraw),
                        "replay of the protocol's permuted-block scheme");
    const upl_alloc_row *rows;
    const upl_alloc_draw *draws;
    size_t n;
    upl_redraw_draws(f->redraw, &rows, &draws, &n);
    assert_int_equal(n, 45);
    size_t *all = malloc(n * sizeof *all), *arm = malloc(n * sizeof *arm);
    size_t *alloc = malloc(n * sizeof *alloc);
    assert_non_null(all);
    assert_non_null(arm);
    assert_non_null(alloc);
    for (size_t i = 0; i < n; i++) {
        all[i] = i;
        alloc[i] = alloc_of(rows, n, f->ds.task_id[i]);
        assert_true(alloc[i] != SIZE_MAX);
    }
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 7);
    size_t full_blocks = 0, changed = 0, sizes_seen[7] = {0};
    for (int rep = 0; rep < 300; rep++) {
        assert_int_equal(upl_redraw_arms(f->redraw, rng, n, all, arm), UPL_OK);
        upl_redraw_draws(f->redraw, &rows, &draws, &n);
        for (size_t i = 0; i < n; i++)
            assert_string_equal(f->ds.arms[arm[i]], f->protocol.arms[draws[alloc[i]].arm].label);
        for (size_t a = 0; a < n;) {
            size_t end = a;
            while (end < n && strcmp(rows[end].stratum, rows[a].stratum) == 0)
                end++;
            /* the stratum's blocks */
            for (size_t b = a; b < end;) {
                size_t e = b, ai = 0, size = draws[b].block_size;
                assert_true(size == 2 || size == 4 || size == 6);
                sizes_seen[size]++;
                while (e < end && draws[e].block == draws[b].block) {
                    assert_int_equal(draws[e].block_size, size);
                    ai += strcmp(f->protocol.arms[draws[e].arm].label, "ai") == 0;
                    changed += strcmp(f->protocol.arms[draws[e].arm].label, rows[e].arm) != 0;
                    e++;
                }
                if (e - b == size) {
                    assert_int_equal(2 * ai, size);
                    full_blocks++;
                } else {
                    assert_int_equal(e, end); /* only the last block is cut short */
                }
                b = e;
            }
            a = end;
        }
    }
    printf("300 re-draws: %zu full blocks balanced, blocks of 2/4/6: %zu/%zu/%zu, %zu arms "
           "changed\n",
           full_blocks, sizes_seen[2], sizes_seen[4], sizes_seen[6], changed);
    assert_true(full_blocks > 1000);
    assert_true(sizes_seen[2] > 0 && sizes_seen[4] > 0 && sizes_seen[6] > 0);
    assert_true(changed > 300 * n / 4);
    /* a row without allocation is refused */
    size_t bad = n + 5;
    assert_int_equal(upl_redraw_arms(f->redraw, rng, 1, &bad, arm), UPL_INTEGRITY);
    gsl_rng_free(rng);
    free(all);
    free(arm);
    free(alloc);
    drop_study(f);
}

/* complete, not stratified by participant: the engine still balances within each
 * participant's batch (6 tasks in run 1, 2 in run 2), and so does every re-draw. */
static void test_redraw_complete_within_participant(void **state)
{
    (void)state;
    const int64_t first[] = {1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14};
    fixture *f = make_study(complete_unstratified, 2, 8, 0, first, 12);
    check_own_secret(f);
    assert_string_equal(upl_redraw_name(f->redraw), "replay of the protocol's complete scheme");
    const upl_alloc_row *rows;
    const upl_alloc_draw *draws;
    size_t n, all[16], arm[16];
    for (size_t i = 0; i < 16; i++)
        all[i] = i;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 8);
    size_t patterns = 0;
    unsigned seen[64] = {0};
    for (int rep = 0; rep < 200; rep++) {
        assert_int_equal(upl_redraw_arms(f->redraw, rng, 16, all, arm), UPL_OK);
        upl_redraw_draws(f->redraw, &rows, &draws, &n);
        assert_int_equal(n, 16);
        size_t ai[2][2] = {{0}}, size[2][2] = {{0}};
        unsigned pattern = 0;
        for (size_t a = 0; a < n; a++) {
            size_t p = rows[a].stratum[strlen(rows[a].stratum) - 1] == '1';
            assert_true(rows[a].block == 0 || rows[a].block == 1);
            assert_int_equal((int64_t)draws[a].block, rows[a].block);
            int is_ai = strcmp(f->protocol.arms[draws[a].arm].label, "ai") == 0;
            ai[p][rows[a].block] += (size_t)is_ai;
            size[p][rows[a].block]++;
            if (p == 0 && rows[a].block == 0)
                pattern = pattern << 1 | (unsigned)is_ai;
        }
        for (size_t p = 0; p < 2; p++) {
            assert_int_equal(size[p][0], 6);
            assert_int_equal(size[p][1], 2);
            assert_int_equal(ai[p][0], 3);
            assert_int_equal(ai[p][1], 1);
        }
        patterns += !seen[pattern]++;
    }
    printf("complete within participant: %zu of the 20 patterns of the first batch seen\n",
           patterns);
    assert_true(patterns >= 18);
    gsl_rng_free(rng);
    drop_study(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_matches_enumeration),
        cmocka_unit_test(test_redraw_permuted_blocks),
        cmocka_unit_test(test_redraw_complete_within_participant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
