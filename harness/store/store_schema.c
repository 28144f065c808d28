/* The study schema, created and migrated by version (PRAGMA user_version).  Migration
 * N takes a database at version N-1 to N; a database newer than this build is refused. */
#include <stddef.h>
#include <string.h>

#include "store_schema.h"

/* Timestamps are INTEGER seconds since the epoch, UTC.  Durations are REAL minutes. */
static const char schema_v1[] =
    "CREATE TABLE study ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  uid TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  protocol_text TEXT NOT NULL,"
    "  protocol_hash TEXT NOT NULL,"
    "  commitment TEXT NOT NULL,"
    "  rng_name TEXT NOT NULL,"
    "  revealed_secret TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  allocation_closed_at INTEGER"
    ");"
    "CREATE TABLE participant ("
    "  id INTEGER PRIMARY KEY,"
    "  handle TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE participant_attr ("
    "  id INTEGER PRIMARY KEY,"
    "  participant_id INTEGER NOT NULL REFERENCES participant(id),"
    "  key TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  UNIQUE (participant_id, key)"
    ");"
    "CREATE TABLE task ("
    "  id INTEGER PRIMARY KEY,"
    "  participant_id INTEGER NOT NULL REFERENCES participant(id),"
    "  seq INTEGER NOT NULL," /* order of the task among its participant's tasks */
    "  title TEXT NOT NULL,"
    "  category TEXT,"
    "  url TEXT,"
    "  forecast_ai_min REAL CHECK (forecast_ai_min > 0),"
    "  forecast_no_ai_min REAL CHECK (forecast_no_ai_min > 0),"
    "  forecast_at INTEGER,"
    "  status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN"
    "    ('planned','assigned','in_progress','done','excluded','abandoned')),"
    "  excluded_reason TEXT,"
    "  reported_min REAL CHECK (reported_min > 0),"
    "  post_review_min REAL CHECK (post_review_min >= 0),"
    "  perceived_pct REAL,"
    "  ai_used INTEGER CHECK (ai_used IN (0, 1)),"
    "  done_at INTEGER,"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (participant_id, seq)"
    ");"
    "CREATE TABLE task_covariate ("
    "  id INTEGER PRIMARY KEY,"
    "  task_id INTEGER NOT NULL REFERENCES task(id),"
    "  name TEXT NOT NULL,"
    "  value TEXT NOT NULL,"
    "  UNIQUE (task_id, name)"
    ");"
    "CREATE TABLE allocation ("
    "  task_id INTEGER PRIMARY KEY REFERENCES task(id),"
    "  arm TEXT NOT NULL,"
    "  scheme TEXT NOT NULL,"
    "  stratum TEXT NOT NULL,"
    "  position INTEGER NOT NULL," /* 0-based draw number within the stratum */
    "  block INTEGER,"             /* permuted-block: block number and size */
    "  block_size INTEGER,"
    "  batch INTEGER," /* complete: the randomize run that drew it */
    "  assigned_at INTEGER NOT NULL,"
    "  UNIQUE (stratum, position)"
    ");"
    "CREATE TABLE timing_event ("
    "  id INTEGER PRIMARY KEY,"
    "  task_id INTEGER NOT NULL REFERENCES task(id),"
    "  kind TEXT NOT NULL CHECK (kind IN ('start','pause','resume','stop')),"
    "  at INTEGER NOT NULL,"
    "  recorded_at INTEGER NOT NULL,"
    "  manual INTEGER NOT NULL DEFAULT 0 CHECK (manual IN (0, 1))"
    ");"
    "CREATE INDEX timing_event_task ON timing_event(task_id, at, id);"
    /* Measured active time: the sum of closed running intervals, i.e. of each pause or
     * stop minus the start or resume just before it. */
    "CREATE VIEW task_measured AS"
    "  SELECT task_id, SUM(at - prev_at) / 60.0 AS measured_min FROM ("
    "    SELECT task_id, kind, at,"
    "      LAG(kind) OVER w AS prev_kind, LAG(at) OVER w AS prev_at"
    "    FROM timing_event WINDOW w AS (PARTITION BY task_id ORDER BY at, id))"
    "  WHERE kind IN ('pause', 'stop') AND prev_kind IN ('start', 'resume')"
    "  GROUP BY task_id;"
    "CREATE TABLE prediction ("
    "  id INTEGER PRIMARY KEY,"
    "  grp TEXT NOT NULL,"
    "  pct REAL NOT NULL,"
    "  source TEXT,"
    "  created_at INTEGER NOT NULL"
    ");"
    /* Append-only, hash-chained log of every change: seq 1, 2, ... without gaps. */
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  entity TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  prev_hash TEXT NOT NULL,"
    "  hash TEXT NOT NULL"
    ");"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

const char *const upl__store_migrations[] = {schema_v1};
const size_t upl__store_migration_count =
    sizeof upl__store_migrations / sizeof upl__store_migrations[0];

/* Tables whose rows the audit log snapshots, and verify compares, by their key column
 * (the audit names a record table:key). */
const upl_audited_table upl__store_audited_tables[] = {
    {"study", "id"},        {"participant", "id"},    {"participant_attr", "id"},
    {"task", "id"},         {"task_covariate", "id"}, {"allocation", "task_id"},
    {"timing_event", "id"}, {"prediction", "id"},     {NULL, NULL}};

const char *upl__store_table_key(const char *table)
{
    for (const upl_audited_table *t = upl__store_audited_tables; t->name; t++)
        if (strcmp(t->name, table) == 0)
            return t->key;
    return NULL;
}
