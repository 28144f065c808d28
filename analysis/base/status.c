/* Status strings and diagnostics. */
#include "uplift/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_text[] = {
#define UPL_STATUS_TEXT(name, text) text,
    UPL_STATUS_MAP(UPL_STATUS_TEXT)
#undef UPL_STATUS_TEXT
};

const char *upl_strerror(upl_status status)
{
    if ((unsigned)status >= (unsigned)UPL_STATUS_COUNT)
        return "unknown status";
    return status_text[status];
}

upl_status upl_diag_set(upl_diag *diag, upl_status status, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
        va_end(ap);
        memset(&diag->why, 0, sizeof diag->why);
    }
    return status;
}

upl_status upl_diag_set_why(upl_diag *diag, upl_status status, upl_reason reason, int64_t task,
                            int64_t at, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
        va_end(ap);
        memset(&diag->why, 0, sizeof diag->why);
        diag->why.reason = reason;
        diag->why.task = task;
        diag->why.at = at;
    }
    return status;
}
