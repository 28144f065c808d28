/* Durations, times and percentages: hand-computed values and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <math.h>

/* |actual - expected| <= tol, with both values in the message (tol 0: exactly equal). */
#define assert_num(actual, expected, tol)                                                          \
    check_num((actual), (expected), (tol), #actual, __FILE__, __LINE__)
static void check_num(double a, double e, double tol, const char *expr, const char *file, int line)
{
    if (!(fabs(a - e) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g", file, line, expr, a, e);
}

#include "uplift/duration.h"

static double dur_ok(const char *text)
{
    upl_diag d = {0};
    double m = -1;
    upl_status rc = upl_duration_parse(text, &m, &d);
    if (rc != UPL_OK)
        fail_msg("'%s' refused: %s", text, d.msg);
    return m;
}

/* Asserts a refusal whose message contains want. */
static void dur_bad(const char *text, const char *want)
{
    upl_diag d = {0};
    double m = 12345;
    upl_status rc = upl_duration_parse(text, &m, &d);
    if (rc != UPL_PARSE)
        fail_msg("'%s' accepted as %g", text ? text : "(null)", m);
    assert_num(m, 12345, 0); /* output untouched on failure */
    if (!strstr(d.msg, want))
        fail_msg("'%s': message '%s' lacks '%s'", text ? text : "(null)", d.msg, want);
}

static void test_duration_forms(void **state)
{
    (void)state;
    assert_num(dur_ok("90"), 90.0, 0);
    assert_num(dur_ok("12.5"), 12.5, 0);
    assert_num(dur_ok(".5"), 0.5, 0);
    assert_num(dur_ok("90m"), 90.0, 0);
    assert_num(dur_ok("90min"), 90.0, 0);
    assert_num(dur_ok("1h30m"), 90.0, 0);
    assert_num(dur_ok("1h 30m"), 90.0, 0);
    assert_num(dur_ok("1H30M"), 90.0, 0);
    assert_num(dur_ok("1h"), 60.0, 0);
    assert_num(dur_ok("1.5h"), 90.0, 0);
    assert_num(dur_ok("2m30s"), 2.5, 0);
    assert_num(dur_ok("1h0m30s"), 60.5, 0);
    assert_num(dur_ok("45s"), 0.75, 0);
    assert_num(dur_ok("1:30"), 90.0, 0);
    assert_num(dur_ok("0:05"), 5.0, 0);
    assert_num(dur_ok("10:00"), 600.0, 0);
    assert_num(dur_ok("1:30:30"), 90.5, 0);
    assert_num(dur_ok("  90  "), 90.0, 0);
    assert_num(dur_ok("+15"), 15.0, 0);
    assert_num(dur_ok("0.1"), 0.1, 0);       /* exactly the double nearest 0.1 */
    assert_num(dur_ok("10080"), 10080.0, 0); /* 7 days is allowed */
    assert_num(dur_ok("168h"), 10080.0, 0);
    assert_num(dur_ok("00000000000000000090"), 90.0, 0);
}

static void test_duration_refusals(void **state)
{
    (void)state;
    dur_bad(NULL, "missing");
    dur_bad("", "empty duration");
    dur_bad("   ", "empty duration");
    dur_bad("0", "duration '0' is zero");
    dur_bad("0h0m", "is zero");
    dur_bad("0:00", "is zero");
    dur_bad("-5", "duration '-5' is negative");
    dur_bad("-1h", "negative");
    dur_bad("10080.5", "duration '10080.5' is over 7 days");
    dur_bad("168h1m", "over 7 days");
    dur_bad("99999999999999999999999", "over 7 days");
    dur_bad("inf", "'inf' is not a duration");
    dur_bad("nan", "'nan' is not a duration");
    dur_bad("1e3", "'1e3' is not a duration");
    dur_bad("0x10", "not a duration");
    dur_bad("90x", "'90x' is not a duration");
    dur_bad("30m1h", "not a duration"); /* units out of order */
    dur_bad("1h1h", "not a duration");
    dur_bad("h", "not a duration");
    dur_bad("1:3", "not a duration");
    dur_bad("1:60", "not a duration");
    dur_bad("1:30:", "not a duration");
    dur_bad(":30", "not a duration");
    dur_bad("1.2.3", "not a duration");
    dur_bad("1 2", "not a duration");
    dur_bad("ninety", "'ninety' is not a duration");
}

static void test_duration_message_is_short(void **state)
{
    (void)state;
    char longtext[300];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    upl_diag d = {0};
    double m;
    assert_int_equal(upl_duration_parse(longtext, &m, &d), UPL_PARSE);
    assert_non_null(strstr(d.msg, "...' is not a duration"));
    assert_true(strlen(d.msg) < 200);
    assert_null(strchr(d.msg, '\n'));
    /* control characters are shown as '?' so that the message stays one line */
    assert_int_equal(upl_duration_parse("1\n2", &m, &d), UPL_PARSE);
    assert_string_equal(d.msg, "'1?2' is not a duration (write minutes such as 90 or 12.5, or "
                               "1h30m, 1:30, 45s)");
}

static void test_duration_format(void **state)
{
    (void)state;
    char buf[32];
    upl_duration_format(90, buf, sizeof buf);
    assert_string_equal(buf, "90");
    upl_duration_format(12.5, buf, sizeof buf);
    assert_string_equal(buf, "12.5");
    upl_duration_format(0.75, buf, sizeof buf);
    assert_string_equal(buf, "0.75");
    upl_duration_format(1.0 / 3.0, buf, sizeof buf);
    assert_string_equal(buf, "0.333");
    upl_duration_format(2.0 / 3.0, buf, sizeof buf);
    assert_string_equal(buf, "0.667");
    upl_duration_format(59.9999, buf, sizeof buf);
    assert_string_equal(buf, "60");
    upl_duration_format(100, buf, sizeof buf);
    assert_string_equal(buf, "100");
    upl_duration_format(-0.0001, buf, sizeof buf);
    assert_string_equal(buf, "0");
    upl_duration_format(10080, buf, 3); /* truncated, still terminated */
    assert_string_equal(buf, "10");
}

/* Time zones are set with POSIX TZ strings so that no tz database is needed. */
static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static int64_t time_ok(const char *text, int64_t now)
{
    upl_diag d = {0};
    int64_t t = -1;
    if (upl_time_parse(text, now, &t, &d) != UPL_OK)
        fail_msg("'%s' refused: %s", text, d.msg);
    return t;
}

static void time_bad(const char *text, const char *want)
{
    upl_diag d = {0};
    int64_t t = 777;
    if (upl_time_parse(text, 0, &t, &d) != UPL_PARSE)
        fail_msg("'%s' accepted as %lld", text ? text : "(null)", (long long)t);
    assert_true(t == 777);
    if (!strstr(d.msg, want))
        fail_msg("'%s': message '%s' lacks '%s'", text ? text : "(null)", d.msg, want);
}

/* 2026-03-01T09:30:00Z: 20513 days after the epoch (56 years, 14 leap days, then
 * 31 + 28 days of 2026) plus 9.5 hours. */
#define T_0930Z ((int64_t)20513 * 86400 + 9 * 3600 + 30 * 60)

static void test_time_iso(void **state)
{
    (void)state;
    set_tz("UTC0");
    assert_true(time_ok("2026-03-01T09:30Z", 0) == T_0930Z);
    assert_true(time_ok("2026-03-01T09:30:00Z", 0) == T_0930Z);
    assert_true(time_ok("2026-03-01T09:30:15Z", 0) == T_0930Z + 15);
    assert_true(time_ok("2026-03-01t09:30:15.999z", 0) == T_0930Z + 15);
    assert_true(time_ok("2026-03-01 09:30Z", 0) == T_0930Z);
    assert_true(time_ok("2026-03-01T10:30+01:00", 0) == T_0930Z);
    assert_true(time_ok("2026-03-01T10:30+0100", 0) == T_0930Z);
    assert_true(time_ok("2026-03-01T04:00-05:30", 0) == T_0930Z);
    assert_true(time_ok("2026-03-01T01:30-08", 0) == T_0930Z);
    assert_true(time_ok("1970-01-01T00:00:00Z", 0) == 0);
    assert_true(time_ok("2024-02-29T00:00Z", 0) == (int64_t)19782 * 86400);
    /* no zone: local time */
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    assert_true(time_ok("2026-03-01T04:30", 0) == T_0930Z); /* EST = UTC-5 */
    /* 2026-07-01T12:00 EDT (UTC-4) = 16:00Z; day 20635 */
    assert_true(time_ok("2026-07-01T12:00", 0) == (int64_t)20635 * 86400 + 16 * 3600);
    set_tz("UTC0");
}

static void test_time_today(void **state)
{
    (void)state;
    set_tz("UTC0");
    int64_t now = T_0930Z + 3600; /* 10:30Z on 2026-03-01 */
    assert_true(time_ok("09:30", now) == T_0930Z);
    assert_true(time_ok("9:30", now) == T_0930Z);
    assert_true(time_ok("09:30:15", now) == T_0930Z + 15);
    assert_true(time_ok("23:59", now) == T_0930Z - 9 * 3600 - 30 * 60 + 86340);
    /* In UTC-5, "now" is 05:30 local on 2026-03-01, so 04:30 local is 09:30Z. */
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    assert_true(time_ok("04:30", now) == T_0930Z);
    /* Just after midnight UTC it is still the previous evening in New York: 2026-02-28. */
    int64_t early = (int64_t)20513 * 86400 + 60;
    assert_true(time_ok("20:00", early) == (int64_t)20512 * 86400 + 20 * 3600 + 5 * 3600);
    set_tz("UTC0");
}

/* "-DUR" before now, and "today"/"yesterday HH:MM" in local time. */
static void test_time_relative(void **state)
{
    (void)state;
    set_tz("UTC0");
    int64_t now = T_0930Z; /* 2026-03-01T09:30:00Z */
    assert_true(time_ok("-5m", now) == now - 5 * 60);
    assert_true(time_ok("-1h30m", now) == now - 90 * 60);
    assert_true(time_ok("  -1h 30m  ", now) == now - 90 * 60);
    assert_true(time_ok("-90", now) == now - 90 * 60); /* minutes, as a duration */
    assert_true(time_ok("-1:30", now) == now - 90 * 60);
    assert_true(time_ok("-45s", now) == now - 45);
    assert_true(time_ok("-2.5", now) == now - 150);
    assert_true(time_ok("-0.01", now) == now - 1); /* 0.6 s, to the nearest second */
    assert_true(time_ok("-168h", now) == now - 7 * 86400);
    /* yesterday: the local day before now's, across a month's end */
    assert_true(time_ok("yesterday 17:30", now) == T_0930Z - 16 * 3600);
    assert_true(time_ok("Yesterday  17:30:15", now) == T_0930Z - 16 * 3600 + 15);
    assert_true(time_ok("today 09:00", now) == T_0930Z - 30 * 60);
    assert_true(time_ok("TODAY 9:00", now) == T_0930Z - 30 * 60);
    /* 2026-01-01T08:00Z: yesterday is 2025-12-31 */
    int64_t new_year = (int64_t)20454 * 86400 + 8 * 3600;
    assert_true(time_ok("yesterday 23:00", new_year) == new_year - 9 * 3600);
    /* local time: at 01:00Z on 2026-03-01 it is still 2026-02-28 (20:00) in New York,
     * so yesterday is 2026-02-27 */
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    int64_t early = (int64_t)20513 * 86400 + 3600;
    assert_true(time_ok("yesterday 17:30", early) == (int64_t)20511 * 86400 + 22 * 3600 + 30 * 60);
    /* the day after the jump to summer time (2026-03-09): 02:30 yesterday did not exist */
    int64_t after_jump = (int64_t)20521 * 86400 + 16 * 3600; /* 2026-03-09T16:00Z */
    upl_diag d = {0};
    int64_t t = 777;
    assert_int_equal(upl_time_parse("yesterday 02:30", after_jump, &t, &d), UPL_PARSE);
    assert_non_null(strstr(d.msg, "does not exist yesterday in local time"));
    assert_true(t == 777);
    /* 23 hours from yesterday 12:00 to today 12:00 on the day of the jump (2026-03-08) */
    int64_t jump_day = (int64_t)20520 * 86400 + 18 * 3600; /* 2026-03-08T18:00Z */
    assert_true(time_ok("today 12:00", jump_day) - time_ok("yesterday 12:00", jump_day) ==
                23 * 3600);
    set_tz("UTC0");
    /* refusals */
    time_bad("-", "'-' is not a time");
    time_bad("-0", "'-0' is not a time");
    time_bad("--5m", "is not a time");
    time_bad("-+5m", "is not a time");
    time_bad("-5x", "is not a time");
    time_bad("-8d", "is not a time");
    time_bad("-169h", "is not a time"); /* over 7 days */
    time_bad("+5m", "is not a time");   /* never after now */
    time_bad("yesterday", "is not a time");
    time_bad("yesterday17:30", "is not a time");
    time_bad("yesterday 25:00", "is not a time");
    time_bad("yesterday 17:30 junk", "is not a time");
    time_bad("tomorrow 17:30", "is not a time");
    time_bad("17.30", "(write 2026-03-01T09:30, 2026-03-01T09:30:00Z, 09:30, yesterday 17:30, "
                      "or -5m, -1h30m before now)");
}

static void test_time_refusals(void **state)
{
    (void)state;
    set_tz("UTC0");
    time_bad(NULL, "missing time");
    time_bad("", "is not a time");
    time_bad("yesterday", "'yesterday' is not a time");
    time_bad("2026-03-01", "is not a time");
    time_bad("2026-13-01T09:30", "'2026-13-01T09:30' is not a valid date");
    time_bad("2026-02-29T09:30", "not a valid date");
    time_bad("2026-04-31T09:30", "not a valid date");
    time_bad("2026-03-01T24:00", "is not a time");
    time_bad("2026-03-01T09:60", "is not a time");
    time_bad("2026-03-01T09:30:61", "is not a time");
    time_bad("2026-03-01T09:30+25:00", "bad zone offset");
    time_bad("2026-03-01T09:30+1", "bad zone offset");
    time_bad("2026-03-01T09:30Zjunk", "is not a time");
    time_bad("26-03-01T09:30", "is not a time");
    time_bad("25:00", "is not a time");
    time_bad("12:5", "is not a time");
    /* 02:30 on 2026-03-08 does not exist in New York (clocks jump from 02:00 to 03:00) */
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    time_bad("2026-03-08T02:30", "does not exist in local time");
    set_tz("UTC0");
}

static void test_time_format(void **state)
{
    (void)state;
    char buf[32];
    upl_time_format(T_0930Z, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-01T09:30:00Z");
    upl_time_format(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00Z");
    upl_time_format(T_0930Z + 59, buf, sizeof buf);
    assert_string_equal(buf, "2026-03-01T09:30:59Z");
    upl_time_format(INT64_MAX, buf, sizeof buf);
    assert_string_equal(buf, "(invalid time)");
    /* round trip through the parser */
    int64_t t = 0;
    upl_diag d;
    assert_int_equal(upl_time_parse("2031-12-31T23:59:59Z", 0, &t, &d), UPL_OK);
    upl_time_format(t, buf, sizeof buf);
    assert_string_equal(buf, "2031-12-31T23:59:59Z");
}

static double pct_ok(const char *text)
{
    upl_diag d = {0};
    double f = 99;
    if (upl_percent_parse(text, &f, &d) != UPL_OK)
        fail_msg("'%s' refused: %s", text, d.msg);
    return f;
}

static void pct_bad(const char *text, const char *want)
{
    upl_diag d = {0};
    double f = 99;
    if (upl_percent_parse(text, &f, &d) != UPL_PARSE)
        fail_msg("'%s' accepted as %g", text ? text : "(null)", f);
    assert_num(f, 99, 0);
    if (!strstr(d.msg, want))
        fail_msg("'%s': message '%s' lacks '%s'", text ? text : "(null)", d.msg, want);
}

static void test_percent(void **state)
{
    (void)state;
    assert_num(pct_ok("-20%"), -0.20, 1e-15);
    assert_num(pct_ok("20% faster"), -0.20, 1e-15);
    assert_num(pct_ok("20 % Faster"), -0.20, 1e-15);
    assert_num(pct_ok("15% slower"), 0.15, 1e-15);
    assert_num(pct_ok("+15%"), 0.15, 1e-15);
    assert_num(pct_ok("19%"), 0.19, 1e-15);
    assert_num(pct_ok("0.19"), 0.19, 0);
    assert_num(pct_ok("-0.2"), -0.2, 0);
    assert_num(pct_ok("0.2 faster"), -0.2, 0);
    assert_num(pct_ok("0%"), 0.0, 0);
    assert_num(pct_ok("-99.5%"), -0.995, 1e-15);
    assert_num(pct_ok("1000%"), 10.0, 0);
    assert_num(pct_ok(" 12.5% "), 0.125, 0);
}

static void test_percent_refusals(void **state)
{
    (void)state;
    pct_bad(NULL, "missing");
    pct_bad("", "is not a percentage");
    pct_bad("%", "'%' is not a percentage");
    pct_bad("-100%", "'-100%' would mean no time at all");
    pct_bad("100% faster", "no time at all");
    pct_bad("-1", "no time at all");
    pct_bad("1000.1%", "'1000.1%' is over +1000%");
    pct_bad("11", "over +1000%");
    pct_bad("-20% faster", "both a sign and a direction");
    pct_bad("20% quicker", "'20% quicker' is not a percentage");
    pct_bad("20%%", "not a percentage");
    pct_bad("nan%", "not a percentage");
    pct_bad("1e2%", "not a percentage");
    pct_bad("twenty", "not a percentage");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_forms),
        cmocka_unit_test(test_duration_refusals),
        cmocka_unit_test(test_duration_message_is_short),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_time_iso),
        cmocka_unit_test(test_time_today),
        cmocka_unit_test(test_time_relative),
        cmocka_unit_test(test_time_refusals),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_percent_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
