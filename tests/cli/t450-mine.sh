#!/bin/sh
# uplift mine: a participant's own tasks, open ones by default, with the arm in words
# once drawn, the timer's state, the time so far and what to type next; --all adds
# the closed ones; --json the same as one array.  Whose tasks: --participant, else
# $UPLIFT_PARTICIPANT.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol metr-2025
UPLIFT_NOW=2026-03-01T08:00Z
export UPLIFT_NOW
up 0 participant add ana
up 0 participant add ben
for t in one two three four five six; do
    up 0 task add --participant ana --title "$t" --forecast-ai 1h --forecast-no-ai 2h
done
up 0 task add --participant ben --title "ben's task" --forecast-ai 1h --forecast-no-ai 2h
up 0 randomize
up 0 task add --participant ana --title "waits for the draw" --forecast-ai 1h --forecast-no-ai 2h
up 0 task add --participant ana --title "needs a forecast"

# 1 running, 2 paused, 3 stopped, 4 done with the review pending, 5 done, 6 excluded
UPLIFT_NOW=2026-03-01T11:10Z
up 0 start 2 --at 08:10
up 0 pause 2 --at 08:20
up 0 start 3 --at 08:30
up 0 stop 3 --at 09:15
up 0 start 1 --at 09:30
up 0 pause 1 --at 10:00
up 0 resume 1 --at 10:30
up 0 done 4 --time 1h --review-pending
up 0 done 5 --time 1h
up 0 exclude 6 --reason "duplicate"

# whose tasks: said, or a usage error
unset UPLIFT_PARTICIPANT
up 2 mine
one_error_line
contains err "--participant HANDLE, or set \$UPLIFT_PARTICIPANT"
up 1 mine --participant nobody
one_error_line
contains err "unknown participant 'nobody'"

up 0 mine --participant ana
contains out "ID TIMER"
# the running task counts its open stretch: 9:30-10:00 and 10:30-11:10 = 70 min
grep -E '^ +1 running +70  AI (not )?allowed \((no_)?ai\) +one +uplift pause 1, or uplift stop 1$' out ||
    fail "task 1 is not shown running with 70 min"
grep -E '^ +2 paused +10 ' out | grep -q 'uplift resume 2$' || fail "task 2 is not paused"
grep -E '^ +3 stopped +45 ' out | grep -q 'uplift done 3 --time DUR$' || fail "task 3 is not stopped"
grep -E '^ +4 done +- ' out | grep -q 'uplift done 4 --post-review DUR (or --no-review)$' ||
    fail "task 4's pending review is not shown"
grep -E '^ +8 not started +- +- +waits for the draw +wait for the draw' out ||
    fail "task 8 does not wait for the draw"
grep -E '^ +9 not started +- +- +needs a forecast +uplift forecast 9 --ai DUR --no-ai DUR$' out ||
    fail "task 9 does not ask for a forecast"
lacks out "ben's task"
lacks out " five "
lacks out " six "
[ "$(wc -l <out)" -eq 7 ] || fail "mine shows other than 6 open tasks"

# $UPLIFT_PARTICIPANT names the participant, --participant wins over it
UPLIFT_PARTICIPANT=ana up 0 mine
cp out by-env
UPLIFT_PARTICIPANT=ben up 0 mine --participant ana
cmp -s out by-env || fail "--participant does not win over \$UPLIFT_PARTICIPANT"
UPLIFT_PARTICIPANT=ben up 0 mine
contains out "ben's task"
lacks out " one "

up 0 mine --participant ana --all
grep -E '^ +5 done +- ' out || fail "--all lacks the done task"
grep -E '^ +6 excluded ' out || fail "--all lacks the excluded task"
[ "$(wc -l <out)" -eq 9 ] || fail "--all shows other than ana's 8 tasks"

# JSON: the same rows; the arm's words with the protocol's description
up 0 export --format json
mv out export.json
up 0 mine --participant ana --json
python3 - out export.json <<'PY' || fail "mine --json is not as expected"
import json, sys
rows = json.load(open(sys.argv[1]))
arms = {r["task_id"]: r["arm"] for r in json.load(open(sys.argv[2]))}
assert [r["task_id"] for r in rows] == [1, 2, 3, 4, 8, 9], rows
keys = ["task_id", "participant", "title", "category", "arm", "arm_words", "ai_allowed",
        "status", "timer", "time_so_far_min", "review_pending", "next"]
words = {"ai": "AI allowed (ai): AI tools allowed (any, at the developer's choice)",
         "no_ai": "AI not allowed (no_ai): AI tools disallowed (no Cursor, Copilot, chat assistants)"}
for r in rows:
    assert list(r) == keys, list(r)
    assert r["participant"] == "ana"
    assert r["arm"] == arms[r["task_id"]], r
    assert r["arm_words"] == (words[r["arm"]] if r["arm"] else None), r
    assert r["ai_allowed"] == ({"ai": True, "no_ai": False}[r["arm"]] if r["arm"] else None), r
by = {r["task_id"]: r for r in rows}
assert (by[1]["timer"], by[1]["time_so_far_min"], by[1]["status"]) == ("running", 70, "in_progress")
assert (by[2]["timer"], by[2]["time_so_far_min"]) == ("paused", 10), by[2]
assert (by[3]["timer"], by[3]["time_so_far_min"]) == ("stopped", 45), by[3]
assert (by[4]["timer"], by[4]["review_pending"], by[4]["status"]) == ("done", True, "done")
assert by[4]["next"] == "uplift done 4 --post-review DUR (or --no-review)"
assert (by[9]["timer"], by[9]["time_so_far_min"], by[9]["arm"]) == ("not started", None, None)
assert all(r["review_pending"] is False for r in rows if r["task_id"] != 4)
PY

# nothing open: said so
up 0 participant add cy
up 0 mine --participant cy
contains out "(no open tasks for cy)"
up 0 mine --participant cy --json
[ "$(cat out)" = "[]" ] || fail "an empty mine --json is not []"

up 0 help mine
contains out "uplift mine [--participant HANDLE] [--all] [--json]"
done_testing
