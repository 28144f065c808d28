/* The report as one JSON document: the keys of `uplift analyze --json` at the top level
 * (the analysis renderer's own output, parsed back, so the two never drift apart), then
 * "status", "protocol" and "report". */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_version.h>
#include <jansson.h>

#include "render_json.h"
#include "report_internal.h"
#include "uplift/consort.h"

static json_t *protocol_json(const upl_protocol *p, const upl_study_info *study)
{
    json_t *doc = json_object();
    json_t *arms = json_array();
    json_t *blocks = json_array();
    json_t *covs = json_array();
    if (!doc || !arms || !blocks || !covs) {
        json_decref(doc);
        json_decref(arms);
        json_decref(blocks);
        json_decref(covs);
        return NULL;
    }
    json_object_set_new(doc, "title", json_string(p->title));
    json_object_set_new(doc, "description",
                        p->description ? json_string(p->description) : json_null());
    json_object_set_new(doc, "sha256", json_string(p->hash));
    for (size_t a = 0; a < p->n_arms; a++)
        json_array_append_new(arms, json_pack("{s:s, s:I, s:s?, s:b}", "label", p->arms[a].label,
                                              "ratio", (json_int_t)p->arms[a].ratio, "description",
                                              p->arms[a].description, "control", a == p->control));
    json_object_set_new(doc, "arms", arms);
    for (size_t i = 0; i < p->n_block_sizes; i++)
        json_array_append_new(blocks, json_integer((json_int_t)p->block_sizes[i]));
    json_object_set_new(doc, "randomization",
                        json_pack("{s:s, s:b, s:b, s:o}", "scheme", upl_scheme_name(p->scheme),
                                  "stratify_participant", p->stratify_participant,
                                  "stratify_category", p->stratify_category, "block_sizes",
                                  blocks));
    json_object_set_new(doc, "analysis",
                        json_pack("{s:s, s:s, s:s, s:s, s:f, s:s}", "outcome",
                                  upl_outcome_name(p->outcome), "covariate",
                                  upl_covariate_name(p->covariate), "se_type",
                                  upl_se_type_name(p->se_type), "dist", upl_dist_name(p->dist),
                                  "alpha", p->alpha, "missing", upl_impute_name(p->impute)));
    for (size_t i = 0; i < p->n_covariates; i++)
        json_array_append_new(
            covs, json_pack("{s:s, s:s, s:s?}", "name", p->covariates[i].name, "type",
                            p->covariates[i].type == UPL_COVTYPE_NUMBER ? "number" : "text",
                            "description", p->covariates[i].description));
    json_object_set_new(doc, "covariates", covs);
    json_object_set_new(doc, "timing",
                        json_pack("{s:f, s:b}", "report_tolerance", p->report_tolerance,
                                  "parallel_tasks", p->allow_parallel_tasks));
    json_object_set_new(doc, "text",
                        study && study->protocol_text ? json_string(study->protocol_text)
                                                      : json_null());
    return doc;
}

upl_status upl_report_render_json(const upl_report_input *in, FILE *out)
{
    json_t *doc = NULL;
    if (in->result) {
        if (!(doc = upl__analysis_json(in->result)))
            return UPL_NOMEM;
    } else { /* a study the analysis cannot run on yet: its progress and why */
        doc = json_pack("{s:s?}", "analysis_error",
                        in->analysis_error ? in->analysis_error : "not computed");
        if (!doc)
            return UPL_NOMEM;
    }
    json_t *status =
        in->study && in->consort ? upl_consort_json(in->study, in->consort) : json_null();
    if (status && in->balance && json_is_object(status))
        json_object_set_new(status, "balance", upl_balance_json(in->balance));
    json_t *protocol = in->protocol ? protocol_json(in->protocol, in->study) : json_null();
    char when[64];
    upl__report_time(when, sizeof when, in->generated_at);
    json_t *report = json_pack("{s:s?, s:s?, s:s, s:s?, s:s?, s:s}", "source", in->source, "uplift",
                               in->uplift_version, "gsl", gsl_version, "sqlite", in->sqlite_version,
                               "command_line", in->command_line, "generated_at", when);
    if (!status || !protocol || !report) {
        json_decref(status);
        json_decref(protocol);
        json_decref(report);
        json_decref(doc);
        return UPL_NOMEM;
    }
    json_object_set_new(doc, "status", status);
    json_object_set_new(doc, "protocol", protocol);
    json_object_set_new(doc, "report", report);
    upl_status st = upl__json_write(doc, out);
    json_decref(doc);
    return st;
}
