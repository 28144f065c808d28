#!/bin/sh
# --db opens only an uplift study: an empty file, another application's SQLite database
# or a file that is no database at all is refused (exit 1, one line) and left
# byte-identical, by every kind of command; init never takes over an existing file.
. "$UPLIFT_SRC/tests/cli/lib.sh"
sqlite_only "foreign and malformed SQLite files given as the study"

fingerprint() { sha256sum "$1" | cut -d' ' -f1; }

# refused_db FILE WHAT: commands that read, write and create on FILE are all refused
refused_db() {
    file=$1 what=$2
    before=$(fingerprint "$file")
    for cmd in "participant add ana" "participant list" "status --json" "export" \
        "verify" "analyze" "report --out -" "task import $UPLIFT_SRC/data-samples/pilot/tasks.csv"; do
        # shellcheck disable=SC2086
        up 1 --db "$file" $cmd
        one_error_line
        contains err "$what"
        [ "$before" = "$(fingerprint "$file")" ] || fail "'$cmd' changed $file"
    done
    up 1 --db "$file" init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
    one_error_line
    [ "$before" = "$(fingerprint "$file")" ] || fail "init changed $file"
    [ ! -e "$file.key" ] || fail "init wrote a key file beside $file"
    ls "$file".* >/dev/null 2>&1 && fail "a file was left beside $file"
    return 0
}

# a zero-length file
: >empty.db
refused_db empty.db "not an uplift study"

# another application's database, in rollback-journal and in WAL mode, with its own
# application id and without
sqlite3 foreign.db "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);
                    INSERT INTO notes (text) VALUES ('keep me');"
refused_db foreign.db "not an uplift study"
sqlite3 wal.db "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);" >/dev/null
refused_db wal.db "not an uplift study"
sqlite3 appid.db "PRAGMA application_id = 1234; CREATE TABLE study (id INTEGER);"
refused_db appid.db "not an uplift study"
# an empty SQLite database (a header and no tables) is no study either
sqlite3 blank.db "PRAGMA user_version = 0; VACUUM;"
[ -s blank.db ] || sqlite3 blank.db "CREATE TABLE x (y); DROP TABLE x;"
refused_db blank.db "not an uplift study"

# not a database at all
echo "participant,title" >tasks.csv
up 1 --db tasks.csv participant list
one_error_line
contains err "tasks.csv"

# a study made by init is recognised, and carries uplift's application id
up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana
[ "$(sqlite3 study.db 'PRAGMA application_id')" != 0 ] || fail "init set no application id"
done_testing
