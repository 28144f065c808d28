#!/bin/sh
# analyze --wild-bootstrap N [--weights W]: the wild_bootstrap JSON array (one object
# per arm with its keys), enumeration of every Rademacher sign vector when 2^G <= N,
# reproducibility for a seed, independence of each arm's draws, the text and HTML
# outputs, the few-cluster warning, and the usage refusals (exit 2, one line).
. "$UPLIFT_SRC/tests/cli/lib.sh"

fx="$UPLIFT_SRC/tests/fixtures/analysis"
quick="--bootstrap 0 --permutations 0"

# 8 participants, 2^8 = 256 <= 999: exact
up 0 analyze --csv "$fx/wild_g8.csv" --wild-bootstrap 999 $quick --json
cp out g8.json
python3 - g8.json "$fx/wild.expected.csv" <<'PY' || fail "wild_bootstrap JSON"
import csv, json, sys
d = json.load(open(sys.argv[1]))
w = d["wild_bootstrap"]
assert isinstance(w, list) and len(w) == len(d["effects"]) == 1, w
w = w[0]
for k in ["arm", "p", "pct_ci", "weights", "replicates", "enumerated", "t_variance"]:
    assert k in w, k
assert w["arm"] == "ai" and w["weights"] == "rademacher" and w["t_variance"] == "cr1", w
assert w["enumerated"] is True and w["replicates"] == 256, w
# the literal refit-per-replicate p of make_wild.py (fixture without FE, null 0)
want = [r for r in csv.DictReader(open(sys.argv[2]))
        if r["name"] == "wild_g8" and r["fe"] == "0" and float(r["b0"]) == 0.0][0]
assert abs(w["p"] - float(want["p"])) <= 1e-12, (w["p"], want)
lo, hi = w["pct_ci"]
assert lo < d["effects"][0]["pct"] < hi, (w, d["effects"][0])
assert (w["p"] < 0.05) == (lo > 0 or hi < 0), w
assert any("wild cluster restricted bootstrap" in x and "only 8 clusters" in x
           for x in d["warnings"]), d["warnings"]
# cr3 in the panel, t and z
assert {(p["se_type"], p["dist"]) for p in d["se_panel"] if p["se_type"] == "cr3"} == \
    {("cr3", "t"), ("cr3", "z")}
PY

# with participant fixed effects: the same exact p as the literal algorithm
up 0 analyze --csv "$fx/wild_g8.csv" --fe participant --wild-bootstrap 256 $quick --json
python3 - out "$fx/wild.expected.csv" <<'PY' || fail "wild_bootstrap with fixed effects"
import csv, json, sys
d = json.load(open(sys.argv[1]))
w = d["wild_bootstrap"][0]
want = [r for r in csv.DictReader(open(sys.argv[2]))
        if r["name"] == "wild_g8" and r["fe"] == "1" and float(r["b0"]) == 0.0][0]
assert w["enumerated"] and abs(w["p"] - float(want["p"])) <= 1e-12, (w, want)
PY

# Monte Carlo (Webb): the same seed gives the same bytes, another seed other draws
up 0 analyze --csv "$fx/wild_g12.csv" --wild-bootstrap 2000 --weights webb --seed 5 $quick --json
json_get out 'd["wild_bootstrap"]' >a.txt
up 0 analyze --csv "$fx/wild_g12.csv" --wild-bootstrap 2000 --weights webb --seed 5 $quick --json
json_get out 'd["wild_bootstrap"]' >b.txt
cmp -s a.txt b.txt || fail "same seed, different wild bootstrap"
python3 - out <<'PY' || fail "Webb keys"
import json, sys
w = json.load(open(sys.argv[1]))["wild_bootstrap"][0]
assert w["weights"] == "webb" and w["enumerated"] is False and w["replicates"] == 2000, w
PY
up 0 analyze --csv "$fx/wild_g12.csv" --wild-bootstrap 2000 --weights webb --seed 6 $quick --json
json_get out 'd["wild_bootstrap"]' >c.txt
cmp -s a.txt c.txt && fail "another seed, the same wild bootstrap"
# Rademacher below 2^12 = 4096 replicates is drawn, too
up 0 analyze --csv "$fx/wild_g12.csv" --wild-bootstrap 1000 --weights mammen $quick --json
[ "$(json_get out 'd["wild_bootstrap"][0]["enumerated"]')" = False ] || fail "mammen enumerated"

# three arms: one entry per arm; an arm's draws do not depend on the other arms
up 0 analyze --csv "$fx/three_arms.csv" --wild-bootstrap 500 --weights webb $quick --json
python3 - out <<'PY' || fail "three arms"
import json, sys
d = json.load(open(sys.argv[1]))
assert [w["arm"] for w in d["wild_bootstrap"]] == ["ai", "ai_agent"], d["wild_bootstrap"]
assert all(0 < w["p"] <= 1 for w in d["wild_bootstrap"])
PY

# not asked for: null
up 0 analyze --csv "$fx/wild_g8.csv" $quick --json
[ "$(json_get out 'd["wild_bootstrap"]')" = None ] || fail "wild_bootstrap not null by default"

# text and the HTML report
up 0 analyze --csv "$fx/wild_g8.csv" --wild-bootstrap 999 $quick
contains out "Wild cluster restricted bootstrap (95% intervals by test inversion"
contains out "exact: every sign vector"
contains out "ai (256 replicates, p = "
up 0 report --csv "$fx/wild_g8.csv" --wild-bootstrap 999 $quick --out r.html
contains r.html '<section id="wild-bootstrap">'
contains r.html 'data-key="wild_bootstrap[0].p"'

# refusals: usage errors, exit 2, one line, nothing on stdout
for bad in "--wild-bootstrap 0" "--wild-bootstrap -5" "--wild-bootstrap x" \
    "--wild-bootstrap 99 --weights normal" "--weights webb"; do
    # shellcheck disable=SC2086
    up 2 analyze --csv "$fx/wild_g8.csv" $bad
    one_error_line
    [ ! -s out ] || fail "$bad: printed to stdout"
done
up 2 analyze --csv "$fx/wild_g8.csv" --wild-bootstrap 0
contains err "--wild-bootstrap must be a number of replicates from 1 to 10000000, not '0'"
up 2 analyze --csv "$fx/wild_g8.csv" --wild-bootstrap 9 --weights normal
contains err "--weights must be rademacher, webb or mammen, not 'normal'"

# no clusters: computed nowhere, said why
printf 'task_id,arm,reported_min,post_review_min,forecast_no_ai_min\n' >noclust.csv
python3 -c "
import random
r = random.Random(6)
for i in range(30):
    f = r.uniform(20, 200)
    print('t%d,%s,%.6f,%.6f,%.6f' % (i, 'ai' if i % 2 else 'no_ai', f * r.uniform(0.5, 2), r.uniform(0, 10), f))
" >>noclust.csv
up 0 analyze --csv noclust.csv --wild-bootstrap 99 $quick --json
python3 - out <<'PY' || fail "no clusters"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["wild_bootstrap"] is None
assert any(w.startswith("wild_bootstrap not computed") for w in d["warnings"]), d["warnings"]
PY

done_testing
