/* Internal: an open-addressing map from borrowed strings to indices, for cluster
 * numbering and duplicate detection over a million rows. */
#ifndef UPLIFT_ANALYSIS_STRMAP_H
#define UPLIFT_ANALYSIS_STRMAP_H

#include <stddef.h>

#include "uplift/status.h"

typedef struct upl__strmap {
    size_t cap; /* power of two */
    size_t n;
    const char **key; /* borrowed */
    size_t *value;
} upl__strmap;

/* Room for at least `expected` keys without growing.  UPL_NOMEM on failure. */
upl_status upl__strmap_init(upl__strmap *m, size_t expected);
void upl__strmap_release(upl__strmap *m);

/* Looks key up; when absent inserts it with value `value`.  *found (may be NULL) is 1
 * when it was present; *out receives the stored value. */
upl_status upl__strmap_get_or_put(upl__strmap *m, const char *key, size_t value, size_t *out,
                                  int *found);

#endif
