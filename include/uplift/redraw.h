/* Re-drawing a study's allocation under a fresh secret, for randomization inference
 * (`analyze --permutations`, docs/perception.md).  The allocation engine
 * (uplift/allocation.h) runs again over the recorded draws of the `allocation` table:
 * the same strata, positions and `complete` batches, the protocol's arms, ratios and
 * block sizes, the study's generator; only the secret changes.  So the re-drawn
 * allocations follow the study's own design exactly (per-participant balance, category
 * strata, random block sizes), the way `verify` replays it with the real secret. */
#ifndef UPLIFT_REDRAW_H
#define UPLIFT_REDRAW_H

#include <stddef.h>

#include <gsl/gsl_rng.h>

#include "uplift/allocation.h"
#include "uplift/secret.h"
#include "uplift/store.h"
#include "uplift/task.h"

typedef struct upl_redraw upl_redraw;

/* Reads what a re-draw needs from store (in a read transaction; nothing is kept open):
 * the protocol, the generator and every allocation, and maps the rows of ds, the
 * study's task table (upl_store_task_table: task_id is the task's id), to their
 * allocations and the protocol's arms to ds->arms.  UPL_INVALID (diag) when the
 * protocol cannot drive the engine; UPL_NOMEM; a store error (diag). */
upl_status upl_redraw_alloc(upl_store *store, const upl_dataset *ds, upl_redraw **out,
                            upl_diag *diag);

/* NULL is a no-op. */
void upl_redraw_free(upl_redraw *r);

/* Re-draws every recorded allocation with secret.  With the study's own secret this
 * reproduces the recorded arms, blocks and batches.  Allocates nothing after the first
 * call.  A status of the engine on failure. */
upl_status upl_redraw_with(upl_redraw *r, const upl_secret *secret);

/* The draws of the last upl_redraw_with(), aligned with the allocations (ordered by
 * stratum then position); *rows and *draws are owned by r. */
void upl_redraw_draws(const upl_redraw *r, const upl_alloc_row **rows, const upl_alloc_draw **draws,
                      size_t *n);

/* An upl_ri_arms_fn (uplift/secondary.h), ctx an upl_redraw: a fresh 32-byte secret
 * from rng, upl_redraw_with() it, then arm[j] = the ds->arms index drawn for dataset row
 * rows[j].  UPL_INTEGRITY when such a row has no allocation or its arm is not in ds. */
upl_status upl_redraw_arms(void *ctx, gsl_rng *rng, size_t n, const size_t *rows, size_t *arm);

/* "replay of the protocol's <scheme> scheme" (static). */
const char *upl_redraw_name(const upl_redraw *r);

#endif
