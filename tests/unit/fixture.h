/* Reading the R-generated fixtures of tests/fixtures/analysis/ (plain CSV, no quoting,
 * "NA" for missing) in the cmocka tests that compare with estimatr.  Include after
 * cmocka.h.  The test's main() fills `fixtures` with the fixtures directory. */
#ifndef UPLIFT_TEST_FIXTURE_H
#define UPLIFT_TEST_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fixtures[1024];

/* Splits a fixture line at commas, in place; returns the number of fields.  Slots past
 * the last field point at "" (read as NA by num()), so a short line fails a comparison
 * instead of reading garbage. */
static inline size_t split(char *line, char **f, size_t max)
{
    static char none[] = "";
    size_t n = 0;
    for (size_t i = 0; i < max; i++)
        f[i] = none;
    char *p = line;
    line[strcspn(line, "\r\n")] = '\0';
    while (n < max) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

/* A number of a fixture; NA or empty is NAN; anything else fails the test. */
static inline double num(const char *s)
{
    if (strcmp(s, "NA") == 0 || !*s)
        return NAN;
    char *end = NULL;
    double v = strtod(s, &end);
    assert_true(end && *end == '\0');
    return v;
}

/* Opens fixtures/analysis/NAME SUFFIX or fails the test. */
static inline FILE *open_fixture(const char *name, const char *suffix)
{
    char path[1200];
    if (snprintf(path, sizeof path, "%s/analysis/%s%s", fixtures, name, suffix) >= (int)sizeof path)
        fail_msg("fixture path too long: %s/analysis/%s%s", fixtures, name, suffix);
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open fixture %s", path);
    return f;
}

#endif
