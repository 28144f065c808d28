/* Internal: the one text policy for everything the study stores and later prints to
 * terminals and reports (titles, categories, URLs, covariate and attribute values,
 * exclusion reasons, prediction groups and sources, and a protocol's free text), and the
 * one rule for labels read from CSV files (blanks around them are dropped). */
#ifndef UPLIFT_TEXT_H
#define UPLIFT_TEXT_H

#include <stddef.h>

#include "uplift/status.h"

/* What upl__text_find() lets through besides printable characters. */
enum {
    UPL_TEXT_LINE = 0,            /* one line: nothing else */
    UPL_TEXT_PARAGRAPHS = 1u << 0 /* line feeds too (a protocol's descriptions) */
};

/* Finds the first character s may not hold: a control character - C0 (U+0000-U+001F,
 * so tab and line breaks too), DEL (U+007F) or C1 (U+0080-U+009F), which a terminal acts
 * on instead of printing (escape sequences) - or an invisible format character that
 * makes text display as something else: the bidirectional marks, embeddings,
 * overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), the
 * zero-width characters (U+200B-U+200D, U+FEFF) and the line and paragraph separators
 * (U+2028, U+2029).  allow (UPL_TEXT_*) lets line feeds through.  Returns 1 and sets
 * *code to the character and *position to its 1-based place in s counted in characters
 * (UTF-8), or 0 when there is none (always for NULL s).  Either pointer may be NULL. */
int upl__text_find(const char *s, unsigned allow, unsigned *code, size_t *position);

/* upl__text_find(s, UPL_TEXT_LINE, code, position). */
int upl__text_control(const char *s, unsigned *code, size_t *position);

/* UPL_OK when s (may be NULL) holds only printable characters (upl__text_find with
 * UPL_TEXT_LINE); else UPL_INVALID with one line in diag (may be NULL) that starts with
 * what, e.g. "title contains control character U+001B (escape) at character 6; ...". */
upl_status upl__text_check(const char *what, const char *s, upl_diag *diag);

/* The same with allow (UPL_TEXT_*). */
upl_status upl__text_check_allowing(const char *what, const char *s, unsigned allow,
                                    upl_diag *diag);

/* The one rule for labels read from outside (every cell of `task import`, `prediction
 * import` and `analyze --csv`, and the option values that name arms): blanks around a
 * label are not part of it, quoted or not, just as they are not part of a number, so
 * "ai ", " ai" and "ai" are one arm and "p01 " is participant p01.  Blanks are ASCII
 * white space (space, tab, line feed, carriage return, vertical tab, form feed); the
 * blanks inside a label are kept.
 *
 * upl__label_span: the length of s without its surrounding blanks; *start (may be
 * NULL) receives its first character that is not a blank. */
size_t upl__label_span(const char *s, const char **start);

/* Scratch for the labels of one CSV record: zero-initialise, release with
 * upl__labels_release(). */
typedef struct upl__labels {
    char *text;
    size_t text_cap;
    const char **cell;
    size_t cell_cap;
} upl__labels;

/* The n cells of one record without their surrounding blanks (copies held by l, valid
 * until the next call or the release), or NULL when out of memory. */
const char *const *upl__labels_trim(upl__labels *l, const char *const *cells, size_t n);
void upl__labels_release(upl__labels *l);

#endif
