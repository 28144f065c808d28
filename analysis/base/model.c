/* Names of the model vocabulary (protocol files, CLI options, JSON). */
#include "uplift/model.h"

#include <string.h>

static int lookup(const char *const *names, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return i;
    return -1;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof(a[0])))

static const char *const outcome_names[] = {"total", "initial", "measured"};
static const char *const covariate_names[] = {"log_forecast_no_ai", "log_forecast_ai", "none"};
static const char *const se_names[] = {"classical", "hc0", "hc1", "hc2", "hc3",
                                       "cr0",       "cr1", "cr2", "cr3", "auto"};
static const char *const dist_names[] = {"t", "z"};
static const char *const impute_names[] = {"arm-mean", "complete-case"};

#define NAME_FUNCS(type, prefix, table)                                                            \
    const char *prefix##_name(type v)                                                              \
    {                                                                                              \
        return ((int)v >= 0 && (int)v < COUNT(table)) ? table[v] : "?";                            \
    }                                                                                              \
    int prefix##_from_name(const char *name, type *out)                                            \
    {                                                                                              \
        int i = name ? lookup(table, COUNT(table), name) : -1;                                     \
        if (i < 0)                                                                                 \
            return -1;                                                                             \
        *out = (type)i;                                                                            \
        return 0;                                                                                  \
    }

NAME_FUNCS(upl_outcome, upl_outcome, outcome_names)
NAME_FUNCS(upl_covariate, upl_covariate, covariate_names)
NAME_FUNCS(upl_se_type, upl_se_type, se_names)
NAME_FUNCS(upl_dist, upl_dist, dist_names)
NAME_FUNCS(upl_impute, upl_impute, impute_names)

int upl_se_type_clustered(upl_se_type v)
{
    return v == UPL_SE_CR0 || v == UPL_SE_CR1 || v == UPL_SE_CR2 || v == UPL_SE_CR3;
}
