/* The design options shared by `uplift simulate` and `uplift power`: participants,
 * tasks, effects and the model of include/uplift/simulate.h. */
#ifndef UPLIFT_CLI_SIM_OPTIONS_H
#define UPLIFT_CLI_SIM_OPTIONS_H

#include <getopt.h>

#include "cli.h"
#include "uplift/simulate.h"

/* getopt_long entries of the design options (values from UPL__SIM_OPT_BASE up),
 * terminated by a zero entry; a command copies them after its own. */
#define UPL__SIM_OPT_BASE 0x1000
extern const struct option upl__sim_longopts[];
size_t upl__sim_longopts_count(void);

/* Help text of the design options, one per line. */
extern const char upl__sim_help[];

typedef struct upl__sim_cli {
    upl_sim_params params;
    int have_participants, have_tasks, have_effect;
    /* --arm-effect and --category-effect, applied once --arms and --categories are known */
    size_t n_arm_effects;
    const char *arm_effect_label[UPL_SIM_MAX_ARMS];
    double arm_effect[UPL_SIM_MAX_ARMS];
    size_t n_cat_effects;
    const char *cat_effect_name[UPL_SIM_MAX_CATEGORIES];
    double cat_effect[UPL_SIM_MAX_CATEGORIES];
} upl__sim_cli;

void upl__sim_cli_init(upl__sim_cli *s);

/* Handles option c with its argument (modified in place: labels are borrowed from it).
 * Returns 1 when handled, 0 when c is not a design option, -1 after printing a usage
 * error. */
int upl__sim_option(const upl_command *cmd, upl__sim_cli *s, int c, char *arg);

/* Applies the per-arm and per-category effects and checks the design; need_effect says
 * whether --effect is required.  Returns 1, or 0 after printing a usage error. */
int upl__sim_finish(const upl_command *cmd, upl__sim_cli *s, int need_effect);

#endif
