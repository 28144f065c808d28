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

/* The same for people, after the main tables. */
void upl__render_secondary_text(const upl_analysis_result *r, FILE *out);

#endif
