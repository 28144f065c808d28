/* The randomization secret and its key file (include/uplift/secret.h). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uplift/secret.h"

#define KEY_FILE_LEN (2 * UPL_SECRET_BYTES + 1) /* hex digits and "\n" */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static upl_status sodium_ready(upl_diag *diag)
{
    if (sodium_init() < 0)
        return upl_diag_set(diag, UPL_ERROR, "cannot initialise libsodium");
    return UPL_OK;
}

upl_status upl_secret_generate(upl_secret *s, upl_diag *diag)
{
    upl_status st = sodium_ready(diag);
    if (st != UPL_OK)
        return st;
    randombytes_buf(s->bytes, sizeof s->bytes);
    return UPL_OK;
}

upl_status upl_secret_from_hex(const char *hex, upl_secret *s)
{
    if (!hex || strlen(hex) != 2 * UPL_SECRET_BYTES)
        return UPL_PARSE;
    for (size_t i = 0; i < UPL_SECRET_BYTES; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            sodium_memzero(s, sizeof *s);
            return UPL_PARSE;
        }
        s->bytes[i] = (unsigned char)(hi << 4 | lo);
    }
    return UPL_OK;
}

static void to_hex(const unsigned char *bytes, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    hex[2 * n] = '\0';
}

void upl_secret_to_hex(const upl_secret *s, char hex[UPL_SECRET_HEX])
{
    to_hex(s->bytes, sizeof s->bytes, hex);
}

void upl_secret_commitment(const upl_secret *s, char hex[UPL_SECRET_HEX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, s->bytes, sizeof s->bytes);
    to_hex(digest, sizeof digest, hex);
}

int upl_secret_matches(const upl_secret *s, const char *commitment_hex)
{
    unsigned char want[crypto_hash_sha256_BYTES], have[crypto_hash_sha256_BYTES];
    if (!commitment_hex || strlen(commitment_hex) != 2 * sizeof want)
        return 0;
    for (size_t i = 0; i < sizeof want; i++) {
        int hi = hex_value(commitment_hex[2 * i]), lo = hex_value(commitment_hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        want[i] = (unsigned char)(hi << 4 | lo);
    }
    crypto_hash_sha256(have, s->bytes, sizeof s->bytes);
    return sodium_memcmp(want, have, sizeof want) == 0;
}

/* Writes the key file's text to fd (mode 0600) and syncs it; path names it in messages. */
static upl_status write_key(int fd, const char *path, const upl_secret *s, upl_diag *diag)
{
    char text[KEY_FILE_LEN + 1];
    upl_status st = UPL_OK;
    /* The umask may have narrowed the mode; make sure it is exactly 0600. */
    if (fchmod(fd, 0600) != 0) {
        st = upl_diag_set(diag, UPL_IO, "cannot set the mode of key file '%s': %s", path,
                          strerror(errno));
        goto cleanup;
    }
    upl_secret_to_hex(s, text);
    text[KEY_FILE_LEN - 1] = '\n';
    text[KEY_FILE_LEN] = '\0';
    size_t done = 0;
    while (done < KEY_FILE_LEN) {
        ssize_t n = write(fd, text + done, KEY_FILE_LEN - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            st = upl_diag_set(diag, UPL_IO, "cannot write key file '%s': %s", path,
                              n < 0 ? strerror(errno) : "short write");
            goto cleanup;
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0)
        st = upl_diag_set(diag, UPL_IO, "cannot write key file '%s': %s", path, strerror(errno));
cleanup:
    sodium_memzero(text, sizeof text);
    return st;
}

upl_status upl_secret_write_new(const char *path, const upl_secret *s, upl_diag *diag)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return upl_diag_set_why(diag, UPL_EXISTS, UPL_REASON_KEY_FILE_EXISTS, 0, 0,
                                    "key file '%s' exists already: it is never overwritten", path);
        return upl_diag_set(diag, UPL_IO, "cannot create key file '%s': %s", path, strerror(errno));
    }
    upl_status st = write_key(fd, path, s, diag);
    if (close(fd) != 0 && st == UPL_OK)
        st = upl_diag_set(diag, UPL_IO, "cannot write key file '%s': %s", path, strerror(errno));
    if (st != UPL_OK)
        unlink(path);
    return st;
}

upl_status upl_secret_write_temp(const char *path, const upl_secret *s, char **tmp_path,
                                 upl_diag *diag)
{
    *tmp_path = NULL;
    size_t len = strlen(path) + sizeof ".tmp-XXXXXX";
    char *name = malloc(len);
    if (!name)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    snprintf(name, len, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(name); /* O_EXCL, mode 0600 */
    if (fd < 0) {
        upl_status st =
            upl_diag_set(diag, UPL_IO, "cannot create key file '%s': %s", path, strerror(errno));
        free(name);
        return st;
    }
    upl_status st = write_key(fd, path, s, diag);
    if (close(fd) != 0 && st == UPL_OK)
        st = upl_diag_set(diag, UPL_IO, "cannot write key file '%s': %s", path, strerror(errno));
    if (st != UPL_OK) {
        unlink(name);
        free(name);
        return st;
    }
    *tmp_path = name;
    return UPL_OK;
}

int upl_secret_is_key_text(const char *text, size_t len)
{
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len > 0 && text[len - 1] == '\r')
        len--;
    if (len != 2 * UPL_SECRET_BYTES)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (hex_value(text[i]) < 0)
            return 0;
    return 1;
}

upl_status upl_secret_read(const char *path, upl_secret *s, upl_diag *diag)
{
    char text[KEY_FILE_LEN + 2];
    size_t len = 0;
    struct stat sb;
    upl_status st = UPL_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return upl_diag_set_why(diag, UPL_NOTFOUND, UPL_REASON_NO_KEY_FILE, 0, 0,
                                    "no key file '%s'", path);
        return upl_diag_set(diag, UPL_IO, "cannot open key file '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &sb) != 0) {
        st = upl_diag_set(diag, UPL_IO, "cannot stat key file '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = upl_diag_set(diag, UPL_PARSE, "key file '%s' is not a regular file", path);
        goto cleanup;
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        st = upl_diag_set(diag, UPL_REFUSED,
                          "key file '%s' is accessible to others (mode %03o): anyone who "
                          "reads it can foresee the allocation; run 'chmod 600 %s'",
                          path, (unsigned)(sb.st_mode & 0777), path);
        goto cleanup;
    }
    for (;;) {
        ssize_t n = read(fd, text + len, sizeof text - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = upl_diag_set(diag, UPL_IO, "cannot read key file '%s': %s", path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof text - 1)
            break; /* more than a key file holds: reported as malformed below */
    }
    text[len] = '\0';
    if (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    if (len > 0 && text[len - 1] == '\r')
        text[--len] = '\0';
    if (upl_secret_from_hex(text, s) != UPL_OK)
        st = upl_diag_set(diag, UPL_PARSE,
                          "key file '%s' is malformed: expected 64 hex digits and a newline", path);
cleanup:
    sodium_memzero(text, sizeof text);
    close(fd);
    return st;
}

char *upl_secret_default_path(const char *db_path)
{
    size_t n = strlen(db_path);
    char *path = malloc(n + sizeof ".key");
    if (!path)
        return NULL;
    memcpy(path, db_path, n);
    memcpy(path + n, ".key", sizeof ".key");
    return path;
}

void upl_secret_wipe(upl_secret *s)
{
    if (s)
        sodium_memzero(s, sizeof *s);
}
