/* Reading the model options (model_options.h). */
#include "model_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int read_outcome(const char *arg, upl_model_spec *spec)
{
    return upl_outcome_from_name(arg, &spec->outcome) == 0;
}

static int read_covariate(const char *arg, upl_model_spec *spec)
{
    return upl_covariate_from_name(arg, &spec->covariate) == 0;
}

static int read_fe(const char *arg, upl_model_spec *spec)
{
    if (strcmp(arg, "participant") != 0)
        return 0;
    spec->participant_fe = 1;
    return 1;
}

/* "auto" is the protocol's default, never an option's value */
static int read_se(const char *arg, upl_model_spec *spec)
{
    upl_se_type se;
    if (upl_se_type_from_name(arg, &se) != 0 || se == UPL_SE_AUTO)
        return 0;
    spec->se_type = se;
    return 1;
}

static int read_dist(const char *arg, upl_model_spec *spec)
{
    return upl_dist_from_name(arg, &spec->dist) == 0;
}

static int read_impute(const char *arg, upl_model_spec *spec)
{
    return upl_impute_from_name(arg, &spec->impute) == 0;
}

static int read_level(const char *arg, upl_model_spec *spec)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(arg, &end);
    if (!*arg || *end || errno || !(v > 0.0 && v < 1.0))
        return 0;
    spec->level = v;
    return 1;
}

/* How each option's value is read, by code: what a valid value is, for the message
 * "--name RULE, not 'VALUE'", and the reader (1 when arg is valid, spec then set). */
typedef struct model_option {
    const char *rule;
    int (*read)(const char *arg, upl_model_spec *spec);
} model_option;

#define AT(id) [UPL__MOPT_##id - UPL__MOPT_BASE - 1]
static const model_option model_options[UPL__MOPT_COUNT] = {
    AT(OUTCOME) = {"must be total, initial or measured", read_outcome},
    AT(COVARIATE) = {"must be log_forecast_no_ai, log_forecast_ai or none", read_covariate},
    AT(FE) = {"takes 'participant'", read_fe},
    AT(SE) = {"must be classical, hc0, hc1, hc2, hc3, cr0, cr1, cr2 or cr3", read_se},
    AT(DIST) = {"must be t or z", read_dist},
    AT(IMPUTE) = {"must be arm-mean or complete-case", read_impute},
    AT(LEVEL) = {"must be a number between 0 and 1 (e.g. 0.95)", read_level},
};
#undef AT

#define NAME(id, name) name
static const char *const model_names[UPL__MOPT_COUNT] = {UPL__MODEL_OPTIONS(NAME)};
#undef NAME

/* The row of code, or NULL when it is not a model option. */
static const model_option *find(int code)
{
    if (code <= UPL__MOPT_BASE || code >= UPL__MOPT_END)
        return NULL;
    return &model_options[code - UPL__MOPT_BASE - 1];
}

int upl__model_opt(upl__model_opts *o, int code, const char *arg)
{
    if (!find(code))
        return 0;
    o->value[code - UPL__MOPT_BASE - 1] = arg;
    return 1;
}

int upl__model_set(const upl_command *cmd, upl_model_spec *spec, int code, const char *arg)
{
    const model_option *row = find(code);
    if (!row)
        return 0;
    if (!row->read(arg, spec)) {
        upl__usage(cmd, "--%s %s, not '%s'", model_names[code - UPL__MOPT_BASE - 1], row->rule,
                   arg);
        return -1;
    }
    return 1;
}

int upl__model_apply(const upl_command *cmd, const upl__model_opts *o, upl_model_spec *spec)
{
    for (int i = 0; i < UPL__MOPT_COUNT; i++)
        if (o->value[i] && upl__model_set(cmd, spec, UPL__MOPT_BASE + 1 + i, o->value[i]) < 0)
            return 0;
    return 1;
}
