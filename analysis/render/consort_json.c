/* The study's progress as JSON: the document of `uplift status --json`, also embedded
 * in the report's JSON. */
#include <jansson.h>

#include "uplift/consort.h"

json_t *upl_consort_json(const upl_study_info *study, const upl_consort *c)
{
    json_t *doc = json_object();
    json_t *arms = json_array();
    json_t *reasons = json_array();
    if (!doc || !arms || !reasons) {
        json_decref(doc);
        json_decref(arms);
        json_decref(reasons);
        return NULL;
    }
    json_object_set_new(doc, "study",
                        json_pack("{s:s, s:s?, s:s, s:s, s:b}", "uid", study->uid, "title",
                                  study->title, "protocol_sha256", study->protocol_hash,
                                  "commitment", study->commitment, "revealed",
                                  study->revealed_secret != NULL));
    json_object_set_new(doc, "participants", json_integer((json_int_t)c->participants));
    json_object_set_new(doc, "enrolled", json_integer((json_int_t)c->enrolled));
    json_object_set_new(doc, "forecast", json_integer((json_int_t)c->forecast));
    json_object_set_new(doc, "excluded_before_assignment",
                        json_integer((json_int_t)c->excluded_before_assignment));
    json_object_set_new(doc, "assigned", json_integer((json_int_t)c->assigned));
    json_object_set_new(doc, "started", json_integer((json_int_t)c->started));
    json_object_set_new(doc, "done", json_integer((json_int_t)c->done));
    json_object_set_new(doc, "excluded", json_integer((json_int_t)c->excluded));
    json_object_set_new(doc, "abandoned", json_integer((json_int_t)c->abandoned));
    for (size_t a = 0; a < c->n_arms; a++) {
        const upl_arm_counts *arm = &c->arms[a];
        json_array_append_new(
            arms, json_pack("{s:s?, s:I, s:I, s:I, s:I, s:I}", "arm", arm->arm, "assigned",
                            (json_int_t)arm->assigned, "started", (json_int_t)arm->started, "done",
                            (json_int_t)arm->done, "excluded", (json_int_t)arm->excluded,
                            "abandoned", (json_int_t)arm->abandoned));
    }
    json_object_set_new(doc, "arms", arms);
    for (size_t r = 0; r < c->n_reasons; r++)
        json_array_append_new(reasons, json_pack("{s:s?, s:I}", "reason", c->reasons[r].reason,
                                                 "count", (json_int_t)c->reasons[r].count));
    json_object_set_new(doc, "exclusion_reasons", reasons);
    return doc;
}

json_t *upl_balance_json(const upl_alloc_balance *b)
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
