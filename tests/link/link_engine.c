/* Links uplift_engine alone (whole archive, with base, SQLite, libyaml, libsodium,
 * libcsv): a protocol parsed, a duration read, a study database created and opened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include "uplift/duration.h"
#include "uplift/protocol_parse.h"
#include "uplift/store.h"

int main(void)
{
    static const char text[] = "title: link test\n";
    char path[] = "/tmp/uplift-link-XXXXXX";
    upl_protocol protocol;
    upl_store *store = NULL;
    upl_diag diag = {0};
    double minutes = 0;
    char uid[33];
    int fd = mkstemp(path), ok = 0;
    if (fd < 0)
        return 1;
    close(fd);
    if (upl_protocol_parse(text, strlen(text), NULL, &protocol, &diag) != UPL_OK)
        goto cleanup;
    ok = upl_duration_parse("1h30m", &minutes, &diag) == UPL_OK && fabs(minutes - 90.0) < 1e-9 &&
         upl_store_open(path, UPL_STORE_CREATE, &store, &diag) == UPL_OK &&
         upl_store_begin(store, 1) == UPL_OK &&
         upl_store_study_create(store, &protocol, text, "00", "mt19937", uid) == UPL_OK &&
         upl_store_commit(store) == UPL_OK;
    upl_store_close(store);
    upl_protocol_release(&protocol);
cleanup:
    unlink(path);
    puts(ok ? "uplift_engine links alone" : "uplift_engine: wrong result");
    return ok ? 0 : 1;
}
