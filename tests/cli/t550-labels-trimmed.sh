#!/bin/sh
# Labels lose their surrounding blanks, quoted or not, as numbers do: "ai " is arm ai
# and "p01 " participant p01, in analyze --csv and in task import alike (one rule,
# harness/engine/text.c).
. "$UPLIFT_SRC/tests/cli/lib.sh"

h='task_id,participant,category,arm,reported_min,post_review_min,forecast_no_ai_min,status,ai_used'
rows='t1,p01,bug,ai,50,5,40,done,yes
t2,p01,bug,no_ai,42,0,45,done,no
t3,p02,feature,ai,70,10,60,done,yes
t4,p02,feature,no_ai,30,3,35,done,no
t5,p03,bug,ai,55,0,50,done,yes
t6,p03,bug,no_ai,64,6,70,done,no
t7,p04,feature,ai,20,2,25,done,yes
t8,p04,feature,no_ai,90,9,80,done,no
t9,p01,feature,ai,41,2,30,done,yes
t10,p02,bug,no_ai,33,3,38,done,no'
printf '%s\n%s\n' "$h" "$rows" >clean.csv
# the same table with blanks inside quotes around every label and keyword
python3 - <<'PY'
import csv
rows = list(csv.reader(open("clean.csv")))
with open("padded.csv", "w", newline="") as f:
    w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(rows[0])
    for i, r in enumerate(rows[1:]):
        pad = [" ", "  ", "\t", " \t "][i % 4]
        w.writerow([pad + c if j % 2 else c + pad for j, c in enumerate(r)])
PY
grep -q '" p01"' padded.csv || fail "padded.csv has no padded label"

up 0 analyze --csv clean.csv --json --subgroup category
cp out clean.json
up 0 analyze --csv padded.csv --json --subgroup category
python3 - out clean.json <<'PY' || fail "padded labels make new arms or participants"
import json, sys
d, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert [e["arm"] for e in d["effects"]] == ["ai"], d["effects"]
assert d["clusters"] == want["clusters"] == 4, d["clusters"]
assert [p["participant"] for p in d["per_participant"]] == ["p01", "p02", "p03", "p04"]
assert [l["level"] for l in d["subgroups"]["levels"]] == [l["level"] for l in want["subgroups"]["levels"]]
assert d["effects"] == want["effects"] and d["se_panel"] == want["se_panel"]
assert d["compliance"]["treated_nonuse"] == 0
PY

# --treated and --arm-names follow the same rule
up 0 analyze --csv padded.csv --treated " ai" --arm-names " ai = AI ,no_ai=none" --json
[ "$(json_get out 'd["effects"][0]["arm"]')" = AI ] || fail "--arm-names with blanks"

# task import: the same rule
up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add p01
up 0 participant add p02
printf 'participant,title,category,forecast_ai_min,forecast_no_ai_min\n"p01 ",Fix the parser,"bug ",30," 40 "\n" p02",Add a flag," bug",20,25\n' >tasks.csv
up 0 task import tasks.csv
up 0 task list --json
python3 - out <<'PY' || fail "task import keeps blanks around labels"
import json, sys
d = json.load(open(sys.argv[1]))
tasks = d["tasks"] if isinstance(d, dict) else d
assert [t["participant"] for t in tasks] == ["p01", "p02"], tasks
assert [t["category"] for t in tasks] == ["bug", "bug"], tasks
PY
# a label of blanks only is empty
printf 'participant,title\n"  ",Fix\n' >blank.csv
before=$(db_state)
up 1 task import blank.csv
one_error_line
contains err "blank.csv:2: column 'participant' is empty"
[ "$before" = "$(db_state)" ] || fail "refused import changed the study"
done_testing
