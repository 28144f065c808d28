/* uplift verify [--key-file PATH] [--json] */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "uplift/randomize.h"
#include "uplift/secret.h"
#include "uplift/store.h"

static int run_verify(upl_cli *cli, const upl_args *args);

static const struct option verify_options[] = {{"key-file", required_argument, NULL, 'k'},
                                               {"json", no_argument, NULL, 'j'},
                                               {NULL, 0, NULL, 0}};

const upl_command upl__cmd_verify = {
    .name = "verify",
    .summary = "Check the audit chain and replay the allocation from the key.",
    .usage = "uplift verify [--key-file PATH] [--json]",
    .help = "Options:\n"
            "  --key-file PATH   the study's secret (default: the revealed secret, else\n"
            "                    <db>.key when it exists)\n"
            "  --json            one JSON object on stdout\n"
            "\nWalks the hash-chained audit log and compares every record with its last\n"
            "audited state, checks that every table, index, view and trigger is the one\n"
            "uplift creates, and recomputes measured times from the audited timing events;\n"
            "with the key, replays every draw and compares it with the\n"
            "recorded arm.  Exit 0 when intact, 1 naming the first broken link or\n"
            "mismatched task.  Publish the head hash it prints: a later copy of the study\n"
            "whose chain does not extend it was rewritten.\n",
    .options = verify_options,
    .min_args = 0,
    .max_args = 0,
    .flags = UPL_CMD_NEEDS_DB,
    .run = run_verify,
};

typedef enum { KEY_NONE, KEY_FILE, KEY_REVEALED } key_source;

static const char *source_name(key_source s)
{
    return s == KEY_FILE ? "key-file" : s == KEY_REVEALED ? "revealed" : NULL;
}

/* Finds the key: --key-file, else the revealed secret, else $UPLIFT_KEY_FILE or
 * <db>.key if present.
 * Returns an exit code; *source is KEY_NONE when there is no key to use. */
static int find_key(upl_cli *cli, const char *key_path, const upl_study_info *study,
                    upl_secret *secret, key_source *source, char **used_path)
{
    upl_diag diag = {0};
    *source = KEY_NONE;
    if (key_path) {
        if (upl_secret_read(key_path, secret, &diag) != UPL_OK)
            return upl__fail("%s", upl__diag_error(&diag));
        *source = KEY_FILE;
        return UPL_EXIT_OK;
    }
    if (study->revealed_secret) {
        if (upl_secret_from_hex(study->revealed_secret, secret) != UPL_OK)
            return upl__fail("the revealed secret in the study is malformed: the database "
                             "was altered");
        *source = KEY_REVEALED;
        return UPL_EXIT_OK;
    }
    char *path = NULL;
    if (upl__key_path(cli, NULL, &path) != 0)
        return UPL_EXIT_FAIL;
    if (!path)
        return UPL_EXIT_OK;
    if (access(path, F_OK) != 0) {
        free(path);
        return UPL_EXIT_OK;
    }
    if (upl_secret_read(path, secret, &diag) != UPL_OK) {
        free(path);
        return upl__fail("%s", upl__diag_error(&diag));
    }
    *used_path = path;
    *source = KEY_FILE;
    return UPL_EXIT_OK;
}

static json_t *nullable_int(int64_t v)
{
    return v ? json_integer((json_int_t)v) : json_null();
}

static int run_verify(upl_cli *cli, const upl_args *args)
{
    const char *key_path = upl__args_value(args, 'k');
    char *default_used = NULL;
    int json = upl__args_has(args, 'j'), rc = UPL_EXIT_FAIL;
    upl_study_info study;
    upl_secret secret;
    upl_diag diag = {0};
    key_source source = KEY_NONE;
    char head[65] = "";
    char audit_error[512] = "", alloc_error[512] = "";
    size_t n_rows = 0;
    int64_t bad_seq = 0;
    upl_replay_report replay = {0};
    int audit_ok, alloc_ok = 1;

    upl_secret_wipe(&secret);
    memset(&study, 0, sizeof study);
    if (upl_store_study_get(cli->store, &study) != UPL_OK)
        return upl__fail_store(cli, "cannot read the study");

    upl_status st = upl_store_audit_verify(cli->store, &n_rows, &bad_seq, head);
    audit_ok = st == UPL_OK;
    if (!audit_ok) {
        snprintf(audit_error, sizeof audit_error, "%s", upl__store_error(cli->store));
        head[0] = '\0';
        if (st != UPL_INTEGRITY) { /* not a finding: verify itself failed */
            rc = upl__fail("cannot verify the audit log: %s", audit_error);
            goto cleanup;
        }
    }

    if ((rc = find_key(cli, key_path, &study, &secret, &source, &default_used)) != UPL_EXIT_OK)
        goto cleanup;
    rc = UPL_EXIT_FAIL;
    if (source != KEY_NONE) {
        upl__progress bar; /* "verify: replay"; the audit chain's check has no progress yet */
        upl__progress_init(&bar, cli, cli->command);
        st = upl_randomize_replay_progress(cli->store, &secret,
                                           upl__progress_on(&bar) ? upl__progress_fn : NULL, &bar,
                                           &replay, &diag);
        upl__progress_end(&bar);
        alloc_ok = st == UPL_OK;
        if (!alloc_ok) {
            snprintf(alloc_error, sizeof alloc_error, "%s", upl__diag_error(&diag));
            if (st != UPL_INTEGRITY && st != UPL_REFUSED) {
                rc = upl__fail("cannot replay the allocation: %s", alloc_error);
                goto cleanup;
            }
        }
    }
    int ok = audit_ok && alloc_ok;

    if (json) {
        json_t *audit = json_pack("{s:b, s:I, s:s?, s:o, s:s?}", "ok", audit_ok, "rows",
                                  (json_int_t)n_rows, "head", audit_ok ? head : NULL, "bad_seq",
                                  audit_ok ? json_null() : nullable_int(bad_seq), "error",
                                  audit_ok ? NULL : audit_error);
        json_t *alloc = json_pack(
            "{s:b, s:s?, s:o, s:I, s:I, s:o, s:s?}", "replayed", source != KEY_NONE, "key_source",
            source_name(source), "ok", source == KEY_NONE ? json_null() : json_boolean(alloc_ok),
            "checked", (json_int_t)replay.checked, "strata", (json_int_t)replay.strata, "bad_task",
            alloc_ok ? json_null() : nullable_int(replay.bad_task), "error",
            alloc_ok ? NULL : alloc_error);
        json_t *doc =
            json_pack("{s:b, s:s, s:s, s:o, s:o}", "ok", ok, "study", study.uid, "commitment",
                      study.commitment, "audit", audit, "allocation", alloc);
        if ((rc = upl__print_json(doc)) != UPL_EXIT_OK)
            goto cleanup;
    } else {
        if (audit_ok)
            printf("%-12s intact: %zu rows, head %s\n", "audit chain", n_rows, head);
        else
            printf("%-12s BROKEN: %s\n", "audit chain", audit_error);
        if (source == KEY_NONE)
            printf("%-12s not replayed: no key (give --key-file PATH, or run verify after "
                   "'uplift reveal')\n",
                   "allocation");
        else if (alloc_ok)
            printf("%-12s intact: %zu draws in %zu strata replayed with the %s\n", "allocation",
                   replay.checked, replay.strata,
                   source == KEY_REVEALED ? "revealed secret" : "key file");
        else
            printf("%-12s MISMATCH: %s\n", "allocation", alloc_error);
    }
    if (!audit_ok)
        rc = upl__fail("verify: %s", audit_error);
    else if (!alloc_ok)
        rc = upl__fail("verify: %s", alloc_error);
    else
        rc = UPL_EXIT_OK;
cleanup:
    upl_secret_wipe(&secret);
    upl_study_info_release(&study);
    free(default_used);
    return rc;
}
