/* The reporter half of progress (progress.h): the monotonic clock, the terminal's
 * width and the writes to stderr, around the pure progress_format.c. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

/* The reporter whose unfinished line is on the terminal, if any (one command runs per
 * process, so there is at most one); only compared, never dereferenced. */
static upl__progress *pending;

static int64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000000LL + (int64_t)ts.tv_nsec;
}

/* Columns of the terminal on stderr, 80 when it does not say. */
static size_t columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

void upl__progress_init(upl__progress *p, const upl_cli *cli, const char *prefix)
{
    memset(p, 0, sizeof *p);
    p->mode = (upl__progress_mode)cli->progress;
    p->prefix = prefix;
}

int upl__progress_on(const upl__progress *p)
{
    return p->mode != UPL__PROGRESS_OFF;
}

void upl__progress_report(upl__progress *p, const char *label, size_t done, size_t total)
{
    char line[512];
    double elapsed = 0.0;
    if (p->mode == UPL__PROGRESS_OFF)
        return;
    upl__progress_action a = upl__progress_next(&p->step, label, done, total, now_ns(), &elapsed);
    if (a == UPL__PROGRESS_SKIP || (a == UPL__PROGRESS_DRAW && p->mode == UPL__PROGRESS_LINES))
        return;
    if (p->mode == UPL__PROGRESS_LINES) {
        upl__progress_format(line, sizeof line, label, done, total, elapsed, 0);
        fprintf(stderr, "%s\n", line);
    } else {
        upl__progress_format(line, sizeof line, label, done, total, elapsed, columns());
        /* back to the line's start, the line, the rest of the old one cleared */
        fprintf(stderr, "\r%s\033[K%s", line, a == UPL__PROGRESS_FINAL ? "\n" : "");
        pending = a == UPL__PROGRESS_FINAL ? NULL : p;
    }
    fflush(stderr);
}

void upl__progress_fn(void *ctx, const char *what, size_t done, size_t total)
{
    upl__progress *p = ctx;
    char label[UPL__PROGRESS_LABEL_SIZE];
    if (p->label[0])
        upl__progress_report(p, p->label, done, total);
    else if (p->prefix) {
        snprintf(label, sizeof label, "%s: %s", p->prefix, what);
        upl__progress_report(p, label, done, total);
    } else {
        upl__progress_report(p, what, done, total);
    }
}

void upl__progress_end(upl__progress *p)
{
    if (pending && pending == p)
        upl__progress_break();
}

void upl__progress_break(void)
{
    if (!pending)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    pending = NULL; /* never dereferenced: the reporter may be gone */
}
