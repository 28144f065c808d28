#!/bin/sh
# Protocol-declared covariates through import and export: an empty cell means "not
# recorded" (on import and on task add), the export writes it back as an empty cell,
# and an export re-imports into a fresh study unchanged.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/jagged-frontier.yaml"
for p in ana bo; do
    up 0 participant add "$p"
done

cat >tasks.csv <<'CSV'
participant,title,category,forecast_ai_min,forecast_no_ai_min,repo_familiarity,language
ana,Both recorded,bug,30,45,4,C
ana,No familiarity,feature,60,90,,Python
bo,No language,bug,20,25,2,
bo,Neither,refactor,40,40,,
CSV
up 0 task import tasks.csv
contains out "imported 4 tasks"

# task add: an empty --cov value records nothing too; a bad number is still refused
up 0 task add --participant bo --title "Added by hand" --category bug --cov repo_familiarity= --cov language=Go
before=$(db_state)
up 1 task add --participant bo --title "Bad number" --cov repo_familiarity=high
one_error_line
contains err "covariate 'repo_familiarity': 'high' is not a number"
[ "$(db_state)" = "$before" ] || fail "a refused task add changed the study"
cat >bad.csv <<'CSV'
participant,title,repo_familiarity
ana,Bad,lots
CSV
up 1 task import bad.csv
one_error_line
contains err "bad.csv:2: covariate 'repo_familiarity': 'lots' is not a number"
[ "$(db_state)" = "$before" ] || fail "a refused import changed the study"

# nothing is stored for the empty cells: they are NULL, not empty text
[ "$(study_sql "SELECT count(*) FROM task_covariate")" = 5 ] ||
    fail "covariate rows: $(study_sql "SELECT * FROM task_covariate")"

up 0 export --out e.csv
python3 - e.csv <<'PY' || fail "covariate cells of the export"
import csv, sys
rows = {r["title"]: r for r in csv.DictReader(open(sys.argv[1], newline=""))}
got = {t: (r["repo_familiarity"], r["language"]) for t, r in rows.items()}
assert got == {
    "Both recorded": ("4", "C"),
    "No familiarity": ("", "Python"),
    "No language": ("2", ""),
    "Neither": ("", ""),
    "Added by hand": ("", "Go"),
}, got
PY

# the export re-imports into a fresh study, and that study exports the same table
use_study fresh
up 0 init --protocol "$UPLIFT_SRC/protocols/jagged-frontier.yaml"
for p in ana bo; do
    up 0 participant add "$p"
done
up 0 task import e.csv
lacks err "is not a number"
contains out "imported 5 tasks"
up 0 export --out e2.csv
cmp e.csv e2.csv || { diff e.csv e2.csv >&2; fail "the re-imported study exports differently"; }
[ "$(study_sql "SELECT count(*) FROM task_covariate")" = 5 ] ||
    fail "covariate rows after the round trip"
done_testing
