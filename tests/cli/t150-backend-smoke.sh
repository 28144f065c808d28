#!/bin/sh
# The smallest study on whichever backend the suite runs on (UPLIFT_TEST_BACKEND):
# init, a participant, a task, status and verify.  The first test to pass on a new
# backend.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
contains out "commitment"
[ -f "$key_file" ] || fail "init wrote no key file '$key_file'"
up 0 participant add ana
up 0 task add --participant ana --title "First task" --forecast-ai 1h --forecast-no-ai 90m
[ "$(cat out)" = 1 ] || fail "task add did not print id 1: $(cat out)"
up 0 status --json
[ "$(json_get out 'd["participants"]')" = 1 ] || fail "participants"
[ "$(json_get out 'd["enrolled"]')" = 1 ] || fail "enrolled"
[ "$(study_sql "SELECT count(*) FROM task")" = 1 ] || fail "the task is not in the database"
up 0 verify
done_testing
