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

# every command that prints: exit 1 and one line when standard output is full, also
# when the command would print a notice on stderr on success (report on a study the
# analysis cannot run on yet)
up 0 task add --participant ana --title "One" --forecast-ai 1h --forecast-no-ai 2h
up 0 simulate --participants 3 --tasks 4 --effect 10% --seed 5 --out sim.csv
full() { # ARGS...: uplift ARGS >/dev/full fails with one line
    run 1 sh -c '"$UPLIFT" "$@" >/dev/full' sh "$@"
    one_error_line
}
full participant list
full participant list --json
full task list
full task list --json
full task show 1
full status
full status --json
full export
full export --format json
full export --out -
full verify
full prediction list
full report --out -
contains err "cannot write to standard output"
full report --out - --format md
full report --out - --format json
contains err "cannot write to standard output"
full report --csv sim.csv --out -
full report --csv sim.csv --out - --format json
full analyze --csv sim.csv
full analyze --csv sim.csv --json
full simulate --participants 3 --tasks 4 --effect 10% --seed 5 --out sim2.csv
[ ! -e sim2.csv ] && [ ! -e sim2.truth.json ] || fail "simulate wrote files although it failed"
full simulate --participants 3 --tasks 4 --effect 10% --seed 5 --out sim2.csv --json
full power --participants 3 --tasks 4 --effect 10% --sims 20 --seed 5
full power --participants 3 --tasks 4 --effect 10% --sims 20 --seed 5 --json
full power --participants 3 --tasks 4 --effect 10% --sims 20 --seed 5 --curve 0,10% --out -
full power --participants 3 --tasks 4 --effect 10% --sims 20 --seed 5 --curve 0,10% --out p.html
[ ! -e p.html ] || fail "power wrote its page although it failed"
full help
full help task
full task --help
full export --help
full --help
full --version

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
