/* Randomizing a study's tasks and replaying the allocation: the allocation engine
 * (uplift/allocation.h) driven over the store (uplift/store.h).  Both run inside the
 * caller's transaction (a write transaction for upl_randomize) and never commit. */
#ifndef UPLIFT_RANDOMIZE_H
#define UPLIFT_RANDOMIZE_H

#include <stddef.h>
#include <stdint.h>

#include "uplift/allocation.h"
#include "uplift/progress.h"
#include "uplift/secret.h"
#include "uplift/store.h"

typedef struct upl_randomize_summary {
    int64_t run;     /* the run number recorded with the draws */
    size_t assigned; /* tasks assigned by this run */
    size_t strata;   /* strata they fell in */
    size_t waiting;  /* planned tasks left without forecasts (batch mode only) */
} upl_randomize_summary;

/* Called once per draw after it is recorded; arm is the arm's label. */
typedef void (*upl_randomize_fn)(void *ctx, const upl_alloc_task *task, const char *arm,
                                 const upl_alloc_record *rec);

/* Assigns the tasks ids[0..n_ids-1], or with n_ids == 0 every eligible task (see
 * upl_store_alloc_eligible), drawing each stratum's next positions with the secret.
 * The tasks of a stratum take its positions in canonical order (their order within
 * their participant); for `complete`, those of one stratum in one run form one batch.
 * UPL_REFUSED when the secret does not match the study's commitment, allocation is
 * closed, or a named task is not eligible; UPL_NOTFOUND when a named task does not
 * exist.  On failure diag says why and nothing must be committed.  fn may be NULL. */
upl_status upl_randomize(upl_store *store, const upl_secret *secret, const int64_t *ids,
                         size_t n_ids, upl_randomize_fn fn, void *ctx,
                         upl_randomize_summary *summary, upl_diag *diag);
/* The same, reporting progress ("randomize": tasks assigned of those eligible, after
 * each draw is recorded) through progress when it is not NULL. */
upl_status upl_randomize_progress(upl_store *store, const upl_secret *secret, const int64_t *ids,
                                  size_t n_ids, upl_randomize_fn fn, void *ctx,
                                  upl_progress_fn progress, void *progress_ctx,
                                  upl_randomize_summary *summary, upl_diag *diag);

typedef struct upl_replay_report {
    size_t checked;   /* allocations replayed and found equal */
    size_t strata;    /* strata replayed */
    int64_t bad_task; /* the first task that does not match (0: none, or not a task) */
} upl_replay_report;

/* Replays every recorded allocation from the secret and compares: the stratum of each
 * task, positions without gaps, blocks and batches, the arm of every draw, and that
 * every task was assigned after both its forecasts were recorded; also that no task
 * claims an assignment without an allocation.  UPL_OK when everything matches;
 * UPL_INTEGRITY with the first problem in diag (and its task in report->bad_task);
 * UPL_REFUSED when the secret does not match the commitment.  Read-only. */
upl_status upl_randomize_replay(upl_store *store, const upl_secret *secret,
                                upl_replay_report *report, upl_diag *diag);
/* The same, reporting progress ("replay": allocations replayed of those recorded,
 * after each stratum) through progress when it is not NULL. */
upl_status upl_randomize_replay_progress(upl_store *store, const upl_secret *secret,
                                         upl_progress_fn progress, void *progress_ctx,
                                         upl_replay_report *report, upl_diag *diag);

#endif
