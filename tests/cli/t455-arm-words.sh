#!/bin/sh
# The arm in words: start says under which arm the participant now works ("AI allowed
# (ai)", "AI not allowed (no_ai)", with the protocol's description); done warns (stderr,
# exit 0, recorded as given) when --ai-used yes or --perceived contradicts a no-AI arm.
. "$UPLIFT_SRC/tests/cli/lib.sh"

# complete randomization: two tasks of each arm, whatever the secret
cat >protocol.yaml <<'YAML'
title: arm words
arms:
  - label: no_ai
    description: AI tools disallowed (no Cursor, Copilot, chat assistants)
  - label: ai
    description: AI tools allowed (any, at the developer's choice)
randomization:
  scheme: complete
YAML
up 0 init --protocol protocol.yaml
UPLIFT_NOW=2026-03-01T08:00Z
export UPLIFT_NOW
up 0 participant add ana
for i in 1 2 3 4; do
    up 0 task add --participant ana --title "task $i" --forecast-ai 1h --forecast-no-ai 2h
done
up 0 randomize
UPLIFT_NOW=2026-03-01T18:00Z
up 0 export --format json
mv out export.json
no_ai=$(python3 -c 'import json; print(" ".join(str(r["task_id"]) for r in json.load(open("export.json")) if r["arm"] == "no_ai"))')
ai=$(python3 -c 'import json; print(" ".join(str(r["task_id"]) for r in json.load(open("export.json")) if r["arm"] == "ai"))')
set -- $no_ai
[ $# -eq 2 ] || fail "complete randomization did not give two no_ai tasks: $no_ai"
n1=$1 n2=$2
set -- $ai
[ $# -eq 2 ] || fail "complete randomization did not give two ai tasks: $ai"
a1=$1 a2=$2

up 0 start "$n1" --at 09:00
contains out "task $n1 started at 2026-03-01T09:00:00Z, entered by hand"
contains out "arm: AI not allowed (no_ai): AI tools disallowed (no Cursor, Copilot, chat assistants)"
up 0 stop "$n1" --at 10:00
lacks out "arm:"
up 0 start "$a1" --at 10:00
contains out "arm: AI allowed (ai): AI tools allowed (any, at the developer's choice)"
up 0 stop "$a1" --at 11:00

# no-AI arm: AI used and a perceived effect are recorded, each with a warning
up 0 done "$n1" --time 1h --ai-used yes --perceived "20% faster"
[ "$(wc -l <err)" -eq 2 ] || fail "done did not warn twice"
contains err "uplift: warning: task $n1 is in arm no_ai (AI not allowed), but --ai-used yes says AI was used: recorded as given"
contains err "uplift: warning: task $n1 is in arm no_ai (AI not allowed): --perceived is AI's effect on a task done with AI"
contains out "perceived -20%, ai used yes"
# AI arm, or no AI used: no warning
up 0 done "$a1" --time 1h --ai-used yes --perceived "20% faster"
[ -s err ] && fail "done warned on the AI arm"
up 0 done "$n2" --time 1h --ai-used no
[ -s err ] && fail "done warned on --ai-used no"
# a later addition warns as well
up 0 done "$a2" --time 1h
up 0 done "$n2" --perceived -10%
contains err "uplift: warning: task $n2 is in arm no_ai (AI not allowed): --perceived"
up 0 export --format json
python3 - out "$n1" "$n2" <<'PY' || fail "the reports were not recorded as given"
import json, sys
rows = {r["task_id"]: r for r in json.load(open(sys.argv[1]))}
n1, n2 = int(sys.argv[2]), int(sys.argv[3])
assert rows[n1]["ai_used"] == "yes" and abs(rows[n1]["perceived_pct"] + 0.2) < 1e-12, rows[n1]
assert rows[n2]["ai_used"] == "no" and abs(rows[n2]["perceived_pct"] + 0.1) < 1e-12, rows[n2]
PY

# arms whose labels say nothing of AI: the label (and description), no warnings
mkdir other && cd other || exit 1
use_study other
cat >protocol.yaml <<'YAML'
title: labels of its own
arms:
  - label: solo
  - label: pair
    description: pair programming
randomization:
  scheme: complete
YAML
up 0 init --protocol protocol.yaml
UPLIFT_NOW=2026-03-01T08:00Z up 0 participant add ana
UPLIFT_NOW=2026-03-01T08:00Z up 0 task add --participant ana --title a --forecast-ai 1h --forecast-no-ai 2h
UPLIFT_NOW=2026-03-01T08:00Z up 0 task add --participant ana --title b --forecast-ai 1h --forecast-no-ai 2h
UPLIFT_NOW=2026-03-01T08:00Z up 0 randomize
up 0 start 1 --at 09:00
grep -qx 'arm: solo' out || grep -qx 'arm: pair: pair programming' out || fail "start did not print the label"
up 0 stop 1 --at 10:00
up 0 done 1 --time 1h --ai-used yes --perceived -20%
[ -s err ] && fail "done warned without a no_ai arm"
done_testing
