/* Internal to analysis/: the rendering of the secondary analyses (issue 6), called by
 * render_json.c and render_text.c. */
#ifndef UPLIFT_ANALYSIS_RENDER_SECONDARY_H
#define UPLIFT_ANALYSIS_RENDER_SECONDARY_H

#include <stdio.h>

#include <jansson.h>

#include "uplift/analysis.h"

/* Sets ratio_of_means, perception, agreement, randomization_inference,
 * per_participant, per_participant_summary, subgroups and compliance on root (null
 * when not computed). */
void upl__render_secondary_json(const upl_analysis_result *r, json_t *root);

/* A change of time as "+12.3%", an interval as "[-1.0%, +43.0%]"; "-" when undefined.
 * Return buf. */
const char *upl__text_pct(char *buf, size_t size, double x);
const char *upl__text_pct_ci(char *buf, size_t size, double lo, double hi);

/* The same for people, after the main tables. */
void upl__render_secondary_text(const upl_analysis_result *r, FILE *out);

#endif
