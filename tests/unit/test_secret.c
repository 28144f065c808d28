/* The randomization secret: hex, commitment, and the key file's rules (0600, never
 * overwritten, refused when others can read it, malformed content rejected). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "uplift/secret.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/upl-secret-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* SHA-256 of 32 zero bytes, from `head -c 32 /dev/zero | sha256sum`. */
static const char zero_commitment[] =
    "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925";

static void test_hex_and_commitment(void **state)
{
    (void)state;
    upl_secret s, t;
    char hex[UPL_SECRET_HEX], com[UPL_SECRET_HEX];
    memset(&s, 0, sizeof s);
    upl_secret_commitment(&s, com);
    assert_string_equal(com, zero_commitment);
    assert_true(upl_secret_matches(&s, zero_commitment));
    assert_true(
        upl_secret_matches(&s, "66687AADF862BD776C8FC18B8E9F8E20089714856EE233B3902A591D0D5F2925"));
    assert_false(
        upl_secret_matches(&s, "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2924"));
    assert_false(upl_secret_matches(&s, "66687aadf862"));
    assert_false(upl_secret_matches(&s, NULL));
    assert_false(
        upl_secret_matches(&s, "zz687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"));

    for (size_t i = 0; i < UPL_SECRET_BYTES; i++)
        s.bytes[i] = (unsigned char)(i * 37 + 11);
    upl_secret_to_hex(&s, hex);
    assert_int_equal(strlen(hex), 64);
    assert_string_equal(hex, "0b30557a9fc4e90e33587da2c7ec11365b80a5caef14395e83a8cdf2173c6186");
    assert_int_equal(upl_secret_from_hex(hex, &t), UPL_OK);
    assert_memory_equal(s.bytes, t.bytes, sizeof s.bytes);
    upl_secret_commitment(&s, com);
    assert_true(upl_secret_matches(&t, com));
    assert_int_equal(upl_secret_from_hex("abc", &t), UPL_PARSE);
    assert_int_equal(upl_secret_from_hex(NULL, &t), UPL_PARSE);
    hex[10] = 'g';
    assert_int_equal(upl_secret_from_hex(hex, &t), UPL_PARSE);
}

static void test_generate(void **state)
{
    (void)state;
    upl_secret a, b;
    assert_int_equal(upl_secret_generate(&a, NULL), UPL_OK);
    assert_int_equal(upl_secret_generate(&b, NULL), UPL_OK);
    assert_memory_not_equal(a.bytes, b.bytes, sizeof a.bytes);
    upl_secret_wipe(&a);
    upl_secret z;
    memset(&z, 0, sizeof z);
    assert_memory_equal(a.bytes, z.bytes, sizeof a.bytes);
    upl_secret_wipe(NULL);
}

static void test_key_file_roundtrip(void **state)
{
    (void)state;
    char path[128], text[80];
    path_in_dir(path, sizeof path, "study.db.key");
    upl_secret s, t, u;
    upl_diag diag = {0};
    assert_int_equal(upl_secret_generate(&s, NULL), UPL_OK);
    mode_t old = umask(0); /* a permissive umask must not widen the mode */
    assert_int_equal(upl_secret_write_new(path, &s, &diag), UPL_OK);
    umask(old);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, 65);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    char hex[UPL_SECRET_HEX];
    upl_secret_to_hex(&s, hex);
    assert_int_equal(strncmp(text, hex, 64), 0);
    assert_string_equal(text + 64, "\n");

    assert_int_equal(upl_secret_read(path, &t, &diag), UPL_OK);
    assert_memory_equal(s.bytes, t.bytes, sizeof s.bytes);

    /* never overwritten */
    assert_int_equal(upl_secret_generate(&u, NULL), UPL_OK);
    assert_int_equal(upl_secret_write_new(path, &u, &diag), UPL_EXISTS);
    assert_non_null(strstr(diag.msg, "never overwritten"));
    assert_int_equal(diag.why.reason, UPL_REASON_KEY_FILE_EXISTS);
    assert_int_equal(upl_secret_read(path, &t, &diag), UPL_OK);
    assert_memory_equal(s.bytes, t.bytes, sizeof s.bytes);

    /* readable by others: refused */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(upl_secret_read(path, &t, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "chmod 600"));
    assert_int_equal(chmod(path, 0620), 0);
    assert_int_equal(upl_secret_read(path, &t, &diag), UPL_REFUSED);
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(upl_secret_read(path, &t, &diag), UPL_OK);
}

static void test_key_file_rejects(void **state)
{
    (void)state;
    char path[128];
    upl_secret t;
    upl_diag diag = {0};
    path_in_dir(path, sizeof path, "missing.key");
    assert_int_equal(upl_secret_read(path, &t, &diag), UPL_NOTFOUND);
    assert_non_null(strstr(diag.msg, "missing.key"));
    assert_int_equal(diag.why.reason, UPL_REASON_NO_KEY_FILE);

    path_in_dir(path, sizeof path, "bad.key");
    const char *bad[] = {
        "",
        "0123\n",
        "0b30557a9fc4e90e33587da2c7ec11365b7ca1c6eb10355a7fa4c9ee13385d82\nextra\n",
        "0b30557a9fc4e90e33587da2c7ec11365b7ca1c6eb10355a7fa4c9ee13385d8x\n",
        " 0b30557a9fc4e90e33587da2c7ec11365b7ca1c6eb10355a7fa4c9ee13385d82\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i], 0600);
        assert_int_equal(upl_secret_read(path, &t, &diag), UPL_PARSE);
        assert_non_null(strstr(diag.msg, "malformed"));
    }
    /* no final newline, CRLF and upper case are accepted */
    const char *good[] = {
        "0b30557a9fc4e90e33587da2c7ec11365b7ca1c6eb10355a7fa4c9ee13385d82",
        "0b30557a9fc4e90e33587da2c7ec11365b7ca1c6eb10355a7fa4c9ee13385d82\r\n",
        "0B30557A9FC4E90E33587DA2C7EC11365B7CA1C6EB10355A7FA4C9EE13385D82\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        write_file(path, good[i], 0600);
        assert_int_equal(upl_secret_read(path, &t, &diag), UPL_OK);
        assert_int_equal(t.bytes[0], 0x0b);
        assert_int_equal(t.bytes[31], 0x82);
    }
    path_in_dir(path, sizeof path, "subdir");
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_not_equal(upl_secret_read(path, &t, &diag), UPL_OK);
}

static void test_default_path(void **state)
{
    (void)state;
    char *p = upl_secret_default_path("study/uplift.db");
    assert_string_equal(p, "study/uplift.db.key");
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_and_commitment), cmocka_unit_test(test_generate),
        cmocka_unit_test(test_key_file_roundtrip), cmocka_unit_test(test_key_file_rejects),
        cmocka_unit_test(test_default_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
