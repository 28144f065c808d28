#!/bin/sh
# Randomization inference on a study re-draws the allocation with the study's own design:
# the allocation engine replayed under fresh secrets over the recorded strata, positions
# and batches.  The JSON design names the replay, p is in (0, 1], the same seed gives the
# same p and another seed another, no warning says the design was approximated, and a
# study of a `complete` protocol is replayed as its batches, a `simple` one as simple.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# study NAME PROTOCOL: 4 participants x 10 tasks, randomized, all done
study() {
    use_study "$1"
    up 0 init --protocol "$2"
    for p in ana ben cy dee; do
        up 0 participant add "$p"
    done
    python3 - >tasks.csv <<'PY'
import random
r = random.Random(620)
print("participant,title,category,forecast_ai_min,forecast_no_ai_min")
for i in range(40):
    f = r.uniform(30, 240)
    print("%s,task %d,%s,%.1f,%.1f" % ("ana ben cy dee".split()[i % 4], i,
          ("bug", "feature")[i % 3 == 0], f * r.uniform(0.6, 1.0), f))
PY
    up 0 task import tasks.csv
    up 0 randomize
    python3 - >times.txt <<'PY'
import random
r = random.Random(6200)
for t in range(1, 41):
    print(t, "%.1f" % r.uniform(20, 300))
PY
    while read -r t time; do
        up 0 done "$t" --time "$time"
    done <times.txt
}

study blocks "$UPLIFT_SRC/protocols/blocked-by-participant.yaml"
opts="--json --bootstrap 0 --permutations 2000"
up 0 analyze $opts --seed 9
cp out a.json
python3 - a.json <<'PY' || fail "replayed design in a.json"
import json, sys
d = json.load(open(sys.argv[1]))
ri = d["randomization_inference"]
assert ri["design"] == "replay of the protocol's permuted-block scheme", ri
assert not ri["exact"] and ri["permutations"] + ri["dropped"] == 2000, ri
assert 0 < ri["p"] <= 1 and ri["p_mc_se"] > 0, ri
assert abs(ri["statistic"] - d["effects"][0]["coef"]) < 1e-10
assert not any("replayed as complete" in w or "re-draws within" in w for w in d["warnings"]), d["warnings"]
PY
up 0 analyze $opts --seed 9
cmp -s out a.json || fail "same seed, different output"
# Another seed draws other permutations.  One other seed may land on the same count by
# chance (about 3% at p near 0.95 with 2,000 draws; the study's key is new each run), so
# the test asks that four other seeds do not all reproduce seed 9's p.
for seed in 10 11 12 13; do
    up 0 analyze $opts --seed "$seed"
    cp out "seed$seed.json"
done
python3 - a.json seed1[0-3].json <<'PY' || fail "other seeds, the same p"
import json, sys
a, *others = (json.load(open(f))["randomization_inference"] for f in sys.argv[1:])
assert all(o["statistic"] == a["statistic"] for o in others), (a, others)
assert any(o["p"] != a["p"] for o in others), (a, others)
PY
# no draws: nothing to enumerate, not computed
up 0 analyze --json --bootstrap 0 --permutations 0
[ "$(json_get out 'd["randomization_inference"]')" = None ] || fail "--permutations 0 ran"
up 0 analyze --bootstrap 0 --permutations 500
contains out "Randomization inference (replay of the protocol's permuted-block scheme"

# a complete protocol that does not stratify by participant: its batches are replayed
cat >complete.yaml <<'YAML'
uplift: 1
title: complete, not stratified
arms:
  - label: no_ai
  - label: ai
randomization:
  scheme: complete
YAML
study complete complete.yaml
up 0 analyze $opts
[ "$(json_get out 'd["randomization_inference"]["design"]')" = \
  "replay of the protocol's complete scheme" ] || fail "complete not replayed"

# simple: independent draws with the protocol's probability are the design itself
study simple "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 analyze $opts
[ "$(json_get out 'd["randomization_inference"]["design"]')" = simple ] || fail "simple"
done_testing
