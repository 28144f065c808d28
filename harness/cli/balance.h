/* Allocation balance by stratum and arm, the section `uplift status` adds after the
 * CONSORT counts (issue 3). */
#ifndef UPLIFT_CLI_BALANCE_H
#define UPLIFT_CLI_BALANCE_H

#include <jansson.h>
#include <stdio.h>

#include "uplift/store.h"

/* {"strata": [{"stratum": KEY, "arms": {LABEL: N, ...}, "total": N}, ...],
 *  "arms": {LABEL: N, ...}}; NULL when out of memory. */
json_t *upl__balance_json(const upl_alloc_balance *b);

/* A table: one row per stratum, one column per arm, and the total row. */
void upl__balance_print(const upl_alloc_balance *b, FILE *out);

#endif
