#!/bin/sh
# One participant: the cluster bootstrap has nothing to resample, but the point estimates
# of ratio_of_means and perception do not depend on that: the default bootstrap reports
# the same ones as --bootstrap 0 (checked against values computed here), with null
# intervals and a warning that says why.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >one.csv <<'EOF'
task_id,participant,arm,forecast_ai_min,forecast_no_ai_min,reported_min,post_review_min,perceived_pct
1,solo,ai,50,60,55,5,-20%
2,solo,no_ai,40,70,80,0,
3,solo,ai,30,45,35,10,-10%
4,solo,no_ai,60,90,70,5,
5,solo,ai,20,30,40,0,-30%
6,solo,no_ai,25,35,30,2,
EOF

up 0 analyze --csv one.csv --json
cp out default.json
up 0 analyze --csv one.csv --json --bootstrap 0
cp out none.json

python3 - default.json none.json <<'PY' || fail "one participant: point estimates"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
# times: ai 60, 45, 40; no_ai 80, 75, 32 (reported + post-review)
rom = (60 + 45 + 40) / 3 / ((80 + 75 + 32) / 3) - 1
forecast = (50 + 40 + 30 + 60 + 20 + 25) / (60 + 70 + 45 + 90 + 30 + 35) - 1
posthoc = (-0.2 - 0.1 - 0.3) / 3
for d in (a, b):
    m, p = d["ratio_of_means"], d["perception"]
    assert m is not None and p is not None, (m, p)
    assert abs(m["pct"] - rom) < 1e-12, (m["pct"], rom)
    assert abs(p["forecast_pct"] - forecast) < 1e-12, (p["forecast_pct"], forecast)
    assert abs(p["posthoc_pct"] - posthoc) < 1e-12, (p["posthoc_pct"], posthoc)
    eff = d["effects"][0]["pct"]
    assert abs(p["gap_forecast"] - (eff - forecast)) < 1e-12 and abs(p["gap_posthoc"] - (eff - posthoc)) < 1e-12
    assert m["pct_ci"] is None and m["pct_ci_bca"] is None, m
    for k in ("forecast_pct_ci", "posthoc_pct_ci", "gap_forecast_ci", "gap_posthoc_ci"):
        assert p[k] is None, (k, p[k])
    assert all(v is None for v in p["bca_ci"].values()), p["bca_ci"]
    assert m["bootstrap"] == 0 and p["bootstrap"] == 0, (m, p)
# the same point estimates, whatever the bootstrap asked for
for k in ("pct",):
    assert a["ratio_of_means"][k] == b["ratio_of_means"][k]
for k in ("forecast_pct", "posthoc_pct", "gap_forecast", "gap_posthoc"):
    assert a["perception"][k] == b["perception"][k], k
w = a["warnings"]
assert any(x.startswith("ratio_of_means and perception have no intervals") and "two participants" in x
           for x in w), w
assert not any(x.startswith("ratio_of_means and perception not computed") for x in w), w
PY

# the text output reports them too (145/3 over 187/3: -22.5%; forecasts -31.8%)
up 0 analyze --csv one.csv
python3 - out <<'PY' || fail "text: the point estimates"
import sys
lines = open(sys.argv[1]).read().splitlines()
rom = next(l for l in lines if "ratio of mean times" in l)
forecast = next(l for l in lines if "forecast effect" in l)
assert "-22.5%" in rom and "-31.8%" in forecast, (rom, forecast)
PY
done_testing
