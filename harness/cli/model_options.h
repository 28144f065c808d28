/* The model options of `uplift analyze`, `uplift report` and `uplift power`: which
 * outcome, covariate, fixed effects, standard error, interval distribution, missing-
 * data rule and confidence level the analysis uses (a upl_model_spec).  One table,
 * UPL__MODEL_OPTIONS, defines them; a command lists UPL__MODEL_LONGOPTS in its option
 * table, and every value is read by upl__model_set(), so the same mistake gets the same
 * message whichever command it is given to. */
#ifndef UPLIFT_CLI_MODEL_OPTIONS_H
#define UPLIFT_CLI_MODEL_OPTIONS_H

#include "cli.h"
#include "uplift/analysis.h" /* upl_model_spec */

/* X(ID, "name"): the option --name and its code UPL__MOPT_ID, in the order
 * upl__model_apply() checks them; the entries are separated by commas, so that an
 * expansion is a list. */
#define UPL__MODEL_OPTIONS(X)                                                                      \
    X(OUTCOME, "outcome"), X(COVARIATE, "covariate"), X(FE, "fe"), X(SE, "se"), X(DIST, "dist"),   \
        X(IMPUTE, "impute"), X(LEVEL, "level")

/* Option codes, above any short option character. */
#define UPL__MOPT_CODE(id, name) UPL__MOPT_##id
enum {
    UPL__MOPT_BASE = 255,
    UPL__MODEL_OPTIONS(UPL__MOPT_CODE),
    UPL__MOPT_END /* first code free for other options */
};
#define UPL__MOPT_COUNT (UPL__MOPT_END - UPL__MOPT_BASE - 1)

/* Their entries of a getopt_long table. */
#define UPL__MOPT_LONGOPT(id, name)                                                                \
    {                                                                                              \
        name, required_argument, NULL, UPL__MOPT_##id                                              \
    }
#define UPL__MODEL_LONGOPTS UPL__MODEL_OPTIONS(UPL__MOPT_LONGOPT)

/* The values as given, by code (NULL: not given), for a command that applies them
 * later (over defaults it reads first). */
typedef struct upl__model_opts {
    const char *value[UPL__MOPT_COUNT];
} upl__model_opts;

/* Records option code with its value: 1 when it is a model option, 0 otherwise. */
int upl__model_opt(upl__model_opts *o, int code, const char *arg);

/* Reads the value of model option code into spec: 1 when it is valid, -1 after
 * printing a usage error for cmd, 0 when code is not a model option. */
int upl__model_set(const upl_command *cmd, upl_model_spec *spec, int code, const char *arg);

/* upl__model_set() for every value recorded in o, in the table's order: 1, or 0 after
 * the first usage error. */
int upl__model_apply(const upl_command *cmd, const upl__model_opts *o, upl_model_spec *spec);

#endif
