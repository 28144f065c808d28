#!/bin/sh
# Text the study stores and later prints to terminals (task list/show, participant
# list, status, reports) may not hold control characters: C0 (tab and line breaks
# included), DEL and C1, nor invisible format characters (bidirectional overrides,
# zero-width characters).  Every way in refuses them with one line, exit 1, and leaves
# the study unchanged; a protocol's text follows the same policy (file:line); ordinary
# Unicode text is accepted.
. "$UPLIFT_SRC/tests/cli/lib.sh"

esc=$(printf '\033')
tab=$(printf '\t')
del=$(printf '\177')
csi=$(printf '\302\233') # U+009B, the C1 control sequence introducer, in UTF-8
cr=$(printf '\r')

cat >protocol.yaml <<'YAML'
title: control characters
covariates:
  - name: language
    type: text
YAML
up 0 init --protocol protocol.yaml
up 0 participant add ana
up 0 task add --participant ana --title "Fix the parser" --forecast-ai 30 --forecast-no-ai 40

# refused: CMD... then the text the one error line must contain
refused() {
    want=$1
    shift
    before=$(db_state)
    up 1 "$@"
    one_error_line
    contains err "$want"
    contains err "give printable text"
    lacks err "$esc"
    [ "$(db_state)" = "$before" ] || fail "refused '$*' changed the study"
}

refused "title contains control character U+001B (escape) at character 5" \
    task add --participant ana --title "Red ${esc}[31mtitle"
refused "category contains control character U+0009 (tab) at character 4" \
    task add --participant ana --title ok --category "bug${tab}x"
refused "url contains control character U+007F (delete) at character 9" \
    task add --participant ana --title ok --url "https://${del}"
refused "covariate 'language' contains control character U+009B at character 2" \
    task add --participant ana --title ok --cov "language=C${csi}2J"
refused "the participant handle contains control character U+001B (escape) at character 3" \
    participant add "bo${esc}[2J"
refused "attribute 'team' contains control character U+001B (escape) at character 1" \
    participant add bo --attr "team=${esc}]0;owned${esc}\\"
refused "the reason contains control character U+000D (carriage return) at character 10" \
    exclude 1 --reason "duplicate${cr}"
refused "the group contains control character U+001B (escape) at character 8" \
    prediction add --group "experts${esc}[8m" --pct -20%
refused "the source contains control character U+0009 (tab) at character 7" \
    prediction add --group experts --pct -20% --source "survey${tab}2025"

# import names the file, the line and the column
printf 'participant,title,category\nana,Fine,bug\nana,Also fine,feature\nana,Bad,"re\033[1mfactor"\n' >tasks.csv
refused "tasks.csv:4: column 'category' contains control character U+001B (escape) at character 3" \
    task import tasks.csv
printf 'participant,title\nana,"two\nlines"\n' >multiline.csv
refused "multiline.csv:2: column 'title' contains control character U+000A (line feed) at character 4" \
    task import multiline.csv
printf 'participant,title,language\nana,Fine,C\tC++\n' >cov.csv
refused "cov.csv:2: column 'language' contains control character U+0009 (tab) at character 2" \
    task import cov.csv
printf 'group,pct,source\nexperts,-30%%,poll\nmanagers,-20%%,"memo\033[0m"\n' >pred.csv
refused "pred.csv:3: " prediction import pred.csv
contains err "the source contains control character U+001B (escape) at character 5"

# invisible format characters (bidirectional overrides, zero-width characters, line
# separators) are refused the same way: a title that displays as something else
rlo=$(printf '\342\200\256')  # U+202E right-to-left override
zwsp=$(printf '\342\200\213') # U+200B zero width space
lri=$(printf '\342\201\246')  # U+2066 left-to-right isolate
bom=$(printf '\357\273\277')  # U+FEFF
ls=$(printf '\342\200\250')   # U+2028 line separator
refused "title contains invisible format character U+202E (right-to-left override) at character 5" \
    task add --participant ana --title "Fix ${rlo}txt.exe"
refused "category contains invisible format character U+200B (zero width space) at character 3" \
    task add --participant ana --title "Fine" --category "bu${zwsp}g"
refused "the reason contains invisible format character U+2066 at character 1" \
    exclude 1 --reason "${lri}dup"
refused "attribute 'team' contains invisible format character U+FEFF" \
    participant add cy --attr "team=${bom}core"
printf 'participant,title\nana,"a%sb"\n' "$ls" >ls.csv
refused "ls.csv:2: column 'title' contains invisible format character U+2028 (line separator) at character 2" \
    task import ls.csv
up 0 task list
lacks out "$rlo"
lacks out "$zwsp"

# the protocol's free text follows the same policy, naming the file and line; its
# descriptions alone may span lines
if [ "$backend" = sqlite ]; then
    tables="SELECT count(*) FROM sqlite_master"
else
    tables="SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
fi
proto() { # NAME: init a fresh study from NAME.yaml, expected to be refused
    proto_db=$(study_db "$1")
    up 1 --db "$proto_db" init --protocol "$1.yaml" --key-file "$1.key"
    one_error_line
    lacks err "$esc"
    { [ "$backend" = sqlite ] && [ ! -e "$proto_db" ]; } || [ "$(study_sql "$tables" "$proto_db")" = 0 ] ||
        fail "a refused protocol created a study"
}
printf 'title: "Study \\e[31mred"\n' >esc-title.yaml
proto esc-title
contains err "esc-title.yaml:1: "
contains err "contains control character U+001B (escape) at character 7"
printf 'title: ok\narms:\n  - label: ai\n    description: "allowed %s"\n  - label: no_ai\n' "$rlo" >bidi-arm.yaml
proto bidi-arm
contains err "bidi-arm.yaml:4: "
contains err "invisible format character U+202E"
printf 'title: ok\ncovariates:\n  - name: "lang%s"\n    type: text\n' "$zwsp" >zw-cov.yaml
proto zw-cov
contains err "zw-cov.yaml:3: "
printf 'title: "two\\nlines"\n' >lf-title.yaml
proto lf-title
contains err "lf-title.yaml:1: key 'title' contains control character U+000A (line feed)"
printf 'title: ok\ndescription: |\n  first line\n  second line\n' >para.yaml
up 0 --db "$(study_db para)" init --protocol para.yaml --key-file para.key

# printable text, Unicode included, is accepted and printed as given
up 0 task add --participant ana --title "Überarbeite den Parser — 改善" --category "réfactor" \
    --url "https://example.org/ü" --cov "language=C++"
up 0 participant add bo --attr "team=Zürich core"
up 0 exclude 1 --reason "duplicate of #12 (see “notes”)"
up 0 prediction add --group "experts" --pct -20% --source "survey, 2025"
up 0 task list
contains out "Überarbeite den Parser — 改善"
done_testing
