#!/bin/sh
# Cluster bootstrap speed: uplift's 10,000 resamples of a 250-task study against R doing
# 1,000 with a loop of lm (the way the bootstrap is usually written in R).
#
#   bench/bootstrap.sh [UPLIFT]      (default build/uplift; run from the repository root)
#
# The study: `uplift simulate --participants 25 --tasks 10 --effect 19% --seed 2025`
# (250 tasks).  uplift: `analyze --csv --bootstrap 10000 --permutations 0`, i.e. 10,000
# resamples of participants, each refitting the main model by QR and recomputing the
# ratio of means, perception and gaps, plus the jackknife for BCa; timed against the same
# command with --bootstrap 0, so the difference is the bootstrap alone.  R: 1,000
# resamples of participants, each rbind-ing the drawn participants' rows and fitting
# lm(log(total) ~ treated + log(forecast_no_ai)), timed with system.time().  Prints
# both, and the time per resample.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
uplift=${1:-$root/build/uplift}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$uplift" ] || {
    echo "bootstrap: no uplift binary at '$uplift' (run 'make' first)" >&2
    exit 1
}

"$uplift" simulate --participants 25 --tasks 10 --effect 19% --seed 2025 \
    --out "$work/study.csv" >/dev/null

now() { date +%s.%N; }
best() { # best of 3 runs of "$@", in seconds
    b=""
    for _ in 1 2 3; do
        t0=$(now)
        "$@" >/dev/null
        t1=$(now)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
    done
    echo "$b"
}
base=$(best "$uplift" analyze --csv "$work/study.csv" --bootstrap 0 --permutations 0 --json)
full=$(best "$uplift" analyze --csv "$work/study.csv" --bootstrap 10000 --permutations 0 --json)
boot=$(echo "$full - $base" | bc -l)
printf 'uplift: 250 tasks, 25 participants, 10000 resamples: analyze %.3f s (%.3f s without bootstrap): bootstrap %.3f s, %.1f us per resample\n' \
    "$full" "$base" "$boot" "$(echo "$boot * 100" | bc -l)"

if command -v Rscript >/dev/null 2>&1; then
    Rscript - "$work/study.csv" <<'R'
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d <- d[d$status == "done", ]
d$total <- d$reported_min + ifelse(is.na(d$post_review_min), 0, d$post_review_min)
d$treated <- as.numeric(d$arm == "ai")
parts <- unique(d$participant)
set.seed(2025)
B <- 1000
t <- system.time({
  est <- numeric(B)
  for (b in seq_len(B)) {
    ids <- sample(parts, length(parts), replace = TRUE)
    db <- do.call(rbind, lapply(ids, function(p) d[d$participant == p, ]))
    est[b] <- coef(lm(log(total) ~ treated + log(forecast_no_ai_min), data = db))[["treated"]]
  }
})[["elapsed"]]
cat(sprintf("R:      %d tasks, %d participants, %d resamples (loop of lm): %.3f s, %.1f us per resample\n",
            nrow(d), length(parts), B, t, 1e6 * t / B))
cat(sprintf("        R's 95%% percentile interval of exp(b) - 1: [%+.3f, %+.3f]\n",
            exp(quantile(est, 0.025)) - 1, exp(quantile(est, 0.975)) - 1))
R
else
    echo "R: Rscript not found, skipped"
fi
"$uplift" analyze --csv "$work/study.csv" --bootstrap 10000 --permutations 0 --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); e=d["effects"][0]; m=d["ratio_of_means"]
print("        uplift: model effect %+.3f %s (cr2); ratio of means %+.3f, bootstrap interval [%+.3f, %+.3f]" % (e["pct"], [round(x, 3) for x in e["pct_ci"]], m["pct"], *m["pct_ci"]))'
