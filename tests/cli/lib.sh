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
export UPLIFT_DB="$UPLIFT_SCRATCH/study.db"
unset UPLIFT_ACTOR UPLIFT_PARTICIPANT
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

# A fingerprint of the study's whole content: equal before and after a refused
# command means the database did not change.
db_state() {
    sqlite3 "${1:-$UPLIFT_DB}" .dump | sha256sum | cut -d' ' -f1
}

# json_get FILE PYTHON-EXPRESSION-ON-d: prints the value, e.g. json_get out 'd["n"]'
json_get() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

done_testing() {
    echo "ok: $test_count commands checked"
    exit 0
}
