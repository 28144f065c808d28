/* Links uplift_render alone (whole archive, with the estimators and base, jansson and
 * PLplot): a simulated study analysed and rendered as JSON. */
#include <stdio.h>
#include <string.h>

#include "uplift/render.h"

int main(void)
{
    upl_sim_params p;
    upl_dataset ds;
    upl_model_spec spec;
    upl_analysis_result res;
    upl_diag diag = {0};
    char buf[65536] = {0};
    int ok = 0;
    upl_sim_params_default(&p);
    p.participants = 6;
    p.tasks_min = p.tasks_max = 8;
    p.seed = 3;
    if (upl_sim_study(&p, &ds, NULL, &diag) != UPL_OK)
        return 1;
    upl_model_spec_default(&spec);
    if (upl_analysis_run(&ds, &spec, &res, &diag) == UPL_OK) {
        FILE *out = fmemopen(buf, sizeof buf - 1, "w");
        ok = out && upl_analysis_render_json(&res, out) == UPL_OK;
        if (out)
            fclose(out);
        ok = ok && strstr(buf, "\"effects\"") != NULL;
        upl_analysis_result_release(&res);
    }
    upl_dataset_release(&ds);
    puts(ok ? "uplift_render links alone" : "uplift_render: wrong result");
    return ok ? 0 : 1;
}
