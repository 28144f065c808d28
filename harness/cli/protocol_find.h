/* Where `init --protocol` finds a protocol: a file, or a shipped protocol by name. */
#ifndef UPLIFT_CLI_PROTOCOL_FIND_H
#define UPLIFT_CLI_PROTOCOL_FIND_H

#include <stddef.h>

/* The file to open for `--protocol arg`: arg itself when it is an existing file or a
 * path (it has a '/'); else the shipped protocol arg (or arg.yaml) when there is one;
 * else arg (opening it then reports the missing file).  Returns a heap string the
 * caller frees, NULL when out of memory. */
char *upl__protocol_find(const char *arg);

/* The names of the shipped protocols, sorted and joined by sep ("blocked-by-participant,
 * metr-2025, ..." with ", "), into buf (cut to size; "" when none is installed). */
void upl__protocol_list_shipped(char *buf, size_t size, const char *sep);

#endif
