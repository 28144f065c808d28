#!/bin/sh
# A near-collinear covariate: where R's lm would report it as NA (the part of the column
# orthogonal to the columns before it is below 1e-7 of its length) the analysis is
# refused as for an exactly dependent column; above that tolerance but with a condition
# number above 1e7 (columns scaled to unit length) it is estimated with a warning naming
# the covariate and the condition number; a covariate that varies gets neither.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# near.py DELTA OUT: forecasts 60 exp(DELTA z), so log(forecast) = log 60 + DELTA z is
# nearly the intercept; the orthogonal part is about DELTA / 4.1 of the column's length
cat >near.py <<'PY'
import math, random, sys
delta, out = float(sys.argv[1]), sys.argv[2]
r = random.Random(11)
rows = ["task_id,participant,arm,reported_min,post_review_min,forecast_no_ai_min,status"]
for i in range(40):
    arm = "ai" if i % 2 else "no_ai"
    f = 60 * math.exp(delta * r.gauss(0, 1))
    t = 60 * math.exp((0.15 if arm == "ai" else 0.0) + r.gauss(0, 0.5))
    rows.append("t%d,p%d,%s,%.1f,0,%.17g,done" % (i + 1, i % 8, arm, t, f))
open(out, "w").write("\n".join(rows) + "\n")
PY

# 1e-9: far below R's tolerance (condition number ~1e10; the coefficient was in the
# millions before): refused, exit 1, one line naming the covariate
python3 near.py 1e-9 refused.csv
up 1 analyze --csv refused.csv --json
one_error_line
contains err "'log_forecast_no_ai' is a combination of the columns before it to within"
contains err "condition number 8.59e+09"
contains err "R's lm reports a column below 1e-07 as NA"
[ ! -s out ] || fail "refused analysis printed to stdout"
# just below the tolerance (ratio 8e-8): refused as well
python3 near.py 3e-7 edge.csv
up 1 analyze --csv edge.csv
one_error_line
contains err "within 8e-08 of its length"

# 5e-7: ratio 1.3e-7, above R's tolerance, condition number 1.7e7: a warning
python3 near.py 5e-7 warned.csv
up 0 analyze --csv warned.csv --bootstrap 0 --permutations 0 --json
python3 - out <<'PY' || fail "near-collinear covariate: warning"
import json, re, sys
d = json.load(open(sys.argv[1]))
w = [x for x in d["warnings"] if "nearly collinear" in x]
assert len(w) == 1, d["warnings"]
assert "'log_forecast_no_ai' is closest to a combination" in w[0], w
cond = float(re.search(r"condition number with columns scaled to unit length is ([0-9.e+]+)",
                       w[0]).group(1))
assert 1e7 < cond < 3e7, w
assert d["effects"][0]["se"] > 0, d["effects"]
PY
up 0 analyze --csv warned.csv --bootstrap 0 --permutations 0
contains out "the design is nearly collinear: its condition number with columns scaled to unit length is 1.72e+07, above 1e+07; 'log_forecast_no_ai'"

# 1e-6 (condition number 8.6e6) and an ordinary covariate: no warning
for delta in 1e-6 0.3; do
    python3 near.py $delta ok.csv
    up 0 analyze --csv ok.csv --bootstrap 0 --permutations 0
    lacks out "nearly collinear"
done
# the same refusal with participant fixed effects and a forecast that barely varies
# within each participant: R's lm drops the last participant's column, and so names it
python3 - <<'PY'
import math, random
r = random.Random(4)
rows = ["task_id,participant,arm,reported_min,post_review_min,forecast_no_ai_min"]
i = 0
for p in range(6):
    base = r.uniform(30, 120)
    for t in range(6):
        i += 1
        arm = "ai" if t % 2 else "no_ai"
        f = base * math.exp(1e-9 * r.gauss(0, 1))
        rows.append("t%d,p%d,%s,%.1f,0,%.17g" % (i, p, arm, base * r.lognormvariate(0, 0.4), f))
open("fe.csv", "w").write("\n".join(rows) + "\n")
PY
up 0 analyze --csv fe.csv --bootstrap 0 --permutations 0
up 1 analyze --csv fe.csv --fe participant
one_error_line
contains err "'participant_p5' is a combination of the columns before it"
done_testing
