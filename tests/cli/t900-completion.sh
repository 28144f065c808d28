#!/bin/sh
# Bash completion (completions/uplift.bash): sourced in bash, the completion function
# fills COMPREPLY with commands, subcommands, options, option values (from the model's
# vocabulary and the synopsis), shipped protocols, and the task ids of the study the
# command line names.  The lists come from the hidden `uplift complete` command, which
# answers from the command table; it prints nothing (exit 0) without a study.
. "$UPLIFT_SRC/tests/cli/lib.sh"
command -v bash >/dev/null || fail "this test needs bash"
PATH=$(dirname "$UPLIFT"):$PATH
export PATH

# `uplift complete` itself: the command table, never the hidden command
up 0 complete commands
contains out "task"
contains out "version"
lacks out "complete"
[ "$(grep -c '^task$' out)" -eq 1 ] || fail "task listed more than once"
up 0 help
lacks out "complete"
up 0 complete subcommands task
[ "$(tr '\n' ' ' <out)" = "add import list show " ] || fail "task subcommands: $(cat out)"
up 0 complete options analyze
contains out "--se=TYPE"
contains out "--json"
contains out "--csv=FILE"
up 0 complete options
contains out "--db=PATH"
up 0 complete values analyze --se
[ "$(tr '\n' ' ' <out)" = "classical hc0 hc1 hc2 hc3 cr0 cr1 cr2 cr3 " ] || fail "--se: $(cat out)"
up 0 complete values export --format
[ "$(tr '\n' ' ' <out)" = "csv json " ] || fail "export --format: $(cat out)"
up 0 complete arguments start
[ "$(cat out)" = TASK ] || fail "start takes: $(cat out)"
up 0 complete arguments randomize
[ "$(cat out)" = TASK... ] || fail "randomize takes: $(cat out)"
# no study: nothing, quietly
up 0 complete tasks
[ ! -s out ] && [ ! -s err ] || fail "complete tasks without a study printed something"
[ "$backend" != sqlite ] || [ ! -e "$db" ] || fail "complete tasks created a database"
up 0 --db nowhere/none.db complete participants
[ ! -s out ] || fail "complete participants without a study printed something"
up 2 complete frobnicate
one_error_line

# a study with three tasks
up 0 init --protocol metr-2025
up 0 participant add ana
up 0 participant add ben
up 0 task add --participant ana --title "Fix crash when config file is empty" --forecast-ai 45 --forecast-no-ai 60
up 0 task add --participant ben --title "Handle Unicode file names" --forecast-ai 30 --forecast-no-ai 50
up 0 task add --participant ben --title "Document the plugin API"
up 0 complete tasks
printf '1\tFix crash when config file is empty\n2\tHandle Unicode file names\n3\tDocument the plugin API\n' >want
cmp -s out want || fail "complete tasks: $(cat out)"

# complete WORD... prints COMPREPLY, one entry a line, as bash fills it for the command
# line WORD... with the cursor on the last word
cat >complete.bash <<'BASH'
source "$UPLIFT_SRC/completions/uplift.bash"
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
_uplift
if ((${#COMPREPLY[@]})); then printf '%s\n' "${COMPREPLY[@]}"; fi
BASH
complete() {
    run 0 bash complete.bash uplift "$@"
}
complete ""
contains out "init"
contains out "analyze"
lacks out "complete"
complete st
[ "$(tr '\n' ' ' <out)" = "start stop status " ] || fail "st: $(cat out)"
complete --d
[ "$(cat out)" = --db ] || fail "--d: $(cat out)"
complete task ""
[ "$(tr '\n' ' ' <out)" = "add import list show --help " ] || fail "task: $(cat out)"
complete task add --forecast
[ "$(tr '\n' ' ' <out)" = "--forecast-ai --forecast-no-ai " ] || fail "task add --forecast: $(cat out)"
complete analyze --s
contains out "--se"
contains out "--subgroup"
complete analyze --se cr
[ "$(tr '\n' ' ' <out)" = "cr0 cr1 cr2 cr3 " ] || fail "--se cr: $(cat out)"
complete analyze --se = h
[ "$(tr '\n' ' ' <out)" = "hc0 hc1 hc2 hc3 " ] || fail "--se=h: $(cat out)"
complete analyze --outcome ""
[ "$(tr '\n' ' ' <out)" = "total initial measured " ] || fail "--outcome: $(cat out)"
complete power --dist ""
[ "$(tr '\n' ' ' <out)" = "t z " ] || fail "power --dist: $(cat out)"
complete report --format ""
[ "$(tr '\n' ' ' <out)" = "html md json " ] || fail "report --format: $(cat out)"
complete analyze --ri-design ""
[ "$(tr '\n' ' ' <out)" = "simple complete blocked-by-participant " ] || fail "--ri-design: $(cat out)"
complete task list --participant ""
[ "$(tr '\n' ' ' <out)" = "ana ben " ] || fail "--participant: $(cat out)"
# init --protocol: the shipped protocols, and files
touch my-protocol.yaml
complete init --protocol ""
for name in $(cd "$UPLIFT_SRC/protocols" && ls ./*.yaml | sed 's|^\./||; s|\.yaml$||'); do
    contains out "$name"
done
contains out "my-protocol.yaml"
complete init --protocol me
[ "$(cat out)" = metr-2025 ] || fail "--protocol me: $(cat out)"
# a TASK: the study's ids with their titles, the bare id when one is left
complete start ""
[ "$(wc -l <out)" -eq 3 ] || fail "start: $(cat out)"
contains out "1 -- Fix crash when config file is empty"
contains out "3 -- Document the plugin API"
complete task show 2
[ "$(cat out)" = 2 ] || fail "task show 2: $(cat out)"
complete exclude 3
[ "$(cat out)" = 3 ] || fail "exclude 3: $(cat out)"
complete randomize 1 ""
[ "$(wc -l <out)" -eq 3 ] || fail "randomize 1: $(cat out)"
# the study --db names; none there: nothing
mkdir elsewhere
(cd elsewhere && run 0 env -u UPLIFT_DB bash ../complete.bash uplift --db "$db" forecast 1) ||
    fail "--db study"
[ "$(cat elsewhere/out)" = 1 ] || fail "--db forecast 1: $(cat elsewhere/out)"
complete --db nowhere.db done ""
[ ! -s out ] || fail "no study, yet: $(cat out)"
# a file argument
complete task import my-p
[ "$(cat out)" = my-protocol.yaml ] || fail "task import: $(cat out)"
done_testing
