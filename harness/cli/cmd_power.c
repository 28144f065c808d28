/* uplift power --participants N --tasks N|MIN-MAX (--effect PCT | --target-power P)
 * [--sims N] [--se TYPE] [--seed S] [--json] [--curve PCT,... [--out FILE [--format
 * html|md]]] [design and analysis options] */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "progress.h"
#include "model_options.h"
#include "sim_options.h"
#include "uplift/duration.h"
#include "uplift/power.h"
#include "uplift/render.h"

static int run_power(upl_cli *cli, const upl_args *args);

/* Codes of power's own options (the model and design options have theirs). */
enum { O_TARGET = 1, O_SIMS, O_PANEL, O_JSON, O_CURVE, O_OUT, O_FORMAT };

static const struct option power_options[] = {{"target-power", required_argument, NULL, O_TARGET},
                                              {"sims", required_argument, NULL, O_SIMS},
                                              {"panel", no_argument, NULL, O_PANEL},
                                              {"json", no_argument, NULL, O_JSON},
                                              {"curve", required_argument, NULL, O_CURVE},
                                              {"out", required_argument, NULL, O_OUT},
                                              {"format", required_argument, NULL, O_FORMAT},
                                              UPL__MODEL_LONGOPTS,
                                              UPL__SIM_LONGOPTS,
                                              {NULL, 0, NULL, 0}};

const upl_command upl__cmd_power = {
    .name = "power",
    .summary = "Power, or the minimum detectable effect, of a design by simulation.",
    .usage = "uplift power --participants N --tasks N|MIN-MAX (--effect PCT | --target-power P) "
             "[--sims N] [--se TYPE] [--seed S] [--json] [--curve PCT,... [--out FILE]] "
             "[design options]",
    .help = "  --effect PCT              report the power at this effect\n"
            "  --target-power P          report the minimum detectable effect at this power\n"
            "  --sims N                  simulated studies per evaluation [1000]\n"
            "  --panel                   also report power and coverage of every SE type\n"
            "  --curve PCT,PCT,...       also the power at each of these effects (a power curve)\n"
            "  --out FILE                with --curve: also write the curve as a page, a chart\n"
            "                            of power against the effect with Monte Carlo error bars\n"
            "                            and its table ('-': the page on standard output\n"
            "                            instead of the text or JSON)\n"
            "  --format html|md          of --out [html; md when FILE ends in .md]\n"
            "  --json                    one JSON object: power, power_mc_se, mde_pct, ...\n"
            "Analysis of each study (as 'uplift analyze'):\n"
            "  --outcome total|initial|measured        [total]\n"
            "  --covariate log_forecast_no_ai|log_forecast_ai|none  [log_forecast_no_ai]\n"
            "  --fe participant                        participant fixed effects [off]\n"
            "  --se classical|hc0|hc1|hc2|hc3|cr0|cr1|cr2|cr3  [cr2 with clusters, else hc2]\n"
            "  --dist t|z                              [t]\n"
            "  --level L                               1 - alpha of the test [0.95]\n"
            "  --impute arm-mean|complete-case         [arm-mean]\n"
            "\n"
            "Each study is drawn as 'uplift simulate' would with the seed derived from\n"
            "(--seed, study number), analysed, and counted as a rejection when the two-sided\n"
            "p-value of the first non-control arm is below 1 - level.  power_mc_se is\n"
            "sqrt(power (1 - power) / sims).  The minimum detectable effect is searched by\n"
            "bisection on the log effect with the same studies at every step; mde_pct is the\n"
            "slowdown, mde_pct_faster the same size as a saving.\n"
            "\n" UPL__SIM_HELP,
    .options = power_options,
    .min_args = 0,
    .max_args = 0,
    .flags = 0,
    .run = run_power,
    .repeatable = upl__sim_repeatable,
};

#define MAX_CURVE 32

/* Power at a list of effects (--curve), on the same simulated studies. */
typedef struct curve {
    size_t n;
    double effect[MAX_CURVE];
    upl_power_result *at; /* n results */
} curve;

/* Power's progress: one labelled step per evaluation, "power: effect +19%", the
 * points of --curve as "power: effect -10% (3/6)" and the steps of the minimum
 * detectable effect's search as "power: search step 4". */
typedef struct power_progress {
    upl__progress bar;
    double effect; /* of the run being drawn (plain runs and curve points) */
    size_t point;  /* 1-based among count: the main run (not the search), then the curve */
    size_t count;
    size_t first; /* the curve's first point: 2 after a main run, 1 after a search */
} power_progress;

static void power_step(void *ctx, size_t evaluation, size_t done, size_t total)
{
    power_progress *pp = ctx;
    char label[UPL__PROGRESS_LABEL_SIZE];
    if (evaluation)
        snprintf(label, sizeof label, "power: search step %zu", evaluation);
    else if (pp->count > 1)
        snprintf(label, sizeof label, "power: effect %+.4g%% (%zu/%zu)", 100.0 * pp->effect,
                 pp->point, pp->count);
    else
        snprintf(label, sizeof label, "power: effect %+.4g%%", 100.0 * pp->effect);
    upl__progress_report(&pp->bar, label, done, total);
}

static json_t *number(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *tally_json(const upl_power_tally *t, upl_se_type type, int z)
{
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o}", "se_type", upl_se_type_name(type),
                     "dist", z ? "z" : "t", "defined", (json_int_t)t->defined, "power",
                     number(t->power), "power_mc_se", number(t->power_mc_se), "coverage",
                     number(t->coverage), "coverage_mc_se", number(t->coverage_mc_se), "mean_se",
                     number(t->mean_se));
}

static int print_json(const upl_sim_params *p, const upl_power_result *r, const upl_mde_result *m,
                      const curve *cv)
{
    json_t *doc = json_object();
    if (!doc)
        return upl__fail("out of memory");
    json_object_set_new(doc, "mode", json_string(m ? "mde" : "power"));
    json_object_set_new(doc, "participants", json_integer((json_int_t)p->participants));
    json_object_set_new(doc, "tasks_min", json_integer((json_int_t)p->tasks_min));
    json_object_set_new(doc, "tasks_max", json_integer((json_int_t)p->tasks_max));
    json_object_set_new(doc, "scheme", json_string(upl_sim_scheme_name(p->scheme)));
    json_object_set_new(doc, "seed", json_integer((json_int_t)p->seed));
    json_object_set_new(doc, "se_type", json_string(upl_se_type_name(r->se_type)));
    json_object_set_new(doc, "dist", json_string(upl_dist_name(r->dist)));
    json_object_set_new(doc, "alpha", json_real(r->alpha));
    json_object_set_new(doc, "sims", json_integer((json_int_t)r->sims));
    json_object_set_new(doc, "failed", json_integer((json_int_t)r->failed));
    json_object_set_new(doc, "effect_pct", number(r->effect_pct));
    json_object_set_new(doc, "log_effect", number(r->log_effect));
    json_object_set_new(doc, "estimand", number(r->estimand));
    json_object_set_new(doc, "power", number(r->power));
    json_object_set_new(doc, "power_mc_se", number(r->power_mc_se));
    json_object_set_new(doc, "target_power", m ? json_real(m->target) : json_null());
    json_object_set_new(doc, "mde_pct", m ? json_real(m->mde_pct) : json_null());
    json_object_set_new(doc, "mde_pct_faster", m ? json_real(m->mde_pct_faster) : json_null());
    json_object_set_new(doc, "mde_log", m ? json_real(m->log_effect) : json_null());
    json_object_set_new(doc, "evaluations",
                        m ? json_integer((json_int_t)m->evaluations) : json_null());
    json_object_set_new(doc, "estimate_mean", number(r->est_mean));
    json_object_set_new(doc, "estimate_sd", number(r->est_sd));
    json_object_set_new(doc, "estimate_mc_se", number(r->est_mc_se));
    json_object_set_new(doc, "mean_se", number(r->mean_se));
    json_object_set_new(doc, "coverage", number(r->coverage));
    json_object_set_new(doc, "coverage_mc_se", number(r->coverage_mc_se));
    json_t *panel = json_null();
    if (r->have_panel) {
        panel = json_array();
        for (int t = 0; t < UPL_SE_TYPE_COUNT; t++)
            for (int z = 0; z < 2; z++)
                json_array_append_new(panel, tally_json(&r->panel[t][z], (upl_se_type)t, z));
    }
    json_object_set_new(doc, "panel", panel);
    json_t *points = json_null();
    if (cv->n) {
        points = json_array();
        for (size_t i = 0; i < cv->n; i++)
            json_array_append_new(points, json_pack("{s:o, s:o, s:o}", "effect_pct",
                                                    number(cv->at[i].effect_pct), "power",
                                                    number(cv->at[i].power), "power_mc_se",
                                                    number(cv->at[i].power_mc_se)));
    }
    json_object_set_new(doc, "curve", points);
    json_object_set_new(doc, "first_failure",
                        r->first_failure[0] ? json_string(r->first_failure) : json_null());
    return upl__print_json(doc);
}

static int print_text(const upl_sim_params *p, const upl_model_spec *spec,
                      const upl_power_result *r, const upl_mde_result *m, const curve *cv)
{
    printf("Design: %zu participants, ", p->participants);
    if (p->tasks_min == p->tasks_max)
        printf("%zu tasks each", p->tasks_min);
    else
        printf("%zu-%zu tasks each", p->tasks_min, p->tasks_max);
    printf(", %s randomization, seed %lu\n", upl_sim_scheme_name(p->scheme), p->seed);
    printf("Analysis: log(%s time) ~ arm%s%s%s, %s standard error, %s test at alpha %g\n",
           upl_outcome_name(spec->outcome), spec->covariate == UPL_COVARIATE_NONE ? "" : " + ",
           spec->covariate == UPL_COVARIATE_NONE ? "" : upl_covariate_name(spec->covariate),
           spec->participant_fe ? " + participant FE" : "", upl_se_type_name(r->se_type),
           upl_dist_name(r->dist), r->alpha);
    if (m) {
        printf("Minimum detectable effect at power %.2f: %+.1f%% (or %+.1f%% as a saving)\n",
               m->target, 100.0 * m->mde_pct, 100.0 * m->mde_pct_faster);
        printf("Power there: %.3f (Monte Carlo SE %.3f, %zu studies; %zu search steps)\n", r->power,
               r->power_mc_se, r->sims, m->evaluations);
    } else {
        printf("Power at %+.1f%%: %.3f (Monte Carlo SE %.3f, %zu studies)\n", 100.0 * r->effect_pct,
               r->power, r->power_mc_se, r->sims);
    }
    printf("Estimates: mean %.4f for a true %.4f (log scale), SD %.4f, mean SE %.4f; "
           "%.0f%% intervals cover the truth %.1f%% of the time\n",
           r->est_mean, r->estimand, r->est_sd, r->mean_se, 100.0 * (1.0 - r->alpha),
           100.0 * r->coverage);
    if (r->failed)
        printf("Warning: %zu of %zu studies could not be analysed (counted as no "
               "rejection), e.g. %s\n",
               r->failed, r->sims, r->first_failure);
    if (r->have_panel) {
        printf("\n%-10s %-4s %8s %8s %9s\n", "se_type", "dist", "power", "coverage", "mean_se");
        for (int t = 0; t < UPL_SE_TYPE_COUNT; t++)
            for (int z = 0; z < 2; z++) {
                const upl_power_tally *k = &r->panel[t][z];
                printf("%-10s %-4s %8.3f %8.3f %9.4f\n", upl_se_type_name((upl_se_type)t),
                       z ? "z" : "t", k->power, k->coverage, k->mean_se);
            }
    }
    if (cv->n) {
        printf("\nPower curve (%zu studies per point)\n%8s %8s %8s\n", r->sims, "effect", "power",
               "mc_se");
        for (size_t i = 0; i < cv->n; i++)
            printf("%+7.1f%% %8.3f %8.3f\n", 100.0 * cv->at[i].effect_pct, cv->at[i].power,
                   cv->at[i].power_mc_se);
    }
    if (fflush(stdout) != 0)
        return upl__fail("cannot write to standard output");
    return UPL_EXIT_OK;
}

/* --curve PCT,PCT,... */
static int curve_option(const upl_command *cmd, curve *cv, char *arg)
{
    cv->n = 0;
    for (char *item = arg; item;) {
        char *next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        upl_diag diag = {0};
        if (cv->n == MAX_CURVE) {
            upl__usage(cmd, "--curve takes at most %d effects", MAX_CURVE);
            return 0;
        }
        if (upl_percent_parse(item, &cv->effect[cv->n], &diag) != UPL_OK) {
            upl__usage(cmd, "--curve: %s", diag.msg);
            return 0;
        }
        cv->n++;
        item = next;
    }
    return 1;
}

/* Runs the curve's points after the main result; returns an exit code. */
static int run_curve(upl_power_spec *spec, curve *cv, power_progress *pp)
{
    if (!cv->n)
        return UPL_EXIT_OK;
    cv->at = calloc(cv->n, sizeof *cv->at);
    if (!cv->at)
        return upl__fail("out of memory");
    upl_power_spec point = *spec;
    point.panel = 0;
    for (size_t i = 0; i < cv->n; i++) {
        upl_diag diag = {0};
        point.design.effect_pct = cv->effect[i];
        pp->effect = cv->effect[i];
        pp->point = pp->first + i;
        upl_status st = upl_power_run(&point, &cv->at[i], &diag);
        if (st != UPL_OK)
            return upl__fail("%s", upl__diag_error(&diag));
    }
    return UPL_EXIT_OK;
}

/* --out FILE: renders the curve as a page into out (opened by run_power; no-op when it
 * was not).  Returns an exit code. */
static int write_page(const upl_cli *cli, upl_output *out, const char *format,
                      const upl_power_spec *spec, const upl_power_result *r,
                      const upl_mde_result *m, const curve *cv)
{
    if (!out->stream)
        return UPL_EXIT_OK;
    upl_power_report page = {
        .design = &spec->design,
        .model = &spec->model,
        .result = r,
        .mde = m,
        .curve = cv->at,
        .n_curve = cv->n,
        .uplift_version = UPL_VERSION,
        .command_line = cli->command_line,
        .generated_at = upl__page_time(),
    };
    upl_status st = strcmp(format, "md") == 0 ? upl_power_report_render_md(&page, out->stream)
                                              : upl_power_report_render_html(&page, out->stream);
    if (st != UPL_OK)
        return upl__output_failed(out, st);
    return UPL_EXIT_OK;
}

/* Puts the page in place once everything else succeeded (rc), else removes it; returns
 * the exit code. */
static int finish_page(upl_output *out, const char *path, int rc)
{
    if (rc != UPL_EXIT_OK || !out->stream) {
        upl__output_abort(out);
        return rc;
    }
    if (upl__output_commit(out) != 0)
        return UPL_EXIT_FAIL;
    if (strcmp(path, "-") != 0)
        fprintf(stderr, "uplift: wrote %s\n", path);
    return UPL_EXIT_OK;
}

static int parse_count(const char *text, size_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!*text || *text == '-' || *text == '+')
        return 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v < 1 || v > 10000000ull)
        return 0;
    *out = (size_t)v;
    return 1;
}

static int run_power(upl_cli *cli, const upl_args *args)
{
    const upl_command *cmd = &upl__cmd_power;
    upl__sim_cli s;
    upl__sim_cli_init(&s);
    upl_power_spec spec;
    memset(&spec, 0, sizeof spec);
    upl_model_spec_default(&spec.model);
    spec.sims = 1000;
    double target = NAN;
    curve cv;
    memset(&cv, 0, sizeof cv);
    int json = 0;
    const char *out_path = NULL, *format = NULL;
    for (size_t i = 0; i < args->n_opts; i++) {
        int c = args->opts[i].code;
        char *arg = args->opts[i].arg;
        if (c == O_OUT) {
            out_path = arg;
        } else if (c == O_FORMAT) {
            if (strcmp(arg, "html") != 0 && strcmp(arg, "md") != 0)
                return upl__usage(cmd, "--format '%s' is not html or md", arg);
            format = arg;
        } else if (c == O_JSON) {
            json = 1;
        } else if (c == O_CURVE) {
            if (!curve_option(cmd, &cv, arg))
                return UPL_EXIT_USAGE;
        } else if (c == O_PANEL) {
            spec.panel = 1;
        } else if (c == O_SIMS) {
            if (!parse_count(arg, &spec.sims))
                return upl__usage(cmd, "--sims '%s' is not a number of studies (1 to 10000000)",
                                  arg);
        } else if (c == O_TARGET) {
            char *end = NULL;
            errno = 0;
            target = strtod(arg, &end);
            if (end == arg || *end == '%') {
                if (end != arg)
                    target /= 100.0, end++;
            }
            if (end == arg || *end || errno || !(target > 0.0 && target < 1.0))
                return upl__usage(cmd, "--target-power '%s' is not a power between 0 and 1", arg);
        } else { /* the model and design options, each in the table that knows it */
            int handled = upl__model_set(cmd, &spec.model, c, arg);
            if (handled == 0)
                handled = upl__sim_option(cmd, &s, c, arg);
            if (handled < 0)
                return UPL_EXIT_USAGE;
        }
    }
    int mde = !isnan(target);
    if (mde && s.have_effect)
        return upl__usage(cmd, "give --effect (for the power) or --target-power (for the "
                               "minimum detectable effect), not both");
    if (!mde && !s.have_effect)
        return upl__usage(cmd, "--effect PCT or --target-power P is required");
    if (format && !out_path)
        return upl__usage(cmd, "--format is the format of --out FILE: give --out too");
    if (out_path && !cv.n)
        return upl__usage(cmd, "--out writes the power curve: give its effects with --curve "
                               "PCT,PCT,...");
    if (out_path && !*out_path)
        return upl__usage(cmd, "--out needs a file name ('-' for standard output)");
    if (out_path && !format) {
        size_t len = strlen(out_path);
        format = len > 3 && strcmp(out_path + len - 3, ".md") == 0 ? "md" : "html";
    }
    if (!upl__sim_finish(cmd, &s, 0))
        return UPL_EXIT_USAGE;
    int page_to_stdout = out_path && strcmp(out_path, "-") == 0; /* instead of the text */
    spec.design = s.params;
    power_progress pp = {.effect = spec.design.effect_pct, .point = 1, .first = mde ? 1 : 2};
    pp.count = cv.n + pp.first - 1;
    upl__progress_init(&pp.bar, cli, NULL);
    if (upl__progress_on(&pp.bar)) {
        spec.progress = power_step;
        spec.progress_ctx = &pp;
    }

    upl_diag diag = {0};
    upl_status st;
    int rc;
    upl_output page = {0};
    if (out_path && upl__output_open(&page, cli, out_path) != 0) /* refused before the work */
        return UPL_EXIT_FAIL;
    if (mde) {
        upl_mde_result *m = malloc(sizeof *m);
        if (!m) {
            upl__output_abort(&page);
            return upl__fail("out of memory");
        }
        st = upl_power_mde(&spec, target, m, &diag);
        if (st != UPL_OK)
            rc = upl__fail("%s", upl__diag_error(&diag));
        else if ((rc = run_curve(&spec, &cv, &pp)) == UPL_EXIT_OK &&
                 (rc = write_page(cli, &page, format, &spec, &m->at, m, &cv)) == UPL_EXIT_OK)
            rc = page_to_stdout ? UPL_EXIT_OK
                 : json         ? print_json(&s.params, &m->at, m, &cv)
                                : print_text(&s.params, &spec.model, &m->at, m, &cv);
        rc = finish_page(&page, out_path, rc);
        free(m);
        free(cv.at);
        return rc;
    }
    upl_power_result *r = malloc(sizeof *r);
    if (!r) {
        upl__output_abort(&page);
        return upl__fail("out of memory");
    }
    st = upl_power_run(&spec, r, &diag);
    if (st != UPL_OK)
        rc = upl__fail("%s", upl__diag_error(&diag));
    else if ((rc = run_curve(&spec, &cv, &pp)) == UPL_EXIT_OK &&
             (rc = write_page(cli, &page, format, &spec, r, NULL, &cv)) == UPL_EXIT_OK)
        rc = page_to_stdout ? UPL_EXIT_OK
             : json         ? print_json(&s.params, r, NULL, &cv)
                            : print_text(&s.params, &spec.model, r, NULL, &cv);
    rc = finish_page(&page, out_path, rc);
    free(r);
    free(cv.at);
    return rc;
}
