#!/bin/sh
# The options that analyze, report, power and simulate share are read by one parser:
# the same bad value gets the same one-line usage error (exit 2) from every command
# that takes the option: the model options (analyze, report, power), the design
# options (simulate, power) and --seed (all four).  And every option of each command,
# as its help lists them, is accepted once and, unless it is meant to repeat, refused
# when given twice.  No study exists here, so nothing is analysed or simulated.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# run_any CMD...: runs CMD into out and err whatever its exit code (in $status)
run_any() {
    test_count=$((test_count + 1))
    "$@" >out 2>err
    status=$?
}

# same_refusal "COMMAND..." OPTION VALUE: each command refuses the value with the same
# message; only the hint naming the command differs
same_refusal() {
    cmds=$1
    shift
    first=
    for cmd in $cmds; do
        up 2 "$cmd" "$@"
        one_error_line
        contains err "(see 'uplift $cmd --help')"
        msg=$(sed "s/ (see 'uplift $cmd --help')\$//" err)
        if [ -z "$first" ]; then
            first=$msg
            firstcmd=$cmd
        elif [ "$msg" != "$first" ]; then
            fail "$cmd $*: '$msg' but $firstcmd says '$first'"
        fi
    done
}

for value in bogus auto CR2 ''; do
    same_refusal "analyze report power" --se "$value"
done
same_refusal "analyze report power" --se bogus
contains err "uplift: --se must be classical, hc0, hc1, hc2, hc3, cr0, cr1, cr2 or cr3, not 'bogus'"
for value in 2 0 1 -0.5 x 0.9x ''; do
    same_refusal "analyze report power" --level "$value"
done
contains err "uplift: --level must be a number between 0 and 1 (e.g. 0.95), not ''"
same_refusal "analyze report power" --outcome x
contains err "uplift: --outcome must be total, initial or measured, not 'x'"
same_refusal "analyze report power" --covariate log_forecast
same_refusal "analyze report power" --fe category
contains err "uplift: --fe takes 'participant', not 'category'"
same_refusal "analyze report power" --dist normal
same_refusal "analyze report power" --impute zero
[ ! -e report.html ] || fail "a refused report left report.html"

for opt_value in "participants 0" "tasks 0" "tasks 5-2" "effect x" "arms ai" "scheme coin" \
    "icc 2" "resid-sd 9" "review-rate 150%" "forecast-bias x" "median-time 0" \
    "categories bug:0" "arm-effect ai"; do
    set -- $opt_value
    same_refusal "simulate power" "--$1" "$2"
done

for value in 0 x 4294967296 -1; do
    same_refusal "analyze report power simulate" --seed "$value"
done
contains err "1 to 4294967295"

# The options of each command as its help lists them, with a valid value ('-' for an
# option without one); the list must be the help's.
model="outcome=total covariate=none fe=participant se=hc2 dist=z level=0.9 impute=complete-case"
input="csv=tasks.csv map=participant=dev treated=1 arm-names=1=ai,0=no_ai"
secondary="subgroup=category bootstrap=10 permutations=10 ri-design=simple seed=3
    wild-bootstrap=10 weights=webb"
design="participants=4 tasks=4 effect=10% seed=3 arms=ai:1,no_ai:1 arm-effect=ai=0.1
    scheme=complete categories=bug,feature category-effect=bug=0.1 median-time=1h
    participant-sd=0.2 icc=0.1 resid-sd=0.5 effect-sd=0.1 forecast-sd=0.4 forecast-bias=5%
    forecast-ratio-sd=0.1 perceived=-10% perceived-sd=0.1 perceived-missing=0.1
    review-rate=0.5 post-review-share=0.1 post-review-missing=0.1 report-bias=5% report-sd=0.1
    treated-nonuse=0.1 control-use=0.1 abandon=0.1"
options_analyze="$model $input $secondary json=-"
options_report="$model $input $secondary out=r.html format=md"
options_power="$model $design target-power=0.8 sims=10 panel=- json=- curve=0,10% out=p.html
    format=md"
options_simulate="$design out=s.csv json=-"
repeatable=" map arm-effect category-effect "

for cmd in analyze report power simulate; do
    eval "options=\$options_$cmd"
    listed=$(for o in $options; do echo "${o%%=*}"; done | sort -u)
    up 0 "$cmd" --help
    helped=$(sed -n 's/^  --\([a-z-]*\).*/\1/p' out | sort -u)
    [ "$listed" = "$helped" ] || fail "$cmd: the options tested are not those of its help:
$(printf '%s\n' "$listed" >listed; printf '%s\n' "$helped" >helped; diff listed helped)"
    for o in $options; do
        name=${o%%=*} value=${o#*=}
        if [ "$value" = - ]; then set -- "--$name"; else set -- "--$name" "$value"; fi
        run_any "$UPLIFT" "$cmd" "$@"
        lacks err "unknown option"
        lacks err "given more than once"
        run_any "$UPLIFT" "$cmd" "$@" "$@"
        case $repeatable in
        *" $name "*)
            lacks err "given more than once"
            ;;
        *)
            [ "$status" -eq 2 ] || fail "$cmd $* $*: exit $status, not 2"
            one_error_line
            contains err "uplift: option '--$name' is given more than once: give it once"
            ;;
        esac
    done
done
for f in r.html r.md p.html s.csv s.truth.json; do
    [ ! -e "$f" ] || fail "a refused command left $f"
done
done_testing
