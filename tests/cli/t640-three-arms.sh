#!/bin/sh
# analyze --csv with three arms: the compared arm is defined by the arm labels (control,
# then byte order), not by the order of the rows; shuffling the rows gives the same JSON
# byte for byte (bootstrap and permutations included, with or without task ids); and
# every secondary quantity, forecast_pct included, uses the two compared arms' tasks only
# (checked against the means computed here in Python).
. "$UPLIFT_SRC/tests/cli/lib.sh"

# 8 participants x 9 tasks, arms no_ai / ai / agent; the first row is an 'ai' task, so
# that the order of first appearance (ai, then agent) differs from the labels' (agent,
# then ai)
python3 - <<'PY'
import csv, math, random
r = random.Random(640)
arms = ["ai", "agent", "no_ai"]
speed = {"no_ai": 1.0, "ai": 1.2, "agent": 0.9}
hope = {"no_ai": 0.9, "ai": 1.0, "agent": 0.5}
rows = []
for p in range(8):
    for k in range(9):
        arm = arms[(k + p) % 3]
        fn = round(math.exp(r.gauss(math.log(90), 0.6)), 1)
        fa = round(fn * hope[arm] * math.exp(r.gauss(0, 0.1)), 1)
        rep = round(fn * speed[arm] * math.exp(r.gauss(0, 0.3)), 1)
        post = round(r.expovariate(1 / 15), 1)
        perc = "%.2f" % r.uniform(-0.4, 0.0) if arm != "no_ai" else ""
        rows.append(["t%02d" % (len(rows) + 1), "dev%d" % (p + 1), arm,
                     ["bug", "feature", "docs"][k % 3], fa, fn, rep, post, perc])
head = ["task_id", "participant", "arm", "category", "forecast_ai_min",
        "forecast_no_ai_min", "reported_min", "post_review_min", "perceived_pct"]
def write(name, rs, cols=head):
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(cols)
        w.writerows(rs)
write("rows.csv", rows)
shuffled = rows[:]
random.Random(1).shuffle(shuffled)
shuffled.sort(key=lambda row: row[2] != "agent")  # agent first: another first appearance
write("shuffled.csv", shuffled)
write("reversed.csv", rows[::-1])
# without task ids: only the rows' values order them
write("noid.csv", [row[1:] for row in rows], head[1:])
shuffled = [row[1:] for row in rows]
random.Random(2).shuffle(shuffled)
write("noid_shuffled.csv", shuffled, head[1:])
PY

opts="--json --bootstrap 300 --permutations 400 --seed 4 --subgroup category"
up 0 analyze --csv rows.csv $opts
cp out rows.json
for f in shuffled reversed; do
    up 0 analyze --csv $f.csv $opts
    cmp -s out rows.json || { diff rows.json out | head -20 >&2; fail "$f.csv: another JSON"; }
done
up 0 analyze --csv noid.csv $opts
cp out noid.json
up 0 analyze --csv noid_shuffled.csv $opts
cmp -s out noid.json || { diff noid.json out | head -20 >&2; fail "rows without ids: another JSON"; }

python3 - rows.json rows.csv <<'PY' || fail "the two compared arms"
import csv, json, sys
d = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
# the arms: control, then byte order of the labels; effects[0] is the compared arm
assert [e["arm"] for e in d["effects"]] == ["agent", "ai"], d["effects"]
assert any("first non-control arm, 'agent', with 'no_ai'" in w for w in d["warnings"]), d["warnings"]
two = [r for r in rows if r["arm"] in ("agent", "no_ai")]
fa = sum(float(r["forecast_ai_min"]) for r in two)
fn = sum(float(r["forecast_no_ai_min"]) for r in two)
want = fa / fn - 1
every = sum(float(r["forecast_ai_min"]) for r in rows) / sum(float(r["forecast_no_ai_min"]) for r in rows) - 1
assert abs(want - every) > 0.02, (want, every)  # the check tells the two apart
p = d["perception"]
assert abs(p["forecast_pct"] - want) < 1e-12, (p["forecast_pct"], want, every)
assert p["n_forecast"] == len(two), p["n_forecast"]
assert abs(p["gap_forecast"] - (d["effects"][0]["pct"] - want)) < 1e-12
agent = [float(r["perceived_pct"]) for r in rows if r["arm"] == "agent"]
assert abs(p["posthoc_pct"] - sum(agent) / len(agent)) < 1e-12, p["posthoc_pct"]
assert p["n_posthoc"] == len(agent)
def mean_total(arm):
    t = [float(r["reported_min"]) + float(r["post_review_min"]) for r in rows if r["arm"] == arm]
    return sum(t) / len(t)
rom = mean_total("agent") / mean_total("no_ai") - 1
assert abs(d["ratio_of_means"]["pct"] - rom) < 1e-12, (d["ratio_of_means"]["pct"], rom)
PY
done_testing
