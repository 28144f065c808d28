#!/bin/sh
# Concealment rules at the command line: randomize refuses tasks without both forecasts,
# excluded and assigned tasks, unknown tasks, a key others can read and a missing key;
# forecast refuses assigned tasks; none of them changes the database.  Then status shows
# the balance by arm and stratum, and randomize TASK draws one task at a time.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/jagged-frontier.yaml"
for p in ana ben; do
    up 0 participant add "$p"
done
{
    echo "participant,title,category"
    echo "ana,a1,bug"
    echo "ana,a2,feature"
    echo "ana,a3,bug"
    echo "ben,b1,bug"
    echo "ben,b2,bug"
} >noforecast.csv
up 0 task import noforecast.csv

# before any forecast: exit 1, a clear message, nothing changed
before=$(db_state)
up 1 randomize
one_error_line
contains err "no task is ready to randomize: 5 tasks lack forecasts"
[ "$before" = "$(db_state)" ] || fail "randomize before forecasts changed the study"
up 1 randomize 2
one_error_line
contains err "task 2 cannot be randomized: it has no forecasts yet"
[ "$before" = "$(db_state)" ] || fail "randomize TASK before forecasts changed the study"

up 0 forecast --ai 30 --no-ai 45 1
up 0 forecast --ai 1h --no-ai 1h 2
up 0 forecast --ai 20m --no-ai 25m 4
up 0 forecast --ai 50 --no-ai 60 5
up 0 exclude --reason "duplicate" 5

# named tasks: all or none
before=$(db_state)
up 1 randomize 1 3
one_error_line
contains err "task 3 cannot be randomized"
up 1 randomize 1 5
contains err "task 5 cannot be randomized: it is excluded"
up 1 randomize 1 99
contains err "no task 99"
up 1 randomize 1 1
contains err "named twice"
[ "$before" = "$(db_state)" ] || fail "a refused randomize TASK changed the study"
up 2 randomize nonsense
one_error_line

# the key: missing, readable by others, malformed
up 1 randomize --key-file nowhere.key
contains err "no key file 'nowhere.key'"
chmod 640 "$key_file"
up 1 randomize
contains err "chmod 600"
chmod 600 "$key_file"
printf 'not a key\n' >bad.key
chmod 600 bad.key
up 1 randomize --key-file bad.key
contains err "malformed"
[ "$before" = "$(db_state)" ] || fail "a refused key changed the study"

# one task at a time, then the rest of the batch
up 0 randomize 2
contains out "task 2"
contains err "randomized 1 task in 1 stratum"
up 0 randomize --json
[ "$(json_get out 'd["assigned"]')" = 2 ] || fail "batch did not assign tasks 1 and 4"
[ "$(json_get out 'sorted(t["task_id"] for t in d["tasks"])')" = "[1, 4]" ] || fail "batch tasks"
[ "$(json_get out 'd["waiting_for_forecasts"]')" = 1 ] || fail "task 3 should still wait"
contains err "1 task still waits for forecasts"

# strata: participant and category, positions per stratum
study_sql "SELECT task_id, stratum, position FROM allocation ORDER BY task_id" >strata
cat >expected <<'EOF'
1|participant=ana;category=bug|0
2|participant=ana;category=feature|0
4|participant=ben;category=bug|0
EOF
cmp -s strata expected || { diff expected strata >&2; fail "strata or positions"; }

# forecast after assignment: refused, nothing changed
before=$(db_state)
up 1 forecast --ai 10 --no-ai 10 1
one_error_line
contains err "already assigned"
[ "$before" = "$(db_state)" ] || fail "forecast after assignment changed the study"
up 1 randomize 1
contains err "task 1 cannot be randomized: it is assigned already"
[ "$before" = "$(db_state)" ] || fail "randomize of an assigned task changed the study"

# nothing left but a task without forecasts: exit 1; after its forecast, exit 0
up 1 randomize
up 0 forecast --ai 10 --no-ai 15 3
up 0 randomize
contains err "randomized 1 task"
study_sql "SELECT position FROM allocation WHERE task_id = 3" >pos
[ "$(cat pos)" = 1 ] || fail "task 3 should take position 1 of ana's bug stratum"
up 0 randomize
contains err "nothing to randomize"

# status: balance by arm and stratum
up 0 status
contains out "balance by stratum"
contains out "participant=ana;category=bug"
contains out "participant=ben;category=bug"
up 0 status --json
[ "$(json_get out 'len(d["balance"]["strata"])')" = 3 ] || fail "three strata"
[ "$(json_get out 'sum(d["balance"]["arms"].values())')" = 4 ] || fail "four allocations"
[ "$(json_get out '[s["total"] for s in d["balance"]["strata"]]')" = "[2, 1, 1]" ] ||
    fail "stratum totals"
# ana's bug stratum is one complete block of 2 (block sizes 2 and 4) or half of a 4
study_sql "SELECT block_size FROM allocation WHERE task_id = 1" >bs
case "$(cat bs)" in 2 | 4) ;; *) fail "block size $(cat bs) is not declared" ;; esac
if [ "$(cat bs)" = 2 ]; then
    [ "$(json_get out 'sorted(d["balance"]["strata"][0]["arms"].values())')" = "[1, 1]" ] ||
        fail "a complete block of 2 is not balanced"
fi

up 0 verify
contains out "4 draws in 3 strata"

done_testing
