/* What `uplift analyze` (and `uplift report`) need for the secondary analyses of issue 6:
 * the options --subgroup, --bootstrap, --permutations, --ri-design and --seed, the
 * external predictions and the protocol's randomization scheme read from the study, a
 * progress bar on stderr when it is a terminal, and the run itself.  A command lists
 * UPL__SECONDARY_LONGOPTS after UPL__ANALYSIS_LONGOPTS, hands unknown options to
 * upl__secondary_opt(), checks them with upl__secondary_check() before reading, and
 * calls upl__secondary_run() after upl_analysis_run(). */
#ifndef UPLIFT_CLI_ANALYSIS_SECONDARY_H
#define UPLIFT_CLI_ANALYSIS_SECONDARY_H

#include "analysis_input.h"
#include "cli.h"
#include "uplift/protocol.h"
#include "uplift/secondary.h"

struct upl_store;

enum {
    UPL__SOPT_SUBGROUP = UPL__AOPT_END,
    UPL__SOPT_BOOTSTRAP,
    UPL__SOPT_PERMUTATIONS,
    UPL__SOPT_RI_DESIGN,
    UPL__SOPT_SEED,
    UPL__SOPT_WILD_BOOTSTRAP,
    UPL__SOPT_WEIGHTS,
    UPL__SOPT_END /* first code free for a command's own options */
};

#define UPL__SECONDARY_LONGOPTS                                                                    \
    {"subgroup", required_argument, NULL, UPL__SOPT_SUBGROUP},                                     \
        {"bootstrap", required_argument, NULL, UPL__SOPT_BOOTSTRAP},                               \
        {"permutations", required_argument, NULL, UPL__SOPT_PERMUTATIONS},                         \
        {"ri-design", required_argument, NULL, UPL__SOPT_RI_DESIGN},                               \
        {"wild-bootstrap", required_argument, NULL, UPL__SOPT_WILD_BOOTSTRAP},                     \
        {"weights", required_argument, NULL, UPL__SOPT_WEIGHTS},                                   \
    {                                                                                              \
        "seed", required_argument, NULL, UPL__SOPT_SEED                                            \
    }

#define UPL__SECONDARY_HELP                                                                        \
    "  --subgroup COLUMN                       effects per level of category or a covariate\n"     \
    "  --bootstrap N                           cluster bootstrap resamples [2000]\n"               \
    "  --permutations N                        randomization-inference draws [10000]\n"            \
    "                                          (exact enumeration up to 100000 assignments)\n"     \
    "  --ri-design simple|complete|blocked-by-participant  (--csv) [complete]\n"                   \
    "  --wild-bootstrap N                      wild cluster restricted bootstrap p-value and\n"    \
    "                                          interval of each arm, N replicates [off]\n"         \
    "  --weights rademacher|webb|mammen        its weights [rademacher]; Rademacher with\n"        \
    "                                          2^G <= N enumerates all 2^G sign vectors\n"         \
    "  --seed N                                seed of the bootstrap and permutations,\n"          \
    "                                          1 to 4294967295 [1]\n"

typedef struct upl__secondary_opts {
    const char *subgroup, *bootstrap, *permutations, *ri_design, *seed;
    const char *wild_bootstrap, *weights; /* issue 16 */
} upl__secondary_opts;

/* Records option c; 1 when it is one of UPL__SECONDARY_LONGOPTS. */
int upl__secondary_opt(upl__secondary_opts *o, int c, const char *arg);

/* Predictions and strings read from the study, owned. */
typedef struct upl__secondary_input {
    upl_secondary_spec spec;
    upl_prediction *predictions;
    size_t n_predictions;
    char **strings;
    size_t n_strings;
    struct upl_redraw *redraw; /* a study's allocation re-drawn for randomization inference */
    int tty;
} upl__secondary_input;

/* Checks the option values (usage error for cmd, returns 0) and fills in->spec;
 * csv_input says whether the data come from --csv. */
int upl__secondary_check(const upl_command *cmd, const upl__secondary_opts *o, int csv_input,
                         upl__secondary_input *in);

/* With study input: reads the predictions from store (open in its read transaction),
 * and takes the randomization-inference design from the study's protocol (as
 * upl__analysis_load() handed it out): for a `complete` or `permuted-block` protocol
 * the replay of its allocation over ds (the study's task table); `simple` needs no
 * replay (independent draws with the protocol's probability are its design).  Returns
 * an exit code after printing the error. */
int upl__secondary_from_store(struct upl_store *store, const upl_protocol *protocol,
                              const char *db_path, const upl_dataset *ds, upl__secondary_input *in);

/* Runs upl_analysis_secondary() on res, with a progress bar when stderr is a terminal,
 * then appends the command line's advice to every warning of res that has one
 * (upl__advise_warnings), so that each renderer shows it.  Returns an exit code after
 * printing the error. */
int upl__secondary_run(upl_cli *cli, const upl_dataset *ds, upl__secondary_input *in,
                       upl_analysis_result *res);

void upl__secondary_input_release(upl__secondary_input *in);

#endif
