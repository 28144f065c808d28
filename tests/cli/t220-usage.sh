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
done <commands.txt

# commands that need a study say how to make one
up 1 status
one_error_line
contains err "uplift init"
done_testing
