/* User text the study stores: refused when it holds control characters or invisible
 * format characters; and the label rule for text read from outside, blanks around it
 * dropped (harness/engine/text.h). */
#include "text.h"

#include <stdlib.h>
#include <string.h>

/* The invisible format characters refused besides the controls. */
static int format_char(unsigned c)
{
    return c == 0x061C || (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

static int control_char(unsigned c)
{
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F);
}

/* The code point starting at p (UTF-8; a malformed sequence gives its first byte). */
static unsigned decode(const unsigned char *p)
{
    if (p[0] < 0x80)
        return p[0];
    if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80)
        return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
        return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    return p[0];
}

int upl__text_find(const char *s, unsigned allow, unsigned *code, size_t *position)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if ((*p & 0xC0) == 0x80) /* a UTF-8 continuation byte: not a new character */
            continue;
        chars++;
        unsigned c = decode(p);
        if (c == '\n' && (allow & UPL_TEXT_PARAGRAPHS))
            continue;
        if (!control_char(c) && !format_char(c))
            continue;
        if (code)
            *code = c;
        if (position)
            *position = chars;
        return 1;
    }
    return 0;
}

int upl__text_control(const char *s, unsigned *code, size_t *position)
{
    return upl__text_find(s, UPL_TEXT_LINE, code, position);
}

static const char *char_name(unsigned c)
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
    case 0x200B:
        return " (zero width space)";
    case 0x200E:
        return " (left-to-right mark)";
    case 0x200F:
        return " (right-to-left mark)";
    case 0x2028:
        return " (line separator)";
    case 0x2029:
        return " (paragraph separator)";
    case 0x202E:
        return " (right-to-left override)";
    case 0xFEFF:
        return " (zero width no-break space)";
    default:
        return "";
    }
}

upl_status upl__text_check_allowing(const char *what, const char *s, unsigned allow, upl_diag *diag)
{
    unsigned c = 0;
    size_t at = 0;
    if (!upl__text_find(s, allow, &c, &at))
        return UPL_OK;
    if (format_char(c))
        return upl_diag_set(diag, UPL_INVALID,
                            "%s contains invisible format character U+%04X%s at character %zu; "
                            "give printable text (no bidirectional overrides or zero-width "
                            "characters)",
                            what, c, char_name(c), at);
    return upl_diag_set(diag, UPL_INVALID,
                        "%s contains control character U+%04X%s at character %zu; give "
                        "printable text (no tabs, line breaks or escape sequences)",
                        what, c, char_name(c), at);
}

upl_status upl__text_check(const char *what, const char *s, upl_diag *diag)
{
    return upl__text_check_allowing(what, s, UPL_TEXT_LINE, diag);
}

static int label_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t upl__label_span(const char *s, const char **start)
{
    while (label_blank(*s))
        s++;
    size_t len = strlen(s);
    while (len > 0 && label_blank(s[len - 1]))
        len--;
    if (start)
        *start = s;
    return len;
}

const char *const *upl__labels_trim(upl__labels *l, const char *const *cells, size_t n)
{
    size_t need = 1;
    for (size_t i = 0; i < n; i++)
        need += strlen(cells[i]) + 1;
    if (need > l->text_cap) {
        char *grown = realloc(l->text, need);
        if (!grown)
            return NULL;
        l->text = grown;
        l->text_cap = need;
    }
    if (n + 1 > l->cell_cap) {
        const char **grown = realloc(l->cell, (n + 1) * sizeof *grown);
        if (!grown)
            return NULL;
        l->cell = grown;
        l->cell_cap = n + 1;
    }
    char *at = l->text;
    for (size_t i = 0; i < n; i++) {
        const char *start;
        size_t len = upl__label_span(cells[i], &start);
        memcpy(at, start, len);
        at[len] = '\0';
        l->cell[i] = at;
        at += len + 1;
    }
    return l->cell;
}

void upl__labels_release(upl__labels *l)
{
    free(l->text);
    free(l->cell);
    l->text = NULL;
    l->cell = NULL;
    l->text_cap = l->cell_cap = 0;
}
