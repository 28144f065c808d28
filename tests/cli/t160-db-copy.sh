#!/bin/sh
# `db copy FROM TO`: a whole study moved to a new SQLite file and on to another database
# of the backend under test (a PostgreSQL server study archived as one file and
# restored) gives the same export, status and analysis on every copy, and each copy's
# audit chain verifies with the same head.  A copy never goes over a study or a file.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/blocked-by-participant.yaml"
for p in ana ben chloe; do
    up 0 participant add "$p" --attr "office=o$p"
done
up 0 task import "$UPLIFT_SRC/data-samples/pilot/tasks.csv"
up 0 forecast --ai 1h --no-ai 2h 11
up 0 forecast --ai 1h --no-ai 2h 12
up 0 randomize
i=0
for t in 1 2 3 4 5 6 7 8 9; do
    UPLIFT_NOW=2099-01-0${t}T09:00Z up 0 start $t
    UPLIFT_NOW=2099-01-0${t}T09:20Z up 0 pause $t
    UPLIFT_NOW=2099-01-0${t}T10:00Z up 0 resume $t
    UPLIFT_NOW=2099-01-0${t}T1${i}:30Z up 0 stop $t
    UPLIFT_NOW=2099-01-0${t}T12:00Z up 0 done $t --time $((50 + 7 * t)) --perceived -20% --ai-used no
    i=$(((i + 1) % 3))
done
up 0 prediction add --group experts --pct -20%
up 0 export
cp out export.orig
up 0 verify
head=$(awk '/^audit chain/ { print $NF }' out)

# the study to a new file, and that file to another study of the backend under test
archive=$UPLIFT_SCRATCH/archive.db
up 0 db copy "$db" "$archive"
contains out "copied"
contains out "audit chain  intact"
contains out "$head"
contains err "the key file stays where it is"
back=$(study_db back)
up 0 db copy "$archive" "$back"
contains out "$head"

for copy in "$archive" "$back"; do
    up 0 --db "$copy" export
    cmp -s out export.orig || fail "the export of $copy differs"
    up 0 --db "$copy" verify --key-file "$key_file"
    contains out "audit chain  intact"
    contains out "$head"
    contains out "12 draws in 3 strata replayed with the key file"
    up 0 --db "$copy" status --json
    sed '/"database"/d' out >"status.copy"
    up 0 status --json
    sed '/"database"/d' out >"status.orig"
    cmp -s status.copy status.orig || fail "status of $copy differs"
    up 0 --db "$copy" analyze --json
    cp out analysis.copy
    up 0 analyze --json
    cmp -s out analysis.copy || fail "the analysis of $copy differs"
done

# the copy goes on as a study: a participant logs on it
UPLIFT_NOW=2099-02-01T09:00Z up 0 --db "$back" start 10
up 0 --db "$back" verify --key-file "$key_file"

# refusals: one line, exit 1, nothing written over
cp "$archive" archive.before
up 1 db copy "$db" "$archive"
one_error_line
contains err "already exists"
cmp -s "$archive" archive.before || fail "a refused copy changed the file it refused"
before=$(db_state "$back")
up 1 db copy "$archive" "$back"
one_error_line
if [ "$backend" = sqlite ]; then
    contains err "already exists"
else
    contains err "holds a study already"
fi
[ "$(db_state "$back")" = "$before" ] || fail "a refused copy changed the study it refused"
up 1 db copy "$UPLIFT_SCRATCH/no-such.db" "$UPLIFT_SCRATCH/x.db"
one_error_line
contains err "no study at"
up 1 db copy "$db" "$UPLIFT_SCRATCH/no-such-dir/x.db"
one_error_line
[ ! -e "$UPLIFT_SCRATCH/no-such-dir" ] || fail "a failed copy made a directory"
printf 'not a study\n' >plain.txt
up 1 db copy plain.txt "$UPLIFT_SCRATCH/y.db"
one_error_line
[ ! -e "$UPLIFT_SCRATCH/y.db" ] || fail "a failed copy left a file"
ls "$UPLIFT_SCRATCH" | grep -q 'copy-' && fail "a failed copy left a temporary file"
up 2 db copy "$db"
one_error_line
up 0 db copy --help
contains out "uplift db copy FROM TO"
done_testing
