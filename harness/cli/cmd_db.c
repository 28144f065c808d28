/* uplift db copy FROM TO: a whole study moved between backends (a pilot in a SQLite file
 * onto a server, a server study archived as one file), with its audit chain intact. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "uplift/store.h"

static int run_copy(upl_cli *cli, const upl_args *args);

static const struct option copy_options[] = {{NULL, 0, NULL, 0}};

const upl_command upl__cmd_db_copy = {
    .name = "db copy",
    .summary = "Copy a whole study to a new SQLite file or an empty PostgreSQL database.",
    .usage = "uplift db copy FROM TO",
    .help = "FROM and TO are each a SQLite file or a PostgreSQL connection URI\n"
            "(postgresql://...).  TO must be a new file, or a database with no study in it\n"
            "(one 'createdb').  Every row is copied as it is: ids, allocation, timing\n"
            "events, self-reports and the audit chain, which is verified on the copy before\n"
            "it is committed.  All or nothing: a failed copy leaves no file and no study\n"
            "behind.  The key file is not part of the database: until 'uplift reveal', copy\n"
            "it yourself and name it with --key-file or UPLIFT_KEY_FILE.\n",
    .options = copy_options,
    .min_args = 2,
    .max_args = 2,
    .flags = 0,
    .run = run_copy,
};

/* Copies from (open, in its read transaction) into the store at path, created by
 * upl_store_open and committed only when the copy verifies. */
static int copy_into(upl_store *from, const char *path, const char *shown, unsigned wait_ms)
{
    upl_store *to = NULL;
    upl_diag diag = {0};
    size_t n_rows = 0, n_audit = 0;
    char head[65] = "";
    int rc = UPL_EXIT_FAIL;
    if (upl_store_open(path, UPL_STORE_CREATE, &to, &diag) != UPL_OK) {
        upl__fail("%s", upl__diag_error(&diag));
        return rc;
    }
    upl_store_set_wait(to, wait_ms);
    if (upl_store_begin(to, 1) != UPL_OK || upl_store_copy(from, to, &n_rows) != UPL_OK) {
        upl__fail("cannot copy the study to '%s': %s", shown, upl__store_error(to));
        goto cleanup;
    }
    if (upl_store_audit_verify(to, &n_audit, NULL, head) != UPL_OK) {
        upl__fail("the copy in '%s' does not verify, so it was not kept: %s", shown,
                  upl__store_error(to));
        goto cleanup;
    }
    if (upl_store_commit(to) != UPL_OK) {
        upl__fail("cannot copy the study to '%s': %s", shown, upl__store_error(to));
        goto cleanup;
    }
    printf("copied %zu rows to %s\naudit chain  intact: %zu rows, head %s\n", n_rows, shown,
           n_audit, head);
    rc = UPL_EXIT_OK;
cleanup:
    upl_store_close(to);
    return rc;
}

static int run_copy(upl_cli *cli, const upl_args *args)
{
    const char *from_path = args->pos[0], *to_path = args->pos[1];
    upl_store *from = NULL;
    upl_study_info study;
    upl_diag diag = {0};
    char *tmp = NULL;
    int rc = UPL_EXIT_FAIL, have_study = 0;
    int to_server = upl_store_on_server(to_path);
    if (!upl_store_on_server(from_path) && access(from_path, F_OK) != 0)
        return upl__fail("no study at '%s': give the study to copy first, then where to",
                         from_path);
    if (!to_server && access(to_path, F_OK) == 0)
        return upl__fail("'%s' already exists: a copy goes to a new file (or an empty "
                         "PostgreSQL database)",
                         to_path);
    if (upl_store_open(from_path, UPL_STORE_READONLY, &from, &diag) != UPL_OK)
        return upl__fail("%s", upl__diag_error(&diag));
    upl_store_set_wait(from, cli->wait_ms);
    if (upl_store_begin(from, 0) != UPL_OK || upl_store_study_get(from, &study) != UPL_OK) {
        upl__fail("cannot read the study in '%s': %s", from_path, upl__store_error(from));
        goto cleanup;
    }
    have_study = 1;
    if (to_server) {
        rc = copy_into(from, to_path, to_path, cli->wait_ms);
    } else {
        /* built under a temporary name beside TO and linked into place when complete,
         * never over a file that appeared meanwhile */
        size_t len = strlen(to_path) + sizeof ".copy-XXXXXX";
        if (!(tmp = malloc(len))) {
            upl__fail("out of memory");
            goto cleanup;
        }
        snprintf(tmp, len, "%s.copy-XXXXXX", to_path);
        int fd = mkstemp(tmp);
        if (fd < 0) {
            upl__fail("cannot create '%s': %s", to_path, strerror(errno));
            free(tmp);
            tmp = NULL;
            goto cleanup;
        }
        close(fd);
        rc = copy_into(from, tmp, to_path, cli->wait_ms);
        if (rc == UPL_EXIT_OK && link(tmp, to_path) != 0)
            rc = upl__fail("cannot create '%s': %s", to_path, strerror(errno));
    }
    if (rc == UPL_EXIT_OK && !study.revealed_secret)
        fprintf(stderr,
                "uplift: the key file stays where it is: the copy needs it for randomize and "
                "reveal (--key-file or UPLIFT_KEY_FILE)\n");
cleanup:
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    if (have_study)
        upl_study_info_release(&study);
    upl_store_close(from);
    return rc;
}
