/* Internal to analysis/render/: the one JSON writer of results.  analyze --json, the
 * report's JSON and the simulated truth all build a jansson document and write it
 * here, so every number is printed the same way (no text round trip). */
#ifndef UPLIFT_RENDER_JSON_H
#define UPLIFT_RENDER_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "uplift/analysis.h"
#include "uplift/status.h"

/* Significant digits of numbers in the JSON: 15 keeps every printed digit meaningful
 * (0.95 prints as 0.95) with a relative rounding of at most 5e-16. */
#define UPL_JSON_DIGITS 15
#define UPL_JSON_FLAGS  (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(UPL_JSON_DIGITS))

/* The analysis as a new JSON object (every key of `uplift analyze --json`); NULL when
 * out of memory.  The caller owns the reference. */
json_t *upl__analysis_json(const upl_analysis_result *r);

/* Writes doc and a newline to out; UPL_IO on a write error. */
upl_status upl__json_write(const json_t *doc, FILE *out);

/* doc and a newline as malloc'd text; NULL when out of memory. */
char *upl__json_text(const json_t *doc);

#endif
