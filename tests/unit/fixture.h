/* Reading the R-generated fixtures of tests/fixtures/analysis/ (plain CSV, no quoting,
 * "NA" for missing) in the cmocka tests that compare with estimatr.  Include after
 * cmocka.h.  The test's main() fills `fixtures` with the fixtures directory. */
#ifndef UPLIFT_TEST_FIXTURE_H
#define UPLIFT_TEST_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/analysis.h"

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

/* Reads NAME.csv (columns of make_fixtures.R) into ds with arms from the manifest.
 * make_fixtures.R gives the participant factor its levels in order of first appearance
 * (the first is the fixed effects' baseline, and the dummies follow that order), while
 * the design orders participants by handle: each handle gets its rank of first
 * appearance as a prefix ("003:p138"), so that both orders agree and every coefficient,
 * fixed effects included, is R's. */
static inline void load_dataset(upl_dataset *ds, const char *name, char *arms)
{
    FILE *f = open_fixture(name, ".csv");
    char line[4096];
    char *fld[16];
    enum { MAX_PARTS = 1024 };
    static char seen[MAX_PARTS][32];
    size_t n_seen = 0;
    assert_int_equal(upl_dataset_init(ds, 0, NULL), UPL_OK);
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(split(line, fld, 16), 8);
    assert_string_equal(fld[0], "task_id");
    while (fgets(line, sizeof line, f)) {
        assert_int_equal(split(line, fld, 16), 8);
        upl_task_row row;
        upl_task_row_clear(&row);
        row.task_id = fld[0];
        size_t p = 0;
        while (p < n_seen && strcmp(seen[p], fld[1]) != 0)
            p++;
        if (p == n_seen) {
            assert_true(n_seen < MAX_PARTS && strlen(fld[1]) < sizeof seen[0]);
            snprintf(seen[n_seen++], sizeof seen[0], "%s", fld[1]);
        }
        char handle[48];
        snprintf(handle, sizeof handle, "%04zu:%s", p, fld[1]);
        row.participant = handle;
        row.arm = fld[2];
        row.forecast_ai_min = num(fld[3]);
        row.forecast_no_ai_min = num(fld[4]);
        row.reported_min = num(fld[5]);
        row.post_review_min = num(fld[6]);
        assert_int_equal(upl_task_status_from_name(fld[7], &row.status), 0);
        assert_int_equal(upl_dataset_append(ds, &row), UPL_OK);
    }
    fclose(f);
    char *save = arms;
    for (char *a = arms; a; a = save) {
        save = strchr(a, ';');
        if (save)
            *save++ = '\0';
        assert_int_equal(upl_dataset_add_arm(ds, a, NULL), UPL_OK);
    }
    ds->control = 0;
}

#endif
