/* The control-character check of stored text (harness/engine/text.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text.h"

static void test_printable(void **state)
{
    (void)state;
    const char *ok[] = {"",
                        "Fix the parser",
                        "Überarbeite — 改善",
                        ("a\xC2\xA0"
                         "b") /* NBSP */,
                        "~!@#$%^&*()_+{}|:\"<>?`-=[]\\;',./",
                        "\xC3\xA9t\xC3\xA9"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_int_equal(upl__text_control(ok[i], NULL, NULL), 0);
    assert_int_equal(upl__text_control(NULL, NULL, NULL), 0);
    assert_int_equal(upl__text_check("title", NULL, NULL), UPL_OK);
}

static void test_controls(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned code;
        size_t position;
    } cases[] = {
        {"\x01", 0x01, 1},
        {"ab\tc", 0x09, 3},
        {"line\n", 0x0A, 5},
        {"red \x1b[31m", 0x1B, 5},
        {"x\x7f", 0x7F, 2},
        {"\xC2\x80", 0x80, 1},
        {"C\xC2\x9B"
         "2J",
         0x9B, 2},
        {"\xC3\xA9\xC3\xA9\r", 0x0D, 3},
        {"\x1f", 0x1F, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned code = 0;
        size_t position = 0;
        assert_int_equal(upl__text_control(cases[i].text, &code, &position), 1);
        assert_int_equal(code, cases[i].code);
        assert_int_equal(position, cases[i].position);
    }
    upl_diag d = {0};
    assert_int_equal(upl__text_check("title", "Red \x1b[31m", &d), UPL_INVALID);
    assert_string_equal(d.msg, "title contains control character U+001B (escape) at character "
                               "5; give printable text (no tabs, line breaks or escape sequences)");
    assert_int_equal(upl__text_check("reason", "a\xC2\x9B", &d), UPL_INVALID);
    assert_non_null(strstr(d.msg, "reason contains control character U+009B at character 2"));
}

static void test_format_characters(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned code;
        size_t position;
    } cases[] = {
        {"a\xE2\x80\xAEtxt", 0x202E, 2}, /* right-to-left override */
        {"\xE2\x80\x8B", 0x200B, 1},     /* zero width space */
        {"\xC3\xA9\xE2\x80\x8F", 0x200F, 2}, {"x\xE2\x80\xA8y", 0x2028, 2},
        {"x\xE2\x80\xA9", 0x2029, 2},        {"\xE2\x80\xAA", 0x202A, 1},
        {"ab\xE2\x81\xA6", 0x2066, 3},       {"ab\xE2\x81\xA9", 0x2069, 3},
        {"\xEF\xBB\xBFtitle", 0xFEFF, 1},    {"\xD8\x9C", 0x061C, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned code = 0;
        size_t position = 0;
        assert_int_equal(upl__text_control(cases[i].text, &code, &position), 1);
        assert_int_equal(code, cases[i].code);
        assert_int_equal(position, cases[i].position);
    }
    /* neighbours stay printable: en dash U+2013, ellipsis U+2026, U+2030 per mille */
    assert_int_equal(upl__text_control(("a\xE2\x80\x93"
                                        "b\xE2\x80\xA6\xE2\x80\xB0"),
                                       NULL, NULL),
                     0);
    /* paragraphs: line feeds only */
    assert_int_equal(upl__text_find("one\ntwo\n", UPL_TEXT_PARAGRAPHS, NULL, NULL), 0);
    assert_int_equal(upl__text_find("one\r\ntwo", UPL_TEXT_PARAGRAPHS, NULL, NULL), 1);
    assert_int_equal(upl__text_find("a\n\xE2\x80\xAE", UPL_TEXT_PARAGRAPHS, NULL, NULL), 1);
    upl_diag d = {0};
    assert_int_equal(upl__text_check("title", "a\xE2\x80\xAE", &d), UPL_INVALID);
    assert_string_equal(d.msg, "title contains invisible format character U+202E (right-to-left "
                               "override) at character 2; give printable text (no "
                               "bidirectional overrides or zero-width characters)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printable),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_format_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
