/* Small helpers shared by the command handlers. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int upl__parse_seed(const upl_command *cmd, const char *text, unsigned long *seed)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = 0;
    if (*text && *text != '-' && *text != '+')
        v = strtoull(text, &end, 10);
    if (v == 0 || errno || !end || *end || v > 0xffffffffULL) {
        upl__usage(cmd,
                   "--seed '%s' is not an integer from 1 to 4294967295 (GSL's mt19937 uses 32 "
                   "bits and replaces seed 0 by 4357)",
                   text);
        return 0;
    }
    *seed = (unsigned long)v;
    return 1;
}

int upl__split_assignment(char *text, char **key, char **value)
{
    char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return 0;
    *eq = '\0';
    *key = text;
    *value = eq + 1;
    return 1;
}

int upl__output_open(upl_output *out, const char *path)
{
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->stream = stdout;
        return 0;
    }
    size_t len = strlen(path) + sizeof ".tmp-XXXXXX";
    out->path = malloc(strlen(path) + 1);
    out->tmp_path = malloc(len);
    if (!out->path || !out->tmp_path)
        goto fail;
    memcpy(out->path, path, strlen(path) + 1);
    snprintf(out->tmp_path, len, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(out->tmp_path);
    if (fd < 0) {
        upl__fail("cannot write '%s': %s", path, strerror(errno));
        goto fail;
    }
    mode_t mask = umask(0); /* mkstemp makes 0600; give the file the usual mode */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (!(out->stream = fdopen(fd, "w"))) {
        close(fd);
        unlink(out->tmp_path);
        upl__fail("cannot write '%s': %s", path, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    free(out->path);
    free(out->tmp_path);
    memset(out, 0, sizeof *out);
    return -1;
}

int upl__output_commit(upl_output *out)
{
    int rc = 0;
    if (out->stream == stdout) {
        if (fflush(stdout) != 0 || ferror(stdout)) {
            upl__fail("cannot write to standard output: %s", strerror(errno));
            rc = -1;
        }
        memset(out, 0, sizeof *out);
        return rc;
    }
    if (fflush(out->stream) != 0 || ferror(out->stream) || fsync(fileno(out->stream)) != 0) {
        upl__fail("cannot write '%s': %s", out->path, strerror(errno));
        fclose(out->stream);
        unlink(out->tmp_path);
        rc = -1;
    } else if (fclose(out->stream) != 0 || rename(out->tmp_path, out->path) != 0) {
        upl__fail("cannot write '%s': %s", out->path, strerror(errno));
        unlink(out->tmp_path);
        rc = -1;
    }
    free(out->path);
    free(out->tmp_path);
    memset(out, 0, sizeof *out);
    return rc;
}

void upl__output_abort(upl_output *out)
{
    if (out->stream && out->stream != stdout) {
        fclose(out->stream);
        unlink(out->tmp_path);
    }
    free(out->path);
    free(out->tmp_path);
    memset(out, 0, sizeof *out);
}

int upl__print_json(json_t *doc)
{
    if (!doc)
        return upl__fail("out of memory");
    int rc =
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(doc);
    if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0)
        return upl__fail("cannot write to standard output");
    return UPL_EXIT_OK;
}

void upl__progress_bar(void *ctx, const char *what, size_t done, size_t total)
{
    upl_progress_state *ps = ctx;
    int pct = total ? (int)(100.0 * (double)done / (double)total) : 100;
    if (pct > 100)
        pct = 100;
    if (ps && ps->last == pct + 1 && done < total)
        return;
    if (ps)
        ps->last = pct + 1;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r%-13s [%s] %3d%%", what, bar, pct);
    if (done >= total)
        fputc('\n', stderr);
    fflush(stderr);
}

int64_t upl__page_time(void)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (s && *s) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (!*end && !errno && v > 0)
            return (int64_t)v;
    }
    return (int64_t)time(NULL);
}
