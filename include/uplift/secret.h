/* The randomization secret: 32 random bytes from libsodium, kept in a key file outside
 * the study database (64 lowercase hex digits and a newline, mode 0600).  The database
 * holds only the commitment, the SHA-256 of the secret bytes, until `uplift reveal`
 * publishes the secret so that anyone can replay the allocation (docs/concealment.md).
 *
 * Every function that reads or writes a file reports failures in diag (may be NULL). */
#ifndef UPLIFT_SECRET_H
#define UPLIFT_SECRET_H

#include <stddef.h>

#include "uplift/status.h"

#define UPL_SECRET_BYTES 32
#define UPL_SECRET_HEX   65 /* 64 hex digits + NUL */

typedef struct upl_secret {
    unsigned char bytes[UPL_SECRET_BYTES];
} upl_secret;

/* Fills s with fresh random bytes (libsodium's randombytes_buf).  UPL_ERROR when
 * libsodium cannot be initialised. */
upl_status upl_secret_generate(upl_secret *s, upl_diag *diag);

/* Writes s to a new key file at path: created with O_CREAT|O_EXCL and mode 0600, so
 * an existing file is never overwritten (UPL_EXISTS).  On any failure after creation
 * the partial file is removed. */
upl_status upl_secret_write_new(const char *path, const upl_secret *s, upl_diag *diag);

/* Writes s, as upl_secret_write_new would to path, to a new temporary file beside path
 * ("<path>.tmp-XXXXXX", mode 0600, synced) and sets *tmp_path to its name (malloc'd;
 * NULL on failure, when nothing is left behind).  The caller puts it in place with
 * link(2), which never replaces an existing key, and unlinks the temporary name: a key
 * file appears whole or not at all, when the caller decides. */
upl_status upl_secret_write_temp(const char *path, const upl_secret *s, char **tmp_path,
                                 upl_diag *diag);

/* 1 when text[0..len) has the form of a key file (64 hex digits and an optional line
 * end), so that no output file is ever written over one. */
int upl_secret_is_key_text(const char *text, size_t len);

/* Reads a key file.  Refuses (UPL_REFUSED) a file that group or others can read or
 * write, as ssh does with private keys; UPL_PARSE when the content is not 64 hex digits
 * (an optional final newline allowed); UPL_NOTFOUND when the file does not exist. */
upl_status upl_secret_read(const char *path, upl_secret *s, upl_diag *diag);

/* Parses 64 hex digits (either case, nothing else).  UPL_PARSE otherwise. */
upl_status upl_secret_from_hex(const char *hex, upl_secret *s);

/* Lowercase hex of the secret bytes. */
void upl_secret_to_hex(const upl_secret *s, char hex[UPL_SECRET_HEX]);

/* The commitment: lowercase hex SHA-256 of the 32 secret bytes. */
void upl_secret_commitment(const upl_secret *s, char hex[UPL_SECRET_HEX]);

/* 1 when the secret's commitment equals commitment_hex (64 hex digits, either case),
 * compared in constant time; 0 otherwise, including malformed commitment_hex. */
int upl_secret_matches(const upl_secret *s, const char *commitment_hex);

/* The default key file of a study database: "<db_path>.key", malloc'd (NULL when out of
 * memory). */
char *upl_secret_default_path(const char *db_path);

/* Overwrites the secret with zeros (sodium_memzero); NULL is a no-op. */
void upl_secret_wipe(upl_secret *s);

#endif
