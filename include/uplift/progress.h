/* Progress of long work (bootstrap, permutations, import of a large file): done of
 * total steps of what.  Libraries never print; the CLI decides whether to show it (a
 * bar on stderr only when stderr is a terminal). */
#ifndef UPLIFT_PROGRESS_H
#define UPLIFT_PROGRESS_H

#include <stddef.h>

typedef void (*upl_progress_fn)(void *ctx, const char *what, size_t done, size_t total);

#endif
