/* One-line quoting of user text for messages. */
#include "printable.h"

#include <string.h>

const char *upl__printable(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    if (!s)
        s = "";
    size_t len = strlen(s);
    size_t room = len < size ? len : size - 4; /* leave space for "..." and NUL */
    for (; n < room; n++) {
        unsigned char c = (unsigned char)s[n];
        buf[n] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (room < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}
