/* The HTML report: one self-contained page (inline CSS and SVG, no scripts, no
 * network) that reads on screen and prints.  Every number that comes from the analysis
 * carries its JSON path and full-precision value (data-key, data-value), so a test or
 * a reader can check it against `uplift analyze --json`. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_version.h>
#include <plplot.h>

#include "report_internal.h"

typedef struct html {
    FILE *out;
    const upl_report_input *in;
    upl_status st;
} html;

static void esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static void p(html *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void p(html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(h->out, fmt, ap);
    va_end(ap);
}

static void fmt_pct(char *buf, size_t size, double x)
{
    if (isfinite(x))
        snprintf(buf, size, "%+.1f%%", 100.0 * x);
    else
        snprintf(buf, size, "&#8211;");
}

static void fmt_p(char *buf, size_t size, double x)
{
    if (!isfinite(x))
        snprintf(buf, size, "&#8211;");
    else if (x < 0.001)
        snprintf(buf, size, "&lt;0.001");
    else
        snprintf(buf, size, "%.3f", x);
}

static void fmt_fixed(char *buf, size_t size, double x, int decimals)
{
    if (isfinite(x))
        snprintf(buf, size, "%.*f", decimals, x);
    else
        snprintf(buf, size, "&#8211;");
}

/* A number with its JSON path: <span data-key=KEY data-value=V>TEXT</span>.  text is
 * already HTML. */
static void num(html *h, const char *key, double v, const char *text)
{
    if (isfinite(v))
        p(h, "<span class=\"num\" data-key=\"%s\" data-value=\"%.17g\">%s</span>", key, v, text);
    else
        p(h, "<span class=\"num\" data-key=\"%s\" data-value=\"null\">%s</span>", key, text);
}

static void num_pct(html *h, const char *key, double v)
{
    char t[64];
    fmt_pct(t, sizeof t, v);
    num(h, key, v, t);
}

/* "[lo, hi]" with each end keyed key[0] and key[1]. */
static void num_interval(html *h, const char *key, double lo, double hi)
{
    char k[160];
    if (!isfinite(lo) || !isfinite(hi)) {
        p(h, "&#8211;");
        return;
    }
    p(h, "[");
    snprintf(k, sizeof k, "%s[0]", key);
    num_pct(h, k, lo);
    p(h, ", ");
    snprintf(k, sizeof k, "%s[1]", key);
    num_pct(h, k, hi);
    p(h, "]");
}

static void swatch(html *h, size_t arm)
{
    const upl_dataset *ds = h->in->dataset;
    p(h, "<span class=\"swatch\" style=\"background:%s\"></span>",
      upl_report_arm_color(arm, ds->control));
}

static long arm_index(const upl_dataset *ds, const char *label)
{
    for (size_t a = 0; label && a < ds->n_arms; a++)
        if (strcmp(ds->arms[a], label) == 0)
            return (long)a;
    return -1;
}

static void arm_name(html *h, const char *label)
{
    long a = arm_index(h->in->dataset, label);
    if (a >= 0)
        swatch(h, (size_t)a);
    esc(h->out, label);
}

static void not_computed(html *h, const char *what)
{
    p(h, "<p class=\"note\">Not computed: %s</p>\n", what);
}

static void figure(html *h, const char *id, upl_svg *svg, const char *caption)
{
    p(h, "<figure id=\"%s\">\n", id);
    fwrite(svg->text, 1, svg->len, h->out);
    p(h, "\n<figcaption>");
    esc(h->out, caption);
    p(h, "</figcaption>\n</figure>\n");
    upl_svg_release(svg);
}

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "color:#222;background:#fff;max-width:62rem;margin:0 auto;padding:1.5rem 1.5rem 3rem}"
    "h1{font-size:1.8rem;line-height:1.2;margin:.2rem 0 .3rem}"
    "h2{font-size:1.3rem;border-bottom:2px solid #ddd;padding-bottom:.2rem;margin:2.4rem 0 .8rem}"
    "h3{font-size:1.05rem;margin:1.4rem 0 .4rem}"
    ".sub{color:#555;margin:0 0 1rem}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}"
    "th,td{padding:.28rem .7rem;border-bottom:1px solid #e3e3e3;text-align:left;"
    "vertical-align:top}"
    "th{background:#f4f5f7;font-weight:600}"
    "#summary th{white-space:nowrap}"
    "td.r,th.r{text-align:right;white-space:nowrap}"
    "tr.chosen td{font-weight:700;background:#fbf7ef}"
    ".headline small{font-size:.8rem;color:#555}"
    ".headline{font-size:1.2rem;background:#f6f8fa;border-left:6px solid #d55e00;"
    "padding:.8rem 1.1rem;margin:1rem 0}"
    ".warning{background:#fff5e6;border-left:6px solid #e69f00;padding:.5rem .9rem;margin:.4rem 0}"
    ".note{color:#666;font-style:italic;background:#fafafa;border:1px dashed #ccc;"
    "padding:.5rem .8rem}"
    ".swatch,.headline,.warning,tr.chosen td{-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}"
    ".swatch{display:inline-block;width:.75em;height:.75em;border-radius:50%;"
    "margin-right:.35em;vertical-align:baseline}"
    ".mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;font-size:.85em;"
    "word-break:break-all}"
    "figure{margin:1rem 0 1.5rem;page-break-inside:avoid;break-inside:avoid}"
    "svg.chart{display:block;width:100%;max-width:760px;height:auto}"
    "figcaption{color:#555;font-size:.9rem;margin-top:.3rem;max-width:760px}"
    ".consort{display:flex;flex-direction:column;align-items:center;gap:.3rem;margin:1rem 0}"
    ".consort .row{display:flex;gap:1rem;align-items:center;justify-content:center;"
    "flex-wrap:wrap}"
    ".consort .box{border:1.5px solid #444;border-radius:4px;padding:.45rem .8rem;"
    "background:#fff;min-width:14rem;text-align:center}"
    ".consort .side{border-style:dashed;text-align:left;font-size:.9rem}"
    ".consort .side ul{margin:.2rem 0 0;padding-left:1.1rem}"
    ".consort .arrow{font-size:1.3rem;line-height:1;color:#444}"
    ".consort .row3{display:grid;grid-template-columns:1fr auto 1fr;gap:1rem;"
    "align-items:center;width:100%}"
    ".consort .row3 .side{justify-self:start;min-width:0}"
    ".consort .reasons{margin-top:.6rem}"
    ".consort .arms{display:flex;gap:1rem;justify-content:center;flex-wrap:wrap}"
    ".consort .arm{text-align:left;min-width:12rem;border-top-width:6px}"
    ".consort .arm b{float:right;margin-left:1rem}"
    "footer{margin-top:3rem;color:#555;font-size:.88rem}"
    "footer dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}"
    "footer dt{font-weight:600}footer dd{margin:0}"
    "@media print{body{max-width:none;padding:0;font-size:10.5pt}"
    "h2{break-after:avoid;page-break-after:avoid}"
    "table,figure,.consort{break-inside:avoid;page-break-inside:avoid}"
    ".headline{border:1px solid #999;border-left:6px solid #d55e00}}";

/* ---- sections ---- */

static void section_summary(html *h)
{
    const upl_report_input *in = h->in;
    const upl_analysis_result *r = in->result;
    char t[128];
    p(h, "<section id=\"summary\">\n<h2>Study summary</h2>\n<table>\n");
    if (in->study) {
        p(h, "<tr><th>Protocol</th><td>");
        esc(h->out, in->protocol ? in->protocol->title : in->study->title);
        p(h, "</td></tr>\n<tr><th>Protocol SHA-256</th><td class=\"mono\">");
        esc(h->out, in->study->protocol_hash);
        p(h, "</td></tr>\n<tr><th>Study id</th><td class=\"mono\">");
        esc(h->out, in->study->uid);
        p(h, "</td></tr>\n<tr><th>Seed commitment (SHA-256)</th><td class=\"mono\">");
        esc(h->out, in->study->commitment);
        p(h, "</td></tr>\n<tr><th>Secret revealed</th><td>%s</td></tr>\n",
          in->study->revealed_secret ? "yes: allocation closed, anyone can verify the draws"
                                     : "no: allocation still concealed");
        upl__report_time(t, sizeof t, in->study->created_at);
        p(h, "<tr><th>Study created</th><td>%s</td></tr>\n", t);
        upl__report_time(t, sizeof t, in->study->allocation_closed_at);
        p(h, "<tr><th>Allocation closed</th><td>%s</td></tr>\n",
          in->study->allocation_closed_at ? t : "not yet");
    } else {
        p(h, "<tr><th>Data</th><td>");
        esc(h->out, in->source ? in->source : "CSV file");
        p(h, " (a CSV file: no protocol, randomization record or audit log)</td></tr>\n");
    }
    if (in->protocol) {
        p(h, "<tr><th>Arms</th><td>");
        for (size_t a = 0; a < in->protocol->n_arms; a++) {
            const upl_arm *arm = &in->protocol->arms[a];
            p(h, "%s", a ? "<br>" : "");
            arm_name(h, arm->label);
            p(h, " (ratio %u%s)", arm->ratio, a == in->protocol->control ? ", control" : "");
            if (arm->description) {
                p(h, ": ");
                esc(h->out, arm->description);
            }
        }
        p(h, "</td></tr>\n");
    }
    if (in->consort)
        p(h,
          "<tr><th>Participants</th><td>%zu</td></tr>\n<tr><th>Tasks enrolled</th><td>%zu"
          "</td></tr>\n",
          in->consort->participants, in->consort->enrolled);
    p(h, "<tr><th>Tasks analysed</th><td>");
    if (r) {
        snprintf(t, sizeof t, "%zu", r->n);
        num(h, "n", (double)r->n, t);
        p(h, " of %zu, from ", r->counts.input);
        snprintf(t, sizeof t, "%zu", r->clusters);
        num(h, "clusters", (double)r->clusters, t);
        p(h, " participants</td></tr>\n");
    } else {
        p(h, "none yet</td></tr>\n");
    }
    upl__report_time(t, sizeof t, in->generated_at);
    p(h, "<tr><th>Report generated</th><td>%s</td></tr>\n</table>\n</section>\n", t);
}

static void consort_arms(html *h, const upl_consort *c)
{
    const upl_dataset *ds = h->in->dataset;
    p(h, "<div class=\"arrow\">&#8595;</div>\n<div class=\"arms\">\n");
    for (size_t a = 0; a < c->n_arms; a++) {
        const upl_arm_counts *ac = &c->arms[a];
        if (!ac->arm)
            continue;
        long ai = arm_index(ds, ac->arm);
        p(h, "<div class=\"box arm\" style=\"border-top-color:%s\"><strong>",
          ai >= 0 ? upl_report_arm_color((size_t)ai, ds->control) : "#444");
        arm_name(h, ac->arm);
        p(h,
          "</strong><br>Assigned <b>%zu</b><br>Started <b>%zu</b><br>Done <b>%zu</b><br>"
          "Excluded after assignment <b>%zu</b><br>Abandoned <b>%zu</b><br>",
          ac->assigned, ac->started, ac->done, ac->excluded, ac->abandoned);
        p(h, "<span style=\"border-top:1px solid #bbb;display:block;margin-top:.3rem\">");
        if (h->in->result)
            p(h, "Analysed <b>%zu</b></span></div>\n",
              ai >= 0 ? upl__report_arm_n(h->in->result, ds, (size_t)ai) : 0);
        else
            p(h, "Analysed <b>&#8211;</b></span></div>\n");
    }
    p(h, "</div>\n");
}

static void section_consort(html *h)
{
    const upl_consort *c = h->in->consort;
    const upl_row_counts *rc = h->in->result ? &h->in->result->counts : NULL;
    p(h, "<section id=\"consort\">\n<h2>Flow of participants and tasks (CONSORT)</h2>\n");
    p(h, "<div class=\"consort\">\n");
    if (c) {
        p(h,
          "<div class=\"box\">Participants enrolled <strong>%zu</strong></div>\n"
          "<div class=\"arrow\">&#8595;</div>\n",
          c->participants);
        p(h,
          "<div class=\"row3\"><span></span><div class=\"box\">Tasks enrolled <strong>%zu"
          "</strong><br>with both forecasts <strong>%zu</strong></div>\n",
          c->enrolled, c->forecast);
        p(h,
          "<div class=\"box side\">Excluded before assignment <strong>%zu</strong></div>"
          "</div>\n<div class=\"arrow\">&#8595;</div>\n",
          c->excluded_before_assignment);
        p(h, "<div class=\"box\">Randomized <strong>%zu</strong></div>\n", c->assigned);
        consort_arms(h, c);
        if (c->n_reasons) {
            p(h, "<div class=\"box side reasons\">Reasons for exclusion or abandonment "
                 "(before and after assignment):<ul>");
            for (size_t i = 0; i < c->n_reasons; i++) {
                p(h, "<li>");
                esc(h->out, c->reasons[i].reason ? c->reasons[i].reason : "(no reason)");
                p(h, ": %zu</li>", c->reasons[i].count);
            }
            p(h, "</ul></div>\n");
        }
    } else if (rc) {
        p(h,
          "<div class=\"row3\"><span></span><div class=\"box\">Rows in the file <strong>%zu"
          "</strong></div>\n<div class=\"box side\">Not analysed:<ul><li>excluded: %zu</li>"
          "<li>abandoned: %zu</li><li>not done: %zu</li><li>no arm: %zu</li>"
          "<li>outcome missing: %zu</li><li>forecast missing: %zu</li></ul></div></div>\n",
          rc->input, rc->excluded, rc->abandoned, rc->not_done, rc->unassigned, rc->missing_outcome,
          rc->missing_covariate);
        p(h, "<div class=\"arrow\">&#8595;</div>\n<div class=\"arms\">\n");
        for (size_t a = 0; a < h->in->dataset->n_arms; a++) {
            p(h, "<div class=\"box arm\" style=\"border-top-color:%s\"><strong>",
              upl_report_arm_color(a, h->in->dataset->control));
            arm_name(h, h->in->dataset->arms[a]);
            p(h, "</strong><br>Analysed <b>%zu</b></div>\n",
              upl__report_arm_n(h->in->result, h->in->dataset, a));
        }
        p(h, "</div>\n");
    }
    p(h, "</div>\n");
    if (rc)
        p(h,
          "<p>Of %zu tasks, %zu were analysed; %zu excluded, %zu abandoned, %zu not "
          "done, %zu without an arm, %zu without an outcome and %zu without the covariate "
          "were not. %zu post-review time%s imputed.</p>\n",
          rc->input, rc->analysed, rc->excluded, rc->abandoned, rc->not_done, rc->unassigned,
          rc->missing_outcome, rc->missing_covariate, rc->imputed,
          rc->imputed == 1 ? " was" : "s were");
    p(h, "</section>\n");
}

static void section_baseline(html *h)
{
    const upl_dataset *ds = h->in->dataset;
    upl__arm_baseline *b = NULL;
    const char **cat = NULL;
    size_t *cc = NULL, nc = 0;
    char t[64];
    if ((h->st = upl__report_baseline(ds, &b)) != UPL_OK)
        return;
    if ((h->st = upl__report_categories(ds, &cat, &cc, &nc)) != UPL_OK) {
        free(b);
        return;
    }
    p(h, "<section id=\"baseline\">\n<h2>Baseline by arm</h2>\n<p>Every randomized task, "
         "whatever happened to it later. Forecasts were made before assignment.</p>\n");
    p(h, "<table>\n<tr><th></th>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        p(h, "<th class=\"r\">");
        arm_name(h, ds->arms[a]);
        p(h, "</th>");
    }
    p(h, "</tr>\n<tr><td>Tasks randomized</td>");
    for (size_t a = 0; a < ds->n_arms; a++)
        p(h, "<td class=\"r\">%zu</td>", b[a].tasks);
    p(h, "</tr>\n<tr><td>Participants</td>");
    for (size_t a = 0; a < ds->n_arms; a++)
        p(h, "<td class=\"r\">%zu</td>", b[a].participants);
    p(h, "</tr>\n<tr><td>Tasks done</td>");
    for (size_t a = 0; a < ds->n_arms; a++)
        p(h, "<td class=\"r\">%zu</td>", b[a].done);
    p(h, "</tr>\n<tr><td>Median forecast without AI (minutes)</td>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        fmt_fixed(t, sizeof t, b[a].forecast_no_ai_median, 0);
        p(h, "<td class=\"r\">%s</td>", t);
    }
    p(h, "</tr>\n<tr><td>Median forecast with AI (minutes)</td>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        fmt_fixed(t, sizeof t, b[a].forecast_ai_median, 0);
        p(h, "<td class=\"r\">%s</td>", t);
    }
    p(h, "</tr>\n<tr><td>Forecast change with AI (geometric mean)</td>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        fmt_pct(t, sizeof t, b[a].forecast_ratio_gm - 1.0);
        p(h, "<td class=\"r\">%s</td>", t);
    }
    p(h, "</tr>\n");
    for (size_t k = 0; k < nc; k++) {
        p(h, "<tr><td>Category: ");
        esc(h->out, cat[k]);
        p(h, "</td>");
        for (size_t a = 0; a < ds->n_arms; a++) {
            size_t n = cc[k * ds->n_arms + a];
            p(h, "<td class=\"r\">%zu (%.0f%%)</td>", n,
              b[a].tasks ? 100.0 * (double)n / (double)b[a].tasks : 0.0);
        }
        p(h, "</tr>\n");
    }
    p(h, "</table>\n</section>\n");
    free(b);
    free(cat);
    free(cc);
}

static void se_panel(html *h, size_t e)
{
    const upl_analysis_result *r = h->in->result;
    const upl_effect *eff = &r->effects[e];
    char k[96], t[64];
    upl__interval_row rows[2 * UPL_SE_TYPE_COUNT];
    char labels[2 * UPL_SE_TYPE_COUNT][32];
    size_t n = 0;
    long arm = arm_index(h->in->dataset, eff->arm);
    p(h, "<h3>Standard-error panel: ");
    arm_name(h, eff->arm);
    p(h,
      " vs %s</h3>\n<table>\n<tr><th>SE type</th><th>interval</th><th class=\"r\">SE "
      "(log)</th><th class=\"r\">df</th><th class=\"r\">change in time</th><th "
      "class=\"r\">%g%% interval</th><th class=\"r\">p</th></tr>\n",
      r->control_arm ? r->control_arm : "control", 100.0 * r->spec.level);
    for (size_t i = 0; i < r->n_panel; i++) {
        const upl_panel_entry *pe = &r->panel[i];
        if (pe->effect != e)
            continue;
        int chosen = pe->se_type == r->spec.se_type && pe->dist == r->spec.dist;
        p(h, "<tr%s><td>%s%s</td><td>%s</td><td class=\"r\">", chosen ? " class=\"chosen\"" : "",
          upl_se_type_name(pe->se_type), chosen ? " (chosen)" : "",
          pe->dist == UPL_DIST_T ? "t" : "normal");
        snprintf(k, sizeof k, "se_panel[%zu].se", i);
        fmt_fixed(t, sizeof t, pe->est.se, 4);
        num(h, k, pe->est.se, t);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].df", i);
        fmt_fixed(t, sizeof t, pe->est.df, 1);
        num(h, k, pe->est.df, t);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].pct", i);
        num_pct(h, k, pe->est.pct);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].pct_ci", i);
        num_interval(h, k, pe->est.pct_lo, pe->est.pct_hi);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "se_panel[%zu].p", i);
        fmt_p(t, sizeof t, pe->est.p);
        num(h, k, pe->est.p, t);
        p(h, "</td></tr>\n");
        if (n < 2 * UPL_SE_TYPE_COUNT) {
            snprintf(labels[n], sizeof labels[n], "%s, %s%s", upl_se_type_name(pe->se_type),
                     pe->dist == UPL_DIST_T ? "t" : "z", chosen ? " (chosen)" : "");
            rows[n].label = labels[n];
            rows[n].pct = pe->est.defined ? pe->est.pct : NAN;
            rows[n].lo = pe->est.pct_lo;
            rows[n].hi = pe->est.pct_hi;
            rows[n].color = (int)(UPL__COL_ARM + (arm >= 0 ? (size_t)arm : 1));
            rows[n].emphasis = chosen;
            n++;
        }
    }
    p(h, "</table>\n");
    upl_svg svg;
    char id[48], title[160];
    snprintf(id, sizeof id, "se-panel-%zu", e);
    snprintf(title, sizeof title, "Effect of %s on completion time under every standard error",
             eff->arm);
    upl_status st = upl__plot_intervals(rows, n, h->in->dataset->control,
                                        "Change in completion time (log scale)", id, title, &svg);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    char fig[64], caption[512];
    snprintf(fig, sizeof fig, "fig-se-panel-%zu", e);
    snprintf(caption, sizeof caption,
             "%s: the same point estimate with the %g%% interval of every standard-error type "
             "(bold: the one chosen). Undefined types (cluster-robust with fewer than two "
             "participants) have no interval.",
             title, 100.0 * r->spec.level);
    figure(h, fig, &svg, caption);
}

/* The result in one sentence per arm, at the top of the page. */
static void headlines(html *h)
{
    const upl_analysis_result *r = h->in->result;
    char k[96], t[96], words[96];
    if (!r) {
        p(h, "<p class=\"warning\"><strong>No result yet:</strong> the analysis cannot run on "
             "this study (");
        esc(h->out, h->in->analysis_error ? h->in->analysis_error : "no reason given");
        p(h, "). This report shows the study's progress.</p>\n");
        return;
    }
    for (size_t e = 0; e < r->n_effects; e++) {
        const upl_effect *eff = &r->effects[e];
        upl__report_change_words(words, sizeof words, eff->est.pct);
        p(h, "<p class=\"headline\">Tasks in the ");
        arm_name(h, eff->arm);
        p(h, " arm %s than in the %s arm (%g%% interval ", words,
          r->control_arm ? r->control_arm : "control", 100.0 * r->spec.level);
        snprintf(k, sizeof k, "effects[%zu].pct_ci", e);
        num_interval(h, k, eff->est.pct_lo, eff->est.pct_hi);
        snprintf(k, sizeof k, "effects[%zu].p", e);
        fmt_p(t, sizeof t, eff->est.p);
        p(h, t[0] == '<' ? ", p " : ", p = "); /* "p <0.001", not "p = <0.001" */
        num(h, k, eff->est.p, t);
        p(h, ").");
        if (isfinite(eff->est.pct_lo) && isfinite(eff->est.pct_hi))
            p(h, " %s",
              eff->est.pct_lo <= 0.0 && eff->est.pct_hi >= 0.0
                  ? "The interval includes no change: these data cannot tell a slowdown from "
                    "a speed-up."
              : eff->est.pct_lo > 0.0 ? "The whole interval is a slowdown."
                                      : "The whole interval is a speed-up.");
        p(h,
          "<br><small>Primary analysis: %zu tasks from %zu participants, %s standard errors, "
          "%s interval.</small></p>\n",
          r->n, r->clusters, upl_se_type_name(r->spec.se_type),
          r->spec.dist == UPL_DIST_T ? "t" : "normal");
    }
}

static void section_primary(html *h)
{
    const upl_analysis_result *r = h->in->result;
    char k[96], t[96];
    p(h, "<section id=\"primary\">\n<h2>Primary result</h2>\n");
    for (size_t i = 0; i < r->n_warnings; i++) {
        p(h, "<p class=\"warning\"><strong>Warning:</strong> ");
        esc(h->out, r->warnings[i]);
        p(h, "</p>\n");
    }
    p(h,
      "<table>\n<tr><th>arm</th><th class=\"r\">tasks</th><th class=\"r\">coef (log)</th>"
      "<th class=\"r\">SE</th><th class=\"r\">df</th><th class=\"r\">change in time</th>"
      "<th class=\"r\">%g%% interval</th><th class=\"r\">p</th></tr>\n",
      100.0 * r->spec.level);
    for (size_t e = 0; e < r->n_effects; e++) {
        const upl_effect *eff = &r->effects[e];
        p(h, "<tr><td>");
        arm_name(h, eff->arm);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].n_arm", e);
        snprintf(t, sizeof t, "%zu", eff->n_arm);
        num(h, k, (double)eff->n_arm, t);
        static const char *const fields[] = {"coef", "se", "df"};
        const double vals[] = {eff->est.coef, eff->est.se, eff->est.df};
        const int dec[] = {4, 4, 1};
        for (int f = 0; f < 3; f++) {
            p(h, "</td><td class=\"r\">");
            snprintf(k, sizeof k, "effects[%zu].%s", e, fields[f]);
            fmt_fixed(t, sizeof t, vals[f], dec[f]);
            num(h, k, vals[f], t);
        }
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].pct", e);
        num_pct(h, k, eff->est.pct);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].pct_ci", e);
        num_interval(h, k, eff->est.pct_lo, eff->est.pct_hi);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "effects[%zu].p", e);
        fmt_p(t, sizeof t, eff->est.p);
        num(h, k, eff->est.p, t);
        p(h, "</td></tr>\n");
    }
    p(h, "</table>\n");
    if (r->ratio_of_means) {
        p(h, "<p>Ratio of mean times (treated / control - 1): ");
        num_pct(h, "ratio_of_means.pct", r->ratio_of_means->pct);
        p(h, ", percentile interval ");
        num_interval(h, "ratio_of_means.pct_ci", r->ratio_of_means->pct_lo,
                     r->ratio_of_means->pct_hi);
        p(h, " (BCa ");
        num_interval(h, "ratio_of_means.pct_ci_bca", r->ratio_of_means->bca_lo,
                     r->ratio_of_means->bca_hi);
        p(h, ") from %zu bootstrap resamples of participants.</p>\n", r->ratio_of_means->bootstrap);
    } else {
        not_computed(h, "the ratio of mean times needs a cluster bootstrap (--bootstrap N).");
    }
    if (r->compliance) {
        const upl_compliance *c = r->compliance;
        char t1[32];
        p(h, "<p>Compliance: AI not used in ");
        snprintf(t1, sizeof t1, "%.1f%%", 100.0 * c->treated_nonuse);
        num(h, "compliance.treated_nonuse", c->treated_nonuse,
            isfinite(c->treated_nonuse) ? t1 : "&#8211;");
        p(h, " of the treated tasks that recorded it; AI used in ");
        snprintf(t1, sizeof t1, "%.1f%%", 100.0 * c->control_use);
        num(h, "compliance.control_use", c->control_use, isfinite(c->control_use) ? t1 : "&#8211;");
        p(h, " of the control tasks. Effect of actually using AI (two-stage least squares, "
             "assignment as the instrument): ");
        num_pct(h, "compliance.iv.pct", c->iv.pct);
        p(h, " ");
        num_interval(h, "compliance.iv.pct_ci", c->iv.pct_lo, c->iv.pct_hi);
        p(h, ".</p>\n");
    }
    for (size_t e = 0; e < r->n_effects && h->st == UPL_OK; e++)
        se_panel(h, e);
    p(h, "</section>\n");
}

static void section_participants(html *h)
{
    const upl_analysis_result *r = h->in->result;
    p(h, "<section id=\"participants\">\n<h2>Effect by participant</h2>\n");
    if (!r->per_participant) {
        not_computed(h, "per-participant effects are not part of this analysis.");
        p(h, "</section>\n");
        return;
    }
    size_t n = r->n_per_participant;
    upl__interval_row *rows = calloc(n + 1, sizeof *rows);
    if (!rows) {
        h->st = UPL_NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const upl_participant_effect *pe = &r->per_participant[i];
        rows[i].label = pe->participant ? pe->participant : "?";
        rows[i].pct = pe->pct;
        rows[i].lo = pe->pct_lo;
        rows[i].hi = pe->pct_hi;
        rows[i].color = UPL__COL_MUTED;
    }
    if (r->n_effects) {
        rows[n].label = "All participants";
        rows[n].pct = r->effects[0].est.pct;
        rows[n].lo = r->effects[0].est.pct_lo;
        rows[n].hi = r->effects[0].est.pct_hi;
        long a = arm_index(h->in->dataset, r->effects[0].arm);
        rows[n].color = (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1));
        rows[n].emphasis = 1;
    }
    upl_svg svg;
    upl_status st = upl__plot_intervals(rows, n + (r->n_effects ? 1 : 0), h->in->dataset->control,
                                        "Change in completion time with AI (log scale)",
                                        "participants", "Effect of AI by participant", &svg);
    free(rows);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    figure(h, "fig-participants", &svg,
           "Forest plot: each participant's change in completion time with its interval; the "
           "bottom row is the pooled estimate. Participants with few tasks have wide "
           "intervals.");
    char ts[32], te[32];
    snprintf(ts, sizeof ts, "%zu", r->per_participant_slowdown);
    snprintf(te, sizeof te, "%zu", r->per_participant_estimated);
    p(h, "<p>");
    num(h, "per_participant_summary.slowdown", (double)r->per_participant_slowdown, ts);
    p(h, " of the ");
    num(h, "per_participant_summary.estimated", (double)r->per_participant_estimated, te);
    p(h, " participants with an estimate (tasks in both arms) have a point estimate of a "
         "slowdown; each participant's own regression uses classical standard errors.</p>\n");
    p(h, "<table>\n<tr><th>participant</th><th class=\"r\">tasks</th><th class=\"r\">change in "
         "time</th><th class=\"r\">interval</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        const upl_participant_effect *pe = &r->per_participant[i];
        char k[64];
        p(h, "<tr><td>");
        esc(h->out, pe->participant);
        p(h, "</td><td class=\"r\">%zu</td><td class=\"r\">", pe->n);
        snprintf(k, sizeof k, "per_participant[%zu].pct", i);
        num_pct(h, k, pe->pct);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "per_participant[%zu].pct_ci", i);
        num_interval(h, k, pe->pct_lo, pe->pct_hi);
        p(h, "</td></tr>\n");
    }
    p(h, "</table>\n</section>\n");
}

static void section_forecast(html *h)
{
    upl_svg svg;
    size_t n = 0;
    p(h, "<section id=\"forecast\">\n<h2>Forecast and actual time</h2>\n");
    upl_status st = upl__plot_forecast_scatter(h->in->dataset, h->in->result, "forecast", &svg, &n);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    if (n == 0) {
        not_computed(h, "no analysed task has a forecast for its assigned condition.");
    } else {
        char caption[320];
        snprintf(caption, sizeof caption,
                 "Each dot is one of %zu analysed tasks: the participant's forecast for the "
                 "condition the task was assigned to, against the time it took (%s). Dots "
                 "above the dashed line took longer than forecast.",
                 n, upl_outcome_name(h->in->result->spec.outcome));
        figure(h, "fig-forecast", &svg, caption);
    }
    p(h, "</section>\n");
}

static void section_perception(html *h)
{
    const upl_analysis_result *r = h->in->result;
    p(h, "<section id=\"perception\">\n<h2>Perception and reality</h2>\n");
    if (!r->perception || !r->n_effects) {
        not_computed(h, "the perceived effects and their gaps need a cluster bootstrap "
                        "(--bootstrap N).");
        p(h, "</section>\n");
        return;
    }
    const upl_perception *pc = r->perception;
    long a = arm_index(h->in->dataset, r->effects[0].arm);
    int arm_col = (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1));
    size_t n = 0, n_rows = 3 + pc->n_predictions;
    upl__interval_row *rows = calloc(n_rows, sizeof *rows);
    char(*labels)[96] = calloc(pc->n_predictions + 1, sizeof *labels);
    if (!rows || !labels) {
        free(rows);
        free(labels);
        h->st = UPL_NOMEM;
        return;
    }
    rows[n++] = (upl__interval_row){"Forecast before the task",
                                    pc->forecast_pct,
                                    pc->forecast_lo,
                                    pc->forecast_hi,
                                    UPL__COL_MUTED,
                                    0};
    rows[n++] = (upl__interval_row){"Believed afterwards", pc->posthoc_pct, pc->posthoc_lo,
                                    pc->posthoc_hi,        UPL__COL_MUTED,  0};
    for (size_t i = 0; i < pc->n_predictions; i++) {
        snprintf(labels[i], sizeof labels[i], "Predicted by %s",
                 pc->predictions[i].group ? pc->predictions[i].group : "?");
        rows[n++] =
            (upl__interval_row){labels[i], pc->predictions[i].pct, NAN, NAN, UPL__COL_MUTED, 0};
    }
    rows[n++] = (upl__interval_row){"Measured",
                                    r->effects[0].est.pct,
                                    r->effects[0].est.pct_lo,
                                    r->effects[0].est.pct_hi,
                                    arm_col,
                                    1};
    upl_svg svg;
    upl_status st = upl__plot_intervals(rows, n, h->in->dataset->control,
                                        "Change in completion time with AI (log scale)",
                                        "perception", "Perceived and measured effect of AI", &svg);
    free(rows);
    free(labels);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    figure(h, "fig-perception", &svg,
           pc->n_predictions
               ? "What participants forecast before each task and believed afterwards, and what "
                 "outside groups predicted (their mean, without an interval), against the "
                 "measured effect with its interval."
               : "What participants forecast before each task and believed afterwards, against "
                 "the measured effect, each with its interval. No outside predictions are "
                 "recorded (uplift prediction add).");
    p(h, "<table>\n<tr><th></th><th class=\"r\">change in time</th><th class=\"r\">interval"
         "</th></tr>\n<tr><td>Forecast (mean forecast with AI / without AI - 1)</td>"
         "<td class=\"r\">");
    num_pct(h, "perception.forecast_pct", pc->forecast_pct);
    p(h, "</td><td class=\"r\">");
    num_interval(h, "perception.forecast_pct_ci", pc->forecast_lo, pc->forecast_hi);
    p(h, "</td></tr>\n<tr><td>Believed afterwards (mean perceived effect, AI tasks)</td>"
         "<td class=\"r\">");
    num_pct(h, "perception.posthoc_pct", pc->posthoc_pct);
    p(h, "</td><td class=\"r\">");
    num_interval(h, "perception.posthoc_pct_ci", pc->posthoc_lo, pc->posthoc_hi);
    p(h, "</td></tr>\n<tr><td>Gap: measured minus forecast</td><td class=\"r\">");
    num_pct(h, "perception.gap_forecast", pc->gap_forecast);
    p(h, "</td><td class=\"r\">");
    num_interval(h, "perception.gap_forecast_ci", pc->gap_forecast_lo, pc->gap_forecast_hi);
    p(h, "</td></tr>\n<tr><td>Gap: measured minus believed</td><td class=\"r\">");
    num_pct(h, "perception.gap_posthoc", pc->gap_posthoc);
    p(h, "</td><td class=\"r\">");
    num_interval(h, "perception.gap_posthoc_ci", pc->gap_posthoc_lo, pc->gap_posthoc_hi);
    p(h, "</td></tr>\n");
    for (size_t i = 0; i < pc->n_predictions; i++) {
        const upl_prediction_gap *g = &pc->predictions[i];
        char k[96];
        p(h, "<tr><td>Predicted by ");
        esc(h->out, g->group);
        p(h, " (mean of %zu)</td><td class=\"r\">", g->n);
        snprintf(k, sizeof k, "perception.predictions[%zu].pct", i);
        num_pct(h, k, g->pct);
        p(h, "</td><td class=\"r\">&#8211;</td></tr>\n<tr><td>Gap: measured minus ");
        esc(h->out, g->group);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "perception.predictions[%zu].gap", i);
        num_pct(h, k, g->gap);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "perception.predictions[%zu].gap_ci", i);
        num_interval(h, k, g->gap_lo, g->gap_hi);
        p(h, "</td></tr>\n");
    }
    p(h,
      "</table>\n<p>Intervals from %zu bootstrap resamples of participants (percentile). A "
      "positive gap means people believe AI saves more time than it does.</p>\n</section>\n",
      pc->bootstrap);
}

static void section_agreement(html *h)
{
    const upl_analysis_result *r = h->in->result;
    upl_svg svg;
    size_t n = 0;
    p(h, "<section id=\"agreement\">\n<h2>Self-reported and measured time</h2>\n");
    upl_status st = upl__plot_agreement(h->in->dataset, r, "agreement", &svg, &n);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    if (n == 0) {
        not_computed(h, "no task has both a measured (timer) and a self-reported time.");
    } else {
        char caption[512];
        snprintf(caption, sizeof caption,
                 "Bland-Altman plot on the log scale: for each of %zu tasks with both times, "
                 "the ratio of the self-reported to the measured time against their geometric "
                 "mean. Dots above the grey line at 1x were reported as longer than measured; "
                 "the black lines, when drawn, are the mean ratio (solid) and the 95%% limits "
                 "of agreement (dashed).",
                 n);
        figure(h, "fig-agreement", &svg, caption);
    }
    if (r->agreement) {
        const upl_agreement *a = r->agreement;
        char t[64];
        p(h, "<p>Over %zu tasks, reported time was on average ", a->n);
        snprintf(t, sizeof t, "%.3f", a->ratio);
        num(h, "agreement.ratio", a->ratio, t);
        p(h, " times the measured time (interval ");
        snprintf(t, sizeof t, "%.3f", a->ratio_lo);
        num(h, "agreement.ratio_ci[0]", a->ratio_lo, t);
        p(h, " to ");
        snprintf(t, sizeof t, "%.3f", a->ratio_hi);
        num(h, "agreement.ratio_ci[1]", a->ratio_hi, t);
        p(h, "); 95%% limits of agreement ");
        snprintf(t, sizeof t, "%.3f", a->loa_lo);
        num(h, "agreement.loa[0]", a->loa_lo, t);
        p(h, " to ");
        snprintf(t, sizeof t, "%.3f", a->loa_hi);
        num(h, "agreement.loa[1]", a->loa_hi, t);
        p(h, "; correlation of the logs ");
        snprintf(t, sizeof t, "%.3f", a->r);
        num(h, "agreement.r", a->r, t);
        p(h, ". Effect on measured time ");
        num_pct(h, "agreement.effect_measured.pct", a->effect_measured.pct);
        p(h, ", on reported time ");
        num_pct(h, "agreement.effect_reported.pct", a->effect_reported.pct);
        p(h, ".</p>\n");
    } else {
        not_computed(h, "the agreement statistics (mean ratio, limits of agreement) are not "
                        "part of this analysis.");
    }
    p(h, "</section>\n");
}

static void section_subgroups(html *h)
{
    const upl_analysis_result *r = h->in->result;
    p(h, "<section id=\"subgroups\">\n<h2>Where AI helps and where it hurts</h2>\n");
    if (!r->subgroups) {
        not_computed(h, "subgroup effects need a column to split on (--subgroup category).");
        p(h, "</section>\n");
        return;
    }
    const upl_subgroups *s = r->subgroups;
    upl__interval_row *rows = calloc(s->n_levels + 1, sizeof *rows);
    if (!rows) {
        h->st = UPL_NOMEM;
        return;
    }
    long a = r->n_effects ? arm_index(h->in->dataset, r->effects[0].arm) : -1;
    for (size_t i = 0; i < s->n_levels; i++) {
        rows[i].label = s->levels[i].level ? s->levels[i].level : "(none)";
        rows[i].pct = s->levels[i].pct;
        rows[i].lo = s->levels[i].pct_lo;
        rows[i].hi = s->levels[i].pct_hi;
        rows[i].color = (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1));
    }
    upl_svg svg;
    char title[160];
    snprintf(title, sizeof title, "Effect of AI by %s", s->column ? s->column : "subgroup");
    upl_status st = upl__plot_intervals(rows, s->n_levels, h->in->dataset->control,
                                        "Change in completion time with AI (log scale)",
                                        "subgroups", title, &svg);
    free(rows);
    if (st != UPL_OK) {
        h->st = st;
        return;
    }
    figure(h, "fig-subgroups", &svg,
           "Effect in each subgroup from the interaction model, with Wald intervals.");
    char t[64];
    p(h, "<p>Test that the effect is the same in every level: ");
    if (s->test && isfinite(s->stat)) {
        p(h, "%s", s->test);
        if (isfinite(s->df2))
            p(h, "(%g, %.1f)", s->df1, s->df2);
        else
            p(h, "(%g)", s->df1);
        p(h, " = ");
        fmt_fixed(t, sizeof t, s->stat, 2);
        num(h, "subgroups.heterogeneity_test.value", s->stat, t);
        p(h, ", ");
    }
    fmt_p(t, sizeof t, s->heterogeneity_p);
    p(h, t[0] == '<' ? "p " : "p = ");
    num(h, "subgroups.heterogeneity_p", s->heterogeneity_p, t);
    if (s->excluded)
        p(h, " (%zu tasks without a level, or in a level without tasks in both arms, left out)",
          s->excluded);
    p(h, ".</p>\n<table>\n<tr><th>");
    esc(h->out, s->column);
    p(h, "</th><th class=\"r\">tasks</th><th class=\"r\">change in time</th><th "
         "class=\"r\">interval</th></tr>\n");
    for (size_t i = 0; i < s->n_levels; i++) {
        char k[64];
        p(h, "<tr><td>");
        esc(h->out, s->levels[i].level);
        p(h, "</td><td class=\"r\">%zu</td><td class=\"r\">", s->levels[i].n);
        snprintf(k, sizeof k, "subgroups.levels[%zu].pct", i);
        num_pct(h, k, s->levels[i].pct);
        p(h, "</td><td class=\"r\">");
        snprintf(k, sizeof k, "subgroups.levels[%zu].pct_ci", i);
        num_interval(h, k, s->levels[i].pct_lo, s->levels[i].pct_hi);
        p(h, "</td></tr>\n");
    }
    p(h, "</table>\n</section>\n");
}

static void section_ri(html *h)
{
    const upl_analysis_result *r = h->in->result;
    p(h, "<section id=\"randomization-inference\">\n<h2>Randomization inference</h2>\n");
    if (!r->randomization_inference) {
        not_computed(h, "randomization inference needs re-drawn assignments "
                        "(--permutations N).");
    } else {
        const upl_randomization_inference *ri = r->randomization_inference;
        char t[64];
        p(h, "<p>Re-drawing the assignment %s%zu times with the %s design (",
          ri->exact ? "" : "at random ", ri->permutations, h->in->study ? "study's own" : "chosen");
        esc(h->out, ri->design ? ri->design : "?");
        p(h, ") gives a two-sided p-value of ");
        fmt_p(t, sizeof t, ri->p);
        num(h, "randomization_inference.p", ri->p, t);
        p(h, " (Monte Carlo standard error ");
        fmt_fixed(t, sizeof t, ri->p_mc_se, 4);
        num(h, "randomization_inference.p_mc_se", ri->p_mc_se, t);
        p(h, ")%s. The observed coefficient is ",
          ri->exact ? ", exact: every possible assignment "
                      "enumerated"
                    : "");
        fmt_fixed(t, sizeof t, ri->statistic, 4);
        num(h, "randomization_inference.statistic", ri->statistic, t);
        p(h, " on the log scale");
        if (ri->dropped)
            p(h, "; %zu draws without a treated or control task were left out", ri->dropped);
        p(h, ".</p>\n");
        if (ri->hist_hi > ri->hist_lo) {
            long a = r->n_effects ? arm_index(h->in->dataset, r->effects[0].arm) : -1;
            upl_svg svg;
            upl_status st =
                upl__plot_ri_histogram(ri, h->in->dataset->control,
                                       (int)(UPL__COL_ARM + (a >= 0 ? (size_t)a : 1)), "ri", &svg);
            if (st != UPL_OK) {
                h->st = st;
                return;
            }
            figure(h, "fig-ri", &svg,
                   "Histogram of the effect estimated under each re-drawn assignment (the "
                   "sharp null of no effect on any task). Coloured bars: estimates at least as "
                   "far from no change as the observed one (solid line; dashed: its mirror "
                   "image); their share is the p-value.");
        } else {
            not_computed(h, "the distribution of the re-drawn estimates (for a histogram) is "
                            "not part of this analysis.");
        }
    }
    p(h, "</section>\n");
}

static void methods_para(void *ctx, const char *text)
{
    html *h = ctx;
    p(h, "<p>");
    esc(h->out, text);
    p(h, "</p>\n");
}

static void section_methods(html *h)
{
    p(h, "<section id=\"methods\">\n<h2>Methods</h2>\n");
    upl__report_methods(h->in, methods_para, h);
    p(h, "</section>\n");
}

/* Did the analysis draw random numbers (bootstrap, permutations)? */
static int r_uses_seed(const upl_analysis_result *r)
{
    return r->ratio_of_means || r->randomization_inference || r->perception;
}

static void footer(html *h)
{
    const upl_report_input *in = h->in;
    char plver[80] = "";
    plgver(plver);
    p(h, "<footer id=\"reproducibility\">\n<h2>Reproducibility</h2>\n<dl>\n");
    p(h, "<dt>uplift</dt><dd>");
    esc(h->out, in->uplift_version ? in->uplift_version : "?");
    p(h, "</dd>\n<dt>GSL</dt><dd>%s</dd>\n<dt>SQLite</dt><dd>", gsl_version);
    esc(h->out, in->sqlite_version ? in->sqlite_version : "not used");
    p(h, "</dd>\n<dt>PLplot</dt><dd>");
    esc(h->out, plver);
    p(h, "</dd>\n<dt>Randomization seed</dt><dd>");
    if (in->study) {
        p(h, "%s generator; secret committed as <span class=\"mono\">",
          in->study->rng_name ? in->study->rng_name : "GSL");
        esc(h->out, in->study->commitment);
        p(h, "</span>%s", in->study->revealed_secret ? " (revealed)" : " (concealed)");
    } else {
        p(h, "not recorded (CSV input)");
    }
    if (in->result && in->result->ratio_of_means)
        p(h, "</dd>\n<dt>Analysis seed</dt><dd>%lu (bootstrap and permutations)</dd>\n",
          in->result->ratio_of_means->seed);
    else
        p(h, "</dd>\n<dt>Analysis seed</dt><dd>%s</dd>\n",
          in->result && r_uses_seed(in->result) ? "see the command line"
                                                : "none (no resampling in this analysis)");
    p(h, "<dt>Data</dt><dd class=\"mono\">");
    esc(h->out, in->source ? in->source : "?");
    p(h, "</dd>\n<dt>Command</dt><dd class=\"mono\">");
    esc(h->out, in->command_line ? in->command_line : "?");
    p(h, "</dd>\n</dl>\n</footer>\n");
}

/* The sections that need the analysis, when it could not run: each says why. */
static void no_analysis(html *h)
{
    static const char *const sections[][2] = {
        {"primary", "Primary result"},
        {"participants", "Effect by participant"},
        {"forecast", "Forecast and actual time"},
        {"perception", "Perception and reality"},
        {"agreement", "Self-reported and measured time"},
        {"subgroups", "Where AI helps and where it hurts"},
        {"randomization-inference", "Randomization inference"}};
    for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++) {
        p(h,
          "<section id=\"%s\">\n<h2>%s</h2>\n<p class=\"note\">Not computed: the analysis "
          "cannot run yet (",
          sections[i][0], sections[i][1]);
        esc(h->out, h->in->analysis_error ? h->in->analysis_error : "no reason given");
        p(h, ").</p>\n</section>\n");
    }
}

upl_status upl_report_render_html(const upl_report_input *in, FILE *out)
{
    html h = {out, in, UPL_OK};
    char csv_title[256];
    const char *base = in->source ? strrchr(in->source, '/') : NULL;
    snprintf(csv_title, sizeof csv_title, "Analysis of %s",
             base         ? base + 1
             : in->source ? in->source
                          : "a task table");
    const char *title = in->protocol ? in->protocol->title
                        : in->study  ? in->study->title
                                     : csv_title;
    p(&h,
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"uplift %s\">\n<title>",
      in->uplift_version ? in->uplift_version : "");
    esc(out, title);
    p(&h, " - uplift report</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
    esc(out, title);
    p(&h, "</h1>\n<p class=\"sub\">Report of a randomized controlled trial of developer "
          "productivity, made by uplift from ");
    esc(out, in->source ? in->source : "the study");
    p(&h, ".</p>\n");
    headlines(&h);
    p(&h, "</header>\n<main>\n");
    section_summary(&h);
    section_consort(&h);
    if (h.st == UPL_OK)
        section_baseline(&h);
    if (h.st == UPL_OK && !in->result)
        no_analysis(&h);
    if (h.st == UPL_OK && in->result)
        section_primary(&h);
    if (h.st == UPL_OK && in->result)
        section_participants(&h);
    if (h.st == UPL_OK && in->result)
        section_forecast(&h);
    if (h.st == UPL_OK && in->result)
        section_perception(&h);
    if (h.st == UPL_OK && in->result)
        section_agreement(&h);
    if (h.st == UPL_OK && in->result)
        section_subgroups(&h);
    if (h.st == UPL_OK && in->result)
        section_ri(&h);
    if (h.st == UPL_OK)
        section_methods(&h);
    if (h.st != UPL_OK)
        return h.st;
    p(&h, "</main>\n");
    footer(&h);
    p(&h, "</body>\n</html>\n");
    return ferror(out) ? UPL_IO : UPL_OK;
}
