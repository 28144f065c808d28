/* Status codes shared by every uplift module.
 *
 * Functions return an upl_status; results go out through pointers and are valid only
 * when the return is UPL_OK.  The detail of the last failure lives on the object that
 * failed (upl_store_errmsg()) or in the caller's upl_diag.  New codes go at the end. */
#ifndef UPLIFT_STATUS_H
#define UPLIFT_STATUS_H

#include <stddef.h>

#define UPL_STATUS_MAP(X)                                                                          \
    X(OK, "success")                                                                               \
    X(ERROR, "unspecified error")                                                                  \
    X(NOMEM, "out of memory")                                                                      \
    X(INVALID, "invalid argument")                                                                 \
    X(IO, "input/output error")                                                                    \
    X(PARSE, "malformed input")                                                                    \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(REFUSED, "refused by a study rule")                                                          \
    X(INTEGRITY, "integrity check failed")                                                         \
    X(DB, "database error")                                                                        \
    X(NUMERIC, "numerical failure")                                                                \
    X(BUSY, "database busy")                                                                       \
    X(UNSUPPORTED, "not supported")

typedef enum {
#define UPL_STATUS_ENUM(name, text) UPL_##name,
    UPL_STATUS_MAP(UPL_STATUS_ENUM)
#undef UPL_STATUS_ENUM
        UPL_STATUS_COUNT
} upl_status;

/* A static, lowercase description of status; never NULL (unknown codes included). */
const char *upl_strerror(upl_status status);

/* Detail of a failure for functions that have no handle of their own (parsers).
 * msg is a complete one-line message without a trailing period, e.g.
 * "tasks.csv:4: column 'forecast_ai_min': '-5' is not a positive duration".
 * line/column are 0 when unknown. */
typedef struct upl_diag {
    char msg[512];
    size_t line;
    size_t column;
} upl_diag;

/* Formats into diag->msg (printf-style); diag may be NULL.  Returns status so that
 * callers can write `return upl_diag_set(d, UPL_PARSE, "...")`. */
upl_status upl_diag_set(upl_diag *diag, upl_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
