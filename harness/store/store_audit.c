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
    sqlite3_stmt *stmt = NULL;
    json_t *obj = NULL;
    upl_status rc;
    *out = NULL;
    snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" WHERE rowid = ?", table);
    if ((rc = upl__store_prepare(store, sql, &stmt)) != UPL_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, rowid);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_DONE) {
        rc =
            upl__store_fail(store, UPL_NOTFOUND, "%s %lld does not exist", table, (long long)rowid);
        goto cleanup;
    }
    if (step != SQLITE_ROW) {
        rc = upl__store_sqlfail(store, "cannot read a record for the audit");
        goto cleanup;
    }
    if (!(obj = json_object())) {
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < sqlite3_column_count(stmt); i++) {
        json_t *value;
        switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
            value = json_integer((json_int_t)sqlite3_column_int64(stmt, i));
            break;
        case SQLITE_FLOAT:
            value = json_real(sqlite3_column_double(stmt, i));
            break;
        case SQLITE_NULL:
            value = json_null();
            break;
        default:
            value = json_stringn((const char *)sqlite3_column_text(stmt, i),
                                 (size_t)sqlite3_column_bytes(stmt, i));
            break;
        }
        if (!value || json_object_set_new(obj, sqlite3_column_name(stmt, i), value) != 0) {
            rc = upl__store_fail(store, UPL_NOMEM, "cannot snapshot %s %lld", table,
                                 (long long)rowid);
            goto cleanup;
        }
    }
    if (!(*out = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII)))
        rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
cleanup:
    json_decref(obj);
    sqlite3_finalize(stmt);
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
    sqlite3_stmt *stmt = NULL;
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
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        seq = sqlite3_column_int64(stmt, 0) + 1;
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(stmt, 1));
    } else if (step != SQLITE_DONE) {
        rc = upl__store_sqlfail(store, "cannot read the audit log");
        goto cleanup;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;

    snprintf(entity, sizeof entity, "%s:%lld", table, (long long)rowid);
    int64_t at = upl_store_now(store);
    chain_hash(prev, seq, at, actor, action, entity, detail, hash);
    if ((rc = upl__store_prepare(store,
                                 "INSERT INTO audit (seq, at, actor, action, entity, detail, "
                                 "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                 &stmt)) != UPL_OK)
        goto cleanup;
    sqlite3_bind_int64(stmt, 1, seq);
    sqlite3_bind_int64(stmt, 2, at);
    sqlite3_bind_text(stmt, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, entity, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, hash, -1, SQLITE_STATIC);
    rc = upl__store_step_done(store, stmt, "cannot append to the audit log");
cleanup:
    sqlite3_finalize(stmt);
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
    sqlite3_stmt *stmt = NULL;
    sqlite3_stmt *put = NULL;
    char prev[65] = GENESIS_HASH;
    int64_t expect_seq = 1;
    upl_status rc;

    if ((rc = upl__store_exec(store, "CREATE TEMP TABLE IF NOT EXISTS audit_expected ("
                                     "entity TEXT PRIMARY KEY, detail TEXT, seq INTEGER);"
                                     "DELETE FROM temp.audit_expected")) != UPL_OK)
        return rc;
    if ((rc = upl__store_prepare(store,
                                 "SELECT seq, at, actor, action, entity, detail, prev_hash, hash "
                                 "FROM audit ORDER BY seq",
                                 &stmt)) != UPL_OK ||
        (rc = upl__store_prepare(
             store, "INSERT OR REPLACE INTO temp.audit_expected VALUES (?, ?, ?)", &put)) != UPL_OK)
        goto cleanup;
    int step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(stmt, 0);
        const char *text[6];
        for (int i = 0; i < 6; i++) {
            const unsigned char *t = sqlite3_column_text(stmt, i + 2);
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
        chain_hash(prev, seq, sqlite3_column_int64(stmt, 1), text[0], text[1], text[2], text[3],
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
        sqlite3_bind_text(put, 1, text[2], -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(put, 2, text[3], -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(put, 3, seq);
        if ((rc = upl__store_step_done(store, put, "cannot verify the audit log")) != UPL_OK)
            goto cleanup;
        sqlite3_reset(put);
        expect_seq++;
    }
    if (step != SQLITE_DONE) {
        rc = upl__store_sqlfail(store, "cannot read the audit log");
        goto cleanup;
    }
    *n_rows = (size_t)(expect_seq - 1);
    if (head)
        memcpy(head, prev, sizeof prev);
cleanup:
    sqlite3_finalize(stmt);
    sqlite3_finalize(put);
    return rc;
}

/* Every row of every audited table must equal its last snapshot in the log. */
static upl_status verify_tables(upl_store *store, int64_t *bad_seq)
{
    sqlite3_stmt *rows = NULL;
    sqlite3_stmt *get = NULL;
    char *actual = NULL;
    upl_status rc;
    if ((rc = upl__store_prepare(store,
                                 "SELECT detail, seq FROM temp.audit_expected WHERE entity = ?",
                                 &get)) != UPL_OK)
        return rc;
    for (const char *const *table = upl__store_audited_tables; *table; table++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT rowid FROM \"%s\" ORDER BY rowid", *table);
        if ((rc = upl__store_prepare(store, sql, &rows)) != UPL_OK)
            goto cleanup;
        while (sqlite3_step(rows) == SQLITE_ROW) {
            int64_t rowid = sqlite3_column_int64(rows, 0);
            char entity[96];
            snprintf(entity, sizeof entity, "%s:%lld", *table, (long long)rowid);
            if ((rc = snapshot_row(store, *table, rowid, &actual)) != UPL_OK)
                goto cleanup;
            sqlite3_bind_text(get, 1, entity, -1, SQLITE_STATIC);
            if (sqlite3_step(get) != SQLITE_ROW) {
                *bad_seq = 0;
                rc = upl__store_fail(store, UPL_INTEGRITY,
                                     "%s %lld has no audit record: it was inserted behind "
                                     "uplift's back",
                                     *table, (long long)rowid);
                goto cleanup;
            }
            const char *recorded = (const char *)sqlite3_column_text(get, 0);
            if (strcmp(recorded, actual) != 0) {
                char why[256];
                describe_difference(recorded, actual, why, sizeof why);
                *bad_seq = sqlite3_column_int64(get, 1);
                rc = upl__store_fail(store, UPL_INTEGRITY,
                                     "%s %lld was changed behind uplift's back: %s (audit row "
                                     "%lld)",
                                     *table, (long long)rowid, why, (long long)*bad_seq);
                goto cleanup;
            }
            sqlite3_reset(get);
            free(actual);
            actual = NULL;
        }
        sqlite3_finalize(rows);
        rows = NULL;
    }
    /* A record the log knows that the table no longer has was deleted. */
    sqlite3_finalize(get);
    get = NULL;
    if ((rc = upl__store_prepare(store, "SELECT entity, seq FROM temp.audit_expected ORDER BY seq",
                                 &rows)) != UPL_OK)
        goto cleanup;
    while (sqlite3_step(rows) == SQLITE_ROW) {
        const char *entity = (const char *)sqlite3_column_text(rows, 0);
        const char *colon = strrchr(entity, ':');
        char table[64];
        int len = colon ? (int)(colon - entity) : 0;
        snprintf(table, sizeof table, "%.*s", len, entity);
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT 1 FROM \"%s\" WHERE rowid = %s", table,
                 colon ? colon + 1 : "0");
        if ((rc = upl__store_prepare(store, sql, &get)) != UPL_OK)
            goto cleanup;
        if (sqlite3_step(get) != SQLITE_ROW) {
            *bad_seq = sqlite3_column_int64(rows, 1);
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s %s was deleted behind uplift's back (audit row %lld)", table,
                                 colon ? colon + 1 : "?", (long long)*bad_seq);
            goto cleanup;
        }
        sqlite3_finalize(get);
        get = NULL;
    }
    rc = UPL_OK;
cleanup:
    free(actual);
    sqlite3_finalize(rows);
    sqlite3_finalize(get);
    return rc;
}

/* ---- the schema: exactly the objects uplift creates ---- */

typedef struct schema_object {
    char *type, *name, *tbl_name, *sql; /* sql NULL for automatic indexes */
} schema_object;

typedef struct schema_list {
    schema_object *items;
    size_t n;
} schema_list;

static void schema_list_release(schema_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].type);
        free(l->items[i].name);
        free(l->items[i].tbl_name);
        free(l->items[i].sql);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

/* Every row of db's sqlite_master (the main schema), by type and name. */
static upl_status read_schema(upl_store *store, sqlite3 *db, schema_list *out)
{
    sqlite3_stmt *stmt = NULL;
    upl_status rc = UPL_OK;
    int step;
    memset(out, 0, sizeof *out);
    if (sqlite3_prepare_v2(db,
                           "SELECT type, name, tbl_name, sql FROM main.sqlite_master "
                           "ORDER BY type, name",
                           -1, &stmt, NULL) != SQLITE_OK)
        return upl__store_fail(store, UPL_DB, "cannot read a schema: %s", sqlite3_errmsg(db));
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        schema_object *grown = realloc(out->items, (out->n + 1) * sizeof *grown);
        int failed = 0;
        if (!grown) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
        out->items = grown;
        schema_object *o = &out->items[out->n++];
        o->type = upl__store_column_dup(stmt, 0, &failed);
        o->name = upl__store_column_dup(stmt, 1, &failed);
        o->tbl_name = upl__store_column_dup(stmt, 2, &failed);
        o->sql = upl__store_column_dup(stmt, 3, &failed);
        if (failed || !o->type || !o->name) {
            rc = upl__store_fail(store, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
    }
    if (step != SQLITE_DONE)
        rc = upl__store_fail(store, UPL_DB, "cannot read a schema: %s", sqlite3_errmsg(db));
cleanup:
    sqlite3_finalize(stmt);
    if (rc != UPL_OK)
        schema_list_release(out);
    return rc;
}

/* The schema this build creates: the store's own migrations run on an empty database
 * in memory, so the expected text of every object comes from the same definitions. */
static upl_status expected_schema(upl_store *store, schema_list *out)
{
    sqlite3 *mem = NULL;
    upl_status rc = UPL_OK;
    memset(out, 0, sizeof *out);
    if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = upl__store_fail(store, UPL_NOMEM, "cannot build the expected schema");
        goto cleanup;
    }
    for (size_t v = 0; v < upl__store_migration_count; v++)
        if (sqlite3_exec(mem, upl__store_migrations[v], NULL, NULL, NULL) != SQLITE_OK) {
            rc = upl__store_fail(store, UPL_DB, "cannot build the expected schema: %s",
                                 sqlite3_errmsg(mem));
            goto cleanup;
        }
    rc = read_schema(store, mem, out);
cleanup:
    sqlite3_close(mem);
    return rc;
}

static const schema_object *schema_find(const schema_list *l, const char *type, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].type, type) == 0 && strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    return NULL;
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Every table, index, view and trigger must be the one uplift created, with the same
 * SQL text: a view redefined to return other numbers, a trigger that rewrites what a
 * command stores, a dropped append-only trigger or an extra object is named. */
static upl_status verify_schema(upl_store *store)
{
    schema_list want, have;
    upl_status rc = expected_schema(store, &want);
    if (rc != UPL_OK)
        return rc;
    if ((rc = read_schema(store, store->db, &have)) != UPL_OK) {
        schema_list_release(&want);
        return rc;
    }
    for (size_t i = 0; i < want.n && rc == UPL_OK; i++) {
        const schema_object *w = &want.items[i];
        const schema_object *h = schema_find(&have, w->type, w->name);
        if (!h)
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' of uplift's schema is missing: it was dropped behind "
                                 "uplift's back",
                                 w->type, w->name);
        else if (!same_text(w->tbl_name, h->tbl_name) || !same_text(w->sql, h->sql))
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' differs from the one uplift creates: it was redefined "
                                 "behind uplift's back",
                                 w->type, w->name);
    }
    for (size_t i = 0; i < have.n && rc == UPL_OK; i++) {
        const schema_object *h = &have.items[i];
        if (!schema_find(&want, h->type, h->name))
            rc = upl__store_fail(store, UPL_INTEGRITY,
                                 "%s '%s' is not part of uplift's schema: it was added behind "
                                 "uplift's back",
                                 h->type, h->name);
    }
    schema_list_release(&want);
    schema_list_release(&have);
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
    sqlite3_stmt *stmt = NULL;
    audited_event *ev = NULL;
    size_t n = 0;
    upl_status rc = UPL_OK;
    int step;
    if ((rc = upl__store_prepare(store,
                                 "SELECT detail FROM temp.audit_expected "
                                 "WHERE entity LIKE 'timing\\_event:%' ESCAPE '\\'",
                                 &stmt)) != UPL_OK)
        return rc;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        json_t *snap = json_loads((const char *)sqlite3_column_text(stmt, 0), 0, NULL);
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
    if (step != SQLITE_DONE)
        rc = upl__store_sqlfail(store, "cannot read the audit log");
cleanup:
    sqlite3_finalize(stmt);
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
    sqlite3_stmt *stmt = NULL;
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
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(stmt, 0);
        int64_t want = measured_seconds(ev, n, id);
        int shown_null = sqlite3_column_type(stmt, 1) == SQLITE_NULL;
        double shown = sqlite3_column_double(stmt, 1);
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
    if (step != SQLITE_DONE)
        rc = upl__store_sqlfail(store, "cannot read the measured times");
cleanup:
    sqlite3_finalize(stmt);
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
        rc = verify_schema(store);
    if (rc == UPL_OK)
        rc = verify_measured(store);
    if (n_rows)
        *n_rows = n;
    if (bad_seq)
        *bad_seq = bad;
    return rc;
}
