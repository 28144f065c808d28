#!/bin/sh
# Output that cannot be written fails the command, and a write command whose output
# fails is rolled back; files named with --out are written whole or not at all.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana
[ -w /dev/full ] || fail "this test needs /dev/full"

before=$(db_state)
run 1 sh -c '"$UPLIFT" participant add ben >/dev/full'
one_error_line
contains err "cannot write to standard output"
[ "$before" = "$(db_state)" ] || fail "a command whose output failed still changed the study"

run 1 sh -c '"$UPLIFT" participant list >/dev/full'
one_error_line
run 1 sh -c '"$UPLIFT" export >/dev/full'
one_error_line

# --out into a missing directory: one line, nothing created
up 1 export --out no/such/dir/tasks.csv
one_error_line
[ ! -e no/such/dir ] || fail "export created a directory"

# --out over an existing file replaces it only when the export succeeded
echo "precious" >kept.csv
up 0 export --out kept.csv
contains kept.csv "task_id,participant"
ls kept.csv.tmp-* 2>/dev/null && fail "a temporary file was left behind"
done_testing
