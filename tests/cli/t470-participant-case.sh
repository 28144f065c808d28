#!/bin/sh
# participant add compares handles without case: Ben beside ben is refused as a likely
# duplicate (exit 1, one line naming both, nothing written) unless --force; the exact
# handle twice stays "already exists".
. "$UPLIFT_SRC/tests/cli/lib.sh"

cat >protocol.yaml <<'YAML'
title: handles
YAML
up 0 init --protocol protocol.yaml
up 0 participant add ben --attr office=Paris

before=$(db_state)
up 1 participant add Ben
one_error_line
contains err "uplift: participant 'Ben' is likely a duplicate of 'ben' (the handles differ only in case): use 'ben', or add 'Ben' anyway with --force"
[ "$before" = "$(db_state)" ] || fail "a refused duplicate changed the database"
up 1 participant add BEN --attr office=Lyon
contains err "'BEN' is likely a duplicate of 'ben'"
[ "$before" = "$(db_state)" ] || fail "a refused duplicate changed the database"

# the same handle: the old refusal
up 1 participant add ben
one_error_line
contains err "participant 'ben' already exists"
lacks err "duplicate of"

# other handles pass; --force lets a case twin in, audited like any addition
up 0 participant add benny
up 0 participant add Ben --force
contains out "participant Ben added"
up 0 participant list --json
[ "$(json_get out '[p["participant"] for p in d]')" = "['Ben', 'ben', 'benny']" ] ||
    fail "the participants are not Ben, ben and benny"
# with two case twins the refusal names the first in handle order
up 1 participant add bEn
contains err "'bEn' is likely a duplicate of 'Ben'"
# a handle taken exactly is "already exists", twins or not
up 1 participant add ben
contains err "participant 'ben' already exists"
up 0 verify
up 0 help participant add
contains out "--force"
done_testing
