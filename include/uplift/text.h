/* Internal: the one check of user text that the study stores and later prints to
 * terminals (titles, categories, URLs, covariate and attribute values, exclusion
 * reasons, prediction groups and sources). */
#ifndef UPLIFT_TEXT_H
#define UPLIFT_TEXT_H

#include <stddef.h>

#include "uplift/status.h"

/* Finds the first control character in s: C0 (U+0000-U+001F, so tab and line breaks
 * too), DEL (U+007F) or C1 (U+0080-U+009F, UTF-8 C2 80-C2 9F), the characters a
 * terminal acts on instead of printing (escape sequences).  Returns 1 and sets *code to
 * the character and *position to its 1-based place in s counted in characters
 * (UTF-8), or 0 when there is none (always for NULL s).  Either pointer may be NULL. */
int upl__text_control(const char *s, unsigned *code, size_t *position);

/* UPL_OK when s (may be NULL) has no control character; else UPL_INVALID with one
 * line in diag (may be NULL) that starts with what, e.g. "title contains control
 * character U+001B (escape) at character 6; ...". */
upl_status upl__text_check(const char *what, const char *s, upl_diag *diag);

#endif
