#!/bin/sh
# A command that changes the study waits for another writer once, for --wait SECONDS
# (else $UPLIFT_WAIT, else 30 s), then fails with one line and changes nothing.  The
# lock is held by a sqlite3 process inside BEGIN EXCLUSIVE; the bounds on time are
# generous (a 1 s wait must end well within 20 s, under any load).
. "$UPLIFT_SRC/tests/cli/lib.sh"
sqlite_only "waits on SQLite's file lock held by sqlite3"
command -v sqlite3 >/dev/null || fail "this test needs sqlite3"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana

# usage errors come before anything is opened
up 2 --wait participant list
one_error_line
up 2 --wait -1 participant list
one_error_line
up 2 --wait soon participant list
one_error_line
UPLIFT_WAIT=x up 2 participant list
one_error_line
unset UPLIFT_WAIT

locker=
release() {
    [ -n "$locker" ] || return 0
    echo "ROLLBACK;" >&3
    exec 3>&-
    wait "$locker"
    locker=
}
trap 'release' EXIT

# hold_lock: a sqlite3 process takes the write lock and keeps it until release
hold_lock() {
    rm -f lockpipe
    mkfifo lockpipe
    sqlite3 "$UPLIFT_DB" <lockpipe >locker.out 2>&1 &
    locker=$!
    exec 3>lockpipe
    echo "BEGIN EXCLUSIVE; INSERT INTO prediction (grp, pct, created_at) VALUES ('x', 0, 0);" >&3
    # wait (up to about 2 minutes) until another connection finds the database locked
    i=0
    until ! sqlite3 "$UPLIFT_DB" "BEGIN IMMEDIATE; ROLLBACK;" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 1200 ] || fail "sqlite3 did not take the lock"
        sleep 0.1
    done
}

hold_lock
before=$(db_state)
start=$(date +%s)
up 1 --wait 1 participant add ben
elapsed=$(($(date +%s) - start))
one_error_line
contains err "locked"
contains err "--wait"
lacks err "cannot start a transaction: cannot start"
[ "$elapsed" -lt 20 ] || fail "--wait 1 took ${elapsed}s"

start=$(date +%s)
UPLIFT_WAIT=1 up 1 task add --participant ana --title "Later"
elapsed=$(($(date +%s) - start))
one_error_line
contains err "locked"
[ "$elapsed" -lt 20 ] || fail "UPLIFT_WAIT=1 took ${elapsed}s"
unset UPLIFT_WAIT

# --wait 0 does not wait at all
up 1 --wait 0 participant add ben
one_error_line

# readers are not blocked by a writer
up 0 --wait 0 participant list
contains out "ana"

# a writer that may wait long enough gets the lock once it is released
"$UPLIFT" --wait 300 participant add chloe >waiter.out 2>waiter.err &
waiter=$!
release
wait "$waiter" || { cat waiter.err >&2; fail "the waiting writer failed after the lock was released"; }
up 0 participant list
contains out "chloe"
lacks out "ben"
done_testing
