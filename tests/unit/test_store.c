/* The study store: creation, refusals, rollback and the audit log's tamper checks.
 * Runs against real SQLite files in a scratch directory. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store_internal.h"
#include "uplift/protocol_parse.h"
#include "uplift/store.h"

static char db_path[256];

static const char *protocol_path(void)
{
    static char path[512];
    const char *src = getenv("UPLIFT_SRC");
    snprintf(path, sizeof path, "%s/protocols/metr-2025.yaml", src ? src : "..");
    return path;
}

static void remove_db(void)
{
    char p[300];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

/* A study with participants ana and ben and two tasks of ana's (one forecast). */
static upl_store *make_study(void)
{
    upl_store *store = NULL;
    upl_protocol protocol = {0};
    char *text = NULL;
    upl_diag diag = {0};
    snprintf(db_path, sizeof db_path, "test_store_%ld.db", (long)getpid());
    remove_db();
    assert_int_equal(upl_protocol_load(protocol_path(), &protocol, &text, &diag), UPL_OK);
    assert_int_equal(upl_store_open(db_path, UPL_STORE_CREATE, &store, &diag), UPL_OK);
    upl_store_set_clock(store, 1772359200); /* 2026-03-01T10:00:00Z */
    assert_int_equal(upl_store_begin(store, 1), UPL_OK);
    assert_int_equal(upl_store_study_create(store, &protocol, text,
                                            "00112233445566778899aabbccddeeff00112233445566778899"
                                            "aabbccddeeff",
                                            "mt19937", NULL),
                     UPL_OK);
    assert_int_equal(upl_store_participant_add(store, "ana", NULL, 0, NULL), UPL_OK);
    assert_int_equal(upl_store_participant_add(store, "ben", NULL, 0, NULL), UPL_OK);
    upl_task_new t = {
        .participant = "ana", .title = "first", .forecast_ai_min = 30, .forecast_no_ai_min = 45.5};
    int64_t id;
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_OK);
    assert_int_equal(id, 1);
    t.title = "second";
    t.forecast_ai_min = NAN;
    t.forecast_no_ai_min = NAN;
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_OK);
    assert_int_equal(upl_store_commit(store), UPL_OK);
    upl_protocol_release(&protocol);
    free(text);
    return store;
}

static void exec_sql(const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
}

static void verify_fails_with(const char *fragment, int64_t expect_seq)
{
    upl_store *store = NULL;
    upl_diag diag = {0};
    size_t n = 0;
    int64_t bad = -1;
    assert_int_equal(upl_store_open(db_path, UPL_STORE_READONLY, &store, &diag), UPL_OK);
    assert_int_equal(upl_store_begin(store, 0), UPL_OK);
    assert_int_equal(upl_store_audit_verify(store, &n, &bad, NULL), UPL_INTEGRITY);
    if (!strstr(upl_store_errmsg(store), fragment))
        fail_msg("message '%s' lacks '%s'", upl_store_errmsg(store), fragment);
    if (expect_seq >= 0)
        assert_int_equal(bad, expect_seq);
    upl_store_close(store);
}

/* The task table's map (uplift/task.h) is the one list of columns: each has its name,
 * in order, and the store knows where to read it from. */
static void test_every_column_has_a_source(void **state)
{
    (void)state;
    assert_int_equal(UPL_TASK_COLUMNS, 15);
    assert_int_equal(UPL_TASK_SHARED_COLUMNS, 13);
    assert_string_equal(upl_task_columns[UPL_COL_TASK_ID], "task_id");
    assert_string_equal(upl_task_columns[UPL_COL_PERCEIVED_PCT], "perceived_pct");
    assert_string_equal(upl_task_columns[UPL_COL_URL], "url");
    for (int c = 0; c < UPL_TASK_COLUMNS; c++) {
        const char *sql = upl__store_task_column_sql((upl_task_column)c);
        assert_non_null(sql);
        /* the expression reads the column of that name (the measured time from its view) */
        assert_non_null(strstr(sql, c == UPL_COL_TASK_ID       ? "id"
                                    : c == UPL_COL_PARTICIPANT ? "handle"
                                                               : upl_task_columns[c]));
    }
    assert_null(upl__store_task_column_sql(UPL_TASK_COLUMNS));
}

static void test_open_missing_file_fails(void **state)
{
    (void)state;
    upl_store *store = (upl_store *)1;
    upl_diag diag = {0};
    assert_int_not_equal(upl_store_open("no/such/dir/x.db", 0, &store, &diag), UPL_OK);
    assert_null(store);
    assert_non_null(strstr(diag.msg, "cannot open study 'no/such/dir/x.db'"));
}

static void test_newer_schema_is_refused(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("PRAGMA user_version = 99");
    upl_store *store = NULL;
    upl_diag diag = {0};
    assert_int_equal(upl_store_open(db_path, 0, &store, &diag), UPL_UNSUPPORTED);
    assert_non_null(strstr(diag.msg, "newer than this uplift"));
    remove_db();
}

static void test_study_once(void **state)
{
    (void)state;
    upl_store *store = make_study();
    upl_protocol protocol = {0};
    char *text = NULL;
    upl_diag diag = {0};
    assert_int_equal(upl_protocol_load(protocol_path(), &protocol, &text, &diag), UPL_OK);
    assert_int_equal(upl_store_begin(store, 1), UPL_OK);
    assert_int_equal(upl_store_study_create(store, &protocol, text, "00", "mt19937", NULL),
                     UPL_EXISTS);
    upl_store_rollback(store);
    upl_study_info info;
    assert_int_equal(upl_store_begin(store, 0), UPL_OK);
    assert_int_equal(upl_store_study_get(store, &info), UPL_OK);
    assert_string_equal(info.protocol_hash, protocol.hash);
    assert_int_equal(info.created_at, 1772359200);
    assert_null(info.revealed_secret);
    upl_study_info_release(&info);
    upl_store_close(store);
    upl_protocol_release(&protocol);
    free(text);
    remove_db();
}

static void test_refusals_leave_no_trace(void **state)
{
    (void)state;
    upl_store *store = make_study();
    int64_t id;
    assert_int_equal(upl_store_begin(store, 1), UPL_OK);
    assert_int_equal(upl_store_participant_add(store, "ana", NULL, 0, NULL), UPL_EXISTS);
    assert_int_equal(upl_store_participant_add(store, "bad handle", NULL, 0, NULL), UPL_INVALID);
    assert_int_equal(upl_store_participant_add(store, "coordinator", NULL, 0, NULL), UPL_INVALID);
    upl_task_new t = {
        .participant = "zed", .title = "x", .forecast_ai_min = NAN, .forecast_no_ai_min = NAN};
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_NOTFOUND);
    assert_non_null(strstr(upl_store_errmsg(store), "unknown participant 'zed'"));
    assert_int_equal(upl_store_why(store)->reason, UPL_REASON_NO_PARTICIPANT);
    assert_string_equal(upl_store_why(store)->name, "zed");
    /* a handle that could never be added gets no reason to add it */
    t.participant = "no such handle";
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_NOTFOUND);
    assert_int_equal(upl_store_why(store)->reason, UPL_REASON_NONE);
    assert_string_equal(upl_store_why(store)->name, "");
    t.participant = "zed";
    t.participant = "ben";
    t.forecast_ai_min = 10; /* only one forecast */
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_INVALID);
    t.forecast_no_ai_min = -3;
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_INVALID);
    upl_attr cov = {"no_such_covariate", "1"};
    t.forecast_ai_min = NAN;
    t.forecast_no_ai_min = NAN;
    t.covariates = &cov;
    t.n_covariates = 1;
    assert_int_equal(upl_store_task_add(store, &t, &id), UPL_INVALID);
    assert_int_equal(upl_store_task_forecast(store, 99, 10, 20), UPL_NOTFOUND);
    assert_int_equal(upl_store_task_exclude(store, 1, "", 0), UPL_INVALID);
    assert_int_equal(upl_store_task_exclude(store, 1, "never assigned", 1), UPL_REFUSED);
    /* a successful change inside the same transaction, then roll back: nothing stays */
    assert_int_equal(upl_store_task_exclude(store, 1, "dup", 0), UPL_OK);
    upl_store_rollback(store);

    upl_consort c;
    assert_int_equal(upl_store_begin(store, 0), UPL_OK);
    assert_int_equal(upl_store_consort(store, &c), UPL_OK);
    assert_int_equal(c.participants, 2);
    assert_int_equal(c.enrolled, 2);
    assert_int_equal(c.forecast, 1);
    assert_int_equal(c.excluded, 0);
    upl_consort_release(&c);
    size_t n = 0;
    assert_int_equal(upl_store_audit_verify(store, &n, NULL, NULL), UPL_OK);
    assert_int_equal(n, 5); /* study, two participants, two tasks */
    /* a write outside a write transaction is refused */
    assert_int_equal(upl_store_task_forecast(store, 2, 10, 20), UPL_INVALID);
    upl_store_close(store);
    remove_db();
}

static void test_forecast_and_exclude(void **state)
{
    (void)state;
    upl_store *store = make_study();
    upl_task_info info;
    assert_int_equal(upl_store_begin(store, 1), UPL_OK);
    assert_int_equal(upl_store_task_forecast(store, 2, 60, 75), UPL_OK);
    assert_int_equal(upl_store_task_exclude(store, 2, "duplicate", 0), UPL_OK);
    assert_int_equal(upl_store_task_forecast(store, 2, 60, 75), UPL_REFUSED);
    assert_int_equal(upl_store_task_exclude(store, 2, "again", 0), UPL_REFUSED);
    assert_int_equal(upl_store_commit(store), UPL_OK);
    assert_int_equal(upl_store_begin(store, 0), UPL_OK);
    assert_int_equal(upl_store_task_get(store, 2, &info), UPL_OK);
    assert_true(islessgreater(info.forecast_ai_min, 60.0) == 0);
    assert_true(islessgreater(info.forecast_no_ai_min, 75.0) == 0);
    assert_int_equal(info.status, UPL_TASK_EXCLUDED);
    assert_string_equal(info.excluded_reason, "duplicate");
    assert_string_equal(info.participant, "ana");
    assert_null(info.arm);
    upl_task_info_release(&info);
    upl_dataset ds;
    assert_int_equal(upl_store_task_table(store, NULL, &ds), UPL_OK);
    assert_int_equal(ds.n, 2);
    assert_string_equal(ds.task_id[1], "2");
    assert_true(islessgreater(ds.forecast_no_ai_min[0], 45.5) == 0);
    assert_int_equal(ds.n_arms, 2);
    assert_string_equal(ds.arms[ds.control], "no_ai");
    upl_dataset_release(&ds);
    upl_store_close(store);
    remove_db();
}

/* Edits behind uplift's back are found, with the row named. */
static void test_audit_detects_edited_forecast(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("UPDATE task SET forecast_no_ai_min = 50 WHERE id = 1");
    verify_fails_with("task 1 was changed behind uplift's back: column 'forecast_no_ai_min' is "
                      "50.0 but the audit recorded 45.5",
                      4);
    remove_db();
}

static void test_audit_detects_inserted_row(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("INSERT INTO participant (handle, created_at) VALUES ('mallory', 0)");
    verify_fails_with("participant 3 has no audit record", 0);
    remove_db();
}

static void test_audit_detects_deleted_record(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("DELETE FROM task WHERE id = 2");
    verify_fails_with("task 2 was deleted", 5);
    remove_db();
}

static void test_audit_detects_deleted_log_row(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 3");
    verify_fails_with("audit row 3 is missing", 3);
    remove_db();
}

static void test_audit_detects_edited_log_row(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'ben' WHERE seq = 2");
    verify_fails_with("audit row 2 (participant.add participant:1) was altered", 2);
    remove_db();
}

static void test_audit_detects_dropped_trigger(void **state)
{
    (void)state;
    upl_store_close(make_study());
    exec_sql("DROP TRIGGER audit_no_update");
    verify_fails_with("trigger 'audit_no_update' of uplift's schema is missing", -1);
    remove_db();
}

static void test_audit_log_is_append_only(void **state)
{
    (void)state;
    upl_store_close(make_study());
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
    remove_db();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_missing_file_fails),
        cmocka_unit_test(test_newer_schema_is_refused),
        cmocka_unit_test(test_study_once),
        cmocka_unit_test(test_refusals_leave_no_trace),
        cmocka_unit_test(test_forecast_and_exclude),
        cmocka_unit_test(test_audit_detects_edited_forecast),
        cmocka_unit_test(test_audit_detects_inserted_row),
        cmocka_unit_test(test_audit_detects_deleted_record),
        cmocka_unit_test(test_audit_detects_deleted_log_row),
        cmocka_unit_test(test_audit_detects_edited_log_row),
        cmocka_unit_test(test_audit_detects_dropped_trigger),
        cmocka_unit_test(test_audit_log_is_append_only),
        cmocka_unit_test(test_every_column_has_a_source),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
