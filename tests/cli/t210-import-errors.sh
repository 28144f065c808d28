#!/bin/sh
# A bad row anywhere in an import file is refused with its line and column, and the
# database stays byte-identical.
. "$UPLIFT_SRC/tests/cli/lib.sh"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana
up 0 participant add ben

good='participant,title,category,forecast_ai_min,forecast_no_ai_min
ana,first,bug,30,40
ben,second,feature,1h,1h30m'

# the database file's bytes (SQLite; a server's study has no file to compare)
db_bytes() { [ "$backend" != sqlite ] || sha256sum "$db" | cut -d' ' -f1; }

# refused: FILE CONTENT EXPECTED-MESSAGE-PART
refused() {
    printf '%s\n' "$2" >"$1"
    checksum=$(db_bytes)
    before=$(db_state)
    up 1 task import "$1"
    one_error_line
    contains err "$3"
    [ "$checksum" = "$(db_bytes)" ] || fail "$1 changed the database file"
    [ "$before" = "$(db_state)" ] || fail "$1 changed the database content"
}

refused missing.csv "$good
,third,bug,30,40" "missing.csv:4: column 'participant' is empty"
refused negative.csv "$good
ben,third,bug,-30,40" "negative.csv:4: column 'forecast_ai_min'"
refused count.csv "$good
ben,third,bug,30" "count.csv:4: expected 5 columns, found 4"
refused unknown.csv "$good
zed,third,bug,30,40" "unknown.csv:4: column 'participant': unknown participant 'zed'"
printf 'participant,title\nana,ok\nben,bad \377\376 bytes\n' >utf8.csv
checksum=$(db_bytes)
up 1 task import utf8.csv
one_error_line
contains err "utf8.csv:3: column 'title': invalid UTF-8"
[ "$checksum" = "$(db_bytes)" ] || fail "bad UTF-8 changed the database"
refused header.csv "participant,titel
ana,x" "header.csv:1: unknown column 'titel'"
refused half.csv "participant,title,forecast_ai_min,forecast_no_ai_min
ana,x,30," "half.csv:2: give both forecasts"
refused zero.csv "participant,title,forecast_ai_min,forecast_no_ai_min
ana,x,0,10" "zero.csv:2: column 'forecast_ai_min'"
refused empty.csv "participant,title" "no tasks"
up 1 task import no-such-file.csv
one_error_line

printf '%s\n' "$good" >good.csv
up 0 task import good.csv
contains out "imported 2 tasks"
done_testing
