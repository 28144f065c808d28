/* Internal: user-supplied text (task ids, arm labels, cells) made safe to quote in a
 * one-line message. */
#ifndef UPLIFT_PRINTABLE_H
#define UPLIFT_PRINTABLE_H

#include <stddef.h>

/* Copies s into buf (size > 4) with every control character shown as '?' and, when s
 * does not fit, cut with "...".  Returns buf.  NULL s gives "". */
const char *upl__printable(const char *s, char *buf, size_t size);

/* Room for a quoted value in a message: 64 characters and the "...". */
#define UPL_PRINTABLE_SIZE 68

#endif
