# Shared helpers for the CLI tests (sourced by tests/cli/t*.sh), in the spirit of
# git's t/test-lib.sh: each script runs in its own scratch directory, states what it
# checks, and stops at the first failure with the command, its exit code and output.
set -u

: "${UPLIFT:?set UPLIFT to the uplift binary}"
: "${UPLIFT_SRC:?set UPLIFT_SRC to the source tree}"
: "${UPLIFT_SCRATCH:=$(mktemp -d)}"

rm -rf "$UPLIFT_SCRATCH"
mkdir -p "$UPLIFT_SCRATCH"
cd "$UPLIFT_SCRATCH" || exit 1
unset UPLIFT_ACTOR UPLIFT_KEY_FILE UPLIFT_PARTICIPANT
TZ=UTC
export TZ

test_count=0
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# run EXPECTED_EXIT CMD...: runs CMD capturing stdout/stderr into out/err files.
run() {
    expected=$1
    shift
    test_count=$((test_count + 1))
    "$@" >out 2>err
    status=$?
    if [ "$status" -ne "$expected" ]; then
        echo "--- stdout" >&2
        cat out >&2
        echo "--- stderr" >&2
        cat err >&2
        fail "expected exit $expected, got $status: $*"
    fi
}

# uplift EXPECTED_EXIT ARGS...
up() {
    expected=$1
    shift
    run "$expected" "$UPLIFT" "$@"
}

# Each failing command must say what went wrong in exactly one line starting "uplift: ".
one_error_line() {
    [ "$(wc -l <err)" -eq 1 ] || { cat err >&2; fail "stderr is not one line"; }
    grep -q '^uplift: ' err || { cat err >&2; fail "stderr does not start with 'uplift: '"; }
}

contains() { # FILE TEXT
    grep -qF -- "$2" "$1" || { echo "--- $1" >&2; cat "$1" >&2; fail "'$1' lacks '$2'"; }
}

lacks() { # FILE TEXT
    if grep -qF -- "$2" "$1"; then
        cat "$1" >&2
        fail "'$1' contains '$2'"
    fi
}

# The backend: SQLite files in the scratch directory (the default), or, with
# UPLIFT_TEST_BACKEND=postgresql, databases on the server whose socket directory is
# $UPLIFT_TEST_PGHOST (tests/CMakeLists.txt starts one; docs/testing.md).  Each test's
# databases are named after it (uplift_t200_study_walk, uplift_t200_study_walk__copy),
# dropped before it starts and when it ends, so tests can run in parallel.
backend=${UPLIFT_TEST_BACKEND:-sqlite}
case "$backend" in
sqlite) ;;
postgresql)
    : "${UPLIFT_TEST_PGHOST:?set UPLIFT_TEST_PGHOST to the socket directory of the test server}"
    pg_prefix=uplift_$(basename "$0" .sh | tr 'A-Z-' 'a-z_')
    # pg_drop_all: drops the test's databases (--force: a killed process may hold one)
    pg_drop_all() {
        for name in $(psql -X -At -h "$UPLIFT_TEST_PGHOST" -d postgres -c \
            "SELECT datname FROM pg_database WHERE datname = '$pg_prefix' OR datname LIKE '${pg_prefix}\\_\\_%'"); do
            dropdb --if-exists --force -h "$UPLIFT_TEST_PGHOST" "$name" || return 1
        done
    }
    pg_drop_all || { echo "FAIL: cannot reach the PostgreSQL test server at $UPLIFT_TEST_PGHOST" >&2; exit 1; }
    trap 'pg_drop_all' EXIT
    ;;
*)
    echo "FAIL: UPLIFT_TEST_BACKEND is sqlite or postgresql, not '$backend'" >&2
    exit 1
    ;;
esac

# study_addr NAME: the address of this test's study database NAME (a file path in the
# scratch directory on SQLite, a connection URI on PostgreSQL); NAME may contain '/'
study_addr() {
    if [ "$backend" = sqlite ]; then
        echo "$UPLIFT_SCRATCH/$1.db"
    else
        echo "postgresql:///$(pg_name "$1")?host=$UPLIFT_TEST_PGHOST"
    fi
}
pg_name() {
    if [ "$1" = study ]; then
        echo "$pg_prefix"
    else
        echo "${pg_prefix}__$(printf '%s' "$1" | tr -c 'a-z0-9_' '_')"
    fi
}

# study_db NAME: prints study_addr NAME; on PostgreSQL it first creates that database
# (empty) unless it exists
study_db() {
    if [ "$backend" = postgresql ] && [ -z "$(psql -X -At -h "$UPLIFT_TEST_PGHOST" -d postgres -c \
        "SELECT 1 FROM pg_database WHERE datname = '$(pg_name "$1")'")" ]; then
        createdb -h "$UPLIFT_TEST_PGHOST" "$(pg_name "$1")" || fail "createdb $1"
    fi
    study_addr "$1"
}

# study_copy FROM TO: makes study TO a copy of study FROM (both names, as for study_addr)
study_copy() {
    if [ "$backend" = sqlite ]; then
        cp "$(study_addr "$1")" "$(study_addr "$2")" || fail "cannot copy study $1 to $2"
    else
        createdb -h "$UPLIFT_TEST_PGHOST" -T "$(pg_name "$1")" "$(pg_name "$2")" ||
            fail "cannot copy study $1 to $2"
    fi
}

# use_study NAME: makes study NAME (new, or one used before) the one every command uses: $db (and $UPLIFT_DB) is
# its address, $key_file its key file.  On SQLite the key is the tool's default beside
# the database (<db>.key); a PostgreSQL study has no file to put it beside, so
# $UPLIFT_KEY_FILE names it.  lib.sh starts with `use_study study`.
use_study() {
    db=$(study_db "$1") || exit 1
    export UPLIFT_DB="$db"
    if [ "$backend" = sqlite ]; then
        key_file=$db.key
    else
        key_file=$UPLIFT_SCRATCH/$1.key
        export UPLIFT_KEY_FILE="$key_file"
    fi
}
use_study study

# study_sql SQL [DB]: runs SQL on the study (or DB); rows '|'-separated, no header
study_sql() {
    if [ "$backend" = sqlite ]; then
        sqlite3 "${2:-$db}" "$1"
    else
        psql -X -q -At -v ON_ERROR_STOP=1 -d "${2:-$db}" -c "$1"
    fi
}

# study_dump FILE [DB]: a canonical dump of the study (or DB) into FILE, for
# before/after comparisons ('-': standard output)
study_dump() {
    if [ "$1" = - ]; then
        study_dump_to "${2:-$db}"
    else
        study_dump_to "${2:-$db}" >"$1"
    fi
}
study_dump_to() {
    if [ "$backend" = sqlite ]; then
        sqlite3 "$1" .dump
    else
        # a fixed \restrict key: pg_dump draws a random one otherwise
        pg_dump --no-owner --no-privileges --restrict-key=uplifttest -d "$1"
    fi
}

# sqlite_only REASON: ends a test that is about the SQLite file itself (its bytes, its
# locks, foreign SQLite files) as skipped when it runs on another backend
sqlite_only() {
    [ "$backend" = sqlite ] && return 0
    echo "skip: SQLite-only: $*"
    exit 77
}

# A fingerprint of the study's whole content: equal before and after a refused
# command means the database did not change.
db_state() {
    study_dump_to "${1:-$db}" | sha256sum | cut -d' ' -f1
}

# json_get FILE PYTHON-EXPRESSION-ON-d: prints the value, e.g. json_get out 'd["n"]'
json_get() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

done_testing() {
    echo "ok: $test_count commands checked"
    exit 0
}
