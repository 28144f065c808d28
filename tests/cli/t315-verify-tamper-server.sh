#!/bin/sh
# `verify` on a PostgreSQL study after edits made behind uplift's back with psql (as the
# database's owner could): an arm, a disabled append-only trigger and a rewritten audit
# row, a redefined view, a planted trigger, rule and index, a dropped trigger.  The server
# refuses an UPDATE or DELETE of audit rows outright; each edit it lets through makes
# verify exit 1 with one line naming it.  The SQLite file's tampering is t310's.
. "$UPLIFT_SRC/tests/cli/lib.sh"
[ "$backend" = postgresql ] || { echo "skip: PostgreSQL-only: t310 tampers with SQLite files"; exit 77; }

up 0 init --protocol "$UPLIFT_SRC/protocols/blocked-by-participant.yaml"
for p in ana ben chloe; do
    up 0 participant add "$p"
done
up 0 task import "$UPLIFT_SRC/data-samples/pilot/tasks.csv"
up 0 forecast --ai 1h --no-ai 2h 11
up 0 forecast --ai 1h --no-ai 2h 12
up 0 randomize
UPLIFT_NOW=2099-01-01T09:00Z up 0 start 3
UPLIFT_NOW=2099-01-01T10:30Z up 0 stop 3
up 0 verify
contains out "audit chain  intact"
contains out "12 draws in 3 strata replayed with the key file"
study_copy study pristine

# the append-only audit: the server refuses, the study is unchanged
before=$(db_state)
study_sql "UPDATE audit SET actor = 'someone' WHERE seq = 2" 2>psql.err && fail "an audit row was updated"
contains psql.err "the audit log is append-only"
study_sql "DELETE FROM audit WHERE seq = 2" 2>psql.err && fail "an audit row was deleted"
study_sql "TRUNCATE audit" 2>psql.err && fail "the audit log was truncated"
[ "$(db_state)" = "$before" ] || fail "a refused edit changed the study"

# tamper NAME SQL: a copy of the pristine study with SQL applied; verify exits 1
tamper() {
    study_copy pristine "$1"
    study_sql "$2" "$(study_addr "$1")" >/dev/null || fail "psql could not apply the $1 edit"
    up 1 --db "$(study_addr "$1")" verify --key-file "$key_file"
    one_error_line
}

tamper arm "UPDATE allocation SET arm = CASE arm WHEN 'ai' THEN 'no_ai' ELSE 'ai' END
    WHERE task_id = 3"
contains err "allocation 3 was changed"
tamper reported "UPDATE task SET forecast_no_ai_min = forecast_no_ai_min * 2 WHERE id = 5"
contains err "task 5 was changed"
tamper audit "ALTER TABLE audit DISABLE TRIGGER audit_no_update;
    UPDATE audit SET actor = 'someone' WHERE seq = 2"
contains err "audit"
tamper view "CREATE OR REPLACE VIEW task_measured AS SELECT task_id,
    2 * SUM(at - prev_at)::DOUBLE PRECISION / 60.0 AS measured_min FROM (SELECT task_id,
    kind, at, LAG(kind) OVER w AS prev_kind, LAG(at) OVER w AS prev_at FROM timing_event
    WINDOW w AS (PARTITION BY task_id ORDER BY at, id)) AS e WHERE kind IN ('pause', 'stop')
    AND prev_kind IN ('start', 'resume') GROUP BY task_id"
contains err "view 'task_measured' differs from the one uplift creates"
tamper trigger "CREATE FUNCTION halve() RETURNS trigger LANGUAGE plpgsql AS
    \$\$ BEGIN NEW.reported_min := NEW.reported_min / 2; RETURN NEW; END \$\$;
    CREATE TRIGGER halve BEFORE UPDATE ON task FOR EACH ROW EXECUTE FUNCTION halve()"
contains err "is not part of uplift's schema"
tamper rule "CREATE RULE drop_events AS ON INSERT TO timing_event DO INSTEAD NOTHING"
contains err "rule 'drop_events' is not part of uplift's schema"
tamper index "CREATE INDEX extra ON task(title)"
contains err "index 'extra' is not part of uplift's schema"
tamper dropped "DROP TRIGGER audit_no_truncate ON audit"
contains err "trigger 'audit_no_truncate' of uplift's schema is missing"
tamper disabled "ALTER TABLE audit DISABLE TRIGGER audit_no_truncate"
contains err "trigger 'audit_no_truncate' differs from the one uplift creates"

# the untouched copy still verifies
up 0 --db "$(study_addr pristine)" verify --key-file "$key_file"
contains out "audit chain  intact"
done_testing
