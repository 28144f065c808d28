/* Fuzz target: protocol YAML (harness/protocol.c).  Accepted protocols must satisfy
 * the invariants the rest of uplift relies on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/protocol_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    upl_protocol p;
    upl_diag diag;
    if (size > 64 * 1024)
        return 0;
    if (upl_protocol_parse((const char *)data, size, "fuzz.yaml", &p, &diag) != UPL_OK) {
        if (p.arms || p.title || p.n_arms || !diag.msg[0] || strchr(diag.msg, '\n'))
            abort(); /* a failure leaves the protocol released and explains itself */
        return 0;
    }
    if (!p.title || p.n_arms < 2 || p.n_arms > UPL_PROTOCOL_MAX_ARMS || p.control >= p.n_arms ||
        strlen(p.hash) != 64 || !(p.alpha > 0 && p.alpha < 1))
        abort();
    unsigned ratio_sum = 0;
    for (size_t i = 0; i < p.n_arms; i++) {
        if (!p.arms[i].label || p.arms[i].ratio < 1 ||
            upl_protocol_arm_index(&p, p.arms[i].label) != (long)i)
            abort();
        ratio_sum += p.arms[i].ratio;
    }
    if (p.scheme == UPL_SCHEME_PERMUTED_BLOCK && p.n_block_sizes == 0)
        abort();
    for (size_t i = 0; i < p.n_block_sizes; i++)
        if (p.block_sizes[i] == 0 || p.block_sizes[i] % ratio_sum != 0)
            abort();
    for (size_t i = 0; i < p.n_covariates; i++)
        if (!p.covariates[i].name)
            abort();
    upl_protocol_release(&p);
    return 0;
}
