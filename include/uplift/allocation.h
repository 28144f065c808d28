/* The allocation engine: which arm each task gets.  Pure computation (no SQL, no I/O);
 * the store records what it draws and `verify` replays it (docs/concealment.md).
 *
 * A study's tasks fall into strata.  The stratum of a task is its sequence key: the
 * participant's handle always, plus the task's category when the protocol stratifies by
 * category.  Each stratum has its own sequence of draws, position 0, 1, 2, ..., and the
 * arm at a position is a function of (secret, scheme and arm ratios, stratum, position)
 * only.  So a task's arm never depends on the order in which other participants' tasks
 * are randomized or listed in an import file.  (Because the participant is always part
 * of the key, `complete` and `permuted-block` designs are always balanced within
 * participant, whether or not the protocol asks for stratification by participant.)
 *
 * Randomness comes only from a GSL generator (recorded by name with the study, default
 * UPL_ALLOC_RNG_DEFAULT).  The generator is seeded afresh for each unit of the sequence
 * (a draw for `simple`, a block for `permuted-block`, a batch for `complete`) with the
 * first 64 bits of HMAC-SHA-256(secret, "uplift/alloc/v1/<scheme>/<unit>/<stratum>").
 * Seeding per unit matters: mt19937 uses only 32 bits of its seed, and a generator
 * seeded once per stratum could be recovered by brute force from the draws a participant
 * has seen, revealing the rest of the sequence; per-unit seeds derived from a 256-bit
 * secret leave nothing to recover. */
#ifndef UPLIFT_ALLOCATION_H
#define UPLIFT_ALLOCATION_H

#include <stddef.h>

#include "uplift/protocol.h"
#include "uplift/secret.h"
#include "uplift/status.h"

#define UPL_ALLOC_RNG_DEFAULT "mt19937"

/* Largest block or batch the engine handles (a guard against absurd protocols). */
#define UPL_ALLOC_MAX_BLOCK 100000u

/* One draw.  Valid only after a successful draw call. */
typedef struct upl_alloc_draw {
    size_t arm;        /* index into the protocol's arms */
    size_t position;   /* 0-based draw number within the stratum */
    size_t block;      /* permuted-block: 0-based block number; complete: batch number in
                          the stratum; simple: equal to position */
    size_t block_pos;  /* 0-based position within the block or batch; simple: 0 */
    size_t block_size; /* size of the block or batch; simple: 1 */
} upl_alloc_draw;

typedef struct upl_alloc_seq upl_alloc_seq;

/* The sequence key of a task (see above): "participant=<handle>", followed by
 * ";category=<category>" when the protocol stratifies by category (empty for a task
 * without one).  '%', ';' and '=' in the values are percent-encoded so that distinct
 * strata have distinct keys.  category may be NULL.  malloc'd; NULL when out of memory. */
char *upl_alloc_stratum(const upl_protocol *p, const char *participant, const char *category);

/* Opens the sequence of one stratum, positioned at its start.  rng_name is a GSL
 * generator name (gsl_rng_types_setup()).  UPL_INVALID with the reason in diag when the
 * generator is unknown or the protocol's arms, ratios or block sizes cannot be used
 * (no arm, a zero ratio, a block size that is not a positive multiple of the ratio sum
 * or exceeds UPL_ALLOC_MAX_BLOCK).  The sequence copies what it needs from p, secret and
 * stratum; free it with upl_alloc_seq_free(). */
upl_status upl_alloc_seq_alloc(const upl_protocol *p, const char *rng_name,
                               const upl_secret *secret, const char *stratum, upl_alloc_seq **out,
                               upl_diag *diag);

/* Frees the sequence and wipes the key it holds; NULL is a no-op. */
void upl_alloc_seq_free(upl_alloc_seq *seq);

/* Moves the sequence past what the stratum has drawn already: `drawn` positions and,
 * for `complete`, `batches` batches (ignored by the other schemes).  The next draw is
 * then position `drawn`. */
upl_status upl_alloc_seq_seek(upl_alloc_seq *seq, size_t drawn, size_t batches);

/* Draws the next n positions of the stratum into draws[0..n-1].  For `complete` the n
 * draws are one batch with exact counts: n * ratio / ratio-sum of each arm, the
 * remainder (when n is not a multiple of the ratio sum) allocated at random so that each
 * arm's expected count is exactly its share, then shuffled.  The caller assigns the
 * draws to the batch's tasks in a canonical order (the task's order within its
 * participant).  n = 0 draws nothing (and opens no batch). */
upl_status upl_alloc_seq_draw(upl_alloc_seq *seq, size_t n, upl_alloc_draw *draws);

/* Starts the sequence again at position 0 under another secret, with the same protocol,
 * generator and stratum: `analyze` re-draws a study's allocation this way for
 * randomization inference (uplift/redraw.h).  Allocates nothing; the draws that follow
 * allocate nothing either once a `complete` sequence has drawn a batch as large. */
void upl_alloc_seq_rekey(upl_alloc_seq *seq, const upl_secret *secret);

/* The stratum key and generator name the sequence was opened with (owned by seq). */
const char *upl_alloc_seq_stratum(const upl_alloc_seq *seq);
const char *upl_alloc_seq_rng_name(const upl_alloc_seq *seq);

#endif
