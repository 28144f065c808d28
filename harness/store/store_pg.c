/* placeholder, replaced below */
#include "store_internal.h"
static upl_status pg_open(upl_store *store, unsigned flags, upl_diag *diag)
{
    (void)flags;
    return upl_diag_set(diag, UPL_UNSUPPORTED, "cannot open study '%s': no PostgreSQL",
                        store->path);
}
static void pg_close(upl_store *store)
{
    (void)store;
}
const upl_store_backend upl__store_postgresql = {
    .name = "postgresql", .open = pg_open, .close = pg_close};
