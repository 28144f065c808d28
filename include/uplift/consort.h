/* CONSORT counts (participants and tasks through enrolment, forecast, assignment,
 * start, completion, exclusion) as the JSON document of `uplift status --json`. */
#ifndef UPLIFT_CONSORT_H
#define UPLIFT_CONSORT_H

#include <jansson.h>

#include "uplift/study.h"

/* A new JSON object (the caller owns the reference) with the keys study, participants,
 * enrolled, forecast, excluded_before_assignment, assigned, started, done, excluded,
 * abandoned, arms[] and exclusion_reasons[]; NULL when out of memory. */
json_t *upl_consort_json(const upl_study_info *study, const upl_consort *c);

/* Allocation balance: {"strata": [{"stratum": KEY, "arms": {LABEL: N, ...}, "total": N},
 * ...], "arms": {LABEL: N, ...}}; a new reference, NULL when out of memory. */
json_t *upl_balance_json(const upl_alloc_balance *b);

#endif
