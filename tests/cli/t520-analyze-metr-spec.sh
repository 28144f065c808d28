#!/bin/sh
# METR's published specification (classical SE, normal interval, missing post-review
# time filled by the arm mean) through the README's --map command, on a synthetic table
# with METR's column names and its 1.0/0.0 treatment values (their data are not ours to
# commit; data-samples/metr-columns/data.csv), calibrated so that the specification
# gives METR's published +19%.  The expected figures were computed by R's lm() in
# tests/fixtures/analysis/make_fixtures.R.
. "$UPLIFT_SRC/tests/cli/lib.sh"
fx="$UPLIFT_SRC/tests/fixtures/analysis"
data="$UPLIFT_SRC/data-samples/metr-columns/data.csv"
grep -q '^[0-9]*,[0-9]*,1\.0,' "$data" || fail "the sample's ai_treatment is not written 1.0/0.0"

map=participant=dev_id,task_id=issue_id,arm=ai_treatment,forecast_no_ai_min=predicted_time_no_ai,forecast_ai_min=predicted_time_ai_allowed,reported_min=initial_implementation_time,post_review_min=post_review_implementation_time
up 0 analyze --csv "$data" --treated 1 --map "$map" \
    --se classical --dist z --impute arm-mean --json
python3 - out "$fx/metr_synthetic.expected.csv" <<'PY' || fail "METR specification"
import csv, json, sys
d = json.load(open(sys.argv[1]))
want = next(csv.DictReader(open(sys.argv[2])))
e = d["effects"][0]
got = {"pct": e["pct"], "pct_lo": e["pct_ci"][0], "pct_hi": e["pct_ci"][1],
       "coef": e["coef"], "se": e["se"], "p": e["p"]}
# agreement to 1e-8 relative, the golden-test criterion of issue 5
for k, v in got.items():
    w = float(want[k])
    assert abs(v - w) <= 1e-8 * abs(w), (k, v, w)
# METR's published point estimate: AI increased completion time by 19%
assert abs(e["pct"] - 0.19) < 1e-9, e["pct"]
assert d["n"] == int(want["n"]) and d["rows"]["imputed"] == int(want["imputed"])
assert d["se_type"] == "classical" and d["dist"] == "z" and e["df"] is None
assert e["arm"] == "1" and d["clusters"] == 16
PY

# --map repeats, the lists joined: the README's three --map lines give the same result
cp out one-map.json
up 0 analyze --csv "$data" --treated 1 --map participant=dev_id,task_id=issue_id,arm=ai_treatment \
    --map forecast_no_ai_min=predicted_time_no_ai,forecast_ai_min=predicted_time_ai_allowed \
    --map reported_min=initial_implementation_time,post_review_min=post_review_implementation_time \
    --se classical --dist z --impute arm-mean --json
cmp -s out one-map.json || fail "three --map lists differ from one"
up 2 analyze --map participant=dev_id
one_error_line
contains err "--csv input only"

# complete-case drops the 23 tasks without post-review time
up 0 analyze --csv "$data" --treated 1 --map "$map" \
    --se classical --dist z --impute complete-case --json
[ "$(json_get out 'd["n"]')" = 223 ] || fail "complete-case n"
[ "$(json_get out 'd["rows"]["missing_outcome"]')" = 23 ] || fail "complete-case count"

# the unmapped column is kept (no error) and the text names the treated arm
up 0 analyze --csv "$data" --treated 1 --map "$map"
contains out "vs the 0 arm"
done_testing
