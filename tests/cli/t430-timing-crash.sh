#!/bin/sh
# Crash safety: streams of logging processes are killed with SIGKILL at random moments,
# 50 times.  Afterwards the database passes SQLite's integrity check (on SQLite) and uplift's
# audit verification, and every event a process reported as committed (it exited 0)
# is in the database.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# Under AddressSanitizer, LeakSanitizer's exit-time check runs in a clone of the
# process (same executable), which this test's random SIGKILL may hit; leaks are
# checked by every other test, so they are off here.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS

# SQL on the study; sqlite3 waits (like uplift) instead of failing while a writer works
sq() {
    if [ "$backend" = sqlite ]; then
        sqlite3 -cmd ".timeout 30000" "$db" "$@"
    else
        study_sql "$@"
    fi
}
# SQLite's check of the database file ("ok"); a server checks its own pages
integrity_check() {
    if [ "$backend" = sqlite ]; then sq 'PRAGMA integrity_check'; else echo ok; fi
}

rounds=${UPLIFT_CRASH_ROUNDS:-50}
streams=2  # logging at the same time in each round
tasks=20   # per stream
seed=${UPLIFT_CRASH_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "crash test seed $seed (rerun with UPLIFT_CRASH_SEED=$seed)"

cat >protocol.yaml <<'YAML'
title: timing crash
YAML
up 0 init --protocol protocol.yaml
echo "participant,title,forecast_ai_min,forecast_no_ai_min" >tasks.csv
r=1
while [ "$r" -le "$rounds" ]; do
    s=1
    while [ "$s" -le "$streams" ]; do
        up 0 participant add "r${r}s$s"
        i=1
        while [ "$i" -le "$tasks" ]; do
            echo "r${r}s$s,task $i,30,45" >>tasks.csv
            i=$((i + 1))
        done
        s=$((s + 1))
    done
    r=$((r + 1))
done
up 0 task import tasks.csv
up 0 randomize
sq "SELECT p.handle, t.id FROM task t JOIN participant p ON p.id = t.participant_id
                  ORDER BY t.id" >task-ids

# stream HANDLE: start and stop each task of the participant; after each command that
# exits 0, append "ID KIND" to committed.  The running command's pid is in pid.HANDLE.
stream() {
    for id in $(awk -F'|' -v h="$1" '$1 == h { print $2 }' task-ids); do
        for kind in start stop; do
            "$UPLIFT" "$kind" "$id" >/dev/null 2>>"err.$1" &
            echo $! >"pid.$1.tmp" && mv "pid.$1.tmp" "pid.$1" # never read half-written
            if wait $!; then
                echo "$id $kind" >>committed
            else
                echo "exit $? from $kind $id" >>"err.$1"
            fi
        done
    done
}

# random DELAY in seconds, 0 to 0.2, from the seed and the round
delay() {
    awk -v s="$seed" -v r="$1" -v k="$2" 'BEGIN { srand(s + 7919 * r + 104729 * k); printf "%.3f", rand() * 0.2 }'
}

# running PID: is PID one of our uplift commands, alive and not a zombie?  (A pid is
# only ever signalled after this check: pids are reused.)
exe=$(readlink -f "$UPLIFT")
running() {
    [ -n "$1" ] && [ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$exe" ] &&
        [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

: >committed
killed=0
r=1
while [ "$r" -le "$rounds" ]; do
    pids=""
    s=1
    while [ "$s" -le "$streams" ]; do
        h="r${r}s$s"
        : >"err.$h"
        : >"pid.$h"
        stream "$h" &
        pids="$pids $!:$h"
        s=$((s + 1))
    done
    k=0
    for entry in $pids; do
        pid=${entry%%:*}
        h=${entry#*:}
        k=$((k + 1))
        sleep "$(delay "$r" "$k")"
        # the command the stream runs now (checked to be ours), then the stream (no
        # further commands, no more "committed" lines), then the command
        child=
        read -r child <"pid.$h"
        ours=0
        if running "$child"; then ours=1; fi
        kill -9 "$pid" 2>/dev/null
        if [ "$ours" = 1 ] && kill -9 "$child" 2>/dev/null; then
            killed=$((killed + 1))
        fi
        wait "$pid" 2>/dev/null
        # the killed command is not our child: wait until it is gone (or a zombie,
        # which holds no lock, when nobody reaps orphans)
        tries=0
        while running "$child"; do
            tries=$((tries + 1))
            [ "$tries" -lt 1000 ] || fail "round $r: killed command $child does not end"
            sleep 0.01
        done
        # a command that failed on its own (not killed) is a bug
        if grep -v '^exit 137 ' "err.$h" | grep -q .; then
            cat "err.$h" >&2
            fail "round $r: a logging command failed"
        fi
    done
    r=$((r + 1))
done

# a stream killed just after it spawned a command leaves that command running on its
# own for a moment: let it finish
sleep 1
[ "$(integrity_check)" = ok ] || fail "integrity check"
if "$UPLIFT" help verify >/dev/null 2>&1; then
    up 0 verify
else
    echo "note: no 'uplift verify' in this build; audit chain not checked here" >&2
fi
# every committed event is present
sq "SELECT task_id || ' ' || kind FROM timing_event ORDER BY task_id, id" >present
sort committed >committed.sorted
sort present >present.sorted
missing=$(comm -23 committed.sorted present.sorted | wc -l)
[ "$missing" -eq 0 ] || { comm -23 committed.sorted present.sorted >&2; fail "$missing committed events are missing"; }
n_committed=$(wc -l <committed)
n_present=$(wc -l <present)
echo "$rounds rounds, $killed commands killed while running, $n_committed events reported committed, $n_present present"
# nothing is left locked or half-done: every task a killed stream left running stops
for id in $(sq "SELECT task_id FROM timing_event GROUP BY task_id
                               HAVING group_concat(kind, ',') = 'start'"); do
    up 0 stop "$id"
done
[ "$(integrity_check)" = ok ] || fail "integrity check at the end"
[ "$killed" -gt 0 ] || fail "no command was killed while running: the test did not test"
done_testing
