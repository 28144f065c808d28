/* Randomizing and replaying through the store (harness/engine/randomize.c with
 * harness/store/store_allocation.c) on a real SQLite file: batches and positions, and replay
 * catching what the audit chain alone would not name (arms swapped inside a balanced
 * batch, a missing draw, an assignment without allocation, a wrong key); and the one
 * parse of the stored protocol that every engine function on a handle shares. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "store_internal.h"
#include "uplift/consort.h"
#include "uplift/exchange.h"
#include "uplift/protocol_parse.h"
#include "uplift/randomize.h"
#include "uplift/redraw.h"
#include "uplift/store.h"

#define T0 INT64_C(1772355600) /* 2026-03-01T09:00:00Z */

typedef struct fixture {
    char dir[64];
    char path[96];
    upl_store *store;
    upl_secret secret;
} fixture;

static const char complete_2to1[] = "title: complete 2:1\n"
                                    "arms:\n"
                                    "  - label: no_ai\n"
                                    "    ratio: 1\n"
                                    "  - label: ai\n"
                                    "    ratio: 2\n"
                                    "randomization:\n"
                                    "  scheme: complete\n";
static const char blocks[] = "title: blocks\n"
                             "randomization:\n"
                             "  scheme: permuted-block\n"
                             "  stratify: [participant]\n"
                             "  block_sizes: [2, 4, 6]\n";

/* A study with participants alice and bob, n tasks each with forecasts. */
static fixture *make_study(const char *protocol_text, int n)
{
    fixture *f = calloc(1, sizeof *f);
    upl_protocol protocol;
    upl_diag diag = {0};
    char commitment[UPL_SECRET_HEX];
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/upl-randomize-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/study.db", f->dir);
    assert_int_equal(upl_store_open(f->path, UPL_STORE_CREATE, &f->store, &diag), UPL_OK);
    upl_store_set_clock(f->store, T0);
    if (upl_protocol_parse(protocol_text, strlen(protocol_text), "test", &protocol, &diag) !=
        UPL_OK)
        fail_msg("protocol: %s", diag.msg);
    crypto_hash_sha256(f->secret.bytes, (const unsigned char *)protocol_text,
                       strlen(protocol_text));
    upl_secret_commitment(&f->secret, commitment);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(upl_store_study_create(f->store, &protocol, protocol_text, commitment,
                                            UPL_ALLOC_RNG_DEFAULT, NULL),
                     UPL_OK);
    upl_protocol_release(&protocol);
    const char *who[2] = {"alice", "bob"};
    for (int p = 0; p < 2; p++) {
        assert_int_equal(upl_store_participant_add(f->store, who[p], NULL, 0, NULL), UPL_OK);
        for (int i = 0; i < n; i++) {
            upl_task_new t;
            memset(&t, 0, sizeof t);
            t.participant = who[p];
            t.title = "a task";
            t.forecast_ai_min = 30 + i;
            t.forecast_no_ai_min = 40 + i;
            assert_int_equal(upl_store_task_add(f->store, &t, NULL), UPL_OK);
        }
    }
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    return f;
}

static void drop_study(fixture *f)
{
    char cmd[128];
    upl_store_close(f->store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
}

static upl_randomize_summary randomize(fixture *f, const int64_t *ids, size_t n)
{
    upl_randomize_summary s;
    upl_diag diag = {0};
    upl_store_set_clock(f->store, upl_store_now(f->store) + 60);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    if (upl_randomize(f->store, &f->secret, ids, n, NULL, NULL, &s, &diag) != UPL_OK)
        fail_msg("randomize: %s", diag.msg);
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    return s;
}

static upl_status replay(fixture *f, upl_replay_report *r, upl_diag *diag)
{
    assert_int_equal(upl_store_begin(f->store, 0), UPL_OK);
    upl_status st = upl_randomize_replay(f->store, &f->secret, r, diag);
    upl_store_rollback(f->store);
    return st;
}

static void exec(fixture *f, const char *sql)
{
    assert_int_equal(upl__store_exec(f->store, sql), UPL_OK);
}

static int64_t query_int(fixture *f, const char *sql)
{
    upl_sql_stmt *stmt = NULL;
    assert_int_equal(upl__store_prepare(f->store, sql, &stmt), UPL_OK);
    assert_int_equal(upl__sql_step(stmt), UPL_SQL_ROW);
    int64_t v = upl__sql_column_int64(stmt, 0);
    upl__sql_finalize(stmt);
    return v;
}

/* complete 2:1: a batch of 5 per participant, then one of 4: exact shares, the
 * remainder at random; batches numbered per stratum; replay intact. */
static void test_complete_batches(void **state)
{
    (void)state;
    fixture *f = make_study(complete_2to1, 9);
    /* alice 1-9, bob 10-18: first alice's 1-5 and bob's 10-14 */
    int64_t first[] = {5, 4, 3, 2, 1, 14, 13, 12, 11, 10};
    upl_randomize_summary s = randomize(f, first, 10);
    assert_int_equal(s.assigned, 10);
    assert_int_equal(s.strata, 2);
    assert_int_equal(s.run, 1);
    s = randomize(f, NULL, 0);
    assert_int_equal(s.assigned, 8);
    assert_int_equal(s.run, 2);
    for (int p = 0; p < 2; p++) {
        char sql[256];
        /* batch 0 of 5: ai gets 3 or 4 (10/3 = 3.33); batch 1 of 4: 2 or 3 (8/3) */
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM allocation WHERE arm = 'ai' AND block = 0 AND stratum = "
                 "'participant=%s'",
                 p ? "bob" : "alice");
        int64_t ai0 = query_int(f, sql);
        assert_true(ai0 == 3 || ai0 == 4);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM allocation WHERE block = 1 AND block_size = 4 AND "
                 "stratum = 'participant=%s'",
                 p ? "bob" : "alice");
        assert_int_equal(query_int(f, sql), 4);
    }
    /* positions follow the task order within the participant, not the order named */
    assert_int_equal(query_int(f, "SELECT position FROM allocation WHERE task_id = 1"), 0);
    assert_int_equal(query_int(f, "SELECT position FROM allocation WHERE task_id = 5"), 4);
    assert_int_equal(query_int(f, "SELECT position FROM allocation WHERE task_id = 6"), 5);

    upl_replay_report r;
    upl_diag diag = {0};
    assert_int_equal(replay(f, &r, &diag), UPL_OK);
    assert_int_equal(r.checked, 18);
    assert_int_equal(r.strata, 2);

    /* swap the arms of two tasks of one batch: counts stay exact, replay names one */
    int64_t ai_task = query_int(f, "SELECT min(task_id) FROM allocation WHERE block = 0 AND "
                                   "stratum = 'participant=alice' AND arm = 'ai'");
    int64_t no_task = query_int(f, "SELECT min(task_id) FROM allocation WHERE block = 0 AND "
                                   "stratum = 'participant=alice' AND arm = 'no_ai'");
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE allocation SET arm = CASE arm WHEN 'ai' THEN 'no_ai' ELSE 'ai' END WHERE "
             "task_id IN (%lld, %lld)",
             (long long)ai_task, (long long)no_task);
    exec(f, sql);
    assert_int_equal(replay(f, &r, &diag), UPL_INTEGRITY);
    assert_true(r.bad_task == (ai_task < no_task ? ai_task : no_task));
    assert_non_null(strstr(diag.msg, "the key draws"));
    drop_study(f);
}

static void test_replay_findings(void **state)
{
    (void)state;
    fixture *f = make_study(blocks, 6);
    randomize(f, NULL, 0);
    upl_replay_report r;
    upl_diag diag = {0};
    assert_int_equal(replay(f, &r, &diag), UPL_OK);
    assert_int_equal(r.checked, 12);

    /* a wrong key is refused before anything is compared */
    upl_secret good = f->secret;
    f->secret.bytes[0] ^= 1;
    assert_int_equal(replay(f, &r, &diag), UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "commitment"));
    f->secret = good;

    /* a draw removed from the middle of a stratum: the next one is out of place */
    exec(f, "CREATE TABLE saved AS SELECT * FROM allocation");
    exec(f, "DELETE FROM allocation WHERE task_id = 2");
    assert_int_equal(replay(f, &r, &diag), UPL_INTEGRITY);
    assert_int_equal(r.bad_task, 3);
    assert_non_null(strstr(diag.msg, "expected position 1"));
    exec(f, "DELETE FROM allocation; INSERT INTO allocation SELECT * FROM saved");
    assert_int_equal(replay(f, &r, &diag), UPL_OK);

    /* a recorded block size that the key does not draw */
    exec(f, "UPDATE allocation SET block_size = 8 WHERE task_id = 7");
    assert_int_equal(replay(f, &r, &diag), UPL_INTEGRITY);
    assert_int_equal(r.bad_task, 7);
    exec(f, "DELETE FROM allocation; INSERT INTO allocation SELECT * FROM saved");

    /* a task moved to another participant keeps a stratum that is no longer its own */
    exec(f, "UPDATE task SET participant_id = 2, seq = 99 WHERE id = 4");
    assert_int_equal(replay(f, &r, &diag), UPL_INTEGRITY);
    assert_int_equal(r.bad_task, 4);
    assert_non_null(strstr(diag.msg, "participant=bob"));
    exec(f, "UPDATE task SET participant_id = 1, seq = 4 WHERE id = 4");

    /* a forecast recorded after the assignment */
    exec(f, "UPDATE task SET forecast_at = forecast_at + 100000 WHERE id = 9");
    assert_int_equal(replay(f, &r, &diag), UPL_INTEGRITY);
    assert_int_equal(r.bad_task, 9);
    exec(f, "UPDATE task SET forecast_at = forecast_at - 100000 WHERE id = 9");
    assert_int_equal(replay(f, &r, &diag), UPL_OK);

    /* a task that claims an arm without a draw */
    upl_task_new t;
    memset(&t, 0, sizeof t);
    t.participant = "bob";
    t.title = "late";
    t.forecast_ai_min = t.forecast_no_ai_min = 10;
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(upl_store_task_add(f->store, &t, NULL), UPL_OK);
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    exec(f, "UPDATE task SET status = 'in_progress' WHERE id = 13");
    assert_int_equal(replay(f, &r, &diag), UPL_INTEGRITY);
    assert_int_equal(r.bad_task, 13);
    assert_non_null(strstr(diag.msg, "no allocation"));
    exec(f, "UPDATE task SET status = 'planned' WHERE id = 13");

    /* reveal closes allocation: the late task can no longer be drawn */
    char hex[UPL_SECRET_HEX];
    upl_secret_to_hex(&f->secret, hex);
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(upl_store_alloc_reveal(f->store, hex), UPL_OK);
    assert_int_equal(upl_store_alloc_reveal(f->store, hex), UPL_REFUSED);
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    upl_randomize_summary s;
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    assert_int_equal(upl_randomize(f->store, &f->secret, NULL, 0, NULL, NULL, &s, &diag),
                     UPL_REFUSED);
    assert_non_null(strstr(diag.msg, "allocation is closed"));
    upl_store_rollback(f->store);
    assert_int_equal(replay(f, &r, &diag), UPL_OK);
    drop_study(f);
}

/* Balance counts by stratum and arm, as status shows them. */
static void test_balance(void **state)
{
    (void)state;
    fixture *f = make_study(blocks, 6);
    randomize(f, NULL, 0);
    upl_alloc_balance b;
    assert_int_equal(upl_store_begin(f->store, 0), UPL_OK);
    assert_int_equal(upl_store_alloc_balance(f->store, &b), UPL_OK);
    upl_store_rollback(f->store);
    assert_int_equal(b.n_arms, 2);
    assert_int_equal(b.n_strata, 2);
    assert_string_equal(b.strata[0], "participant=alice");
    size_t total = 0;
    for (size_t i = 0; i < 4; i++)
        total += b.counts[i];
    assert_int_equal(total, 12);
    /* 6 tasks per participant: blocks of 2, 4 or 6 end at 6 only with a complete block
     * there (2+4, 4+2, 6, 2+2+2), else the 6th task is inside a block of 4 or 6 */
    for (size_t s = 0; s < 2; s++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM allocation WHERE stratum = '%s' AND position = 5 AND "
                 "position - (SELECT min(position) FROM allocation a2 WHERE a2.stratum = "
                 "allocation.stratum AND a2.block = allocation.block) + 1 = block_size",
                 b.strata[s]);
        if (query_int(f, sql) == 1)
            assert_int_equal(b.counts[s * 2], b.counts[s * 2 + 1]);
        for (size_t a = 0; a < 2; a++) {
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM allocation WHERE stratum = '%s' AND arm = '%s'",
                     b.strata[s], b.arms[a]);
            assert_int_equal(b.counts[s * 2 + a], query_int(f, sql));
        }
    }
    upl_alloc_balance_release(&b);
    upl_alloc_balance_release(&b); /* safe on a released struct */
    drop_study(f);
}

/* The stored protocol is parsed once per handle: after its first use the stored text
 * is replaced by YAML that does not parse, and every reader a command runs on the same
 * handle (task import, randomize, the task table, the replay for randomization
 * inference, the CONSORT counts, the balance, the report's protocol) still works on the
 * first parse, while a new handle, which must parse, fails. */
static void test_protocol_parsed_once(void **state)
{
    (void)state;
    fixture *f = make_study(blocks, 4); /* task add has read the protocol */
    const upl_protocol *first = NULL, *again = NULL;
    upl_diag diag = {0};
    assert_int_equal(upl_store_begin(f->store, 0), UPL_OK);
    assert_int_equal(upl_store_protocol(f->store, &first), UPL_OK);
    upl_store_rollback(f->store);
    assert_int_equal(first->scheme, UPL_SCHEME_PERMUTED_BLOCK);
    exec(f, "UPDATE study SET protocol_text = 'title: [unclosed'");

    upl_store *fresh = NULL;
    assert_int_equal(upl_store_open(f->path, UPL_STORE_READONLY, &fresh, &diag), UPL_OK);
    assert_int_equal(upl_store_begin(fresh, 0), UPL_OK);
    assert_int_not_equal(upl_store_protocol(fresh, &again), UPL_OK);
    assert_non_null(strstr(upl_store_errmsg(fresh), "no longer parses"));
    upl_store_close(fresh);

    char csv[128];
    snprintf(csv, sizeof csv, "%s/tasks.csv", f->dir);
    FILE *out = fopen(csv, "w");
    assert_non_null(out);
    fputs("participant,title,forecast_ai_min,forecast_no_ai_min\nbob,imported,20,30\n", out);
    assert_int_equal(fclose(out), 0);
    size_t n = 0;
    assert_int_equal(upl_store_begin(f->store, 1), UPL_OK);
    if (upl_import_tasks_csv(f->store, csv, &n, NULL, NULL, &diag) != UPL_OK)
        fail_msg("import: %s", diag.msg);
    assert_int_equal(n, 1);
    assert_int_equal(upl_store_commit(f->store), UPL_OK);
    assert_int_equal(randomize(f, NULL, 0).assigned, 9);

    upl_dataset ds;
    upl_redraw *redraw = NULL;
    upl_consort consort;
    upl_alloc_balance balance;
    assert_int_equal(upl_store_begin(f->store, 0), UPL_OK);
    assert_int_equal(upl_store_task_table(f->store, NULL, &ds), UPL_OK);
    assert_int_equal(ds.n, 9);
    if (upl_redraw_alloc(f->store, &ds, &redraw, &diag) != UPL_OK)
        fail_msg("redraw: %s", diag.msg);
    assert_int_equal(upl_store_consort(f->store, &consort), UPL_OK);
    assert_int_equal(consort.assigned, 9);
    assert_int_equal(upl_store_alloc_balance(f->store, &balance), UPL_OK);
    assert_int_equal(upl_store_protocol(f->store, &again), UPL_OK);
    assert_ptr_equal(again, first);
    upl_store_rollback(f->store);
    upl_alloc_balance_release(&balance);
    upl_consort_release(&consort);
    upl_redraw_free(redraw);
    upl_dataset_release(&ds);
    drop_study(f);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_complete_batches),
        cmocka_unit_test(test_replay_findings),
        cmocka_unit_test(test_balance),
        cmocka_unit_test(test_protocol_parsed_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
