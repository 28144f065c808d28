/* The allocation engine (include/uplift/allocation.h). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/allocation.h"

struct upl_alloc_seq {
    upl_scheme scheme;
    size_t n_arms;
    unsigned *ratios;
    unsigned ratio_sum;
    size_t n_sizes;
    unsigned *sizes;
    gsl_rng *rng;
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    crypto_auth_hmacsha256_state keyed; /* the HMAC keyed and fed the message's prefix */
    char *stratum;
    size_t position;  /* the next position to draw */
    size_t block;     /* permuted-block: the current block; complete: the next batch */
    size_t block_pos; /* permuted-block: next index in the current block */
    size_t block_len; /* permuted-block: length of the current block (0: none yet) */
    size_t *block_arms;
    size_t *batch_arms; /* complete: the arms of the current batch (batch_cap) */
    size_t batch_cap;
};

/* The scheme names inside the HMAC message.  Fixed by the "v1" of the message format:
 * never change them, even if the protocol's spelling changes. */
static const char *scheme_tag(upl_scheme s)
{
    switch (s) {
    case UPL_SCHEME_SIMPLE:
        return "simple";
    case UPL_SCHEME_COMPLETE:
        return "complete";
    case UPL_SCHEME_PERMUTED_BLOCK:
        return "permuted-block";
    }
    return "unknown";
}

/* Appends value to out (when not NULL) percent-encoding '%', ';' and '='; returns the
 * encoded length. */
static size_t encode(const char *value, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
        if (*c == '%' || *c == ';' || *c == '=') {
            if (out) {
                out[n] = '%';
                out[n + 1] = digits[*c >> 4];
                out[n + 2] = digits[*c & 0xf];
            }
            n += 3;
        } else {
            if (out)
                out[n] = (char)*c;
            n++;
        }
    }
    return n;
}

char *upl_alloc_stratum(const upl_protocol *p, const char *participant, const char *category)
{
    static const char pkey[] = "participant=", ckey[] = ";category=";
    int with_category = p->stratify_category != 0;
    if (!category)
        category = "";
    size_t len = sizeof pkey - 1 + encode(participant, NULL);
    if (with_category)
        len += sizeof ckey - 1 + encode(category, NULL);
    char *key = malloc(len + 1);
    if (!key)
        return NULL;
    size_t n = 0;
    memcpy(key, pkey, sizeof pkey - 1);
    n += sizeof pkey - 1;
    n += encode(participant, key + n);
    if (with_category) {
        memcpy(key + n, ckey, sizeof ckey - 1);
        n += sizeof ckey - 1;
        n += encode(category, key + n);
    }
    key[n] = '\0';
    return key;
}

static const gsl_rng_type *find_rng(const char *name)
{
    for (const gsl_rng_type **t = gsl_rng_types_setup(); *t; t++)
        if (strcmp((*t)->name, name) == 0)
            return *t;
    return NULL;
}

/* Keys the HMAC and feeds it what every unit's message begins with,
 * "uplift/alloc/v1/<scheme>/". */
static void key_hmac(upl_alloc_seq *seq)
{
    static const char prefix[] = "uplift/alloc/v1/";
    const char *tag = scheme_tag(seq->scheme);
    crypto_auth_hmacsha256_init(&seq->keyed, seq->key, sizeof seq->key);
    crypto_auth_hmacsha256_update(&seq->keyed, (const unsigned char *)prefix, sizeof prefix - 1);
    crypto_auth_hmacsha256_update(&seq->keyed, (const unsigned char *)tag, strlen(tag));
    crypto_auth_hmacsha256_update(&seq->keyed, (const unsigned char *)"/", 1);
}

upl_status upl_alloc_seq_alloc(const upl_protocol *p, const char *rng_name,
                               const upl_secret *secret, const char *stratum, upl_alloc_seq **out,
                               upl_diag *diag)
{
    upl_status st = UPL_OK;
    upl_alloc_seq *seq = NULL;
    *out = NULL;

    const gsl_rng_type *type = rng_name ? find_rng(rng_name) : NULL;
    if (!type)
        return upl_diag_set(diag, UPL_INVALID, "unknown GSL random number generator '%s'",
                            rng_name ? rng_name : "(none)");
    if (p->n_arms == 0 || p->n_arms > UPL_PROTOCOL_MAX_ARMS)
        return upl_diag_set(diag, UPL_INVALID, "the protocol declares %zu arms", p->n_arms);
    if (sodium_init() < 0)
        return upl_diag_set(diag, UPL_ERROR, "cannot initialise libsodium");

    unsigned long sum = 0;
    for (size_t i = 0; i < p->n_arms; i++) {
        if (p->arms[i].ratio == 0 || p->arms[i].ratio > UPL_ALLOC_MAX_BLOCK)
            return upl_diag_set(diag, UPL_INVALID, "arm '%s' has allocation ratio %u",
                                p->arms[i].label ? p->arms[i].label : "?", p->arms[i].ratio);
        sum += p->arms[i].ratio;
    }
    if (sum > UPL_ALLOC_MAX_BLOCK)
        return upl_diag_set(diag, UPL_INVALID, "the allocation ratios sum to %lu, over %u", sum,
                            UPL_ALLOC_MAX_BLOCK);
    unsigned max_size = 0;
    if (p->scheme == UPL_SCHEME_PERMUTED_BLOCK) {
        if (p->n_block_sizes == 0)
            return upl_diag_set(diag, UPL_INVALID, "permuted-block needs at least one block size");
        for (size_t i = 0; i < p->n_block_sizes; i++) {
            unsigned b = p->block_sizes[i];
            if (b == 0 || b % sum != 0 || b > UPL_ALLOC_MAX_BLOCK)
                return upl_diag_set(diag, UPL_INVALID,
                                    "block size %u is not a positive multiple of the ratio "
                                    "sum %lu (at most %u)",
                                    b, sum, UPL_ALLOC_MAX_BLOCK);
            if (b > max_size)
                max_size = b;
        }
    } else if (p->scheme != UPL_SCHEME_SIMPLE && p->scheme != UPL_SCHEME_COMPLETE) {
        return upl_diag_set(diag, UPL_INVALID, "unknown randomization scheme %d", (int)p->scheme);
    }

    seq = calloc(1, sizeof *seq);
    if (!seq)
        goto nomem;
    seq->scheme = p->scheme;
    seq->n_arms = p->n_arms;
    seq->ratio_sum = (unsigned)sum;
    seq->ratios = malloc(p->n_arms * sizeof *seq->ratios);
    seq->stratum = strdup(stratum);
    seq->rng = gsl_rng_alloc(type);
    if (!seq->ratios || !seq->stratum || !seq->rng)
        goto nomem;
    for (size_t i = 0; i < p->n_arms; i++)
        seq->ratios[i] = p->arms[i].ratio;
    if (p->scheme == UPL_SCHEME_PERMUTED_BLOCK) {
        seq->n_sizes = p->n_block_sizes;
        seq->sizes = malloc(p->n_block_sizes * sizeof *seq->sizes);
        seq->block_arms = malloc(max_size * sizeof *seq->block_arms);
        if (!seq->sizes || !seq->block_arms)
            goto nomem;
        memcpy(seq->sizes, p->block_sizes, p->n_block_sizes * sizeof *seq->sizes);
    }
    memcpy(seq->key, secret->bytes, sizeof seq->key);
    key_hmac(seq);
    *out = seq;
    return st;
nomem:
    upl_alloc_seq_free(seq);
    return upl_diag_set(diag, UPL_NOMEM, "out of memory");
}

void upl_alloc_seq_free(upl_alloc_seq *seq)
{
    if (!seq)
        return;
    sodium_memzero(seq->key, sizeof seq->key);
    sodium_memzero(&seq->keyed, sizeof seq->keyed);
    if (seq->rng)
        gsl_rng_free(seq->rng);
    free(seq->ratios);
    free(seq->sizes);
    free(seq->block_arms);
    free(seq->batch_arms);
    free(seq->stratum);
    free(seq);
}

const char *upl_alloc_seq_stratum(const upl_alloc_seq *seq)
{
    return seq->stratum;
}

const char *upl_alloc_seq_rng_name(const upl_alloc_seq *seq)
{
    return gsl_rng_name(seq->rng);
}

/* Seeds the generator for one unit of the sequence (a draw, a block or a batch) with
 * HMAC(key, "uplift/alloc/v1/<scheme>/<unit>/<stratum>"), continuing the keyed state:
 * no allocation, the same bytes as the whole message at once. */
static upl_status seed_unit(upl_alloc_seq *seq, size_t unit)
{
    char num[32];
    int nlen = snprintf(num, sizeof num, "%zu", unit);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st = seq->keyed;
    if (nlen < 0 || (size_t)nlen >= sizeof num)
        return UPL_ERROR;
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)num, (unsigned long long)nlen);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"/", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)seq->stratum, strlen(seq->stratum));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
    uint64_t seed = 0;
    for (int i = 7; i >= 0; i--)
        seed = seed << 8 | mac[i]; /* little-endian */
    sodium_memzero(mac, sizeof mac);
    gsl_rng_set(seq->rng, (unsigned long)seed);
    return UPL_OK;
}

/* An arm with probability ratio / ratio_sum, from one integer draw. */
static size_t pick_arm(const upl_alloc_seq *seq)
{
    unsigned long u = gsl_rng_uniform_int(seq->rng, seq->ratio_sum);
    size_t arm = 0;
    unsigned long cum = seq->ratios[0];
    while (u >= cum)
        cum += seq->ratios[++arm];
    return arm;
}

/* Generates the next block of a permuted-block sequence. */
static upl_status next_block(upl_alloc_seq *seq)
{
    if (seq->block_len > 0)
        seq->block++;
    upl_status st = seed_unit(seq, seq->block);
    if (st != UPL_OK)
        return st;
    size_t size = seq->sizes[gsl_rng_uniform_int(seq->rng, seq->n_sizes)];
    size_t copies = size / seq->ratio_sum, n = 0;
    for (size_t a = 0; a < seq->n_arms; a++)
        for (size_t k = 0; k < copies * seq->ratios[a]; k++)
            seq->block_arms[n++] = a;
    gsl_ran_shuffle(seq->rng, seq->block_arms, n, sizeof *seq->block_arms);
    seq->block_len = size;
    seq->block_pos = 0;
    return UPL_OK;
}

/* One batch of a complete randomization: exact shares, the remainder by systematic
 * sampling so that each arm's inclusion probability is its fractional share. */
static upl_status draw_batch(upl_alloc_seq *seq, size_t n, upl_alloc_draw *draws)
{
    if (n > UPL_ALLOC_MAX_BLOCK)
        return UPL_INVALID;
    if (n > seq->batch_cap) { /* kept for the next batch: a re-draw allocates once */
        size_t *grown = realloc(seq->batch_arms, n * sizeof *grown);
        if (!grown)
            return UPL_NOMEM;
        seq->batch_arms = grown;
        seq->batch_cap = n;
    }
    size_t *arms = seq->batch_arms;
    upl_status st = seed_unit(seq, seq->block);
    if (st != UPL_OK)
        return st;
    size_t R = seq->ratio_sum, filled = 0, cum_rem = 0, rem_total = 0;
    for (size_t a = 0; a < seq->n_arms; a++)
        rem_total += n * seq->ratios[a] % R;
    /* rem_total is a multiple of R: k = rem_total / R arms get one more task.  The
     * points u, u + R, u + 2R, ... (u uniform on 0..R-1) fall into arm a's stretch
     * [cum_rem, cum_rem + rem_a) of length rem_a < R at most once, with probability
     * rem_a / R. */
    size_t u = rem_total > 0 ? (size_t)gsl_rng_uniform_int(seq->rng, R) : 0;
    for (size_t a = 0; a < seq->n_arms; a++) {
        size_t count = n * seq->ratios[a] / R, rem = n * seq->ratios[a] % R;
        if (rem > 0) {
            /* the first point at or after cum_rem */
            size_t first = cum_rem <= u ? u : u + (cum_rem - u + R - 1) / R * R;
            if (first < cum_rem + rem && first < rem_total)
                count++;
        }
        cum_rem += rem;
        for (size_t k = 0; k < count; k++)
            arms[filled++] = a;
    }
    if (filled != n) /* cannot happen: the counts sum to n */
        return UPL_ERROR;
    gsl_ran_shuffle(seq->rng, arms, n, sizeof *arms);
    for (size_t i = 0; i < n; i++) {
        draws[i].arm = arms[i];
        draws[i].position = seq->position + i;
        draws[i].block = seq->block;
        draws[i].block_pos = i;
        draws[i].block_size = n;
    }
    seq->position += n;
    seq->block++;
    return UPL_OK;
}

upl_status upl_alloc_seq_draw(upl_alloc_seq *seq, size_t n, upl_alloc_draw *draws)
{
    upl_status st = UPL_OK;
    if (n == 0)
        return UPL_OK;
    if (seq->scheme == UPL_SCHEME_COMPLETE)
        return draw_batch(seq, n, draws);
    for (size_t i = 0; i < n; i++) {
        upl_alloc_draw *d = &draws[i];
        if (seq->scheme == UPL_SCHEME_SIMPLE) {
            if ((st = seed_unit(seq, seq->position)) != UPL_OK)
                return st;
            d->arm = pick_arm(seq);
            d->block = seq->position;
            d->block_pos = 0;
            d->block_size = 1;
        } else {
            if (seq->block_len == 0 || seq->block_pos == seq->block_len)
                if ((st = next_block(seq)) != UPL_OK)
                    return st;
            d->arm = seq->block_arms[seq->block_pos];
            d->block = seq->block;
            d->block_pos = seq->block_pos++;
            d->block_size = seq->block_len;
        }
        d->position = seq->position++;
    }
    return UPL_OK;
}

upl_status upl_alloc_seq_seek(upl_alloc_seq *seq, size_t drawn, size_t batches)
{
    upl_status st = UPL_OK;
    seq->position = 0;
    seq->block = 0;
    seq->block_pos = 0;
    seq->block_len = 0;
    switch (seq->scheme) {
    case UPL_SCHEME_SIMPLE:
        seq->position = drawn;
        break;
    case UPL_SCHEME_COMPLETE:
        seq->position = drawn;
        seq->block = batches;
        break;
    case UPL_SCHEME_PERMUTED_BLOCK:
        /* Regenerate whole blocks until the one holding position `drawn`. */
        while (seq->position < drawn || seq->block_len == 0) {
            if ((st = next_block(seq)) != UPL_OK)
                return st;
            size_t left = drawn - seq->position;
            if (left < seq->block_len) {
                seq->block_pos = left;
                seq->position = drawn;
                break;
            }
            seq->position += seq->block_len;
            seq->block_pos = seq->block_len;
            if (seq->position == drawn)
                break;
        }
        break;
    }
    return st;
}

void upl_alloc_seq_rekey(upl_alloc_seq *seq, const upl_secret *secret)
{
    memcpy(seq->key, secret->bytes, sizeof seq->key);
    key_hmac(seq);
    seq->position = 0;
    seq->block = 0;
    seq->block_pos = 0;
    seq->block_len = 0;
}
