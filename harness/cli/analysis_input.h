/* What `uplift analyze` and `uplift report` share: the model options (model_options.h),
 * the input (the study read-only, or any CSV with --map/--treated/--arm-names) and the
 * loading of the dataset with the protocol's defaults.  A command lists
 * UPL__ANALYSIS_LONGOPTS in its option table, hands every option it does not know itself
 * to upl__analysis_opt(), then calls upl__analysis_load(). */
#ifndef UPLIFT_CLI_ANALYSIS_INPUT_H
#define UPLIFT_CLI_ANALYSIS_INPUT_H

#include "cli.h"
#include "model_options.h"
#include "uplift/analysis.h"
#include "uplift/protocol.h"

struct upl_store;

/* Option codes of the input, after the model options'. */
enum {
    UPL__AOPT_CSV = UPL__MOPT_END,
    UPL__AOPT_MAP,
    UPL__AOPT_TREATED,
    UPL__AOPT_ARM_NAMES,
    UPL__AOPT_END /* first code free for a command's own options */
};

/* The model and input options' entries of a getopt_long table. */
#define UPL__ANALYSIS_LONGOPTS                                                                     \
    UPL__MODEL_LONGOPTS, {"csv", required_argument, NULL, UPL__AOPT_CSV},                          \
        {"map", required_argument, NULL, UPL__AOPT_MAP},                                           \
        {"treated", required_argument, NULL, UPL__AOPT_TREATED},                                   \
    {                                                                                              \
        "arm-names", required_argument, NULL, UPL__AOPT_ARM_NAMES                                  \
    }

/* The option lines of `help` for the options above. */
#define UPL__ANALYSIS_HELP                                                                         \
    "  --outcome total|initial|measured        [total] total = reported + post-review\n"           \
    "  --covariate log_forecast_no_ai|log_forecast_ai|none  [log_forecast_no_ai]\n"                \
    "  --fe participant                        participant fixed effects [off]\n"                  \
    "  --se classical|hc0|hc1|hc2|hc3|cr0|cr1|cr2|cr3  [cr2 with clusters, else hc2]\n"            \
    "  --dist t|z                              interval distribution [t]\n"                        \
    "  --level L                               confidence level in (0,1) [0.95]\n"                 \
    "  --impute arm-mean|complete-case         missing post-review time [arm-mean]\n"              \
    "  --csv FILE                              analyse a CSV instead of the study\n"               \
    "  --map FIELD=COLUMN,...                  CSV column names for task-table fields;\n"          \
    "                                          repeatable (the lists are joined)\n"                \
    "  --treated VALUE                         the arm value of the treated arm (1 matches\n"      \
    "                                          1.0); the arm is named as written\n"                \
    "  --arm-names VALUE=NAME,...              name arms in words, e.g. 1=ai,0=no_ai\n"            \
    "                                          (no_ai is then the control)\n"

enum { UPL__MAX_MAP_OPTIONS = 32 };

/* The option values as given (NULL: not given); --map may be given up to
 * UPL__MAX_MAP_OPTIONS times, each a list of FIELD=COLUMN. */
typedef struct upl__analysis_opts {
    upl__model_opts model;
    const char *csv, *treated, *arm_names;
    const char *map[UPL__MAX_MAP_OPTIONS];
    size_t n_map, n_map_given;
} upl__analysis_opts;

/* The long options of UPL__ANALYSIS_LONGOPTS that may be given more than once. */
#define UPL__ANALYSIS_REPEATABLE "map"

/* Records option c with its argument; returns 1 when c is one of UPL__ANALYSIS_LONGOPTS,
 * 0 otherwise. */
int upl__analysis_opt(upl__analysis_opts *o, int c, const char *arg);

/* Checks the options before anything is read (usage errors for cmd, exit 2), reads the
 * input and fills *spec (protocol defaults for a study, upl_model_spec_default() for a
 * CSV, then the options) and *ds (caller-owned; release with upl_dataset_release() on
 * exit 0).  With study input, *store_out is the store, left open in its read
 * transaction for the caller to read more of the same snapshot (close it with
 * upl_store_close()), and *protocol_out the study's protocol, parsed once and borrowed
 * from the store (valid until it is closed); both are NULL for CSV input.  Returns an
 * exit code, after printing the error. */
int upl__analysis_load(upl_cli *cli, const upl_command *cmd, const upl__analysis_opts *o,
                       upl_dataset *ds, upl_model_spec *spec, struct upl_store **store_out,
                       const upl_protocol **protocol_out);

#endif
