/* Re-drawing a study's allocation under a fresh secret (include/uplift/redraw.h). */
#include "uplift/redraw.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

typedef struct stratum {
    size_t from, to; /* its allocations [from, to) */
    upl_alloc_seq *seq;
} stratum;

struct upl_redraw {
    upl_scheme scheme;
    upl_alloc_row *rows; /* every allocation, by stratum then position */
    size_t n_rows;
    upl_alloc_draw *draws; /* n_rows: the last re-draw */
    stratum *strata;
    size_t n_strata;
    size_t ds_n;
    size_t *alloc_of;                     /* ds_n: dataset row -> allocation, SIZE_MAX when none */
    size_t arm_of[UPL_PROTOCOL_MAX_ARMS]; /* protocol arm -> ds->arms, SIZE_MAX when none */
};

static const char *const names[] = {"replay of the protocol's simple scheme",
                                    "replay of the protocol's complete scheme",
                                    "replay of the protocol's permuted-block scheme"};

const char *upl_redraw_name(const upl_redraw *r)
{
    return (unsigned)r->scheme < 3 ? names[r->scheme] : "replay";
}

void upl_redraw_free(upl_redraw *r)
{
    if (!r)
        return;
    for (size_t s = 0; s < r->n_strata; s++)
        upl_alloc_seq_free(r->strata[s].seq);
    free(r->strata);
    upl_alloc_rows_free(r->rows, r->n_rows);
    free(r->draws);
    free(r->alloc_of);
    free(r);
}

typedef struct task_key {
    int64_t id;
    size_t alloc;
} task_key;

static int by_task(const void *a, const void *b)
{
    int64_t x = ((const task_key *)a)->id, y = ((const task_key *)b)->id;
    return (x > y) - (x < y);
}

/* Maps each dataset row to its allocation through the task id. */
static upl_status map_rows(upl_redraw *r, const upl_dataset *ds)
{
    task_key *keys = malloc((r->n_rows ? r->n_rows : 1) * sizeof *keys);
    if (!keys)
        return UPL_NOMEM;
    for (size_t i = 0; i < r->n_rows; i++) {
        keys[i].id = r->rows[i].task_id;
        keys[i].alloc = i;
    }
    if (r->n_rows)
        qsort(keys, r->n_rows, sizeof *keys, by_task);
    for (size_t i = 0; i < ds->n; i++) {
        r->alloc_of[i] = SIZE_MAX;
        char *end = NULL;
        errno = 0;
        long long id = ds->task_id[i] ? strtoll(ds->task_id[i], &end, 10) : 0;
        if (!ds->task_id[i] || errno || *end)
            continue;
        size_t lo = 0, hi = r->n_rows; /* the first with id >= the row's */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (keys[mid].id < (int64_t)id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < r->n_rows && keys[lo].id == (int64_t)id)
            r->alloc_of[i] = keys[lo].alloc;
    }
    free(keys);
    return UPL_OK;
}

upl_status upl_redraw_alloc(upl_store *store, const upl_dataset *ds, upl_redraw **out,
                            upl_diag *diag)
{
    const upl_protocol *protocol = NULL;
    upl_study_info study;
    upl_redraw *r = NULL;
    upl_secret zero;
    upl_status rc;
    int have_study = 0;
    memset(&zero, 0, sizeof zero);
    *out = NULL;
    if ((rc = upl_store_study_get(store, &study)) != UPL_OK)
        return upl_store_diag(store, rc, diag);
    have_study = 1;
    if ((rc = upl_store_protocol(store, &protocol)) != UPL_OK) {
        upl_store_diag(store, rc, diag);
        goto cleanup;
    }
    if (!(r = calloc(1, sizeof *r))) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    r->scheme = protocol->scheme;
    if ((rc = upl_store_alloc_rows(store, &r->rows, &r->n_rows)) != UPL_OK) {
        upl_store_diag(store, rc, diag);
        goto cleanup;
    }
    for (size_t a = 0; a < UPL_PROTOCOL_MAX_ARMS; a++) {
        r->arm_of[a] = SIZE_MAX;
        for (size_t k = 0; a < protocol->n_arms && k < ds->n_arms; k++)
            if (strcmp(protocol->arms[a].label, ds->arms[k]) == 0)
                r->arm_of[a] = k;
    }
    size_t n_strata = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        n_strata += i == 0 || strcmp(r->rows[i].stratum, r->rows[i - 1].stratum) != 0;
    r->ds_n = ds->n;
    r->draws = calloc(r->n_rows ? r->n_rows : 1, sizeof *r->draws);
    r->strata = calloc(n_strata ? n_strata : 1, sizeof *r->strata);
    r->alloc_of = malloc((ds->n ? ds->n : 1) * sizeof *r->alloc_of);
    if (!r->draws || !r->strata || !r->alloc_of || map_rows(r, ds) != UPL_OK) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < r->n_rows;) {
        stratum *s = &r->strata[r->n_strata];
        s->from = i;
        while (i < r->n_rows && strcmp(r->rows[i].stratum, r->rows[s->from].stratum) == 0)
            i++;
        s->to = i;
        if ((rc = upl_alloc_seq_alloc(protocol, study.rng_name, &zero, r->rows[s->from].stratum,
                                      &s->seq, diag)) != UPL_OK)
            goto cleanup;
        r->n_strata++;
    }
    *out = r;
    r = NULL;
cleanup:
    upl_redraw_free(r);
    if (have_study)
        upl_study_info_release(&study);
    return rc;
}

upl_status upl_redraw_with(upl_redraw *r, const upl_secret *secret)
{
    upl_status st = UPL_OK;
    for (size_t s = 0; s < r->n_strata; s++) {
        const stratum *g = &r->strata[s];
        upl_alloc_seq_rekey(g->seq, secret);
        if (r->scheme != UPL_SCHEME_COMPLETE) {
            st = upl_alloc_seq_draw(g->seq, g->to - g->from, r->draws + g->from);
        } else {
            /* batch by batch, as recorded: each a run of allocations with one block */
            for (size_t i = g->from; i < g->to && st == UPL_OK;) {
                size_t end = i;
                while (end < g->to && r->rows[end].block == r->rows[i].block)
                    end++;
                st = upl_alloc_seq_draw(g->seq, end - i, r->draws + i);
                i = end;
            }
        }
        if (st != UPL_OK)
            return st;
    }
    return UPL_OK;
}

void upl_redraw_draws(const upl_redraw *r, const upl_alloc_row **rows, const upl_alloc_draw **draws,
                      size_t *n)
{
    *rows = r->rows;
    *draws = r->draws;
    *n = r->n_rows;
}

upl_status upl_redraw_arms(void *ctx, gsl_rng *rng, size_t n, const size_t *rows, size_t *arm)
{
    upl_redraw *r = ctx;
    upl_secret secret;
    for (size_t i = 0; i < sizeof secret.bytes; i++)
        secret.bytes[i] = (unsigned char)gsl_rng_uniform_int(rng, 256);
    upl_status st = upl_redraw_with(r, &secret);
    sodium_memzero(&secret, sizeof secret);
    if (st != UPL_OK)
        return st;
    for (size_t j = 0; j < n; j++) {
        size_t a = rows[j] < r->ds_n ? r->alloc_of[rows[j]] : SIZE_MAX;
        if (a == SIZE_MAX || r->draws[a].arm >= UPL_PROTOCOL_MAX_ARMS ||
            r->arm_of[r->draws[a].arm] == SIZE_MAX)
            return UPL_INTEGRITY;
        arm[j] = r->arm_of[r->draws[a].arm];
    }
    return UPL_OK;
}
