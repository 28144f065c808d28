/* Durations, times and percentages as people type them (the conventions of README.md, Reference).
 */
#ifndef UPLIFT_DURATION_H
#define UPLIFT_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "uplift/status.h"
#include "uplift/task.h" /* UPL_DURATION_MAX_MIN */

/* Parses "90", "12.5", "90m", "1h30m", "1h", "1:30" (h:mm), "45s" into minutes.  Also
 * accepted: "90min", "1.5h", "1h 30m" (units h, m, s in that order, each at most once,
 * any case), "1:30:15" (h:mm:ss) and surrounding blanks.  Refuses empty text, zero,
 * negative, non-finite ("inf", "1e3") and values over UPL_DURATION_MAX_MIN with
 * UPL_PARSE and a one-line message quoting the text, e.g. "duration '-5' is negative".
 * *minutes is written only on UPL_OK. */
upl_status upl_duration_parse(const char *text, double *minutes, upl_diag *diag);

/* Formats minutes for people: "90", "12.5", "0.333" (rounded to 3 decimals, trailing
 * zeros dropped).  Always NUL-terminates buf when size > 0. */
void upl_duration_format(double minutes, char *buf, size_t size);

/* Parses an ISO-8601 time ("2026-03-01T09:30", optional ":SS" and fraction (dropped),
 * optional "Z" or "+HH:MM"/"-HH:MM"/"+HHMM"/"+HH"; "T" may be a space; no zone means
 * local time, through mktime and TZ), "HH:MM[:SS]" (today in local time, today taken
 * from now_utc), "today HH:MM[:SS]" and "yesterday HH:MM[:SS]" (the words in any case;
 * the local day of now_utc and the one before it), or "-DUR" (now_utc minus DUR, any
 * duration upl_duration_parse() accepts, rounded to the second: "-5m", "-1h30m") into
 * seconds since the epoch, UTC.  Refuses impossible dates (2026-02-29) and local times
 * skipped by a clock change.  *utc is written only on UPL_OK. */
upl_status upl_time_parse(const char *text, int64_t now_utc, int64_t *utc, upl_diag *diag);

/* Writes "2026-03-01T09:30:00Z" (UTC, through gmtime_r) into buf (at least 21 bytes);
 * "(invalid time)" for a time outside years 0-9999. */
void upl_time_format(int64_t utc, char *buf, size_t size);

/* Parses a relative change of time: "-20%", "20% faster" (both -0.20), "+15%",
 * "15% slower" (0.15), or a plain fraction "-0.2", "0.19" ("faster"/"slower" also
 * after a fraction; a sign and a direction together are refused).  Refuses values at or
 * below -100% and above +1000%.  *fraction is written only on UPL_OK. */
upl_status upl_percent_parse(const char *text, double *fraction, upl_diag *diag);

#endif
