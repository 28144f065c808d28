/* Fuzz target: the labels of `analyze --csv` (harness/dataset_csv.c, harness/text.c):
 * blanks around cells, numeric arm values, --treated matching and --arm-names.
 *
 * Input: line 1 is the --treated value, line 2 the --arm-names value, line 3 the --map
 * value (each empty: none), the rest the CSV.  Invariants:
 * - a failure has a one-line message; a malformed --arm-names fails the check that the
 *   CLI runs before reading (UPL_INVALID, reason ARG_ARM_NAMES), and the read too;
 * - on success: control first, at least two arms, all distinct; every row's arm is one
 *   of them; no label (task id, participant, category, arm, extra cell) is empty or has
 *   a blank at either end; without --arm-names no two arms are the same number; with
 *   --treated (and no name for it) the treated arm is --treated without its blanks;
 *   --arm-names only renames: the arms hold the same rows as without it (swapped
 *   names included);
 * - padding every cell of the CSV with blanks (quoted, so the CSV reader keeps them)
 *   reads to the very same dataset. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/csv.h"
#include "uplift/dataset_csv.h"
#include "text.h"

#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const upl_diag *diag)
{
    if (!diag->msg[0] || strchr(diag->msg, '\n'))
        abort();
}

static void check_label(const char *s)
{
    if (!s)
        return;
    const char *start;
    if (!*s || upl__label_span(s, &start) != strlen(s) || start != s)
        abort();
}

/* A whole decimal number that a double holds (no hex, inf or nan spelling, no overflow
 * or underflow), as the arm rule reads them. */
static int number(const char *s, double *v)
{
    if (!*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789+-.eE", *p))
            return 0;
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return *end == '\0' && errno != ERANGE && isfinite(*v);
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check(const upl_dataset *ds, const char *treated, const char *arm_names)
{
    if (ds->n_arms < 2 || ds->control != 0)
        abort();
    for (size_t a = 0; a < ds->n_arms; a++) {
        check_label(ds->arms[a]);
        for (size_t b = 0; b < a; b++) {
            double x, y;
            if (strcmp(ds->arms[a], ds->arms[b]) == 0)
                abort();
            if (!arm_names && number(ds->arms[a], &x) && number(ds->arms[b], &y) &&
                !(x < y || x > y))
                abort(); /* 1 and 1.0 must be one arm */
        }
    }
    for (size_t i = 0; i < ds->n; i++) {
        check_label(ds->task_id[i]);
        check_label(ds->participant[i]);
        check_label(ds->category[i]);
        check_label(ds->arm[i]);
        for (size_t j = 0; j < ds->n_extra; j++)
            check_label(ds->extra_values[j][i]);
        int known = !ds->arm[i];
        for (size_t a = 0; a < ds->n_arms && !known; a++)
            known = strcmp(ds->arm[i], ds->arms[a]) == 0;
        if (!known)
            abort();
    }
    if (treated && !arm_names) {
        const char *start;
        size_t len = upl__label_span(treated, &start);
        if (ds->n_arms != 2 || strlen(ds->arms[1]) != len || memcmp(ds->arms[1], start, len) != 0)
            abort();
    }
}

static int same_dataset(const upl_dataset *x, const upl_dataset *y)
{
    if (x->n != y->n || x->n_arms != y->n_arms || x->n_extra != y->n_extra)
        return 0;
    for (size_t a = 0; a < x->n_arms; a++)
        if (strcmp(x->arms[a], y->arms[a]) != 0)
            return 0;
    for (size_t i = 0; i < x->n; i++) {
        if (!same_text(x->task_id[i], y->task_id[i]) ||
            !same_text(x->participant[i], y->participant[i]) ||
            !same_text(x->category[i], y->category[i]) || !same_text(x->arm[i], y->arm[i]) ||
            x->status[i] != y->status[i] || x->ai_used[i] != y->ai_used[i] ||
            memcmp(&x->reported_min[i], &y->reported_min[i], sizeof(double)) != 0)
            return 0;
        for (size_t j = 0; j < x->n_extra; j++)
            if (!same_text(x->extra_values[j][i], y->extra_values[j][i]))
                return 0;
    }
    return 1;
}

/* The rows of each arm, sorted, into counts[0..n_arms). */
static void arm_sizes(const upl_dataset *ds, size_t *counts)
{
    for (size_t a = 0; a < ds->n_arms; a++) {
        counts[a] = 0;
        for (size_t i = 0; i < ds->n; i++)
            counts[a] += ds->arm[i] && strcmp(ds->arm[i], ds->arms[a]) == 0;
    }
    for (size_t a = 1; a < ds->n_arms; a++)
        for (size_t b = a; b > 0 && counts[b - 1] > counts[b]; b--) {
            size_t c = counts[b];
            counts[b] = counts[b - 1];
            counts[b - 1] = c;
        }
}

/* With --arm-names read, the same file read without it has arms of the same sizes. */
static void check_renaming(const upl_dataset *named, const char *data, size_t len, const char *map,
                           const char *treated)
{
    upl_dataset plain;
    upl_diag diag = {0};
    if (upl_dataset_read_csv_buffer(&plain, data, len, "fuzz.csv", map, treated, NULL, &diag) !=
        UPL_OK)
        return; /* e.g. no control without the names, or --treated is a new name */
    size_t *x = malloc(named->n_arms * sizeof *x), *y = malloc(plain.n_arms * sizeof *y);
    if (!x || !y)
        abort();
    if (plain.n_arms != named->n_arms)
        abort();
    arm_sizes(named, x);
    arm_sizes(&plain, y);
    if (memcmp(x, y, named->n_arms * sizeof *x) != 0)
        abort();
    free(x);
    free(y);
    upl_dataset_release(&plain);
}

typedef struct padder {
    FILE *out;
    char *buf;
    size_t cap;
    const char **cells;
    size_t cells_cap;
} padder;

/* Writes the record with blanks around every cell (the writer quotes them). */
static upl_status pad_row(void *ctx, size_t record, size_t line, const char *const *fields,
                          size_t n, upl_diag *diag)
{
    static const char *const pads[] = {" ", "\t", "  ", " \t\r\n "};
    padder *p = ctx;
    (void)line;
    (void)diag;
    size_t need = 0;
    for (size_t i = 0; i < n; i++)
        need += strlen(fields[i]) + 16; /* two pads of at most 6 and a NUL */
    if (need > p->cap) {
        free(p->buf);
        if (!(p->buf = malloc(need)))
            abort();
        p->cap = need;
    }
    if (n > p->cells_cap) {
        free(p->cells);
        if (!(p->cells = malloc(n * sizeof *p->cells)))
            abort();
        p->cells_cap = n;
    }
    char *at = p->buf;
    for (size_t i = 0; i < n; i++) {
        const char *pad = pads[(record + i) % 4];
        int w = snprintf(at, need - (size_t)(at - p->buf), "%s%s%s", pad, fields[i],
                         (record + i) % 3 ? pad : "");
        if (w < 0)
            abort();
        p->cells[i] = at;
        at += (size_t)w + 1;
    }
    return upl_csv_write_record(p->out, p->cells, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    char *treated = fuzz_take_line(&p, end);
    char *arm_names = fuzz_take_line(&p, end);
    char *map = fuzz_take_line(&p, end);
    size_t csv_len = (size_t)(end - p);
    upl_dataset ds, padded;
    upl_diag diag = {0};
    upl_status checked = upl_dataset_csv_check_arm_names(arm_names, &diag);
    if (checked != UPL_OK) {
        one_line(&diag);
        if (checked != UPL_INVALID || diag.why.reason != UPL_REASON_ARG_ARM_NAMES)
            abort(); /* a usage error about --arm-names, said by its reason */
    }
    memset(&diag, 0, sizeof diag);
    upl_status rc =
        upl_dataset_read_csv_buffer(&ds, p, csv_len, "fuzz.csv", map, treated, arm_names, &diag);
    if (rc != UPL_OK) {
        one_line(&diag);
    } else {
        if (checked != UPL_OK)
            abort();
        check(&ds, treated, arm_names);
        if (arm_names)
            check_renaming(&ds, p, csv_len, map, treated);
    }

    /* the same table with blanks around every cell */
    padder pd = {0};
    char *text = NULL;
    size_t text_len = 0;
    if (!(pd.out = open_memstream(&text, &text_len)))
        abort();
    upl_status parsed = upl_csv_parse_buffer(p, csv_len, "fuzz.csv", pad_row, &pd, &diag);
    fclose(pd.out);
    if (parsed == UPL_OK) {
        memset(&diag, 0, sizeof diag);
        upl_status rc2 = upl_dataset_read_csv_buffer(&padded, text, text_len, "fuzz.csv", map,
                                                     treated, arm_names, &diag);
        if ((rc == UPL_OK) != (rc2 == UPL_OK))
            abort();
        if (rc2 == UPL_OK) {
            if (!same_dataset(&ds, &padded))
                abort();
            upl_dataset_release(&padded);
        }
    }
    if (rc == UPL_OK)
        upl_dataset_release(&ds);
    free(text);
    free(pd.buf);
    free(pd.cells);
    free(treated);
    free(arm_names);
    free(map);
    return 0;
}
