#!/bin/sh
# uplift simulate writes a task table and its truth, the same bytes for the same seed,
# that analyze reads back; bad options are usage errors (exit 2, one line, no files).
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 simulate --participants 16 --tasks 5-25 --effect 19% --seed 7 --out s.csv
[ -f s.csv ] || fail "no CSV"
[ -f s.truth.json ] || fail "no truth beside the CSV"
contains out "wrote s.csv"
head -1 s.csv | grep -q '^task_id,participant,category,arm,forecast_ai_min,forecast_no_ai_min,measured_min,reported_min,post_review_min,perceived_pct,ai_used,status,excluded_reason,title,url$' \
    || fail "header: $(head -1 s.csv)"
rows=$(($(wc -l <s.csv) - 1))
[ "$rows" -ge 80 ] && [ "$rows" -le 400 ] || fail "16 participants x 5-25 tasks gave $rows rows"
[ "$(json_get s.truth.json 'd["n_tasks"]')" = "$rows" ] || fail "truth n_tasks"
[ "$(json_get s.truth.json 'd["effect_pct"]')" = 0.19 ] || fail "truth effect_pct"
[ "$(json_get s.truth.json 'round(d["log_effect"], 12)')" = 0.173953307123 ] || fail "truth log_effect"
[ "$(json_get s.truth.json 'd["seed"]')" = 7 ] || fail "truth seed"
[ "$(json_get s.truth.json 'd["rng"]')" = mt19937 ] || fail "truth rng"
[ "$(json_get s.truth.json 'd["parameters"]["tasks_min"], d["parameters"]["tasks_max"]')" = "5 25" ] \
    || fail "truth parameters"
# every participant has 5 to 25 tasks; arms are ai and no_ai; all done
python3 - s.csv <<'PY' || fail "table content"
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
per = collections.Counter(r["participant"] for r in rows)
assert len(per) == 16 and all(5 <= k <= 25 for k in per.values()), per
assert {r["arm"] for r in rows} == {"ai", "no_ai"}
assert all(r["status"] == "done" and float(r["reported_min"]) > 0 for r in rows)
assert all(r["perceived_pct"] == "" for r in rows if r["arm"] == "no_ai")
PY

# the same options give the same bytes; 0.19 means 19%; another seed differs
up 0 simulate --participants 16 --tasks 5-25 --effect 0.19 --seed 7 --out again.csv
cmp s.csv again.csv || fail "same seed, different table"
sed 's/again/s/' again.truth.json | cmp - s.truth.json || fail "same seed, different truth"
up 0 simulate --participants 16 --tasks 5-25 --effect 19% --seed 8 --out other.csv
cmp -s s.csv other.csv && fail "another seed gave the same table"

# --forecast-ratio-sd 0 is the study without the option, table and truth; a positive
# value varies forecast_ai / forecast_no_ai across tasks and is recorded in the truth
up 0 simulate --participants 16 --tasks 5-25 --effect 19% --seed 7 --forecast-ratio-sd 0 \
    --out zero.csv
cmp s.csv zero.csv || fail "--forecast-ratio-sd 0 changed the table"
sed 's/zero/s/' zero.truth.json | cmp - s.truth.json || fail "--forecast-ratio-sd 0 changed the truth"
up 0 simulate --participants 16 --tasks 5-25 --effect 19% --seed 7 --forecast-bias -24% \
    --forecast-ratio-sd 0.25 --out ratio.csv
[ "$(json_get ratio.truth.json 'd["parameters"]["forecast_ratio_sd"]')" = 0.25 ] \
    || fail "truth forecast_ratio_sd"
python3 - ratio.csv <<'PY' || fail "forecast ratios do not vary"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ratios = {round(float(r["forecast_ai_min"]) / float(r["forecast_no_ai_min"]), 2) for r in rows}
assert len(ratios) > 20, ratios
PY

# --json summary
up 0 simulate --participants 4 --tasks 3 --effect "20% faster" --out small.csv --json
[ "$(json_get out 'd["n"]')" = 12 ] || fail "json n"
[ "$(json_get out 'd["effect_pct"]')" = -0.2 ] || fail "json effect"

# a jagged frontier with three arms
up 0 simulate --participants 6 --tasks 10 --effect 0 --arms ai:1,agent:1,no_ai:1 \
    --arm-effect agent=+30% --categories bug:1,feature:1 --category-effect bug=-20% \
    --category-effect feature=+30% --scheme blocked-by-participant --out jag.csv
[ "$(json_get jag.truth.json 'd["effects"][1]["arm"]')" = agent ] || fail "second arm"
[ "$(json_get jag.truth.json 'round(d["log_effect"], 9)')" = \
  "$(python3 -c 'import math; print(round(0.5*math.log(0.8)+0.5*math.log(1.3), 9))')" ] \
    || fail "jagged log effect"

# analyze reads the table (when analyze exists)
if "$UPLIFT" help 2>/dev/null | grep -q '^  analyze '; then
    up 0 analyze --csv s.csv --json
    [ "$(json_get out 'd["n"]')" = "$rows" ] || fail "analyze n"
    [ "$(json_get out 'd["effects"][0]["arm"]')" = ai ] || fail "analyze arm"
fi

# refusals: exit 2, one line, nothing written
for bad in \
    "--tasks 5 --effect 19% --out x.csv" \
    "--participants 16 --effect 19% --out x.csv" \
    "--participants 16 --tasks 5 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19%" \
    "--participants 0 --tasks 5 --effect 19% --out x.csv" \
    "--participants 16 --tasks 9-3 --effect 19% --out x.csv" \
    "--participants 16 --tasks 5 --effect 19 --out x.csv" \
    "--participants 16 --tasks 5 --effect lots --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --scheme coin --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --resid-sd -1 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --review-rate 1.5 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --forecast-ratio-sd -0.25 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --forecast-ratio-sd wide --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --icc 0.2 --participant-sd 0.3 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --icc 1 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --arm-effect robot=10% --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --arm-effect no_ai=10% --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --category-effect docs=10% --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --arms ai --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --arms ai,ai --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --out -" \
    "--participants 16 --tasks 5 --effect 19% --out x.csv extra" \
    "--participants 16 --tasks 5 --effect 19% --seed 0 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --seed 4294967296 --out x.csv" \
    "--participants 16 --tasks 5 --effect 19% --frobnicate --out x.csv"; do
    # shellcheck disable=SC2086
    up 2 simulate $bad
    one_error_line
    [ -e x.csv ] && fail "a refused simulate wrote x.csv: $bad"
    [ -e x.truth.json ] && fail "a refused simulate wrote x.truth.json: $bad"
done
up 1 simulate --participants 2 --tasks 2 --effect 1% --out no/such/dir/x.csv
one_error_line
done_testing
