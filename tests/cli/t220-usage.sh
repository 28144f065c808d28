#!/bin/sh
# Help for every command; unknown commands and options are usage errors (exit 2).
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 --version
grep -Eq '^uplift [0-9]+\.[0-9]+\.[0-9]+$' out || fail "version: $(cat out)"
up 0 help
contains out "Commands:"
up 0 --help
up 2
up 2 frobnicate
one_error_line
contains err "unknown command 'frobnicate'"
up 2 statu
contains err "did you mean 'status'"
up 2 --bogus status
one_error_line

# every command listed by help has --help, help COMMAND, and refuses a bad option
"$UPLIFT" help | sed -n '/^Commands:/,/^$/p' | sed '1d;$d' | cut -c3-22 | sed 's/ *$//' >commands.txt
[ "$(wc -l <commands.txt)" -ge 10 ] || fail "too few commands in help"
while read -r cmd; do
    # shellcheck disable=SC2086
    up 0 $cmd --help
    contains out "usage: uplift"
    # shellcheck disable=SC2086
    up 0 help $cmd
    contains out "usage: uplift"
    [ "$cmd" = help ] && continue
    # shellcheck disable=SC2086
    up 2 $cmd --no-such-option
    one_error_line
    contains err "unknown option '--no-such-option'"
    contains err "(see 'uplift $cmd --help')"
done <commands.txt

# a command group (the first word of two-word commands) is help, not a typo: its
# --help and 'help GROUP' list the subcommands with their usage; without a subcommand,
# or with an unknown one, it is a usage error that lists the valid ones
for group in task participant prediction; do
    subs=$(grep "^$group " commands.txt | cut -d' ' -f2)
    [ -n "$subs" ] || fail "no subcommands of '$group' in help"
    for how in "$group --help" "$group -h" "help $group"; do
        # shellcheck disable=SC2086
        up 0 $how
        contains out "usage: uplift $group "
        contains out "Subcommands:"
        for sub in $subs; do
            contains out "uplift $group $sub"
            grep -Eq "^  $sub +[A-Z]" out || { cat out >&2; fail "$how: no summary of '$sub'"; }
        done
        [ ! -s err ] || fail "$how wrote to stderr: $(cat err)"
    done
    for how in "$group" "$group frob" "$group --json"; do
        # shellcheck disable=SC2086
        up 2 $how
        one_error_line
        lacks err "did you mean '$group'"
        contains err "(see 'uplift $group --help')"
        for sub in $subs; do
            contains err "$sub"
        done
    done
    up 2 "$group"
    contains err "'$group' needs a subcommand: "
    up 2 "$group" frob
    contains err "unknown subcommand 'frob' for '$group': use "
    up 2 help "$group" frob
    one_error_line
    contains err "no such command '$group frob'"
done
up 2 task
contains err "uplift: 'task' needs a subcommand: add, import, list or show (see 'uplift task --help')"
up 2 tsk
contains err "unknown command 'tsk'; did you mean 'task'?"

# an option that takes no value, given one, says so (not "unknown option '-j'")
up 2 status --json=1
one_error_line
contains err "uplift: option '--json' takes no value (see 'uplift status --help')"
up 2 task list --json=yes
contains err "option '--json' takes no value"
# a long option must be spelt out: getopt's abbreviations are refused, so a prefix
# is never taken for another option ("--outc" is not "--outcome", "--part" not
# "--participants")
up 2 power --outc initial
one_error_line
contains err "uplift: unknown option '--outc' for 'power' (see 'uplift power --help')"
up 2 power --outc=initial
contains err "unknown option '--outc' for 'power'"
up 2 power --part 8
contains err "unknown option '--part' for 'power'"
up 2 power --outc
contains err "unknown option '--outc' for 'power'"
up 2 task list --part ana
contains err "unknown option '--part' for 'task list'"
up 2 status --js
contains err "unknown option '--js' for 'status'"
up 2 status --js=1
contains err "unknown option '--js' for 'status'"
up 2 status -x
contains err "unknown option '-x' for 'status'"
up 2 task list --participant
contains err "option '--participant' needs a value"

# commands that need a study say how to make one
up 1 status
one_error_line
contains err "uplift init"

# whole option names still work, with the value joined by '=' or as the next word
cat >protocol.yaml <<'YAML'
title: usage
YAML
up 0 init --protocol protocol.yaml
up 0 participant add ana
up 0 task list --participant=ana --json
up 0 task list --participant ana --json
up 0 status --json
done_testing
