#!/bin/sh
# Every refusal of the timing logger exits 1 with one line that says what to do
# instead, and leaves the database exactly as it was.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: timing refusals
YAML
up 0 init --protocol protocol.yaml
# the study is set up and randomized on the morning of 2026-03-01 ($UPLIFT_NOW sets
# the clock), so that time can be logged from then on
UPLIFT_NOW=2026-03-01T08:00Z
export UPLIFT_NOW
up 0 participant add ana
up 0 participant add ben
for t in one two three four; do
    up 0 task add --participant ana --title "$t" --forecast-ai 1h --forecast-no-ai 2h
done
up 0 task add --participant ben --title "ben's" --forecast-ai 1h --forecast-no-ai 2h
up 0 task add --participant ana --title "no forecast yet"
up 0 randomize 1 2 3 4 5
up 0 exclude 4 --reason "duplicate issue"
unset UPLIFT_NOW

# refused COMMAND... TEXT: exit 1, one error line containing TEXT, database unchanged
refused() {
    text=$1
    shift
    before=$(db_state)
    up 1 "$@"
    one_error_line
    contains err "$text"
    [ "$before" = "$(db_state)" ] || fail "refused '$*' changed the database"
}

refused "task 6 is not assigned to an arm yet" start 6
contains err "uplift randomize"
refused "task 4 is excluded (duplicate issue)" start 4
refused "no task 99" start 99
contains err "uplift: no task 99 (see 'uplift task list')"
refused "task 1 has not been started, so it cannot stop; start it with 'uplift start 1'" stop 1
refused "'uplift start 1'" pause 1
refused "task 1 has not been started, so it cannot resume" resume 1

# no time before the task's assignment: the arm was not known yet
refused "start at 2026-03-01T07:59:00Z is before task 1 was assigned at 2026-03-01T08:00:00Z" \
    start 1 --at 2026-03-01T07:59Z
contains err "give a time from 2026-03-01T08:00:00Z on with --at"
up 0 start 1 --at 2026-03-01T09:00Z
refused "stop at 2026-03-01T08:00:00Z is before the start at 2026-03-01T09:00:00Z" \
    stop 1 --at 2026-03-01T08:00Z
refused "task 1 is already running (since 2026-03-01T09:00:00Z)" resume 1
refused "task 1 is already running (since 2026-03-01T09:00:00Z)" start 1
refused "is in the future" pause 1 --at 2999-01-01T00:00Z
# a second running task of the same participant
refused "participant 'ana' already has task 1 running (since 2026-03-01T09:00:00Z)" start 2
contains err "'uplift pause 1'"
# another participant may run a task at the same time (from the second of its
# assignment on)
up 0 start 5 --at 2026-03-01T08:00Z
# done while the timer runs
refused "task 1's timer is still running (since 2026-03-01T09:00:00Z); stop it first with 'uplift stop 1'" \
    done 1 --time 1h

up 0 pause 1 --at 2026-03-01T09:30Z
refused "task 1 is already paused (since 2026-03-01T09:30:00Z)" pause 1
contains err "'uplift resume 1'"
refused "resume at 2026-03-01T09:29:00Z is before the pause at 2026-03-01T09:30:00Z" \
    resume 1 --at 2026-03-01T09:29Z
refused "task 1's timer is still paused" done 1 --time 1h
# a second task may not be back-dated into the stretch task 1 ran
refused "would overlap task 1 of participant 'ana', which ran from 2026-03-01T09:00:00Z to 2026-03-01T09:30:00Z" \
    start 2 --at 2026-03-01T09:10Z
contains err "give a time from 2026-03-01T09:30:00Z on with --at (or check the clock)"
up 0 start 2 --at 2026-03-01T09:45Z
refused "participant 'ana' already has task 2 running" resume 1 --at 2026-03-01T10:00Z
up 0 stop 2 --at 2026-03-01T10:00Z
up 0 stop 1 --at 2026-03-01T10:00Z

# after stop the timer is closed
refused "task 1 was stopped at 2026-03-01T10:00:00Z" start 1
refused "task 1 was stopped at 2026-03-01T10:00:00Z" resume 1
# stopped but not reported yet: the report comes next (post-review time needs one)
refused "task 1 was stopped at 2026-03-01T10:00:00Z and its timer is closed, so it cannot stop; report its time with 'uplift done 1 --time DUR'" stop 1

# self-reports
refused "task 6 is not assigned to an arm yet" done 6 --time 1h
refused "task 4 is excluded" done 4 --time 1h
refused "task 3 has no reported time yet" done 3 --post-review 10m
up 0 done 1 --time 1h --perceived "-10%"
refused "task 1 already has a reported time (60 min), which cannot change" done 1 --time 2h
refused "task 1 already has a perceived change (-10%)" done 1 --perceived "+5%"
refused "task 1 is done (reported 60 min)" start 1
contains err "so its timer cannot start; add later work with 'uplift done 1 --post-review DUR'"

# a task randomized now takes no time from before now
up 0 forecast 6 --ai 1h --no-ai 1h
up 0 randomize 6
# timestamps are stored as integer seconds since the epoch on every backend
assigned=$(date -u -d "@$(study_sql "SELECT assigned_at FROM allocation WHERE task_id = 6")" +%Y-%m-%dT%H:%M:%SZ)
refused "start at 2026-03-01T11:00:00Z is before task 6 was assigned at $assigned; time worked before the arm was known cannot count" \
    start 6 --at 2026-03-01T11:00Z
refused "is before task 6 was assigned at $assigned" start 6 --at "$(date -u -d '2 hours ago' +%Y-%m-%dT%H:%M:%SZ)"
up 0 start 6

# usage errors: exit 2, one line, nothing written
usage() {
    before=$(db_state)
    up 2 "$@"
    one_error_line
    [ "$before" = "$(db_state)" ] || fail "usage error '$*' changed the database"
}
usage start
usage start x1
usage start 3 --at "yesterday-ish"
usage start 3 --when 09:00
usage done 3
usage done 3 --time 0
usage done 3 --time 8d
usage done 3 --time 1h --ai-used maybe
usage done 3 --time 1h --perceived "-100%"
usage task show
# a clock given in the environment must be a time
before=$(db_state)
run 2 env UPLIFT_NOW=yesterday-ish "$UPLIFT" start 3
one_error_line
contains err "\$UPLIFT_NOW: "
[ "$before" = "$(db_state)" ] || fail "a bad \$UPLIFT_NOW changed the database"
done_testing
