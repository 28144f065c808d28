#!/bin/sh
# analyze --json on a CSV: every key of docs/analysis.md is present, the SE panel
# holds every type with z and t for each arm, what cannot be computed is null,
# and no number is NaN; the text output shows the tables.
. "$UPLIFT_SRC/tests/cli/lib.sh"
fx="$UPLIFT_SRC/tests/fixtures/analysis"

up 0 analyze --csv "$fx/balanced.csv" --json
cp out balanced.json
lacks balanced.json NaN
lacks balanced.json Infinity
python3 - balanced.json <<'PY' || fail "JSON shape of balanced.json"
import json, sys
d = json.load(open(sys.argv[1]))
keys = ["n", "clusters", "outcome", "covariate", "se_type", "dist", "level", "effects",
        "se_panel", "ratio_of_means", "perception", "agreement", "randomization_inference",
        "per_participant", "subgroups", "compliance", "warnings"]
missing = [k for k in keys if k not in d]
assert not missing, missing
assert d["n"] == 120 and d["clusters"] == 12, (d["n"], d["clusters"])
assert d["outcome"] == "total" and d["covariate"] == "log_forecast_no_ai"
assert d["se_type"] == "cr2" and d["dist"] == "t" and d["level"] == 0.95
assert len(d["effects"]) == 1
e = d["effects"][0]
for k in ["arm", "coef", "se", "df", "ci", "pct", "pct_ci", "p", "n_arm"]:
    assert k in e, k
assert e["arm"] == "ai" and e["n_arm"] == 59
lo, hi = e["ci"]
assert lo < e["coef"] < hi
plo, phi = e["pct_ci"]
assert plo < e["pct"] < phi
types = ["classical", "hc0", "hc1", "hc2", "hc3", "cr0", "cr1", "cr2", "cr3"]
assert len(d["se_panel"]) == 18
seen = {(p["se_type"], p["dist"]) for p in d["se_panel"]}
assert seen == {(t, z) for t in types for z in ("z", "t")}, seen
for p in d["se_panel"]:
    for k in ["se_type", "dist", "arm", "se", "df", "pct_ci", "p"]:
        assert k in p, k
    assert (p["df"] is None) == (p["dist"] == "z"), p
    if p["se_type"] == "cr2" and p["dist"] == "t":
        assert abs(p["se"] - e["se"]) <= 1e-15 * e["se"] and p["df"] == e["df"]
# issue 6: computed from what balanced.csv holds (forecasts, participants); null with a
# warning for what it lacks (measured time, ai_used, perceived_pct) or was not asked for
for k in ["ratio_of_means", "perception", "randomization_inference", "per_participant"]:
    assert d[k] is not None, k
for k in ["agreement", "subgroups", "compliance"]:
    assert d[k] is None, k
assert any(w.startswith("agreement not computed") for w in d["warnings"]), d["warnings"]
assert any(w.startswith("compliance not computed") for w in d["warnings"]), d["warnings"]
assert any("12 clusters" in w for w in d["warnings"]), d["warnings"]
PY

# at the 80% level the panel disagrees (p from 0.149 under cr0/z to 0.219 under hc3/t)
up 0 analyze --csv "$fx/balanced.csv" --json --level 0.8
python3 - out <<'PY' || fail "panel disagreement warning"
import json, sys
d = json.load(open(sys.argv[1]))
w = [w for w in d["warnings"] if "depends on the standard error" in w]
assert len(w) == 1, d["warnings"]
assert "cr0/z" in w[0].split("but not under")[0] and "hc3/t" in w[0].split("but not under")[1], w
PY
up 0 analyze --csv "$fx/balanced.csv" --json
[ "$(json_get out 'sum("depends on the standard error" in w for w in d["warnings"])')" = 0 ] || fail "spurious disagreement warning"

# three arms: two effects, 36 panel entries, control first in the text
up 0 analyze --csv "$fx/three_arms.csv" --json --se hc1 --dist z --level 0.9
python3 - out <<'PY' || fail "three-arm JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert [e["arm"] for e in d["effects"]] == ["ai", "ai_agent"], d["effects"]
assert len(d["se_panel"]) == 36
assert d["se_type"] == "hc1" and d["dist"] == "z" and d["level"] == 0.9
assert all(e["df"] is None for e in d["effects"])
PY

up 0 analyze --csv "$fx/three_arms.csv"
contains out "Effect on completion time (vs the no_ai arm)"
contains out "Standard-error panel for arm 'ai_agent'"
contains out "<- chosen"
contains out "Warnings:"

# the default is hc2 when tasks carry no participant (no clusters)
printf 'task_id,arm,reported_min,post_review_min,forecast_no_ai_min\n' >noclust.csv
python3 -c "
import random
r = random.Random(5)
for i in range(40):
    f = r.uniform(20, 200)
    print('t%d,%s,%.6f,%.6f,%.6f' % (i, 'ai' if i % 2 else 'no_ai', f * r.uniform(0.5, 2), r.uniform(0, 10), f))
" >>noclust.csv
up 0 analyze --csv noclust.csv --json
python3 - out <<'PY' || fail "no-cluster JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["se_type"] == "hc2" and d["clusters"] == 0
cr = [p for p in d["se_panel"] if p["se_type"].startswith("cr")]
assert len(cr) == 8 and all(p["se"] is None and p["p"] is None for p in cr)
assert any("no participant" in w for w in d["warnings"])
PY
up 1 analyze --csv noclust.csv --se cr2
one_error_line
contains err "has no participant"

# leverage one (a participant with a single task under --fe): hc2/hc3 null, warned
up 0 analyze --csv "$fx/leverage_one.csv" --fe participant --json
lacks out NaN
python3 - out <<'PY' || fail "leverage-one JSON"
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["se_panel"]:
    # cr3 too: under participant fixed effects every I - H_gg is singular
    if p["se_type"] in ("hc2", "hc3", "cr3"):
        assert p["se"] is None and p["pct_ci"] is None and p["p"] is None, p
    else:
        assert p["se"] > 0, p
assert any("leverage 1" in w for w in d["warnings"]), d["warnings"]
assert any(w.startswith("cr3 is undefined (null)") and "fixed effects" in w
           for w in d["warnings"]), d["warnings"]
PY
# chosen type undefined: still a result, with the effect's SE null and the reason
up 0 analyze --csv "$fx/leverage_one.csv" --fe participant --se hc2 --json
lacks out NaN
python3 - out <<'PY' || fail "leverage-one with --se hc2"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["effects"][0]
assert e["coef"] is not None and e["se"] is None and e["ci"] is None and e["p"] is None, e
assert any("leverage 1" in w for w in d["warnings"])
PY

# participant fixed effects: the effect as estimatr's full-dummy model gives it, the
# dummies neither listed nor given a variance (counted in the text output instead)
up 0 analyze --csv "$fx/fe_two_arms.csv" --fe participant --se cr2 --json
python3 - out "$fx/fe_two_arms.expected.csv" <<'PY' || fail "fixed effects not reported"
import csv, json, sys
d = json.load(open(sys.argv[1]))
want = {(r["se_type"], r["term"]): r for r in csv.DictReader(open(sys.argv[2]))}
assert d["fixed_effects"] == "participant"
terms = [c["term"] for c in d["coefficients"]]
assert terms == ["(Intercept)", "arm_ai", "log_forecast_no_ai"], terms
e, w = d["effects"][0], want[("cr2", "arm_ai")]
for key in ("coef", "se", "df", "p"):
    assert abs(e[key] - float(w[key])) <= 1e-10 * abs(float(w[key])), (key, e[key], w[key])
PY
fe_dummies=$(grep -c '^cr2,participant' "$fx/fe_two_arms.expected.csv")
up 0 analyze --csv "$fx/fe_two_arms.csv" --fe participant --se cr2
contains out "(participant fixed effects: $fe_dummies terms, not shown)"
lacks out "participant_"
done_testing
