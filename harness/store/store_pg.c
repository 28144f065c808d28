/* The PostgreSQL backend of the store: a study is one database (its current schema),
 * reached through libpq with a connection URI and libpq's own environment (PGHOST,
 * PGUSER, PGPASSFILE, sslmode, service files).
 *
 * The write lock: a write transaction takes one transaction-scoped advisory lock, so
 * writers run one at a time as on SQLite and the audit chain stays serial; it waits up to
 * the store's wait (lock_timeout), then fails with UPL_BUSY.  A reader runs in a
 * REPEATABLE READ transaction: one consistent snapshot, never waiting for a writer.
 *
 * Statements are sent with PQexecParams, values as text; the `?` and `?N` placeholders
 * the store writes become $N here. */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"
#include "store_schema.h"

/* The advisory lock key of a study's write lock ("UPLF" as in the SQLite file's mark). */
#define WRITE_LOCK_KEY 0x55504c46

/* Type OIDs of PostgreSQL's catalog (pg_type.dat), fixed across versions. */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_OID = 26,
    OID_TEXT = 25,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700
};

/* The last failure on the connection, as last_error() reports it. */
typedef struct pg_state {
    PGconn *conn;
    upl_status status;
    char message[400];
} pg_state;

typedef struct pg_stmt {
    upl_sql_stmt base;
    char *sql;           /* with $N placeholders */
    int n_params;        /* the highest placeholder number */
    unsigned char *used; /* used[i]: $i+1 appears in sql */
    char **values;       /* NULL: SQL NULL */
    Oid *types;          /* of each value as bound; 0 (the server infers it) for NULL */
    PGresult *result;
    int row, n_rows;
    int64_t changes;
} pg_stmt;

#define STATE(store) ((pg_state *)(store)->conn)
#define PG(store)    (STATE(store)->conn)
#define STMT(s)      ((pg_stmt *)(s))

/* SQLSTATE classes and codes to statuses: a constraint is refused, a lock that could not
 * be had is busy, a missing privilege is refused (the server enforces who may do what). */
static upl_status map_sqlstate(const char *state)
{
    if (!state)
        return UPL_DB;
    if (strncmp(state, "23", 2) == 0) /* integrity constraint violation */
        return UPL_REFUSED;
    if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0) /* lock not available, serialization, deadlock */
        return UPL_BUSY;
    if (strcmp(state, "42501") == 0) /* insufficient privilege */
        return UPL_REFUSED;
    if (strncmp(state, "08", 2) == 0) /* connection exception */
        return UPL_IO;
    if (strcmp(state, "53200") == 0) /* out of memory */
        return UPL_NOMEM;
    return UPL_DB;
}

/* Records the failure of res (or of the connection when res is NULL). */
static void record_failure(upl_store *store, const PGresult *res)
{
    pg_state *st = STATE(store);
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(st->conn);
    st->status = res ? map_sqlstate(PQresultErrorField(res, PG_DIAG_SQLSTATE)) : UPL_IO;
    snprintf(st->message, sizeof st->message, "%s", msg && *msg ? msg : "unknown error");
    size_t len = strlen(st->message);
    while (len && (st->message[len - 1] == '\n' || st->message[len - 1] == ' '))
        st->message[--len] = '\0';
}

static upl_status pg_last_error(upl_store *store, const char **message)
{
    if (!STATE(store)) {
        *message = "out of memory";
        return UPL_NOMEM;
    }
    *message = STATE(store)->message;
    return STATE(store)->status;
}

static int result_ok(const PGresult *res)
{
    ExecStatusType s = PQresultStatus(res);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static upl_status pg_exec(upl_store *store, const char *sql)
{
    PGresult *res = PQexec(PG(store), sql);
    upl_status rc = UPL_OK;
    if (!res || !result_ok(res)) {
        record_failure(store, res);
        rc = upl__store_fail(store, STATE(store)->status, "%s", STATE(store)->message);
    }
    PQclear(res);
    return rc;
}

/* Rewrites `?` and `?N` outside quotes to $N; notes the highest number and which occur. */
static upl_status translate(upl_store *store, const char *sql, pg_stmt *s)
{
    size_t len = strlen(sql);
    char *out = malloc(len * 4 + 1);
    int next = 0;
    size_t o = 0;
    char quote = 0;
    unsigned char seen[100] = {0};
    if (!out)
        return upl__store_fail(store, UPL_NOMEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        char c = sql[i];
        if (quote) {
            if (c == quote)
                quote = 0;
            out[o++] = c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            out[o++] = c;
            continue;
        }
        if (c != '?') {
            out[o++] = c;
            continue;
        }
        int n = 0;
        size_t j = i + 1;
        while (j < len && sql[j] >= '0' && sql[j] <= '9' && n < 1000)
            n = n * 10 + (sql[j++] - '0');
        if (j == i + 1)
            n = ++next;
        i = j - 1;
        if (n < 1 || n >= (int)sizeof seen) {
            free(out);
            return upl__store_fail(store, UPL_INVALID, "a query has parameter %d", n);
        }
        seen[n] = 1;
        if (n > s->n_params)
            s->n_params = n;
        o += (size_t)snprintf(out + o, len * 4 + 1 - o, "$%d", n);
    }
    out[o] = '\0';
    s->sql = out;
    if (s->n_params) {
        s->values = calloc((size_t)s->n_params, sizeof *s->values);
        s->used = calloc((size_t)s->n_params, 1);
        s->types = calloc((size_t)s->n_params, sizeof *s->types);
        if (!s->values || !s->used || !s->types)
            return upl__store_fail(store, UPL_NOMEM, "out of memory");
        for (int i = 0; i < s->n_params; i++)
            s->used[i] = seen[i + 1];
    }
    return UPL_OK;
}

static void pg_finalize(upl_sql_stmt *base)
{
    pg_stmt *s = STMT(base);
    PQclear(s->result);
    for (int i = 0; i < s->n_params && s->values; i++)
        free(s->values[i]);
    free(s->values);
    free(s->used);
    free(s->types);
    free(s->sql);
    free(s);
}

static upl_status pg_prepare(upl_store *store, const char *sql, upl_sql_stmt **out)
{
    pg_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return upl__store_fail(store, UPL_NOMEM, "out of memory");
    s->base.backend = &upl__store_postgresql;
    s->base.store = store;
    upl_status rc = translate(store, sql, s);
    if (rc != UPL_OK) {
        pg_finalize(&s->base);
        return rc;
    }
    *out = &s->base;
    return UPL_OK;
}

static int pg_step(upl_sql_stmt *base)
{
    pg_stmt *s = STMT(base);
    upl_store *store = base->store;
    if (!s->result) {
        /* Each value is sent with the type it was bound as; a NULL, and a parameter the
         * text never names, are left for the server to infer from the statement (so the
         * store writes CAST(?1 AS TEXT) IS NULL where nothing else tells the type). */
        Oid types[100];
        for (int i = 0; i < s->n_params; i++)
            types[i] = s->used[i] ? s->types[i] : OID_TEXT;
        s->result = PQexecParams(PG(store), s->sql, s->n_params, s->n_params ? types : NULL,
                                 (const char *const *)s->values, NULL, NULL, 0);
        if (!s->result || !result_ok(s->result)) {
            record_failure(store, s->result);
            PQclear(s->result);
            s->result = NULL;
            return UPL_SQL_ERROR;
        }
        s->row = -1;
        s->n_rows = PQresultStatus(s->result) == PGRES_TUPLES_OK ? PQntuples(s->result) : 0;
        const char *tuples = PQcmdTuples(s->result);
        s->changes = tuples && *tuples ? strtoll(tuples, NULL, 10) : 0;
    }
    if (s->row + 1 < s->n_rows) {
        s->row++;
        return UPL_SQL_ROW;
    }
    s->row = s->n_rows;
    return UPL_SQL_DONE;
}

static void pg_reset(upl_sql_stmt *base)
{
    PQclear(STMT(base)->result);
    STMT(base)->result = NULL;
}

static int64_t pg_changes(upl_sql_stmt *base)
{
    return STMT(base)->changes;
}

static int set_value(upl_sql_stmt *base, int i, char *value, int null, Oid type)
{
    pg_stmt *s = STMT(base);
    if (i < 1 || i > s->n_params || (!value && !null)) {
        free(value);
        return -1;
    }
    free(s->values[i - 1]);
    s->values[i - 1] = value;
    s->types[i - 1] = null ? 0 : type;
    return 0;
}

static int pg_bind_int64(upl_sql_stmt *s, int i, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    return set_value(s, i, strdup(buf), 0, OID_INT8);
}

static int pg_bind_double(upl_sql_stmt *s, int i, double v)
{
    if (isnan(v))
        return set_value(s, i, NULL, 1, 0);
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", v); /* round-trips exactly */
    return set_value(s, i, strdup(buf), 0, OID_FLOAT8);
}

static int pg_bind_text(upl_sql_stmt *s, int i, const char *text)
{
    return set_value(s, i, text ? strdup(text) : NULL, text == NULL, OID_TEXT);
}

static int pg_bind_null(upl_sql_stmt *s, int i)
{
    return set_value(s, i, NULL, 1, 0);
}

static int pg_bind_parameter_count(upl_sql_stmt *s)
{
    return STMT(s)->n_params;
}

static int pg_column_count(upl_sql_stmt *s)
{
    return STMT(s)->result ? PQnfields(STMT(s)->result) : 0;
}

static const char *pg_column_name(upl_sql_stmt *s, int i)
{
    return PQfname(STMT(s)->result, i);
}

static int has_value(pg_stmt *s, int i)
{
    return s->result && s->row >= 0 && s->row < s->n_rows && !PQgetisnull(s->result, s->row, i);
}

static upl_sql_type pg_column_type(upl_sql_stmt *base, int i)
{
    pg_stmt *s = STMT(base);
    if (!has_value(s, i))
        return UPL_SQL_NULL;
    switch (PQftype(s->result, i)) {
    case OID_BOOL:
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_OID:
        return UPL_SQL_INTEGER;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return UPL_SQL_FLOAT;
    default:
        return UPL_SQL_TEXT;
    }
}

static const char *pg_column_text(upl_sql_stmt *base, int i)
{
    pg_stmt *s = STMT(base);
    return has_value(s, i) ? PQgetvalue(s->result, s->row, i) : NULL;
}

static int64_t pg_column_int64(upl_sql_stmt *base, int i)
{
    const char *text = pg_column_text(base, i);
    if (!text)
        return 0;
    if (PQftype(STMT(base)->result, i) == OID_BOOL)
        return text[0] == 't';
    return strtoll(text, NULL, 10);
}

static double pg_column_double(upl_sql_stmt *base, int i)
{
    const char *text = pg_column_text(base, i);
    if (!text)
        return 0.0;
    if (PQftype(STMT(base)->result, i) == OID_BOOL)
        return text[0] == 't';
    return strtod(text, NULL);
}

static size_t pg_column_bytes(upl_sql_stmt *base, int i)
{
    pg_stmt *s = STMT(base);
    return has_value(s, i) ? (size_t)PQgetlength(s->result, s->row, i) : 0;
}

/* ---- opening: identity, migration ---- */

static upl_status query_int(upl_store *store, const char *sql, int64_t *value)
{
    upl_sql_stmt *stmt = NULL;
    upl_status rc = pg_prepare(store, sql, &stmt);
    if (rc != UPL_OK)
        return rc;
    if (pg_step(stmt) == UPL_SQL_ROW)
        *value = pg_column_int64(stmt, 0);
    else
        rc = upl__store_sqlfail(store, "cannot read the database's catalog");
    pg_finalize(stmt);
    return rc;
}

/* Is the database (its current schema) a study?  A schema with no relations at all is
 * one only to create a study in; anything else is another application's, refused as it
 * is.  Reads, never writes. */
static upl_status check_identity(upl_store *store, int create, int64_t *version)
{
    int64_t objects = 0, marked = 0;
    upl_status rc;
    *version = 0;
    if ((rc = query_int(store,
                        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE n.nspname = current_schema()",
                        &objects)) != UPL_OK ||
        (rc = query_int(store, "SELECT to_regclass('uplift_schema') IS NOT NULL", &marked)) !=
            UPL_OK)
        return rc;
    if (marked)
        return query_int(store,
                         "SELECT max(version) FROM uplift_schema WHERE application = "
                         "'uplift'",
                         version);
    if (objects == 0)
        return create ? UPL_OK
                      : upl__store_fail(store, UPL_INVALID,
                                        "'%s' is not an uplift study (an empty database)",
                                        store->path);
    return upl__store_fail(store, UPL_INVALID,
                           "'%s' is not an uplift study (a PostgreSQL database of another "
                           "application)",
                           store->path);
}

static upl_status pg_begin(upl_store *store, int write);
static upl_status pg_commit(upl_store *store);
static void pg_rollback(upl_store *store);

static upl_status migrate(upl_store *store, unsigned flags, upl_diag *diag)
{
    int64_t version = 0;
    upl_status rc = check_identity(store, (flags & UPL_STORE_CREATE) != 0, &version);
    if (rc != UPL_OK)
        return upl_diag_set(diag, rc, "%s", store->errmsg);
    if (version > (int64_t)upl__store_pg_migration_count)
        return upl_diag_set(diag, UPL_UNSUPPORTED,
                            "cannot open study '%s': it has schema version %lld, newer than "
                            "this uplift (%zu): upgrade uplift",
                            store->path, (long long)version, upl__store_pg_migration_count);
    if (version == (int64_t)upl__store_pg_migration_count)
        return UPL_OK;
    if (store->readonly)
        return upl_diag_set(diag, UPL_UNSUPPORTED,
                            "cannot open study '%s': it has schema version %lld and needs an "
                            "upgrade: run any command that changes the study",
                            store->path, (long long)version);
    /* under the write lock, read the version again: another process may have migrated */
    if ((rc = pg_begin(store, 1)) != UPL_OK)
        goto fail;
    if ((rc = check_identity(store, (flags & UPL_STORE_CREATE) != 0, &version)) != UPL_OK)
        goto fail;
    for (size_t v = (size_t)version; v < upl__store_pg_migration_count; v++)
        for (const char *const *script = upl__store_pg_migrations[v]; *script; script++)
            if ((rc = pg_exec(store, *script)) != UPL_OK)
                goto fail;
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE uplift_schema SET version = %zu",
             upl__store_pg_migration_count);
    if ((rc = pg_exec(store, sql)) != UPL_OK || (rc = pg_commit(store)) != UPL_OK)
        goto fail;
    return UPL_OK;
fail:
    pg_rollback(store);
    return upl_diag_set(diag, rc, "cannot open study '%s': %s", store->path, store->errmsg);
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static upl_status pg_open(upl_store *store, unsigned flags, upl_diag *diag)
{
    pg_state *st = calloc(1, sizeof *st);
    if (!st)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    store->conn = st;
    st->conn = PQconnectdb(store->path);
    if (!st->conn)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    if (PQstatus(st->conn) != CONNECTION_OK) {
        record_failure(store, NULL);
        return upl_diag_set(diag, UPL_IO, "cannot open study '%s': %s", store->path, st->message);
    }
    PQsetNoticeProcessor(st->conn, ignore_notice, NULL);
    upl_status rc = pg_exec(store, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'");
    if (rc != UPL_OK)
        return upl_diag_set(diag, rc, "cannot open study '%s': %s", store->path, store->errmsg);
    return migrate(store, flags, diag);
}

static void pg_close(upl_store *store)
{
    pg_state *st = STATE(store);
    if (st)
        PQfinish(st->conn);
    free(st);
    store->conn = NULL;
}

/* ---- transactions ---- */

static upl_status pg_begin(upl_store *store, int write)
{
    char sql[192];
    if (!write)
        return pg_exec(store, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    upl_status rc = pg_exec(store, "BEGIN ISOLATION LEVEL READ COMMITTED");
    if (rc != UPL_OK)
        return rc;
    if (store->wait_ms == 0)
        snprintf(sql, sizeof sql, "SELECT pg_try_advisory_xact_lock(%d)", WRITE_LOCK_KEY);
    else
        snprintf(sql, sizeof sql,
                 "SET LOCAL lock_timeout = %u; SELECT pg_advisory_xact_lock(%d), true",
                 store->wait_ms, WRITE_LOCK_KEY);
    PGresult *res = PQexec(PG(store), sql);
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
        record_failure(store, res);
        rc = STATE(store)->status;
    } else if (strcmp(PQgetvalue(res, 0, PQnfields(res) - 1), "t") != 0) {
        rc = UPL_BUSY;
    }
    PQclear(res);
    if (rc != UPL_OK)
        pg_rollback(store);
    return rc;
}

static upl_status pg_commit(upl_store *store)
{
    PGresult *res = PQexec(PG(store), "COMMIT");
    upl_status rc = UPL_OK;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        record_failure(store, res);
        rc = upl__store_fail(store, STATE(store)->status, "%s", STATE(store)->message);
    } else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
        /* a transaction that had failed: PostgreSQL ends it with a rollback */
        rc = upl__store_fail(store, UPL_DB, "the transaction had failed and was rolled back");
    }
    PQclear(res);
    return rc;
}

static void pg_rollback(upl_store *store)
{
    PQclear(PQexec(PG(store), "ROLLBACK"));
}

const upl_store_backend upl__store_postgresql = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .last_error = pg_last_error,
    .verify_schema = upl__pg_verify_schema,
    .step = pg_step,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .changes = pg_changes,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .bind_parameter_count = pg_bind_parameter_count,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .column_type = pg_column_type,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_bytes = pg_column_bytes,
};
