#!/bin/sh
# prediction add/list/import: external groups' predictions of AI's effect (experts,
# managers) are stored and audited, refused whole when malformed, and compared with
# the measured effect in analyze's perception section.
. "$UPLIFT_SRC/tests/cli/lib.sh"
. "$UPLIFT_SRC/tests/cli/t7xx-demo-study.sh.inc"

# the demo study may already hold predictions of its own: count from there, and use
# group names of this test
up 0 prediction list --json
n0=$(json_get out 'len(d)')

# usage errors and refusals change nothing
before=$(db_state)
up 2 prediction add --group t600-experts
one_error_line
contains err "needs --group and --pct"
up 2 prediction add --group t600-experts --pct lots
one_error_line
contains err "--pct"
up 2 prediction add --group t600-experts --pct -30% extra
one_error_line
up 1 prediction add --group "" --pct -30%
one_error_line
contains err "group"
[ "$before" = "$(db_state)" ] || fail "a refused prediction changed the study"

up 0 prediction add --group t600-experts --pct -39% --source "survey of ML experts"
contains out "prediction $((n0 + 1)): t600-experts -39.0%"
up 0 prediction add --group t600-experts --pct "35% faster"
up 0 prediction add --group t600-managers --pct -0.3
up 0 prediction list
contains out "survey of ML experts"
contains out "t600-managers"
up 0 prediction list --json
[ "$(json_get out 'len(d)')" = $((n0 + 3)) ] || fail "prediction list --json has not 3 more entries"
[ "$(json_get out 'd[-2]["pct"]')" = -0.35 ] || fail "35% faster is not -0.35"
[ "$(json_get out 'd[-1]["source"]')" = None ] || fail "a missing source is not null"

# import: all rows or none, errors name the line
printf 'group,pct,source\nt600-managers,-25%%,poll\nt600-managers,lots,poll\n' >bad.csv
before=$(db_state)
up 1 prediction import bad.csv
one_error_line
contains err "bad.csv:3"
contains err "nothing imported"
[ "$before" = "$(db_state)" ] || fail "a refused import wrote rows"
printf 'grp,pct\nt600-managers,-25%%\n' >badhead.csv
up 1 prediction import badhead.csv
one_error_line
contains err "unknown column 'grp'"
printf 'pct,group\n-25%%,t600-managers\n"20%% faster",t600-managers\n' >good.csv
up 0 prediction import good.csv
contains out "2 predictions imported"
up 0 prediction list --json
[ "$(json_get out 'len(d)')" = $((n0 + 5)) ] || fail "import did not add 2 predictions"

# every prediction is in the audit chain
up 0 verify
study_sql "SELECT count(*) FROM audit WHERE action = 'prediction.add'" >n.txt
[ "$(cat n.txt)" = $((n0 + 5)) ] || fail "predictions are not audited"

# analyze: group means, gaps against the measured effect with bootstrap intervals
up 0 prediction add --group t600-solo --pct -10%
up 0 analyze --json --bootstrap 500 --seed 3
python3 - out <<'PY' || fail "perception.predictions"
import json, sys
d = json.load(open(sys.argv[1]))
eff = d["effects"][0]["pct"]
preds = {p["group"]: p for p in d["perception"]["predictions"]}
assert {"t600-experts", "t600-managers"} <= set(preds), preds
e, m = preds["t600-experts"], preds["t600-managers"]
assert e["n"] == 2 and m["n"] == 3, (e, m)
assert abs(e["pct"] - (-0.39 - 0.35) / 2) < 1e-12, e
assert abs(m["pct"] - (-0.3 - 0.25 - 0.2) / 3) < 1e-12, m
for p in (e, m):
    assert abs(p["gap"] - (eff - p["pct"])) < 1e-12, p
    lo, hi = p["gap_ci"]
    assert lo < p["gap"] < hi, p
    lo, hi = p["gap_ci_bca"]
    assert lo < p["gap"] < hi, p
# the group's own mean prediction, resampled: two experts' means are -0.39, -0.37 or
# -0.35 (1/4, 1/2, 1/4), so the 2.5% and 97.5% points of 500 resamples are the extremes;
# three managers' resampled means lie between their smallest and largest prediction
assert max(abs(a - b) for a, b in zip(e["pct_ci"], [-0.39, -0.35])) < 1e-12, e
lo, hi = m["pct_ci"]
assert -0.3 - 1e-12 <= lo < m["pct"] < hi <= -0.2 + 1e-12, m
# one prediction has no spread to resample: no interval of its own, a gap interval still
s = preds["t600-solo"]
assert s["n"] == 1 and s["pct_ci"] is None and s["gap_ci"][0] < s["gap"] < s["gap_ci"][1], s
PY
up 0 analyze --bootstrap 200
contains out "gap: measured - 't600-experts'"
python3 - out <<'PY' || fail "text: prediction lines with intervals"
import sys
lines = open(sys.argv[1]).read().splitlines()
pred = next(l for l in lines if "prediction 't600-experts' (n=2)" in l)
assert "[-39.0%, -35.0%]" in pred, pred
gap = next(l for l in lines if "gap: measured - 't600-experts'" in l)
assert gap.count("[") == 2, gap
PY
done_testing
