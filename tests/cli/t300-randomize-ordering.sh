#!/bin/sh
# Same key + same protocol + same tasks -> the same allocation: on a second run, after
# the import file's rows of other participants are reordered, and when participants are
# randomized one after another in a different order.  Checked for every scheme.
. "$UPLIFT_SRC/tests/cli/lib.sh"

people="ana ben chloe dev eli"
cats="bug feature refactor"

# tasks.csv: 8 tasks per participant, grouped by participant (ana first).
{
    echo "participant,title,category,forecast_ai_min,forecast_no_ai_min"
    for p in $people; do
        i=1
        while [ $i -le 8 ]; do
            c=$(echo $cats | cut -d' ' -f$(((i % 3) + 1)))
            echo "$p,$p task $i,$c,$((30 + i * 7)),$((40 + i * 9))"
            i=$((i + 1))
        done
    done
} >tasks.csv
# reordered.csv: the same rows, participants interleaved round-robin from the last one
# (eli's first task, dev's first task, ...); each participant's own order is kept.
{
    echo "participant,title,category,forecast_ai_min,forecast_no_ai_min"
    i=1
    while [ $i -le 8 ]; do
        for p in eli dev chloe ben ana; do
            grep "^$p,$p task $i," tasks.csv
        done
        i=$((i + 1))
    done
} >reordered.csv
[ "$(sort tasks.csv | sha256sum)" = "$(sort reordered.csv | sha256sum)" ] ||
    fail "reordered.csv does not hold the same rows"
cmp -s tasks.csv reordered.csv && fail "reordered.csv is not reordered"

# Protocols: the shipped ones, plus complete randomization at 2:1 and simple at 2:1
# derived from metr-2025.yaml.
sed -e 's/^  scheme: simple/  scheme: complete/' \
    "$UPLIFT_SRC/protocols/metr-2025.yaml" >complete.yaml
awk '/label: ai$/ { print; getline; sub(/ratio: 1/, "ratio: 2") } { print }' \
    "$UPLIFT_SRC/protocols/metr-2025.yaml" >simple-2to1.yaml
awk '/label: ai$/ { print; getline; sub(/ratio: 1/, "ratio: 2") } { print }' complete.yaml \
    >complete-2to1.yaml
grep -q "scheme: complete" complete.yaml || fail "complete.yaml"
grep -q "ratio: 2" simple-2to1.yaml || fail "simple-2to1.yaml"

# allocation DB: "participant|title|arm" lines, sorted
allocation() {
    study_sql "SELECT p.handle || '|' || t.title || '|' || a.arm FROM allocation a JOIN task t
        ON t.id = a.task_id JOIN participant p ON p.id = t.participant_id" "$1" | sort
}
ids() {
    study_sql "SELECT p.handle || '|' || t.title || '|' || t.id FROM task t JOIN participant p
        ON p.id = t.participant_id" "$1" | sort
}

for proto in "$UPLIFT_SRC/protocols/metr-2025.yaml" "$UPLIFT_SRC/protocols/blocked-by-participant.yaml" \
    "$UPLIFT_SRC/protocols/jagged-frontier.yaml" "$UPLIFT_SRC/protocols/three-arm.yaml" \
    complete.yaml simple-2to1.yaml complete-2to1.yaml; do
    name=$(basename "$proto" .yaml)
    rm -rf "$name"
    mkdir "$name"
    study_db "$name/base" >/dev/null
    up 0 --db "$(study_addr "$name/base")" init --protocol "$proto" --key-file "$name/key"
    for p in $people; do
        up 0 --db "$(study_addr "$name/base")" participant add "$p"
    done
    # three copies of one study: one key, one protocol
    for copy in a b c d; do
        study_copy "$name/base" "$name/$copy"
    done
    up 0 --db "$(study_addr "$name/a")" task import tasks.csv
    up 0 --db "$(study_addr "$name/b")" task import reordered.csv
    up 0 --db "$(study_addr "$name/c")" task import tasks.csv
    up 0 --db "$(study_addr "$name/d")" task import reordered.csv
    [ "$(ids "$(study_addr "$name/a")")" != "$(ids "$(study_addr "$name/b")")" ] || fail "$name: reordering changed no task id"

    up 0 --db "$(study_addr "$name/a")" randomize --key-file "$name/key"
    contains err "randomized 40 tasks"
    up 0 --db "$(study_addr "$name/b")" randomize --key-file "$name/key"
    up 0 --db "$(study_addr "$name/c")" randomize --key-file "$name/key"
    # d: one participant at a time, in another order, naming the tasks
    for p in dev ana eli chloe ben; do
        list=$(study_sql "SELECT t.id FROM task t JOIN participant p ON
            p.id = t.participant_id WHERE p.handle = '$p' ORDER BY t.id DESC" "$(study_addr "$name/d")")
        # shellcheck disable=SC2086
        up 0 --db "$(study_addr "$name/d")" randomize --key-file "$name/key" $list
    done

    allocation "$(study_addr "$name/a")" >"$name/a.txt"
    [ "$(wc -l <"$name/a.txt")" -eq 40 ] || fail "$name: not 40 allocations"
    for copy in b c d; do
        allocation "$(study_addr "$name/$copy")" >"$name/$copy.txt"
        cmp -s "$name/a.txt" "$name/$copy.txt" || {
            diff "$name/a.txt" "$name/$copy.txt" >&2
            fail "$name: allocation of copy $copy differs"
        }
    done
    # the same run twice gives the very same rows, strata, positions and blocks
    a_rows=$(study_sql "SELECT task_id, arm, scheme, stratum, position, block,
        block_size FROM allocation ORDER BY task_id" "$(study_addr "$name/a")")
    c_rows=$(study_sql "SELECT task_id, arm, scheme, stratum, position, block,
        block_size FROM allocation ORDER BY task_id" "$(study_addr "$name/c")")
    [ "$a_rows" = "$c_rows" ] || fail "$name: a second run recorded other draws"
    # another study (another key), same protocol and tasks: another allocation, so the
    # equalities above are not a tautology
    study_db "$name/other" >/dev/null
    up 0 --db "$(study_addr "$name/other")" init --protocol "$proto" --key-file "$name/other.key"
    for p in $people; do
        up 0 --db "$(study_addr "$name/other")" participant add "$p"
    done
    up 0 --db "$(study_addr "$name/other")" task import tasks.csv
    up 0 --db "$(study_addr "$name/other")" randomize --key-file "$name/other.key"
    allocation "$(study_addr "$name/other")" >"$name/other.txt"
    cmp -s "$name/a.txt" "$name/other.txt" && fail "$name: another key drew the same allocation"
    for copy in b d; do
        up 0 --db "$(study_addr "$name/$copy")" verify --key-file "$name/key"
        contains out "40 draws"
    done
    echo "ok: $name: $(cut -d'|' -f3 "$name/a.txt" | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
done

# A key that is not the study's: refused, nothing drawn.
up 0 --db "$(study_db other)" init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml" --key-file other.key
study_copy metr-2025/base x
x=$(study_addr x)
up 0 --db "$x" task import tasks.csv
before=$(db_state "$x")
up 1 --db "$x" randomize --key-file other.key
one_error_line
contains err "does not match"
[ "$before" = "$(db_state "$x")" ] || fail "a wrong key changed the study"

done_testing
