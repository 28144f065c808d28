#!/bin/sh
# Long work shows labelled progress on stderr when stderr is a terminal, never
# otherwise: one final line per step (never two), a rate and time remaining of the
# right shape when shown (whether they are depends on timing, so that is not asserted),
# nothing with --quiet or UPLIFT_PROGRESS=never, each step's final line alone with
# UPLIFT_PROGRESS=always on a file, and a bad UPLIFT_PROGRESS refused as a usage error.
. "$UPLIFT_SRC/tests/cli/lib.sh"
command -v script >/dev/null 2>&1 || { echo "skip: script(1) is missing" >&2; exit 77; }
unset UPLIFT_PROGRESS

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

# on_tty FILE CMD...: runs CMD with a pseudo-terminal for stdin, stdout and stderr
# (script(1)); FILE gets what the terminal showed, one redraw per line, without the
# escape that clears a line's end
on_tty() {
    file=$1
    shift
    test_count=$((test_count + 1))
    cmd=
    for word in "$@"; do
        cmd="$cmd '$word'"
    done
    script -qec "$cmd" /dev/null >tty.raw 2>&1 || { cat tty.raw >&2; fail "under a terminal: $*"; }
    tr '\r' '\n' <tty.raw | sed 's/\x1b\[K//g' >"$file"
}

# count FILE REGEX: how many lines of FILE match
count() {
    grep -cE -- "$2" "$1" || true
}

# shapes FILE: every rate, ETA and time taken in FILE has the documented shape
shapes() {
    grep -oE '  [^ ]*/s' "$1" | grep -vxE '  [0-9]+(\.[0-9]+)?[kM]?/s' &&
        fail "a rate of the wrong shape in $1"
    grep -oE 'ETA [^ ]*' "$1" | grep -vxE 'ETA ([0-9]+s|[0-9]+m[0-9]{2}s|[0-9]+h[0-9]{2}m)' &&
        fail "a time remaining of the wrong shape in $1"
    grep -oE ' in [^ ]*' "$1" | grep -vxE ' in ([0-9]+\.[0-9]s|[0-9]+m[0-9]{2}s|[0-9]+h[0-9]{2}m)' &&
        fail "a time taken of the wrong shape in $1"
    return 0
}

bar='\[[#.]{20}\] +[0-9]+%  [0-9]+/[0-9]+'
final='\[#{20}\] 100%  ([0-9]+)/\1  in '

# not a terminal: no progress, stderr empty
up 0 task import tasks.csv
[ ! -s err ] || { cat err >&2; fail "progress written to a non-terminal stderr"; }
up 0 power --participants 4 --tasks 6 --effect 19% --sims 20 --seed 3
[ ! -s err ] || { cat err >&2; fail "power wrote progress to a non-terminal stderr"; }

# a terminal: labelled, redrawn, one final line
on_tty tty.txt "$UPLIFT" task import tasks.csv
contains tty.txt "imported 300 tasks (ids 301-600)"
[ "$(count tty.txt "^import tasks\.csv $bar")" -ge 1 ] || { cat tty.txt >&2; fail "no labelled bar"; }
[ "$(count tty.txt "^import tasks\.csv $final")" -eq 1 ] ||
    { cat tty.txt >&2; fail "not exactly one final line on the terminal"; }
[ "$(count tty.txt '100%')" -eq 1 ] || { cat tty.txt >&2; fail "100% drawn more than once"; }
shapes tty.txt

# power: one labelled step per effect, each ending once
on_tty tty.txt "$UPLIFT" power --participants 4 --tasks 6 --effect 19% --sims 200 --seed 3 \
    --curve -10%,25%
for label in 'effect \+19% \(1/3\)' 'effect -10% \(2/3\)' 'effect \+25% \(3/3\)'; do
    [ "$(count tty.txt "^power: $label $final")" -eq 1 ] ||
        { cat tty.txt >&2; fail "power: not one final line for $label"; }
done
[ "$(count tty.txt '100%')" -eq 3 ] || { cat tty.txt >&2; fail "power: a final line twice"; }
shapes tty.txt
contains tty.txt "Power curve"

# --quiet and UPLIFT_PROGRESS=never silence a terminal
on_tty tty.txt "$UPLIFT" --quiet task import tasks.csv
contains tty.txt "imported 300 tasks"
lacks tty.txt "100%"
lacks tty.txt "import tasks.csv ["
on_tty tty.txt env UPLIFT_PROGRESS=never "$UPLIFT" task import tasks.csv
contains tty.txt "imported 300 tasks"
lacks tty.txt "%"
on_tty tty.txt env UPLIFT_PROGRESS=always "$UPLIFT" --quiet power --participants 4 --tasks 6 \
    --effect 19% --sims 20
lacks tty.txt "power: effect"

# UPLIFT_PROGRESS=always on a file: each step's final line, alone and once
UPLIFT_PROGRESS=always up 0 task import tasks.csv
[ "$(count err 'import tasks\.csv')" -eq 1 ] || { cat err >&2; fail "the label not once"; }
[ "$(count err "^import tasks\.csv $final")" -eq 1 ] || { cat err >&2; fail "no final line"; }
[ "$(wc -l <err)" -eq 1 ] || { cat err >&2; fail "more than the final line in the file"; }
if grep -q "$(printf '\r')" err; then fail "a redraw written to a file"; fi
shapes err
UPLIFT_PROGRESS=always up 0 power --participants 4 --tasks 6 --target-power 0.5 --sims 50 --seed 3
[ "$(count err "^power: search step 1 $final")" -eq 1 ] || { cat err >&2; fail "no search step"; }
[ "$(count err '^power: search step')" -eq "$(wc -l <err)" ] ||
    { cat err >&2; fail "something besides the search steps"; }
shapes err
UPLIFT_PROGRESS=always up 0 randomize --json
[ "$(count err "^randomize $final")" -eq 1 ] || { cat err >&2; fail "no randomize progress"; }
contains err "uplift: randomized 1500 tasks"
UPLIFT_PROGRESS=always up 0 verify
[ "$(count err "^verify: replay $final")" -eq 1 ] || { cat err >&2; fail "no replay progress"; }

# a failure after progress started: the message on its own line
printf 'participant,title\nana,ok\nnobody,bad\n' >bad.csv
on_tty tty.txt sh -c "\"$UPLIFT\" task import bad.csv; echo exit=\$?"
contains tty.txt "exit=1"
grep -q '^uplift: bad.csv:3: ' tty.txt || { cat tty.txt >&2; fail "the error shares a line"; }

# a bad UPLIFT_PROGRESS is a usage error naming the variable, whatever the command
for value in sometimes ALWAYS 1; do
    UPLIFT_PROGRESS=$value up 2 status
    one_error_line
    contains err "uplift: \$UPLIFT_PROGRESS must be never, auto or always, not '$value'"
done
UPLIFT_PROGRESS='' up 0 status
UPLIFT_PROGRESS=never up 0 status
done_testing
