/* Allocation balance by stratum and arm for `uplift status`. */
#include <stdlib.h>
#include <string.h>

#include "balance.h"

json_t *upl__balance_json(const upl_alloc_balance *b)
{
    json_t *doc = json_object(), *strata = json_array(), *arms = json_object();
    if (!doc || !strata || !arms)
        goto fail;
    for (size_t s = 0; s < b->n_strata; s++) {
        json_t *row = json_object(), *counts = json_object();
        size_t total = 0;
        if (!row || !counts || json_array_append_new(strata, row) != 0) {
            json_decref(counts);
            goto fail;
        }
        for (size_t a = 0; a < b->n_arms; a++) {
            size_t v = b->counts[s * b->n_arms + a];
            total += v;
            json_object_set_new(counts, b->arms[a], json_integer((json_int_t)v));
        }
        json_object_set_new(row, "stratum", json_string(b->strata[s]));
        json_object_set_new(row, "arms", counts);
        json_object_set_new(row, "total", json_integer((json_int_t)total));
    }
    for (size_t a = 0; a < b->n_arms; a++) {
        size_t v = 0;
        for (size_t s = 0; s < b->n_strata; s++)
            v += b->counts[s * b->n_arms + a];
        json_object_set_new(arms, b->arms[a], json_integer((json_int_t)v));
    }
    json_object_set_new(doc, "strata", strata);
    json_object_set_new(doc, "arms", arms);
    return doc;
fail:
    json_decref(doc);
    json_decref(strata);
    json_decref(arms);
    return NULL;
}

void upl__balance_print(const upl_alloc_balance *b, FILE *out)
{
    size_t width = strlen("all strata");
    for (size_t s = 0; s < b->n_strata; s++)
        if (strlen(b->strata[s]) > width)
            width = strlen(b->strata[s]);
    fprintf(out, "\nbalance by stratum\n%-*s", (int)width, "stratum");
    for (size_t a = 0; a < b->n_arms; a++)
        fprintf(out, " %10s", b->arms[a]);
    fprintf(out, " %10s\n", "total");
    size_t *sum = calloc(b->n_arms + 1, sizeof *sum);
    for (size_t s = 0; s < b->n_strata; s++) {
        size_t total = 0;
        fprintf(out, "%-*s", (int)width, b->strata[s]);
        for (size_t a = 0; a < b->n_arms; a++) {
            size_t v = b->counts[s * b->n_arms + a];
            total += v;
            if (sum)
                sum[a] += v;
            fprintf(out, " %10zu", v);
        }
        fprintf(out, " %10zu\n", total);
    }
    if (sum) {
        size_t total = 0;
        fprintf(out, "%-*s", (int)width, "all strata");
        for (size_t a = 0; a < b->n_arms; a++) {
            total += sum[a];
            fprintf(out, " %10zu", sum[a]);
        }
        fprintf(out, " %10zu\n", total);
    }
    free(sum);
}
