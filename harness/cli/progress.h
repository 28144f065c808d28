/* Progress of the CLI's long work on stderr, one helper for every command.
 *
 * A step is a label ("analyze: bootstrap", "power: effect -10% (3/6)") and done of
 * total units.  On a terminal its line is redrawn in place at most ten times a second,
 * with a rate and the time remaining once a second has passed, and ends with exactly
 * one final line (100%, the time it took); a step that does not finish (an error) is
 * erased, so the message stands on its own line.  When stderr is not a terminal
 * (UPLIFT_PROGRESS=always), only each step's final line is written: one line per step
 * in a log, whatever the timing.  Off with --quiet, UPLIFT_PROGRESS=never, or (auto,
 * the default) when stderr is not a terminal.
 *
 * The formatting and the decision to draw (progress_format.c) are pure functions of
 * their arguments, the time included, so that they are tested without clocks; the
 * reporter (progress.c) adds the monotonic clock, the terminal and stderr. */
#ifndef UPLIFT_CLI_PROGRESS_H
#define UPLIFT_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

/* How progress is shown, from --quiet, $UPLIFT_PROGRESS and isatty(stderr). */
typedef enum {
    UPL__PROGRESS_OFF = 0, /* nothing */
    UPL__PROGRESS_REDRAW,  /* a terminal: the line redrawn in place */
    UPL__PROGRESS_LINES    /* not a terminal (always): each step's final line only */
} upl__progress_mode;

/* $UPLIFT_PROGRESS (never, auto, always; NULL or "" is auto) with stderr_is_tty and
 * --quiet: the mode into *mode.  Returns 0 when text is none of the three. */
int upl__progress_mode_parse(const char *text, int stderr_is_tty, int quiet,
                             upl__progress_mode *mode);

/* Redraws at least this far apart, in nanoseconds (ten a second). */
#define UPL__PROGRESS_INTERVAL_NS 100000000LL
/* The rate and time remaining are shown only after this much time (seconds). */
#define UPL__PROGRESS_MIN_ELAPSED 1.0
#define UPL__PROGRESS_LABEL_SIZE  128

/* The line of a step, without "\r" or "\n", into buf (cut to size):
 *   unfinished: "LABEL [#######.............]  35%  105/300  52/s  ETA 4s"
 *   final:      "LABEL [####################] 100%  300/300  in 5.8s  52/s"
 * The rate ("12/s", "3.4/s", "0.25/s", "1.2k/s", "3.1M/s") and the time remaining
 * ("ETA 42s", "ETA 3m05s", "ETA 1h02m") appear only once elapsed (seconds) reaches
 * UPL__PROGRESS_MIN_ELAPSED and something is done; the final line always has the time
 * taken ("in 0.4s", "in 3m05s", "in 1h02m").  A step is final when total > 0 and done
 * >= total; total 0 (unknown) shows the count alone.  Control characters of label
 * show as '?'; when the line would pass width - 1 columns (width >= 20) the label is
 * cut with "...".  Returns the length written. */
size_t upl__progress_format(char *buf, size_t size, const char *label, size_t done, size_t total,
                            double elapsed, size_t width);

/* What to do with one report of a step. */
typedef enum {
    UPL__PROGRESS_SKIP = 0, /* nothing: too soon after the last draw, or already final */
    UPL__PROGRESS_DRAW,     /* draw the unfinished line */
    UPL__PROGRESS_FINAL     /* draw the final line, once per step */
} upl__progress_action;

/* The step being reported (zero it first). */
typedef struct upl__progress_step {
    char label[UPL__PROGRESS_LABEL_SIZE];
    size_t done, total;
    int64_t start_ns, last_ns;
    int started, drawn, finished;
} upl__progress_step;

/* One report (label, done of total) at now_ns of a monotonic clock.  A new step
 * starts when the label or the total changes or done goes back; the first report of a
 * step draws, then at most one draw per UPL__PROGRESS_INTERVAL_NS, and the first
 * report with done >= total is FINAL; later reports of a finished step are skipped
 * (a library that reports its last unit twice draws one final line).  *elapsed: the
 * step's seconds so far. */
upl__progress_action upl__progress_next(upl__progress_step *s, const char *label, size_t done,
                                        size_t total, int64_t now_ns, double *elapsed);

/* The reporter: a step's state, the mode and the label's parts.  ctx of
 * upl__progress_fn.  prefix (may be NULL) goes before the library's what: "analyze:
 * bootstrap"; label, when set, replaces both ("import tasks.csv"). */
struct upl_cli;
typedef struct upl__progress {
    upl__progress_mode mode;
    const char *prefix;
    char label[UPL__PROGRESS_LABEL_SIZE];
    upl__progress_step step;
} upl__progress;

/* Sets p up for cli's mode (zeroes it first); prefix is kept, not copied. */
void upl__progress_init(upl__progress *p, const struct upl_cli *cli, const char *prefix);
/* Is progress shown at all?  Install upl__progress_fn only when it is. */
int upl__progress_on(const upl__progress *p);
/* upl_progress_fn (include/uplift/progress.h) over an upl__progress. */
void upl__progress_fn(void *ctx, const char *what, size_t done, size_t total);
/* A report with this label (a command's own loop, or an adapter such as power's). */
void upl__progress_report(upl__progress *p, const char *label, size_t done, size_t total);
/* Erases p's unfinished line, if one is on the terminal (a step that will not finish). */
void upl__progress_end(upl__progress *p);
/* Erases whatever unfinished line is on the terminal, so that a message printed next
 * starts a line of its own; upl__fail and upl__usage call it. */
void upl__progress_break(void);

#endif
