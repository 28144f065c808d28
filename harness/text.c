/* User text the study stores: refused when it holds control characters
 * (include/uplift/text.h). */
#include "uplift/text.h"

int upl__text_control(const char *s, unsigned *code, size_t *position)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p & 0xC0) != 0x80) /* not a UTF-8 continuation byte: a new character */
            chars++;
        unsigned c = *p;
        if (c == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
            c = p[1]; /* U+0080-U+009F in UTF-8 */
        else if (c >= 0x20 && c != 0x7F)
            continue;
        if (code)
            *code = c;
        if (position)
            *position = chars;
        return 1;
    }
    return 0;
}

static const char *control_name(unsigned c)
{
    switch (c) {
    case 0x09:
        return " (tab)";
    case 0x0A:
        return " (line feed)";
    case 0x0D:
        return " (carriage return)";
    case 0x1B:
        return " (escape)";
    case 0x7F:
        return " (delete)";
    default:
        return "";
    }
}

upl_status upl__text_check(const char *what, const char *s, upl_diag *diag)
{
    unsigned c = 0;
    size_t at = 0;
    if (!upl__text_control(s, &c, &at))
        return UPL_OK;
    return upl_diag_set(diag, UPL_INVALID,
                        "%s contains control character U+%04X%s at character %zu; give "
                        "printable text (no tabs, line breaks or escape sequences)",
                        what, c, control_name(c), at);
}
