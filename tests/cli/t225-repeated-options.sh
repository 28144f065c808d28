#!/bin/sh
# An option that takes one value is a usage error when given twice (the last one never
# silently wins), for every command: `start --at` twice, `export --format` twice, an
# analysis option twice; options meant to repeat (--attr, --cov, --arm-effect) still do.
# A refused command changes nothing.
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: repeated options
covariates:
  - name: size
    type: number
  - name: area
    type: text
YAML
up 0 init --protocol protocol.yaml
up 0 participant add ana --attr years=7 --attr repo=astropy
up 0 participant list --json
[ "$(json_get out 'len(d[0]["attributes"])')" = 2 ] || fail "--attr did not repeat"
up 0 task add --participant ana --title one --forecast-ai 1h --forecast-no-ai 2h --cov size=3 --cov area=ui
up 0 randomize

before=$(db_state)
up 2 start 1 --at 2026-03-01T09:00 --at 2026-03-01T10:00
one_error_line
contains err "option '--at' is given more than once"
contains err "(see 'uplift start --help')"
[ "$before" = "$(db_state)" ] || fail "a refused start changed the study"
up 2 start 1 --at=2026-03-01T09:00 --at=2026-03-01T09:00
contains err "'--at'"
up 2 task add --participant ana --participant ana --title two
one_error_line
contains err "option '--participant' is given more than once"
up 2 export --format csv --format json
one_error_line
contains err "option '--format'"
up 2 status --json --json
one_error_line
contains err "option '--json'"
# commands that parse their own option tables (analyze, power, simulate) too
up 2 analyze --se hc2 --se cr2
one_error_line
contains err "option '--se' is given more than once"
up 2 simulate --participants 4 --participants 5 --tasks 4 --effect 0.2 --out sim.csv
one_error_line
contains err "option '--participants'"
[ ! -e sim.csv ] || fail "a refused simulate wrote its output"
up 0 simulate --participants 4 --tasks 4 --effect 0.2 --arms ai:1,pair:1,no_ai:1 \
    --arm-effect ai=0.1 --arm-effect pair=0.3 --seed 3 --out sim.csv
[ "$before" = "$(db_state)" ] || fail "refused commands changed the study"
done_testing
