#!/bin/sh
# reveal is irreversible: while planned tasks wait for a draw or tasks are in progress
# it refuses (exit 1, one line with the counts and --force, nothing written) unless
# --force.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: reveal guard
YAML
up 0 init --protocol protocol.yaml
UPLIFT_NOW=2026-03-01T08:00Z
export UPLIFT_NOW
up 0 participant add ana
for t in one two three; do
    up 0 task add --participant ana --title "$t" --forecast-ai 1h --forecast-no-ai 2h
done
up 0 randomize 1 2
up 0 task add --participant ana --title "no forecast"
UPLIFT_NOW=2026-03-01T12:00Z
up 0 start 1 --at 09:00

refused() { # TEXT: reveal exits 1 with one line containing TEXT, the study unchanged
    before=$(db_state)
    up 1 reveal
    one_error_line
    contains err "$1"
    contains err "or reveal anyway with --force"
    [ "$before" = "$(db_state)" ] || fail "a refused reveal changed the study"
}
# task 3 (forecast) and 4 (none) are planned; task 1 runs
refused "uplift: 2 tasks are not randomized and 1 task is in progress: reveal closes allocation for good"
contains err "'uplift task list --status planned,in_progress'"
up 0 exclude 4 --reason "out of scope"
refused "1 task is not randomized and 1 task is in progress:"
up 0 randomize 3
refused "uplift: 1 task is in progress: reveal"
# a stopped task is still in progress until its report
up 0 stop 1 --at 10:00
up 0 start 2 --at 10:00
refused "uplift: 2 tasks are in progress: reveal"
up 0 stop 2 --at 11:00
up 0 done 1 --time 1h
up 0 done 2 --time 1h
# task 3 assigned, never started, tasks 1 and 2 stopped and done: nothing holds it back
up 0 reveal
contains out "secret"
up 0 status --json
[ "$(json_get out 'd["study"]["revealed"]')" = True ] || fail "reveal did not reveal"

# --force reveals anyway, still saying what will never be drawn
mkdir forced && cd forced || exit 1
use_study forced
cp ../protocol.yaml .
UPLIFT_NOW=2026-03-01T08:00Z up 0 init --protocol protocol.yaml
UPLIFT_NOW=2026-03-01T08:00Z up 0 participant add ana
UPLIFT_NOW=2026-03-01T08:00Z up 0 task add --participant ana --title one --forecast-ai 1h --forecast-no-ai 2h
UPLIFT_NOW=2026-03-01T08:00Z up 0 task add --participant ana --title two --forecast-ai 1h --forecast-no-ai 2h
UPLIFT_NOW=2026-03-01T08:00Z up 0 randomize 1
up 0 start 1 --at 09:00
refused "1 task is not randomized and 1 task is in progress"
up 0 reveal --force
contains out "secret"
contains err "1 planned task were never randomized and now never will be"
up 0 verify
up 1 reveal --force
contains err "revealed already"
up 0 help reveal
contains out "--force"
done_testing
