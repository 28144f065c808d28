#!/bin/sh
# Participants in analyze: one with a single task in each arm (METR's developer 229)
# has a point estimate without an interval; a task without a participant in a file
# that has a participant column is refused with its line (no silent loss of clusters).
. "$UPLIFT_SRC/tests/cli/lib.sh"

h='task_id,participant,arm,reported_min,post_review_min,forecast_no_ai_min'
rows='t1,ana,ai,50,5,40
t2,ana,no_ai,42,0,45
t3,ana,ai,61,2,50
t4,ana,no_ai,40,3,41
t5,ana,ai,33,1,30
t6,ben,ai,70,10,60
t7,ben,no_ai,30,3,35
t8,ben,ai,55,0,50
t9,ben,no_ai,64,6,70
t10,ben,no_ai,44,4,52
t11,229,ai,90,9,80
t12,229,no_ai,60,0,70'
printf '%s\n%s\n' "$h" "$rows" >one-each.csv
up 0 analyze --csv one-each.csv --json
python3 - out <<'PY' || fail "one task per arm"
import json, math, sys
d = json.load(open(sys.argv[1]))
pp = {p["participant"]: p for p in d["per_participant"]}
p = pp["229"]
assert p["n"] == 2 and p["pct_ci"] is None, p
# the difference of the two log times: 99/60 - 1
assert abs(p["pct"] - (99 / 60 - 1)) < 1e-12, p
assert pp["ana"]["pct_ci"] is not None
assert d["per_participant_summary"]["estimated"] == 3, d["per_participant_summary"]
assert any("'229'" in w and "pct_ci" in w for w in d["warnings"]), d["warnings"]
assert d["clusters"] == 3
PY
up 0 analyze --csv one-each.csv
contains out "229 (n=2)"

# a task without a participant: refused with its line, whatever its column is called
printf '%s\n%s\nt13,,ai,40,4,41\n' "$h" "$rows" >missing.csv
up 1 analyze --csv missing.csv --json
one_error_line
contains err "missing.csv:14: column 'participant' is empty"
[ ! -s out ] || fail "refused analysis printed to stdout"
sed 's/^task_id,participant,/task_id,dev,/' missing.csv >mapped.csv
up 1 analyze --csv mapped.csv --map participant=dev
one_error_line
contains err "mapped.csv:14: column 'dev' is empty"
# without a participant column there are no clusters (hc2, clusters 0, warned)
cut -d, -f1,3- one-each.csv >nopart.csv
up 0 analyze --csv nopart.csv --json
[ "$(json_get out 'd["clusters"]')" = 0 ] || fail "no participant column: clusters"
[ "$(json_get out 'd["se_type"]')" = hc2 ] || fail "no participant column: se type"
done_testing
