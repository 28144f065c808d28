/* uplift simulate --participants N --tasks N|MIN-MAX --effect PCT [--seed S] --out FILE.csv
 * [design options] [--json] */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sim_options.h"
#include "uplift/exchange.h"
#include "uplift/render.h"
#include "uplift/simulate.h"

static int run_simulate(upl_cli *cli, const upl_args *args);

enum { O_OUT = 1, O_JSON };

static const struct option simulate_options[] = {{"out", required_argument, NULL, O_OUT},
                                                 {"json", no_argument, NULL, O_JSON},
                                                 UPL__SIM_LONGOPTS,
                                                 {NULL, 0, NULL, 0}};

const upl_command upl__cmd_simulate = {
    .name = "simulate",
    .summary = "Write a synthetic study with known truth (task table CSV and FILE.truth.json).",
    .usage = "uplift simulate --participants N --tasks N|MIN-MAX --effect PCT [--seed S] "
             "--out FILE.csv [design options] [--json]",
    .help = "  --out FILE.csv            the task table; the truth goes to FILE.truth.json\n"
            "                            (both or neither; never over a SQLite database, key\n"
            "                            file, symbolic link, FIFO or device)\n"
            "  --json                    print a summary as JSON\n"
            "\n"
            "The CSV is the task table of 'uplift export' and reads back with\n"
            "'uplift analyze --csv FILE.csv'.  The truth holds effect_pct, log_effect (the\n"
            "effect of AI use on log time), itt_log_effect (what an intention-to-treat\n"
            "analysis estimates under non-compliance), every parameter, the seed and the\n"
            "generator.  The same options and seed give the same files byte for byte.\n"
            "\n" UPL__SIM_HELP,
    .options = simulate_options,
    .min_args = 0,
    .max_args = 0,
    .flags = 0,
    .run = run_simulate,
    .repeatable = upl__sim_repeatable,
};

/* FILE.csv -> FILE.truth.json; anything else -> NAME.truth.json. */
static char *truth_path(const char *out)
{
    size_t len = strlen(out);
    if (len > 4 && strcmp(out + len - 4, ".csv") == 0)
        len -= 4;
    char *path = malloc(len + sizeof ".truth.json");
    if (path) {
        memcpy(path, out, len);
        memcpy(path + len, ".truth.json", sizeof ".truth.json");
    }
    return path;
}

static int summary(const char *csv, const char *truth_file, const upl_sim_params *p,
                   const upl_sim_truth *t, const upl_dataset *ds, int json)
{
    size_t counts[UPL_SIM_MAX_ARMS] = {0};
    for (size_t i = 0; i < ds->n; i++)
        for (size_t a = 0; a < p->n_arms; a++)
            if (strcmp(ds->arm[i], p->arms[a].label) == 0)
                counts[a]++;
    if (json) {
        json_t *doc = json_object(), *arms = json_array();
        if (!doc || !arms) {
            json_decref(doc);
            json_decref(arms);
            return upl__fail("out of memory");
        }
        for (size_t a = 0; a < p->n_arms; a++)
            json_array_append_new(
                arms, json_pack("{s:s, s:I}", "arm", p->arms[a].label, "n", (json_int_t)counts[a]));
        json_object_set_new(doc, "out", json_string(csv));
        json_object_set_new(doc, "truth", json_string(truth_file));
        json_object_set_new(doc, "n", json_integer((json_int_t)ds->n));
        json_object_set_new(doc, "participants", json_integer((json_int_t)p->participants));
        json_object_set_new(doc, "arms", arms);
        json_object_set_new(doc, "effect_pct", json_real(t->effects[0].effect_pct));
        json_object_set_new(doc, "log_effect", json_real(t->effects[0].log_effect));
        json_object_set_new(doc, "itt_log_effect", json_real(t->effects[0].itt_log_effect));
        json_object_set_new(doc, "seed", json_integer((json_int_t)t->seed));
        json_object_set_new(doc, "rng", json_string(t->rng));
        return upl__print_json(doc);
    }
    printf("wrote %s: %zu tasks, %zu participants (", csv, ds->n, p->participants);
    for (size_t a = 0; a < p->n_arms; a++)
        printf("%s%s %zu", a ? ", " : "", p->arms[a].label, counts[a]);
    printf(")\n");
    printf("wrote %s: true effect of %s %+.1f%% on time (log %.4f), seed %lu (%s)\n", truth_file,
           t->effects[0].label, 100.0 * t->effects[0].effect_pct, t->effects[0].log_effect, t->seed,
           t->rng);
    if (fflush(stdout) != 0)
        return upl__fail("cannot write to standard output");
    return UPL_EXIT_OK;
}

static int run_simulate(upl_cli *cli, const upl_args *args)
{
    upl__sim_cli s;
    upl__sim_cli_init(&s);
    const char *out_path = NULL;
    int json = 0, rc = UPL_EXIT_FAIL;
    for (size_t i = 0; i < args->n_opts; i++) {
        const upl_optval *v = &args->opts[i];
        if (v->code == O_OUT)
            out_path = v->arg;
        else if (v->code == O_JSON)
            json = 1;
        else if (upl__sim_option(&upl__cmd_simulate, &s, v->code, v->arg) < 0)
            return UPL_EXIT_USAGE;
    }
    if (!out_path || !*out_path)
        return upl__usage(&upl__cmd_simulate, "--out FILE.csv is required");
    if (strcmp(out_path, "-") == 0)
        return upl__usage(&upl__cmd_simulate,
                          "--out needs a file name (the truth is written beside it)");
    if (!upl__sim_finish(&upl__cmd_simulate, &s, 1))
        return UPL_EXIT_USAGE;

    upl_dataset ds;
    upl_sim_truth truth;
    upl_diag diag = {0};
    upl_output outs[2] = {{0}, {0}}; /* the table and its truth: both or neither */
    char *tpath = truth_path(out_path);
    char *text = NULL;
    int have_ds = 0;
    if (!tpath) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    if (upl__output_open(&outs[0], cli, out_path) != 0 ||
        upl__output_open(&outs[1], cli, tpath) != 0)
        goto cleanup;
    if (upl_sim_study(&s.params, &ds, &truth, &diag) != UPL_OK) {
        rc = upl__fail("%s", upl__diag_error(&diag));
        goto cleanup;
    }
    have_ds = 1;
    if (!(text = upl_sim_truth_json(&s.params, &truth))) {
        rc = upl__fail("out of memory");
        goto cleanup;
    }
    upl_status st = upl_export_csv(&ds, outs[0].stream, UPL_CSV_NEUTRALISE);
    if (st != UPL_OK) {
        rc = upl__output_failed(&outs[0], st);
        goto cleanup;
    }
    if (fputs(text, outs[1].stream) == EOF) {
        rc = upl__output_failed(&outs[1], UPL_IO);
        goto cleanup;
    }
    /* the summary first: a command that fails leaves no file */
    if ((rc = summary(out_path, tpath, &s.params, &truth, &ds, json)) != UPL_EXIT_OK)
        goto cleanup;
    if (upl__output_commit_all(outs, 2) != 0)
        rc = UPL_EXIT_FAIL;
cleanup:
    upl__output_abort(&outs[0]);
    upl__output_abort(&outs[1]);
    if (have_ds)
        upl_dataset_release(&ds);
    free(text);
    free(tpath);
    return rc;
}
