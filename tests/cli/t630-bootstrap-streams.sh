#!/bin/sh
# The bootstrap draws each resampled quantity from a stream of its own: adding outside
# predictions leaves ratio_of_means and every perception interval byte for byte as they
# were, and adding a second group leaves the first group's intervals as they were (same
# data, same seed).
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
for p in ana ben cy dee eve fay; do
    up 0 participant add "$p"
done
python3 - >tasks.csv <<'PY'
import random
r = random.Random(630)
print("participant,title,forecast_ai_min,forecast_no_ai_min")
for i in range(36):
    f = r.uniform(30, 240)
    print("%s,task %d,%.1f,%.1f" % ("ana ben cy dee eve fay".split()[i % 6], i, f * r.uniform(0.6, 1.0), f))
PY
up 0 task import tasks.csv
up 0 randomize
python3 - >reports.txt <<'PY'
import random
r = random.Random(6300)
for t in range(1, 37):
    print(t, "%.1f" % r.uniform(20, 300), "%.1f" % r.uniform(0, 30), "%d%%" % r.randint(-40, 10))
PY
while read -r t time post perceived; do
    up 0 done "$t" --time "$time" --post-review "$post" --perceived "$perceived"
done <reports.txt

opts="analyze --json --bootstrap 400 --seed 7 --permutations 0"
up 0 $opts
cp out none.json
for pct in -40% -35% -30%; do
    up 0 prediction add --group experts --pct "$pct"
done
up 0 $opts
cp out experts.json
for pct in -20% -10%; do
    up 0 prediction add --group managers --pct "$pct"
done
up 0 $opts
cp out both.json

python3 - none.json experts.json both.json <<'PY' || fail "a prediction moved another interval"
import json, sys
none, experts, both = (json.load(open(f)) for f in sys.argv[1:4])
def dump(v):  # the bytes of a section as the JSON prints it
    return json.dumps(v, sort_keys=True)
def perception(d):
    return {k: v for k, v in d["perception"].items() if k != "predictions"}
assert none["ratio_of_means"]["pct_ci"] is not None, none["ratio_of_means"]
assert none["perception"]["gap_posthoc_ci"] is not None, none["perception"]
for name, d in (("experts", experts), ("experts and managers", both)):
    assert dump(d["ratio_of_means"]) == dump(none["ratio_of_means"]), (name, d["ratio_of_means"])
    assert dump(perception(d)) == dump(perception(none)), (name, perception(d))
assert [p["group"] for p in experts["perception"]["predictions"]] == ["experts"]
assert [p["group"] for p in both["perception"]["predictions"]] == ["experts", "managers"]
e1, e2 = experts["perception"]["predictions"][0], both["perception"]["predictions"][0]
assert e1["pct_ci"] is not None and e1["gap_ci"] is not None, e1
assert dump(e1) == dump(e2), (e1, e2)
PY

# the same holds for the text sections of the JSON as printed (byte for byte)
for f in experts.json both.json; do
    python3 - none.json "$f" <<'PY' || fail "$f: ratio_of_means is not byte-identical"
import sys
def section(path):
    text = open(path).read()
    start = text.index('"ratio_of_means"')
    return text[start:text.index('"perception"', start)]
a, b = (section(p) for p in sys.argv[1:3])
assert a == b, (a, b)
PY
done
done_testing
