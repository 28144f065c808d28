/* Synthetic studies with known truth: the model of include/uplift/simulate.h. */
#include "uplift/simulate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

static const char *const scheme_names[] = {"simple", "complete", "blocked-by-participant"};

const char *upl_sim_scheme_name(upl_sim_scheme s)
{
    if ((unsigned)s >= sizeof scheme_names / sizeof scheme_names[0])
        return "?";
    return scheme_names[s];
}

int upl_sim_scheme_from_name(const char *name, upl_sim_scheme *out)
{
    for (size_t i = 0; i < sizeof scheme_names / sizeof scheme_names[0]; i++) {
        if (name && strcmp(name, scheme_names[i]) == 0) {
            *out = (upl_sim_scheme)i;
            return 0;
        }
    }
    return -1;
}

void upl_sim_params_default(upl_sim_params *p)
{
    static const char *const cats[] = {"bug", "feature", "refactor", "exploration"};
    static const double shares[] = {0.35, 0.35, 0.2, 0.1};
    memset(p, 0, sizeof *p);
    p->participants = 16;
    p->tasks_min = p->tasks_max = 15;
    p->effect_pct = 0.0;
    p->seed = 1;
    p->n_arms = 2;
    p->arms[0] = (upl_sim_arm){"ai", 1, NAN};
    p->arms[1] = (upl_sim_arm){"no_ai", 1, NAN};
    p->control = 1;
    p->scheme = UPL_SIM_SIMPLE;
    p->n_categories = 4;
    for (size_t c = 0; c < 4; c++)
        p->categories[c] = (upl_sim_category){cats[c], shares[c], NAN, 1.0};
    p->median_min = 90.0;
    p->participant_sd = 0.3;
    p->icc = NAN;
    p->resid_sd = 0.8;
    p->effect_sd = 0.0;
    p->forecast_sd = 0.5;
    p->forecast_bias = 0.0;
    p->forecast_ratio_sd = 0.0;
    p->perceived_pct = 0.0;
    p->perceived_sd = 0.15;
    p->perceived_missing = 0.0;
    p->review_rate = 0.5;
    p->post_review_share = 0.15;
    p->post_review_missing = 0.0;
    p->report_bias = 0.0;
    p->report_sd = 0.1;
    p->treated_nonuse = 0.0;
    p->control_use = 0.0;
    p->abandon = 0.0;
}

static int is_share(double v)
{
    return v >= 0.0 && v <= 1.0;
}

static int is_change(double v)
{
    return v > -1.0 && v <= 10.0;
}

static int is_sd(double v)
{
    return v >= 0.0 && v <= 5.0;
}

static int label_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return 0;
    return 1;
}

upl_status upl_sim_params_check(const upl_sim_params *p, upl_diag *diag)
{
    if (p->participants < 1 || p->participants > 100000)
        return upl_diag_set(diag, UPL_INVALID, "participants must be between 1 and 100000");
    if (p->tasks_min < 1 || p->tasks_max < p->tasks_min || p->tasks_max > 100000)
        return upl_diag_set(diag, UPL_INVALID,
                            "tasks per participant must be N or MIN-MAX with 1 <= MIN <= MAX "
                            "<= 100000");
    if (p->participants * p->tasks_max > 10000000)
        return upl_diag_set(diag, UPL_INVALID, "more than 10 million tasks");
    if (!is_change(p->effect_pct))
        return upl_diag_set(diag, UPL_INVALID, "effect %g is not above -100%% and at most +1000%%",
                            p->effect_pct);
    if (p->n_arms < 2 || p->n_arms > UPL_SIM_MAX_ARMS || p->control >= p->n_arms)
        return upl_diag_set(diag, UPL_INVALID,
                            "a study needs 2 to %d arms, one of them the control",
                            UPL_SIM_MAX_ARMS);
    for (size_t a = 0; a < p->n_arms; a++) {
        if (!label_ok(p->arms[a].label))
            return upl_diag_set(diag, UPL_INVALID,
                                "arm label '%s' must be lowercase letters, digits and '_'",
                                p->arms[a].label ? p->arms[a].label : "");
        if (p->arms[a].ratio < 1 || p->arms[a].ratio > 1000)
            return upl_diag_set(diag, UPL_INVALID, "arm '%s': ratio must be 1 to 1000",
                                p->arms[a].label);
        if (!isnan(p->arms[a].effect_pct) && !is_change(p->arms[a].effect_pct))
            return upl_diag_set(diag, UPL_INVALID, "arm '%s': effect must be above -100%%",
                                p->arms[a].label);
        for (size_t b = 0; b < a; b++)
            if (strcmp(p->arms[a].label, p->arms[b].label) == 0)
                return upl_diag_set(diag, UPL_INVALID, "arm '%s' is declared twice",
                                    p->arms[a].label);
    }
    if (p->n_categories < 1 || p->n_categories > UPL_SIM_MAX_CATEGORIES)
        return upl_diag_set(diag, UPL_INVALID, "a study needs 1 to %d categories",
                            UPL_SIM_MAX_CATEGORIES);
    for (size_t c = 0; c < p->n_categories; c++) {
        const upl_sim_category *k = &p->categories[c];
        if (!k->name || !*k->name || strchr(k->name, ',') || strchr(k->name, '"'))
            return upl_diag_set(diag, UPL_INVALID,
                                "category names must be non-empty, "
                                "without commas or quotes");
        if (!(k->share > 0.0 && k->share <= 1e6))
            return upl_diag_set(diag, UPL_INVALID, "category '%s': share must be positive",
                                k->name);
        if (!isnan(k->effect_pct) && !is_change(k->effect_pct))
            return upl_diag_set(diag, UPL_INVALID, "category '%s': effect must be above -100%%",
                                k->name);
        if (!(k->time_mult > 0.0 && k->time_mult <= 1000.0))
            return upl_diag_set(diag, UPL_INVALID,
                                "category '%s': time multiplier must be "
                                "positive",
                                k->name);
        for (size_t b = 0; b < c; b++)
            if (strcmp(k->name, p->categories[b].name) == 0)
                return upl_diag_set(diag, UPL_INVALID, "category '%s' is declared twice", k->name);
    }
    if (!(p->median_min >= 1.0 && p->median_min <= 10000.0))
        return upl_diag_set(diag, UPL_INVALID, "median time must be 1 to 10000 minutes");
    if (!isnan(p->icc) && !(p->icc >= 0.0 && p->icc < 1.0))
        return upl_diag_set(diag, UPL_INVALID, "icc must be in [0, 1)");
    struct {
        const char *name;
        double v;
        int (*ok)(double);
    } checks[] = {
        {"participant SD", p->participant_sd, is_sd},
        {"residual SD", p->resid_sd, is_sd},
        {"effect SD", p->effect_sd, is_sd},
        {"forecast SD", p->forecast_sd, is_sd},
        {"forecast bias", p->forecast_bias, is_change},
        {"forecast ratio SD", p->forecast_ratio_sd, is_sd},
        {"perceived effect", p->perceived_pct, is_change},
        {"perceived SD", p->perceived_sd, is_sd},
        {"perceived missing share", p->perceived_missing, is_share},
        {"review rate", p->review_rate, is_share},
        {"post-review share", p->post_review_share, is_share},
        {"post-review missing share", p->post_review_missing, is_share},
        {"report bias", p->report_bias, is_change},
        {"report SD", p->report_sd, is_sd},
        {"treated non-use share", p->treated_nonuse, is_share},
        {"control use share", p->control_use, is_share},
        {"abandoned share", p->abandon, is_share},
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (!checks[i].ok(checks[i].v))
            return upl_diag_set(diag, UPL_INVALID, "%s %g is out of range", checks[i].name,
                                checks[i].v);
    if (!(p->post_review_share < 1.0))
        return upl_diag_set(diag, UPL_INVALID, "post-review share must be below 1");
    return UPL_OK;
}

/* effect(arm, category) of the header. */
static double cell_effect(const upl_sim_params *p, size_t a, size_t c)
{
    if (!isnan(p->arms[a].effect_pct))
        return p->arms[a].effect_pct;
    if (!isnan(p->categories[c].effect_pct))
        return p->categories[c].effect_pct;
    return p->effect_pct;
}

static double share_total(const upl_sim_params *p)
{
    double s = 0.0;
    for (size_t c = 0; c < p->n_categories; c++)
        s += p->categories[c].share;
    return s;
}

double upl_sim_category_share(const upl_sim_params *p, size_t c)
{
    return p->categories[c].share / share_total(p);
}

static double arm_log_effect(const upl_sim_params *p, size_t a)
{
    double total = share_total(p), l = 0.0;
    for (size_t c = 0; c < p->n_categories; c++)
        l += p->categories[c].share / total * log1p(cell_effect(p, a, c));
    return l;
}

static size_t first_treated(const upl_sim_params *p)
{
    return p->control == 0 ? 1 : 0;
}

static double resolved_participant_sd(const upl_sim_params *p)
{
    if (isnan(p->icc))
        return p->participant_sd;
    return p->resid_sd * sqrt(p->icc / (1.0 - p->icc));
}

void upl_sim_truth_compute(const upl_sim_params *p, upl_sim_truth *truth)
{
    memset(truth, 0, sizeof *truth);
    truth->rng = gsl_rng_mt19937->name;
    truth->seed = p->seed;
    truth->participant_sd = resolved_participant_sd(p);
    double v_u = truth->participant_sd * truth->participant_sd;
    double v_e = p->resid_sd * p->resid_sd;
    truth->icc = v_u + v_e > 0.0 ? v_u / (v_u + v_e) : 0.0;
    double first = arm_log_effect(p, first_treated(p));
    for (size_t a = 0; a < p->n_arms; a++) {
        if (a == p->control)
            continue;
        upl_sim_arm_truth *t = &truth->effects[truth->n_effects++];
        t->label = p->arms[a].label;
        t->log_effect = arm_log_effect(p, a);
        t->effect_pct = expm1(t->log_effect);
        t->itt_log_effect = (1.0 - p->treated_nonuse) * t->log_effect - p->control_use * first;
    }
}

static double round_to(double v, double step)
{
    return floor(v / step + 0.5) * step;
}

/* A time in minutes as a study would hold it: 0.1 minute resolution, within the
 * accepted range of durations. */
static double as_minutes(double v)
{
    v = round_to(v, 0.1);
    if (v < 0.1)
        v = 0.1;
    if (v > UPL_DURATION_MAX_MIN)
        v = UPL_DURATION_MAX_MIN;
    return v;
}

/* Per-task draws, made in this order for every task whatever the parameters;
 * forecast_ratio in a last pass of its own (see upl_sim_study). */
typedef struct task_draws {
    size_t category;
    double e, forecast, report1, report2, perceived;
    double u_review, u_post_missing, u_perceived_missing, u_use, u_abandon;
    double forecast_ratio;
} task_draws;

static size_t draw_category(gsl_rng *r, const upl_sim_params *p, double total)
{
    double u = gsl_rng_uniform(r) * total, acc = 0.0;
    for (size_t c = 0; c < p->n_categories; c++) {
        acc += p->categories[c].share;
        if (u < acc)
            return c;
    }
    return p->n_categories - 1;
}

/* Fills arm[0..n) with a balanced sequence for the ratios: whole blocks of the ratio sum
 * (the last block cut short after a shuffle), then the whole sequence shuffled. */
static void balanced_arms(gsl_rng *r, const upl_sim_params *p, size_t *arm, size_t n)
{
    size_t block[UPL_SIM_MAX_ARMS * 1000];
    size_t len = 0;
    for (size_t a = 0; a < p->n_arms; a++)
        for (unsigned k = 0; k < p->arms[a].ratio; k++)
            block[len++] = a;
    size_t filled = 0;
    while (filled < n) {
        size_t take = n - filled < len ? n - filled : len;
        if (take < len)
            gsl_ran_shuffle(r, block, len, sizeof block[0]);
        memcpy(arm + filled, block, take * sizeof *arm);
        filled += take;
    }
    if (n > 1)
        gsl_ran_shuffle(r, arm, n, sizeof *arm);
}

static void assign_arms(gsl_rng *r, const upl_sim_params *p, const size_t *first_row, size_t *arm,
                        size_t n)
{
    unsigned ratio_sum = 0;
    for (size_t a = 0; a < p->n_arms; a++)
        ratio_sum += p->arms[a].ratio;
    switch (p->scheme) {
    case UPL_SIM_SIMPLE:
        for (size_t i = 0; i < n; i++) {
            unsigned long u = gsl_rng_uniform_int(r, ratio_sum);
            size_t a = 0;
            while (u >= p->arms[a].ratio)
                u -= p->arms[a++].ratio;
            arm[i] = a;
        }
        break;
    case UPL_SIM_COMPLETE:
        balanced_arms(r, p, arm, n);
        break;
    case UPL_SIM_BLOCKED:
        for (size_t j = 0; j < p->participants; j++)
            balanced_arms(r, p, arm + first_row[j], first_row[j + 1] - first_row[j]);
        break;
    }
}

static upl_status append_task(upl_dataset *ds, const upl_sim_params *p, size_t id, size_t j,
                              int width, size_t arm, const task_draws *d, double t0, double slope,
                              int used)
{
    char task_id[32], participant[32], title[96];
    snprintf(task_id, sizeof task_id, "%zu", id);
    if (snprintf(participant, sizeof participant, "p%0*zu", width, j + 1) >=
        (int)sizeof participant)
        return UPL_INVALID;
    const upl_sim_category *cat = &p->categories[d->category];
    snprintf(title, sizeof title, "Synthetic %s task %zu", cat->name, id);

    upl_task_row row;
    upl_task_row_clear(&row);
    row.task_id = task_id;
    row.participant = participant;
    row.category = cat->name;
    row.arm = p->arms[arm].label;
    row.title = title;

    double fna = round_to(t0 * exp(p->forecast_sd * d->forecast), 1.0);
    if (fna < 1.0)
        fna = 1.0;
    if (fna > UPL_DURATION_MAX_MIN)
        fna = UPL_DURATION_MAX_MIN;
    /* with forecast_ratio_sd 0 the factor is exactly 1: the product is unchanged */
    double fai = round_to(
        fna * (1.0 + p->forecast_bias) * exp(p->forecast_ratio_sd * d->forecast_ratio), 1.0);
    row.forecast_no_ai_min = fna;
    row.forecast_ai_min = fai < 1.0 ? 1.0 : fai > UPL_DURATION_MAX_MIN ? UPL_DURATION_MAX_MIN : fai;

    if (d->u_abandon < p->abandon) {
        row.status = UPL_TASK_ABANDONED;
        return upl_dataset_append(ds, &row);
    }
    row.status = UPL_TASK_DONE;
    size_t effect_arm = arm == p->control ? first_treated(p) : arm;
    double t = used ? t0 * (1.0 + cell_effect(p, effect_arm, d->category)) * exp(slope) : t0;
    double s = d->u_review < p->review_rate ? p->post_review_share : 0.0;
    double bias = log1p(p->report_bias);
    row.measured_min = as_minutes(t * (1.0 - s));
    row.reported_min = as_minutes(t * (1.0 - s) * exp(bias + p->report_sd * d->report1));
    if (s > 0.0)
        row.post_review_min = as_minutes(t * s * exp(bias + p->report_sd * d->report2));
    else
        row.post_review_min = 0.0;
    if (d->u_post_missing < p->post_review_missing)
        row.post_review_min = NAN;
    row.ai_used = used ? UPL_AI_USED_YES : UPL_AI_USED_NO;
    if (used && !(d->u_perceived_missing < p->perceived_missing)) {
        double v = p->perceived_pct + p->perceived_sd * d->perceived;
        if (v < -0.95)
            v = -0.95;
        if (v > 10.0)
            v = 10.0;
        row.perceived_pct = round_to(v, 0.01);
    }
    return upl_dataset_append(ds, &row);
}

upl_status upl_sim_study(const upl_sim_params *p, upl_dataset *ds, upl_sim_truth *truth,
                         upl_diag *diag)
{
    upl_status rc;
    gsl_rng *r = NULL;
    size_t *first_row = NULL, *arm = NULL;
    task_draws *draws = NULL;
    double *u = NULL, *v = NULL;
    memset(ds, 0, sizeof *ds);
    if ((rc = upl_sim_params_check(p, diag)) != UPL_OK)
        return rc;
    if ((rc = upl_dataset_init(ds, 0, NULL)) != UPL_OK)
        return upl_diag_set(diag, rc, "out of memory");

    r = gsl_rng_alloc(gsl_rng_mt19937);
    first_row = malloc((p->participants + 1) * sizeof *first_row);
    u = malloc(p->participants * sizeof *u);
    v = malloc(p->participants * sizeof *v);
    if (!r || !first_row || !u || !v)
        goto nomem;
    gsl_rng_set(r, p->seed);

    /* participants: random effect and number of tasks */
    double psd = resolved_participant_sd(p);
    first_row[0] = 0;
    for (size_t j = 0; j < p->participants; j++) {
        u[j] = gsl_ran_gaussian_ziggurat(r, 1.0) * psd;
        size_t span = p->tasks_max - p->tasks_min + 1;
        size_t k = p->tasks_min + (size_t)gsl_rng_uniform_int(r, (unsigned long)span);
        first_row[j + 1] = first_row[j] + k;
    }
    size_t n = first_row[p->participants];
    draws = malloc(n * sizeof *draws);
    arm = malloc(n * sizeof *arm);
    if (!draws || !arm)
        goto nomem;
    double total = share_total(p);
    for (size_t i = 0; i < n; i++) {
        task_draws *d = &draws[i];
        d->category = draw_category(r, p, total);
        d->e = gsl_ran_gaussian_ziggurat(r, 1.0);
        d->forecast = gsl_ran_gaussian_ziggurat(r, 1.0);
        d->report1 = gsl_ran_gaussian_ziggurat(r, 1.0);
        d->report2 = gsl_ran_gaussian_ziggurat(r, 1.0);
        d->perceived = gsl_ran_gaussian_ziggurat(r, 1.0);
        d->u_review = gsl_rng_uniform(r);
        d->u_post_missing = gsl_rng_uniform(r);
        d->u_perceived_missing = gsl_rng_uniform(r);
        d->u_use = gsl_rng_uniform(r);
        d->u_abandon = gsl_rng_uniform(r);
    }
    assign_arms(r, p, first_row, arm, n);
    /* drawn last, so that effect_sd leaves every other draw as it was */
    for (size_t j = 0; j < p->participants; j++)
        v[j] = gsl_ran_gaussian_ziggurat(r, 1.0) * p->effect_sd;
    /* and after those, so that forecast_ratio_sd leaves every earlier draw as it was */
    for (size_t i = 0; i < n; i++)
        draws[i].forecast_ratio = gsl_ran_gaussian_ziggurat(r, 1.0);

    int width = 2;
    for (size_t m = p->participants; m >= 100; m /= 10)
        width++;
    for (size_t a = 0; a < p->n_arms; a++) {
        size_t idx;
        if ((rc = upl_dataset_add_arm(ds, p->arms[a].label, &idx)) != UPL_OK)
            goto fail;
    }
    ds->control = p->control;
    double log_median = log(p->median_min);
    for (size_t j = 0; j < p->participants; j++) {
        for (size_t i = first_row[j]; i < first_row[j + 1]; i++) {
            const task_draws *d = &draws[i];
            double t0 = exp(log_median + log(p->categories[d->category].time_mult) + u[j] +
                            p->resid_sd * d->e);
            int used =
                arm[i] == p->control ? d->u_use < p->control_use : !(d->u_use < p->treated_nonuse);
            if ((rc = append_task(ds, p, i + 1, j, width, arm[i], d, t0, v[j], used)) != UPL_OK)
                goto fail;
        }
    }
    if (truth) {
        upl_sim_truth_compute(p, truth);
        truth->n_tasks = n;
    }
    rc = UPL_OK;
    goto cleanup;
nomem:
    rc = UPL_NOMEM;
fail:
    upl_diag_set(diag, rc, "cannot simulate the study: %s", upl_strerror(rc));
    upl_dataset_release(ds);
cleanup:
    gsl_rng_free(r);
    free(first_row);
    free(u);
    free(v);
    free(draws);
    free(arm);
    return rc;
}
