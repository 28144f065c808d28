#!/bin/sh
# --at takes relative times: -DUR (that long before now: -5m, -1h30m, -90, -1:30) and
# "yesterday HH:MM" / "today HH:MM" (local time), beside ISO-8601 and HH:MM.  "Now" is
# the clock, or $UPLIFT_NOW, so these checks do not depend on when they run.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: relative times
YAML
up 0 init --protocol protocol.yaml
UPLIFT_NOW=2026-03-01T08:00Z
export UPLIFT_NOW
up 0 participant add ana
up 0 task add --participant ana --title one --forecast-ai 1h --forecast-no-ai 2h
up 0 task add --participant ana --title two --forecast-ai 1h --forecast-no-ai 2h
up 0 randomize

UPLIFT_NOW=2026-03-02T10:00Z
up 0 start 1 --at "yesterday 17:30"
contains out "task 1 started at 2026-03-01T17:30:00Z, entered by hand"
up 0 pause 1 --at -1h30m
contains out "task 1 paused at 2026-03-02T08:30:00Z, entered by hand"
up 0 resume 1 --at " -5m "
contains out "task 1 resumed at 2026-03-02T09:55:00Z, entered by hand"
UPLIFT_NOW=2026-03-02T10:20Z up 0 stop 1 --at -0:20
contains out "task 1 stopped at 2026-03-02T10:00:00Z, entered by hand"
contains out "measured: 905 min" # 17:30 to 08:30 and 09:55 to 10:00
up 0 start 2 --at "Today 10:05"
contains out "task 2 started at 2026-03-02T10:05:00Z, entered by hand"
UPLIFT_NOW=2026-03-02T10:20Z up 0 pause 2 --at -45s
contains out "task 2 paused at 2026-03-02T10:19:15Z, entered by hand"

# a relative time in local time: yesterday and HH:MM follow TZ
TZ=America/New_York UPLIFT_NOW=2026-03-02T12:00Z up 0 resume 2 --at "today 06:30"
contains out "task 2 resumed at 2026-03-02T11:30:00Z"
lacks out "error"
up 0 verify

# refusals: usage errors (exit 2) that show the forms, nothing written
before=$(db_state)
for bad in -5x --5m +5m -0 - "tomorrow 9:00" yesterday "yesterday 9" -8d; do
    up 2 stop 2 --at "$bad"
    one_error_line
    contains err "yesterday 17:30, or -5m, -1h30m before now"
done
[ "$before" = "$(db_state)" ] || fail "a refused --at changed the database"
# a relative time is then checked as any other: task 1 is stopped
up 1 resume 1 --at -1m
contains err "task 1 was stopped at 2026-03-02T10:00:00Z"

# $UPLIFT_NOW takes the same forms (relative to the system clock)
UPLIFT_NOW=-10m up 0 status
UPLIFT_NOW="yesterday 12:00" up 0 status
UPLIFT_NOW=-5x up 2 status
contains err "\$UPLIFT_NOW: '-5x' is not a time"
up 0 help start
contains out "yesterday 17:30"
done_testing
