#!/bin/sh
# The README's walk through a study, replayed as it stands: every indented block from
# "## A study, step by step" to "### Analysing other data" runs as one shell script in
# an empty directory (set -e: any command that fails fails the test), with build/ the
# binary's directory as in the repository.  Then the blocks of "Analysing other data"
# and "Planning the next study" run from a copy of the repository's root.  The test
# then checks what the walk says happened.
. "$UPLIFT_SRC/tests/cli/lib.sh"
readme="$UPLIFT_SRC/README.md"
sqlite_only "the README's walk makes its study in the default file ./uplift.db"

# blocks FROM UNTIL: the indented lines between two headings, indentation removed
blocks() {
    awk -v from="$1" -v until="$2" '
        $0 == from { on = 1; next }
        $0 == until { on = 0 }
        on && /^    / { print substr($0, 5) }' "$readme"
}
blocks "## A study, step by step" "### Analysing other data" >walk.sh
blocks "### Analysing other data" "## Running a study across machines" >other.sh
grep -q '^uplift init --protocol' walk.sh || fail "no init in the README walk"
grep -q '^uplift randomize' walk.sh || fail "no randomize in the README walk"
grep -q '^uplift analyze --csv data-samples/metr-columns' other.sh || fail "no METR example"

# the repository root, as the README's reader has it: build/ and data-samples/
mkdir root
ln -s "$(dirname "$UPLIFT")" root/build
ln -s "$UPLIFT_SRC/data-samples" root/data-samples
unset UPLIFT_DB UPLIFT_NOW
PATH=/usr/bin:/bin # the walk puts build/ first itself
export PATH

(cd root && sh -e ../walk.sh) >walk.out 2>walk.err || {
    cat walk.out walk.err >&2
    fail "the README walk failed (its output is above)"
}
cd root/pilot || fail "the walk made no pilot/ directory"
[ -f uplift.db ] && [ -f uplift.db.key ] || fail "the walk's study or key is missing"
[ "$(stat -c %a uplift.db.key)" = 600 ] || fail "the key file is not mode 0600"
up 0 status --json
python3 - out <<'PY' || fail "the walk's study is not as the README says"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["participants"] == 3 and d["enrolled"] == 7 and d["assigned"] == 7, d
assert d["done"] == 1 and d["study"]["revealed"] is True, d
PY
up 0 task show 1 --json
[ "$(json_get out 'd["status"]')" = done ] || fail "task 1 is not done"
up 0 verify
contains out "allocation   intact"
[ -f pilot.csv ] && [ -f sim.csv ] && [ -f report.html ] && [ -f analysis.json ] ||
    fail "the walk's output files are missing"
[ "$(json_get analysis.json 'd["n"] > 200')" = True ] || fail "the simulated analysis is not METR-sized"
cd ../.. || fail "cannot leave the walk"

# the blocks read from the repository root
(cd root && PATH="$PWD/build:$PATH" sh -e ../other.sh) >other.out 2>other.err || {
    cat other.out other.err >&2
    fail "the README's other examples failed (their output is above)"
}
contains other.out "vs the 0 arm"
done_testing
