#!/bin/sh
# Long work shows a progress bar on stderr when stderr is a terminal, never otherwise.
. "$UPLIFT_SRC/tests/cli/lib.sh"
command -v script >/dev/null 2>&1 || { echo "skip: script(1) is missing" >&2; exit 77; }

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana
{
    echo "participant,title,forecast_ai_min,forecast_no_ai_min"
    i=1
    while [ $i -le 300 ]; do
        echo "ana,task $i,30,45"
        i=$((i + 1))
    done
} >tasks.csv

# not a terminal: no bar, stderr empty
up 0 task import tasks.csv
[ ! -s err ] || { cat err >&2; fail "progress written to a non-terminal stderr"; }

# a terminal (script(1) gives the command a pseudo-terminal)
script -qc "\"$UPLIFT\" task import tasks.csv" /dev/null >tty.out 2>&1 || fail "import under a terminal failed"
tr '\r' '\n' <tty.out >tty.txt
contains tty.txt "imported 300 tasks (ids 301-600)"
grep -q '^import *\[#*\] 100%' tty.txt || { cat tty.txt >&2; fail "no finished progress bar on the terminal"; }
done_testing
