/* The pure half of progress (progress.h): a step's line and when to draw it, as
 * functions of their arguments (the time included), so that tests need no clock. */
#include <stdio.h>
#include <string.h>

#include "printable.h"
#include "progress.h"

int upl__progress_mode_parse(const char *text, int stderr_is_tty, int quiet,
                             upl__progress_mode *mode)
{
    int always;
    if (!text || !*text || strcmp(text, "auto") == 0)
        always = 0;
    else if (strcmp(text, "always") == 0)
        always = 1;
    else if (strcmp(text, "never") == 0)
        always = -1;
    else
        return 0;
    if (quiet || always < 0 || (!always && !stderr_is_tty))
        *mode = UPL__PROGRESS_OFF;
    else
        *mode = stderr_is_tty ? UPL__PROGRESS_REDRAW : UPL__PROGRESS_LINES;
    return 1;
}

/* "12/s", "3.4/s", "0.25/s", "1.2k/s", "3.1M/s" */
static void format_rate(char *buf, size_t size, double rate)
{
    if (rate >= 999950.0)
        snprintf(buf, size, "%.1fM/s", rate / 1e6);
    else if (rate >= 999.5)
        snprintf(buf, size, "%.1fk/s", rate / 1e3);
    else if (rate >= 9.95)
        snprintf(buf, size, "%.0f/s", rate);
    else if (rate >= 0.995)
        snprintf(buf, size, "%.1f/s", rate);
    else
        snprintf(buf, size, "%.2f/s", rate);
}

/* A span of seconds: "42s" ("5.8s" with tenths), "3m05s", "1h02m". */
static void format_span(char *buf, size_t size, double seconds, int tenths)
{
    if (seconds < 0.0)
        seconds = 0.0;
    if (tenths && seconds < 59.95) {
        snprintf(buf, size, "%.1fs", seconds);
        return;
    }
    unsigned long long s = (unsigned long long)(seconds + 0.5);
    if (s < 60)
        snprintf(buf, size, "%llus", s);
    else if (s < 3600)
        snprintf(buf, size, "%llum%02llus", s / 60, s % 60);
    else
        snprintf(buf, size, "%lluh%02llum", s / 3600, s % 3600 / 60);
}

#define BAR_WIDTH 20

size_t upl__progress_format(char *buf, size_t size, const char *label, size_t done, size_t total,
                            double elapsed, size_t width)
{
    char tail[160], rate[32] = "", span[32];
    size_t used = 0;
    int final = total > 0 && done >= total;
    if (size == 0)
        return 0;
    if (final)
        done = total;
    int timed = done > 0 && elapsed >= UPL__PROGRESS_MIN_ELAPSED;
    if (timed)
        format_rate(rate, sizeof rate, (double)done / elapsed);
    if (total == 0) {
        used = (size_t)snprintf(tail, sizeof tail, " %zu%s%s", done, timed ? "  " : "", rate);
    } else {
        char bar[BAR_WIDTH + 1];
        /* floor, so that 100% (and a full bar) means done */
        unsigned pct = (unsigned)((double)done * 100.0 / (double)total);
        size_t fill = (size_t)((double)done * BAR_WIDTH / (double)total);
        if (pct > 100)
            pct = 100;
        if (fill > BAR_WIDTH)
            fill = BAR_WIDTH;
        for (size_t i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[BAR_WIDTH] = '\0';
        used = (size_t)snprintf(tail, sizeof tail, " [%s] %3u%%  %zu/%zu", bar, pct, done, total);
        if (final) {
            format_span(span, sizeof span, elapsed, 1);
            used += (size_t)snprintf(tail + used, sizeof tail - used, "  in %s", span);
            if (timed)
                used += (size_t)snprintf(tail + used, sizeof tail - used, "  %s", rate);
        } else if (timed) {
            format_span(span, sizeof span, (double)(total - done) * elapsed / (double)done, 0);
            used += (size_t)snprintf(tail + used, sizeof tail - used, "  %s  ETA %s", rate, span);
        }
    }
    if (used >= sizeof tail)
        used = sizeof tail - 1;
    /* the label gets what is left of the line: at least four characters */
    char shown[UPL__PROGRESS_LABEL_SIZE];
    size_t max_chars = sizeof shown - 1;
    if (width >= 20) {
        size_t avail = width - 1 > used ? width - 1 - used : 0;
        if (avail < 4)
            avail = 4;
        if (avail < max_chars)
            max_chars = avail;
    }
    upl__printable(label, shown, max_chars + 1);
    snprintf(buf, size, "%s%s", shown, tail);
    return strlen(buf);
}

upl__progress_action upl__progress_next(upl__progress_step *s, const char *label, size_t done,
                                        size_t total, int64_t now_ns, double *elapsed)
{
    if (!s->started || total != s->total || done < s->done ||
        strncmp(label, s->label, sizeof s->label - 1) != 0) {
        memset(s, 0, sizeof *s);
        snprintf(s->label, sizeof s->label, "%s", label);
        s->started = 1;
        s->total = total;
        s->start_ns = now_ns;
    }
    s->done = done;
    *elapsed = (double)(now_ns - s->start_ns) / 1e9;
    if (s->finished)
        return UPL__PROGRESS_SKIP;
    if (total > 0 && done >= total) {
        s->finished = 1;
        return UPL__PROGRESS_FINAL;
    }
    if (s->drawn && now_ns - s->last_ns < UPL__PROGRESS_INTERVAL_NS)
        return UPL__PROGRESS_SKIP;
    s->drawn = 1;
    s->last_ns = now_ns;
    return UPL__PROGRESS_DRAW;
}
