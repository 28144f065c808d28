#!/bin/sh
# Every string the reports interpolate is escaped for its format: arm labels (the
# control arm too), titles, handles, categories, subgroup levels and prediction groups
# holding <script>, <i>, |, * and backticks come out as text in HTML and Markdown, never
# as markup.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# 1. CSV input: arms, handles and categories are free text there
python3 - "$UPLIFT_SRC/data-samples/metr-like/tasks.csv" >'evil<script>|*`.csv' <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
w.writeheader()
handles = {}
for r in rows:
    k = handles.setdefault(r["participant"], len(handles))
    r["participant"] = ["<script>alert(1)</script>", "p|2", "*bold*", "`tick`"][k % 4] + str(k)
    r["arm"] = {"no_ai": "<i>ctl</i>", "ai": "<b>ai</b>|*"}[r["arm"]]
    r["category"] = {"feature": "<i>feat</i>|*x*"}.get(r["category"], r["category"])
    w.writerow(r)
PY
for fmt in html md; do
    up 0 report --csv 'evil<script>|*`.csv' --treated '<b>ai</b>|*' --subgroup category \
        --bootstrap 200 --permutations 200 --format "$fmt" --out "csv.$fmt"
done
for f in csv.html csv.md; do
    for raw in "<script>" "<i>ctl</i>" "<b>ai</b>" "<i>feat</i>"; do
        lacks "$f" "$raw"
    done
done
contains csv.html "&lt;i&gt;ctl&lt;/i&gt;"           # the control arm, in headline and tables
contains csv.html "vs &lt;i&gt;ctl&lt;/i&gt;</h3>"   # the SE panel's title
contains csv.html "&lt;script&gt;alert(1)&lt;/script&gt;0"
contains csv.html "&lt;i&gt;feat&lt;/i&gt;|*x*"
contains csv.html "<title>Analysis of evil&lt;script&gt;|*\`.csv - uplift report</title>"
contains csv.md "&lt;i&gt;ctl&lt;/i&gt;"
contains csv.md "&lt;b&gt;ai&lt;/b&gt;\\|\\*"
contains csv.md "\\*bold\\*"
contains csv.md "\\\`tick\\\`"
contains csv.md "&lt;i&gt;feat&lt;/i&gt;\\|\\*x\\*"
contains csv.md "# Analysis of evil&lt;script&gt;\\|\\*\\\`.csv"
# a table row keeps its columns: no unescaped '|' from the data
python3 - csv.md <<'PY' || fail "a Markdown table row has extra columns"
import re, sys
rows = [l for l in open(sys.argv[1]) if l.startswith("| ")]
for l in rows:
    cells = re.split(r"(?<!\\)\|", l.strip())
    if "tick" in l or "p\\|2" in l:
        assert len(cells) == 6, l   # participant | tasks | change | interval
PY

# 2. a study: the protocol title and outside prediction groups
cat >protocol.yaml <<'YAML'
title: "<script>alert(1)</script> *x* | `y`"
YAML
up 0 init --protocol protocol.yaml
for p in ana ben cy dee; do
    up 0 participant add "$p"
done
python3 - >tasks.csv <<'PY'
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["participant", "title", "category", "forecast_ai_min", "forecast_no_ai_min"])
for i, p in enumerate(["ana", "ben", "cy", "dee"] * 4):
    w.writerow([p, "task %d" % i, "<i>cat</i>|*", 30 + i, 40 + 2 * i])
PY
up 0 task import tasks.csv
up 0 randomize
for id in $(seq 1 16); do
    up 0 done "$id" --time $((30 + id * 3)) --no-review --perceived -10%
done
up 0 prediction add --group '<i>experts</i>|*`x`' --pct -30%
for fmt in html md; do
    up 0 report --bootstrap 200 --permutations 200 --format "$fmt" --out "study.$fmt"
    lacks "study.$fmt" "<script>"
    lacks "study.$fmt" "<i>experts</i>"
    lacks "study.$fmt" "<i>cat</i>"
done
contains study.html "<title>&lt;script&gt;alert(1)&lt;/script&gt; *x* | \`y\` - uplift report</title>"
contains study.html "&lt;i&gt;experts&lt;/i&gt;|*\`x\`"
contains study.md "# &lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\| \\\`y\\\`"
contains study.md "&lt;i&gt;experts&lt;/i&gt;\\|\\*\\\`x\\\`"
contains study.md "&lt;i&gt;cat&lt;/i&gt;\\|\\*"
done_testing
