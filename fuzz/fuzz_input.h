/* Helpers shared by the fuzz targets that read their input as lines of options
 * followed by a CSV (fuzz_analyze_csv.c, fuzz_arm_labels.c). */
#ifndef UPLIFT_FUZZ_INPUT_H
#define UPLIFT_FUZZ_INPUT_H

#include <stdlib.h>
#include <string.h>

/* Copies the next line of [*p, end) into a NUL-terminated string (NULL when empty or
 * holding a NUL byte) and moves *p past it; aborts when out of memory. */
static inline char *fuzz_take_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *stop = nl ? nl : end;
    size_t len = (size_t)(stop - *p);
    char *s = NULL;
    if (len > 0 && !memchr(*p, '\0', len)) {
        s = malloc(len + 1);
        if (!s)
            abort();
        memcpy(s, *p, len);
        s[len] = '\0';
    }
    *p = nl ? nl + 1 : end;
    return s;
}

#endif
