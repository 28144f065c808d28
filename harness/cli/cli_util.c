/* Small helpers shared by the command handlers. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "uplift/secret.h"
#include "uplift/store.h"

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

int upl__key_path(const upl_cli *cli, const char *given, char **path)
{
    const char *env = getenv("UPLIFT_KEY_FILE");
    *path = NULL;
    if (!given && env && *env)
        given = env;
    if (given)
        *path = strdup(given);
    else if (!upl_store_on_server(cli->db_path))
        *path = upl_secret_default_path(cli->db_path);
    else
        return 0;
    if (*path)
        return 0;
    upl__fail("out of memory");
    return -1;
}

int upl__key_path_required(const upl_cli *cli, const char *given, char **path)
{
    if (upl__key_path(cli, given, path) != 0)
        return -1;
    if (*path)
        return 0;
    upl__fail("a study on a database server keeps its key in a file of your own: give "
              "--key-file PATH or set UPLIFT_KEY_FILE");
    return -1;
}

/* Is st the file at path with suffix appended (the study's journal or key files)? */
static int same_file(const struct stat *st, const char *path, const char *suffix)
{
    char name[4096];
    struct stat other;
    if ((size_t)snprintf(name, sizeof name, "%s%s", path, suffix) >= sizeof name)
        return 0;
    return stat(name, &other) == 0 && other.st_dev == st->st_dev && other.st_ino == st->st_ino;
}

/* May an output file be put at path?  Prints why not (one line) and returns -1 when
 * path is the study database (or its -wal, -shm, -journal) or its key file under any
 * name, another SQLite database or key file (by content), or anything but a regular
 * file: a symbolic link is neither followed nor replaced, nor is a FIFO or device. */
static int check_target(const upl_cli *cli, const char *path)
{
    static const char *const study_files[] = {"", "-wal", "-shm", "-journal"};
    static const char sqlite_magic[16] = "SQLite format 3";
    static const unsigned char wal_magic[2][4] = {{0x37, 0x7f, 0x06, 0x82},
                                                  {0x37, 0x7f, 0x06, 0x83}};
    struct stat st;
    char head[80];
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0; /* a new file */
        upl__fail("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        upl__fail("'%s' is a symbolic link: output is never written through or in place of "
                  "one; give the file's own path, or '-' for standard output",
                  path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        upl__fail("'%s' is not a regular file (a directory, FIFO or device): give a file's "
                  "path, or '-' for standard output",
                  path);
        return -1;
    }
    for (size_t i = 0; i < sizeof study_files / sizeof study_files[0]; i++) {
        if (same_file(&st, cli->db_path, study_files[i])) {
            upl__fail("'%s' is the study database '%s%s': choose another output file", path,
                      cli->db_path, study_files[i]);
            return -1;
        }
    }
    if (same_file(&st, cli->db_path, ".key")) {
        upl__fail("'%s' is the study's key file '%s.key': choose another output file", path,
                  cli->db_path);
        return -1;
    }
    const char *env_key = getenv("UPLIFT_KEY_FILE");
    if (env_key && *env_key && same_file(&st, env_key, "")) {
        upl__fail("'%s' is the study's key file '%s' ($UPLIFT_KEY_FILE): choose another "
                  "output file",
                  path, env_key);
        return -1;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        upl__fail("cannot read '%s' to check that it is no database or key file: %s", path,
                  strerror(errno));
        return -1;
    }
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    size_t len = n > 0 ? (size_t)n : 0;
    if (len >= sizeof sqlite_magic && memcmp(head, sqlite_magic, sizeof sqlite_magic) == 0) {
        upl__fail("'%s' is a SQLite database: output never replaces one; choose another "
                  "output file",
                  path);
        return -1;
    }
    if (len >= 4 && (memcmp(head, wal_magic[0], 4) == 0 || memcmp(head, wal_magic[1], 4) == 0)) {
        upl__fail("'%s' is a SQLite database's write-ahead log: output never replaces one; "
                  "choose another output file",
                  path);
        return -1;
    }
    if (upl_secret_is_key_text(head, len)) {
        upl__fail("'%s' is a randomization key file: output never replaces one; choose "
                  "another output file",
                  path);
        return -1;
    }
    return 0;
}

int upl__output_open(upl_output *out, const upl_cli *cli, const char *path)
{
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->stream = stdout;
        return 0;
    }
    if (check_target(cli, path) != 0)
        return -1;
    out->cli = cli;
    size_t len = strlen(path) + sizeof ".tmp-XXXXXX";
    out->path = malloc(strlen(path) + 1);
    out->tmp_path = malloc(len);
    if (!out->path || !out->tmp_path) {
        upl__fail("out of memory");
        goto fail;
    }
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
        upl__fail("cannot write '%s': %s", path, strerror(errno));
        close(fd);
        unlink(out->tmp_path);
        goto fail;
    }
    return 0;
fail:
    free(out->path);
    free(out->tmp_path);
    memset(out, 0, sizeof *out);
    return -1;
}

/* Flushes, syncs and closes a file output (its stream is NULL after); prints the
 * failure. */
static int output_finish(upl_output *out)
{
    int rc = 0;
    if (fflush(out->stream) != 0 || ferror(out->stream) || fsync(fileno(out->stream)) != 0) {
        upl__fail("cannot write '%s': %s", out->path, strerror(errno));
        fclose(out->stream);
        rc = -1;
    } else if (fclose(out->stream) != 0) {
        upl__fail("cannot write '%s': %s", out->path, strerror(errno));
        rc = -1;
    }
    out->stream = NULL;
    return rc;
}

/* Forgets an output whose stream is closed (its files are settled). */
static void output_release(upl_output *out)
{
    free(out->path);
    free(out->tmp_path);
    memset(out, 0, sizeof *out);
}

int upl__output_commit_all(upl_output *outs, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (outs[i].stream == stdout) {
            if (fflush(stdout) != 0 || ferror(stdout)) {
                upl__fail("cannot write to standard output: %s", strerror(errno));
                rc = -1;
            }
            memset(&outs[i], 0, sizeof outs[i]);
        } else if (outs[i].stream) {
            rc = output_finish(&outs[i]);
        }
    }
    /* every file is whole on disk: put each in place, checked once more just before */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!outs[i].path)
            continue;
        if (check_target(outs[i].cli, outs[i].path) != 0) {
            rc = -1;
        } else if (rename(outs[i].tmp_path, outs[i].path) != 0) {
            upl__fail("cannot write '%s': %s", outs[i].path, strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(outs[i].tmp_path);
        output_release(&outs[i]);
    }
    for (size_t i = 0; i < n; i++)
        upl__output_abort(&outs[i]);
    return rc;
}

int upl__output_commit(upl_output *out)
{
    return upl__output_commit_all(out, 1);
}

int upl__output_failed(upl_output *out, upl_status st)
{
    int err = errno;
    const char *why = st == UPL_IO && err ? strerror(err) : upl_strerror(st);
    if (out->stream == stdout)
        upl__fail("cannot write to standard output: %s", why);
    else
        upl__fail("cannot write '%s': %s", out->path ? out->path : "?", why);
    upl__output_abort(out);
    return UPL_EXIT_FAIL;
}

void upl__output_abort(upl_output *out)
{
    if (out->stream && out->stream != stdout)
        fclose(out->stream);
    if (out->tmp_path)
        unlink(out->tmp_path);
    output_release(out);
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
