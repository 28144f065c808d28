#!/bin/sh
# `uplift version` and `uplift --version` print the same line; with --verbose both add
# the version of each library the binary runs with (SQLite, libpq, GSL, PLplot, libyaml,
# jansson, libsodium as linked, libcsv as built with).
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 version
grep -Eqx 'uplift [0-9]+\.[0-9]+\.[0-9]+' out || fail "version: $(cat out)"
mv out version.txt
up 0 --version
cmp -s out version.txt || fail "--version differs from version"
[ ! -s err ] || fail "version wrote to stderr"

up 0 version --verbose
mv out verbose.txt
up 0 --version --verbose
cmp -s out verbose.txt || fail "--version --verbose differs from version --verbose"
head -1 out >first.txt
cmp -s first.txt version.txt || fail "--verbose does not start with the version line"
# each library with a version number, the one the binary runs with where it tells
sqlite=$(sqlite3 --version | cut -d' ' -f1) # the same shared libsqlite3
grep -Eq "^  SQLite +$sqlite\$" out || fail "SQLite is not $sqlite: $(cat out)"
for lib in libpq GSL PLplot libyaml jansson libsodium libcsv; do
    grep -Eq "^  $lib +[0-9]+\.[0-9]+" out || fail "no version of $lib: $(cat out)"
done
# libpq as linked: the same library pg_config describes (libpq-dev)
if command -v pg_config >/dev/null 2>&1; then
    pq=$(pg_config --version | sed -E 's/^PostgreSQL ([0-9]+\.[0-9]+).*/\1/')
    grep -Eq "^  libpq +$pq\$" out || fail "libpq is not $pq: $(cat out)"
fi
# with the db given first, as any command
up 0 --db nowhere.db version
cmp -s out version.txt || fail "--db PATH version differs"
[ ! -e nowhere.db ] || fail "version created a database"

# usage errors: unknown option, an argument, --verbose alone
up 2 version --json
one_error_line
contains err "(see 'uplift version --help')"
up 2 --version extra
one_error_line
up 2 --verbose
one_error_line
# help lists it, and says what --verbose does
up 0 help
contains out "version "
up 0 version --help
contains out "--verbose"
done_testing
