/* The audit log: an append-only, hash-chained record of every change.
 *
 * Each row holds a snapshot of the changed record (all its columns, as canonical JSON)
 * and hash = SHA-256(prev_hash, seq, at, actor, action, entity, detail).  Verification
 * walks the chain and then compares every row of every audited table with the last
 * snapshot the log holds for it, so an edit made behind uplift's back (an arm, a
 * forecast, a timestamp) shows up as a mismatch, and a deleted or altered log row as a
 * broken link.  Then the schema must be exactly the one uplift creates (no redefined
 * view, no added trigger), and the derived values the study shows (measured time) must
 * be the ones the chained records give. */
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_schema.h"

#define GENESIS_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* Canonical JSON of one row: every column, keys sorted, numbers as SQLite holds them. */
static upl_status snapshot_row(upl_store *store, const char *table, int64_t rowid, char **out)
{
    char sql[160];
    upl_sql_stmt *stmt = NULL;
    json_t *obj = NULL;
    upl_status rc;
    const char *key = upl__store_table_key(table);
    *out = NULL;
    if (!key)
        return upl__store_fail(store, UPL_INVALID, "'%s' is not an audited table", table);
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" WHERE \"%s\" = ?", table, key);
    if ((rc = upl__store_prepare(store, sql, &stmt)) != UPL_OK)
        return rc;
    upl__sql_bind_int64(stmt, 1, rowid);
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_DONE) {
        rc =
            upl__store_fail(store, UPL_NOTFOUND, "%s %lld does not exist", table, (long long)rowid);
        goto cleanup;
    }
    if (step != UPL_SQL_ROW) {
        rc = upl__store_sqlfail(store, "cannot read a record for the audit");
        goto cleanup;
    }
    if (!(obj = json_object())) {
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < upl__sql_column_count(stmt); i++) {
        json_t *value;
        switch (upl__sql_column_type(stmt, i)) {
        case UPL_SQL_INTEGER:
            value = json_integer((json_int_t)upl__sql_column_int64(stmt, i));
            break;
        case UPL_SQL_FLOAT:
            value = json_real(upl__sql_column_double(stmt, i));
            break;
        case UPL_SQL_NULL:
            value = json_null();
            break;
        default:
            value = json_stringn(upl__sql_column_text(stmt, i), upl__sql_column_bytes(stmt, i));
            break;
        }
        if (!value || json_object_set_new(obj, upl__sql_column_name(stmt, i), value) != 0) {
            rc = upl__store_fail(store, UPL_NOMEM, "cannot snapshot %s %lld", table,
                                 (long long)rowid);
            goto cleanup;
        }
    }
    if (!(*out = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)))
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
cleanup:
    json_decref(obj);
    upl__sql_finalize(stmt);
    return rc;
}

static void chain_hash(const char *prev, int64_t seq, int64_t at, const char *actor,
                       const char *action, const char *entity, const char *detail, char hex[65])
{
    crypto_hash_sha256_state st;
    unsigned char digest[crypto_hash_sha256_BYTES];
    char num[48];
    const unsigned char sep = 0x1f; /* unit separator: no field can fake a boundary */
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)prev, strlen(prev));
    snprintf(num, sizeof num, "%c%lld%c%lld%c", sep, (long long)seq, sep, (long long)at, sep);
    crypto_hash_sha256_update(&st, (const unsigned char *)num, strlen(num));
    const char *fields[4] = {actor, action, entity, detail};
    for (int i = 0; i < 4; i++) {
        crypto_hash_sha256_update(&st, (const unsigned char *)fields[i], strlen(fields[i]));
        crypto_hash_sha256_update(&st, &sep, 1);
    }
    crypto_hash_sha256_final(&st, digest);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

upl_status upl__store_audit(upl_store *store, const char *actor, const char *action,
                            const char *table, int64_t rowid)
{
    upl_sql_stmt *stmt = NULL;
    char *detail = NULL;
    char prev[65] = GENESIS_HASH;
    char hash[65];
    char entity[96];
    int64_t seq = 1;
    upl_status rc;

    if ((rc = snapshot_row(store, table, rowid, &detail)) != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    int step = upl__sql_step(stmt);
    if (step == UPL_SQL_ROW) {
        seq = upl__sql_column_int64(stmt, 0) + 1;
        snprintf(prev, sizeof prev, "%s", (const char *)upl__sql_column_text(stmt, 1));
    } else if (step != UPL_SQL_DONE) {
        rc = upl__store_sqlfail(store, "cannot read the audit log");
        goto cleanup;
    }
    upl__sql_finalize(stmt);
    stmt = NULL;

    snprintf(entity, sizeof entity, "%s:%lld", table, (long long)rowid);
    int64_t at = upl_store_now(store);
    chain_hash(prev, seq, at, actor, action, entity, detail, hash);
    if ((rc = upl__store_prepare(store,
                                 "INSERT INTO audit (seq, at, actor, action, entity, detail, "
                                 "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    upl__sql_bind_int64(stmt, 1, seq);
    upl__sql_bind_int64(stmt, 2, at);
    upl__sql_bind_text(stmt, 3, actor);
    upl__sql_bind_text(stmt, 4, action);
    upl__sql_bind_text(stmt, 5, entity);
    upl__sql_bind_text(stmt, 6, detail);
    upl__sql_bind_text(stmt, 7, prev);
    upl__sql_bind_text(stmt, 8, hash);
    rc = upl__store_step_done(store, stmt, "cannot append to the audit log");
cleanup:
    upl__sql_finalize(stmt);
    free(detail);
    return rc;
}

/* Names the first column whose value differs between two snapshots. */
static void describe_difference(const char *recorded, const char *actual, char *buf, size_t size)
{
    json_t *a = json_loads(recorded, 0, NULL);
    json_t *b = json_loads(actual, 0, NULL);
    const char *key;
    json_t *va;
    snprintf(buf, size, "its columns differ");
    if (a && b) {
        json_object_foreach(a, key, va)
        {
            json_t *vb = json_object_get(b, key);
            if (!vb || !json_equal(va, vb)) {
                char *sa = json_dumps(va, JSON_ENCODE_ANY);
                char *sb = vb ? json_dumps(vb, JSON_ENCODE_ANY) : NULL;
                snprintf(buf, size, "column '%s' is %s but the audit recorded %s", key,
                         sb ? sb : "missing", sa ? sa : "?");
                free(sa);
                free(sb);
                break;
            }
        }
    }
    json_decref(a);
    json_decref(b);
}

static upl_status verify_chain(upl_store *store, size_t *n_rows, int64_t *bad_seq, char *head)
{
    upl_sql_stmt *stmt = NULL;
    upl_sql_stmt *put = NULL;
    char prev[65] = GENESIS_HASH;
    int64_t expect_seq = 1;
    upl_status rc;

    if ((rc = upl__store_exec(store, "CREATE TEMP TABLE IF NOT EXISTS audit_expected ("
                                     "entity TEXT PRIMARY KEY, detail TEXT, seq INTEGER);"
                                     "DELETE FROM audit_expected")) != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store,
                                 "SELECT seq, at, actor, action, entity, detail, prev_hash, hash "
                                 "FROM audit ORDER BY seq",
                                 &stmt)) != UPL_OK ||
        (rc = upl__store_prepare(
             store,
             "INSERT INTO audit_expected VALUES (?, ?, ?) ON CONFLICT (entity) DO UPDATE SET "
             "detail = excluded.detail, seq = excluded.seq",
             &put)) != UPL_OK)
        goto cleanup;
    int step;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        int64_t seq = upl__sql_column_int64(stmt, 0);
        const char *text[6];
        for (int i = 0; i < 6; i++) {
            const char *t = upl__sql_column_text(stmt, i + 2);
            text[i] = t ? (const char *)t : "";
        }
        char hash[65];
        if (seq != expect_seq) {
            *bad_seq = expect_seq;
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "audit row %lld is missing (the next row is %lld)",
                                 (long long)expect_seq, (long long)seq);
            goto cleanup;
        }
        if (strcmp(text[4], prev) != 0) {
            *bad_seq = seq;
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "audit row %lld does not link to row %lld: its prev_hash is "
                                 "not the previous row's hash",
                                 (long long)seq, (long long)(seq - 1));
            goto cleanup;
        }
        chain_hash(prev, seq, upl__sql_column_int64(stmt, 1), text[0], text[1], text[2], text[3],
                   hash);
        if (strcmp(hash, text[5]) != 0) {
            *bad_seq = seq;
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "audit row %lld (%s %s) was altered: its hash does not match "
                                 "its content",
                                 (long long)seq, text[1], text[2]);
            goto cleanup;
        }
        memcpy(prev, hash, sizeof prev);
        upl__sql_bind_text(put, 1, text[2]);
        upl__sql_bind_text(put, 2, text[3]);
        upl__sql_bind_int64(put, 3, seq);
        if ((rc = upl__store_step_done(store, put, "cannot verify the audit log")) != UPL_OK)
            goto cleanup;
        upl__sql_reset(put);
        expect_seq++;
    }
    if (step != UPL_SQL_DONE) {
        rc = upl__store_sqlfail(store, "cannot read the audit log");
        goto cleanup;
    }
    *n_rows = (size_t)(expect_seq - 1);
    if (head)
        memcpy(head, prev, sizeof prev);
cleanup:
    upl__sql_finalize(stmt);
    upl__sql_finalize(put);
    return rc;
}

/* Every row of every audited table must equal its last snapshot in the log. */
static upl_status verify_tables(upl_store *store, int64_t *bad_seq)
{
    upl_sql_stmt *rows = NULL;
    upl_sql_stmt *get = NULL;
    char *actual = NULL;
    upl_status rc;
    if ((rc = upl__store_prepare(store, "SELECT detail, seq FROM audit_expected WHERE entity = ?",
                                 &get)) != UPL_OK)
        return rc;
    for (const upl_audited_table *t = upl__store_audited_tables; t->name; t++) {
        const char *const *table = &t->name;
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT \"%s\" FROM \"%s\" ORDER BY 1", t->key, t->name);
        if ((rc = upl__store_prepare(store, sql, &rows)) != UPL_OK)
            goto cleanup;
        while (upl__sql_step(rows) == UPL_SQL_ROW) {
            int64_t rowid = upl__sql_column_int64(rows, 0);
            char entity[96];
            snprintf(entity, sizeof entity, "%s:%lld", *table, (long long)rowid);
            if ((rc = snapshot_row(store, *table, rowid, &actual)) != UPL_OK)
                goto cleanup;
            upl__sql_bind_text(get, 1, entity);
            if (upl__sql_step(get) != UPL_SQL_ROW) {
                *bad_seq = 0;
                rc = upl__store_fail(store, UPL_INTEGRITY,
                                     "%s %lld has no audit record: it was inserted behind "
                                     "uplift's back",
                                     *table, (long long)rowid);
                goto cleanup;
            }
            const char *recorded = (const char *)upl__sql_column_text(get, 0);
            if (strcmp(recorded, actual) != 0) {
                char why[256];
                describe_difference(recorded, actual, why, sizeof why);
                *bad_seq = upl__sql_column_int64(get, 1);
                rc = upl__store_fail(store, UPL_INTEGRITY,
                                     "%s %lld was changed behind uplift's back: %s (audit row "
                                     "%lld)",
                                     *table, (long long)rowid, why, (long long)*bad_seq);
                goto cleanup;
            }
            upl__sql_reset(get);
            free(actual);
            actual = NULL;
        }
        upl__sql_finalize(rows);
        rows = NULL;
    }
    /* A record the log knows that the table no longer has was deleted. */
    upl__sql_finalize(get);
    get = NULL;
    if ((rc = upl__store_prepare(store, "SELECT entity, seq FROM audit_expected ORDER BY seq",
                                 &rows)) != UPL_OK)
        goto cleanup;
    while (upl__sql_step(rows) == UPL_SQL_ROW) {
        const char *entity = (const char *)upl__sql_column_text(rows, 0);
        const char *colon = strrchr(entity, ':');
        char table[64];
        int len = colon ? (int)(colon - entity) : 0;
        snprintf(table, sizeof table, "%.*s", len, entity);
        const char *key = upl__store_table_key(table);
        if (!key || !colon) {
            *bad_seq = upl__sql_column_int64(rows, 1);
            rc = upl__store_fail(store, UPL_INTEGRITY, "audit row %lld names '%s', not a record",
                                 (long long)*bad_seq, entity);
            goto cleanup;
        }
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" WHERE \"%s\" = %lld", table, key,
                 strtoll(colon + 1, NULL, 10));
        if ((rc = upl__store_prepare(store, sql, &get)) != UPL_OK)
            goto cleanup;
        if (upl__sql_step(get) != UPL_SQL_ROW) {
            *bad_seq = upl__sql_column_int64(rows, 1);
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s %s was deleted behind uplift's back (audit row %lld)", table,
                                 colon ? colon + 1 : "?", (long long)*bad_seq);
            goto cleanup;
        }
        upl__sql_finalize(get);
        get = NULL;
    }
    rc = UPL_OK;
cleanup:
    free(actual);
    upl__sql_finalize(rows);
    upl__sql_finalize(get);
    return rc;
}

/* ---- derived values, recomputed from the chained records ---- */

typedef struct audited_event {
    int64_t task_id, at, id;
    int closes; /* pause or stop */
    int opens;  /* start or resume */
} audited_event;

static int event_order(const void *pa, const void *pb)
{
    const audited_event *a = pa, *b = pb;
    if (a->task_id != b->task_id)
        return a->task_id < b->task_id ? -1 : 1;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The timing events as the audit log recorded them (the last snapshot of each), in
 * task and time order. */
static upl_status audited_events(upl_store *store, audited_event **out, size_t *n_out)
{
    upl_sql_stmt *stmt = NULL;
    audited_event *ev = NULL;
    size_t n = 0;
    upl_status rc = UPL_OK;
    int step;
    if ((rc = upl__store_prepare(store,
                                 "SELECT detail FROM audit_expected "
                                 "WHERE entity LIKE 'timing\\_event:%' ESCAPE '\\'",
                                 &stmt)) != UPL_OK)
        return rc;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        json_t *snap = json_loads((const char *)upl__sql_column_text(stmt, 0), 0, NULL);
        const char *kind = json_string_value(json_object_get(snap, "kind"));
        audited_event *grown = realloc(ev, (n + 1) * sizeof *grown);
        if (!grown || !snap || !kind) {
            json_decref(snap);
            rc = grown ? upl__store_fail(store, UPL_INTEGRITY,
                                         "an audited timing event is not a snapshot of one")
                       : upl__store_fail(store, UPL_NOMEM, "out of memory");
            if (grown)
                ev = grown;
            goto cleanup;
        }
        ev = grown;
        ev[n].task_id = (int64_t)json_integer_value(json_object_get(snap, "task_id"));
        ev[n].at = (int64_t)json_integer_value(json_object_get(snap, "at"));
        ev[n].id = (int64_t)json_integer_value(json_object_get(snap, "id"));
        ev[n].closes = strcmp(kind, "pause") == 0 || strcmp(kind, "stop") == 0;
        ev[n].opens = strcmp(kind, "start") == 0 || strcmp(kind, "resume") == 0;
        n++;
        json_decref(snap);
    }
    if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot read the audit log");
cleanup:
    upl__sql_finalize(stmt);
    if (rc != UPL_OK) {
        free(ev);
        return rc;
    }
    if (n)
        qsort(ev, n, sizeof *ev, event_order);
    *out = ev;
    *n_out = n;
    return UPL_OK;
}

/* Measured seconds of task_id from the sorted events: every pause or stop minus the
 * start or resume just before it (the definition the task table shows).  -1: none. */
static int64_t measured_seconds(const audited_event *ev, size_t n, int64_t task_id)
{
    int64_t total = -1;
    for (size_t i = 1; i < n; i++)
        if (ev[i].task_id == task_id && ev[i - 1].task_id == task_id && ev[i].closes &&
            ev[i - 1].opens)
            total = (total < 0 ? 0 : total) + (ev[i].at - ev[i - 1].at);
    return total;
}

/* The measured time every task shows (what task list, task show and export read) must
 * be the one its chained timing events give. */
static upl_status verify_measured(upl_store *store)
{
    upl_sql_stmt *stmt = NULL;
    audited_event *ev = NULL;
    size_t n = 0;
    upl_status rc = audited_events(store, &ev, &n);
    int step;
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store,
                                 "SELECT t.id, m.measured_min FROM task t "
                                 "LEFT JOIN task_measured m ON m.task_id = t.id ORDER BY t.id",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    while ((step = upl__sql_step(stmt)) == UPL_SQL_ROW) {
        int64_t id = upl__sql_column_int64(stmt, 0);
        int64_t want = measured_seconds(ev, n, id);
        int shown_null = upl__sql_column_type(stmt, 1) == UPL_SQL_NULL;
        double shown = upl__sql_column_double(stmt, 1);
        if (shown_null ? want < 0 : want >= 0 && llround(shown * 60.0) == want)
            continue;
        char a[32], b[32];
        if (shown_null)
            snprintf(a, sizeof a, "none");
        else
            snprintf(a, sizeof a, "%.6g min", shown);
        if (want < 0)
            snprintf(b, sizeof b, "none");
        else
            snprintf(b, sizeof b, "%.6g min", (double)want / 60.0);
        rc = upl__store_fail(store, UPL_INTEGRITY,
                             "task %lld shows a measured time of %s but its audited timing "
                             "events give %s",
                             (long long)id, a, b);
        goto cleanup;
    }
    if (step != UPL_SQL_DONE)
        rc = upl__store_sqlfail(store, "cannot read the measured times");
cleanup:
    upl__sql_finalize(stmt);
    free(ev);
    return rc;
}

upl_status upl_store_audit_verify(upl_store *store, size_t *n_rows, int64_t *bad_seq,
                                  char *head_hex)
{
    size_t n = 0;
    int64_t bad = 0;
    upl_status rc = verify_chain(store, &n, &bad, head_hex);
    if (rc == UPL_OK)
        rc = verify_tables(store, &bad);
    if (rc == UPL_OK)
        rc = store->backend->verify_schema(store);
    if (rc == UPL_OK)
        rc = verify_measured(store);
    if (n_rows)
        *n_rows = n;
    if (bad_seq)
        *bad_seq = bad;
    return rc;
}
