#!/bin/sh
# The wild cluster restricted bootstrap at scale: the time it adds to analyze.
#
#   bench/run_wild.sh [UPLIFT]       (default build/uplift; run from the repository root)
#
# Environment: PARTICIPANTS (100), TASKS (10000 per participant: 1,000,000 in all),
# REPS (99999), WEIGHTS (webb: Rademacher would enumerate at few participants),
# BENCH_DIR (a scratch directory, default a mktemp -d).
#
# Times `analyze --csv --json --bootstrap 0 --permutations 0` without and with
# `--wild-bootstrap REPS --weights WEIGHTS` on one simulated task table (uplift simulate),
# and on METR-sized data (data-samples/metr-columns/data.csv, 16 participants), with
# wall time and peak memory from /usr/bin/time.  The difference is the bootstrap's cost:
# its replicates do not refit (docs/analysis.md, "Few clusters").
set -eu

UPLIFT=${1:-build/uplift}
PARTICIPANTS=${PARTICIPANTS:-100}
TASKS=${TASKS:-10000}
REPS=${REPS:-99999}
WEIGHTS=${WEIGHTS:-webb}
DIR=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$DIR"
quick="--bootstrap 0 --permutations 0 --json"
metr="--treated 1 --map participant=dev_id,task_id=issue_id,arm=ai_treatment \
--map forecast_no_ai_min=predicted_time_no_ai,forecast_ai_min=predicted_time_ai_allowed \
--map reported_min=initial_implementation_time,post_review_min=post_review_implementation_time"

timed() { # LABEL CMD...
    label=$1
    shift
    /usr/bin/time -f "$label: %e s, %M KB" "$@" >"$DIR/out.json"
}

# shellcheck disable=SC2086
timed "METR-sized, no wild bootstrap" "$UPLIFT" analyze --csv data-samples/metr-columns/data.csv $metr $quick
# shellcheck disable=SC2086
timed "METR-sized, $REPS $WEIGHTS replicates" "$UPLIFT" analyze --csv data-samples/metr-columns/data.csv $metr $quick --wild-bootstrap "$REPS" --weights "$WEIGHTS"
"$UPLIFT" simulate --participants "$PARTICIPANTS" --tasks "$TASKS" --effect 10% --seed 3 \
    --out "$DIR/tasks.csv" >/dev/null
# shellcheck disable=SC2086
timed "$PARTICIPANTS x $TASKS tasks, no wild bootstrap" "$UPLIFT" analyze --csv "$DIR/tasks.csv" $quick
# shellcheck disable=SC2086
timed "$PARTICIPANTS x $TASKS tasks, $REPS $WEIGHTS replicates" "$UPLIFT" analyze --csv "$DIR/tasks.csv" $quick --wild-bootstrap "$REPS" --weights "$WEIGHTS"
