#!/bin/sh
# Many participants logging into one database at once: 16 processes, each logging 200
# start/stop pairs on its own tasks through the CLI, all at the same time.  Every one
# of the 6,400 events must be there, no command may fail, and no "database is locked"
# may reach anyone.
. "$UPLIFT_SRC/tests/cli/lib.sh"

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

procs=${UPLIFT_CONC_PROCS:-16}
pairs=${UPLIFT_CONC_PAIRS:-200}
events=$((procs * pairs * 2))

cat >protocol.yaml <<'YAML'
title: timing concurrency
YAML
up 0 init --protocol protocol.yaml
{
    echo "participant,title,forecast_ai_min,forecast_no_ai_min"
    p=1
    while [ "$p" -le "$procs" ]; do
        i=1
        while [ "$i" -le "$pairs" ]; do
            echo "dev$p,task $i of dev$p,60,90"
            i=$((i + 1))
        done
        p=$((p + 1))
    done
} >tasks.csv
p=1
while [ "$p" -le "$procs" ]; do
    up 0 participant add "dev$p"
    p=$((p + 1))
done
up 0 task import tasks.csv
up 0 randomize
assigned=$(sq "SELECT count(*) FROM allocation")
[ "$assigned" -eq $((procs * pairs)) ] || fail "randomize assigned $assigned tasks"

# each process's task ids, read before the storm
p=1
while [ "$p" -le "$procs" ]; do
    sq "SELECT t.id FROM task t JOIN participant p ON p.id = t.participant_id
                      WHERE p.handle = 'dev$p' ORDER BY t.id" >"ids.$p"
    p=$((p + 1))
done

logger() { # N: logs start and stop on each of its tasks; counts failures
    failures=0
    for id in $(cat "ids.$1"); do
        "$UPLIFT" start "$id" >/dev/null 2>>"err.$1" || failures=$((failures + 1))
        "$UPLIFT" stop "$id" >/dev/null 2>>"err.$1" || failures=$((failures + 1))
    done
    echo "$failures" >"failures.$1"
}

t0=$(date +%s.%N)
p=1
while [ "$p" -le "$procs" ]; do
    : >"err.$p"
    logger "$p" &
    p=$((p + 1))
done
wait
t1=$(date +%s.%N)

failures=$(cat failures.* | awk '{ s += $1 } END { print s }')
[ "$failures" -eq 0 ] || { cat err.* >&2; fail "$failures commands failed"; }
if [ -s "$(ls -S err.* | head -1)" ]; then
    cat err.* >&2
    fail "the loggers saw errors"
fi
n=$(sq "SELECT count(*) FROM timing_event")
[ "$n" -eq "$events" ] || fail "$n events in the database, expected $events"
bad=$(sq "SELECT count(*) FROM (SELECT task_id FROM timing_event GROUP BY task_id
                        HAVING count(*) <> 2 OR min(kind) <> 'start' OR max(kind) <> 'stop') AS t")
[ "$bad" -eq 0 ] || fail "$bad tasks without exactly one start and one stop"
[ "$(integrity_check)" = ok ] || fail "integrity check"
if "$UPLIFT" help verify >/dev/null 2>&1; then
    up 0 verify
fi
# a writer that holds SQLite's file lock for 3 seconds makes a logger wait, not fail
# (the lock of the database file; a server's row locks are another matter)
if [ "$backend" = sqlite ]; then
    up 0 task add --participant dev1 --title "after the storm" --forecast-ai 1h --forecast-no-ai 1h
    extra=$(cat out)
    up 0 randomize "$extra"
    { echo "BEGIN IMMEDIATE; DELETE FROM participant WHERE 0;"; sleep 3; echo "COMMIT;"; } | sqlite3 "$db" &
    holder=$!
    sleep 0.5
    w0=$(date +%s.%N)
    up 0 start "$extra"
    w1=$(date +%s.%N)
    wait "$holder"
    waited=$(echo "$w0 $w1" | awk '{ printf "%.1f", $2 - $1 }')
    awk -v w="$waited" 'BEGIN { exit !(w >= 2) }' || fail "start did not wait for the lock ($waited s)"
    echo "a command waited $waited s for a writer holding the lock, then succeeded"
fi

echo "$procs processes x $pairs start/stop pairs: $n events in $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s, 0 failures"
done_testing
