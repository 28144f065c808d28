/* The design options shared by `uplift simulate` and `uplift power`: participants,
 * tasks, effects and the model of include/uplift/simulate.h. */
#ifndef UPLIFT_CLI_SIM_OPTIONS_H
#define UPLIFT_CLI_SIM_OPTIONS_H

#include <getopt.h>

#include "cli.h"
#include "uplift/simulate.h"

/* X(ID, name): the design options, the option --name with the code UPL__SIMOPT_ID; the
 * entries are separated by commas, so that an expansion is a list. */
#define UPL__SIM_OPTIONS(X)                                                                        \
    X(PARTICIPANTS, "participants"), X(TASKS, "tasks"), X(EFFECT, "effect"), X(SEED, "seed"),      \
        X(ARMS, "arms"), X(ARM_EFFECT, "arm-effect"), X(SCHEME, "scheme"),                         \
        X(CATEGORIES, "categories"), X(CATEGORY_EFFECT, "category-effect"),                        \
        X(MEDIAN_TIME, "median-time"), X(PARTICIPANT_SD, "participant-sd"), X(ICC, "icc"),         \
        X(RESID_SD, "resid-sd"), X(EFFECT_SD, "effect-sd"), X(FORECAST_SD, "forecast-sd"),         \
        X(FORECAST_BIAS, "forecast-bias"), X(FORECAST_RATIO_SD, "forecast-ratio-sd"),              \
        X(PERCEIVED, "perceived"), X(PERCEIVED_SD, "perceived-sd"),                                \
        X(PERCEIVED_MISSING, "perceived-missing"), X(REVIEW_RATE, "review-rate"),                  \
        X(POST_REVIEW_SHARE, "post-review-share"), X(POST_REVIEW_MISSING, "post-review-missing"),  \
        X(REPORT_BIAS, "report-bias"), X(REPORT_SD, "report-sd"),                                  \
        X(TREATED_NONUSE, "treated-nonuse"), X(CONTROL_USE, "control-use"), X(ABANDON, "abandon")

/* Option codes, far above a command's own. */
#define UPL__SIMOPT_CODE(id, name) UPL__SIMOPT_##id
enum { UPL__SIMOPT_BASE = 0x0fff, UPL__SIM_OPTIONS(UPL__SIMOPT_CODE), UPL__SIMOPT_END };
#define UPL__SIMOPT_COUNT (UPL__SIMOPT_END - UPL__SIMOPT_BASE - 1)

/* Their entries of a getopt_long table. */
#define UPL__SIMOPT_LONGOPT(id, name)                                                              \
    {                                                                                              \
        name, required_argument, NULL, UPL__SIMOPT_##id                                            \
    }
#define UPL__SIM_LONGOPTS UPL__SIM_OPTIONS(UPL__SIMOPT_LONGOPT)

/* The options among them that repeat (--arm-effect, --category-effect), for the
 * descriptors' repeatable. */
extern const char *const upl__sim_repeatable[];

/* Help text of the design options, one per line (a string literal, so that a
 * descriptor's help can include it). */
#define UPL__SIM_HELP                                                                              \
    "Design (defaults in brackets):\n"                                                             \
    "  --participants N          developers, the clusters (required)\n"                            \
    "  --tasks N|MIN-MAX         tasks per participant, fixed or uniform on MIN-MAX (required)\n"  \
    "  --effect PCT              change of time with AI: 19%, 0.19, 20% faster\n"                  \
    "  --seed S                  seed of the generator (GSL mt19937), 1 to 4294967295 [1]\n"       \
    "  --arms A:R,B:R,...        arm labels and allocation ratios; the control is no_ai\n"         \
    "                            when present, else the first [ai:1,no_ai:1]\n"                    \
    "  --arm-effect ARM=PCT      effect of one arm (repeatable) [--effect]\n"                      \
    "  --scheme S                simple, complete or blocked-by-participant [simple]\n"            \
    "  --categories C[:SHARE[:MULT]],...  task categories, their shares and time\n"                \
    "                            multipliers "                                                     \
    "[bug:0.35,feature:0.35,refactor:0.2,exploration:0.1]\n"                                       \
    "  --category-effect C=PCT   effect in one category, a jagged frontier (repeatable)\n"         \
    "Times and noise:\n"                                                                           \
    "  --median-time DUR         median task time without AI [90m]\n"                              \
    "  --participant-sd X        SD of the participant effect on log time [0.3]\n"                 \
    "  --icc X                   intra-class correlation instead of --participant-sd\n"            \
    "  --resid-sd X              residual SD of log time [0.8]\n"                                  \
    "  --effect-sd X             SD across participants of their own log effect [0]\n"             \
    "  --forecast-sd X           SD of log(forecast / true time without AI) [0.5]\n"               \
    "  --forecast-bias PCT       forecast_ai / forecast_no_ai - 1 (geometric mean) [0]\n"          \
    "  --forecast-ratio-sd X     SD across tasks of log(forecast_ai / forecast_no_ai) [0]\n"       \
    "  --perceived PCT           mean post-hoc estimate of AI's effect [0]\n"                      \
    "  --perceived-sd X          its SD across tasks [0.15]\n"                                     \
    "  --perceived-missing SHARE share of AI tasks without an estimate [0]\n"                      \
    "  --review-rate SHARE       share of tasks with work after review [0.5]\n"                    \
    "  --post-review-share SHARE share of a reviewed task's time after review [0.15]\n"            \
    "  --post-review-missing SHARE  share of post-review times missing [0]\n"                      \
    "  --report-bias PCT         reported / measured time - 1 (geometric mean) [0]\n"              \
    "  --report-sd X             SD of log(reported / measured) around the bias [0.1]\n"           \
    "  --treated-nonuse SHARE    share of AI-arm tasks done without AI [0]\n"                      \
    "  --control-use SHARE       share of control tasks done with AI [0]\n"                        \
    "  --abandon SHARE           share of tasks abandoned [0]\n"

typedef struct upl__sim_cli {
    upl_sim_params params;
    int have_participants, have_tasks, have_effect, have_participant_sd;
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
