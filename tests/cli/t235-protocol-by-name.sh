#!/bin/sh
# init --protocol NAME finds a shipped protocol from any directory: in the build tree
# (protocols/ beside the binary) and after `cmake --install` (DATADIR/uplift/protocols,
# installed with the binary and the man page).  A file of that name in the current
# directory comes first; an unknown name is refused with the list of shipped ones.
. "$UPLIFT_SRC/tests/cli/lib.sh"

shipped=$(cd "$UPLIFT_SRC/protocols" && ls ./*.yaml | sed 's|^\./||; s|\.yaml$||' | sort | paste -sd, - | sed 's/,/, /g')

# from an empty directory, by name, with or without .yaml
mkdir empty && cd empty || fail "cannot enter empty/"
up 0 init --protocol metr-2025
contains out "METR 2025"
contains out "protocol         $(dirname "$UPLIFT")/protocols/metr-2025.yaml"
use_study other
up 0 init --protocol three-arm.yaml
contains out "three-arm.yaml"

# an unknown name, or none: the shipped names in the one error line (refused before any
# database is opened, so a file path on either backend)
up 1 --db x.db init --protocol metr-2024
one_error_line
contains err "no protocol file 'metr-2024' and no shipped protocol of that name (shipped: $shipped)"
[ ! -e x.db ] && [ ! -e x.db.key ] || fail "a refused init left files"
up 2 --db x.db init
one_error_line
contains err "($shipped)"
# a path is a path: never looked up among the shipped protocols
up 1 --db x.db init --protocol ./metr-2025
one_error_line
contains err "cannot open protocol './metr-2025'"
# every shipped protocol is named in the help
up 0 init --help
for name in $(echo "$shipped" | tr -d ,); do
    contains out "$name"
done

# a file in the current directory wins over the shipped protocol of that name
printf 'title: local protocol\n' >metr-2025
use_study local
up 0 init --protocol metr-2025
contains out "local protocol"
cd .. || fail "cannot leave empty/"

# installed: the protocols, the man page, and the binary finds them from anywhere
command -v cmake >/dev/null || fail "this test needs cmake"
cmake --install "$(dirname "$UPLIFT")" --prefix "$PWD/prefix" >install.log 2>&1 ||
    { cat install.log >&2; fail "cmake --install failed"; }
for name in $(echo "$shipped" | tr -d ,); do
    cmp -s "prefix/share/uplift/protocols/$name.yaml" "$UPLIFT_SRC/protocols/$name.yaml" ||
        fail "protocol $name is not installed"
done
[ -f prefix/share/man/man1/uplift.1 ] || fail "the man page is not installed"
mkdir elsewhere && cd elsewhere || fail "cannot enter elsewhere/"
use_study installed
run 0 ../prefix/bin/uplift init --protocol jagged-frontier
contains out "protocol         $(cd .. && pwd)/prefix/share/uplift/protocols/jagged-frontier.yaml"
done_testing
