/* The allocation engine: statistical tests of each scheme, determinism, the seed
 * derivation the header documents, and independence from the order of other strata.
 *
 * The statistical tests use fixed secrets (SHA-256 of "uplift-test-<i>"), so each run
 * sees the same numbers; a test fails when its p-value is below ALPHA.  With ALPHA =
 * 0.001 and about twenty tests, a correct engine has a fixed draw and these secrets pass;
 * a biased engine (a 51:49 coin over the 200,000 draws, say) fails by a wide margin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/allocation.h"

#define ALPHA    0.001
#define N_SEEDS  10000
#define MAX_ARMS 4

static upl_arm arms_storage[MAX_ARMS];
static char *labels[MAX_ARMS] = {"no_ai", "ai", "agent", "autocomplete"};

/* A protocol with the given ratios (0-terminated), scheme and block sizes. */
static upl_protocol make_protocol(upl_scheme scheme, const unsigned *ratios, const unsigned *sizes,
                                  size_t n_sizes, int by_category)
{
    upl_protocol p;
    memset(&p, 0, sizeof p);
    size_t n = 0;
    while (ratios[n]) {
        arms_storage[n].label = labels[n];
        arms_storage[n].ratio = ratios[n];
        n++;
    }
    p.n_arms = n;
    p.arms = arms_storage;
    p.scheme = scheme;
    p.stratify_participant = 1;
    p.stratify_category = by_category;
    p.n_block_sizes = n_sizes;
    p.block_sizes = (unsigned *)(uintptr_t)sizes; /* the engine only reads them */
    return p;
}

static void test_secret(size_t i, upl_secret *s)
{
    char text[64];
    int n = snprintf(text, sizeof text, "uplift-test-%zu", i);
    crypto_hash_sha256(s->bytes, (const unsigned char *)text, (unsigned long long)n);
}

static upl_alloc_seq *open_seq(const upl_protocol *p, const upl_secret *s, const char *stratum)
{
    upl_alloc_seq *seq = NULL;
    upl_diag diag = {0};
    upl_status st = upl_alloc_seq_alloc(p, UPL_ALLOC_RNG_DEFAULT, s, stratum, &seq, &diag);
    if (st != UPL_OK)
        fail_msg("upl_alloc_seq_alloc: %s", diag.msg);
    return seq;
}

/* Pearson's chi-square statistic of observed counts against expected shares. */
static double chisq(const size_t *observed, const double *share, size_t k, size_t total)
{
    double x = 0;
    for (size_t i = 0; i < k; i++) {
        double e = share[i] * (double)total;
        double d = (double)observed[i] - e;
        x += d * d / e;
    }
    return x;
}

static double check_chisq(const char *what, const size_t *observed, const double *share, size_t k)
{
    size_t total = 0;
    for (size_t i = 0; i < k; i++)
        total += observed[i];
    double x = chisq(observed, share, k, total);
    double p = gsl_cdf_chisq_Q(x, (double)(k - 1));
    printf("# %-44s n=%zu chi2=%.3f df=%zu p=%.4f  counts:", what, total, x, k - 1, p);
    for (size_t i = 0; i < k; i++)
        printf(" %zu", observed[i]);
    printf("\n");
    if (p < ALPHA)
        fail_msg("%s: chi-square p = %g < %g", what, p, ALPHA);
    return p;
}

/* ---- simple ---- */

#define SIMPLE_DRAWS 20

static void simple_chisq(const unsigned *ratios, const char *name)
{
    upl_protocol p = make_protocol(UPL_SCHEME_SIMPLE, ratios, NULL, 0, 0);
    size_t k = p.n_arms;
    unsigned sum = 0;
    for (size_t a = 0; a < k; a++)
        sum += ratios[a];
    double share[MAX_ARMS], pair_share[MAX_ARMS * MAX_ARMS];
    for (size_t a = 0; a < k; a++)
        share[a] = (double)ratios[a] / sum;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            pair_share[a * k + b] = share[a] * share[b];

    size_t total[MAX_ARMS] = {0}, first[MAX_ARMS] = {0}, last[MAX_ARMS] = {0};
    size_t pairs[MAX_ARMS * MAX_ARMS] = {0}, across[MAX_ARMS * MAX_ARMS] = {0};
    upl_alloc_draw d[SIMPLE_DRAWS], other[SIMPLE_DRAWS];
    for (size_t i = 0; i < N_SEEDS; i++) {
        upl_secret s;
        test_secret(i, &s);
        upl_alloc_seq *seq = open_seq(&p, &s, "participant=p1");
        upl_alloc_seq *seq2 = open_seq(&p, &s, "participant=p2");
        assert_int_equal(upl_alloc_seq_draw(seq, SIMPLE_DRAWS, d), UPL_OK);
        assert_int_equal(upl_alloc_seq_draw(seq2, SIMPLE_DRAWS, other), UPL_OK);
        for (size_t j = 0; j < SIMPLE_DRAWS; j++) {
            assert_int_equal(d[j].position, j);
            assert_int_equal(d[j].block_size, 1);
            assert_true(d[j].arm < k);
            total[d[j].arm]++;
            if (j > 0)
                pairs[d[j - 1].arm * k + d[j].arm]++;
        }
        first[d[0].arm]++;
        last[d[SIMPLE_DRAWS - 1].arm]++;
        across[d[0].arm * k + other[0].arm]++; /* two strata, same secret */
        upl_alloc_seq_free(seq);
        upl_alloc_seq_free(seq2);
    }
    char what[96];
    snprintf(what, sizeof what, "simple %s: all %d positions", name, SIMPLE_DRAWS);
    check_chisq(what, total, share, k);
    snprintf(what, sizeof what, "simple %s: position 0", name);
    check_chisq(what, first, share, k);
    snprintf(what, sizeof what, "simple %s: position %d", name, SIMPLE_DRAWS - 1);
    check_chisq(what, last, share, k);
    snprintf(what, sizeof what, "simple %s: consecutive pairs", name);
    check_chisq(what, pairs, pair_share, k * k);
    snprintf(what, sizeof what, "simple %s: pairs across strata", name);
    check_chisq(what, across, pair_share, k * k);
}

static void test_simple_1to1(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 0};
    simple_chisq(r, "1:1");
}

static void test_simple_2to1(void **state)
{
    (void)state;
    static const unsigned r[] = {2, 1, 0};
    simple_chisq(r, "2:1");
}

static void test_simple_three_arms(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 2, 0};
    simple_chisq(r, "1:1:2");
}

/* The simple draw is exactly what the header documents: mt19937 seeded with the
 * little-endian first 8 bytes of HMAC-SHA-256(secret, "uplift/alloc/v1/simple/<pos>/
 * <stratum>"), then gsl_rng_uniform_int(ratio sum) mapped through the ratios. */
static void test_simple_seed_derivation(void **state)
{
    (void)state;
    static const unsigned r[] = {2, 1, 0};
    upl_protocol p = make_protocol(UPL_SCHEME_SIMPLE, r, NULL, 0, 0);
    upl_secret s;
    test_secret(42, &s);
    upl_alloc_seq *seq = open_seq(&p, &s, "participant=alice");
    upl_alloc_draw d[50];
    assert_int_equal(upl_alloc_seq_draw(seq, 50, d), UPL_OK);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t j = 0; j < 50; j++) {
        char msg[128];
        int n = snprintf(msg, sizeof msg, "uplift/alloc/v1/simple/%zu/participant=alice", j);
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, s.bytes);
        unsigned long seed = 0;
        for (int b = 7; b >= 0; b--)
            seed = seed << 8 | mac[b];
        gsl_rng_set(rng, seed);
        unsigned long u = gsl_rng_uniform_int(rng, 3);
        assert_int_equal(d[j].arm, u < 2 ? 0 : 1);
    }
    gsl_rng_free(rng);
    upl_alloc_seq_free(seq);
}

/* ---- permuted blocks ---- */

/* The permuted-block draw as documented: per block b, mt19937 seeded from HMAC-SHA-256(
 * secret, "uplift/alloc/v1/permuted-block/<b>/<stratum>"), the size drawn first
 * (gsl_rng_uniform_int over the declared sizes), then gsl_ran_shuffle of the arms in
 * protocol order, each repeated size / ratio-sum * ratio times.  Pins the v1 format:
 * a change here would break the verification of existing studies. */
static void test_blocks_seed_derivation(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 2, 0}, sizes[] = {3, 6, 9};
    upl_protocol p = make_protocol(UPL_SCHEME_PERMUTED_BLOCK, r, sizes, 3, 0);
    upl_secret s;
    test_secret(2026, &s);
    enum { N = 60 };
    upl_alloc_seq *seq = open_seq(&p, &s, "participant=bob");
    upl_alloc_draw d[N];
    assert_int_equal(upl_alloc_seq_draw(seq, N, d), UPL_OK);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    size_t pos = 0;
    for (size_t b = 0; pos < N; b++) {
        char msg[128];
        int n = snprintf(msg, sizeof msg, "uplift/alloc/v1/permuted-block/%zu/participant=bob", b);
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256(mac, (const unsigned char *)msg, (unsigned long long)n, s.bytes);
        unsigned long seed = 0;
        for (int i = 7; i >= 0; i--)
            seed = seed << 8 | mac[i];
        gsl_rng_set(rng, seed);
        size_t size = sizes[gsl_rng_uniform_int(rng, 3)], arms[9], k = 0;
        for (size_t a = 0; a < 2; a++)
            for (size_t c = 0; c < size / 3 * r[a]; c++)
                arms[k++] = a;
        gsl_ran_shuffle(rng, arms, size, sizeof arms[0]);
        for (size_t j = 0; j < size && pos < N; j++, pos++) {
            assert_int_equal(d[pos].arm, arms[j]);
            assert_int_equal(d[pos].block, b);
            assert_int_equal(d[pos].block_size, size);
        }
    }
    gsl_rng_free(rng);
    upl_alloc_seq_free(seq);
}

static void blocks_check(const unsigned *ratios, const unsigned *sizes, size_t n_sizes,
                         const char *name)
{
    upl_protocol p = make_protocol(UPL_SCHEME_PERMUTED_BLOCK, ratios, sizes, n_sizes, 1);
    enum { DRAWS = 60, STRATA = 3, SEEDS = 10000 };
    static const char *const strata[STRATA] = {"participant=a;category=bug",
                                               "participant=a;category=feature",
                                               "participant=b;category=bug"};
    size_t k = p.n_arms, seen_size[8] = {0}, first_arm[MAX_ARMS] = {0};
    unsigned sum = 0;
    for (size_t a = 0; a < k; a++)
        sum += ratios[a];
    size_t complete_blocks = 0;
    upl_alloc_draw d[DRAWS];
    for (size_t i = 0; i < SEEDS; i++) {
        upl_secret s;
        test_secret(i, &s);
        for (size_t t = 0; t < STRATA; t++) {
            upl_alloc_seq *seq = open_seq(&p, &s, strata[t]);
            assert_int_equal(upl_alloc_seq_draw(seq, DRAWS, d), UPL_OK);
            size_t count[MAX_ARMS] = {0}, start = 0, block = 0;
            for (size_t j = 0; j < DRAWS; j++) {
                assert_int_equal(d[j].position, j);
                assert_int_equal(d[j].block, block);
                assert_int_equal(d[j].block_pos, j - start);
                count[d[j].arm]++;
                if (d[j].block_pos == 0) {
                    size_t z = 0;
                    while (z < n_sizes && sizes[z] != d[j].block_size)
                        z++;
                    if (z == n_sizes)
                        fail_msg("block size %zu is not declared", d[j].block_size);
                    seen_size[z]++;
                    first_arm[d[j].arm]++;
                } else {
                    assert_int_equal(d[j].block_size, d[j - 1].block_size);
                }
                if (d[j].block_pos + 1 == d[j].block_size) {
                    /* a complete block: every arm exactly its share, since the start */
                    size_t done = j + 1;
                    for (size_t a = 0; a < k; a++)
                        if (count[a] * sum != done * ratios[a])
                            fail_msg("%s: %s: block %zu ends unbalanced", name, strata[t], block);
                    complete_blocks++;
                    start = j + 1;
                    block++;
                }
            }
            upl_alloc_seq_free(seq);
        }
    }
    printf("# permuted-block %s: %zu complete blocks, all exactly balanced\n", name,
           complete_blocks);
    double size_share[8], arm_share[MAX_ARMS];
    for (size_t z = 0; z < n_sizes; z++) {
        size_share[z] = 1.0 / (double)n_sizes;
        assert_true(seen_size[z] > 0); /* each declared size occurs */
    }
    for (size_t a = 0; a < k; a++)
        arm_share[a] = (double)ratios[a] / sum;
    char what[96];
    snprintf(what, sizeof what, "permuted-block %s: block sizes uniform", name);
    check_chisq(what, seen_size, size_share, n_sizes);
    snprintf(what, sizeof what, "permuted-block %s: first arm of a block", name);
    check_chisq(what, first_arm, arm_share, k);
}

static void test_blocks_1to1(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 0}, sizes[] = {2, 4, 6};
    blocks_check(r, sizes, 3, "1:1 {2,4,6}");
}

static void test_blocks_2to1(void **state)
{
    (void)state;
    static const unsigned r[] = {2, 1, 0}, sizes[] = {3, 6, 9};
    blocks_check(r, sizes, 3, "2:1 {3,6,9}");
}

static void test_blocks_three_arms(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 2, 0}, sizes[] = {4, 8};
    blocks_check(r, sizes, 2, "1:1:2 {4,8}");
}

/* Every arrangement of a block of 4 at 1:1 (6 of them) is equally likely. */
static void test_blocks_permutations_uniform(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 0}, sizes[] = {4};
    upl_protocol p = make_protocol(UPL_SCHEME_PERMUTED_BLOCK, r, sizes, 1, 0);
    size_t count[16] = {0};
    upl_alloc_draw d[8];
    for (size_t i = 0; i < N_SEEDS; i++) {
        upl_secret s;
        test_secret(i, &s);
        upl_alloc_seq *seq = open_seq(&p, &s, "participant=x");
        assert_int_equal(upl_alloc_seq_draw(seq, 8, d), UPL_OK);
        for (size_t b = 0; b < 2; b++) {
            unsigned code = 0;
            for (size_t j = 0; j < 4; j++)
                code = code << 1 | (unsigned)d[4 * b + j].arm;
            count[code]++;
        }
        upl_alloc_seq_free(seq);
    }
    /* the six codes with two bits set */
    static const unsigned codes[6] = {3, 5, 6, 9, 10, 12};
    size_t observed[6];
    double share[6];
    size_t total = 0;
    for (size_t c = 0; c < 6; c++) {
        observed[c] = count[codes[c]];
        share[c] = 1.0 / 6;
        total += observed[c];
    }
    assert_int_equal(total, 2 * N_SEEDS); /* no unbalanced block at all */
    check_chisq("permuted-block 1:1 {4}: arrangements", observed, share, 6);
}

/* ---- complete ---- */

static void test_complete_counts(void **state)
{
    (void)state;
    static const unsigned r[] = {2, 1, 0};
    upl_protocol p = make_protocol(UPL_SCHEME_COMPLETE, r, NULL, 0, 0);
    upl_alloc_draw d[16];
    for (size_t n = 1; n <= 16; n++) {
        /* arm 0's share is 2n/3: floor or ceiling, the ceiling with probability frac */
        size_t lo = 2 * n / 3, rem = 2 * n % 3;
        size_t extra = 0, pos0[MAX_ARMS] = {0};
        for (size_t i = 0; i < N_SEEDS; i++) {
            upl_secret s;
            test_secret(i, &s);
            upl_alloc_seq *seq = open_seq(&p, &s, "participant=c");
            assert_int_equal(upl_alloc_seq_draw(seq, n, d), UPL_OK);
            size_t c0 = 0;
            for (size_t j = 0; j < n; j++) {
                assert_int_equal(d[j].block, 0);
                assert_int_equal(d[j].block_size, n);
                assert_int_equal(d[j].block_pos, j);
                c0 += d[j].arm == 0;
            }
            pos0[d[0].arm]++;
            if (rem == 0) {
                assert_int_equal(c0, lo);
            } else {
                assert_true(c0 == lo || c0 == lo + 1);
                extra += c0 == lo + 1;
            }
            upl_alloc_seq_free(seq);
        }
        if (rem > 0) {
            size_t obs[2] = {extra, N_SEEDS - extra};
            double share[2] = {(double)rem / 3, 1 - (double)rem / 3};
            char what[64];
            snprintf(what, sizeof what, "complete 2:1 n=%zu: remainder to arm 0", n);
            check_chisq(what, obs, share, 2);
        }
        if (n == 7) {
            double share[2] = {2.0 / 3, 1.0 / 3};
            check_chisq("complete 2:1 n=7: arm at position 0", pos0, share, 2);
        }
    }
}

/* Batches continue the stratum's positions and are numbered; a batch's draw depends on
 * its number, so seek(drawn, batches) reproduces it. */
static void test_complete_batches_and_seek(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 1, 0};
    upl_protocol p = make_protocol(UPL_SCHEME_COMPLETE, r, NULL, 0, 0);
    upl_secret s;
    test_secret(7, &s);
    upl_alloc_seq *seq = open_seq(&p, &s, "participant=z");
    upl_alloc_draw a[5], b[4], c[4];
    assert_int_equal(upl_alloc_seq_draw(seq, 5, a), UPL_OK);
    assert_int_equal(upl_alloc_seq_draw(seq, 4, b), UPL_OK);
    assert_int_equal(b[0].position, 5);
    assert_int_equal(b[0].block, 1);
    upl_alloc_seq *again = open_seq(&p, &s, "participant=z");
    assert_int_equal(upl_alloc_seq_seek(again, 5, 1), UPL_OK);
    assert_int_equal(upl_alloc_seq_draw(again, 4, c), UPL_OK);
    assert_memory_equal(b, c, sizeof b);
    upl_alloc_seq_free(seq);
    upl_alloc_seq_free(again);
}

/* ---- determinism and independence ---- */

static void test_same_secret_same_sequence(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 0}, sizes[] = {2, 4, 6};
    const upl_scheme schemes[] = {UPL_SCHEME_SIMPLE, UPL_SCHEME_PERMUTED_BLOCK,
                                  UPL_SCHEME_COMPLETE};
    for (size_t sc = 0; sc < 3; sc++) {
        upl_protocol p = make_protocol(schemes[sc], r, sizes, 3, 0);
        upl_secret s, t;
        test_secret(1, &s);
        test_secret(2, &t);
        upl_alloc_draw x[64], y[64], z[64];
        upl_alloc_seq *sx = open_seq(&p, &s, "participant=alice");
        upl_alloc_seq *sy = open_seq(&p, &s, "participant=alice");
        upl_alloc_seq *sz = open_seq(&p, &t, "participant=alice");
        assert_int_equal(upl_alloc_seq_draw(sx, 64, x), UPL_OK);
        assert_int_equal(upl_alloc_seq_draw(sy, 64, y), UPL_OK);
        assert_int_equal(upl_alloc_seq_draw(sz, 64, z), UPL_OK);
        assert_memory_equal(x, y, sizeof x);
        int differ = 0;
        for (size_t j = 0; j < 64; j++)
            differ |= x[j].arm != z[j].arm;
        assert_true(differ); /* another secret, another sequence (2^-32 chance not) */
        upl_alloc_seq_free(sx);
        upl_alloc_seq_free(sy);
        upl_alloc_seq_free(sz);
    }
}

/* Drawing strata interleaved in a shuffled order, a few draws at a time, gives each
 * stratum the sequence it gets when drawn alone. */
static void test_independent_of_other_strata(void **state)
{
    (void)state;
    static const unsigned r[] = {2, 1, 0}, sizes[] = {3, 6};
    const upl_scheme schemes[] = {UPL_SCHEME_SIMPLE, UPL_SCHEME_PERMUTED_BLOCK};
    enum { STRATA = 5, DRAWS = 40 };
    static const char *const strata[STRATA] = {"participant=ann", "participant=bob",
                                               "participant=cy", "participant=dee",
                                               "participant=eve"};
    gsl_rng *order = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(order, 2026);
    for (size_t sc = 0; sc < 2; sc++) {
        upl_protocol p = make_protocol(schemes[sc], r, sizes, 2, 0);
        upl_secret s;
        test_secret(99, &s);
        upl_alloc_draw alone[STRATA][DRAWS], mixed[STRATA][DRAWS];
        upl_alloc_seq *seqs[STRATA];
        size_t done[STRATA] = {0};
        for (size_t t = 0; t < STRATA; t++) {
            upl_alloc_seq *seq = open_seq(&p, &s, strata[t]);
            assert_int_equal(upl_alloc_seq_draw(seq, DRAWS, alone[t]), UPL_OK);
            upl_alloc_seq_free(seq);
        }
        for (size_t round = 0; round < 50; round++) {
            size_t left = 0;
            for (size_t t = 0; t < STRATA; t++) {
                seqs[t] = open_seq(&p, &s, strata[STRATA - 1 - t]); /* reversed opening */
                done[t] = 0;
            }
            for (;;) {
                left = 0;
                for (size_t t = 0; t < STRATA; t++)
                    left += DRAWS - done[t];
                if (left == 0)
                    break;
                size_t t = gsl_rng_uniform_int(order, STRATA);
                size_t n = 1 + gsl_rng_uniform_int(order, 4);
                if (n > DRAWS - done[t])
                    n = DRAWS - done[t];
                size_t stratum = STRATA - 1 - t;
                if (gsl_rng_uniform_int(order, 3) == 0) {
                    /* a later `randomize` run reopens the sequence where it stopped */
                    upl_alloc_seq_free(seqs[t]);
                    seqs[t] = open_seq(&p, &s, strata[stratum]);
                    assert_int_equal(upl_alloc_seq_seek(seqs[t], done[t], 0), UPL_OK);
                }
                assert_int_equal(upl_alloc_seq_draw(seqs[t], n, &mixed[stratum][done[t]]), UPL_OK);
                done[t] += n;
            }
            for (size_t t = 0; t < STRATA; t++) {
                assert_memory_equal(alone[t], mixed[t], sizeof alone[t]);
                upl_alloc_seq_free(seqs[t]);
            }
        }
    }
    gsl_rng_free(order);
}

/* seek(k) then draw equals the tail of one long draw, at every k. */
static void test_seek_every_offset(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 0}, sizes[] = {2, 4, 6};
    upl_protocol p = make_protocol(UPL_SCHEME_PERMUTED_BLOCK, r, sizes, 3, 0);
    upl_secret s;
    test_secret(3, &s);
    upl_alloc_draw all[30], tail[30];
    upl_alloc_seq *seq = open_seq(&p, &s, "participant=q");
    assert_int_equal(upl_alloc_seq_draw(seq, 30, all), UPL_OK);
    for (size_t k = 0; k < 30; k++) {
        assert_int_equal(upl_alloc_seq_seek(seq, k, 0), UPL_OK);
        assert_int_equal(upl_alloc_seq_draw(seq, 30 - k, tail), UPL_OK);
        assert_memory_equal(all + k, tail, (30 - k) * sizeof *tail);
    }
    upl_alloc_seq_free(seq);
}

/* ---- strata keys and bad protocols ---- */

static void test_stratum_keys(void **state)
{
    (void)state;
    static const unsigned r[] = {1, 1, 0};
    upl_protocol by_cat = make_protocol(UPL_SCHEME_SIMPLE, r, NULL, 0, 1);
    upl_protocol plain = make_protocol(UPL_SCHEME_SIMPLE, r, NULL, 0, 0);
    char *a = upl_alloc_stratum(&by_cat, "alice", "bug");
    char *b = upl_alloc_stratum(&by_cat, "alice;category=bug", NULL);
    char *c = upl_alloc_stratum(&by_cat, "alice", NULL);
    char *d = upl_alloc_stratum(&plain, "alice", "bug");
    char *e = upl_alloc_stratum(&by_cat, "a%b=c", "x;y");
    assert_string_equal(a, "participant=alice;category=bug");
    assert_string_equal(b, "participant=alice%3Bcategory%3Dbug;category=");
    assert_string_equal(c, "participant=alice;category=");
    assert_string_equal(d, "participant=alice"); /* category ignored unless stratified */
    assert_string_equal(e, "participant=a%25b%3Dc;category=x%3By");
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
}

static void test_rejects(void **state)
{
    (void)state;
    static const unsigned r[] = {2, 1, 0}, bad_sizes[] = {3, 4}, zero[] = {0};
    upl_secret s;
    test_secret(0, &s);
    upl_alloc_seq *seq = NULL;
    upl_diag diag = {0};
    upl_protocol p = make_protocol(UPL_SCHEME_PERMUTED_BLOCK, r, bad_sizes, 2, 0);
    assert_int_equal(upl_alloc_seq_alloc(&p, "mt19937", &s, "participant=x", &seq, &diag),
                     UPL_INVALID);
    assert_non_null(strstr(diag.msg, "block size 4"));
    assert_null(seq);
    p = make_protocol(UPL_SCHEME_PERMUTED_BLOCK, r, zero, 0, 0);
    assert_int_equal(upl_alloc_seq_alloc(&p, "mt19937", &s, "participant=x", &seq, &diag),
                     UPL_INVALID);
    p = make_protocol(UPL_SCHEME_SIMPLE, r, NULL, 0, 0);
    assert_int_equal(upl_alloc_seq_alloc(&p, "no-such-rng", &s, "participant=x", &seq, &diag),
                     UPL_INVALID);
    assert_non_null(strstr(diag.msg, "no-such-rng"));
    arms_storage[1].ratio = 0;
    assert_int_equal(upl_alloc_seq_alloc(&p, "mt19937", &s, "participant=x", &seq, &diag),
                     UPL_INVALID);
    /* another recorded generator is honoured */
    p = make_protocol(UPL_SCHEME_SIMPLE, r, NULL, 0, 0);
    assert_int_equal(upl_alloc_seq_alloc(&p, "ranlxd2", &s, "participant=x", &seq, &diag), UPL_OK);
    assert_string_equal(upl_alloc_seq_rng_name(seq), "ranlxd2");
    upl_alloc_seq_free(seq);
    upl_alloc_seq_free(NULL);
}

int main(void)
{
    gsl_set_error_handler_off();
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_1to1),
        cmocka_unit_test(test_simple_2to1),
        cmocka_unit_test(test_simple_three_arms),
        cmocka_unit_test(test_simple_seed_derivation),
        cmocka_unit_test(test_blocks_1to1),
        cmocka_unit_test(test_blocks_2to1),
        cmocka_unit_test(test_blocks_three_arms),
        cmocka_unit_test(test_blocks_permutations_uniform),
        cmocka_unit_test(test_blocks_seed_derivation),
        cmocka_unit_test(test_complete_counts),
        cmocka_unit_test(test_complete_batches_and_seek),
        cmocka_unit_test(test_same_secret_same_sequence),
        cmocka_unit_test(test_independent_of_other_strata),
        cmocka_unit_test(test_seek_every_offset),
        cmocka_unit_test(test_stratum_keys),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
