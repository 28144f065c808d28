#!/bin/sh
# Every --out (export, report, simulate and its truth file, power) goes through one
# output-file mechanism: a file written whole beside its target and renamed into place,
# never over the study, its key, another SQLite database or key file, and never through
# or in place of a symbolic link, FIFO or device.  '-' is standard output.
. "$UPLIFT_SRC/tests/cli/lib.sh"
sqlite_only "refuses output files that are the study file, its WAL files or other SQLite databases"

up 0 init --protocol "$UPLIFT_SRC/protocols/metr-2025.yaml"
up 0 participant add ana
up 0 task add --participant ana --title "One" --forecast-ai 1h --forecast-no-ai 2h

fingerprint() { sha256sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }
keep=$(fingerprint study.db study.db.key)
key_mode=$(stat -c %a study.db.key)
sim="--participants 3 --tasks 4 --effect 10% --seed 5"
pow="--participants 3 --tasks 4 --effect 10% --sims 20 --seed 5 --curve 0,10%"

# refused: exit 1, one line, nothing written, no temporary file left, study and key intact
refused() { # WHAT TARGET COMMAND...
    what=$1 target=$2
    shift 2
    up 1 "$@"
    one_error_line
    contains err "$what"
    [ "$keep" = "$(fingerprint study.db study.db.key)" ] || fail "$* changed the study or its key"
    [ "$(stat -c %a study.db.key)" = "$key_mode" ] || fail "$* changed the key file's mode"
    ls ./*.tmp-* >/dev/null 2>&1 && fail "$* left a temporary file"
    return 0
}

# the open study, under any spelling, and its key
refused "study database" study.db export --out study.db
refused "study database" study.db export --out "$UPLIFT_SCRATCH/./study.db"
ln study.db hardlink.db
refused "study database" hardlink.db export --out hardlink.db
rm hardlink.db
refused "key file" study.db.key report --out study.db.key
refused "key file" study.db.key report --format md --out study.db.key
refused "study database" study.db simulate $sim --out study.db
refused "study database" study.db power $pow --out study.db
# the study's write-ahead log files
[ -e study.db-wal ] && refused "study database" study.db-wal export --out study.db-wal
[ -e study.db-shm ] && refused "study database" study.db-shm export --out study.db-shm

# any other SQLite database or key file, recognised by its content
sqlite3 other.db "CREATE TABLE t (x); INSERT INTO t VALUES (1);"
other=$(fingerprint other.db)
refused "SQLite database" other.db export --out other.db
refused "SQLite database" other.db simulate $sim --out other.db
refused "SQLite database" other.db report --format json --out other.db
refused "SQLite database" other.db power $pow --out other.db
[ "$other" = "$(fingerprint other.db)" ] || fail "a SQLite database was overwritten"
cp study.db.key other.key
refused "key file" other.key export --out other.key
# simulate's truth file beside the table is checked too, before anything is written
cp other.db sim.truth.json
refused "SQLite database" sim.truth.json simulate $sim --out sim.csv
[ ! -e sim.csv ] || fail "simulate wrote its table although the truth file was refused"
rm sim.truth.json

# a symbolic link, FIFO, device or directory is neither replaced nor written through
echo "target" >target.csv
ln -s target.csv link.csv
refused "symbolic link" link.csv export --out link.csv
[ -L link.csv ] || fail "the symbolic link was replaced"
[ "$(cat target.csv)" = target ] || fail "export wrote through the symbolic link"
ln -s study.db study-link.db
refused "symbolic link" study-link.db export --out study-link.db
mkfifo pipe.csv
refused "not a regular file" pipe.csv export --out pipe.csv
[ -p pipe.csv ] || fail "the FIFO was replaced"
refused "not a regular file" /dev/null export --out /dev/null
mkdir dir.csv
refused "not a regular file" dir.csv export --out dir.csv

# '-' is standard output; an ordinary file is replaced whole
up 0 export --out -
contains out "task_id,participant"
echo "old" >plain.csv

up 0 export --out plain.csv
contains plain.csv "task_id,participant"
up 0 simulate $sim --out sim.csv
[ -s sim.csv ] && [ -s sim.truth.json ] || fail "simulate wrote no table or truth"
up 0 simulate $sim --out sim.csv
[ "$keep" = "$(fingerprint study.db study.db.key)" ] || fail "the study or its key changed"
done_testing
