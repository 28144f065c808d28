/* A study protocol as data: arms, randomization scheme and the primary analysis, as
 * declared in a YAML file fixed before the study starts (docs/protocol.md).  The hash
 * is the SHA-256 of its canonical text (CRLF line ends turned into LF), in lowercase
 * hex.  Reading a file is the engine's (uplift/protocol_parse.h); this header is the
 * vocabulary every layer shares. */
#ifndef UPLIFT_PROTOCOL_H
#define UPLIFT_PROTOCOL_H

#include <stddef.h>

#include "uplift/model.h"
#include "uplift/status.h"

#define UPL_PROTOCOL_MAX_ARMS 16
#define UPL_PROTOCOL_HASH_HEX 65 /* 64 hex digits + NUL */

typedef enum {
    UPL_SCHEME_SIMPLE,        /* independent draw per task with the arm probabilities */
    UPL_SCHEME_COMPLETE,      /* exact counts over the eligible batch */
    UPL_SCHEME_PERMUTED_BLOCK /* blocks of sizes drawn from block_sizes */
} upl_scheme;

/* "simple", "complete", "permuted-block" ("?" for other values).  _from_name returns 0
 * and sets *out, or -1 for an unknown name (NULL included). */
const char *upl_scheme_name(upl_scheme s);
int upl_scheme_from_name(const char *name, upl_scheme *out);

typedef struct upl_arm {
    char *label;       /* [a-z0-9_]+, unique */
    unsigned ratio;    /* allocation weight, >= 1 */
    char *description; /* may be NULL */
} upl_arm;

typedef enum { UPL_COVTYPE_NUMBER, UPL_COVTYPE_TEXT } upl_covtype;

typedef struct upl_covariate_decl {
    char *name; /* a column name in the task table; not one of the standard columns */
    upl_covtype type;
    char *description; /* may be NULL */
} upl_covariate_decl;

typedef struct upl_protocol {
    char *title;
    char *description; /* may be NULL */
    size_t n_arms;
    upl_arm *arms;  /* arms[control] is the comparison arm */
    size_t control; /* default: the arm named no_ai, else the first */
    upl_scheme scheme;
    int stratify_participant;
    int stratify_category;
    size_t n_block_sizes;
    unsigned *block_sizes; /* permuted-block only; each a multiple of the ratio sum */
    upl_outcome outcome;
    upl_covariate covariate;
    upl_se_type se_type; /* UPL_SE_AUTO by default */
    upl_dist dist;
    double alpha; /* 0 < alpha < 1, default 0.05 */
    upl_impute impute;
    size_t n_covariates;
    upl_covariate_decl *covariates;
    double report_tolerance;  /* flag |reported/measured - 1| above this; default 0.25 */
    int allow_parallel_tasks; /* may a participant run two timers at once; default 0 */
    char hash[UPL_PROTOCOL_HASH_HEX];
} upl_protocol;

/* Frees what the protocol holds and zeroes it; safe on a zeroed struct. */
void upl_protocol_release(upl_protocol *p);

/* Index of the arm with this label, or -1 (also for a NULL protocol or label). */
long upl_protocol_arm_index(const upl_protocol *p, const char *label);

/* Does the arm labelled label allow AI, as a participant must be told?  The arm labelled
 * no_ai does not (UPL_ARM_NO_AI); every other arm of a protocol that has a no_ai arm
 * does (UPL_ARM_AI: ai, autocomplete, agent, ...), and so does an arm labelled ai;
 * otherwise the labels say nothing (UPL_ARM_AI_UNSAID, also for a label the protocol
 * lacks and a NULL protocol or label). */
typedef enum { UPL_ARM_AI_UNSAID = -1, UPL_ARM_NO_AI = 0, UPL_ARM_AI = 1 } upl_arm_ai;
upl_arm_ai upl_protocol_arm_ai(const upl_protocol *p, const char *label);

/* The arm in words for the participant, into buf (always NUL-terminated when size > 0):
 * "AI allowed (ai)" or "AI not allowed (no_ai)" by upl_protocol_arm_ai(), the bare
 * label when that is unsaid; with described set, followed by ": " and the arm's
 * description when the protocol gives one ("AI not allowed (no_ai): AI tools
 * disallowed").  Returns buf. */
char *upl_protocol_arm_words(const upl_protocol *p, const char *label, int described, char *buf,
                             size_t size);

#endif
