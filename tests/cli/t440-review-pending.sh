#!/bin/sh
# A review that has not come back: 'done --review-pending' leaves the post-review time
# empty (missing, not 0), the analysis fills it by the protocol's rule (arm mean) or
# leaves the task out (complete case), a later '--post-review DUR' or '--no-review'
# closes it; contradictory combinations are refused without touching the study.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: pending reviews
randomization:
  scheme: permuted-block
  stratify: [participant]
  block_sizes: [4]
analysis:
  missing: arm-mean
YAML
up 0 init --protocol protocol.yaml
for p in ana ben cy; do
    up 0 participant add $p
    for i in 1 2 3 4; do
        up 0 task add --participant $p --title "$p task $i" --forecast-ai $((30 + 7 * i)) \
            --forecast-no-ai $((40 + 9 * i))
    done
done
up 0 randomize

# every task done; task 1 and 2 with their reviews pending
for t in 1 2 3 4 5 6 7 8 9 10 11 12; do
    case $t in
    1 | 2) up 0 done $t --time $((20 + 3 * t)) --review-pending
        contains out "task $t done: reported $((20 + 3 * t)) min, post-review pending" ;;
    3) up 0 done $t --time 29 --no-review ;;
    *) up 0 done $t --time $((20 + 3 * t)) --post-review $((2 + t)) ;;
    esac
done
up 0 export
post_review() { # TASK: its post_review_min cell in the export in out
    python3 -c "import csv,sys; print(next(r['post_review_min'] for r in csv.DictReader(open('out')) if r['task_id'] == sys.argv[1]))" "$1"
}
[ "$(post_review 1)" = "" ] || fail "pending review exported as a value"
[ "$(post_review 3)" = 0 ] || fail "--no-review is 0 min"
[ "$(post_review 4)" = 6 ] || fail "post-review time"

# a task whose review is pending is done in the CONSORT flow (blocks of 4 within each
# participant: 6 tasks per arm, all started and done)
up 0 status --json
[ "$(json_get out '[(a["arm"], a["assigned"], a["started"], a["done"], a["excluded"], a["abandoned"]) for a in d["arms"]]')" \
    = "[('no_ai', 6, 6, 6, 0, 0), ('ai', 6, 6, 6, 0, 0)]" ] || fail "per-arm CONSORT counts"

# the analysis imputes the two pending reviews (arm-mean) or leaves them out
up 0 analyze --json --bootstrap 0 --permutations 0
[ "$(json_get out 'd["rows"]["imputed"]')" = 2 ] || fail "arm-mean imputed count"
[ "$(json_get out 'd["n"]')" = 12 ] || fail "arm-mean n"
up 0 analyze --json --bootstrap 0 --permutations 0 --impute complete-case
[ "$(json_get out 'd["n"]')" = 10 ] || fail "complete-case n"

# contradictions are usage errors; closing a review already recorded is refused
before=$(db_state)
up 2 done 5 --time 30 --post-review 5 --review-pending
one_error_line
contains err "--post-review DUR cannot go with --review-pending"
up 2 done 2 --review-pending
contains err "--review-pending goes with the first report (--time DUR)"
up 1 done 4 --no-review
one_error_line
contains err "task 4 already records 6 min of post-review time"
[ "$(db_state)" = "$before" ] || fail "a refused report changed the study"

# the reviews come back: one with work (added as a round), one without
up 0 done 1 --post-review 12m
contains out "task 1 updated: reported 23 min, post-review 12 min"
up 0 done 2 --no-review
contains out "task 2 updated: reported 26 min, post-review 0 min"
up 0 done 1 --post-review 3
contains out "post-review 15 min"
# a later report of something else leaves a pending review pending and 0 as 0
up 0 done 3 --perceived "-10%"
contains out "post-review 0 min"
up 0 analyze --json --bootstrap 0 --permutations 0
[ "$(json_get out 'd["rows"]["imputed"]')" = 0 ] || fail "nothing left to impute"
done_testing
