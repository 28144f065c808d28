#!/bin/sh
# export --format csv guards text cells against spreadsheet formulas (OWASP "CSV
# injection"): a title, category, handle or text covariate starting with = + - @ gets a
# leading single quote; number columns (a perceived -20% is -0.2) and plain numbers are
# left alone.  --raw writes the stored text; JSON is never changed.  The export imports
# back to the same values.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: formulas
covariates:
  - name: size
    type: number
  - name: area
    type: text
YAML
up 0 init --protocol protocol.yaml
up 0 participant add -- -2+3
up 0 participant add @evil
up 0 participant add ana
up 0 task add --participant -2+3 --title '=HYPERLINK("http://evil.example","x")' \
    --category "+cmd|' /C calc'!A0" --cov size=-3 --cov 'area=@SUM(1)' \
    --forecast-ai 1h --forecast-no-ai 2h
up 0 task add --participant @evil --title "'=already quoted" --category -- \
    --forecast-ai 1h --forecast-no-ai 2h
up 0 task add --participant ana --title "plain, -2 and =x inside" --category bug \
    --forecast-ai 1h --forecast-no-ai 2h
up 0 randomize
UPLIFT_NOW=2099-01-01T09:00Z up 0 start 1
UPLIFT_NOW=2099-01-01T10:00Z up 0 stop 1
up 0 done 1 --time 70 --no-review --perceived -20%

up 0 export
cat out >guarded.csv
python3 - guarded.csv <<'EOF2' || fail "the guarded export is wrong"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
r1, r2, r3 = rows
assert r1["title"] == "'=HYPERLINK(\"http://evil.example\",\"x\")", r1["title"]
assert r1["category"] == "'+cmd|' /C calc'!A0", r1["category"]
assert r1["participant"] == "'-2+3", r1["participant"]
assert r1["area"] == "'@SUM(1)", r1["area"]
assert r1["size"] == "-3", r1["size"]                  # a plain number is no formula
assert r1["perceived_pct"] == "-0.2", r1["perceived_pct"]  # number columns untouched
assert r1["measured_min"] == "60", r1["measured_min"]
assert r2["participant"] == "'@evil", r2["participant"]
assert r2["title"] == "''=already quoted", r2["title"]  # one more quote: restores exactly
assert r2["category"] == "'--", r2["category"]
assert r3["title"] == "plain, -2 and =x inside", r3["title"]
assert r3["category"] == "bug"
for r in rows:
    for k, v in r.items():
        assert not v or v[0] not in "=+-@\t\r" or k in ("perceived_pct", "size"), (k, v)
EOF2

# --raw: the stored text
up 0 export --raw
python3 - out <<'EOF2' || fail "the raw export is wrong"
import csv, sys
r1, r2, r3 = list(csv.DictReader(open(sys.argv[1], newline="")))
assert r1["title"] == '=HYPERLINK("http://evil.example","x")', r1["title"]
assert r1["participant"] == "-2+3" and r2["participant"] == "@evil"
assert r2["title"] == "'=already quoted"
EOF2
up 0 export --format json
[ "$(json_get out 'd[0]["title"]')" = '=HYPERLINK("http://evil.example","x")' ] || fail "json title"
up 2 export --format json --raw
one_error_line
contains err "--raw applies to CSV only"

# re-import: the same values as the study holds
copy_db=$(study_db copy)
up 0 --db "$copy_db" init --protocol protocol.yaml --key-file copy.key
up 0 --db "$copy_db" participant add -- -2+3
up 0 --db "$copy_db" participant add @evil
up 0 --db "$copy_db" participant add ana
up 0 --db "$copy_db" task import guarded.csv
up 0 task list --json
python3 -c 'import json,sys; print(json.dumps([(t["participant"], t["title"], t.get("category")) for t in json.load(open(sys.argv[1]))]))' out >want
up 0 --db "$copy_db" task list --json
python3 -c 'import json,sys; print(json.dumps([(t["participant"], t["title"], t.get("category")) for t in json.load(open(sys.argv[1]))]))' out >got
[ "$(cat want)" = "$(cat got)" ] || fail "re-import changed the text: $(cat got) vs $(cat want)"
contains got '=HYPERLINK'
contains got "'=already quoted"
done_testing
