#!/bin/sh
# The acceptance walk of the timing logger: a back-dated start, pause, resume and stop
# give 90 measured minutes; the self-report lands beside them in the export; task show
# displays the timeline, the comparison and the flags.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: timing walk
timing:
  report_tolerance: 0.25
YAML
up 0 init --protocol protocol.yaml
# Time may only be logged from the task's assignment on.  The walk replays a past
# week, so the study is set up and randomized at its start: $UPLIFT_NOW sets the clock
# of the commands run while it is exported.
clock_at() {
    UPLIFT_NOW=$1
    export UPLIFT_NOW
}
clock_at 2026-03-01T08:00Z
up 0 participant add ana
up 0 task add --participant ana --title "Fix the parser" --category bug --forecast-ai 1h --forecast-no-ai 2h
[ "$(cat out)" = 1 ] || fail "task add did not print id 1"
up 0 task add --participant ana --title "Never timed" --forecast-ai 30m --forecast-no-ai 40m
up 0 randomize
unset UPLIFT_NOW

up 0 start 1 --at 2026-03-01T09:00
contains out "task 1 started at 2026-03-01T09:00:00Z, entered by hand"
up 0 pause 1 --at 2026-03-01T09:40:00Z
contains out "measured so far: 40 min"
up 0 resume 1 --at 2026-03-01T10:10
up 0 stop 1 --at 2026-03-01T11:00+00:00
contains out "measured: 90 min"

up 0 task show 1 --json
[ "$(json_get out 'd["measured_min"]')" = 90.0 ] || fail "measured_min"
[ "$(json_get out 'd["timer"]')" = stopped ] || fail "timer state"
[ "$(json_get out 'd["status"]')" = in_progress ] || fail "status before done"
[ "$(json_get out '[e["kind"] for e in d["events"]]')" = "['start', 'pause', 'resume', 'stop']" ] \
    || fail "event kinds"
[ "$(json_get out '[e["at"] for e in d["events"]][3]')" = 2026-03-01T11:00:00Z ] || fail "stop time"
[ "$(json_get out 'all(e["manual"] for e in d["events"])')" = True ] || fail "manual marks"
[ "$(json_get out 'd["flags"]')" = "['backdated']" ] || fail "flags before done"

up 0 done 1 --time 100m --post-review 15m --perceived "-20%"
contains out "task 1 done: reported 100 min, post-review 15 min, measured 90 min, perceived -20%"

up 0 export
python3 - out <<'PY' || fail "export row of task 1"
import csv, sys
rows = {r["task_id"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
r = rows["1"]
assert float(r["measured_min"]) == 90, r
assert float(r["reported_min"]) == 100, r
assert float(r["post_review_min"]) == 15, r
assert float(r["perceived_pct"]) == -0.2, r
assert r["status"] == "done", r
assert r["ai_used"] == "", r
assert rows["2"]["measured_min"] == "" and rows["2"]["reported_min"] == "", rows["2"]
PY

up 0 task show 1
contains out "2026-03-01T09:40:00Z  pause   ran 40 min"
contains out "2026-03-01T11:00:00Z  stop    ran 50 min"
contains out "measured      90 min"
contains out "reported      100 min"
contains out "+11.1% (tolerance 25%)"
contains out "backdated"
lacks out "mismatch"

# review comes back later: each --post-review adds a round; compliance added later
up 0 done 1 --post-review 1h
contains out "post-review 75 min"
up 0 done 1 --ai-used yes
up 0 task show 1 --json
[ "$(json_get out 'd["post_review_min"]')" = 75.0 ] || fail "post-review total"
[ "$(json_get out 'd["ai_used"]')" = yes ] || fail "ai_used"
[ "$(json_get out 'd["status"]')" = done ] || fail "status after done"

# a task reported without ever being timed (self-report only) is accepted, flagged
# for nothing, and exports an empty measured time
up 0 done 2 --time 45 --perceived "10% slower" --ai-used no
up 0 task show 2 --json
[ "$(json_get out 'd["measured_min"]')" = None ] || fail "measured of an untimed task"
[ "$(json_get out 'd["perceived_pct"]')" = 0.1 ] || fail "perceived slower"
[ "$(json_get out 'd["flags"]')" = "[]" ] || fail "flags of an untimed task"

# a mismatch beyond the protocol's tolerance is flagged
clock_at 2026-03-02T08:59Z
up 0 task add --participant ana --title "Quick one" --forecast-ai 10m --forecast-no-ai 10m
up 0 randomize 3
unset UPLIFT_NOW
up 0 start 3 --at 2026-03-02T09:00Z
up 0 stop 3 --at 2026-03-02T09:20Z
up 0 done 3 --time 30
up 0 task show 3 --json
[ "$(json_get out 'd["flags"]')" = "['mismatch', 'backdated']" ] || fail "mismatch flag"

# a timer left running over 12 hours is flagged while it runs and after it stops
clock_at "$(date -u -d '14 hours ago' +%Y-%m-%dT%H:%M:%SZ)"
up 0 task add --participant ana --title "Forgotten timer" --forecast-ai 1h --forecast-no-ai 1h
up 0 randomize 4
unset UPLIFT_NOW
up 0 start 4 --at "$(date -u -d '13 hours ago' +%Y-%m-%dT%H:%MZ)"
up 0 task show 4 --json
[ "$(json_get out 'd["flags"]')" = "['long_run', 'backdated']" ] || fail "long_run while running"
[ "$(json_get out 'd["timer"]')" = running ] || fail "timer running"
[ "$(json_get out 'd["measured_min"]')" = None ] || fail "an open stretch is not measured"
[ "$(json_get out 'd["running_min"] > 12 * 60')" = True ] || fail "running_min"
up 0 task show 4
contains out "not yet counted"
up 0 stop 4
up 0 task show 4 --json
[ "$(json_get out 'd["flags"]')" = "['long_run', 'backdated']" ] || fail "long_run after stop"
[ "$(json_get out 'd["measured_min"] > 12 * 60')" = True ] || fail "measured of the long run"

# with parallel tasks allowed, tasks that ran at the same time are flagged as overlapping
use_study parallel
cat >parallel.yaml <<'YAML'
title: timing walk, parallel tasks allowed
timing:
  parallel_tasks: true
YAML
up 0 init --protocol parallel.yaml
clock_at 2026-03-01T08:00Z
up 0 participant add bo
for t in first second third; do
    up 0 task add --participant bo --title "$t" --forecast-ai 1h --forecast-no-ai 1h
done
up 0 randomize
unset UPLIFT_NOW
up 0 start 1 --at 2026-03-01T09:00Z
up 0 start 2 --at 2026-03-01T09:30Z
up 0 stop 1 --at 2026-03-01T10:00Z
up 0 stop 2 --at 2026-03-01T10:30Z
up 0 start 3 --at 2026-03-01T10:30Z
up 0 stop 3 --at 2026-03-01T11:00Z
up 0 task show 1 --json
[ "$(json_get out 'd["flags"]')" = "['overlap', 'backdated']" ] || fail "overlap flag of task 1"
[ "$(json_get out 'd["overlap_task"]')" = 2 ] || fail "overlap names task 2"
up 0 task show 2 --json
[ "$(json_get out 'd["overlap_task"]')" = 1 ] || fail "overlap names task 1"
up 0 task show 3 --json
[ "$(json_get out 'd["flags"]')" = "['backdated']" ] || fail "touching stretches do not overlap"
up 0 task show 1
contains out "overlap    timer ran at the same time as another task of the same participant (task 2)"

# task list shows the flags beside the times
up 0 task list
contains out "FLAGS"
grep -E '^ +1 +bo .* 60 +- overlap,backdated +first$' out >/dev/null || { cat out >&2; fail "task list lacks the measured time and the flags of task 1"; }

# events are audited: the chain verifies
up 0 verify
done_testing
