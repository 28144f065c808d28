#!/bin/sh
# `verify` after edits made behind uplift's back with sqlite3: an arm, a forecast, a
# timestamp, a deleted audit row (after dropping the append-only trigger, as an attacker
# would), a redefined view, a planted trigger, an extra index, and an arm changed with
# the whole audit chain rewritten to match.  Each exits 1
# and names the row; the untouched study exits 0.  Then reveal and verify without a key.
. "$UPLIFT_SRC/tests/cli/lib.sh"
sqlite_only "tampers with copies of the study file (cp, sqlite3 edits, a rewrite through Python's sqlite3)"

up 0 init --protocol "$UPLIFT_SRC/protocols/blocked-by-participant.yaml"
for p in ana ben chloe; do
    up 0 participant add "$p"
done
up 0 task import "$UPLIFT_SRC/data-samples/pilot/tasks.csv"
up 0 forecast --ai 1h --no-ai 2h 11
up 0 forecast --ai 1h --no-ai 2h 12
up 0 randomize
contains err "randomized 12 tasks"
# 90 measured minutes on task 3 and a self-report on task 4 (a clock after the
# assignment, whatever today is)
UPLIFT_NOW=2099-01-01T09:00Z up 0 start 3
UPLIFT_NOW=2099-01-01T10:30Z up 0 stop 3
UPLIFT_NOW=2099-01-01T11:00Z up 0 start 4
UPLIFT_NOW=2099-01-01T11:30Z up 0 stop 4

up 0 verify
contains out "audit chain  intact"
contains out "12 draws in 3 strata replayed with the key file"
head=$(awk '/^audit chain/ { print $NF }' out)
[ "$(printf '%s' "$head" | wc -c)" -eq 64 ] || fail "verify printed no head hash"
up 0 verify --json
[ "$(json_get out 'd["ok"]')" = True ] || fail "json ok"
[ "$(json_get out 'd["audit"]["head"]')" = "$head" ] || fail "json head"
[ "$(json_get out 'd["allocation"]["checked"]')" = 12 ] || fail "json checked"
cp study.db pristine.db

# tamper NAME SQL: a copy of the pristine study with SQL applied
tamper() {
    cp pristine.db "$1.db"
    sqlite3 "$1.db" "$2" || fail "sqlite3 could not apply the $1 edit"
}
check() { # NAME: verify exits 1 with one error line
    up 1 --db "$1.db" verify --key-file study.db.key
    one_error_line
}

# 1. an arm
tamper arm "UPDATE allocation SET arm = CASE arm WHEN 'ai' THEN 'no_ai' ELSE 'ai' END
    WHERE task_id = 3"
check arm
contains err "allocation 3 was changed"
contains err "column 'arm'"
contains out "MISMATCH"
up 1 --db arm.db verify --key-file study.db.key --json
[ "$(json_get out 'd["allocation"]["bad_task"]')" = 3 ] || fail "replay did not name task 3"
[ "$(json_get out 'd["audit"]["ok"]')" = False ] || fail "audit did not flag the arm"

# 2. a forecast
tamper forecast "UPDATE task SET forecast_no_ai_min = forecast_no_ai_min * 2 WHERE id = 5"
check forecast
contains err "task 5 was changed"
contains err "forecast_no_ai_min"

# 3. a timestamp: the assignment moved before the forecasts
tamper timestamp "UPDATE allocation SET assigned_at = assigned_at - 86400 WHERE task_id = 7"
check timestamp
contains err "allocation 7 was changed"
contains err "assigned_at"
up 1 --db timestamp.db verify --key-file study.db.key --json
[ "$(json_get out 'd["allocation"]["bad_task"]')" = 7 ] || fail "replay did not name task 7"
json_get out 'd["allocation"]["error"]' >why
contains why "after the assignment"

# 4. a deleted audit row
tamper deleted "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 10"
check deleted
contains err "audit row 10 is missing"

# 5. the triggers alone dropped
tamper trigger "DROP TRIGGER audit_no_update"
check trigger
contains err "trigger 'audit_no_update' of uplift's schema is missing"

# 6. the view that sums measured time redefined to report 1 minute: the schema check
#    names the view, and the measured time recomputed from the chained timing events
#    disagrees with what the task table shows
tamper view "DROP VIEW task_measured; CREATE VIEW task_measured AS
    SELECT task_id, 1.0 AS measured_min FROM timing_event GROUP BY task_id"
up 0 --db view.db export
grep -q '^3,.*,1,' out || fail "the redefined view did not reach the export"
check view
contains err "view 'task_measured' differs from the one uplift creates"

# 7. a trigger planted to rewrite a participant's reported time (30 typed, 60 stored):
#    uplift's own statements never run it, so 30 is stored and chained; verify names the
#    trigger; the attacker's own rewrite then mismatches the chained record
tamper planted "CREATE TRIGGER inflate AFTER UPDATE OF reported_min ON task
    BEGIN UPDATE task SET reported_min = 60 WHERE id = NEW.id; END"
up 0 --db planted.db done 4 --time 30 --no-review
[ "$(sqlite3 planted.db 'SELECT reported_min FROM task WHERE id = 4')" = 30.0 ] ||
    fail "a planted trigger rewrote what 'done' stored"
check planted
contains err "trigger 'inflate' is not part of uplift's schema"
sqlite3 planted.db "DROP TRIGGER inflate; UPDATE task SET reported_min = 60 WHERE id = 4"
check planted
contains err "task 4 was changed behind uplift's back: column 'reported_min' is 60.0 but the audit recorded 30.0"

# 8. any extra object is named: an index
tamper index "CREATE INDEX sneaky ON task(title)"
check index
contains err "index 'sneaky' is not part of uplift's schema"

# 9. an arm flipped and the whole chain rewritten to match (the attacker knows the hash
#    format): the audit walk passes, the head hash differs from the published one, and
#    replaying the draws with the key names the task.
cp pristine.db rewrite.db
python3 - rewrite.db <<'EOF' || fail "could not rewrite the chain"
import hashlib, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
trigger = db.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_no_update'").fetchone()[0]
db.execute("DROP TRIGGER audit_no_update")
db.execute("UPDATE allocation SET arm = CASE arm WHEN 'ai' THEN 'no_ai' ELSE 'ai' END "
           "WHERE task_id = 9")
cur = db.execute("SELECT * FROM allocation WHERE task_id = 9")
names = [c[0] for c in cur.description]
snap = json.dumps(dict(zip(names, cur.fetchone())), sort_keys=True, separators=(",", ":"))
seq = db.execute("SELECT max(seq) FROM audit WHERE entity = 'allocation:9'").fetchone()[0]
db.execute("UPDATE audit SET detail = ? WHERE seq = ?", (snap, seq))
prev = "0" * 64
sep = "\x1f"
for row in db.execute("SELECT seq, at, actor, action, entity, detail FROM audit ORDER BY seq").fetchall():
    s, at, actor, action, entity, detail = row
    text = prev + sep + str(s) + sep + str(at) + sep + "".join(f + sep for f in (actor, action, entity, detail))
    h = hashlib.sha256(text.encode()).hexdigest()
    db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, s))
    prev = h
db.execute(trigger)  # its exact text: the schema check passes too
db.commit()
EOF
up 1 --db rewrite.db verify --key-file study.db.key
one_error_line
contains out "audit chain  intact"
contains err "task 9"
contains err "recorded arm"
rewritten_head=$(awk '/^audit chain/ { print $NF }' out)
[ "$rewritten_head" != "$head" ] || fail "a rewritten chain kept the published head"

# untouched: still intact, and verify changed nothing
before=$(db_state pristine.db)
up 0 --db pristine.db verify --key-file study.db.key
[ "$before" = "$(db_state pristine.db)" ] || fail "verify changed the study"

# without a key and before reveal: the chain is checked, the allocation is not replayed
mv study.db.key hidden.key
up 0 verify
contains out "not replayed"
up 0 verify --json
[ "$(json_get out 'd["allocation"]["replayed"]')" = False ] || fail "replayed without a key"

# reveal: wrong key refused, right key publishes the secret and closes allocation
up 0 --db other.db init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml" --key-file other.key
before=$(db_state)
up 1 reveal --key-file other.key
one_error_line
contains err "does not match"
[ "$before" = "$(db_state)" ] || fail "a refused reveal changed the study"
chmod 644 hidden.key
up 1 reveal --key-file hidden.key
contains err "chmod 600"
chmod 600 hidden.key
# tasks of this study are still in progress: reveal refuses them unless --force
up 1 reveal --key-file hidden.key
contains err "in progress"
up 0 reveal --key-file hidden.key --force
contains out "$(cat hidden.key)"
up 1 reveal --key-file hidden.key
contains err "revealed already"

# after reveal anyone verifies without the key file
up 0 verify
contains out "replayed with the revealed secret"
up 0 status --json
[ "$(json_get out 'd["study"]["revealed"]')" = True ] || fail "status does not show the reveal"

# and no task can be randomized any more
up 0 task add --participant ana --title "late task" --forecast-ai 1h --forecast-no-ai 1h
before=$(db_state)
up 1 randomize --key-file hidden.key
one_error_line
contains err "allocation is closed"
[ "$before" = "$(db_state)" ] || fail "randomize after reveal changed the study"

done_testing
