/* Fuzz target: durations, times and percentages (harness/duration.c).
 *
 * The input, made a C string, goes through all three parsers.  Beyond memory safety it
 * checks what the parsers promise: accepted durations lie in (0, 7 days] and survive
 * format and re-parse, accepted percentages lie in (-1, 10], an accepted time formats
 * to a UTC string that parses back to the same second, a relative time ("-5m") lies
 * within 7 days before now and is now minus the duration after the '-', and a clock
 * time ("17:30") accepted today and yesterday lies 23 to 25 hours later today. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "uplift/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int tz_set = 0;
    if (!tz_set) {
        /* a zone with daylight saving, without needing the tz database */
        setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
        tzset();
        tz_set = 1;
    }
    if (size > 256)
        return 0;
    char text[257];
    memcpy(text, data, size);
    text[size] = '\0';

    upl_diag diag;
    double minutes = 0;
    if (upl_duration_parse(text, &minutes, &diag) == UPL_OK) {
        if (!(minutes > 0) || minutes > UPL_DURATION_MAX_MIN)
            abort();
        char buf[64];
        upl_duration_format(minutes, buf, sizeof buf);
        double again = 0;
        /* the format keeps 3 decimals, so durations under half a thousandth vanish */
        if (minutes >= 0.001) {
            if (upl_duration_parse(buf, &again, &diag) != UPL_OK ||
                fabs(again - minutes) > 0.0005 + 1e-9)
                abort();
        }
    }

    double fraction = 0;
    if (upl_percent_parse(text, &fraction, &diag) == UPL_OK) {
        if (!(fraction > -1.0) || fraction > 10.0)
            abort();
    }

    int64_t utc = 0;
    const int64_t now = 1772357400; /* 2026-03-01T09:30:00Z */
    if (upl_time_parse(text, now, &utc, &diag) == UPL_OK) {
        char buf[64];
        upl_time_format(utc, buf, sizeof buf);
        int64_t again = 0;
        if (strcmp(buf, "(invalid time)") != 0 &&
            (upl_time_parse(buf, now, &again, &diag) != UPL_OK || again != utc))
            abort();
        const char *p = text + strspn(text, " \t\r\n");
        if (*p == '-') {
            if (utc > now || utc < now - 7 * 86400)
                abort();
            if (upl_duration_parse(p + 1, &minutes, &diag) != UPL_OK ||
                utc != now - (int64_t)llround(minutes * 60.0))
                abort();
        }
        if (*p >= '0' && *p <= '9') {
            char yesterday[300];
            int64_t before = 0;
            snprintf(yesterday, sizeof yesterday, "yesterday %s", p);
            if (strchr(p, '-') == NULL &&
                upl_time_parse(yesterday, now, &before, &diag) == UPL_OK &&
                (utc - before < 23 * 3600 || utc - before > 25 * 3600))
                abort();
        }
    }
    return 0;
}
