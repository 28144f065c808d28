#!/bin/sh
# analyze on a study database: the protocol's analysis (METR's: total time, log no-AI
# forecast, arm-mean imputation, auto SE = cr2 with participants) on the tasks that
# are done, excluded tasks left out and counted, the database opened read-only and
# unchanged; the same figures as analyze --csv on the study's export.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
for p in ana ben cy dee eve; do
    up 0 participant add "$p"
done
python3 - >tasks.csv <<'PY'
import random
r = random.Random(530)
print("participant,title,forecast_ai_min,forecast_no_ai_min")
for i in range(40):
    f = r.uniform(30, 240)
    print("%s,task %d,%.1f,%.1f" % ("ana ben cy dee eve".split()[i % 5], i, f * r.uniform(0.6, 1.0), f))
PY
up 0 task import tasks.csv
up 0 randomize
up 0 exclude 40 --reason "duplicate"
# self-reports for tasks 1-36 (no --post-review: the store records 0, no review);
# 37-39 left unfinished
python3 - >reports.txt <<'PY'
import random
r = random.Random(5300)
for t in range(1, 37):
    post = "" if t % 7 == 0 else "%.1f" % r.uniform(0, 30)
    print(t, "%.1f" % r.uniform(20, 300), post)
PY
while read -r t time post; do
    if [ -n "$post" ]; then
        up 0 done "$t" --time "$time" --post-review "$post"
    else
        up 0 done "$t" --time "$time"
    fi
done <reports.txt

before=$(db_state)
up 0 analyze --json
cp out study.json
[ "$before" = "$(db_state)" ] || fail "analyze changed the study"
python3 - study.json <<'PY' || fail "study analysis"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["n"] == 36 and d["clusters"] == 5, (d["n"], d["clusters"])
assert d["se_type"] == "cr2" and d["dist"] == "t" and d["impute"] == "arm-mean"
assert d["outcome"] == "total" and d["covariate"] == "log_forecast_no_ai"
rows = d["rows"]
assert rows["excluded"] == 1 and rows["imputed"] == 0 and rows["input"] == 40, rows
assert rows["not_done"] == 3, rows
assert d["effects"][0]["arm"] == "ai"
assert any("only 5 clusters" in w for w in d["warnings"])
PY

# options override the protocol
up 0 analyze --json --se classical --dist z --outcome initial --covariate log_forecast_ai
[ "$(json_get out 'd["n"]')" = 36 ] || fail "initial n"
[ "$(json_get out 'd["covariate"]')" = log_forecast_ai ] || fail "override covariate"
[ "$(json_get out 'd["se_type"]')" = classical ] || fail "override se"

# the export analysed as a CSV gives the same numbers
up 0 export --out export.csv
up 0 analyze --csv export.csv --json
python3 - study.json out <<'PY' || fail "export and study differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
assert a["effects"] == b["effects"] and a["se_panel"] == b["se_panel"], "different"
PY

up 0 analyze
contains out "Effect on completion time (vs the no_ai arm)"
done_testing
