/* The progress line and when it is drawn (harness/cli/progress_format.c): pure
 * functions of label, counts and time, so every case is exact and needs no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"

static const char *line(const char *label, size_t done, size_t total, double elapsed, size_t width)
{
    static char buf[512];
    size_t n = upl__progress_format(buf, sizeof buf, label, done, total, elapsed, width);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void test_unfinished_lines(void **state)
{
    (void)state;
    /* too soon for a rate: the bar, the percentage and the counts */
    assert_string_equal(line("analyze: bootstrap", 0, 2000, 0.0, 0),
                        "analyze: bootstrap [....................]   0%  0/2000");
    assert_string_equal(line("analyze: bootstrap", 700, 2000, 0.99, 0),
                        "analyze: bootstrap [#######.............]  35%  700/2000");
    /* a second on: rate and time remaining (1300 left at 700 per 2 s: 3.71 s) */
    assert_string_equal(line("analyze: bootstrap", 700, 2000, 2.0, 0),
                        "analyze: bootstrap [#######.............]  35%  700/2000  350/s  ETA 4s");
    /* the percentage and bar are floors: 100% means done */
    assert_string_equal(line("x", 1999, 2000, 0.5, 0), "x [###################.]  99%  1999/2000");
}

static void test_rates_and_spans(void **state)
{
    (void)state;
    assert_string_equal(line("p", 1, 100, 4.0, 0),
                        "p [....................]   1%  1/100  0.25/s  ETA 6m36s");
    assert_string_equal(line("p", 7, 100, 2.0, 0),
                        "p [#...................]   7%  7/100  3.5/s  ETA 27s");
    assert_string_equal(line("p", 12345, 100000, 1.0, 0),
                        "p [##..................]  12%  12345/100000  12.3k/s  ETA 7s");
    assert_string_equal(line("p", 3100000, 10000000, 1.0, 0),
                        "p [######..............]  31%  3100000/10000000  3.1M/s  ETA 2s");
    assert_string_equal(line("p", 1, 1000, 10.0, 0),
                        "p [....................]   0%  1/1000  0.10/s  ETA 2h46m");
}

static void test_final_lines(void **state)
{
    (void)state;
    /* always the time taken; the rate once a second has passed */
    assert_string_equal(line("import tasks.csv", 300, 300, 0.43, 0),
                        "import tasks.csv [####################] 100%  300/300  in 0.4s");
    assert_string_equal(line("power: effect -10% (3/6)", 1000, 1000, 12.5, 0),
                        "power: effect -10% (3/6) [####################] 100%  1000/1000  "
                        "in 12.5s  80/s");
    assert_string_equal(line("p", 1000, 1000, 185.0, 0),
                        "p [####################] 100%  1000/1000  in 3m05s  5.4/s");
    /* done past total counts as total */
    assert_string_equal(line("p", 301, 300, 0.0, 0),
                        "p [####################] 100%  300/300  in 0.0s");
    /* unknown total: the count alone, never final */
    assert_string_equal(line("p", 42, 0, 0.0, 0), "p 42");
    assert_string_equal(line("p", 42, 0, 2.0, 0), "p 42  21/s");
}

static void test_label_is_cut_and_cleaned(void **state)
{
    (void)state;
    /* control characters never reach the terminal */
    assert_string_equal(line("import a\033[2Jb.csv", 1, 2, 0.0, 0),
                        "import a?[2Jb.csv [##########..........]  50%  1/2");
    /* 40 columns: the line stays within 39, the label cut with "..." */
    const char *l = line("import /a/very/long/path/to/some/tasks.csv", 1, 2, 0.0, 40);
    assert_true(strlen(l) <= 39);
    assert_string_equal(l, "imp... [##########..........]  50%  1/2");
    assert_true(strlen(line("a label", 1, 2, 0.0, 80)) < 80);
}

static void test_draw_decisions(void **state)
{
    (void)state;
    upl__progress_step s;
    double e = -1.0;
    const int64_t ms = 1000000;
    memset(&s, 0, sizeof s);
    /* the first report draws; the next ones within 100 ms do not */
    assert_int_equal(upl__progress_next(&s, "import", 1, 10, 5000 * ms, &e), UPL__PROGRESS_DRAW);
    assert_true(e < 1e-12);
    assert_int_equal(upl__progress_next(&s, "import", 2, 10, 5050 * ms, &e), UPL__PROGRESS_SKIP);
    assert_int_equal(upl__progress_next(&s, "import", 3, 10, 5099 * ms, &e), UPL__PROGRESS_SKIP);
    assert_int_equal(upl__progress_next(&s, "import", 4, 10, 5100 * ms, &e), UPL__PROGRESS_DRAW);
    assert_true(e > 0.0999 && e < 0.1001);
    /* the last unit draws at once, whatever the time, and only once */
    assert_int_equal(upl__progress_next(&s, "import", 10, 10, 5101 * ms, &e), UPL__PROGRESS_FINAL);
    assert_int_equal(upl__progress_next(&s, "import", 10, 10, 5102 * ms, &e), UPL__PROGRESS_SKIP);
    assert_int_equal(upl__progress_next(&s, "import", 10, 10, 9000 * ms, &e), UPL__PROGRESS_SKIP);
    /* a new label is a new step, timed from its first report */
    assert_int_equal(upl__progress_next(&s, "analyze: permutations", 10, 10, 9000 * ms, &e),
                     UPL__PROGRESS_FINAL);
    assert_true(e < 1e-12);
    /* so is the same label starting again (done going back), or another total */
    assert_int_equal(upl__progress_next(&s, "analyze: permutations", 1, 10, 9001 * ms, &e),
                     UPL__PROGRESS_DRAW);
    assert_int_equal(upl__progress_next(&s, "analyze: permutations", 1, 20, 9002 * ms, &e),
                     UPL__PROGRESS_DRAW);
    assert_int_equal(upl__progress_next(&s, "analyze: permutations", 2, 20, 9003 * ms, &e),
                     UPL__PROGRESS_SKIP);
}

static void test_modes(void **state)
{
    (void)state;
    upl__progress_mode m = UPL__PROGRESS_LINES;
    assert_true(upl__progress_mode_parse(NULL, 1, 0, &m) && m == UPL__PROGRESS_REDRAW);
    assert_true(upl__progress_mode_parse("", 0, 0, &m) && m == UPL__PROGRESS_OFF);
    assert_true(upl__progress_mode_parse("auto", 1, 0, &m) && m == UPL__PROGRESS_REDRAW);
    assert_true(upl__progress_mode_parse("auto", 0, 0, &m) && m == UPL__PROGRESS_OFF);
    assert_true(upl__progress_mode_parse("always", 0, 0, &m) && m == UPL__PROGRESS_LINES);
    assert_true(upl__progress_mode_parse("always", 1, 0, &m) && m == UPL__PROGRESS_REDRAW);
    assert_true(upl__progress_mode_parse("never", 1, 0, &m) && m == UPL__PROGRESS_OFF);
    /* --quiet wins over always */
    assert_true(upl__progress_mode_parse("always", 1, 1, &m) && m == UPL__PROGRESS_OFF);
    m = UPL__PROGRESS_LINES;
    assert_false(upl__progress_mode_parse("Always", 1, 0, &m));
    assert_false(upl__progress_mode_parse("yes", 1, 0, &m));
    assert_int_equal(m, UPL__PROGRESS_LINES); /* untouched on refusal */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unfinished_lines), cmocka_unit_test(test_rates_and_spans),
        cmocka_unit_test(test_final_lines),      cmocka_unit_test(test_label_is_cut_and_cleaned),
        cmocka_unit_test(test_draw_decisions),   cmocka_unit_test(test_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
