/* The protocol's vocabulary (uplift/protocol.h): scheme names, arm lookup and words,
 * release. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/protocol.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *upl_scheme_name(upl_scheme s)
{
    switch (s) {
    case UPL_SCHEME_SIMPLE:
        return "simple";
    case UPL_SCHEME_COMPLETE:
        return "complete";
    case UPL_SCHEME_PERMUTED_BLOCK:
        return "permuted-block";
    }
    return "?";
}

int upl_scheme_from_name(const char *name, upl_scheme *out)
{
    static const upl_scheme all[] = {UPL_SCHEME_SIMPLE, UPL_SCHEME_COMPLETE,
                                     UPL_SCHEME_PERMUTED_BLOCK};
    for (size_t i = 0; name && i < COUNT(all); i++) {
        if (strcmp(name, upl_scheme_name(all[i])) == 0) {
            *out = all[i];
            return 0;
        }
    }
    return -1;
}

void upl_protocol_release(upl_protocol *p)
{
    if (!p)
        return;
    free(p->title);
    free(p->description);
    for (size_t i = 0; p->arms && i < p->n_arms; i++) {
        free(p->arms[i].label);
        free(p->arms[i].description);
    }
    free(p->arms);
    free(p->block_sizes);
    for (size_t i = 0; p->covariates && i < p->n_covariates; i++) {
        free(p->covariates[i].name);
        free(p->covariates[i].description);
    }
    free(p->covariates);
    memset(p, 0, sizeof *p);
}

long upl_protocol_arm_index(const upl_protocol *p, const char *label)
{
    for (size_t i = 0; p && label && i < p->n_arms; i++)
        if (p->arms[i].label && strcmp(p->arms[i].label, label) == 0)
            return (long)i;
    return -1;
}

upl_arm_ai upl_protocol_arm_ai(const upl_protocol *p, const char *label)
{
    if (upl_protocol_arm_index(p, label) < 0)
        return UPL_ARM_AI_UNSAID;
    if (strcmp(label, "no_ai") == 0)
        return UPL_ARM_NO_AI;
    if (strcmp(label, "ai") == 0 || upl_protocol_arm_index(p, "no_ai") >= 0)
        return UPL_ARM_AI;
    return UPL_ARM_AI_UNSAID;
}

char *upl_protocol_arm_words(const upl_protocol *p, const char *label, int described, char *buf,
                             size_t size)
{
    if (!buf || size == 0)
        return buf;
    long i = upl_protocol_arm_index(p, label);
    const char *description = i >= 0 && described ? p->arms[i].description : NULL;
    const char *sep = description && *description ? ": " : "";
    if (!description)
        description = "";
    switch (upl_protocol_arm_ai(p, label)) {
    case UPL_ARM_NO_AI:
        snprintf(buf, size, "AI not allowed (%s)%s%s", label, sep, description);
        break;
    case UPL_ARM_AI:
        snprintf(buf, size, "AI allowed (%s)%s%s", label, sep, description);
        break;
    default:
        snprintf(buf, size, "%s%s%s", label ? label : "?", sep, description);
        break;
    }
    return buf;
}
