#!/bin/sh
# make demo's study (scripts/demo): it runs through the engine from init to report, and
# its headline is this run's analysis, with the word that a new key each run moves the
# estimate; it never removes a directory that is not an earlier demo's.
. "$UPLIFT_SRC/tests/cli/lib.sh"
sqlite_only "the demo makes a study of its own in a SQLite file"
demo="$UPLIFT_SRC/scripts/demo"

mkdir keep && echo mine >keep/notes.txt
UPLIFT_DEMO_DIR=$PWD/keep run 1 "$demo" "$UPLIFT"
contains err "not an earlier demo's directory"
[ "$(cat keep/notes.txt)" = mine ] || fail "the demo touched a directory not its own"

UPLIFT_DEMO_DIR=$PWD/demo run 0 "$demo" "$UPLIFT"
cp out headline.txt
contains out "Headline (truth: 19.0% longer with AI)"
contains out "every run draws a new randomization key"
contains out "key revealed; 'uplift verify' replays every draw: audit chain  intact"
[ -s demo/report.html ] || fail "no demo/report.html"
# the headline is the analysis of this run
python3 - headline.txt demo/analysis.json <<'PY' || fail "the headline is not this run's analysis"
import json, sys
text, a = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
e = a["effects"][0]
took = "%.1f%% %s" % (abs(100 * e["pct"]), "longer" if e["pct"] >= 0 else "less time")
assert "took " + took in text, (took, text)
assert "forecast %+.1f%%" % (100 * a["perception"]["forecast_pct"]) in text, text
PY
# a second run replaces its own directory
UPLIFT_DEMO_DIR=$PWD/demo run 0 "$demo" "$UPLIFT"
done_testing
