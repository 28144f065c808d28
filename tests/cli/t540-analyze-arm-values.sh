#!/bin/sh
# analyze --csv: numeric arm values compare as numbers (METR's public CSV writes
# ai_treatment as 1.0/0.0 and the README says --treated 1); the treated arm is named as
# --treated wrote it, and --arm-names VALUE=NAME,... names arms in words.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# ARM1 ARM0 OUT: a seeded two-arm table whose arm cells are ARM1 / ARM0 (comma lists
# are cycled through, so one arm may be spelled several ways)
table() {
    python3 - "$1" "$2" >"$3" <<'PY'
import random, sys
one, zero = sys.argv[1].split(","), sys.argv[2].split(",")
r = random.Random(11)
print("issue_id,dev_id,ai_treatment,predicted_time_no_ai,initial_implementation_time,"
      "post_review_implementation_time")
for i in range(48):
    treated = i % 2
    f = r.uniform(20, 200)
    arm = (one if treated else zero)[(i // 2) % len(one if treated else zero)]
    print("%d,d%d,%s,%.4f,%.4f,%.4f" % (1000 + i, i % 6, arm, f,
          f * r.uniform(0.5, 2) * (1.2 if treated else 1), r.uniform(0, 10)))
PY
}
map=participant=dev_id,task_id=issue_id,arm=ai_treatment,forecast_no_ai_min=predicted_time_no_ai,reported_min=initial_implementation_time,post_review_min=post_review_implementation_time

table 1 0 ints.csv
table 1.0 0.0 floats.csv
table 1,1.0,1.00,1e0 0.0,0,-0,0e5 mixed.csv

up 0 analyze --csv ints.csv --map "$map" --bootstrap 0 --treated 1 --json
cp out ints.json
# 1 == 1.0 == 1.00: the README's --treated 1 finds METR's 1.0, named "1"
for f in floats.csv mixed.csv; do
    up 0 analyze --csv "$f" --map "$map" --bootstrap 0 --treated 1 --json
    python3 - out ints.json <<'PY' || fail "$f: --treated 1"
import json, sys
d, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
e = d["effects"][0]
assert e["arm"] == "1" and e["n_arm"] == 24, e
assert e["coef"] == want["effects"][0]["coef"] and d["n"] == want["n"] == 48
assert d["clusters"] == 6
PY
    up 0 analyze --csv "$f" --map "$map" --bootstrap 0 --treated 1
    contains out "vs the 0 arm"
done
# named as written
up 0 analyze --csv floats.csv --map "$map" --bootstrap 0 --treated 1.00 --json
[ "$(json_get out 'd["effects"][0]["arm"]')" = 1.00 ] || fail "--treated 1.00 renames the arm"
up 0 analyze --csv floats.csv --map "$map" --bootstrap 0 --treated 0 --json
[ "$(json_get out 'd["effects"][0]["arm"]')" = 0 ] || fail "--treated 0"

# --arm-names: words instead of numbers; no_ai is then the control without --treated
up 0 analyze --csv floats.csv --map "$map" --bootstrap 0 --arm-names 1=ai,0=no_ai --json
python3 - out ints.json <<'PY' || fail "--arm-names"
import json, sys
d, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert [e["arm"] for e in d["effects"]] == ["ai"], d["effects"]
assert d["effects"][0]["coef"] == want["effects"][0]["coef"]
assert all(p["arm"] == "ai" for p in d["se_panel"])
PY
up 0 analyze --csv mixed.csv --map "$map" --bootstrap 0 --treated 1.0 --arm-names "1.00=AI allowed, 0.0=AI disallowed"
contains out "vs the AI disallowed arm"
contains out "AI allowed"
up 0 analyze --csv floats.csv --map "$map" --bootstrap 0 --treated 0 --arm-names 1=ai,0=no_ai --json
[ "$(json_get out 'd["effects"][0]["arm"]')" = no_ai ] || fail "--treated picks the value"
# swapped names keep the arms apart (--treated matches the file's values first)
up 0 analyze --csv floats.csv --map "$map" --bootstrap 0 --arm-names 1=0,0=1 --treated 1 --json
python3 - out ints.json <<'PY' || fail "--arm-names 1=0,0=1"
import json, sys
d, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
e = d["effects"][0]
assert e["arm"] == "0" and e["n_arm"] == 24 and e["coef"] == want["effects"][0]["coef"], e
PY
# --treated may also use the new name
up 0 analyze --csv floats.csv --map "$map" --bootstrap 0 --treated ai --arm-names 1=ai,0=no_ai --json
[ "$(json_get out 'd["effects"][0]["arm"]')" = ai ] || fail "--treated by name"

# refusals: data (exit 1) and usage (exit 2), one line each
up 1 analyze --csv floats.csv --map "$map" --bootstrap 0 --treated 2
one_error_line
contains err "--treated 2: no task in 'floats.csv' has arm '2' (its arm values: 0, 1)"
up 1 analyze --csv floats.csv --map "$map" --bootstrap 0 --arm-names 2=ai
one_error_line
contains err "--arm-names 2=ai: no task in 'floats.csv' has arm '2' (its arm values: 0, 1)"
up 1 analyze --csv floats.csv --map "$map" --bootstrap 0 --arm-names 1=0
one_error_line
contains err "--arm-names: two arms would be named '0'"
for bad in "1" "=ai" "1=" " = " "1=ai,,0=no_ai" "1=ai," "1=ai,1.0=x" "1=same,0=same"; do
    up 2 analyze --csv floats.csv --map "$map" --bootstrap 0 --arm-names "$bad"
    one_error_line
    contains err "--arm-names"
done
up 2 analyze --arm-names 1=ai
one_error_line
contains err "apply to --csv input only"
up 0 analyze --help
contains out "--arm-names VALUE=NAME,..."
up 0 report --csv floats.csv --map "$map" --bootstrap 0 --arm-names 1=ai,0=no_ai --format json --out r.json
[ "$(json_get r.json 'd["effects"][0]["arm"]')" = ai ] || fail "report --arm-names"
done_testing
