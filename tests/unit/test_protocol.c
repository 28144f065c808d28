/* Protocol files: the shipped protocols, defaults, and one test per kind of mistake,
 * each checking the line and key path of the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

/* |actual - expected| <= tol, with both values in the message (tol 0: exactly equal). */
#define assert_num(actual, expected, tol)                                                          \
    check_num((actual), (expected), (tol), #actual, __FILE__, __LINE__)
static void check_num(double a, double e, double tol, const char *expr, const char *file, int line)
{
    if (!(fabs(a - e) <= tol))
        fail_msg("%s:%d: %s = %.17g, expected %.17g", file, line, expr, a, e);
}

#include "uplift/protocol_parse.h"

static upl_status parse(const char *yaml, upl_protocol *p, upl_diag *d)
{
    memset(d, 0, sizeof *d);
    return upl_protocol_parse(yaml, strlen(yaml), "t.yaml", p, d);
}

/* Asserts that yaml is refused with exactly this message. */
static void refused(const char *yaml, const char *want)
{
    upl_protocol p;
    upl_diag d;
    memset(&p, 0xAB, sizeof p);
    upl_status rc = parse(yaml, &p, &d);
    if (rc != UPL_PARSE)
        fail_msg("accepted (rc %d) but wanted: %s", (int)rc, want);
    if (strcmp(d.msg, want) != 0)
        fail_msg("message\n  got:  %s\n  want: %s", d.msg, want);
    /* left released: all zero */
    assert_null(p.title);
    assert_null(p.arms);
    assert_int_equal(p.n_arms, 0);
    upl_protocol_release(&p);
}

static char *src_path(const char *rel)
{
    const char *src = getenv("UPLIFT_SRC");
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", src ? src : "../..", rel);
    return buf;
}

static void load(const char *rel, upl_protocol *p)
{
    upl_diag d = {0};
    char *text = NULL;
    upl_status rc = upl_protocol_load(src_path(rel), p, &text, &d);
    if (rc != UPL_OK)
        fail_msg("%s: %s", rel, d.msg);
    assert_non_null(text);
    /* the canonical text hashes to the same value when parsed from memory */
    upl_protocol again;
    assert_int_equal(upl_protocol_parse(text, strlen(text), rel, &again, &d), UPL_OK);
    assert_string_equal(again.hash, p->hash);
    upl_protocol_release(&again);
    free(text);
    assert_int_equal(strlen(p->hash), 64);
    assert_int_equal(strspn(p->hash, "0123456789abcdef"), 64);
}

static void test_metr(void **state)
{
    (void)state;
    upl_protocol p;
    load("protocols/metr-2025.yaml", &p);
    assert_non_null(strstr(p.title, "METR 2025"));
    assert_non_null(p.description);
    assert_int_equal(p.n_arms, 2);
    assert_string_equal(p.arms[0].label, "no_ai");
    assert_string_equal(p.arms[1].label, "ai");
    assert_int_equal(p.arms[0].ratio, 1);
    assert_int_equal(p.arms[1].ratio, 1);
    assert_int_equal(p.control, 0);
    assert_int_equal(p.scheme, UPL_SCHEME_SIMPLE);
    assert_false(p.stratify_participant);
    assert_int_equal(p.n_block_sizes, 0);
    assert_int_equal(p.outcome, UPL_OUTCOME_TOTAL);
    assert_int_equal(p.covariate, UPL_COVARIATE_LOG_FORECAST_NO_AI);
    assert_int_equal(p.se_type, UPL_SE_AUTO);
    assert_int_equal(p.dist, UPL_DIST_T);
    assert_num(p.alpha, 0.05, 0);
    assert_int_equal(p.impute, UPL_IMPUTE_ARM_MEAN);
    assert_num(p.report_tolerance, 0.25, 0);
    assert_false(p.allow_parallel_tasks);
    upl_protocol_release(&p);
}

static void test_blocked(void **state)
{
    (void)state;
    upl_protocol p;
    load("protocols/blocked-by-participant.yaml", &p);
    assert_int_equal(p.scheme, UPL_SCHEME_PERMUTED_BLOCK);
    assert_true(p.stratify_participant);
    assert_false(p.stratify_category);
    assert_int_equal(p.n_block_sizes, 3);
    assert_int_equal(p.block_sizes[0], 2);
    assert_int_equal(p.block_sizes[1], 4);
    assert_int_equal(p.block_sizes[2], 6);
    assert_int_equal(p.control, 0);
    assert_int_equal(p.arms[1].ratio, 1);
    upl_protocol_release(&p);
}

static void test_three_arm(void **state)
{
    (void)state;
    upl_protocol p;
    load("protocols/three-arm.yaml", &p);
    assert_int_equal(p.n_arms, 3);
    assert_string_equal(p.arms[1].label, "autocomplete");
    assert_string_equal(p.arms[2].label, "agent");
    assert_int_equal(upl_protocol_arm_index(&p, "agent"), 2);
    assert_int_equal(upl_protocol_arm_index(&p, "nope"), -1);
    assert_int_equal(upl_protocol_arm_index(&p, NULL), -1);
    assert_int_equal(p.control, 0);
    assert_int_equal(p.n_block_sizes, 2);
    assert_int_equal(p.block_sizes[0], 3);
    assert_int_equal(p.block_sizes[1], 6);
    upl_protocol_release(&p);
}

static void test_jagged(void **state)
{
    (void)state;
    upl_protocol p;
    load("protocols/jagged-frontier.yaml", &p);
    assert_true(p.stratify_participant);
    assert_true(p.stratify_category);
    assert_int_equal(p.impute, UPL_IMPUTE_COMPLETE_CASE);
    assert_int_equal(p.n_covariates, 2);
    assert_string_equal(p.covariates[0].name, "repo_familiarity");
    assert_int_equal(p.covariates[0].type, UPL_COVTYPE_NUMBER);
    assert_string_equal(p.covariates[1].name, "language");
    assert_int_equal(p.covariates[1].type, UPL_COVTYPE_TEXT);
    assert_non_null(p.covariates[0].description);
    upl_protocol_release(&p);
}

static void test_defaults(void **state)
{
    (void)state;
    upl_protocol p;
    upl_diag d;
    assert_int_equal(parse("title: minimal\n", &p, &d), UPL_OK);
    assert_string_equal(p.title, "minimal");
    assert_null(p.description);
    assert_int_equal(p.n_arms, 2);
    assert_int_equal(upl_protocol_arm_index(&p, "ai") >= 0, 1);
    assert_int_equal(upl_protocol_arm_index(&p, "no_ai"), (long)p.control);
    assert_int_equal(p.arms[0].ratio + p.arms[1].ratio, 2);
    assert_int_equal(p.scheme, UPL_SCHEME_SIMPLE);
    assert_int_equal(p.outcome, UPL_OUTCOME_TOTAL);
    assert_int_equal(p.covariate, UPL_COVARIATE_LOG_FORECAST_NO_AI);
    assert_int_equal(p.se_type, UPL_SE_AUTO);
    assert_int_equal(p.dist, UPL_DIST_T);
    assert_num(p.alpha, 0.05, 0);
    assert_int_equal(p.impute, UPL_IMPUTE_ARM_MEAN);
    assert_int_equal(p.n_covariates, 0);
    assert_num(p.report_tolerance, 0.25, 0);
    assert_false(p.allow_parallel_tasks);
    /* SHA-256 of "title: minimal\n" (sha256sum) */
    assert_string_equal(p.hash, "fb64b0b0990a197aac10039bcae633b8bd15545aab0ba95819946747f61a2a67");
    upl_protocol_release(&p);
    upl_protocol_release(&p); /* a released protocol is zeroed and can be released again */
}

static void test_control_rules(void **state)
{
    (void)state;
    upl_protocol p;
    upl_diag d;
    /* no control flag, no no_ai label: the first arm */
    assert_int_equal(parse("title: x\narms:\n  - label: b\n  - label: a\n", &p, &d), UPL_OK);
    assert_int_equal(p.control, 0);
    upl_protocol_release(&p);
    /* no control flag: the arm labelled no_ai */
    assert_int_equal(parse("title: x\narms:\n  - label: ai\n  - label: no_ai\n", &p, &d), UPL_OK);
    assert_int_equal(p.control, 1);
    upl_protocol_release(&p);
    /* an explicit flag wins over the label; flow style works too */
    assert_int_equal(parse("title: x\narms: [{label: no_ai}, {label: ai, control: true, ratio: 2}]"
                           "\nrandomization: {scheme: permuted-block, block_sizes: [3, 9]}\n",
                           &p, &d),
                     UPL_OK);
    assert_int_equal(p.control, 1);
    assert_int_equal(p.arms[1].ratio, 2);
    assert_int_equal(p.block_sizes[1], 9);
    upl_protocol_release(&p);
}

static void test_all_options(void **state)
{
    (void)state;
    upl_protocol p;
    upl_diag d;
    const char *yaml = "uplift: 1\n"
                       "title: 'quoted: title'\n"
                       "description: ~\n"
                       "randomization:\n"
                       "  scheme: complete\n"
                       "  stratify: [category]\n"
                       "analysis:\n"
                       "  outcome: measured\n"
                       "  covariate: none\n"
                       "  se_type: cr1\n"
                       "  dist: z\n"
                       "  alpha: 0.1\n"
                       "  missing: complete-case\n"
                       "timing:\n"
                       "  report_tolerance: 0.5\n"
                       "  parallel_tasks: true\n";
    assert_int_equal(parse(yaml, &p, &d), UPL_OK);
    assert_string_equal(p.title, "quoted: title");
    assert_null(p.description);
    assert_int_equal(p.scheme, UPL_SCHEME_COMPLETE);
    assert_false(p.stratify_participant);
    assert_true(p.stratify_category);
    assert_int_equal(p.outcome, UPL_OUTCOME_MEASURED);
    assert_int_equal(p.covariate, UPL_COVARIATE_NONE);
    assert_int_equal(p.se_type, UPL_SE_CR1);
    assert_int_equal(p.dist, UPL_DIST_Z);
    assert_num(p.alpha, 0.1, 0);
    assert_int_equal(p.impute, UPL_IMPUTE_COMPLETE_CASE);
    assert_num(p.report_tolerance, 0.5, 0);
    assert_true(p.allow_parallel_tasks);
    upl_protocol_release(&p);
}

static void test_hash_crlf(void **state)
{
    (void)state;
    upl_protocol a, b;
    upl_diag d;
    assert_int_equal(parse("title: x\nanalysis:\n  dist: z\n", &a, &d), UPL_OK);
    assert_int_equal(parse("title: x\r\nanalysis:\r\n  dist: z\r\n", &b, &d), UPL_OK);
    assert_string_equal(a.hash, b.hash);
    upl_protocol_release(&b);
    /* any other change of text changes the hash, even a comment */
    assert_int_equal(parse("title: x\nanalysis:\n  dist: z # \n", &b, &d), UPL_OK);
    assert_string_not_equal(a.hash, b.hash);
    upl_protocol_release(&a);
    upl_protocol_release(&b);
}

static void test_structure_errors(void **state)
{
    (void)state;
    refused("", "t.yaml:1: empty protocol (it needs at least a 'title')");
    refused("# only a comment\n", "t.yaml:1: empty protocol (it needs at least a 'title')");
    refused("- a\n- b\n", "t.yaml:1: a protocol is a YAML mapping of keys, found a list");
    refused("uplift: 1\n", "t.yaml:1: missing key 'title'");
    refused("title: a\ntitle: b\n", "t.yaml:2: duplicate key 'title' (first at line 1)");
    refused("title: a\n\nrandomisation:\n  scheme: simple\n",
            "t.yaml:3: unknown key 'randomisation' (expected one of uplift, title, "
            "description, arms, randomization, analysis, covariates, timing)");
    refused("title: a\nrandomization:\n  sheme: simple\n",
            "t.yaml:3: unknown key 'randomization.sheme' (expected one of scheme, stratify, "
            "block_sizes)");
    refused("title: a\ntitle b\n", "t.yaml:3: YAML syntax error: could not find expected ':' "
                                   "while scanning a simple key");
    refused("title: [a\n", "t.yaml:2: YAML syntax error: did not find expected ',' or ']' "
                           "while parsing a flow sequence");
    refused("title: a\n---\ntitle: b\n",
            "t.yaml:2: a protocol is one YAML document, found a second one");
    refused("title: &t a\ndescription: *t\n",
            "t.yaml:2: YAML aliases ('*t') are not supported in protocols");
    refused("title: a\n[x]: 1\n", "t.yaml:2: mapping keys must be plain text");
    refused("title:\n  - a\n", "t.yaml:2: key 'title': expected text, found a list");
    refused("title:\n", "t.yaml:1: key 'title': expected text, found nothing");
    refused("title: \"  \"\n", "t.yaml:1: key 'title': the title is empty");
    refused("uplift: 2\ntitle: a\n",
            "t.yaml:1: key 'uplift': format version 2 is not supported (this uplift reads "
            "version 1)");
    refused("uplift: one\ntitle: a\n", "t.yaml:1: key 'uplift': 'one' is not a whole number");
    /* a value with a line break is shown on one line */
    refused("title: a\nanalysis:\n  dist: \"z\\nt\"\n",
            "t.yaml:3: key 'analysis.dist': 'z?t' is not one of t, z");
}

static void test_arm_errors(void **state)
{
    (void)state;
    refused("title: a\narms:\n  - label: ai\n",
            "t.yaml:3: key 'arms': a study needs 2 to 16 arms, found 1");
    refused("title: a\narms: {ai: 1, no_ai: 1}\n",
            "t.yaml:2: key 'arms': expected a list, found a mapping");
    refused("title: a\narms:\n  - label: ai\n  - ratio: 1\n",
            "t.yaml:4: missing key 'arms[1].label'");
    refused("title: a\narms:\n  - label: AI\n  - label: no_ai\n",
            "t.yaml:3: key 'arms[0].label': 'AI' is not a valid label (use a-z, 0-9 and _, at "
            "most 64)");
    refused("title: a\narms:\n  - label: ai\n  - label: ai\n",
            "t.yaml:4: key 'arms[1].label': arm 'ai' is declared twice");
    refused("title: a\narms:\n  - label: ai\n    ratio: 0\n  - label: no_ai\n",
            "t.yaml:4: key 'arms[0].ratio': 0 is out of range (1 to 1000)");
    refused("title: a\narms:\n  - label: ai\n    ratio: 1.5\n  - label: no_ai\n",
            "t.yaml:4: key 'arms[0].ratio': '1.5' is not a whole number");
    refused("title: a\narms:\n  - label: ai\n    ratio: \"2\"\n  - label: no_ai\n",
            "t.yaml:4: key 'arms[0].ratio': '2' is not a whole number");
    refused("title: a\narms:\n  - label: ai\n    ratio: -1\n  - label: no_ai\n",
            "t.yaml:4: key 'arms[0].ratio': '-1' is not a whole number");
    refused("title: a\narms:\n  - label: ai\n    control: yes\n  - label: no_ai\n",
            "t.yaml:4: key 'arms[0].control': 'yes' is not true or false");
    refused("title: a\narms:\n  - label: ai\n    control: true\n  - label: no_ai\n"
            "    control: true\n",
            "t.yaml:6: key 'arms[1].control': arms[0] is already the control arm");
    refused("title: a\narms:\n  - label: ai\n    colour: red\n  - label: no_ai\n",
            "t.yaml:4: unknown key 'arms[0].colour' (expected one of label, ratio, "
            "description, control)");
    refused("title: a\narms:\n  - ai\n  - no_ai\n",
            "t.yaml:3: key 'arms[0]': expected a mapping, found text");
}

static void test_randomization_errors(void **state)
{
    (void)state;
    refused("title: a\nrandomization:\n  scheme: coin\n",
            "t.yaml:3: key 'randomization.scheme': 'coin' is not one of simple, complete, "
            "permuted-block");
    refused("title: a\nrandomization:\n  scheme: permuted-block\n",
            "t.yaml:3: missing key 'randomization.block_sizes' (permuted-block needs block "
            "sizes, e.g. [2, 4])");
    refused("title: a\nrandomization:\n  scheme: permuted-block\n  block_sizes: [2, 3]\n",
            "t.yaml:4: key 'randomization.block_sizes[1]': 3 is not a multiple of the sum of "
            "the arm ratios (2)");
    refused("title: a\narms:\n  - {label: a, ratio: 2}\n  - {label: b}\nrandomization:\n"
            "  scheme: permuted-block\n  block_sizes:\n    - 3\n    - 4\n",
            "t.yaml:9: key 'randomization.block_sizes[1]': 4 is not a multiple of the sum of "
            "the arm ratios (3)");
    refused("title: a\nrandomization:\n  scheme: permuted-block\n  block_sizes: [2, 0]\n",
            "t.yaml:4: key 'randomization.block_sizes[1]': 0 is out of range (1 to 10000)");
    refused("title: a\nrandomization:\n  scheme: permuted-block\n  block_sizes: [2, 2]\n",
            "t.yaml:4: key 'randomization.block_sizes[1]': 2 is listed twice");
    refused("title: a\nrandomization:\n  scheme: permuted-block\n  block_sizes: []\n",
            "t.yaml:4: key 'randomization.block_sizes': give 1 to 32 sizes, found 0");
    refused("title: a\nrandomization:\n  scheme: permuted-block\n  block_sizes: 4\n",
            "t.yaml:4: key 'randomization.block_sizes': expected a list, found text");
    refused("title: a\nrandomization:\n  scheme: simple\n  block_sizes: [2]\n",
            "t.yaml:4: key 'randomization.block_sizes': only scheme permuted-block uses block "
            "sizes");
    refused("title: a\nrandomization:\n  stratify: [participant, team]\n",
            "t.yaml:3: key 'randomization.stratify[1]': 'team' is not one of participant, "
            "category");
    refused("title: a\nrandomization:\n  stratify:\n    - category\n    - category\n",
            "t.yaml:5: key 'randomization.stratify[1]': 'category' is listed twice");
    refused("title: a\nrandomization: simple\n",
            "t.yaml:2: key 'randomization': expected a mapping, found text");
}

static void test_analysis_errors(void **state)
{
    (void)state;
    refused("title: a\nanalysis:\n  outcome: median\n",
            "t.yaml:3: key 'analysis.outcome': 'median' is not one of total, initial, measured");
    refused("title: a\nanalysis:\n  covariate: forecast\n",
            "t.yaml:3: key 'analysis.covariate': 'forecast' is not one of log_forecast_no_ai, "
            "log_forecast_ai, none");
    refused("title: a\nanalysis:\n  se_type: hc4\n",
            "t.yaml:3: key 'analysis.se_type': 'hc4' is not one of classical, hc0, hc1, hc2, "
            "hc3, cr0, cr1, cr2, cr3, auto");
    refused("title: a\nanalysis:\n  dist: normal\n",
            "t.yaml:3: key 'analysis.dist': 'normal' is not one of t, z");
    refused("title: a\nanalysis:\n  missing: drop\n",
            "t.yaml:3: key 'analysis.missing': 'drop' is not one of arm-mean, complete-case");
    refused("title: a\nanalysis:\n  alpha: 1\n",
            "t.yaml:3: key 'analysis.alpha': 1 is out of range (between 0 and 1, exclusive)");
    refused("title: a\nanalysis:\n  alpha: 0\n",
            "t.yaml:3: key 'analysis.alpha': 0 is out of range (between 0 and 1, exclusive)");
    refused("title: a\nanalysis:\n  alpha: .nan\n",
            "t.yaml:3: key 'analysis.alpha': '.nan' is not a number");
    refused("title: a\nanalysis:\n  alpha: 5%\n",
            "t.yaml:3: key 'analysis.alpha': '5%' is not a number");
    refused("title: a\nanalysis:\n  alpha: 0.05\n  alpha: 0.01\n",
            "t.yaml:4: duplicate key 'analysis.alpha' (first at line 3)");
    refused("title: a\ntiming:\n  parallel_tasks: 1\n",
            "t.yaml:3: key 'timing.parallel_tasks': '1' is not true or false");
    refused("title: a\ntiming:\n  report_tolerance: -0.1\n",
            "t.yaml:3: key 'timing.report_tolerance': -0.1 is out of range (between 0 and 10, "
            "exclusive)");
}

static void test_covariate_errors(void **state)
{
    (void)state;
    refused("title: a\ncovariates:\n  - name: reported_min\n    type: number\n",
            "t.yaml:3: key 'covariates[0].name': 'reported_min' is a standard column of the "
            "task table");
    refused("title: a\ncovariates:\n  - name: title\n    type: text\n",
            "t.yaml:3: key 'covariates[0].name': 'title' is a standard column of the task "
            "table");
    refused("title: a\ncovariates:\n  - name: x\n    type: text\n  - name: x\n    type: number\n",
            "t.yaml:5: key 'covariates[1].name': covariate 'x' is declared twice");
    refused("title: a\ncovariates:\n  - name: Repo Familiarity\n    type: number\n",
            "t.yaml:3: key 'covariates[0].name': 'Repo Familiarity' is not a valid column name "
            "(a-z first, then a-z, 0-9 and _)");
    refused("title: a\ncovariates:\n  - name: 1st\n    type: number\n",
            "t.yaml:3: key 'covariates[0].name': '1st' is not a valid column name (a-z first, "
            "then a-z, 0-9 and _)");
    refused("title: a\ncovariates:\n  - name: x\n    type: integer\n",
            "t.yaml:4: key 'covariates[0].type': 'integer' is not one of number, text");
    refused("title: a\ncovariates:\n  - name: x\n",
            "t.yaml:3: missing key 'covariates[0].type' (number or text)");
    refused("title: a\ncovariates:\n  - type: text\n",
            "t.yaml:3: missing key 'covariates[0].name'");
}

static void test_load_errors(void **state)
{
    (void)state;
    upl_protocol p;
    upl_diag d = {0};
    char *text = (char *)1;
    assert_int_equal(upl_protocol_load("/nonexistent/p.yaml", &p, &text, &d), UPL_IO);
    assert_null(text);
    assert_non_null(strstr(d.msg, "cannot open protocol '/nonexistent/p.yaml'"));
    /* a file with an error names the path */
    char path[] = "/tmp/upl_test_protocol_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("title: a\r\nanalysis:\r\n  dist: x\r\n", f);
    fclose(f);
    assert_int_equal(upl_protocol_load(path, &p, NULL, &d), UPL_PARSE);
    char want[256];
    snprintf(want, sizeof want, "%s:3: key 'analysis.dist': 'x' is not one of t, z", path);
    assert_string_equal(d.msg, want);
    assert_int_equal(d.line, 3);
    remove(path);
}

static void test_scheme_names(void **state)
{
    (void)state;
    upl_scheme s;
    assert_string_equal(upl_scheme_name(UPL_SCHEME_PERMUTED_BLOCK), "permuted-block");
    assert_string_equal(upl_scheme_name(UPL_SCHEME_COMPLETE), "complete");
    assert_int_equal(upl_scheme_from_name("simple", &s), 0);
    assert_int_equal(s, UPL_SCHEME_SIMPLE);
    assert_int_equal(upl_scheme_from_name("permuted-block", &s), 0);
    assert_int_equal(s, UPL_SCHEME_PERMUTED_BLOCK);
    assert_int_equal(upl_scheme_from_name("blocked", &s), -1);
    assert_int_equal(upl_scheme_from_name(NULL, &s), -1);
}

/* The arm in words, as start and mine tell a participant. */
static void test_arm_words(void **state)
{
    (void)state;
    upl_protocol p;
    upl_diag d;
    char buf[128];
    assert_int_equal(parse("title: t\n", &p, &d), UPL_OK); /* default arms, no descriptions */
    assert_int_equal(upl_protocol_arm_ai(&p, "ai"), UPL_ARM_AI);
    assert_int_equal(upl_protocol_arm_ai(&p, "no_ai"), UPL_ARM_NO_AI);
    assert_int_equal(upl_protocol_arm_ai(&p, "agent"), UPL_ARM_AI_UNSAID); /* not an arm */
    assert_int_equal(upl_protocol_arm_ai(&p, NULL), UPL_ARM_AI_UNSAID);
    assert_string_equal(upl_protocol_arm_words(&p, "ai", 1, buf, sizeof buf), "AI allowed (ai)");
    assert_string_equal(upl_protocol_arm_words(&p, "no_ai", 1, buf, sizeof buf),
                        "AI not allowed (no_ai)");
    upl_protocol_release(&p);

    load("protocols/three-arm.yaml", &p); /* every arm but no_ai allows some AI */
    assert_int_equal(upl_protocol_arm_ai(&p, "agent"), UPL_ARM_AI);
    assert_int_equal(upl_protocol_arm_ai(&p, "autocomplete"), UPL_ARM_AI);
    assert_string_equal(upl_protocol_arm_words(&p, "no_ai", 1, buf, sizeof buf),
                        "AI not allowed (no_ai): no AI assistance of any kind");
    assert_string_equal(upl_protocol_arm_words(&p, "agent", 0, buf, sizeof buf),
                        "AI allowed (agent)");
    assert_string_equal(upl_protocol_arm_words(&p, "agent", 1, buf, sizeof buf),
                        "AI allowed (agent): an agent that edits the repository and runs commands");
    upl_protocol_release(&p);

    /* labels that say nothing of AI: the label and the description */
    assert_int_equal(parse("title: t\narms:\n  - label: control\n  - label: treatment\n"
                           "    description: pair programming\n",
                           &p, &d),
                     UPL_OK);
    assert_int_equal(upl_protocol_arm_ai(&p, "treatment"), UPL_ARM_AI_UNSAID);
    assert_string_equal(upl_protocol_arm_words(&p, "control", 1, buf, sizeof buf), "control");
    assert_string_equal(upl_protocol_arm_words(&p, "treatment", 1, buf, sizeof buf),
                        "treatment: pair programming");
    /* cut to size, still terminated */
    assert_string_equal(upl_protocol_arm_words(&p, "treatment", 1, buf, 6), "treat");
    upl_protocol_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metr),
        cmocka_unit_test(test_blocked),
        cmocka_unit_test(test_three_arm),
        cmocka_unit_test(test_jagged),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_control_rules),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_hash_crlf),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_arm_errors),
        cmocka_unit_test(test_randomization_errors),
        cmocka_unit_test(test_analysis_errors),
        cmocka_unit_test(test_covariate_errors),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_scheme_names),
        cmocka_unit_test(test_arm_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
