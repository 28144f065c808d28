/* Allocation balance by stratum and arm, the section `uplift status` adds after the
 * CONSORT counts (issue 3). */
#ifndef UPLIFT_CLI_BALANCE_H
#define UPLIFT_CLI_BALANCE_H

#include <stdio.h>

#include "uplift/store.h"

/* A table: one row per stratum, one column per arm, and the total row. */
void upl__balance_print(const upl_alloc_balance *b, FILE *out);

#endif
