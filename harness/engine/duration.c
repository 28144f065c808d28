/* Durations, times and percentages as people type them (the conventions of README.md, Reference).
 *
 * Every parser scans its own digits instead of calling strtod on the whole text, so
 * that "1e3", "0x10", "inf", "nan" and leading blanks inside a number are refused
 * rather than silently accepted. */
#include "uplift/duration.h"
#include "printable.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static const char *skip_blanks(const char *s)
{
    while (is_blank(*s))
        s++;
    return s;
}

/* Scans an unsigned decimal "12", "12.5", ".5" or "12." at *s.  Significant digits past
 * the fifteenth are dropped (the mantissa stays exact in a double); the value is then
 * one correctly rounded division.  Returns 0 and advances *s, or -1 when no digit is
 * there. */
static int scan_decimal(const char **s, double *value)
{
    const char *p = *s;
    double mantissa = 0;
    int significant = 0, frac_digits = 0, digits = 0, int_excess = 0;
    while (is_digit(*p)) {
        if (significant < 15) {
            mantissa = mantissa * 10 + (*p - '0');
            if (mantissa > 0)
                significant++;
        } else {
            int_excess++;
        }
        digits++;
        p++;
    }
    if (*p == '.') {
        p++;
        while (is_digit(*p)) {
            if (significant < 15) {
                mantissa = mantissa * 10 + (*p - '0');
                frac_digits++;
                if (mantissa > 0)
                    significant++;
            }
            digits++;
            p++;
        }
    }
    if (digits == 0)
        return -1;
    double v = mantissa;
    if (int_excess > 0)
        v *= pow(10.0, int_excess);
    else if (frac_digits > 0)
        v /= pow(10.0, frac_digits);
    *value = v;
    *s = p;
    return 0;
}

/* Scans exactly `width` digits (width 0: one or two) into *out. */
static int scan_int(const char **s, int width, int *out)
{
    const char *p = *s;
    int v = 0, n = 0, max = width ? width : 2;
    while (n < max && is_digit(*p)) {
        v = v * 10 + (*p - '0');
        n++;
        p++;
    }
    if (n == 0 || (width && n != width))
        return -1;
    *out = v;
    *s = p;
    return 0;
}

/* ---- durations ---------------------------------------------------------------------- */

/* "1h30m", "90m", "45s", "1.5h", "2m 30s": each unit at most once, in h, m, s order. */
static int parse_units(const char *p, double *minutes)
{
    static const char units[] = "hms";
    static const double scale[] = {60.0, 1.0, 1.0 / 60.0};
    double total = 0;
    int next = 0, parts = 0;
    while (*p) {
        double v;
        if (scan_decimal(&p, &v) != 0)
            return -1;
        p = skip_blanks(p);
        char u = lower(*p);
        if (u == 'm' && lower(p[1]) == 'i' && lower(p[2]) == 'n')
            p += 2; /* "min" */
        const char *hit = u ? strchr(units + next, u) : NULL;
        if (!hit)
            return -1;
        next = (int)(hit - units) + 1;
        total += v * scale[hit - units];
        parts++;
        p = skip_blanks(p + 1);
    }
    if (parts == 0)
        return -1;
    *minutes = total;
    return 0;
}

/* "1:30" (h:mm) or "1:30:15" (h:mm:ss). */
static int parse_clock(const char *p, double *minutes)
{
    const char *start = p;
    int h = 0, m = 0, sec = 0;
    while (is_digit(*p)) {
        if (h > 100000)
            return -1;
        h = h * 10 + (*p++ - '0');
    }
    if (p == start || *p++ != ':' || scan_int(&p, 2, &m) != 0 || m > 59)
        return -1;
    if (*p == ':' && (p++, scan_int(&p, 2, &sec) != 0 || sec > 59))
        return -1;
    if (*skip_blanks(p))
        return -1;
    *minutes = h * 60.0 + m + sec / 60.0;
    return 0;
}

upl_status upl_duration_parse(const char *text, double *minutes, upl_diag *diag)
{
    char qbuf[UPL_PRINTABLE_SIZE];
    if (!text)
        return upl_diag_set(diag, UPL_PARSE, "missing duration");
    const char *q = upl__printable(text, qbuf, sizeof qbuf);
    const char *p = skip_blanks(text);
    if (!*p)
        return upl_diag_set(diag, UPL_PARSE, "empty duration");
    if (*p == '-')
        return upl_diag_set(diag, UPL_PARSE, "duration '%s' is negative", q);
    if (*p == '+')
        p++;

    double v = 0;
    const char *num = p;
    int ok = -1;
    if (strchr(p, ':')) {
        ok = parse_clock(p, &v);
    } else if (scan_decimal(&num, &v) == 0 && !*skip_blanks(num)) {
        ok = 0; /* a bare number is minutes */
    } else {
        ok = parse_units(p, &v);
    }
    if (ok != 0 || !isfinite(v))
        return upl_diag_set(diag, UPL_PARSE,
                            "'%s' is not a duration (write minutes such as 90 or 12.5, or 1h30m, "
                            "1:30, 45s)",
                            q);
    if (!(v > 0))
        return upl_diag_set(diag, UPL_PARSE, "duration '%s' is zero", q);
    if (v > UPL_DURATION_MAX_MIN)
        return upl_diag_set(diag, UPL_PARSE, "duration '%s' is over 7 days", q);
    *minutes = v;
    return UPL_OK;
}

void upl_duration_format(double minutes, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    if (!isfinite(minutes)) {
        snprintf(buf, size, "%s", isnan(minutes) ? "nan" : minutes > 0 ? "inf" : "-inf");
        return;
    }
    char tmp[64];
    double r = round(minutes * 1000.0) / 1000.0;
    if (fabs(r) < 0.0005)
        r = 0; /* no "-0" */
    if (fabs(r) >= 1e15)
        snprintf(tmp, sizeof tmp, "%.0f", r);
    else
        snprintf(tmp, sizeof tmp, "%.3f", r);
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *end = tmp + strlen(tmp);
        while (end > dot && (end[-1] == '0' || end[-1] == '.')) {
            int was_dot = end[-1] == '.';
            *--end = '\0';
            if (was_dot)
                break;
        }
    }
    snprintf(buf, size, "%s", tmp);
}

/* ---- times -------------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* Local wall-clock time to UTC through mktime.  Refuses times that the local clock
 * skips (a DST gap): mktime moves those, and the fields no longer match. */
static int local_to_utc(int y, int mon, int d, int h, int min, int s, int64_t *utc)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = min;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1 && !(y == 1969 && mon == 12 && d == 31 && h == 23 && min == 59))
        return -1;
    if (tm.tm_year != y - 1900 || tm.tm_mon != mon - 1 || tm.tm_mday != d || tm.tm_hour != h ||
        tm.tm_min != min)
        return -2;
    *utc = (int64_t)t;
    return 0;
}

/* "HH:MM" or "HH:MM:SS" at *p; advances it. */
static int scan_hms(const char **p, int *h, int *m, int *s)
{
    *s = 0;
    if (scan_int(p, 0, h) != 0 || **p != ':')
        return -1;
    (*p)++;
    if (scan_int(p, 2, m) != 0)
        return -1;
    if (**p == ':') {
        (*p)++;
        if (scan_int(p, 2, s) != 0)
            return -1;
        if (**p == '.' && is_digit((*p)[1])) { /* fractions of a second are dropped */
            (*p)++;
            while (is_digit(**p))
                (*p)++;
        }
    }
    return (*h > 23 || *m > 59 || *s > 59) ? -1 : 0;
}

/* The civil date of a day number (days since 1970-01-01; H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "HH:MM[:SS]" at p, on the local day that is days_back days before now's (0: today,
 * 1: yesterday). */
static upl_status parse_clock_on(const char *p, int days_back, int64_t now_utc, const char *q,
                                 const char *hint, int64_t *utc, upl_diag *diag)
{
    static const char *const day_name[] = {"today", "yesterday"};
    int h = 0, min = 0, s = 0, y, mon, d;
    int64_t result = 0;
    if (scan_hms(&p, &h, &min, &s) != 0 || *skip_blanks(p))
        return upl_diag_set(diag, UPL_PARSE, "'%s' is not a time %s", q, hint);
    time_t now = (time_t)now_utc;
    struct tm today;
    if (!localtime_r(&now, &today))
        return upl_diag_set(diag, UPL_PARSE, "cannot tell today's date for '%s'", q);
    civil_from_days(days_from_civil(today.tm_year + 1900, today.tm_mon + 1, today.tm_mday) -
                        days_back,
                    &y, &mon, &d);
    int rc = local_to_utc(y, mon, d, h, min, s, &result);
    if (rc == -2)
        return upl_diag_set(diag, UPL_PARSE,
                            "time '%s' does not exist %s in local time (clock change)", q,
                            day_name[days_back]);
    if (rc != 0)
        return upl_diag_set(diag, UPL_PARSE, "time '%s' is out of range", q);
    *utc = result;
    return UPL_OK;
}

/* The word at p (any case) followed by at least one blank: the text after the blanks,
 * else NULL. */
static const char *after_word(const char *p, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != word[i])
            return NULL;
    return is_blank(p[n]) ? skip_blanks(p + n) : NULL;
}

upl_status upl_time_parse(const char *text, int64_t now_utc, int64_t *utc, upl_diag *diag)
{
    char qbuf[UPL_PRINTABLE_SIZE];
    static const char hint[] = "(write 2026-03-01T09:30, 2026-03-01T09:30:00Z, 09:30, "
                               "yesterday 17:30, or -5m, -1h30m before now)";
    if (!text)
        return upl_diag_set(diag, UPL_PARSE, "missing time");
    const char *q = upl__printable(text, qbuf, sizeof qbuf);
    const char *p = skip_blanks(text);
    const char *rest;
    int y = 0, mon = 0, d = 0, h = 0, min = 0, s = 0;
    int64_t result = 0;
    int rc;

    if (*p == '-') {
        /* -DUR: that long before now, DUR any duration ("-5m", "-1h30m", "-90", "-1:30") */
        double minutes;
        upl_diag sub = {0};
        if (upl_duration_parse(p + 1, &minutes, &sub) != UPL_OK || p[1] == '-' || p[1] == '+')
            return upl_diag_set(diag, UPL_PARSE, "'%s' is not a time %s", q, hint);
        *utc = now_utc - (int64_t)llround(minutes * 60.0);
        return UPL_OK;
    }
    if (is_digit(p[0]) && (p[1] == ':' || (is_digit(p[1]) && p[2] == ':')))
        return parse_clock_on(p, 0, now_utc, q, hint, utc, diag); /* HH:MM today, local time */
    if ((rest = after_word(p, "today")) != NULL)
        return parse_clock_on(rest, 0, now_utc, q, hint, utc, diag);
    if ((rest = after_word(p, "yesterday")) != NULL)
        return parse_clock_on(rest, 1, now_utc, q, hint, utc, diag);

    if (scan_int(&p, 4, &y) != 0 || *p++ != '-' || scan_int(&p, 2, &mon) != 0 || *p++ != '-' ||
        scan_int(&p, 2, &d) != 0 || (*p != 'T' && *p != 't' && *p != ' '))
        return upl_diag_set(diag, UPL_PARSE, "'%s' is not a time %s", q, hint);
    p++;
    if (mon < 1 || mon > 12 || d < 1 || d > days_in_month(y, mon))
        return upl_diag_set(diag, UPL_PARSE, "'%s' is not a valid date", q);
    if (scan_hms(&p, &h, &min, &s) != 0)
        return upl_diag_set(diag, UPL_PARSE, "'%s' is not a time %s", q, hint);

    int has_zone = 0;
    int64_t offset = 0; /* seconds east of UTC */
    if (*p == 'Z' || *p == 'z') {
        has_zone = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh = 0, om = 0;
        p++;
        if (scan_int(&p, 2, &oh) != 0)
            return upl_diag_set(diag, UPL_PARSE, "'%s' has a bad zone offset %s", q, hint);
        if (*p == ':')
            p++;
        if (is_digit(*p) && scan_int(&p, 2, &om) != 0)
            return upl_diag_set(diag, UPL_PARSE, "'%s' has a bad zone offset %s", q, hint);
        if (oh > 14 || om > 59)
            return upl_diag_set(diag, UPL_PARSE, "'%s' has a bad zone offset %s", q, hint);
        has_zone = 1;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*skip_blanks(p))
        return upl_diag_set(diag, UPL_PARSE, "'%s' is not a time %s", q, hint);

    if (has_zone) {
        result = days_from_civil(y, mon, d) * 86400 + h * 3600 + min * 60 + s - offset;
    } else {
        rc = local_to_utc(y, mon, d, h, min, s, &result);
        if (rc == -2)
            return upl_diag_set(diag, UPL_PARSE,
                                "time '%s' does not exist in local time (clock change)", q);
        if (rc != 0)
            return upl_diag_set(diag, UPL_PARSE, "time '%s' is out of range", q);
    }
    *utc = result;
    return UPL_OK;
}

void upl_time_format(int64_t utc, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    time_t t = (time_t)utc;
    struct tm tm;
    if ((int64_t)t != utc || !gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 ||
        tm.tm_year + 1900 > 9999) {
        snprintf(buf, size, "%s", "(invalid time)");
        return;
    }
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- percentages -------------------------------------------------------------------- */

static int match_word(const char *p, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != word[i])
            return 0;
    return !*skip_blanks(p + n);
}

upl_status upl_percent_parse(const char *text, double *fraction, upl_diag *diag)
{
    char qbuf[UPL_PRINTABLE_SIZE];
    if (!text)
        return upl_diag_set(diag, UPL_PARSE, "missing percentage");
    const char *q = upl__printable(text, qbuf, sizeof qbuf);
    const char *p = skip_blanks(text);
    int sign = 0; /* 0: none written */
    if (*p == '-' || *p == '+') {
        sign = *p == '-' ? -1 : 1;
        p = skip_blanks(p + 1);
    }
    double v;
    if (scan_decimal(&p, &v) != 0)
        goto bad;
    p = skip_blanks(p);
    if (*p == '%') {
        v /= 100.0;
        p = skip_blanks(p + 1);
    }
    if (*p) {
        int dir = match_word(p, "faster") ? -1 : match_word(p, "slower") ? 1 : 0;
        if (dir == 0)
            goto bad;
        if (sign != 0)
            return upl_diag_set(diag, UPL_PARSE,
                                "'%s' has both a sign and a direction (write -20%% or 20%% "
                                "faster)",
                                q);
        sign = dir;
    }
    v *= sign < 0 ? -1.0 : 1.0;
    if (!isfinite(v))
        goto bad;
    if (v <= -1.0)
        return upl_diag_set(diag, UPL_PARSE,
                            "'%s' would mean no time at all (a change must be above -100%%)", q);
    if (v > 10.0)
        return upl_diag_set(diag, UPL_PARSE, "'%s' is over +1000%%", q);
    *fraction = v;
    return UPL_OK;
bad:
    return upl_diag_set(diag, UPL_PARSE,
                        "'%s' is not a percentage (write -20%%, 20%% faster, 15%% slower or a "
                        "fraction such as -0.2)",
                        q);
}
