/* Fuzz target: `analyze --csv` end to end (harness/dataset_csv.c, then the design, the
 * fit, every variance and both renderers).
 *
 * Input: line 1 is the --map value (empty: none), line 2 the --treated value (empty:
 * none), the rest the CSV.  Invariants: a failure has a one-line message; a success
 * renders JSON that jansson parses back (so it holds no NaN or Infinity token); the text
 * renderer succeeds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "uplift/analysis.h"
#include "uplift/dataset_csv.h"
#include "uplift/render.h"

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const upl_diag *diag)
{
    if (!diag->msg[0] || strchr(diag->msg, '\n')) {
        fprintf(stderr, "bad message: '%s'\n", diag->msg);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *map = fuzz_take_line(&p, end);
    char *treated = fuzz_take_line(&p, end);
    upl_dataset ds;
    upl_diag diag;
    memset(&diag, 0, sizeof diag);
    upl_status rc = upl_dataset_read_csv_buffer(&ds, p, (size_t)(end - p), "fuzz.csv", map, treated,
                                                NULL, &diag);
    if (rc != UPL_OK) {
        one_line(&diag);
        goto out;
    }
    for (int fe = 0; fe < 2; fe++) {
        upl_model_spec spec;
        upl_model_spec_default(&spec);
        spec.participant_fe = fe;
        upl_analysis_result res;
        memset(&diag, 0, sizeof diag);
        if (upl_analysis_run(&ds, &spec, &res, &diag) != UPL_OK) {
            one_line(&diag);
            continue;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f || upl_analysis_render_json(&res, f) != UPL_OK)
            abort();
        fclose(f);
        /* a NaN or Infinity token (never valid JSON) makes the parse fail */
        json_t *root = json_loads(buf, 0, NULL);
        if (!root)
            abort();
        json_decref(root);
        free(buf);
        buf = NULL;
        f = open_memstream(&buf, &len);
        if (!f || upl_analysis_render_text(&res, f) != UPL_OK)
            abort();
        fclose(f);
        free(buf);
        upl_analysis_result_release(&res);
    }
    upl_dataset_release(&ds);
out:
    free(map);
    free(treated);
    return 0;
}
