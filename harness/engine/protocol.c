/* Study protocols: reading the YAML format of docs/protocol.md.
 *
 * libyaml's event API builds a small tree of our own (mappings, sequences, scalars with
 * their line), which is then checked key by key against the schema below.  Aliases are
 * refused and nesting is bounded, so hostile input cannot make the tree cyclic or deep.
 * Every message names the file, the 1-based line and the key path. */
#include "uplift/protocol_parse.h"
#include "uplift/task.h"
#include "text.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH          32
#define MAX_PROTOCOL_BYTES (1024 * 1024)
#define MAX_RATIO          1000u
#define MAX_BLOCK_SIZE     10000u
#define MAX_BLOCK_SIZES    32
#define MAX_COVARIATES     64

/* ---- the tree ----------------------------------------------------------------------- */

typedef enum { NODE_SCALAR, NODE_SEQ, NODE_MAP } node_kind;

typedef struct node {
    node_kind kind;
    size_t line;        /* 1-based */
    char *text;         /* scalar value, NUL-terminated */
    int plain;          /* scalar written without quotes or block style */
    struct node **kids; /* sequence items, or key, value, key, value... */
    size_t n_kids;
    size_t cap;
} node;

static void node_free(node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

static int node_add(node *parent, node *kid)
{
    if (parent->n_kids == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        node **grown = realloc(parent->kids, cap * sizeof *grown);
        if (!grown)
            return -1;
        parent->kids = grown;
        parent->cap = cap;
    }
    parent->kids[parent->n_kids++] = kid;
    return 0;
}

typedef struct parse_ctx {
    const char *name;
    upl_diag *diag;
} parse_ctx;

static upl_status fail(const parse_ctx *c, size_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static upl_status fail(const parse_ctx *c, size_t line, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *m = msg; *m; m++) /* quoted values may hold line breaks: keep one line */
        if ((unsigned char)*m < 0x20 || *m == 0x7f)
            *m = '?';
    if (c->diag) {
        c->diag->line = line;
        c->diag->column = 0;
    }
    return upl_diag_set(c->diag, UPL_PARSE, "%s:%zu: %s", c->name, line, msg);
}

/* Builds the tree of the single document in text.  *root is NULL for an empty stream. */
static upl_status build_tree(const parse_ctx *c, const char *text, size_t len, node **root)
{
    yaml_parser_t parser;
    yaml_event_t event;
    node *stack[MAX_DEPTH];
    size_t depth = 0, documents = 0;
    node *top = NULL;
    upl_status rc = UPL_OK;
    int done = 0;

    *root = NULL;
    if (!yaml_parser_initialize(&parser))
        return upl_diag_set(c->diag, UPL_NOMEM, "out of memory reading '%s'", c->name);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            if (parser.error == YAML_MEMORY_ERROR)
                rc = upl_diag_set(c->diag, UPL_NOMEM, "out of memory reading '%s'", c->name);
            else
                rc = fail(c, parser.problem_mark.line + 1, "YAML syntax error: %s%s%s",
                          parser.problem ? parser.problem : "malformed text",
                          parser.context ? " " : "", parser.context ? parser.context : "");
            goto cleanup;
        }
        size_t line = event.start_mark.line + 1;
        node *n = NULL;
        switch (event.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++documents > 1)
                rc = fail(c, line, "a protocol is one YAML document, found a second one");
            break;
        case YAML_ALIAS_EVENT:
            rc = fail(c, line, "YAML aliases ('*%s') are not supported in protocols",
                      (const char *)event.data.alias.anchor);
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            n = calloc(1, sizeof *n);
            if (!n) {
                rc = upl_diag_set(c->diag, UPL_NOMEM, "out of memory reading '%s'", c->name);
                break;
            }
            n->line = line;
            if (event.type == YAML_SCALAR_EVENT) {
                n->kind = NODE_SCALAR;
                n->plain = event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                n->text = malloc(event.data.scalar.length + 1);
                if (n->text) {
                    memcpy(n->text, event.data.scalar.value, event.data.scalar.length);
                    n->text[event.data.scalar.length] = '\0';
                    upl_diag inner = {0};
                    if (strlen(n->text) != event.data.scalar.length)
                        rc = fail(c, line, "text contains a NUL character");
                    /* the text policy of everything stored (harness/engine/text.h), for every key
                     * and value; only descriptions may hold line feeds (get_text) */
                    else if (upl__text_check_allowing("text", n->text, UPL_TEXT_PARAGRAPHS,
                                                      &inner) != UPL_OK)
                        rc = fail(c, line, "%s", inner.msg);
                }
            } else {
                n->kind = event.type == YAML_MAPPING_START_EVENT ? NODE_MAP : NODE_SEQ;
            }
            if (n->kind == NODE_SCALAR && !n->text) {
                rc = upl_diag_set(c->diag, UPL_NOMEM, "out of memory reading '%s'", c->name);
                node_free(n);
                break;
            }
            if (depth == 0) {
                top = n; /* one root per document, and only one document */
            } else if (stack[depth - 1]->kind == NODE_MAP && n->kind != NODE_SCALAR &&
                       stack[depth - 1]->n_kids % 2 == 0) {
                rc = fail(c, line, "mapping keys must be plain text");
                node_free(n);
                break;
            } else if (node_add(stack[depth - 1], n) != 0) {
                rc = upl_diag_set(c->diag, UPL_NOMEM, "out of memory reading '%s'", c->name);
                node_free(n);
                break;
            }
            /* n now belongs to the tree */
            if (n->kind != NODE_SCALAR && rc == UPL_OK) {
                if (depth == MAX_DEPTH)
                    rc = fail(c, line, "nesting deeper than %d levels", MAX_DEPTH);
                else
                    stack[depth++] = n;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 0)
                depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&event);
        if (rc != UPL_OK)
            goto cleanup;
    }
    *root = top;
    top = NULL;
cleanup:
    node_free(top);
    yaml_parser_delete(&parser);
    return rc;
}

/* ---- typed access ------------------------------------------------------------------- */

static int is_null(const node *n)
{
    if (!n)
        return 1;
    if (n->kind != NODE_SCALAR || !n->plain)
        return 0;
    return !*n->text || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
           strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

static const char *kind_name(const node *n)
{
    if (is_null(n))
        return "nothing";
    return n->kind == NODE_MAP ? "a mapping" : n->kind == NODE_SEQ ? "a list" : "text";
}

/* Value of key in mapping m, or NULL. */
static const node *map_get(const node *m, const char *key)
{
    for (size_t i = 0; m && i + 1 < m->n_kids; i += 2)
        if (strcmp(m->kids[i]->text, key) == 0)
            return m->kids[i + 1];
    return NULL;
}

static void join_names(const char *const *names, size_t count, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < count && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* Fails on keys of m that are not in allowed and on keys that appear twice. */
static upl_status check_keys(const parse_ctx *c, const node *m, const char *path,
                             const char *const *allowed, size_t n_allowed)
{
    for (size_t i = 0; i + 1 < m->n_kids; i += 2) {
        const node *k = m->kids[i];
        size_t a = 0;
        while (a < n_allowed && strcmp(allowed[a], k->text) != 0)
            a++;
        if (a == n_allowed) {
            char list[300];
            join_names(allowed, n_allowed, list, sizeof list);
            return fail(c, k->line, "unknown key '%s%s%s' (expected one of %s)", path,
                        *path ? "." : "", k->text, list);
        }
        for (size_t j = 0; j < i; j += 2)
            if (strcmp(m->kids[j]->text, k->text) == 0)
                return fail(c, k->line, "duplicate key '%s%s%s' (first at line %zu)", path,
                            *path ? "." : "", k->text, m->kids[j]->line);
    }
    return UPL_OK;
}

static upl_status want_kind(const parse_ctx *c, const node *n, const char *path, node_kind kind)
{
    if (n->kind == kind && !(kind == NODE_SCALAR && is_null(n)))
        return UPL_OK;
    const char *want = kind == NODE_MAP ? "a mapping" : kind == NODE_SEQ ? "a list" : "text";
    return fail(c, n->line, "key '%s': expected %s, found %s", path, want, kind_name(n));
}

static upl_status get_text(const parse_ctx *c, const node *n, const char *path, char **out)
{
    upl_status rc = want_kind(c, n, path, NODE_SCALAR);
    if (rc != UPL_OK)
        return rc;
    size_t len = strlen(path);
    int paragraphs = len >= 11 && strcmp(path + len - 11, "description") == 0;
    char what[96];
    upl_diag inner = {0};
    snprintf(what, sizeof what, "key '%s'", path);
    if (upl__text_check_allowing(what, n->text, paragraphs ? UPL_TEXT_PARAGRAPHS : UPL_TEXT_LINE,
                                 &inner) != UPL_OK)
        return fail(c, n->line, "%s", inner.msg);
    char *copy = strdup(n->text);
    if (!copy)
        return upl_diag_set(c->diag, UPL_NOMEM, "out of memory");
    free(*out);
    *out = copy;
    return UPL_OK;
}

/* Optional text: null leaves *out NULL. */
static upl_status get_opt_text(const parse_ctx *c, const node *n, const char *path, char **out)
{
    return !n || is_null(n) ? UPL_OK : get_text(c, n, path, out); /* !n spelled out for gcc -O3 */
}

static upl_status get_uint(const parse_ctx *c, const node *n, const char *path, unsigned min,
                           unsigned max, unsigned *out)
{
    upl_status rc = want_kind(c, n, path, NODE_SCALAR);
    if (rc != UPL_OK)
        return rc;
    const char *s = n->text;
    size_t len = strlen(s);
    if (!n->plain || len == 0 || len > 9 || strspn(s, "0123456789") != len)
        return fail(c, n->line, "key '%s': '%s' is not a whole number", path, s);
    unsigned long v = strtoul(s, NULL, 10);
    if (v < min || v > max)
        return fail(c, n->line, "key '%s': %lu is out of range (%u to %u)", path, v, min, max);
    *out = (unsigned)v;
    return UPL_OK;
}

/* A number strictly between lo and hi. */
static upl_status get_number(const parse_ctx *c, const node *n, const char *path, double lo,
                             double hi, double *out)
{
    upl_status rc = want_kind(c, n, path, NODE_SCALAR);
    if (rc != UPL_OK)
        return rc;
    const char *s = n->text;
    char *end = NULL;
    errno = 0;
    double v = (n->plain && strspn(s, "0123456789.eE+-") == strlen(s)) ? strtod(s, &end) : NAN;
    if (!end || end == s || *end || errno == ERANGE || !isfinite(v))
        return fail(c, n->line, "key '%s': '%s' is not a number", path, s);
    if (!(v > lo && v < hi))
        return fail(c, n->line, "key '%s': %s is out of range (between %g and %g, exclusive)", path,
                    s, lo, hi);
    *out = v;
    return UPL_OK;
}

static upl_status get_bool(const parse_ctx *c, const node *n, const char *path, int *out)
{
    upl_status rc = want_kind(c, n, path, NODE_SCALAR);
    if (rc != UPL_OK)
        return rc;
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    for (size_t i = 0; n->plain && i < 3; i++) {
        if (strcmp(n->text, yes[i]) == 0) {
            *out = 1;
            return UPL_OK;
        }
        if (strcmp(n->text, no[i]) == 0) {
            *out = 0;
            return UPL_OK;
        }
    }
    return fail(c, n->line, "key '%s': '%s' is not true or false", path, n->text);
}

/* One of names[0..count); *index receives the position. */
static upl_status get_choice(const parse_ctx *c, const node *n, const char *path,
                             const char *const *names, size_t count, size_t *index)
{
    upl_status rc = want_kind(c, n, path, NODE_SCALAR);
    if (rc != UPL_OK)
        return rc;
    for (size_t i = 0; i < count; i++) {
        if (strcmp(n->text, names[i]) == 0) {
            *index = i;
            return UPL_OK;
        }
    }
    char list[300];
    join_names(names, count, list, sizeof list);
    return fail(c, n->line, "key '%s': '%s' is not one of %s", path, n->text, list);
}

static int is_identifier(const char *s)
{
    size_t len = strlen(s);
    return len > 0 && len <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- sections ----------------------------------------------------------------------- */

static upl_status parse_arms(const parse_ctx *c, const node *seq, upl_protocol *p)
{
    static const char *const keys[] = {"label", "ratio", "description", "control"};
    upl_status rc = want_kind(c, seq, "arms", NODE_SEQ);
    if (rc != UPL_OK)
        return rc;
    if (seq->n_kids < 2 || seq->n_kids > UPL_PROTOCOL_MAX_ARMS)
        return fail(c, seq->line, "key 'arms': a study needs 2 to %d arms, found %zu",
                    UPL_PROTOCOL_MAX_ARMS, seq->n_kids);
    p->arms = calloc(seq->n_kids, sizeof *p->arms);
    if (!p->arms)
        return upl_diag_set(c->diag, UPL_NOMEM, "out of memory");
    long control = -1;
    for (size_t i = 0; i < seq->n_kids; i++) {
        const node *m = seq->kids[i];
        upl_arm *arm = &p->arms[i];
        char path[64], sub[96];
        snprintf(path, sizeof path, "arms[%zu]", i);
        arm->ratio = 1;
        p->n_arms = i + 1;
        if ((rc = want_kind(c, m, path, NODE_MAP)) != UPL_OK ||
            (rc = check_keys(c, m, path, keys, COUNT(keys))) != UPL_OK)
            return rc;
        const node *v = map_get(m, "label");
        snprintf(sub, sizeof sub, "%s.label", path);
        if (!v)
            return fail(c, m->line, "missing key '%s'", sub);
        if ((rc = get_text(c, v, sub, &arm->label)) != UPL_OK)
            return rc;
        if (!is_identifier(arm->label))
            return fail(c, v->line,
                        "key '%s': '%s' is not a valid label (use a-z, 0-9 and _, at most 64)", sub,
                        arm->label);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->arms[j].label, arm->label) == 0)
                return fail(c, v->line, "key '%s': arm '%s' is declared twice", sub, arm->label);
        snprintf(sub, sizeof sub, "%s.ratio", path);
        if ((v = map_get(m, "ratio")) && !is_null(v) &&
            (rc = get_uint(c, v, sub, 1, MAX_RATIO, &arm->ratio)) != UPL_OK)
            return rc;
        snprintf(sub, sizeof sub, "%s.description", path);
        if ((rc = get_opt_text(c, map_get(m, "description"), sub, &arm->description)) != UPL_OK)
            return rc;
        int is_control = 0;
        snprintf(sub, sizeof sub, "%s.control", path);
        if ((v = map_get(m, "control")) && !is_null(v) &&
            (rc = get_bool(c, v, sub, &is_control)) != UPL_OK)
            return rc;
        if (is_control && control >= 0)
            return fail(c, v->line, "key '%s': arms[%ld] is already the control arm", sub, control);
        if (is_control)
            control = (long)i;
    }
    if (control < 0) {
        control = upl_protocol_arm_index(p, "no_ai");
        if (control < 0)
            control = 0;
    }
    p->control = (size_t)control;
    return UPL_OK;
}

static upl_status parse_randomization(const parse_ctx *c, const node *m, upl_protocol *p)
{
    static const char *const keys[] = {"scheme", "stratify", "block_sizes"};
    static const char *const schemes[] = {"simple", "complete", "permuted-block"};
    static const char *const strata[] = {"participant", "category"};
    const node *v;
    upl_status rc;
    if ((rc = want_kind(c, m, "randomization", NODE_MAP)) != UPL_OK ||
        (rc = check_keys(c, m, "randomization", keys, COUNT(keys))) != UPL_OK)
        return rc;
    if ((v = map_get(m, "scheme")) != NULL) {
        size_t i = 0;
        if ((rc = get_choice(c, v, "randomization.scheme", schemes, COUNT(schemes), &i)) != UPL_OK)
            return rc;
        upl_scheme_from_name(schemes[i], &p->scheme);
    }
    if ((v = map_get(m, "stratify")) != NULL && !is_null(v)) {
        if ((rc = want_kind(c, v, "randomization.stratify", NODE_SEQ)) != UPL_OK)
            return rc;
        for (size_t i = 0; i < v->n_kids; i++) {
            char path[64];
            size_t which = 0;
            snprintf(path, sizeof path, "randomization.stratify[%zu]", i);
            if ((rc = get_choice(c, v->kids[i], path, strata, COUNT(strata), &which)) != UPL_OK)
                return rc;
            int *flag = which == 0 ? &p->stratify_participant : &p->stratify_category;
            if (*flag)
                return fail(c, v->kids[i]->line, "key '%s': '%s' is listed twice", path,
                            strata[which]);
            *flag = 1;
        }
    }
    unsigned ratio_sum = 0;
    for (size_t i = 0; i < p->n_arms; i++)
        ratio_sum += p->arms[i].ratio;
    v = map_get(m, "block_sizes");
    if (p->scheme != UPL_SCHEME_PERMUTED_BLOCK) {
        if (v && !is_null(v))
            return fail(c, v->line,
                        "key 'randomization.block_sizes': only scheme permuted-block uses "
                        "block sizes");
        return UPL_OK;
    }
    if (!v || is_null(v))
        return fail(c, (v ? v : m)->line,
                    "missing key 'randomization.block_sizes' (permuted-block needs block sizes, "
                    "e.g. [%u, %u])",
                    ratio_sum, 2 * ratio_sum);
    if ((rc = want_kind(c, v, "randomization.block_sizes", NODE_SEQ)) != UPL_OK)
        return rc;
    if (v->n_kids == 0 || v->n_kids > MAX_BLOCK_SIZES)
        return fail(c, v->line, "key 'randomization.block_sizes': give 1 to %d sizes, found %zu",
                    MAX_BLOCK_SIZES, v->n_kids);
    p->block_sizes = calloc(v->n_kids, sizeof *p->block_sizes);
    if (!p->block_sizes)
        return upl_diag_set(c->diag, UPL_NOMEM, "out of memory");
    for (size_t i = 0; i < v->n_kids; i++) {
        char path[64];
        unsigned size = 0;
        snprintf(path, sizeof path, "randomization.block_sizes[%zu]", i);
        if ((rc = get_uint(c, v->kids[i], path, 1, MAX_BLOCK_SIZE, &size)) != UPL_OK)
            return rc;
        if (size % ratio_sum != 0)
            return fail(c, v->kids[i]->line,
                        "key '%s': %u is not a multiple of the sum of the arm ratios (%u)", path,
                        size, ratio_sum);
        for (size_t j = 0; j < i; j++)
            if (p->block_sizes[j] == size)
                return fail(c, v->kids[i]->line, "key '%s': %u is listed twice", path, size);
        p->block_sizes[i] = size;
        p->n_block_sizes = i + 1;
    }
    return UPL_OK;
}

/* Names of an enum from its name function, for messages and lookups. */
#define ENUM_NAMES(array, type, fn, count)                                                         \
    const char *array[16];                                                                         \
    for (int e_ = 0; e_ < (count); e_++)                                                           \
        array[e_] = fn((type)e_);

static upl_status parse_analysis(const parse_ctx *c, const node *m, upl_protocol *p)
{
    static const char *const keys[] = {"outcome", "covariate", "se_type",
                                       "dist",    "alpha",     "missing"};
    const node *v;
    size_t i = 0;
    upl_status rc;
    if ((rc = want_kind(c, m, "analysis", NODE_MAP)) != UPL_OK ||
        (rc = check_keys(c, m, "analysis", keys, COUNT(keys))) != UPL_OK)
        return rc;
    ENUM_NAMES(outcomes, upl_outcome, upl_outcome_name, UPL_OUTCOME_MEASURED + 1)
    ENUM_NAMES(covariates, upl_covariate, upl_covariate_name, UPL_COVARIATE_NONE + 1)
    ENUM_NAMES(ses, upl_se_type, upl_se_type_name, UPL_SE_AUTO + 1)
    ENUM_NAMES(dists, upl_dist, upl_dist_name, UPL_DIST_Z + 1)
    ENUM_NAMES(imputes, upl_impute, upl_impute_name, UPL_IMPUTE_COMPLETE_CASE + 1)
    if ((v = map_get(m, "outcome")) != NULL) {
        if ((rc = get_choice(c, v, "analysis.outcome", outcomes, UPL_OUTCOME_MEASURED + 1, &i)) !=
            UPL_OK)
            return rc;
        upl_outcome_from_name(outcomes[i], &p->outcome);
    }
    if ((v = map_get(m, "covariate")) != NULL) {
        if ((rc = get_choice(c, v, "analysis.covariate", covariates, UPL_COVARIATE_NONE + 1, &i)) !=
            UPL_OK)
            return rc;
        upl_covariate_from_name(covariates[i], &p->covariate);
    }
    if ((v = map_get(m, "se_type")) != NULL) {
        if ((rc = get_choice(c, v, "analysis.se_type", ses, UPL_SE_AUTO + 1, &i)) != UPL_OK)
            return rc;
        upl_se_type_from_name(ses[i], &p->se_type);
    }
    if ((v = map_get(m, "dist")) != NULL) {
        if ((rc = get_choice(c, v, "analysis.dist", dists, UPL_DIST_Z + 1, &i)) != UPL_OK)
            return rc;
        upl_dist_from_name(dists[i], &p->dist);
    }
    if ((v = map_get(m, "alpha")) != NULL &&
        (rc = get_number(c, v, "analysis.alpha", 0.0, 1.0, &p->alpha)) != UPL_OK)
        return rc;
    if ((v = map_get(m, "missing")) != NULL) {
        if ((rc = get_choice(c, v, "analysis.missing", imputes, UPL_IMPUTE_COMPLETE_CASE + 1,
                             &i)) != UPL_OK)
            return rc;
        upl_impute_from_name(imputes[i], &p->impute);
    }
    return UPL_OK;
}

static upl_status parse_covariates(const parse_ctx *c, const node *seq, upl_protocol *p)
{
    static const char *const keys[] = {"name", "type", "description"};
    static const char *const types[] = {"number", "text"};
    upl_status rc = want_kind(c, seq, "covariates", NODE_SEQ);
    if (rc != UPL_OK)
        return rc;
    if (seq->n_kids > MAX_COVARIATES)
        return fail(c, seq->line, "key 'covariates': at most %d covariates, found %zu",
                    MAX_COVARIATES, seq->n_kids);
    if (seq->n_kids == 0)
        return UPL_OK;
    p->covariates = calloc(seq->n_kids, sizeof *p->covariates);
    if (!p->covariates)
        return upl_diag_set(c->diag, UPL_NOMEM, "out of memory");
    for (size_t i = 0; i < seq->n_kids; i++) {
        const node *m = seq->kids[i];
        upl_covariate_decl *cov = &p->covariates[i];
        char path[64], sub[96];
        size_t which = 0;
        p->n_covariates = i + 1;
        snprintf(path, sizeof path, "covariates[%zu]", i);
        if ((rc = want_kind(c, m, path, NODE_MAP)) != UPL_OK ||
            (rc = check_keys(c, m, path, keys, COUNT(keys))) != UPL_OK)
            return rc;
        const node *v = map_get(m, "name");
        snprintf(sub, sizeof sub, "%s.name", path);
        if (!v)
            return fail(c, m->line, "missing key '%s'", sub);
        if ((rc = get_text(c, v, sub, &cov->name)) != UPL_OK)
            return rc;
        if (!is_identifier(cov->name) || !(cov->name[0] >= 'a' && cov->name[0] <= 'z'))
            return fail(c, v->line,
                        "key '%s': '%s' is not a valid column name (a-z first, then a-z, 0-9 "
                        "and _)",
                        sub, cov->name);
        for (size_t j = 0; j < UPL_TASK_COLUMNS; j++)
            if (strcmp(cov->name, upl_task_columns[j]) == 0)
                return fail(c, v->line, "key '%s': '%s' is a standard column of the task table",
                            sub, cov->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->covariates[j].name, cov->name) == 0)
                return fail(c, v->line, "key '%s': covariate '%s' is declared twice", sub,
                            cov->name);
        v = map_get(m, "type");
        snprintf(sub, sizeof sub, "%s.type", path);
        if (!v)
            return fail(c, m->line, "missing key '%s' (number or text)", sub);
        if ((rc = get_choice(c, v, sub, types, COUNT(types), &which)) != UPL_OK)
            return rc;
        cov->type = which == 0 ? UPL_COVTYPE_NUMBER : UPL_COVTYPE_TEXT;
        snprintf(sub, sizeof sub, "%s.description", path);
        if ((rc = get_opt_text(c, map_get(m, "description"), sub, &cov->description)) != UPL_OK)
            return rc;
    }
    return UPL_OK;
}

static upl_status parse_timing(const parse_ctx *c, const node *m, upl_protocol *p)
{
    static const char *const keys[] = {"report_tolerance", "parallel_tasks"};
    const node *v;
    upl_status rc;
    if ((rc = want_kind(c, m, "timing", NODE_MAP)) != UPL_OK ||
        (rc = check_keys(c, m, "timing", keys, COUNT(keys))) != UPL_OK)
        return rc;
    if ((v = map_get(m, "report_tolerance")) != NULL &&
        (rc = get_number(c, v, "timing.report_tolerance", 0.0, 10.0, &p->report_tolerance)) !=
            UPL_OK)
        return rc;
    if ((v = map_get(m, "parallel_tasks")) != NULL &&
        (rc = get_bool(c, v, "timing.parallel_tasks", &p->allow_parallel_tasks)) != UPL_OK)
        return rc;
    return UPL_OK;
}

static upl_status default_arms(const parse_ctx *c, upl_protocol *p)
{
    static const char *const labels[] = {"no_ai", "ai"};
    p->arms = calloc(2, sizeof *p->arms);
    if (!p->arms)
        return upl_diag_set(c->diag, UPL_NOMEM, "out of memory");
    for (size_t i = 0; i < 2; i++) {
        p->n_arms = i + 1;
        p->arms[i].ratio = 1;
        p->arms[i].label = strdup(labels[i]);
        if (!p->arms[i].label)
            return upl_diag_set(c->diag, UPL_NOMEM, "out of memory");
    }
    p->control = 0;
    return UPL_OK;
}

static upl_status parse_root(const parse_ctx *c, const node *root, upl_protocol *p)
{
    static const char *const keys[] = {"uplift",        "title",    "description", "arms",
                                       "randomization", "analysis", "covariates",  "timing"};
    const node *v;
    upl_status rc;
    if (!root || is_null(root))
        return fail(c, 1, "empty protocol (it needs at least a 'title')");
    if (root->kind != NODE_MAP)
        return fail(c, root->line, "a protocol is a YAML mapping of keys, found %s",
                    kind_name(root));
    if ((rc = check_keys(c, root, "", keys, COUNT(keys))) != UPL_OK)
        return rc;
    if ((v = map_get(root, "uplift")) != NULL) {
        unsigned version = 0;
        if ((rc = get_uint(c, v, "uplift", 0, 999999, &version)) != UPL_OK)
            return rc;
        if (version != 1)
            return fail(c, v->line,
                        "key 'uplift': format version %u is not supported (this "
                        "uplift reads version 1)",
                        version);
    }
    if (!(v = map_get(root, "title")))
        return fail(c, root->line, "missing key 'title'");
    if ((rc = get_text(c, v, "title", &p->title)) != UPL_OK)
        return rc;
    if (p->title[strspn(p->title, " \t\r\n")] == '\0')
        return fail(c, v->line, "key 'title': the title is empty");
    if ((rc = get_opt_text(c, map_get(root, "description"), "description", &p->description)) !=
        UPL_OK)
        return rc;
    v = map_get(root, "arms");
    rc = (v && !is_null(v)) ? parse_arms(c, v, p) : default_arms(c, p);
    if (rc != UPL_OK)
        return rc;
    v = map_get(root, "randomization");
    if (v && !is_null(v) && (rc = parse_randomization(c, v, p)) != UPL_OK)
        return rc;
    v = map_get(root, "analysis");
    if (v && !is_null(v) && (rc = parse_analysis(c, v, p)) != UPL_OK)
        return rc;
    v = map_get(root, "covariates");
    if (v && !is_null(v) && (rc = parse_covariates(c, v, p)) != UPL_OK)
        return rc;
    v = map_get(root, "timing");
    if (v && !is_null(v) && (rc = parse_timing(c, v, p)) != UPL_OK)
        return rc;
    return UPL_OK;
}

/* ---- public ------------------------------------------------------------------------- */

/* Copies text with CRLF pairs turned into LF; NUL-terminated. */
static char *canonical_text(const char *text, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue;
        out[n++] = text[i];
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

static void set_defaults(upl_protocol *p)
{
    memset(p, 0, sizeof *p);
    p->scheme = UPL_SCHEME_SIMPLE;
    p->outcome = UPL_OUTCOME_TOTAL;
    p->covariate = UPL_COVARIATE_LOG_FORECAST_NO_AI;
    p->se_type = UPL_SE_AUTO;
    p->dist = UPL_DIST_T;
    p->alpha = 0.05;
    p->impute = UPL_IMPUTE_ARM_MEAN;
    p->report_tolerance = 0.25;
}

static upl_status parse_canonical(const char *canon, size_t len, const char *name,
                                  upl_protocol *out, upl_diag *diag)
{
    parse_ctx c = {name ? name : "protocol", diag};
    node *root = NULL;
    upl_protocol p;
    unsigned char digest[crypto_hash_sha256_BYTES];
    set_defaults(&p);
    upl_status rc = build_tree(&c, canon, len, &root);
    if (rc != UPL_OK)
        goto cleanup;
    if ((rc = parse_root(&c, root, &p)) != UPL_OK)
        goto cleanup;
    if (sodium_init() < 0) {
        rc = upl_diag_set(diag, UPL_ERROR, "cannot initialise libsodium");
        goto cleanup;
    }
    crypto_hash_sha256(digest, (const unsigned char *)canon, len);
    sodium_bin2hex(p.hash, sizeof p.hash, digest, sizeof digest);
    *out = p;
cleanup:
    node_free(root);
    if (rc != UPL_OK)
        upl_protocol_release(&p);
    return rc;
}

upl_status upl_protocol_parse(const char *text, size_t len, const char *name, upl_protocol *out,
                              upl_diag *diag)
{
    size_t canon_len = 0;
    memset(out, 0, sizeof *out);
    if (!text)
        return upl_diag_set(diag, UPL_INVALID, "no protocol text");
    char *canon = canonical_text(text, len, &canon_len);
    if (!canon)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    upl_status rc = parse_canonical(canon, canon_len, name, out, diag);
    free(canon);
    return rc;
}

upl_status upl_protocol_load(const char *path, upl_protocol *out, char **text_out, upl_diag *diag)
{
    FILE *f = NULL;
    char *raw = NULL, *canon = NULL;
    size_t len = 0, canon_len = 0;
    upl_status rc = UPL_OK;
    memset(out, 0, sizeof *out);
    if (text_out)
        *text_out = NULL;
    if (!(f = fopen(path, "rb"))) {
        rc = upl_diag_set(diag, UPL_IO, "cannot open protocol '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (!(raw = malloc(MAX_PROTOCOL_BYTES + 1))) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    len = fread(raw, 1, MAX_PROTOCOL_BYTES + 1, f);
    if (ferror(f)) {
        rc = upl_diag_set(diag, UPL_IO, "cannot read protocol '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (len > MAX_PROTOCOL_BYTES) {
        rc = upl_diag_set(diag, UPL_PARSE, "protocol '%s' is over 1 MiB", path);
        goto cleanup;
    }
    if (!(canon = canonical_text(raw, len, &canon_len))) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = parse_canonical(canon, canon_len, path, out, diag)) != UPL_OK)
        goto cleanup;
    if (text_out) {
        *text_out = canon;
        canon = NULL;
    }
cleanup:
    if (f)
        fclose(f);
    free(raw);
    free(canon);
    return rc;
}
