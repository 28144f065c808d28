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

#include "report_html.h"

const char upl__html_css[] =
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

static void section_summary(upl__html *h)
{
    const upl_report_input *in = h->in;
    const upl_analysis_result *r = in->result;
    char t[128];
    upl__html_printf(h, "<section id=\"summary\">\n<h2>Study summary</h2>\n<table>\n");
    if (in->study) {
        upl__html_printf(h, "<tr><th>Protocol</th><td>");
        upl__html_printf(h, "%s", in->protocol ? in->protocol->title : in->study->title);
        upl__html_printf(h, "</td></tr>\n<tr><th>Protocol SHA-256</th><td class=\"mono\">");
        upl__html_printf(h, "%s", in->study->protocol_hash);
        upl__html_printf(h, "</td></tr>\n<tr><th>Study id</th><td class=\"mono\">");
        upl__html_printf(h, "%s", in->study->uid);
        upl__html_printf(h,
                         "</td></tr>\n<tr><th>Seed commitment (SHA-256)</th><td class=\"mono\">");
        upl__html_printf(h, "%s", in->study->commitment);
        upl__html_printf(h, "</td></tr>\n<tr><th>Secret revealed</th><td>%s</td></tr>\n",
                         in->study->revealed_secret
                             ? "yes: allocation closed, anyone can verify the draws"
                             : "no: allocation still concealed");
        upl__report_time(t, sizeof t, in->study->created_at);
        upl__html_printf(h, "<tr><th>Study created</th><td>%s</td></tr>\n", t);
        upl__report_time(t, sizeof t, in->study->allocation_closed_at);
        upl__html_printf(h, "<tr><th>Allocation closed</th><td>%s</td></tr>\n",
                         in->study->allocation_closed_at ? t : "not yet");
    } else {
        upl__html_printf(h, "<tr><th>Data</th><td>");
        upl__html_printf(h, "%s", in->source ? in->source : "CSV file");
        upl__html_printf(
            h, " (a CSV file: no protocol, randomization record or audit log)</td></tr>\n");
    }
    if (in->protocol) {
        upl__html_printf(h, "<tr><th>Arms</th><td>");
        for (size_t a = 0; a < in->protocol->n_arms; a++) {
            const upl_arm *arm = &in->protocol->arms[a];
            if (a)
                upl__html_raw(h, "<br>");
            upl__html_arm_name(h, arm->label);
            upl__html_printf(h, " (ratio %u%s)", arm->ratio,
                             a == in->protocol->control ? ", control" : "");
            if (arm->description) {
                upl__html_printf(h, ": ");
                upl__html_printf(h, "%s", arm->description);
            }
        }
        upl__html_printf(h, "</td></tr>\n");
    }
    if (in->consort)
        upl__html_printf(
            h,
            "<tr><th>Participants</th><td>%zu</td></tr>\n<tr><th>Tasks enrolled</th><td>%zu"
            "</td></tr>\n",
            in->consort->participants, in->consort->enrolled);
    upl__html_printf(h, "<tr><th>Tasks analysed</th><td>");
    if (r) {
        snprintf(t, sizeof t, "%zu", r->n);
        upl__html_num(h, "n", (double)r->n, t);
        upl__html_printf(h, " of %zu, from ", r->counts.input);
        snprintf(t, sizeof t, "%zu", r->clusters);
        upl__html_num(h, "clusters", (double)r->clusters, t);
        upl__html_printf(h, " participants</td></tr>\n");
    } else {
        upl__html_printf(h, "none yet</td></tr>\n");
    }
    upl__report_time(t, sizeof t, in->generated_at);
    upl__html_printf(h, "<tr><th>Report generated</th><td>%s</td></tr>\n</table>\n</section>\n", t);
}

static void consort_arms(upl__html *h, const upl_consort *c)
{
    const upl_dataset *ds = h->in->dataset;
    upl__html_printf(h, "<div class=\"arrow\">&#8595;</div>\n<div class=\"arms\">\n");
    for (size_t a = 0; a < c->n_arms; a++) {
        const upl_arm_counts *ac = &c->arms[a];
        if (!ac->arm)
            continue;
        long ai = upl__html_arm_index(ds, ac->arm);
        upl__html_printf(h, "<div class=\"box arm\" style=\"border-top-color:%s\"><strong>",
                         ai >= 0 ? upl_report_arm_color((size_t)ai, ds->control) : "#444");
        upl__html_arm_name(h, ac->arm);
        upl__html_printf(
            h,
            "</strong><br>Assigned <b>%zu</b><br>Started <b>%zu</b><br>Done <b>%zu</b><br>"
            "Excluded after assignment <b>%zu</b><br>Abandoned <b>%zu</b><br>",
            ac->assigned, ac->started, ac->done, ac->excluded, ac->abandoned);
        upl__html_printf(
            h, "<span style=\"border-top:1px solid #bbb;display:block;margin-top:.3rem\">");
        if (h->in->result)
            upl__html_printf(h, "Analysed <b>%zu</b></span></div>\n",
                             ai >= 0 ? upl__report_arm_n(h->in->result, ds, (size_t)ai) : 0);
        else
            upl__html_printf(h, "Analysed <b>&#8211;</b></span></div>\n");
    }
    upl__html_printf(h, "</div>\n");
}

static void section_consort(upl__html *h)
{
    const upl_consort *c = h->in->consort;
    const upl_row_counts *rc = h->in->result ? &h->in->result->counts : NULL;
    upl__html_printf(
        h, "<section id=\"consort\">\n<h2>Flow of participants and tasks (CONSORT)</h2>\n");
    upl__html_printf(h, "<div class=\"consort\">\n");
    if (c) {
        upl__html_printf(h,
                         "<div class=\"box\">Participants enrolled <strong>%zu</strong></div>\n"
                         "<div class=\"arrow\">&#8595;</div>\n",
                         c->participants);
        upl__html_printf(
            h,
            "<div class=\"row3\"><span></span><div class=\"box\">Tasks enrolled <strong>%zu"
            "</strong><br>with both forecasts <strong>%zu</strong></div>\n",
            c->enrolled, c->forecast);
        upl__html_printf(
            h,
            "<div class=\"box side\">Excluded before assignment <strong>%zu</strong></div>"
            "</div>\n<div class=\"arrow\">&#8595;</div>\n",
            c->excluded_before_assignment);
        upl__html_printf(h, "<div class=\"box\">Randomized <strong>%zu</strong></div>\n",
                         c->assigned);
        consort_arms(h, c);
        if (c->n_reasons) {
            upl__html_printf(h,
                             "<div class=\"box side reasons\">Reasons for exclusion or abandonment "
                             "(before and after assignment):<ul>");
            for (size_t i = 0; i < c->n_reasons; i++) {
                upl__html_printf(h, "<li>");
                upl__html_printf(h, "%s",
                                 c->reasons[i].reason ? c->reasons[i].reason : "(no reason)");
                upl__html_printf(h, ": %zu</li>", c->reasons[i].count);
            }
            upl__html_printf(h, "</ul></div>\n");
        }
    } else if (rc) {
        upl__html_printf(
            h,
            "<div class=\"row3\"><span></span><div class=\"box\">Rows in the file <strong>%zu"
            "</strong></div>\n<div class=\"box side\">Not analysed:<ul><li>excluded: %zu</li>"
            "<li>abandoned: %zu</li><li>not done: %zu</li><li>no arm: %zu</li>"
            "<li>outcome missing: %zu</li><li>forecast missing: %zu</li></ul></div></div>\n",
            rc->input, rc->excluded, rc->abandoned, rc->not_done, rc->unassigned,
            rc->missing_outcome, rc->missing_covariate);
        upl__html_printf(h, "<div class=\"arrow\">&#8595;</div>\n<div class=\"arms\">\n");
        for (size_t a = 0; a < h->in->dataset->n_arms; a++) {
            upl__html_printf(h, "<div class=\"box arm\" style=\"border-top-color:%s\"><strong>",
                             upl_report_arm_color(a, h->in->dataset->control));
            upl__html_arm_name(h, h->in->dataset->arms[a]);
            upl__html_printf(h, "</strong><br>Analysed <b>%zu</b></div>\n",
                             upl__report_arm_n(h->in->result, h->in->dataset, a));
        }
        upl__html_printf(h, "</div>\n");
    }
    upl__html_printf(h, "</div>\n");
    if (rc) {
        char rows[512];
        upl__report_rows_sentence(rows, sizeof rows, rc);
        upl__html_printf(h, "<p>%s</p>\n", rows);
    }
    upl__html_printf(h, "</section>\n");
}

static void section_baseline(upl__html *h)
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
    upl__html_printf(
        h, "<section id=\"baseline\">\n<h2>Baseline by arm</h2>\n<p>Every randomized task, "
           "whatever happened to it later. Forecasts were made before assignment.</p>\n");
    upl__html_printf(h, "<table>\n<tr><th></th>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        upl__html_printf(h, "<th class=\"r\">");
        upl__html_arm_name(h, ds->arms[a]);
        upl__html_printf(h, "</th>");
    }
    upl__html_printf(h, "</tr>\n<tr><td>Tasks randomized</td>");
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__html_printf(h, "<td class=\"r\">%zu</td>", b[a].tasks);
    upl__html_printf(h, "</tr>\n<tr><td>Participants</td>");
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__html_printf(h, "<td class=\"r\">%zu</td>", b[a].participants);
    upl__html_printf(h, "</tr>\n<tr><td>Tasks done</td>");
    for (size_t a = 0; a < ds->n_arms; a++)
        upl__html_printf(h, "<td class=\"r\">%zu</td>", b[a].done);
    upl__html_printf(h, "</tr>\n<tr><td>Median forecast without AI (minutes)</td>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        upl__html_fmt_fixed(t, sizeof t, b[a].forecast_no_ai_median, 0);
        upl__html_printf(h, "<td class=\"r\">%s</td>", t);
    }
    upl__html_printf(h, "</tr>\n<tr><td>Median forecast with AI (minutes)</td>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        upl__html_fmt_fixed(t, sizeof t, b[a].forecast_ai_median, 0);
        upl__html_printf(h, "<td class=\"r\">%s</td>", t);
    }
    upl__html_printf(h, "</tr>\n<tr><td>Forecast change with AI (geometric mean)</td>");
    for (size_t a = 0; a < ds->n_arms; a++) {
        upl__html_fmt_pct(t, sizeof t, b[a].forecast_ratio_gm - 1.0);
        upl__html_printf(h, "<td class=\"r\">%s</td>", t);
    }
    upl__html_printf(h, "</tr>\n");
    for (size_t k = 0; k < nc; k++) {
        upl__html_printf(h, "<tr><td>Category: ");
        upl__html_printf(h, "%s", cat[k]);
        upl__html_printf(h, "</td>");
        for (size_t a = 0; a < ds->n_arms; a++) {
            size_t n = cc[k * ds->n_arms + a];
            upl__html_printf(h, "<td class=\"r\">%zu (%.0f%%)</td>", n,
                             b[a].tasks ? 100.0 * (double)n / (double)b[a].tasks : 0.0);
        }
        upl__html_printf(h, "</tr>\n");
    }
    upl__html_printf(h, "</table>\n</section>\n");
    free(b);
    free(cat);
    free(cc);
}

static void methods_para(void *ctx, const char *text)
{
    upl__html *h = ctx;
    upl__html_printf(h, "<p>");
    upl__html_printf(h, "%s", text);
    upl__html_printf(h, "</p>\n");
}

static void section_methods(upl__html *h)
{
    upl__html_printf(h, "<section id=\"methods\">\n<h2>Methods</h2>\n");
    upl__report_methods(h->in, methods_para, h);
    upl__html_printf(h, "</section>\n");
}

/* Did the analysis draw random numbers (bootstrap, permutations)? */
static int r_uses_seed(const upl_analysis_result *r)
{
    return r->ratio_of_means || r->randomization_inference || r->perception;
}

static void footer(upl__html *h)
{
    const upl_report_input *in = h->in;
    char plver[80] = "";
    plgver(plver);
    upl__html_printf(h, "<footer id=\"reproducibility\">\n<h2>Reproducibility</h2>\n<dl>\n");
    upl__html_printf(h, "<dt>uplift</dt><dd>");
    upl__html_printf(h, "%s", in->uplift_version ? in->uplift_version : "?");
    upl__html_printf(h, "</dd>\n<dt>GSL</dt><dd>%s</dd>\n<dt>SQLite</dt><dd>", gsl_version);
    upl__html_printf(h, "%s", in->sqlite_version ? in->sqlite_version : "not used");
    upl__html_printf(h, "</dd>\n<dt>PLplot</dt><dd>");
    upl__html_printf(h, "%s", plver);
    upl__html_printf(h, "</dd>\n<dt>Randomization seed</dt><dd>");
    if (in->study) {
        upl__html_printf(h, "%s generator; secret committed as <span class=\"mono\">",
                         in->study->rng_name ? in->study->rng_name : "GSL");
        upl__html_printf(h, "%s", in->study->commitment);
        upl__html_printf(h, "</span>%s",
                         in->study->revealed_secret ? " (revealed)" : " (concealed)");
    } else {
        upl__html_printf(h, "not recorded (CSV input)");
    }
    if (in->result && in->result->ratio_of_means)
        upl__html_printf(h,
                         "</dd>\n<dt>Analysis seed</dt><dd>%lu (bootstrap and permutations)</dd>\n",
                         in->result->ratio_of_means->seed);
    else
        upl__html_printf(h, "</dd>\n<dt>Analysis seed</dt><dd>%s</dd>\n",
                         in->result && r_uses_seed(in->result)
                             ? "see the command line"
                             : "none (no resampling in this analysis)");
    upl__html_printf(h, "<dt>Data</dt><dd class=\"mono\">");
    upl__html_printf(h, "%s", in->source ? in->source : "?");
    upl__html_printf(h, "</dd>\n<dt>Command</dt><dd class=\"mono\">");
    upl__html_printf(h, "%s", in->command_line ? in->command_line : "?");
    upl__html_printf(h, "</dd>\n</dl>\n</footer>\n");
}

/* The sections that need the analysis, when it could not run: each says why. */
static void no_analysis(upl__html *h)
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
        upl__html_printf(
            h,
            "<section id=\"%s\">\n<h2>%s</h2>\n<p class=\"note\">Not computed: the analysis "
            "cannot run yet (",
            sections[i][0], sections[i][1]);
        upl__html_printf(h, "%s",
                         h->in->analysis_error ? h->in->analysis_error : "no reason given");
        upl__html_printf(h, ").</p>\n</section>\n");
    }
}

upl_status upl_report_render_html(const upl_report_input *in, FILE *out)
{
    upl__html h = {out, in, UPL_OK};
    char csv_title[256];
    const char *base = in->source ? strrchr(in->source, '/') : NULL;
    snprintf(csv_title, sizeof csv_title, "Analysis of %s",
             base         ? base + 1
             : in->source ? in->source
                          : "a task table");
    const char *title = in->protocol ? in->protocol->title
                        : in->study  ? in->study->title
                                     : csv_title;
    upl__html_printf(&h,
                     "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<meta name=\"generator\" content=\"uplift %s\">\n<title>",
                     in->uplift_version ? in->uplift_version : "");
    upl__html_printf(&h, "%s", title);
    upl__html_printf(&h, " - uplift report</title>\n<style>");
    upl__html_raw(&h, upl__html_css);
    upl__html_printf(&h, "</style>\n</head>\n<body>\n<header>\n<h1>");
    upl__html_printf(&h, "%s", title);
    upl__html_printf(&h,
                     "</h1>\n<p class=\"sub\">Report of a randomized controlled trial of developer "
                     "productivity, made by uplift from ");
    upl__html_printf(&h, "%s", in->source ? in->source : "the study");
    upl__html_printf(&h, ".</p>\n");
    upl__html_headlines(&h);
    upl__html_printf(&h, "</header>\n<main>\n");
    section_summary(&h);
    section_consort(&h);
    if (h.st == UPL_OK)
        section_baseline(&h);
    if (h.st == UPL_OK && !in->result)
        no_analysis(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_primary(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_participants(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_forecast(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_perception(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_agreement(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_subgroups(&h);
    if (h.st == UPL_OK && in->result)
        upl__html_section_ri(&h);
    if (h.st == UPL_OK && in->result && in->result->wild_bootstrap)
        upl__html_section_wild(&h);
    if (h.st == UPL_OK)
        section_methods(&h);
    if (h.st != UPL_OK)
        return h.st;
    upl__html_printf(&h, "</main>\n");
    footer(&h);
    upl__html_printf(&h, "</body>\n</html>\n");
    return ferror(out) ? UPL_IO : UPL_OK;
}
