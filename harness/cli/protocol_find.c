/* `init --protocol FILE|NAME`: a path that exists is that file; a bare name (no '/')
 * that is not a file here is one of the shipped protocols, NAME.yaml in the first of:
 *   1. protocols/ beside the running binary (the build tree's copy, so build/uplift
 *      finds its own tree's protocols, installed or not),
 *   2. ../share/uplift/protocols from the running binary (an installation, also one
 *      moved as a whole or made with `cmake --install build --prefix DIR`), and
 *   3. the directory the build was configured to install them to (UPL_PROTOCOL_DIR,
 *      <datadir>/uplift/protocols).
 * So `uplift init --protocol metr-2025` works from any directory. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol_find.h"

#ifndef UPL_PROTOCOL_DIR
#define UPL_PROTOCOL_DIR "/usr/local/share/uplift/protocols"
#endif

static int is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

enum { MAX_DIRS = 3 };

/* The shipped-protocol directories in search order, into dirs. */
static size_t protocol_dirs(char dirs[MAX_DIRS][PATH_MAX])
{
    static const char *const beside_binary[] = {"protocols", "../share/uplift/protocols"};
    size_t n = 0;
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = len > 0 ? (exe[len] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        for (size_t i = 0; i < sizeof beside_binary / sizeof *beside_binary; i++)
            if (snprintf(dirs[n], PATH_MAX, "%s/%s", exe, beside_binary[i]) < PATH_MAX)
                n++;
    }
    snprintf(dirs[n++], PATH_MAX, "%s", UPL_PROTOCOL_DIR);
    return n;
}

/* A name of a shipped protocol: letters, digits, '-', '_' and '.', not starting with
 * '.', so that it can never climb out of the protocol directory. */
static int is_protocol_name(const char *name)
{
    if (!*name || *name == '.' || strlen(name) > 128)
        return 0;
    return name[strspn(
               name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")] == '\0';
}

char *upl__protocol_find(const char *arg)
{
    if (is_regular_file(arg) || strchr(arg, '/') || !is_protocol_name(arg))
        return strdup(arg);
    char dirs[MAX_DIRS][PATH_MAX];
    size_t n = protocol_dirs(dirs);
    size_t base = strlen(arg);
    int has_suffix = base > 5 && strcmp(arg + base - 5, ".yaml") == 0;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        if (snprintf(path, sizeof path, "%s/%s%s", dirs[i], arg, has_suffix ? "" : ".yaml") <
                (int)sizeof path &&
            is_regular_file(path)) {
            char *real = realpath(path, NULL); /* without the binary's "../" */
            return real ? real : strdup(path);
        }
    }
    return strdup(arg); /* not shipped either: opening it names the file that is missing */
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void upl__protocol_list_shipped(char *buf, size_t size, const char *sep)
{
    char dirs[MAX_DIRS][PATH_MAX];
    size_t n_dirs = protocol_dirs(dirs);
    char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < n_dirs && n == 0; i++) { /* the first directory that has any */
        DIR *d = opendir(dirs[i]);
        struct dirent *e;
        if (!d)
            continue;
        while ((e = readdir(d)) && n < sizeof names / sizeof *names) {
            size_t len = strlen(e->d_name);
            if (len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0 && e->d_name[0] != '.' &&
                (names[n] = strndup(e->d_name, len - 5)))
                n++;
        }
        closedir(d);
    }
    qsort(names, n, sizeof *names, name_cmp);
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? sep : "", names[i]);
        if (w > 0 && (size_t)w < size - used)
            used += (size_t)w;
        free(names[i]);
    }
}
