/* What to type next: the one table from the reason a library gives for a failure or a
 * warning (upl_why, uplift/status.h) to the command line's advice.  The libraries'
 * messages say what is wrong and name no command or option; the advice is appended
 * here, chosen by the reason, never by the message. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "uplift/analysis.h"
#include "uplift/duration.h"
#include "uplift/store.h"

/* Appended to the message as it stands.  {task}, {at} and {name} stand for the
 * reason's task id, time (ISO UTC) and participant handle. */
static const char *const advice[UPL_REASON_COUNT] = {
    [UPL_REASON_NO_STUDY] = ": create one with 'uplift init --protocol FILE'",
    [UPL_REASON_NO_TASK] = " (see 'uplift task list')",
    [UPL_REASON_NO_PARTICIPANT] = ": add it with 'uplift participant add {name}'",
    [UPL_REASON_NO_FORECASTS] =
        "; record both with 'uplift forecast {task} --ai DUR --no-ai DUR' first",
    [UPL_REASON_NOT_ASSIGNED] = "; record both forecasts ('uplift forecast {task} --ai DUR "
                                "--no-ai DUR') and ask the coordinator to run 'uplift randomize'",
    [UPL_REASON_NOT_IN_STUDY] = "; pick one of your assigned tasks (see 'uplift task list')",
    [UPL_REASON_TASK_DONE] = "; add later work with 'uplift done {task} --post-review DUR'",
    [UPL_REASON_NOT_REPORTED] = "; give it first with 'uplift done {task} --time DUR' (the time "
                                "to the first review-ready submission)",
    [UPL_REASON_TIMER_IDLE] =
        "; start it with 'uplift start {task}' (add --at TIME for an earlier start)",
    [UPL_REASON_TIMER_RUNNING] =
        "; pause it with 'uplift pause {task}' or stop it with 'uplift stop {task}'",
    [UPL_REASON_TIMER_PAUSED] =
        "; continue it with 'uplift resume {task}' or stop it with 'uplift stop {task}'",
    [UPL_REASON_TIMER_STOPPED] = "; report its time with 'uplift done {task} --time DUR'",
    [UPL_REASON_TIMER_OPEN] =
        "; stop it first with 'uplift stop {task}' (add --at TIME if you stopped earlier)",
    [UPL_REASON_TOO_EARLY] = "; give a time from {at} on with --at (or check the clock)",
    [UPL_REASON_IN_FUTURE] = "; log events when they happen or give a past time with --at",
    [UPL_REASON_KEY_FILE_EXISTS] = "; move it away or choose another --key-file",
    [UPL_REASON_NO_KEY_FILE] = ": give the one 'uplift init' wrote with --key-file PATH",
    [UPL_REASON_ARM_UNKNOWN] = " (check --treated or the protocol)",
    [UPL_REASON_COVARIATE_INVALID] = "; fix the task or use --covariate none",
    [UPL_REASON_NOTHING_TO_IMPUTE] = "; use --impute complete-case",
    [UPL_REASON_NO_CLUSTERS] = "; use an hc type (e.g. --se hc2)",
    [UPL_REASON_FEW_CLUSTERS] = " (--se cr2 --dist t)",
    [UPL_REASON_BOOTSTRAP_SKIPPED] = ": ask for it with --bootstrap N",
    [UPL_REASON_PERMUTATIONS_SKIPPED] = ": ask for it with --permutations N",
    [UPL_REASON_NO_ARM_COLUMN] = ": name it with --map arm=COLUMN",
    [UPL_REASON_TOO_MANY_ARMS] = ": is --map arm= the treatment column?",
    [UPL_REASON_NO_CONTROL] = ": name the treated one with --treated VALUE, or label the "
                              "control no_ai (--arm-names VALUE=no_ai)",
};

/* Put before the message: the option whose value the message is about, with the item
 * of it at fault (why.name) when the library names one: "--map participant=dev_id: ". */
static const char *const subject[UPL_REASON_COUNT] = {
    [UPL_REASON_ARG_MAP] = "--map",
    [UPL_REASON_ARG_TREATED] = "--treated",
    [UPL_REASON_ARG_ARM_NAMES] = "--arm-names",
};

const char *upl__advice(const upl_why *why, char *buf, size_t size)
{
    const char *t = why && (unsigned)why->reason < UPL_REASON_COUNT ? advice[why->reason] : NULL;
    size_t len = 0;
    if (!size)
        return buf;
    buf[0] = '\0';
    if (!t)
        return buf;
    while (*t && len + 1 < size) {
        char field[40];
        const char *value = NULL;
        if (strncmp(t, "{task}", 6) == 0) {
            snprintf(field, sizeof field, "%lld", (long long)why->task);
            value = field;
            t += 6;
        } else if (strncmp(t, "{at}", 4) == 0) {
            upl_time_format(why->at, field, sizeof field);
            value = field;
            t += 4;
        } else if (strncmp(t, "{name}", 6) == 0) {
            value = why->name;
            t += 6;
        }
        if (value) {
            int n = snprintf(buf + len, size - len, "%s", value);
            if (n > 0)
                len += (size_t)n;
            if (len >= size)
                len = size - 1;
        } else {
            buf[len++] = *t++;
            buf[len] = '\0';
        }
    }
    return buf;
}

/* The message with its advice: one buffer per source, valid until the next call. */
static const char *with_advice(char *out, size_t size, const char *msg, const upl_why *why)
{
    char tail[512];
    const char *option =
        why && (unsigned)why->reason < UPL_REASON_COUNT ? subject[why->reason] : NULL;
    snprintf(out, size, "%s%s%s%s%s%s", option ? option : "", option && *why->name ? " " : "",
             option ? why->name : "", option ? ": " : "", msg, upl__advice(why, tail, sizeof tail));
    return out;
}

const char *upl__store_error(const struct upl_store *store)
{
    static char buf[1024];
    return with_advice(buf, sizeof buf, upl_store_errmsg(store), upl_store_why(store));
}

const char *upl__diag_error(const upl_diag *diag)
{
    static char buf[1024];
    return with_advice(buf, sizeof buf, diag->msg, &diag->why);
}

int upl__advise_warnings(struct upl_analysis_result *res)
{
    for (size_t i = 0; i < res->n_warnings; i++) {
        upl_why why = {.reason = res->warning_reasons[i]};
        char tail[512];
        if (*upl__advice(&why, tail, sizeof tail) &&
            upl_analysis_warning_append(res, i, tail) != UPL_OK)
            return upl__fail("out of memory");
    }
    return UPL_EXIT_OK;
}
