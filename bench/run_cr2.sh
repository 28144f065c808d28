#!/bin/sh
# CR2 at scale: uplift against R estimatr and Python statsmodels on the same task table.
#
#   bench/run_cr2.sh [UPLIFT]        (default build/uplift; run from the repository root)
#
# Environment: ROWS (1000000), CLUSTERS (100), R_ROWS ("10000 30000 100000"),
# BENCH_DIR (a scratch directory, default a mktemp -d), UPLIFT_OPTS (extra analyze
# options, default "--bootstrap 0 --permutations 0": the secondary analyses' resampling
# is switched off so that uplift does what estimatr and statsmodels do, one fit and its
# variances; set UPLIFT_OPTS= to time analyze with its defaults).
#
# uplift and statsmodels run on all ROWS.  estimatr's CR2 forms an n_g x n_g matrix per
# cluster and takes its eigen-decomposition (O(n_g^3) time, 8 n_g^2 bytes): at 1,000,000
# rows in 100 clusters that is a 10,000 x 10,000 matrix (800 MB) per cluster, out of
# reach, so R runs on the R_ROWS subsamples (same generator, same cluster count) and its
# 1,000,000-row time is extrapolated from the growth between the two largest of them.
# Each run reports wall time and peak memory (/usr/bin/time), and the script fails when
# uplift's peak memory reaches 1 GiB.
set -eu

UPLIFT=${1:-build/uplift}
ROWS=${ROWS:-1000000}
CLUSTERS=${CLUSTERS:-100}
R_ROWS=${R_ROWS:-"10000 30000 100000"}
UPLIFT_OPTS=${UPLIFT_OPTS-"--bootstrap 0 --permutations 0"}
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${BENCH_DIR:-$(mktemp -d)}
PY=/usr/bin/python3
mkdir -p "$DIR"

measure() { # LABEL ROWS CMD...: appends "LABEL ROWS SECONDS KB" to results
    label=$1 rows=$2
    shift 2
    /usr/bin/time -f "%e %M" -o "$DIR/time" "$@" >"$DIR/stdout" 2>"$DIR/stderr" || {
        cat "$DIR/stderr" >&2
        echo "bench: $label failed" >&2
        exit 1
    }
    set -- $(tail -n 1 "$DIR/time")
    echo "$label $rows $1 $2" >>"$DIR/results"
    sed 's/^/    /' "$DIR/stdout" | head -n 3 >&2
}

: >"$DIR/results"
echo "generating $ROWS rows in $CLUSTERS clusters in $DIR" >&2
$PY "$HERE/gen_tasks.py" "$ROWS" "$CLUSTERS" 1 "$DIR/tasks.csv"

echo "uplift analyze --se cr2 ($ROWS rows)" >&2
# shellcheck disable=SC2086 # UPLIFT_OPTS is a list of options
measure uplift "$ROWS" "$UPLIFT" analyze --csv "$DIR/tasks.csv" --se cr2 --json $UPLIFT_OPTS
$PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
e = d['effects'][0]
cr1 = [p for p in d['se_panel'] if p['se_type'] == 'cr1' and p['dist'] == 't'][0]
print('    uplift coef %.10g se %.10g df %.6g; cr1 se %.10g (compare statsmodels)'
      % (e['coef'], e['se'], e['df'], cr1['se']))" "$DIR/stdout" >&2

echo "statsmodels cov_type=cluster ($ROWS rows)" >&2
measure statsmodels "$ROWS" $PY "$HERE/sm_cluster.py" "$DIR/tasks.csv"

for n in $R_ROWS; do
    $PY "$HERE/gen_tasks.py" "$n" "$CLUSTERS" 1 "$DIR/tasks-$n.csv"
    echo "uplift and estimatr CR2 on $n rows" >&2
    # shellcheck disable=SC2086
    measure uplift "$n" "$UPLIFT" analyze --csv "$DIR/tasks-$n.csv" --se cr2 --json $UPLIFT_OPTS
    $PY -c "import json,sys; e=json.load(open(sys.argv[1]))['effects'][0]; print('    uplift coef %.10g se %.10g df %.6g' % (e['coef'], e['se'], e['df']))" "$DIR/stdout" >&2
    measure estimatr "$n" Rscript "$HERE/r_cr2.R" "$DIR/tasks-$n.csv"
done

$PY - "$DIR/results" "$ROWS" <<'PY'
import math, sys
rows = [l.split() for l in open(sys.argv[1])]
full = int(sys.argv[2])
res = {}
for label, n, sec, kb in rows:
    res.setdefault(label, {})[int(n)] = (float(sec), int(kb))
up = res["uplift"][full]
print("%-12s %10s %10s %12s %10s" % ("tool", "rows", "wall s", "peak MiB", "x uplift"))
for label in ("uplift", "statsmodels", "estimatr"):
    for n in sorted(res.get(label, {})):
        sec, kb = res[label][n]
        ref = res["uplift"].get(n, up)[0]
        print("%-12s %10d %10.2f %12.0f %10.1f" % (label, n, sec, kb / 1024, sec / ref))
r = res.get("estimatr", {})
if len(r) >= 2:
    (n1, (t1, _)), (n2, (t2, _)) = sorted(r.items())[-2:]
    a = math.log(t2 / t1) / math.log(n2 / n1)
    est = t2 * (full / n2) ** a
    print("estimatr time grows as rows^%.2f between %d and %d rows; extrapolated to %d rows: "
          "%.0f s (%.0f x uplift), not run" % (a, n1, n2, full, est, est / up[0]))
if up[1] >= 1024 * 1024:
    print("FAIL: uplift peak memory %.0f MiB >= 1 GiB" % (up[1] / 1024))
    sys.exit(1)
print("uplift peak memory %.0f MiB (limit 1024)" % (up[1] / 1024))
PY
