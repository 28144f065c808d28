/* uplift init --protocol FILE [--key-file PATH] */
#include <errno.h>
#include <gsl/gsl_rng.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "protocol_find.h"
#include "uplift/protocol_parse.h"
#include "uplift/secret.h"
#include "uplift/store.h"

static int run_init(upl_cli *cli, const upl_args *args);

static const struct option init_options[] = {{"protocol", required_argument, NULL, 'p'},
                                             {"key-file", required_argument, NULL, 'k'},
                                             {NULL, 0, NULL, 0}};

const upl_command upl__cmd_init = {
    .name = "init",
    .summary = "Create a study from a protocol file and generate its randomization key.",
    .usage = "uplift init --protocol FILE|NAME [--key-file PATH]",
    .help = "Options:\n"
            "  --protocol FILE   the study protocol (YAML; docs/protocol.md), or the NAME of\n"
            "                    a shipped one: metr-2025, three-arm, jagged-frontier,\n"
            "                    blocked-by-participant (installed in " UPL_PROTOCOL_DIR ")\n"
            "  --key-file PATH   where to write the randomization secret (default\n"
            "                    $UPLIFT_KEY_FILE, else <db>.key; required for a study on a\n"
            "                    database server; mode 0600); only its SHA-256 commitment\n"
            "                    enters the database\n"
            "\nPrints the study id, the protocol's SHA-256 and the secret's commitment.\n"
            "Refuses to overwrite an existing database or key file.  All or nothing: the\n"
            "database and key file appear only once this output has been written.\n",
    .options = init_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_CREATES_DB,
    .run = run_init,
};

/* Builds the study in a temporary file beside the target and links it into place only
 * when complete, so a failed init leaves no database behind and never replaces one. */
static int create_study(const char *tmp_path, const upl_protocol *protocol, const char *text,
                        const char *commitment, char uid[33])
{
    upl_store *store = NULL;
    upl_diag diag = {0};
    int rc = UPL_EXIT_FAIL;
    if (upl_store_open(tmp_path, UPL_STORE_CREATE, &store, &diag) != UPL_OK) {
        upl__fail("%s", upl__diag_error(&diag));
        return rc;
    }
    if (upl_store_begin(store, 1) != UPL_OK ||
        upl_store_study_create(store, protocol, text, commitment, gsl_rng_mt19937->name, uid) !=
            UPL_OK ||
        upl_store_commit(store) != UPL_OK) {
        upl__fail("cannot create the study: %s", upl__store_error(store));
        goto cleanup;
    }
    rc = UPL_EXIT_OK;
cleanup:
    upl_store_close(store);
    return rc;
}

/* What init prints; a broken pipe is an error here (no study is created), not a silent
 * exit. */
static int print_created(const upl_cli *cli, const upl_protocol *protocol,
                         const char *protocol_path, const char *key_path, const char *commitment,
                         const char *uid)
{
    signal(SIGPIPE, SIG_IGN);
    printf("%-16s %s\n%-16s %s\n%-16s %s\n%-16s %s\n%-16s %s\n%-16s %s\n%-16s %s\n", "study", uid,
           "title", protocol->title, "database", cli->db_path, "protocol", protocol_path,
           "protocol_sha256", protocol->hash, "commitment", commitment, "key_file", key_path);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        upl__fail("cannot write to standard output: %s; no study was created", strerror(errno));
        return -1;
    }
    return 0;
}

static void advise_key(const char *key_path)
{
    fprintf(stderr,
            "uplift: keep '%s' private until allocation is over, then publish it with "
            "'uplift reveal'\n",
            key_path);
}

/* On a database server the study is created in one transaction, committed only once the
 * output is written and the key file is in place; a database that already holds a study
 * is refused as it is. */
static int init_on_server(const upl_cli *cli, const upl_protocol *protocol, const char *text,
                          const char *protocol_path, const char *key_path, const upl_secret *secret,
                          const char *commitment)
{
    upl_store *store = NULL;
    upl_study_info existing;
    upl_diag diag = {0};
    char *tmp_key = NULL, uid[33];
    int rc = UPL_EXIT_FAIL, key_linked = 0;
    if (upl_store_open(cli->db_path, UPL_STORE_CREATE, &store, &diag) != UPL_OK) {
        upl__fail("%s", upl__diag_error(&diag));
        return rc;
    }
    upl_store_set_wait(store, cli->wait_ms);
    if (upl_store_begin(store, 1) != UPL_OK) {
        upl__fail("cannot create the study: %s", upl__store_error(store));
        goto cleanup;
    }
    upl_status st = upl_store_study_get(store, &existing);
    if (st == UPL_OK) {
        upl__fail("'%s' already holds a study (%s): init creates a new study; give another "
                  "database",
                  cli->db_path, existing.uid);
        upl_study_info_release(&existing);
        goto cleanup;
    }
    if (st != UPL_NOTFOUND || upl_store_study_create(store, protocol, text, commitment,
                                                     gsl_rng_mt19937->name, uid) != UPL_OK) {
        upl__fail("cannot create the study: %s", upl__store_error(store));
        goto cleanup;
    }
    if (upl_secret_write_temp(key_path, secret, &tmp_key, &diag) != UPL_OK) {
        upl__fail("%s", upl__diag_error(&diag));
        goto cleanup;
    }
    if (print_created(cli, protocol, protocol_path, key_path, commitment, uid) != 0)
        goto cleanup;
    if (link(tmp_key, key_path) != 0) {
        upl__fail("cannot create key file '%s': %s", key_path, strerror(errno));
        goto cleanup;
    }
    key_linked = 1;
    if (upl_store_commit(store) != UPL_OK) {
        upl__fail("cannot create the study: %s", upl__store_error(store));
        goto cleanup;
    }
    key_linked = 0; /* both in place */
    rc = UPL_EXIT_OK;
    advise_key(key_path);
cleanup:
    if (key_linked)
        unlink(key_path); /* the link made above: the study could not follow it */
    if (tmp_key)
        unlink(tmp_key);
    free(tmp_key);
    upl_store_close(store);
    return rc;
}

static int run_init(upl_cli *cli, const upl_args *args)
{
    const char *protocol_path = upl__args_value(args, 'p');
    const char *key_path = upl__args_value(args, 'k');
    char *default_key = NULL, *found_protocol = NULL;
    char *text = NULL;
    char *tmp_path = NULL, *tmp_key = NULL;
    int tmp_made = 0, db_linked = 0;
    upl_protocol protocol = {0};
    upl_secret secret;
    upl_diag diag = {0};
    char commitment[UPL_SECRET_HEX];
    char uid[33];
    int rc = UPL_EXIT_FAIL;
    if (!protocol_path) {
        char shipped[512];
        upl__protocol_list_shipped(shipped, sizeof shipped, ", ");
        return upl__usage(&upl__cmd_init,
                          "init needs --protocol FILE or the name of a shipped "
                          "protocol (%s)",
                          *shipped ? shipped : "none installed");
    }
    if (upl__key_path_required(cli, key_path, &default_key) != 0)
        return UPL_EXIT_FAIL;
    key_path = default_key;

    if (!upl_store_on_server(cli->db_path) && access(cli->db_path, F_OK) == 0) {
        rc = upl__fail("'%s' already exists: init creates a new study; choose another path "
                       "with --db",
                       cli->db_path);
        goto cleanup;
    }
    if (!(found_protocol = upl__protocol_find(protocol_path))) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    if (access(found_protocol, F_OK) != 0 && !strchr(protocol_path, '/')) {
        char shipped[512];
        upl__protocol_list_shipped(shipped, sizeof shipped, ", ");
        rc = upl__fail("no protocol file '%s' and no shipped protocol of that name (shipped: %s)",
                       protocol_path, *shipped ? shipped : "none installed");
        goto cleanup;
    }
    protocol_path = found_protocol;
    if (upl_protocol_load(protocol_path, &protocol, &text, &diag) != UPL_OK) {
        rc = upl__fail("%s", upl__diag_error(&diag));
        goto cleanup;
    }
    if (access(key_path, F_OK) == 0) {
        rc = upl__fail("key file '%s' already exists: it may belong to another study; choose "
                       "another path with --key-file",
                       key_path);
        goto cleanup;
    }
    if (upl_secret_generate(&secret, &diag) != UPL_OK) {
        rc = upl__fail("%s", upl__diag_error(&diag));
        goto cleanup;
    }
    upl_secret_commitment(&secret, commitment);
    if (upl_store_on_server(cli->db_path)) {
        rc = init_on_server(cli, &protocol, text, protocol_path, key_path, &secret, commitment);
        goto cleanup;
    }

    size_t len = strlen(cli->db_path) + sizeof ".init-XXXXXX";
    if (!(tmp_path = malloc(len))) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    snprintf(tmp_path, len, "%s.init-XXXXXX", cli->db_path);
    int fd = mkstemp(tmp_path);
    if (fd < 0) {
        rc = upl__fail("cannot create '%s': %s", cli->db_path, strerror(errno));
        goto cleanup;
    }
    close(fd);
    tmp_made = 1;
    if ((rc = create_study(tmp_path, &protocol, text, commitment, uid)) != UPL_EXIT_OK)
        goto cleanup;
    rc = UPL_EXIT_FAIL;
    if (upl_secret_write_temp(key_path, &secret, &tmp_key, &diag) != UPL_OK) {
        upl__fail("%s", upl__diag_error(&diag));
        goto cleanup;
    }

    /* All or nothing: the study and its key exist under temporary names until the output
     * is written (a broken pipe is an error here, not a silent exit), then both are
     * linked into place, never over an existing file. */
    if (print_created(cli, &protocol, protocol_path, key_path, commitment, uid) != 0)
        goto cleanup;
    if (link(tmp_path, cli->db_path) != 0) {
        upl__fail("cannot create '%s': %s", cli->db_path, strerror(errno));
        goto cleanup;
    }
    db_linked = 1;
    if (link(tmp_key, key_path) != 0) {
        upl__fail("cannot create key file '%s': %s", key_path, strerror(errno));
        goto cleanup;
    }
    db_linked = 0; /* both in place */
    rc = UPL_EXIT_OK;
    advise_key(key_path);
cleanup:
    if (db_linked)
        unlink(cli->db_path); /* the link made above: the key could not follow it */
    if (tmp_made)
        unlink(tmp_path);
    if (tmp_key)
        unlink(tmp_key);
    free(tmp_key);
    upl_secret_wipe(&secret);
    upl_protocol_release(&protocol);
    free(text);
    free(tmp_path);
    free(default_key);
    free(found_protocol);
    return rc;
}
