#!/bin/sh
# task list --status: only the tasks in the statuses named (comma-separated), in text
# and JSON alike (the JSON rows are those of the whole list, covariates included); a
# status that is not one is a usage error.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol jagged-frontier
UPLIFT_NOW=2026-03-01T08:00Z
export UPLIFT_NOW
up 0 participant add ana
up 0 participant add ben
for p in ana ben; do
    for t in one two three four; do
        up 0 task add --participant $p --title "$p $t" --category bug --forecast-ai 1h \
            --forecast-no-ai 2h --cov repo_familiarity=3 --cov language=C
    done
done
up 0 randomize
up 0 task add --participant ana --title "ana planned" --cov language=Rust
UPLIFT_NOW=2026-03-01T12:00Z
up 0 start 1 --at 09:00
up 0 stop 1 --at 10:00
up 0 done 1 --time 1h
up 0 start 2 --at 10:00
up 0 exclude 3 --reason "duplicate"
up 0 start 5 --at 09:00
up 0 done 6 --time 30m

up 0 task list --status planned
[ "$(wc -l <out)" -eq 2 ] || fail "--status planned lists other than one task"
contains out "ana planned"
up 0 task list --status done,in_progress
[ "$(wc -l <out)" -eq 5 ] || fail "--status done,in_progress lists other than four tasks"
for t in "ana one" "ana two" "ben one" "ben two"; do contains out "$t"; done
up 0 task list --status done,in_progress --participant ben
[ "$(wc -l <out)" -eq 3 ] || fail "--participant ben --status lists other than two tasks"
lacks out "ana "
up 0 task list --status abandoned
[ "$(wc -l <out)" -eq 1 ] || fail "--status abandoned lists a task"
contains out "TITLE"

# JSON: the rows of the whole list with those statuses, every column kept
up 0 task list --json
mv out all.json
up 0 task list --json --status excluded,planned,assigned
python3 - out all.json <<'PY' || fail "task list --json --status is not the filtered list"
import json, sys
got = json.load(open(sys.argv[1]))
want = [r for r in json.load(open(sys.argv[2]))
        if r["status"] in ("excluded", "planned", "assigned")]
assert got == want, (got, want)
assert [r["task_id"] for r in got] == [3, 4, 7, 8, 9], [r["task_id"] for r in got]
assert got[-1]["language"] == "Rust" and got[0]["repo_familiarity"] == "3", got
PY
up 0 task list --json --status abandoned
[ "$(cat out)" = "[]" ] || fail "an empty filtered list is not []"

# usage errors: exit 2, the statuses named
up 2 task list --status open
one_error_line
contains err "--status: 'open' is not a status (planned, assigned, in_progress, done, excluded or abandoned)"
up 2 task list --status done,
one_error_line
contains err "'' is not a status"
up 2 task list --status done --status planned
one_error_line
up 0 help task list
contains out "--status STATUS"
# the completion offers the statuses
up 0 complete values task list --status
[ "$(tr '\n' ' ' <out)" = "planned assigned in_progress done excluded abandoned " ] ||
    fail "the completion does not offer the statuses"
done_testing
