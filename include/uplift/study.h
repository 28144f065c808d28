/* What a study is, as data: its record, its CONSORT counts and its allocation balance.
 * The store fills these (uplift/store.h), the renderers show them (uplift/report.h,
 * uplift/consort.h); this header belongs to neither, so the renderers never see the
 * store. */
#ifndef UPLIFT_STUDY_H
#define UPLIFT_STUDY_H

#include <stddef.h>
#include <stdint.h>

typedef struct upl_study_info {
    char uid[33]; /* random hex id */
    char *title;
    char *protocol_text; /* canonical protocol text */
    char protocol_hash[65];
    char commitment[65];   /* SHA-256 of the randomization secret */
    char *rng_name;        /* GSL generator used for allocation */
    char *revealed_secret; /* hex, NULL until `reveal` */
    int64_t created_at;
    int64_t allocation_closed_at; /* 0 while open */
} upl_study_info;

/* Frees what the struct holds and zeroes it; safe on a zeroed struct and NULL. */
void upl_study_info_release(upl_study_info *info);

/* ---- CONSORT counts ---- */

typedef struct upl_arm_counts {
    char *arm; /* NULL row = not yet assigned */
    size_t assigned, started, done, excluded, abandoned;
} upl_arm_counts;

typedef struct upl_reason_count {
    char *reason;
    size_t count;
} upl_reason_count;

typedef struct upl_consort {
    size_t participants;
    size_t enrolled; /* tasks */
    size_t forecast; /* tasks with both forecasts */
    size_t assigned;
    size_t started;
    size_t done;
    size_t excluded;
    size_t abandoned;
    size_t excluded_before_assignment;
    size_t n_arms;
    upl_arm_counts *arms; /* protocol order */
    size_t n_reasons;
    upl_reason_count *reasons;
} upl_consort;

/* Frees what the struct holds and zeroes it; safe on a zeroed struct and NULL. */
void upl_consort_release(upl_consort *c);

/* ---- allocation counts by stratum and arm ---- */

typedef struct upl_alloc_balance {
    size_t n_arms;
    char **arms; /* protocol order */
    size_t n_strata;
    char **strata;  /* sorted */
    size_t *counts; /* counts[s * n_arms + a] */
} upl_alloc_balance;

/* Frees what the struct holds and zeroes it; safe on a zeroed struct and NULL. */
void upl_alloc_balance_release(upl_alloc_balance *b);

#endif
