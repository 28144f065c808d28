/* Allocation balance by stratum and arm for `uplift status`. */
#include <stdlib.h>
#include <string.h>

#include "balance.h"

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
