/* Participants looked up without case (upl_store_participant_like), on a real SQLite
 * file in the working directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "uplift/protocol_parse.h"
#include "uplift/store.h"

static char db_path[256];

static void remove_db(void)
{
    char p[300];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

static void test_like(void **state)
{
    (void)state;
    static const char yaml[] = "title: handles\n";
    upl_protocol protocol = {0};
    upl_diag diag = {0};
    upl_store *store = NULL;
    char *found = NULL;
    snprintf(db_path, sizeof db_path, "test_store_participant_%ld.db", (long)getpid());
    remove_db();
    assert_int_equal(upl_protocol_parse(yaml, strlen(yaml), "t.yaml", &protocol, &diag), UPL_OK);
    assert_int_equal(upl_store_open(db_path, UPL_STORE_CREATE, &store, &diag), UPL_OK);
    assert_int_equal(upl_store_begin(store, 1), UPL_OK);
    assert_int_equal(upl_store_study_create(store, &protocol, yaml,
                                            "00112233445566778899aabbccddeeff00112233445566778899"
                                            "aabbccddeeff",
                                            "mt19937", NULL),
                     UPL_OK);
    assert_int_equal(upl_store_participant_like(store, "ben", &found), UPL_OK);
    assert_null(found); /* no participants yet */
    assert_int_equal(upl_store_participant_add(store, "ben", NULL, 0, NULL), UPL_OK);
    assert_int_equal(upl_store_participant_add(store, "ana.b@x", NULL, 0, NULL), UPL_OK);

    /* the exact handle is not a likely duplicate of itself */
    assert_int_equal(upl_store_participant_like(store, "ben", &found), UPL_OK);
    assert_null(found);
    assert_int_equal(upl_store_participant_like(store, "Ben", &found), UPL_OK);
    assert_string_equal(found, "ben");
    free(found);
    assert_int_equal(upl_store_participant_like(store, "ANA.B@X", &found), UPL_OK);
    assert_string_equal(found, "ana.b@x");
    free(found);
    /* neither a prefix nor a pattern: lower() equality, not LIKE */
    assert_int_equal(upl_store_participant_like(store, "be", &found), UPL_OK);
    assert_null(found);
    assert_int_equal(upl_store_participant_like(store, "b_n", &found), UPL_OK);
    assert_null(found);
    assert_int_equal(upl_store_participant_like(store, "b%", &found), UPL_OK);
    assert_null(found);

    /* two twins: the first in handle order (byte order: upper case first) */
    assert_int_equal(upl_store_participant_add(store, "BEN", NULL, 0, NULL), UPL_OK);
    assert_int_equal(upl_store_participant_like(store, "bEn", &found), UPL_OK);
    assert_string_equal(found, "BEN");
    free(found);
    assert_int_equal(upl_store_participant_like(store, "ben", &found), UPL_OK);
    assert_string_equal(found, "BEN");
    free(found);
    assert_int_equal(upl_store_commit(store), UPL_OK);
    upl_store_close(store);
    upl_protocol_release(&protocol);
    remove_db();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_like),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
