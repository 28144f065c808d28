/* Options, study inputs and the run of the secondary analyses (analysis_secondary.h). */
#include "analysis_secondary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "uplift/protocol.h"
#include "uplift/redraw.h"
#include "uplift/store.h"

int upl__secondary_opt(upl__secondary_opts *o, int c, const char *arg)
{
    switch (c) {
    case UPL__SOPT_SUBGROUP:
        o->subgroup = arg;
        return 1;
    case UPL__SOPT_BOOTSTRAP:
        o->bootstrap = arg;
        return 1;
    case UPL__SOPT_PERMUTATIONS:
        o->permutations = arg;
        return 1;
    case UPL__SOPT_RI_DESIGN:
        o->ri_design = arg;
        return 1;
    case UPL__SOPT_SEED:
        o->seed = arg;
        return 1;
    case UPL__SOPT_WILD_BOOTSTRAP:
        o->wild_bootstrap = arg;
        return 1;
    case UPL__SOPT_WEIGHTS:
        o->weights = arg;
        return 1;
    default:
        return 0;
    }
}

/* A count in [0, max]; 0 on a bad value. */
static int parse_count(const char *text, unsigned long long max, unsigned long long *out)
{
    char *end = NULL;
    if (!text || !*text || *text == '-' || *text == '+')
        return 0;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v > max)
        return 0;
    *out = v;
    return 1;
}

int upl__secondary_check(const upl_command *cmd, const upl__secondary_opts *o, int csv_input,
                         upl__secondary_input *in)
{
    memset(in, 0, sizeof *in);
    upl_secondary_spec *s = &in->spec;
    upl_secondary_spec_default(s);
    unsigned long long v;
    if (o->bootstrap) {
        if (!parse_count(o->bootstrap, 10000000ULL, &v))
            return !upl__usage(cmd,
                               "--bootstrap must be a number of resamples from 0 to "
                               "10000000, not '%s'",
                               o->bootstrap);
        s->bootstrap = (size_t)v;
        s->bootstrap_asked = 1;
    }
    if (o->permutations) {
        if (!parse_count(o->permutations, 100000000ULL, &v))
            return !upl__usage(cmd, "--permutations must be a number from 0 to 100000000, not '%s'",
                               o->permutations);
        s->permutations = (size_t)v;
        s->permutations_asked = 1;
        if (v == 0)
            s->exact_max = 0;
    }
    if (o->seed) {
        if (!upl__parse_seed(cmd, o->seed, &s->seed))
            return 0;
    }
    if (o->wild_bootstrap) {
        if (!parse_count(o->wild_bootstrap, 10000000ULL, &v) || v == 0)
            return !upl__usage(cmd,
                               "--wild-bootstrap must be a number of replicates from 1 to "
                               "10000000, not '%s'",
                               o->wild_bootstrap);
        s->wild_bootstrap = (size_t)v;
    }
    if (o->weights) {
        if (!o->wild_bootstrap)
            return !upl__usage(cmd, "--weights applies to --wild-bootstrap N");
        if (upl_wild_weights_from_name(o->weights, &s->wild_weights) != 0)
            return !upl__usage(cmd, "--weights must be rademacher, webb or mammen, not '%s'",
                               o->weights);
    }
    if (o->ri_design) {
        if (!csv_input)
            return !upl__usage(cmd, "--ri-design applies to --csv input; a study replays the "
                                    "randomization scheme of its protocol");
        if (upl_ri_design_from_name(o->ri_design, &s->ri_design) != 0)
            return !upl__usage(cmd,
                               "--ri-design must be simple, complete or blocked-by-participant, "
                               "not '%s'",
                               o->ri_design);
    }
    if (o->subgroup) {
        if (!*o->subgroup)
            return !upl__usage(cmd, "--subgroup needs a column name (category or a covariate)");
        s->subgroup = o->subgroup;
    }
    return 1;
}

static char *dup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *c = malloc(len);
    if (c)
        memcpy(c, s, len);
    return c;
}

typedef struct pred_ctx {
    upl__secondary_input *in;
    size_t cap;
    int oom;
} pred_ctx;

static int keep_string(upl__secondary_input *in, const char *s, const char **out)
{
    char **grown = realloc(in->strings, (in->n_strings + 1) * sizeof *grown);
    if (!grown)
        return 0;
    in->strings = grown;
    if (!(in->strings[in->n_strings] = dup(s)))
        return 0;
    *out = in->strings[in->n_strings++];
    return 1;
}

static int add_prediction(void *arg, const upl_prediction_rec *r)
{
    pred_ctx *ctx = arg;
    upl__secondary_input *in = ctx->in;
    if (in->n_predictions == ctx->cap) {
        size_t cap = ctx->cap ? 2 * ctx->cap : 16;
        upl_prediction *grown = realloc(in->predictions, cap * sizeof *grown);
        if (!grown)
            return ctx->oom = 1;
        in->predictions = grown;
        ctx->cap = cap;
    }
    upl_prediction *p = &in->predictions[in->n_predictions];
    p->pct = r->pct;
    p->source = NULL;
    if (!keep_string(in, r->group, &p->group) ||
        (r->source && !keep_string(in, r->source, &p->source)))
        return ctx->oom = 1;
    in->n_predictions++;
    return 0;
}

int upl__secondary_from_store(upl_store *store, const upl_protocol *protocol, const char *db_path,
                              const upl_dataset *ds, upl__secondary_input *in)
{
    pred_ctx ctx = {in, 0, 0};
    if (upl_store_prediction_each(store, add_prediction, &ctx) != UPL_OK)
        return ctx.oom ? upl__fail("out of memory")
                       : upl__fail("cannot read the predictions of '%s': %s", db_path,
                                   upl__store_error(store));
    in->spec.predictions = in->predictions;
    in->spec.n_predictions = in->n_predictions;
    /* the protocol's scheme, as randomization inference re-draws it */
    if (protocol->scheme == UPL_SCHEME_SIMPLE) {
        /* independent draws: the protocol's probability of the first non-control arm
         * among it and control is the whole design */
        in->spec.ri_design = UPL_RI_SIMPLE;
        size_t a1 = protocol->control == 0 ? 1 : 0;
        if (protocol->n_arms >= 2)
            in->spec.ri_simple_p =
                (double)protocol->arms[a1].ratio /
                (double)(protocol->arms[a1].ratio + protocol->arms[protocol->control].ratio);
    } else {
        /* the engine again over the recorded strata, positions and batches */
        upl_diag diag = {0};
        if (upl_redraw_alloc(store, ds, &in->redraw, &diag) != UPL_OK)
            return upl__fail("cannot prepare the replay of the allocation of '%s': %s", db_path,
                             upl__diag_error(&diag));
        in->spec.ri_design = UPL_RI_REPLAY;
        in->spec.ri_replay = upl_redraw_arms;
        in->spec.ri_replay_ctx = in->redraw;
        in->spec.ri_replay_name = upl_redraw_name(in->redraw);
    }
    return UPL_EXIT_OK;
}

int upl__secondary_run(upl_cli *cli, const upl_dataset *ds, upl__secondary_input *in,
                       upl_analysis_result *res)
{
    upl_diag diag = {0};
    upl__progress bar;
    upl__progress_init(&bar, cli, cli->command); /* "analyze: bootstrap" */
    if (upl__progress_on(&bar)) {
        in->spec.progress = upl__progress_fn;
        in->spec.progress_ctx = &bar;
    }
    upl_status st = upl_analysis_secondary(ds, &in->spec, res, &diag);
    upl__progress_end(&bar);
    in->spec.progress = NULL; /* bar is gone after this */
    in->spec.progress_ctx = NULL;
    if (st != UPL_OK)
        return upl__fail("%s", diag.msg[0] ? upl__diag_error(&diag) : upl_strerror(st));
    return upl__advise_warnings(res);
}

void upl__secondary_input_release(upl__secondary_input *in)
{
    for (size_t i = 0; i < in->n_strings; i++)
        free(in->strings[i]);
    free(in->strings);
    free(in->predictions);
    upl_redraw_free(in->redraw);
    memset(in, 0, sizeof *in);
}
