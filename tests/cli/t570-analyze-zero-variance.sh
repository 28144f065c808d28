#!/bin/sh
# A cluster-robust variance that is exactly zero (numerically: rounding noise) is refused
# for that type and coefficient, never printed as a zero-width interval: the effect keeps
# coef and pct, its se, ci, pct_ci and p are null in JSON and '-' in text, and a warning
# names the refused types, the ones that still apply, and whether the chosen type is one
# of the refused.  The se_panel rows, subgroups and the 2SLS share the rule.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# 1 task against 60 with --fe participant: the one-task participant's own dummy fits it
# exactly, its residual is 0, and with two clusters the other's cluster sum is 0 too
python3 - <<'PY'
import random
r = random.Random(7)
rows = ["task_id,participant,category,arm,reported_min,post_review_min,forecast_no_ai_min,ai_used"]
for t in range(60):
    arm = "ai" if t % 2 else "no_ai"
    f = r.randint(20, 120)
    total = f * r.lognormvariate(0.1 if arm == "ai" else 0.0, 0.4)
    used = "yes" if (arm == "ai") != (t % 7 == 0) else "no"
    rows.append("t%d,big,%s,%s,%.1f,0,%d,%s"
                % (t + 1, "bug" if t % 3 else "feature", arm, total, f, used))
rows.append("t61,solo,bug,ai,50,0,40,yes")
open("one-vs-60.csv", "w").write("\n".join(rows) + "\n")
PY
# one developer in both arms, the others in one arm only, no covariate, --fe participant:
# the effect is identified within one participant, whose residuals cancel in each arm
python3 - <<'PY'
import random
r = random.Random(5)
rows = ["task_id,participant,arm,reported_min,post_review_min,forecast_no_ai_min"]
i = 0
for p in range(8):
    for t in range(6):
        i += 1
        arm = ("ai" if t % 2 == 0 else "no_ai") if p == 0 else ("ai" if p % 2 == 0 else "no_ai")
        f = r.uniform(20, 120)
        total = f * r.lognormvariate(0.1 if arm == "ai" else 0.0, 0.4)
        rows.append("t%d,p%d,%s,%.1f,%.1f,%.0f" % (i, p, arm, total, r.uniform(0, 10), f))
open("one-in-both.csv", "w").write("\n".join(rows) + "\n")
PY

# check.py FILE CHOSEN-REFUSED(0/1): the contract of a refused zero variance in the JSON
cat >check.py <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
chosen_refused = sys.argv[2] == "1"
cluster = {"cr0", "cr1", "cr2"}

def pairs(x, path="$", key=""):
    """every interval in the document: ci, pct_ci, ratio_ci, gap_ci_bca, ..."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield from pairs(v, path + "." + k, k)
    elif isinstance(x, list):
        if "ci" in key.split("_") and len(x) == 2:
            yield path, x
        for i, v in enumerate(x):
            yield from pairs(v, "%s[%d]" % (path, i), key)

for path, (lo, hi) in pairs(d):
    assert lo < hi, "zero-width interval at %s: %r" % (path, [lo, hi])
e = d["effects"][0]
assert isinstance(e["coef"], float) and isinstance(e["pct"], float), e
if chosen_refused:
    for k in ("se", "df", "ci", "pct_ci", "p"):
        assert e[k] is None, (k, e)
else:
    assert e["se"] > 0 and e["pct_ci"][0] < e["pct_ci"][1], e
for p in d["se_panel"]:
    if p["se_type"] in cluster:
        assert p["se"] is None and p["pct_ci"] is None and p["p"] is None, p
    elif p["se_type"] in ("classical", "hc0", "hc1"):
        assert p["se"] > 0 and p["pct_ci"][0] < p["pct_ci"][1], p
    assert isinstance(p["pct"], float), p
w = [x for x in d["warnings"] if "the variance of the effect is zero to working precision" in x]
assert len(w) == 1, d["warnings"]
assert "under cr0, cr1, cr2" in w[0] and "still apply" in w[0], w
assert ("the chosen type is cr2" in w[0]) == chosen_refused, w
PY

up 0 analyze --csv one-vs-60.csv --fe participant --subgroup category --bootstrap 0 \
    --permutations 0 --json
python3 check.py out 1 || fail "one task against 60: cr2 refused"
cp out one-vs-60.json
python3 - one-vs-60.json <<'PY' || fail "one task against 60: subgroups and 2SLS"
import json, sys
d = json.load(open(sys.argv[1]))
w = d["warnings"]
assert all(c["se"] is None and c["p"] is None for c in d["coefficients"]), d["coefficients"]
assert any("coefficients '(Intercept)', 'log_forecast_no_ai'" in x for x in w), w
assert any("hc3 divide by 1 - leverage" in x for x in w), w  # hc2/hc3: their own reason
for l in d["subgroups"]["levels"]:
    assert l["se"] is None and l["pct_ci"] is None and isinstance(l["pct"], float), l
assert d["subgroups"]["heterogeneity_p"] is None
assert any("subgroups by 'category'" in x and "zero to working precision" in x for x in w), w
iv = d["compliance"]["iv"]
assert iv["se"] is None and iv["pct_ci"] is None and isinstance(iv["pct"], float), iv
assert iv["first_stage_f"] is None, iv
assert any("first stage's instrument is zero" in x for x in w), w
assert any("effect of AI use (iv) is zero" in x for x in w), w
assert not any("full compliance" in x for x in w), w
PY

# text: '-' where JSON has null, and no "[a, a]" interval anywhere
up 0 analyze --csv one-vs-60.csv --fe participant --bootstrap 0 --permutations 0
python3 - out <<'PY' || fail "one task against 60: text"
import re, sys
text = open(sys.argv[1]).read()
for lo, hi in re.findall(r"\[([-+0-9.%]+), ([-+0-9.%]+)\]", text):
    assert lo != hi, "zero-width interval in the text: [%s, %s]" % (lo, hi)
row = [l for l in text.splitlines() if l.startswith("ai ")][0].split()
# arm n coef se df CI p time CI
assert row[3:6] == ["-", "-", "-"] and row[6] == "-" and row[7].endswith("%") and row[8] == "-", row
panel = {tuple(l.split()[:2]): l.split() for l in text.splitlines()
         if re.match(r"(classical|hc[0-3]|cr[0-2]) +[zt] ", l)}
assert panel[("cr2", "t")][2:6] == ["-", "-", "-", "-"], panel[("cr2", "t")]
assert panel[("classical", "t")][2] != "-", panel[("classical", "t")]
PY
contains out "zero to working precision under cr0, cr1, cr2"

# the same data under --se classical: the effect keeps its interval, the panel's cluster
# rows are still refused and the warning does not call the chosen type refused
up 0 analyze --csv one-vs-60.csv --fe participant --se classical --bootstrap 0 \
    --permutations 0 --json
python3 check.py out 0 || fail "one task against 60: classical chosen"

# one developer in both arms (the issue's case), no covariate
up 0 analyze --csv one-in-both.csv --fe participant --covariate none --bootstrap 0 \
    --permutations 0 --json
python3 check.py out 1 || fail "one developer in both arms"
# with the covariate the cluster sums no longer cancel: nothing is refused
up 0 analyze --csv one-in-both.csv --fe participant --bootstrap 0 --permutations 0 --json
python3 - out <<'PY' || fail "one developer in both arms, with covariate"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["effects"][0]["se"] > 0, d["effects"]
assert not any("zero to working precision" in x for x in d["warnings"]), d["warnings"]
PY
done_testing
