/* Randomizing tasks and replaying the allocation (include/uplift/randomize.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplift/randomize.h"

/* The study's protocol and generator, after checking the secret against the
 * commitment. */
static upl_status open_study(upl_store *store, const upl_secret *secret,
                             const upl_protocol **protocol, upl_study_info *study, upl_diag *diag)
{
    upl_status rc = upl_store_study_get(store, study);
    if (rc != UPL_OK)
        return upl_store_diag(store, rc, diag);
    if (!upl_secret_matches(secret, study->commitment)) {
        upl_study_info_release(study);
        return upl_diag_set(diag, UPL_REFUSED,
                            "the key does not match this study's commitment %.16s...: it "
                            "belongs to another study or was altered",
                            study->commitment);
    }
    if ((rc = upl_store_protocol(store, protocol)) != UPL_OK) {
        upl_study_info_release(study);
        return upl_store_diag(store, rc, diag);
    }
    return UPL_OK;
}

upl_status upl_randomize(upl_store *store, const upl_secret *secret, const int64_t *ids,
                         size_t n_ids, upl_randomize_fn fn, void *ctx,
                         upl_randomize_summary *summary, upl_diag *diag)
{
    return upl_randomize_progress(store, secret, ids, n_ids, fn, ctx, NULL, NULL, summary, diag);
}

upl_status upl_randomize_progress(upl_store *store, const upl_secret *secret, const int64_t *ids,
                                  size_t n_ids, upl_randomize_fn fn, void *ctx,
                                  upl_progress_fn progress, void *progress_ctx,
                                  upl_randomize_summary *summary, upl_diag *diag)
{
    const upl_protocol *protocol = NULL;
    upl_study_info study;
    upl_alloc_task *tasks = NULL;
    char **strata = NULL;
    upl_alloc_draw *draws = NULL;
    upl_alloc_seq *seq = NULL;
    size_t n = 0;
    memset(summary, 0, sizeof *summary);
    upl_status rc = open_study(store, secret, &protocol, &study, diag);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl_store_alloc_eligible(store, ids, n_ids, &tasks, &n, &summary->waiting)) !=
            UPL_OK ||
        (rc = upl_store_alloc_next_run(store, &summary->run)) != UPL_OK) {
        upl_store_diag(store, rc, diag);
        goto cleanup;
    }
    if (n == 0)
        goto cleanup;
    strata = calloc(n, sizeof *strata);
    draws = calloc(n, sizeof *draws);
    if (!strata || !draws) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++)
        if (!(strata[i] = upl_alloc_stratum(protocol, tasks[i].participant, tasks[i].category))) {
            rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
            goto cleanup;
        }
    /* Each stratum once, its tasks in canonical order (the list is sorted by participant
     * and seq, and a stratum never spans two participants). */
    for (size_t i = 0; i < n; i++) {
        int first = 1;
        for (size_t j = 0; j < i && first; j++)
            first = strcmp(strata[j], strata[i]) != 0;
        if (!first)
            continue;
        size_t members = 0;
        for (size_t j = i; j < n; j++)
            members += strcmp(strata[j], strata[i]) == 0;
        size_t drawn = 0, batches = 0;
        if ((rc = upl_store_alloc_stratum_state(store, strata[i], &drawn, &batches)) != UPL_OK) {
            upl_store_diag(store, rc, diag);
            goto cleanup;
        }
        if ((rc = upl_alloc_seq_alloc(protocol, study.rng_name, secret, strata[i], &seq, diag)) !=
            UPL_OK)
            goto cleanup;
        if ((rc = upl_alloc_seq_seek(seq, drawn, batches)) != UPL_OK ||
            (rc = upl_alloc_seq_draw(seq, members, draws)) != UPL_OK) {
            upl_diag_set(diag, rc, "cannot draw for stratum '%s': %s", strata[i], upl_strerror(rc));
            goto cleanup;
        }
        upl_alloc_seq_free(seq);
        seq = NULL;
        size_t k = 0;
        for (size_t j = i; j < n; j++) {
            if (strcmp(strata[j], strata[i]) != 0)
                continue;
            const upl_alloc_draw *d = &draws[k++];
            upl_alloc_record rec = {
                .task_id = tasks[j].id,
                .arm = protocol->arms[d->arm].label,
                .scheme = protocol->scheme,
                .stratum = strata[i],
                .position = d->position,
                .block = d->block,
                .block_size = d->block_size,
                .run = summary->run,
            };
            if ((rc = upl_store_alloc_record(store, &rec)) != UPL_OK) {
                upl_store_diag(store, rc, diag);
                goto cleanup;
            }
            summary->assigned++;
            if (fn)
                fn(ctx, &tasks[j], rec.arm, &rec);
            if (progress)
                progress(progress_ctx, "randomize", summary->assigned, n);
        }
        summary->strata++;
    }
cleanup:
    upl_alloc_seq_free(seq);
    if (strata)
        for (size_t i = 0; i < n; i++)
            free(strata[i]);
    free(strata);
    free(draws);
    upl_alloc_tasks_free(tasks, n);
    upl_study_info_release(&study);
    return rc;
}

static upl_status mismatch(upl_replay_report *report, upl_diag *diag, const upl_alloc_row *row,
                           const char *what)
{
    report->bad_task = row->task_id;
    return upl_diag_set(diag, UPL_INTEGRITY, "task %lld (stratum '%s', position %lld): %s",
                        (long long)row->task_id, row->stratum, (long long)row->position, what);
}

/* Checks what does not need the key: the stratum, the positions, the forecasts. */
static upl_status check_row(const upl_protocol *p, const char *scheme, const upl_alloc_row *row,
                            int64_t expect_position, upl_replay_report *report, upl_diag *diag)
{
    char why[400];
    if (strcmp(row->scheme, scheme) != 0) {
        snprintf(why, sizeof why, "recorded scheme '%s' but the protocol says '%s'", row->scheme,
                 scheme);
        return mismatch(report, diag, row, why);
    }
    char *stratum = upl_alloc_stratum(p, row->participant, row->category);
    if (!stratum)
        return upl_diag_set(diag, UPL_NOMEM, "out of memory");
    int same = strcmp(stratum, row->stratum) == 0;
    if (!same)
        snprintf(why, sizeof why, "its participant and category place it in stratum '%s'", stratum);
    free(stratum);
    if (!same)
        return mismatch(report, diag, row, why);
    if (row->position != expect_position) {
        snprintf(why, sizeof why,
                 "expected position %lld: a draw of the stratum is missing or was added",
                 (long long)expect_position);
        return mismatch(report, diag, row, why);
    }
    if (!row->has_forecasts || row->forecast_at == 0)
        return mismatch(report, diag, row, "it was assigned without both forecasts");
    if (row->forecast_at > row->assigned_at)
        return mismatch(report, diag, row,
                        "its forecasts were recorded after the assignment, not before");
    return UPL_OK;
}

static const char *scheme_text(upl_scheme s)
{
    return s == UPL_SCHEME_SIMPLE     ? "simple"
           : s == UPL_SCHEME_COMPLETE ? "complete"
                                      : "permuted-block";
}

/* Replays the rows [from, to) of one stratum. */
static upl_status replay_stratum(const upl_protocol *p, const char *rng_name,
                                 const upl_secret *secret, const upl_alloc_row *rows, size_t from,
                                 size_t to, upl_replay_report *report, upl_diag *diag)
{
    upl_alloc_seq *seq = NULL;
    upl_alloc_draw *draws = NULL;
    const char *scheme = scheme_text(p->scheme);
    char why[400];
    upl_status rc = upl_alloc_seq_alloc(p, rng_name, secret, rows[from].stratum, &seq, diag);
    if (rc != UPL_OK)
        return rc;
    if (!(draws = calloc(to - from, sizeof *draws))) {
        rc = upl_diag_set(diag, UPL_NOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = from; i < to; i++)
        if ((rc = check_row(p, scheme, &rows[i], (int64_t)(i - from), report, diag)) != UPL_OK)
            goto cleanup;
    if (p->scheme == UPL_SCHEME_COMPLETE) {
        /* batch by batch: each a run of rows with one block number, 0, 1, 2, ... */
        size_t i = from;
        int64_t batch = 0;
        while (i < to) {
            size_t end = i;
            while (end < to && rows[end].block == rows[i].block)
                end++;
            if (rows[i].block != batch || rows[i].block_size != (int64_t)(end - i)) {
                snprintf(why, sizeof why,
                         "recorded batch %lld of size %lld, but it is batch %lld of %zu draws",
                         (long long)rows[i].block, (long long)rows[i].block_size, (long long)batch,
                         end - i);
                rc = mismatch(report, diag, &rows[i], why);
                goto cleanup;
            }
            for (size_t j = i + 1; j < end; j++)
                if (rows[j].seq <= rows[j - 1].seq) {
                    rc = mismatch(report, diag, &rows[j],
                                  "its batch is not in the canonical order of the "
                                  "participant's tasks");
                    goto cleanup;
                }
            if ((rc = upl_alloc_seq_draw(seq, end - i, draws + (i - from))) != UPL_OK)
                goto drawfail;
            batch++;
            i = end;
        }
    } else if ((rc = upl_alloc_seq_draw(seq, to - from, draws)) != UPL_OK) {
        goto drawfail;
    }
    for (size_t i = from; i < to; i++) {
        const upl_alloc_draw *d = &draws[i - from];
        const char *arm = p->arms[d->arm].label;
        if (strcmp(arm, rows[i].arm) != 0) {
            snprintf(why, sizeof why, "recorded arm '%s' but the key draws '%s'", rows[i].arm, arm);
            rc = mismatch(report, diag, &rows[i], why);
            goto cleanup;
        }
        if (p->scheme == UPL_SCHEME_PERMUTED_BLOCK &&
            (rows[i].block != (int64_t)d->block || rows[i].block_size != (int64_t)d->block_size)) {
            snprintf(why, sizeof why,
                     "recorded block %lld of size %lld but the key draws block %zu of size %zu",
                     (long long)rows[i].block, (long long)rows[i].block_size, d->block,
                     d->block_size);
            rc = mismatch(report, diag, &rows[i], why);
            goto cleanup;
        }
        report->checked++;
    }
    report->strata++;
    goto cleanup;
drawfail:
    upl_diag_set(diag, rc, "cannot replay stratum '%s': %s", rows[from].stratum, upl_strerror(rc));
cleanup:
    free(draws);
    upl_alloc_seq_free(seq);
    return rc;
}

upl_status upl_randomize_replay(upl_store *store, const upl_secret *secret,
                                upl_replay_report *report, upl_diag *diag)
{
    return upl_randomize_replay_progress(store, secret, NULL, NULL, report, diag);
}

upl_status upl_randomize_replay_progress(upl_store *store, const upl_secret *secret,
                                         upl_progress_fn progress, void *progress_ctx,
                                         upl_replay_report *report, upl_diag *diag)
{
    const upl_protocol *protocol = NULL;
    upl_study_info study;
    upl_alloc_row *rows = NULL;
    size_t n = 0;
    int64_t orphan = 0;
    memset(report, 0, sizeof *report);
    upl_status rc = open_study(store, secret, &protocol, &study, diag);
    if (rc != UPL_OK)
        return rc;
    if ((rc = upl_store_alloc_rows(store, &rows, &n)) != UPL_OK ||
        (rc = upl_store_alloc_orphan(store, &orphan)) != UPL_OK) {
        upl_store_diag(store, rc, diag);
        goto cleanup;
    }
    for (size_t i = 0; i < n;) {
        size_t end = i;
        while (end < n && strcmp(rows[end].stratum, rows[i].stratum) == 0)
            end++;
        if ((rc = replay_stratum(protocol, study.rng_name, secret, rows, i, end, report, diag)) !=
            UPL_OK)
            goto cleanup;
        i = end;
        if (progress)
            progress(progress_ctx, "replay", i, n);
    }
    if (orphan) {
        report->bad_task = orphan;
        rc = upl_diag_set(diag, UPL_INTEGRITY,
                          "task %lld is marked as assigned but has no allocation",
                          (long long)orphan);
    }
cleanup:
    upl_alloc_rows_free(rows, n);
    upl_study_info_release(&study);
    return rc;
}
