/* Fault injection: every allocation our code makes is failed in turn (the test is linked
 * with -Wl,--wrap for malloc, calloc and realloc, so the calls in uplift's own objects
 * go through the wrappers below; allocations inside shared libraries are not touched).
 * Each operation must then fail cleanly with a status, never crash, and leave nothing
 * allocated: the ASan build's leak checker and valgrind catch what a failure path
 * forgets to free.  The loop stops when an operation succeeds without an injected
 * failure, so every allocation site on the path is exercised once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "uplift/analysis.h"
#include "uplift/csv.h"
#include "uplift/dataset_csv.h"
#include "uplift/exchange.h"
#include "uplift/protocol_parse.h"
#include "uplift/store.h"

#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);

static long countdown = -1; /* allocations left before the injected failure; -1: off */
static int injected;

static int should_fail(void)
{
    if (countdown < 0)
        return 0;
    if (countdown-- == 0) {
        injected = 1;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t size)
{
    return should_fail() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
    return should_fail() ? NULL : __real_realloc(p, size);
}

/* Runs op with the k-th allocation failing, k = 0, 1, ... until op succeeds with no
 * failure injected.  op returns its status; a failure must not be UPL_OK. */
static size_t exhaust(upl_status (*op)(void *), void *ctx)
{
    for (long k = 0; k < 1000000; k++) {
        injected = 0;
        countdown = k;
        upl_status rc = op(ctx);
        countdown = -1;
        if (!injected) {
            assert_int_equal(rc, UPL_OK);
            return (size_t)k;
        }
        if (rc == UPL_OK)
            fail_msg("allocation %ld failed but the operation reported success", k);
    }
    fail_msg("the operation never completed");
    return 0;
}

static const char protocol_text[] =
    "title: fault injection\n"
    "arms:\n"
    "  - {label: no_ai, ratio: 1, control: true}\n"
    "  - {label: agent, ratio: 1}\n"
    "  - {label: autocomplete, ratio: 2}\n"
    "randomization: {scheme: permuted-block, stratify: [participant, category],"
    " block_sizes: [4, 8]}\n"
    "analysis: {outcome: total, covariate: log_forecast_no_ai, se_type: cr2}\n"
    "covariates:\n"
    "  - {name: repo_familiarity, type: number, description: years in the repository}\n";

static upl_status parse_protocol(void *ctx)
{
    (void)ctx;
    upl_protocol p = {0};
    upl_diag diag = {0};
    upl_status rc = upl_protocol_parse(protocol_text, strlen(protocol_text), "p.yaml", &p, &diag);
    upl_protocol_release(&p);
    return rc;
}

static void test_protocol_parse(void **state)
{
    (void)state;
    size_t sites = exhaust(parse_protocol, NULL);
    assert_true(sites > 10);
}

/* A task table with three arms, missing values, quoting and an extra column. */
static char *table_text(size_t rows)
{
    size_t cap = 256 + rows * 128;
    char *buf = __real_malloc(cap);
    size_t len = (size_t)snprintf(buf, cap,
                                  "task_id,participant,category,arm,forecast_no_ai_min,"
                                  "reported_min,post_review_min,note\n");
    const char *arms[] = {"no_ai", "agent", "autocomplete"};
    for (size_t i = 0; i < rows; i++) {
        double f = 30.0 + (double)((i * 37) % 200);
        double t = f * (0.6 + (double)((i * 53) % 100) / 80.0);
        len += (size_t)snprintf(buf + len, cap - len, "%zu,dev%zu,%s,%s,%.1f,%.2f,%s,\"n, %zu\"\n",
                                i + 1, i % 7, i % 3 ? "bug" : "feature", arms[(i + i / 7) % 3], f,
                                t, i % 4 ? "12" : "", i);
    }
    return buf;
}

static upl_status read_table(void *ctx)
{
    const char *text = ctx;
    upl_dataset ds;
    upl_diag diag = {0};
    memset(&ds, 0, sizeof ds);
    upl_status rc =
        upl_dataset_read_csv_buffer(&ds, text, strlen(text), "t.csv", NULL, NULL, NULL, &diag);
    upl_dataset_release(&ds);
    return rc;
}

static void test_dataset_csv(void **state)
{
    (void)state;
    char *text = table_text(60);
    size_t sites = exhaust(read_table, text);
    assert_true(sites > 20);
    free(text);
}

typedef struct analysis_ctx {
    upl_dataset ds;
    upl_model_spec spec;
} analysis_ctx;

static upl_status run_analysis(void *arg)
{
    analysis_ctx *ctx = arg;
    upl_analysis_result res;
    upl_diag diag = {0};
    memset(&res, 0, sizeof res);
    upl_status rc = upl_analysis_run(&ctx->ds, &ctx->spec, &res, &diag);
    if (rc != UPL_OK && rc != UPL_NOMEM && !injected)
        fail_msg("analysis refused: %s", diag.msg);
    if (rc == UPL_OK)
        upl_analysis_result_release(&res);
    return rc;
}

static void test_analysis(void **state)
{
    (void)state;
    char *text = table_text(84);
    analysis_ctx ctx;
    upl_diag diag = {0};
    memset(&ctx, 0, sizeof ctx);
    assert_int_equal(
        upl_dataset_read_csv_buffer(&ctx.ds, text, strlen(text), "t.csv", NULL, NULL, NULL, &diag),
        UPL_OK);
    upl_model_spec_default(&ctx.spec);
    size_t sites = exhaust(run_analysis, &ctx);
    assert_true(sites > 10);
    ctx.spec.participant_fe = 1;
    ctx.spec.se_type = UPL_SE_CR1;
    exhaust(run_analysis, &ctx);
    upl_dataset_release(&ctx.ds);
    free(text);
}

/* A whole study lifecycle through the store on a fresh file: create, enrol, forecast,
 * exclude, read the task table and the CONSORT counts, export. */
static upl_status store_walk(void *ctx)
{
    (void)ctx;
    const char *path = "fault_injection.db";
    upl_store *store = NULL;
    upl_protocol protocol = {0};
    upl_dataset ds;
    upl_consort consort;
    upl_diag diag = {0};
    upl_status rc;
    memset(&ds, 0, sizeof ds);
    unlink(path);
    if ((rc = upl_protocol_parse(protocol_text, strlen(protocol_text), "p.yaml", &protocol,
                                 &diag)) != UPL_OK)
        goto cleanup;
    if ((rc = upl_store_open(path, UPL_STORE_CREATE, &store, &diag)) != UPL_OK ||
        (rc = upl_store_begin(store, 1)) != UPL_OK ||
        (rc = upl_store_study_create(store, &protocol, protocol_text,
                                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
                                     "abcdef",
                                     "mt19937", NULL)) != UPL_OK)
        goto cleanup;
    upl_attr attr = {"years", "7"};
    upl_attr cov = {"repo_familiarity", "3"};
    const char *handles[] = {"ana", "ben"};
    for (size_t p = 0; p < 2; p++) {
        if ((rc = upl_store_participant_add(store, handles[p], &attr, 1, NULL)) != UPL_OK)
            goto cleanup;
        for (int t = 0; t < 3; t++) {
            upl_task_new task = {.participant = handles[p],
                                 .title = "a task",
                                 .category = "bug",
                                 .forecast_ai_min = 30,
                                 .forecast_no_ai_min = 45,
                                 .covariates = &cov,
                                 .n_covariates = 1};
            if ((rc = upl_store_task_add(store, &task, NULL)) != UPL_OK)
                goto cleanup;
        }
    }
    if ((rc = upl_store_task_forecast(store, 2, 20, 25)) != UPL_OK ||
        (rc = upl_store_task_exclude(store, 3, "duplicate", 0)) != UPL_OK ||
        (rc = upl_store_commit(store)) != UPL_OK || (rc = upl_store_begin(store, 0)) != UPL_OK)
        goto cleanup;
    if ((rc = upl_store_task_table(store, NULL, &ds)) != UPL_OK)
        goto cleanup;
    if ((rc = upl_store_consort(store, &consort)) != UPL_OK)
        goto cleanup;
    upl_consort_release(&consort);
    FILE *out = tmpfile();
    if (!out) {
        rc = UPL_IO;
        goto cleanup;
    }
    rc = upl_export_csv(&ds, out, UPL_CSV_NEUTRALISE);
    if (rc == UPL_OK)
        rc = upl_export_json(&ds, out);
    fclose(out);
    if (rc == UPL_OK) {
        size_t n = 0;
        rc = upl_store_audit_verify(store, &n, NULL, NULL);
    }
cleanup:
    upl_dataset_release(&ds);
    upl_store_close(store);
    upl_protocol_release(&protocol);
    unlink(path);
    return rc;
}

static void test_store_walk(void **state)
{
    (void)state;
    size_t sites = exhaust(store_walk, NULL);
    assert_true(sites > 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_parse),
        cmocka_unit_test(test_dataset_csv),
        cmocka_unit_test(test_analysis),
        cmocka_unit_test(test_store_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
