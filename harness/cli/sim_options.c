/* Parsing of the design options shared by simulate and power. */
#include "sim_options.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/duration.h"

const char *const upl__sim_repeatable[] = {"arm-effect", "category-effect", NULL};

void upl__sim_cli_init(upl__sim_cli *s)
{
    memset(s, 0, sizeof *s);
    upl_sim_params_default(&s->params);
}

static int parse_size(const char *text, size_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!*text || *text == '-' || *text == '+')
        return 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || end == text)
        return 0;
    *out = (size_t)v;
    return 1;
}

/* A non-negative number: a plain value, or "30%" for a share. */
static int parse_number(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno)
        return 0;
    if (*end == '%') {
        v /= 100.0;
        end++;
    }
    if (*end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int bad_value(const upl_command *cmd, const char *opt, const char *arg, const char *want)
{
    upl__usage(cmd, "--%s '%s' is not %s", opt, arg, want);
    return -1;
}

static int percent(const upl_command *cmd, const char *opt, const char *arg, double *out)
{
    upl_diag diag = {0};
    if (upl_percent_parse(arg, out, &diag) != UPL_OK) {
        upl__usage(cmd, "--%s: %s", opt, diag.msg);
        return -1;
    }
    return 1;
}

static int tasks_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    char *dash = strchr(arg, '-');
    size_t lo, hi;
    if (dash) {
        *dash = '\0';
        int ok = parse_size(arg, &lo) && parse_size(dash + 1, &hi);
        *dash = '-';
        if (!ok || lo < 1 || hi < lo)
            return bad_value(cmd, "tasks", arg, "N or MIN-MAX with 1 <= MIN <= MAX");
    } else {
        if (!parse_size(arg, &lo) || lo < 1)
            return bad_value(cmd, "tasks", arg, "a positive number of tasks or MIN-MAX");
        hi = lo;
    }
    s->params.tasks_min = lo;
    s->params.tasks_max = hi;
    s->have_tasks = 1;
    return 1;
}

static int arms_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    upl_sim_params *p = &s->params;
    size_t n = 0;
    char *item = arg;
    while (item) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (n == UPL_SIM_MAX_ARMS) {
            upl__usage(cmd, "--arms: at most %d arms", UPL_SIM_MAX_ARMS);
            return -1;
        }
        unsigned ratio = 1;
        char *colon = strchr(item, ':');
        if (colon) {
            size_t r;
            *colon = '\0';
            if (!parse_size(colon + 1, &r) || r < 1 || r > 1000) {
                upl__usage(cmd, "--arms: ratio '%s' of arm '%s' is not 1 to 1000", colon + 1, item);
                return -1;
            }
            ratio = (unsigned)r;
        }
        p->arms[n] = (upl_sim_arm){item, ratio, NAN};
        n++;
        item = next;
    }
    if (n < 2) {
        upl__usage(cmd, "--arms needs at least two arms, e.g. ai:1,no_ai:1");
        return -1;
    }
    p->n_arms = n;
    p->control = 0;
    for (size_t a = 0; a < n; a++)
        if (strcmp(p->arms[a].label, "no_ai") == 0)
            p->control = a;
    return 1;
}

static int categories_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    upl_sim_params *p = &s->params;
    size_t n = 0;
    char *item = arg;
    while (item) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        if (n == UPL_SIM_MAX_CATEGORIES) {
            upl__usage(cmd, "--categories: at most %d categories", UPL_SIM_MAX_CATEGORIES);
            return -1;
        }
        double share = 1.0, mult = 1.0;
        char *colon = strchr(item, ':');
        if (colon) {
            *colon++ = '\0';
            char *colon2 = strchr(colon, ':');
            if (colon2)
                *colon2++ = '\0';
            if (!parse_number(colon, &share) || !(share > 0.0)) {
                upl__usage(cmd, "--categories: share '%s' of '%s' is not a positive number", colon,
                           item);
                return -1;
            }
            if (colon2 && (!parse_number(colon2, &mult) || !(mult > 0.0))) {
                upl__usage(cmd, "--categories: time multiplier '%s' of '%s' is not positive",
                           colon2, item);
                return -1;
            }
        }
        p->categories[n] = (upl_sim_category){item, share, NAN, mult};
        n++;
        item = next;
    }
    p->n_categories = n;
    return 1;
}

/* LABEL=PCT into the pending lists. */
static int pair_option(const upl_command *cmd, const char *opt, char *arg, const char **labels,
                       double *values, size_t *n, size_t max)
{
    char *key, *value;
    if (!upl__split_assignment(arg, &key, &value))
        return bad_value(cmd, opt, arg, "NAME=PCT");
    if (*n == max) {
        upl__usage(cmd, "--%s given more than %zu times", opt, max);
        return -1;
    }
    if (percent(cmd, opt, value, &values[*n]) < 0)
        return -1;
    labels[(*n)++] = key;
    return 1;
}

/* How a design option's value is read: by its own function, or as a number of one kind
 * into the double at offset in upl_sim_params. */
typedef enum { SIM_OWN, SIM_SD, SIM_SHARE, SIM_PCT } sim_kind;

typedef struct sim_option {
    sim_kind kind;
    size_t offset; /* SIM_SD, SIM_SHARE, SIM_PCT */
    int (*read)(const upl_command *cmd, upl__sim_cli *s, char *arg); /* SIM_OWN */
} sim_option;

/* A number of the row's kind into its field. */
static int read_number(const upl_command *cmd, const sim_option *row, const char *name,
                       upl__sim_cli *s, char *arg)
{
    double *field = (double *)(void *)((char *)&s->params + row->offset);
    if (row->kind == SIM_PCT)
        return percent(cmd, name, arg, field);
    int share = row->kind == SIM_SHARE;
    double v;
    if (!parse_number(arg, &v) || v < 0.0 || (share && v > 1.0) || (!share && v > 5.0))
        return bad_value(cmd, name, arg,
                         share ? "a share from 0 to 1 (or 0% to 100%)"
                               : "a standard deviation from 0 to 5 (log scale)");
    *field = v;
    return 1;
}

static int participant_sd_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    static const sim_option row = {SIM_SD, offsetof(upl_sim_params, participant_sd), NULL};
    s->have_participant_sd = 1; /* given: --icc may not be */
    return read_number(cmd, &row, "participant-sd", s, arg);
}

static int participants_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    if (!parse_size(arg, &s->params.participants) || s->params.participants < 1)
        return bad_value(cmd, "participants", arg, "a positive number");
    s->have_participants = 1;
    return 1;
}

static int effect_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    s->have_effect = 1;
    return percent(cmd, "effect", arg, &s->params.effect_pct);
}

static int seed_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    return upl__parse_seed(cmd, arg, &s->params.seed) ? 1 : -1;
}

static int arm_effect_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    return pair_option(cmd, "arm-effect", arg, s->arm_effect_label, s->arm_effect,
                       &s->n_arm_effects, UPL_SIM_MAX_ARMS);
}

static int scheme_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    if (upl_sim_scheme_from_name(arg, &s->params.scheme) != 0)
        return bad_value(cmd, "scheme", arg, "simple, complete or blocked-by-participant");
    return 1;
}

static int category_effect_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    return pair_option(cmd, "category-effect", arg, s->cat_effect_name, s->cat_effect,
                       &s->n_cat_effects, UPL_SIM_MAX_CATEGORIES);
}

static int median_time_option(const upl_command *cmd, upl__sim_cli *s, char *arg)
{
    upl_diag diag = {0};
    if (upl_duration_parse(arg, &s->params.median_min, &diag) != UPL_OK) {
        upl__usage(cmd, "--median-time: %s", diag.msg);
        return -1;
    }
    return 1;
}

#define OWN(fn)                                                                                    \
    {                                                                                              \
        SIM_OWN, 0, fn                                                                             \
    }
#define NUMBER(kind, field)                                                                        \
    {                                                                                              \
        kind, offsetof(upl_sim_params, field), NULL                                                \
    }
#define AT(id) [UPL__SIMOPT_##id - UPL__SIMOPT_BASE - 1]
static const sim_option sim_options[UPL__SIMOPT_COUNT] = {
    AT(PARTICIPANTS) = OWN(participants_option),
    AT(TASKS) = OWN(tasks_option),
    AT(EFFECT) = OWN(effect_option),
    AT(SEED) = OWN(seed_option),
    AT(ARMS) = OWN(arms_option),
    AT(ARM_EFFECT) = OWN(arm_effect_option),
    AT(SCHEME) = OWN(scheme_option),
    AT(CATEGORIES) = OWN(categories_option),
    AT(CATEGORY_EFFECT) = OWN(category_effect_option),
    AT(MEDIAN_TIME) = OWN(median_time_option),
    AT(PARTICIPANT_SD) = OWN(participant_sd_option),
    AT(ICC) = NUMBER(SIM_SHARE, icc),
    AT(RESID_SD) = NUMBER(SIM_SD, resid_sd),
    AT(EFFECT_SD) = NUMBER(SIM_SD, effect_sd),
    AT(FORECAST_SD) = NUMBER(SIM_SD, forecast_sd),
    AT(FORECAST_BIAS) = NUMBER(SIM_PCT, forecast_bias),
    AT(FORECAST_RATIO_SD) = NUMBER(SIM_SD, forecast_ratio_sd),
    AT(PERCEIVED) = NUMBER(SIM_PCT, perceived_pct),
    AT(PERCEIVED_SD) = NUMBER(SIM_SD, perceived_sd),
    AT(PERCEIVED_MISSING) = NUMBER(SIM_SHARE, perceived_missing),
    AT(REVIEW_RATE) = NUMBER(SIM_SHARE, review_rate),
    AT(POST_REVIEW_SHARE) = NUMBER(SIM_SHARE, post_review_share),
    AT(POST_REVIEW_MISSING) = NUMBER(SIM_SHARE, post_review_missing),
    AT(REPORT_BIAS) = NUMBER(SIM_PCT, report_bias),
    AT(REPORT_SD) = NUMBER(SIM_SD, report_sd),
    AT(TREATED_NONUSE) = NUMBER(SIM_SHARE, treated_nonuse),
    AT(CONTROL_USE) = NUMBER(SIM_SHARE, control_use),
    AT(ABANDON) = NUMBER(SIM_SHARE, abandon),
};
#undef AT
#undef NUMBER
#undef OWN

#define NAME(id, name) name
static const char *const sim_names[UPL__SIMOPT_COUNT] = {UPL__SIM_OPTIONS(NAME)};
#undef NAME

int upl__sim_option(const upl_command *cmd, upl__sim_cli *s, int c, char *arg)
{
    if (c <= UPL__SIMOPT_BASE || c >= UPL__SIMOPT_END)
        return 0;
    const sim_option *row = &sim_options[c - UPL__SIMOPT_BASE - 1];
    if (row->kind == SIM_OWN)
        return row->read(cmd, s, arg);
    return read_number(cmd, row, sim_names[c - UPL__SIMOPT_BASE - 1], s, arg);
}

int upl__sim_finish(const upl_command *cmd, upl__sim_cli *s, int need_effect)
{
    upl_sim_params *p = &s->params;
    upl_diag diag = {0};
    if (!s->have_participants) {
        upl__usage(cmd, "--participants N is required");
        return 0;
    }
    if (!s->have_tasks) {
        upl__usage(cmd, "--tasks N or --tasks MIN-MAX is required");
        return 0;
    }
    if (s->have_participant_sd && !isnan(p->icc)) {
        upl__usage(cmd, "give --participant-sd or --icc, not both");
        return 0;
    }
    if (need_effect && !s->have_effect) {
        upl__usage(cmd, "--effect PCT is required (e.g. --effect 19%%)");
        return 0;
    }
    for (size_t i = 0; i < s->n_arm_effects; i++) {
        size_t a = 0;
        while (a < p->n_arms && strcmp(p->arms[a].label, s->arm_effect_label[i]) != 0)
            a++;
        if (a == p->n_arms) {
            upl__usage(cmd, "--arm-effect: no arm '%s' (see --arms)", s->arm_effect_label[i]);
            return 0;
        }
        if (a == p->control) {
            upl__usage(cmd, "--arm-effect: '%s' is the control arm", s->arm_effect_label[i]);
            return 0;
        }
        p->arms[a].effect_pct = s->arm_effect[i];
    }
    for (size_t i = 0; i < s->n_cat_effects; i++) {
        size_t c = 0;
        while (c < p->n_categories && strcmp(p->categories[c].name, s->cat_effect_name[i]) != 0)
            c++;
        if (c == p->n_categories) {
            upl__usage(cmd, "--category-effect: no category '%s' (see --categories)",
                       s->cat_effect_name[i]);
            return 0;
        }
        p->categories[c].effect_pct = s->cat_effect[i];
    }
    if (upl_sim_params_check(p, &diag) != UPL_OK) {
        upl__usage(cmd, "%s", diag.msg);
        return 0;
    }
    return 1;
}
