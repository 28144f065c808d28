/* CSV reader and writer: records, line numbers and every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "uplift/csv.h"

/* Every record flattened into one string "line:f1|f2;" for comparison. */
typedef struct collect {
    char out[4096];
    size_t len;
    size_t records;
    size_t stop_at; /* fail with UPL_REFUSED at this record (0: never) */
} collect;

static upl_status collect_row(void *ctx, size_t record, size_t line, const char *const *fields,
                              size_t n_fields, upl_diag *diag)
{
    collect *c = ctx;
    assert_int_equal(record, c->records);
    if (c->stop_at && record == c->stop_at)
        return upl_diag_set(diag, UPL_REFUSED, "stopped at line %zu", line);
    int w = snprintf(c->out + c->len, sizeof c->out - c->len, "%zu:", line);
    c->len += (size_t)w;
    for (size_t i = 0; i < n_fields; i++) {
        w = snprintf(c->out + c->len, sizeof c->out - c->len, "%s%s", i ? "|" : "", fields[i]);
        c->len += (size_t)w;
    }
    w = snprintf(c->out + c->len, sizeof c->out - c->len, ";");
    c->len += (size_t)w;
    c->records++;
    return UPL_OK;
}

static void parses_to(const char *csv, const char *want)
{
    collect c;
    upl_diag d = {0};
    memset(&c, 0, sizeof c);
    upl_status rc = upl_csv_parse_buffer(csv, strlen(csv), "t.csv", collect_row, &c, &d);
    if (rc != UPL_OK)
        fail_msg("refused: %s", d.msg);
    assert_string_equal(c.out, want);
}

static void refused_len(const char *csv, size_t len, const char *want)
{
    collect c;
    upl_diag d = {0};
    memset(&c, 0, sizeof c);
    upl_status rc = upl_csv_parse_buffer(csv, len, "t.csv", collect_row, &c, &d);
    if (rc != UPL_PARSE)
        fail_msg("accepted (rc %d, rows '%s'), wanted: %s", (int)rc, c.out, want);
    if (strcmp(d.msg, want) != 0)
        fail_msg("message\n  got:  %s\n  want: %s", d.msg, want);
}

static void refused(const char *csv, const char *want)
{
    refused_len(csv, strlen(csv), want);
}

static void test_basic(void **state)
{
    (void)state;
    parses_to("a,b,c\n1,2,3\n4,5,6\n", "1:a|b|c;2:1|2|3;3:4|5|6;");
    parses_to("a,b\n1,2", "1:a|b;2:1|2;"); /* no final newline */
    parses_to("a,b\n,\n", "1:a|b;2:|;");   /* empty fields */
    parses_to("a\n\"\"\n", "1:a;2:;");
    parses_to("only\n", "1:only;");
    parses_to("only\n\"\"\n", "1:only;2:;"); /* a lone empty field is not a blank line */
}

static void test_quoting(void **state)
{
    (void)state;
    parses_to("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n", "1:a|b;2:x, y|say \"hi\";");
    parses_to("a,b\n  padded  , \"kept \" \n", "1:a|b;2:padded|kept ;");
    parses_to("h\n\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"\n",
              "1:h;2:caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80;");
}

static void test_line_numbers(void **state)
{
    (void)state;
    /* a quoted field with two line breaks: the next record starts two lines later */
    parses_to("id,text\n1,\"one\ntwo\nthree\"\n2,x\n", "1:id|text;2:1|one\ntwo\nthree;5:2|x;");
    /* blank lines are skipped but counted */
    parses_to("a\n\n1\n\n\n2\n", "1:a;3:1;6:2;");
    parses_to("\n\na\n1\n", "3:a;4:1;");
    parses_to("a\n   \n1\n", "1:a;3:1;");
    /* CRLF line ends, inside and outside quotes */
    parses_to("a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r\n", "1:a|b;2:1|x\r\ny;5:2|z;");
    /* old Mac line ends */
    parses_to("a\r1\r\r2\r", "1:a;2:1;4:2;");
}

static void test_bom(void **state)
{
    (void)state;
    parses_to("\xEF\xBB\xBFparticipant,title\nalice,x\n", "1:participant|title;2:alice|x;");
    /* only a leading BOM is skipped; elsewhere it is data */
    parses_to("a\n\xEF\xBB\xBF"
              "b\n",
              "1:a;2:\xEF\xBB\xBF"
              "b;");
}

static void test_errors(void **state)
{
    (void)state;
    refused("", "t.csv: empty file (expected a header row)");
    refused_len(NULL, 0, "t.csv: empty file (expected a header row)");
    refused("\xEF\xBB\xBF", "t.csv: empty file (expected a header row)");
    refused("\n\n\r\n", "t.csv: empty file (expected a header row)");
    refused("a,b,c,d,e,f\n1,2,3,4,5,6\n\n1,2,3,4,5\n", "t.csv:4: expected 6 columns, found 5");
    refused("a,b\n1,\"multi\nline\"\n1,2,3\n", "t.csv:4: expected 2 columns, found 3");
    refused("a,b\n1,\"never closed\n2,3\n", "t.csv:2: unterminated quoted field");
    refused("a,b\n\"open,2\n", "t.csv:2: unterminated quoted field");
    refused("a,b\n1,x\"y\n",
            "t.csv:2: malformed quoting (a quote inside an unquoted field, or text after a "
            "closing quote; double a quote inside a quoted field)");
    refused("a,b\n1,\"x\"y\n",
            "t.csv:2: malformed quoting (a quote inside an unquoted field, or text after a "
            "closing quote; double a quote inside a quoted field)");
}

static void test_utf8(void **state)
{
    (void)state;
    refused("participant,title\nalice,caf\xE9\n", "t.csv:2: column 'title': invalid UTF-8");
    refused("participant,title\n\"a\nb\",\xC0\xAF\n",
            "t.csv:2: column 'title': invalid UTF-8");                          /* overlong '/' */
    refused("a,b\nx,\xED\xA0\x80\n", "t.csv:2: column 'b': invalid UTF-8");     /* surrogate */
    refused("a,b\nx,\xF4\x90\x80\x80\n", "t.csv:2: column 'b': invalid UTF-8"); /* > U+10FFFF */
    refused("a,b\nx,\xE0\x80\xAF\n", "t.csv:2: column 'b': invalid UTF-8");     /* overlong */
    refused("a,b\nx,\xF0\x80\x80\xAF\n", "t.csv:2: column 'b': invalid UTF-8"); /* overlong */
    refused("a,b\nx,\xE2\x82\n", "t.csv:2: column 'b': invalid UTF-8");         /* truncated */
    refused("a,b\n\xFF,x\n", "t.csv:2: column 'a': invalid UTF-8");
    refused("a,\xC3\n", "t.csv:1: column '2': invalid UTF-8"); /* header: by position */
    /* a header name that would break the message line is replaced by its position */
    refused("a,\"b\nc\"\n1,\xC3\n", "t.csv:3: column '2': invalid UTF-8");
    refused_len("a,b\nx,y\0z\n", 10, "t.csv:2: column 'b': contains a NUL byte");
}

static void test_callback_stops(void **state)
{
    (void)state;
    collect c;
    upl_diag d = {0};
    memset(&c, 0, sizeof c);
    c.stop_at = 2;
    const char *csv = "a\n1\n\n2\n3\n";
    assert_int_equal(upl_csv_parse_buffer(csv, strlen(csv), "t.csv", collect_row, &c, &d),
                     UPL_REFUSED);
    assert_string_equal(d.msg, "stopped at line 4");
    assert_int_equal(c.records, 2);
}

static char *temp_path(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/upl_test_csv_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static void test_writer_round_trip(void **state)
{
    (void)state;
    const char *rows[3][4] = {
        {"id", "title", "note", "empty"},
        {"1", "fix, then test", "say \"hi\"", NULL},
        {"2", " leading space", "two\nlines\r\nhere", ""},
    };
    char *path = temp_path();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(upl_csv_write_record(f, rows[i], 4), UPL_OK);
    fclose(f);

    /* exact bytes: quotes only where needed, "\n" line ends */
    char buf[256] = {0};
    f = fopen(path, "rb");
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    const char *want = "id,title,note,empty\n"
                       "1,\"fix, then test\",\"say \"\"hi\"\"\",\n"
                       "2,\" leading space\",\"two\nlines\r\nhere\",\n";
    assert_int_equal(got, strlen(want));
    assert_string_equal(buf, want);

    collect c;
    upl_diag d = {0};
    memset(&c, 0, sizeof c);
    assert_int_equal(upl_csv_parse_file(path, collect_row, &c, &d), UPL_OK);
    assert_string_equal(c.out, "1:id|title|note|empty;2:1|fix, then test|say \"hi\"|;"
                               "3:2| leading space|two\nlines\r\nhere|;");
    remove(path);
}

static void test_writer_single_column(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    const char *a[] = {"h"}, *b[] = {""}, *c[] = {NULL};
    assert_int_equal(upl_csv_write_record(f, a, 1), UPL_OK);
    assert_int_equal(upl_csv_write_record(f, b, 1), UPL_OK);
    assert_int_equal(upl_csv_write_record(f, c, 1), UPL_OK);
    fclose(f);
    assert_string_equal(text, "h\n\"\"\n\"\"\n");
    parses_to(text, "1:h;2:;3:;");
    free(text);
}

static void test_file_errors(void **state)
{
    (void)state;
    collect c;
    upl_diag d = {0};
    memset(&c, 0, sizeof c);
    assert_int_equal(upl_csv_parse_file("/nonexistent/x.csv", collect_row, &c, &d), UPL_IO);
    assert_non_null(strstr(d.msg, "cannot open '/nonexistent/x.csv'"));

    char *path = temp_path();
    FILE *f = fopen(path, "w");
    fputs("a,b\n1,2\n3\n", f);
    fclose(f);
    assert_int_equal(upl_csv_parse_file(path, collect_row, &c, &d), UPL_PARSE);
    char want[128];
    snprintf(want, sizeof want, "%s:3: expected 2 columns, found 1", path);
    assert_string_equal(d.msg, want);
    assert_int_equal(d.line, 3);
    remove(path);
}

/* A million rows, with quoted fields and line breaks straddling the 256 KiB chunks;
 * checks every line number on the way and that the whole takes seconds, not minutes. */
typedef struct big {
    size_t rows;
    size_t bad;
} big;

static upl_status big_row(void *ctx, size_t record, size_t line, const char *const *fields,
                          size_t n_fields, upl_diag *diag)
{
    big *b = ctx;
    (void)diag;
    /* record r >= 1 starts on line 1 + 2 * (r - 1) + 1: every data row spans two lines */
    size_t want = record == 0 ? 1 : 2 * record;
    if (line != want || n_fields != 3)
        b->bad++;
    if (record > 0) {
        char id[32];
        snprintf(id, sizeof id, "%zu", record);
        if (strcmp(fields[0], id) != 0 || strcmp(fields[2], "two\nlines") != 0)
            b->bad++;
    }
    b->rows++;
    return UPL_OK;
}

static void test_million_rows(void **state)
{
    (void)state;
    char *path = temp_path();
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("id,participant,note\n", f);
    for (size_t i = 1; i <= 1000000; i++)
        fprintf(f, "%zu,\"dev, %zu\",\"two\nlines\"\n", i, i % 16);
    fclose(f);
    big b = {0, 0};
    upl_diag d = {0};
    clock_t t0 = clock();
    assert_int_equal(upl_csv_parse_file(path, big_row, &b, &d), UPL_OK);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(b.rows, 1000001);
    assert_int_equal(b.bad, 0);
    if (secs > 20)
        fail_msg("a million rows took %.1f s", secs);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_writer_single_column),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_million_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
