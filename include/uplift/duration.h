/* Durations, times and percentages as people type them (CONTRACT section 2). */
#ifndef UPLIFT_DURATION_H
#define UPLIFT_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "uplift/status.h"

/* Longest accepted duration: 7 days, in minutes. */
#define UPL_DURATION_MAX_MIN (7.0 * 24.0 * 60.0)

/* Parses "90", "12.5", "90m", "1h30m", "1h", "1:30" (h:mm), "45s" into minutes.
 * Refuses empty text, zero, negative, non-finite and values over UPL_DURATION_MAX_MIN
 * with UPL_PARSE and a message in diag. */
upl_status upl_duration_parse(const char *text, double *minutes, upl_diag *diag);

/* Formats minutes for people: "90", "12.5" (shortest exact form, at most 3 decimals). */
void upl_duration_format(double minutes, char *buf, size_t size);

/* Parses an ISO-8601 time ("2026-03-01T09:30", optional ":SS", optional "Z" or
 * "+HH:MM"/"-HH:MM"; no zone means local time) or "HH:MM" (today in local time, today
 * taken from now_utc) into seconds since the epoch, UTC. */
upl_status upl_time_parse(const char *text, int64_t now_utc, int64_t *utc, upl_diag *diag);

/* Writes "2026-03-01T09:30:00Z" (UTC) into buf (at least 21 bytes). */
void upl_time_format(int64_t utc, char *buf, size_t size);

/* Parses a relative change of time: "-20%", "20% faster" (both -0.20), "+15%",
 * "15% slower" (0.15), or a plain fraction "-0.2".  Refuses values at or below -100%
 * and above +1000%. */
upl_status upl_percent_parse(const char *text, double *fraction, upl_diag *diag);

#endif
