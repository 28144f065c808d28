#!/bin/sh
# A failed init leaves nothing behind: no database, no key file, no temporary file,
# whether its output could not be written or a step before it failed.
. "$UPLIFT_SRC/tests/cli/lib.sh"
sqlite_only "checks that a failed init leaves no database file beside its key"
[ -w /dev/full ] || fail "this test needs /dev/full"
protocol="$UPLIFT_SRC/protocols/metr-2025.yaml"

# what is in the current directory besides the test's own out and err files
left() { ls -A | grep -v -x -e out -e err | tr '\n' ' '; }
nothing_left() {
    left=$(left)
    [ -z "$left" ] || fail "a failed init left: $left"
}

mkdir run && cd run || fail "cannot enter run/"
# standard output full: the study would be created without anyone seeing its id
run 1 sh -c '"$UPLIFT" --db study.db init --protocol "$1" >/dev/full' sh "$protocol"
one_error_line
contains err "standard output"
nothing_left

# the same with a key file elsewhere
run 1 sh -c '"$UPLIFT" --db study.db init --protocol "$1" --key-file k.key >/dev/full' sh "$protocol"
one_error_line
nothing_left

# a key file that exists already: refused before anything is created
echo keep >k.key
up 1 --db study.db init --protocol "$protocol" --key-file k.key
one_error_line
[ "$(cat k.key)" = keep ] || fail "init touched an existing key file"
rm k.key
nothing_left

# a key file in a directory that does not exist: no database is left behind
up 1 --db study.db init --protocol "$protocol" --key-file no/such/dir/k.key
one_error_line
nothing_left

# and a successful init leaves exactly the database and its key
up 0 --db study.db init --protocol "$protocol"
[ "$(left)" = "study.db study.db.key " ] || fail "init left: $(left)"
[ "$(stat -c %a study.db.key)" = 600 ] || fail "key file is not mode 0600"
up 0 --db study.db participant add ana
done_testing
