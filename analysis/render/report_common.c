/* What the HTML and Markdown reports share: baseline statistics by arm, the headline
 * in words, the methods text generated from the protocol, dates. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "report_internal.h"

static long arm_of(const upl_dataset *ds, size_t i)
{
    if (!ds->arm[i])
        return -1;
    for (size_t a = 0; a < ds->n_arms; a++)
        if (strcmp(ds->arms[a], ds->arm[i]) == 0)
            return (long)a;
    return -1;
}

static double median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    gsl_sort(v, 1, n);
    return gsl_stats_median_from_sorted_data(v, 1, n);
}

upl_status upl__report_baseline(const upl_dataset *ds, upl__arm_baseline **out)
{
    upl__arm_baseline *b = calloc(ds->n_arms + 1, sizeof *b);
    double *fa = malloc((ds->n + 1) * sizeof *fa);
    double *fn = malloc((ds->n + 1) * sizeof *fn);
    const char **seen = malloc((ds->n + 1) * sizeof *seen);
    if (!b || !fa || !fn || !seen) {
        free(b);
        free(fa);
        free(fn);
        free(seen);
        return UPL_NOMEM;
    }
    for (size_t a = 0; a < ds->n_arms; a++) {
        size_t na = 0, nn = 0, nr = 0, ns = 0;
        double log_ratio = 0.0;
        for (size_t i = 0; i < ds->n; i++) {
            if (arm_of(ds, i) != (long)a)
                continue;
            b[a].tasks++;
            if (ds->status[i] == UPL_TASK_DONE)
                b[a].done++;
            double x = ds->forecast_ai_min[i], y = ds->forecast_no_ai_min[i];
            if (isfinite(x) && x > 0)
                fa[na++] = x;
            if (isfinite(y) && y > 0)
                fn[nn++] = y;
            if (isfinite(x) && x > 0 && isfinite(y) && y > 0) {
                log_ratio += log(x / y);
                nr++;
            }
            const char *p = ds->participant[i];
            int dup = 0;
            for (size_t k = 0; p && k < ns && !dup; k++)
                dup = strcmp(seen[k], p) == 0;
            if (p && !dup)
                seen[ns++] = p;
        }
        b[a].participants = ns;
        b[a].forecast_ai_median = median(fa, na);
        b[a].forecast_no_ai_median = median(fn, nn);
        b[a].forecast_ratio_gm = nr ? exp(log_ratio / (double)nr) : NAN;
    }
    free(fa);
    free(fn);
    free(seen);
    *out = b;
    return UPL_OK;
}

upl_status upl__report_categories(const upl_dataset *ds, const char ***names_out,
                                  size_t **counts_out, size_t *n_out)
{
    const char **names = malloc((ds->n + 1) * sizeof *names);
    size_t *counts = calloc((ds->n + 1) * (ds->n_arms + 1), sizeof *counts);
    size_t *total = calloc(ds->n + 1, sizeof *total);
    size_t n = 0;
    if (!names || !counts || !total) {
        free(names);
        free(counts);
        free(total);
        return UPL_NOMEM;
    }
    for (size_t i = 0; i < ds->n; i++) {
        long a = arm_of(ds, i);
        if (a < 0)
            continue;
        const char *c = ds->category[i] ? ds->category[i] : "(none)";
        size_t k = 0;
        while (k < n && strcmp(names[k], c) != 0)
            k++;
        if (k == n)
            names[n++] = c;
        counts[k * ds->n_arms + (size_t)a]++;
        total[k]++;
    }
    /* most frequent first (insertion sort: few categories) */
    for (size_t i = 1; i < n; i++) {
        for (size_t j = i; j > 0 && total[j] > total[j - 1]; j--) {
            const char *tn = names[j];
            names[j] = names[j - 1];
            names[j - 1] = tn;
            size_t tt = total[j];
            total[j] = total[j - 1];
            total[j - 1] = tt;
            for (size_t a = 0; a < ds->n_arms; a++) {
                size_t tc = counts[j * ds->n_arms + a];
                counts[j * ds->n_arms + a] = counts[(j - 1) * ds->n_arms + a];
                counts[(j - 1) * ds->n_arms + a] = tc;
            }
        }
    }
    free(total);
    *names_out = names;
    *counts_out = counts;
    *n_out = n;
    return UPL_OK;
}

void upl__report_change_words(char *buf, size_t size, double pct)
{
    if (!isfinite(pct))
        snprintf(buf, size, "could not be estimated");
    else if (pct >= 0)
        snprintf(buf, size, "took %.1f%% longer", 100.0 * pct);
    else
        snprintf(buf, size, "took %.1f%% less time", -100.0 * pct);
}

/* Appends to buf (a string) what fits. */
static void append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

void upl__report_rows_sentence(char *buf, size_t size, const upl_row_counts *rc)
{
    const struct {
        size_t n;
        const char *what;
    } part[] = {{rc->excluded, "excluded"},
                {rc->abandoned, "abandoned"},
                {rc->not_done, "not done"},
                {rc->unassigned, "without an arm"},
                {rc->missing_outcome, "without an outcome"},
                {rc->missing_covariate, "without the covariate"}};
    size_t n_parts = sizeof part / sizeof part[0], shown = 0, other = 0;
    for (size_t i = 0; i < n_parts; i++) {
        shown += part[i].n > 0;
        other += part[i].n;
    }
    buf[0] = '\0';
    if (other == 0) {
        if (rc->analysed == 1)
            append(buf, size, "The one task was analysed.");
        else
            append(buf, size, "All %zu tasks were analysed.", rc->analysed);
    } else {
        append(buf, size, "Of %zu task%s, %zu %s analysed; ", rc->input, rc->input == 1 ? "" : "s",
               rc->analysed, rc->analysed == 1 ? "was" : "were");
        if (other == 1)
            append(buf, size, "the other one was not (");
        else
            append(buf, size, "the other %zu were not (", other);
        for (size_t i = 0, k = 0; i < n_parts; i++) {
            if (part[i].n == 0)
                continue;
            append(buf, size, "%s%zu %s",
                   k == 0           ? ""
                   : k + 1 == shown ? " and "
                                    : ", ",
                   part[i].n, part[i].what);
            k++;
        }
        append(buf, size, ").");
    }
    if (rc->imputed > 0)
        append(buf, size, " %zu post-review time%s imputed.", rc->imputed,
               rc->imputed == 1 ? " was" : "s were");
}

void upl__report_time(char *buf, size_t size, int64_t t)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t <= 0 || !gmtime_r(&tt, &tm)) {
        snprintf(buf, size, "-");
        return;
    }
    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

size_t upl__report_arm_n(const upl_analysis_result *res, const upl_dataset *ds, size_t a)
{
    size_t treated = 0;
    for (size_t e = 0; e < res->n_effects; e++) {
        if (strcmp(res->effects[e].arm, ds->arms[a]) == 0)
            return res->effects[e].n_arm;
        treated += res->effects[e].n_arm;
    }
    return a == ds->control ? res->n - treated : 0;
}

static const char *se_words(upl_se_type t)
{
    switch (t) {
    case UPL_SE_CLASSICAL:
        return "classical (homoskedastic) standard errors with n - k degrees of freedom";
    case UPL_SE_HC0:
        return "heteroskedasticity-robust HC0 standard errors with n - k degrees of freedom";
    case UPL_SE_HC1:
        return "heteroskedasticity-robust HC1 standard errors with n - k degrees of freedom";
    case UPL_SE_HC2:
        return "heteroskedasticity-robust HC2 standard errors with n - k degrees of freedom";
    case UPL_SE_HC3:
        return "heteroskedasticity-robust HC3 standard errors with n - k degrees of freedom";
    case UPL_SE_CR0:
        return "cluster-robust CR0 standard errors by participant with G - 1 degrees of freedom";
    case UPL_SE_CR1:
        return "cluster-robust CR1 (Stata) standard errors by participant with G - 1 degrees of "
               "freedom";
    case UPL_SE_CR2:
        return "cluster-robust CR2 (Bell-McCaffrey) standard errors by participant with "
               "Satterthwaite degrees of freedom, as R's estimatr::lm_robust computes them";
    case UPL_SE_CR3:
        return "cluster-robust CR3 (cluster jackknife) standard errors by participant with "
               "Satterthwaite degrees of freedom, as R's clubSandwich defines them";
    case UPL_SE_AUTO:
        return "cluster-robust CR2 (Bell-McCaffrey) standard errors by participant with "
               "Satterthwaite degrees of freedom when there are participants, else HC2";
    }
    return "standard errors";
}

static const char *outcome_words(upl_outcome o)
{
    switch (o) {
    case UPL_OUTCOME_TOTAL:
        return "total time (the self-reported time to the first review-ready submission plus "
               "the time spent after review)";
    case UPL_OUTCOME_INITIAL:
        return "self-reported time to the first review-ready submission";
    case UPL_OUTCOME_MEASURED:
        return "active time measured with the start/pause/resume/stop timer";
    }
    return "time";
}

static void randomization_text(const upl_protocol *p, char *buf, size_t size)
{
    char ratio[256] = "", arms[256] = "";
    size_t used_r = 0, used_a = 0;
    for (size_t a = 0; a < p->n_arms; a++) {
        int n1 =
            snprintf(ratio + used_r, sizeof ratio - used_r, "%s%u", a ? ":" : "", p->arms[a].ratio);
        int n2 =
            snprintf(arms + used_a, sizeof arms - used_a, "%s%s", a ? ":" : "", p->arms[a].label);
        if (n1 > 0 && (size_t)n1 < sizeof ratio - used_r)
            used_r += (size_t)n1;
        if (n2 > 0 && (size_t)n2 < sizeof arms - used_a)
            used_a += (size_t)n2;
    }
    char how[1024];
    switch (p->scheme) {
    case UPL_SCHEME_SIMPLE:
        snprintf(how, sizeof how,
                 "Each task was assigned independently at random (simple randomization), "
                 "with probabilities in the allocation ratio %s = %s, so the arm sizes were "
                 "not fixed in advance",
                 arms, ratio);
        break;
    case UPL_SCHEME_COMPLETE:
        snprintf(how, sizeof how,
                 "Tasks were assigned by complete randomization: each batch of eligible tasks "
                 "was split between the arms in the exact allocation ratio %s = %s",
                 arms, ratio);
        break;
    case UPL_SCHEME_PERMUTED_BLOCK: {
        char sizes[128] = "";
        size_t used = 0;
        for (size_t i = 0; i < p->n_block_sizes; i++) {
            int k = snprintf(sizes + used, sizeof sizes - used, "%s%u", i ? ", " : "",
                             p->block_sizes[i]);
            if (k > 0 && (size_t)k < sizeof sizes - used)
                used += (size_t)k;
        }
        snprintf(how, sizeof how,
                 "Tasks were assigned in permuted blocks whose sizes (%s) were drawn at "
                 "random, with the allocation ratio %s = %s inside each block",
                 sizes, arms, ratio);
        break;
    }
    default:
        snprintf(how, sizeof how, "Tasks were assigned at random");
    }
    const char *strata = p->stratify_participant && p->stratify_category
                             ? ", stratified by participant and by category"
                         : p->stratify_participant ? ", stratified by participant"
                         : p->stratify_category    ? ", stratified by category"
                                                   : "";
    snprintf(buf, size,
             "%s%s. A task became eligible only once its participant had recorded both "
             "forecasts (time with and without AI), so every forecast was made before the "
             "assignment was known.",
             how, strata);
}

void upl__report_methods(const upl_report_input *in, void (*para)(void *ctx, const char *text),
                         void *ctx)
{
    const upl_model_spec *spec = in->result ? &in->result->spec : in->spec;
    const char *control = in->result && in->result->control_arm ? in->result->control_arm
                          : in->dataset->n_arms ? in->dataset->arms[in->dataset->control]
                                                : "control";
    char buf[2048];
    if (in->protocol) {
        randomization_text(in->protocol, buf, sizeof buf);
        para(ctx, buf);
    } else {
        snprintf(buf, sizeof buf,
                 "The data were read from %s; how the tasks were assigned is not recorded in "
                 "the file, so this report cannot describe the randomization.",
                 in->source ? in->source : "a CSV file");
        para(ctx, buf);
    }
    if (in->study) {
        char when[64];
        upl__report_time(when, sizeof when, in->study->allocation_closed_at);
        snprintf(
            buf, sizeof buf,
            "Allocation was concealed: each draw came from the %s generator seeded, for "
            "each task, with HMAC-SHA-256 of a 256-bit secret kept in a key file outside "
            "the study database. The SHA-256 commitment to the secret (%.16s...) was recorded when "
            "the study was created, and every allocation and timing record is part of a "
            "hash-chained audit log. %s%s%s",
            in->study->rng_name ? in->study->rng_name : "GSL", in->study->commitment,
            in->study->revealed_secret
                ? "The secret has been revealed (allocation closed), so anyone with the study "
                  "database can replay every draw and compare it with the recorded "
                  "allocation. Allocation closed: "
                : "The secret has not been revealed yet: allocation is still concealed, and "
                  "the draws can be replayed only with the key file.",
            in->study->revealed_secret ? when : "", in->study->revealed_secret ? "." : "");
        para(ctx, buf);
    }
    if (!spec)
        return;
    char cov[160] = "";
    if (spec->covariate != UPL_COVARIATE_NONE)
        snprintf(cov, sizeof cov, ", the log of the participant's forecast %s",
                 spec->covariate == UPL_COVARIATE_LOG_FORECAST_AI ? "with AI" : "without AI");
    snprintf(buf, sizeof buf,
             "The effect of each arm on completion time was estimated by ordinary least "
             "squares of the log of the %s on the arm indicator%s%s; exp(b) - 1 is the change "
             "in time relative to the %s arm. Inference uses %s, and %g%% intervals from the "
             "%s distribution. %s",
             outcome_words(spec->outcome), cov,
             spec->participant_fe ? " and participant fixed effects" : "", control,
             se_words(spec->se_type), 100.0 * spec->level,
             spec->dist == UPL_DIST_T ? "t" : "normal",
             spec->impute == UPL_IMPUTE_ARM_MEAN
                 ? "A missing post-review time was replaced by the mean of its arm."
                 : "Tasks with a missing time were left out (complete cases).");
    para(ctx, buf);
    snprintf(buf, sizeof buf,
             "The standard-error panel repeats the estimate under every standard-error type, "
             "so that a reader can see how much the conclusion depends on that choice; with "
             "few participants the cluster-robust types (CR2 with Satterthwaite degrees of "
             "freedom in particular) are the honest ones.");
    para(ctx, buf);
}

/* ---- the escaping writers ---- */

/* One conversion of fmt (after its '%'): its flags, width, precision and length as
 * printf reads them.  Returns the number of characters of the spec, conversion
 * included, or 0 when it is not one the writers accept. */
static size_t conversion_length(const char *p)
{
    size_t n = strspn(p, "-+ #0");
    if (p[n] == '*')
        n++;
    else
        n += strspn(p + n, "0123456789");
    if (p[n] == '.') {
        n++;
        if (p[n] == '*')
            n++;
        else
            n += strspn(p + n, "0123456789");
    }
    n += strspn(p + n, "hlzjtL");
    return p[n] && strchr("diouxXfFeEgGaAcs", p[n]) ? n + 1 : 0;
}

/* The format and every number are the writer's own (a literal checked by the compiler);
 * only the string arguments are data, and they reach out through esc. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
void upl__report_vprintf(FILE *out, void (*esc)(FILE *out, const char *s, size_t len),
                         const char *fmt, va_list ap)
{
    while (*fmt) {
        const char *pct = strchr(fmt, '%');
        size_t lit = pct ? (size_t)(pct - fmt) : strlen(fmt);
        fwrite(fmt, 1, lit, out);
        if (!pct)
            return;
        fmt = pct + 1;
        if (*fmt == '%') {
            fputc('%', out);
            fmt++;
            continue;
        }
        size_t len = conversion_length(fmt);
        if (!len) { /* not a conversion: print it as it stands */
            fputc('%', out);
            continue;
        }
        char spec[32], buf[512];
        if (len + 2 > sizeof spec)
            return;
        spec[0] = '%';
        memcpy(spec + 1, fmt, len);
        spec[len + 1] = '\0';
        fmt += len;
        char conv = spec[len];
        const char *length = spec + 1 + strspn(spec + 1, "-+ #0123456789.*");
        int star[2], n_star = 0;
        for (const char *s = spec; *s; s++)
            if (*s == '*' && n_star < 2)
                star[n_star++] = va_arg(ap, int);
        if (conv == 's' || conv == 'c') {
            char one[2] = {0, 0};
            const char *s = one;
            if (conv == 'c')
                one[0] = (char)va_arg(ap, int);
            else if (!(s = va_arg(ap, const char *)))
                s = "";
            size_t slen = strlen(s);
            const char *dot = strchr(spec, '.');
            if (dot && conv == 's') { /* a precision bounds the bytes, as printf does */
                long prec = dot[1] == '*' ? star[n_star - 1] : strtol(dot + 1, NULL, 10);
                if (prec >= 0 && (size_t)prec < slen)
                    slen = (size_t)prec;
            }
            esc(out, s, slen);
            continue;
        }
#define UPL__ONE(type)                                                                             \
    (n_star == 2   ? snprintf(buf, sizeof buf, spec, star[0], star[1], va_arg(ap, type))           \
     : n_star == 1 ? snprintf(buf, sizeof buf, spec, star[0], va_arg(ap, type))                    \
                   : snprintf(buf, sizeof buf, spec, va_arg(ap, type)))
        int is_signed = conv == 'd' || conv == 'i';
        if (strchr("fFeEgGaA", conv))
            (void)(length[0] == 'L' ? UPL__ONE(long double) : UPL__ONE(double));
        else if (length[0] == 'z')
            (void)UPL__ONE(size_t);
        else if (length[0] == 'j')
            (void)(is_signed ? UPL__ONE(intmax_t) : UPL__ONE(uintmax_t));
        else if (length[0] == 't')
            (void)UPL__ONE(ptrdiff_t);
        else if (length[0] == 'l' && length[1] == 'l')
            (void)(is_signed ? UPL__ONE(long long) : UPL__ONE(unsigned long long));
        else if (length[0] == 'l')
            (void)(is_signed ? UPL__ONE(long) : UPL__ONE(unsigned long));
        else
            (void)(is_signed ? UPL__ONE(int) : UPL__ONE(unsigned));
#undef UPL__ONE
        fputs(buf, out);
    }
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* Markdown text: the characters that make emphasis, code, tables, headings or raw HTML
 * are escaped; a ']' that would close a link or image ("](", "][", "]:") too, so that
 * "[x](javascript:...)" stays text while an interval "[-5.0%, +9.1%]" reads as it is;
 * a line break becomes a space (one paragraph, one cell). */
static void md_escape(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '<')
            fputs("&lt;", out);
        else if (c == '>')
            fputs("&gt;", out);
        else if (c == '&')
            fputs("&amp;", out);
        else if (c == '\n' || c == '\r')
            fputc(' ', out);
        else if (strchr("\\`*_|#~", c) || (c == ']' && i + 1 < len && strchr("([:", s[i + 1]))) {
            fputc('\\', out);
            fputc(c, out);
        } else
            fputc(c, out);
    }
}

void upl__md_printf(FILE *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    upl__report_vprintf(out, md_escape, fmt, ap);
    va_end(ap);
}

void upl__md_code(FILE *out, const char *s)
{
    size_t run = 0, longest = 0;
    if (!s)
        s = "";
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    for (size_t i = 0; i <= longest; i++)
        fputc('`', out);
    int pad = *s == '`' || (*s && s[strlen(s) - 1] == '`');
    if (pad)
        fputc(' ', out);
    for (const char *p = s; *p; p++)
        fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
    if (pad)
        fputc(' ', out);
    for (size_t i = 0; i <= longest; i++)
        fputc('`', out);
}
