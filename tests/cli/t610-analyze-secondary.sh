#!/bin/sh
# analyze's secondary analyses on a simulated study with known truth (non-compliance,
# perception bias, self-report inflation): every key of docs/analysis.md filled with its
# documented members, reproducible for a seed and different for another, the
# randomization design as asked, nulls with warnings for what the data lack, usage
# errors before any reading, and no progress bar when stderr is not a terminal.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 simulate --participants 24 --tasks 10 --effect 19% --seed 61 --forecast-bias -24% \
    --perceived -20% --report-bias 15% --treated-nonuse 0.2 --control-use 0.1 --out sim.csv
opts="--csv sim.csv --subgroup category --bootstrap 1000 --permutations 2000 --json"
up 0 analyze $opts --seed 5
[ ! -s err ] || fail "stderr is not empty when it is not a terminal: $(cat err)"
cp out a.json
python3 - a.json sim.truth.json <<'PY' || fail "secondary keys of a.json"
import json, sys
d = json.load(open(sys.argv[1]))
truth = json.load(open(sys.argv[2]))
def interval(v):
    assert isinstance(v, list) and len(v) == 2 and v[0] <= v[1], v
    return v
rom = d["ratio_of_means"]
assert rom["bootstrap"] == 1000 and rom["seed"] == 5
interval(rom["pct_ci"]); interval(rom["pct_ci_bca"])
assert rom["undefined"] == 0, rom
p = d["perception"]
for k in ("forecast_pct", "posthoc_pct", "gap_forecast", "gap_posthoc"):
    assert isinstance(p[k], float), k
    interval(p[k + "_ci"] if not k.startswith("gap") else p[k + "_ci"])
assert abs(p["forecast_pct"] + 0.24) < 0.005, p["forecast_pct"]
assert abs(p["gap_forecast"] - (d["effects"][0]["pct"] - p["forecast_pct"])) < 1e-12
assert p["predictions"] == []
assert p["undefined"] == {"effect": 0, "forecast_pct": 0, "posthoc_pct": 0,
                          "gap_forecast": 0, "gap_posthoc": 0}, p["undefined"]
a = d["agreement"]
assert a["n"] == d["n"]
lo, hi = interval(a["ratio_ci"])
assert lo < 1.15 < hi, ("self-report inflation 15% not in", a["ratio_ci"])
interval(a["loa"])
assert 0.9 < a["r"] <= 1
for k in ("effect_measured", "effect_reported"):
    assert set(a[k]) >= {"coef", "se", "df", "ci", "pct", "pct_ci", "p"}, a[k]
ri = d["randomization_inference"]
assert ri["design"] == "complete" and ri["permutations"] == 2000 and not ri["exact"], ri
assert 0 <= ri["p"] <= 1 and ri["p_mc_se"] > 0 or ri["p"] == 0
assert abs(ri["statistic"] - d["effects"][0]["coef"]) < 1e-10
pp = d["per_participant"]
assert len(pp) == 24 and all(set(x) == {"participant", "n", "pct", "pct_ci"} for x in pp)
s = d["per_participant_summary"]
assert s["estimated"] == sum(x["pct"] is not None for x in pp)
assert s["slowdown"] == sum(x["pct"] is not None and x["pct"] > 0 for x in pp)
sg = d["subgroups"]
assert sg["column"] == "category" and 0 <= sg["heterogeneity_p"] <= 1
assert sg["heterogeneity_test"]["stat"] == "F" and sg["heterogeneity_test"]["df1"] == len(sg["levels"]) - 1
assert [l["level"] for l in sg["levels"]] == sorted(l["level"] for l in sg["levels"])
for l in sg["levels"]:
    assert set(l) >= {"level", "n", "coef", "se", "pct", "pct_ci"}, l
c = d["compliance"]
assert abs(c["treated_nonuse"] - 0.2) < 0.1 and abs(c["control_use"] - 0.1) < 0.1, c
iv = c["iv"]
assert set(iv) >= {"coef", "se", "df", "ci", "pct", "pct_ci", "first_stage_f"}, iv
assert iv["first_stage_f"] > 10
lo, hi = interval(iv["ci"])
assert lo < truth["log_effect"] < hi, (truth["log_effect"], iv["ci"])
PY

# the same seed gives the same document; another seed other intervals, same estimates
up 0 analyze $opts --seed 5
cmp -s out a.json || fail "same seed, different output"
up 0 analyze $opts --seed 6
cmp -s out a.json && fail "another seed gave the same output"
python3 - a.json out <<'PY' || fail "seed changes only the resampling"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["ratio_of_means"]["pct"] == b["ratio_of_means"]["pct"]
assert a["ratio_of_means"]["pct_ci"] != b["ratio_of_means"]["pct_ci"]
assert a["effects"] == b["effects"]
PY

# the randomization design as asked
up 0 analyze --csv sim.csv --json --bootstrap 0 --ri-design blocked-by-participant
[ "$(json_get out 'd["randomization_inference"]["design"]')" = blocked-by-participant ] ||
    fail "design not replayed"
[ "$(json_get out 'd["ratio_of_means"]["pct_ci"]')" = None ] || fail "--bootstrap 0 has intervals"
contains out "the bootstrap was not run (0 resamples asked for): ratio_of_means and perception have no intervals"
up 0 analyze --csv sim.csv --json --bootstrap 0 --ri-design simple --permutations 500
[ "$(json_get out 'd["randomization_inference"]["design"]')" = simple ] || fail "simple"
up 0 analyze --csv sim.csv --json --bootstrap 0 --permutations 0
[ "$(json_get out 'd["randomization_inference"]')" = None ] || fail "--permutations 0 ran"

# a small design is enumerated exactly: 2 participants x 3 tasks
python3 - >small.csv <<'PY'
print("task_id,participant,arm,forecast_no_ai_min,reported_min,post_review_min")
rows = [("a", "ai", 60, 80), ("a", "no_ai", 50, 40), ("a", "ai", 70, 90),
        ("b", "no_ai", 40, 45), ("b", "ai", 30, 35), ("b", "no_ai", 90, 70)]
for i, (p, arm, f, t) in enumerate(rows):
    print(f"t{i},{p},{arm},{f},{t},0")
PY
up 0 analyze --csv small.csv --json --bootstrap 0 --ri-design complete
[ "$(json_get out 'd["randomization_inference"]["exact"]')" = True ] || fail "not exact"
[ "$(json_get out 'd["randomization_inference"]["permutations"]')" = 20 ] || fail "C(6,3) != 20"
[ "$(json_get out 'd["randomization_inference"]["p_mc_se"]')" = 0.0 ] || fail "exact p has an MC SE"

# what the data lack is null with a warning (no measured time, ai_used, perceived_pct)
fx="$UPLIFT_SRC/tests/fixtures/analysis"
up 0 analyze --csv "$fx/balanced.csv" --json --bootstrap 200
python3 - out <<'PY' || fail "nulls with warnings"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["agreement"] is None and d["compliance"] is None and d["subgroups"] is None
assert d["perception"]["posthoc_pct"] is None and d["perception"]["posthoc_pct_ci"] is None
w = d["warnings"]
assert any(x.startswith("agreement not computed") for x in w), w
assert any(x.startswith("compliance not computed") for x in w), w
assert any("posthoc_pct is null" for x in w), w
PY
# weak instrument: compliance barely differs between arms
up 0 simulate --participants 12 --tasks 10 --effect 19% --seed 62 --treated-nonuse 0.45 \
    --control-use 0.4 --out weak.csv
up 0 analyze --csv weak.csv --json --bootstrap 0 --permutations 0
python3 - out <<'PY' || fail "weak instrument warning"
import json, sys
d = json.load(open(sys.argv[1]))
f = d["compliance"]["iv"]["first_stage_f"]
w = [x for x in d["warnings"] if "weak instrument" in x]
assert (f < 10) == (len(w) == 1), (f, w)
assert f < 10, f
PY

# text output
up 0 analyze --csv sim.csv --subgroup category --bootstrap 200
contains out "Perception and ratio of means"
contains out "percentile         BCa"
contains out "undefined resamples, left out: ratio of means 0, model's effect 0"
python3 - out <<'PY' || fail "text: BCa beside percentile"
import re, sys
t = open(sys.argv[1]).read()
for label in ("ratio of mean times - 1", "gap: measured - forecast", "gap: measured - post-hoc"):
    line = next(l for l in t.splitlines() if l.strip().startswith(label))
    assert len(re.findall(r"\[[-+]\d+\.\d%, [-+]\d+\.\d%\]", line)) == 2, line
PY
contains out "Self-reported vs measured time"
contains out "effect of AI use (2SLS)"
contains out "heterogeneity: F("
contains out "Randomization inference (complete"

# a participant-level column with participant fixed effects: its level main effects are
# spanned by the fixed effects and left out; each level's effect is still estimated
awk -F, -v OFS=, 'NR == 1 { print $0, "seniority"; next }
    { n = substr($2, 2) + 0; print $0, (n % 3 == 0 ? "senior" : n % 3 == 1 ? "junior" : "mid") }' \
    sim.csv >senior.csv
up 0 analyze --csv senior.csv --fe participant --subgroup seniority --bootstrap 0 \
    --permutations 0 --json
python3 - out <<'PY' || fail "subgroups by a participant-level column under --fe participant"
import json, sys
sg = json.load(open(sys.argv[1]))["subgroups"]
assert sg is not None and [l["level"] for l in sg["levels"]] == ["junior", "mid", "senior"], sg
assert all(l["se"] > 0 and l["pct_ci"] is not None for l in sg["levels"]), sg
assert 0 < sg["heterogeneity_p"] < 1, sg
PY

# full compliance: the first-stage F is infinite, printed as undefined (not "nan")
up 0 simulate --participants 12 --tasks 6 --effect 19% --seed 62 --treated-nonuse 0 \
    --control-use 0 --out full.csv
up 0 analyze --csv full.csv --bootstrap 50 --permutations 0
contains out "first-stage F                      - (full compliance"
grep -qi nan out && fail "text output prints nan: $(grep -i nan out)"

# usage errors (exit 2) before any reading, failures (exit 1) in one line
up 2 analyze --csv sim.csv --bootstrap -5
one_error_line
up 2 analyze --csv sim.csv --permutations many
one_error_line
up 2 analyze --csv sim.csv --seed x
one_error_line
# seed 0 would be GSL mt19937's default seed 4357 in disguise: refused with the range
for seed in 0 00 4294967296 -1; do
    up 2 analyze --csv sim.csv --seed "$seed"
    one_error_line
    contains err "from 1 to 4294967295"
done
up 0 analyze --csv sim.csv --seed 4294967295 --bootstrap 50 --permutations 50 --json
up 2 analyze --csv sim.csv --ri-design stratified
one_error_line
contains err "simple, complete or blocked-by-participant"
up 2 analyze --ri-design complete
one_error_line
contains err "--ri-design applies to --csv input"
up 1 analyze --csv sim.csv --subgroup no_such_column
one_error_line
contains err "no_such_column"
done_testing
