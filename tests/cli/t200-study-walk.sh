#!/bin/sh
# A coordinator walks a study from init to export, and the export re-imports into a
# new study with the same tasks.
. "$UPLIFT_SRC/tests/cli/lib.sh"
samples="$UPLIFT_SRC/data-samples/pilot"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
contains out "protocol_sha256"
contains out "commitment"
[ -f "$key_file" ] || fail "init wrote no key file"
[ "$(stat -c %a "$key_file")" = 600 ] || fail "key file is not mode 0600"
secret=$(cat "$key_file")
study_dump - | grep -q "$secret" && fail "the secret is in the database"
commitment=$(awk '$1 == "commitment" { print $2 }' out)
[ "$(printf '%s' "$commitment" | wc -c)" -eq 64 ] || fail "commitment is not 64 hex digits"

# init twice refuses and changes nothing
before=$(db_state)
up 1 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
one_error_line
[ "$before" = "$(db_state)" ] || fail "second init changed the study"

for p in $(cat "$samples/participants.txt"); do
    up 0 participant add "$p" --attr team=core
done
up 1 participant add ana
one_error_line
contains err "already exists"

up 0 task import "$samples/tasks.csv"
contains out "imported 12 tasks (ids 1-12)"
up 0 task add --participant ben --title "One more" --forecast-ai 1h --forecast-no-ai 1h30m
[ "$(cat out)" = 13 ] || fail "task add did not print the new id"

# forecasts for chloe's two unforecast tasks, one given as h:mm
up 0 forecast 11 --ai 2h --no-ai 2:30
up 0 forecast 12 --ai 45m --no-ai 50
up 1 forecast 99 --ai 1h --no-ai 1h
one_error_line
up 2 forecast 12 --ai 0 --no-ai 50
one_error_line

up 0 exclude 4 --reason "duplicate issue"
up 0 exclude 13 --reason "out of scope"
up 1 exclude 4 --reason "again"
one_error_line
up 1 forecast 4 --ai 1h --no-ai 1h
contains err "excluded"

up 0 status --json
[ "$(json_get out 'd["participants"]')" = 3 ] || fail "participants"
[ "$(json_get out 'd["enrolled"]')" = 13 ] || fail "enrolled"
[ "$(json_get out 'd["forecast"]')" = 13 ] || fail "forecast"
[ "$(json_get out 'd["excluded"]')" = 2 ] || fail "excluded"
[ "$(json_get out 'd["excluded_before_assignment"]')" = 2 ] || fail "excluded before assignment"
[ "$(json_get out '[a["arm"] for a in d["arms"]]')" = "['no_ai', 'ai']" ] || fail "arms"
[ "$(json_get out 'd["exclusion_reasons"][0]["count"]')" = 1 ] || fail "reasons"
[ "$(json_get out 'd["study"]["revealed"]')" = False ] || fail "revealed"
up 0 status
contains out "duplicate issue"

up 0 task list --participant chloe
[ "$(wc -l <out)" -eq 5 ] || fail "chloe should have 4 tasks and a header"
up 1 task list --participant nobody
one_error_line

up 0 export --out tasks-export.csv
head -1 tasks-export.csv | grep -q '^task_id,participant,category,arm,forecast_ai_min,forecast_no_ai_min,measured_min,reported_min,post_review_min,perceived_pct,ai_used,status,excluded_reason,title,url$' \
    || fail "export header: $(head -1 tasks-export.csv)"
[ "$(wc -l <tasks-export.csv)" -eq 14 ] || fail "export rows"
contains tasks-export.csv '"Investigate slow start-up, ""cold"" cache"'
up 0 export --format json
[ "$(json_get out 'len(d)')" = 13 ] || fail "json export rows"
[ "$(json_get out 'd[10]["forecast_no_ai_min"]')" = 150.0 ] || fail "json forecast"
up 2 export --format xml
one_error_line

# round trip: the export imported into a new study gives the same tasks
use_study copy
up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
for p in $(cat "$samples/participants.txt"); do
    up 0 participant add "$p"
done
up 0 task import tasks-export.csv
contains err "ignored the result columns"
up 0 export --out copy-export.csv
cut_tasks() { python3 -c '
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    print(r["task_id"], r["participant"], r["title"], r["category"], r["url"], r["forecast_ai_min"], r["forecast_no_ai_min"])
' "$1"; }
cut_tasks tasks-export.csv >a.txt
cut_tasks copy-export.csv >b.txt
cmp a.txt b.txt || fail "the re-imported tasks differ"

done_testing
