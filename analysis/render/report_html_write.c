/* The HTML report's writer: escaping, numbers keyed by their JSON path (so a test can
 * compare the page with `uplift analyze --json`), arm swatches, figures. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html.h"

/* Text in HTML content or a quoted attribute value. */
static void html_escape(FILE *out, const char *s, size_t len)
{
    for (; len--; s++) {
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

void upl__html_printf(upl__html *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    upl__report_vprintf(h->out, html_escape, fmt, ap);
    va_end(ap);
}

void upl__html_raw(upl__html *h, const char *markup)
{
    fputs(markup, h->out);
}

void upl__html_fmt_pct(char *buf, size_t size, double x)
{
    if (isfinite(x))
        snprintf(buf, size, "%+.1f%%", 100.0 * x);
    else
        snprintf(buf, size, "\u2013");
}

void upl__html_fmt_p(char *buf, size_t size, double x)
{
    if (!isfinite(x))
        snprintf(buf, size, "\u2013");
    else if (x < 0.001)
        snprintf(buf, size, "<0.001");
    else
        snprintf(buf, size, "%.3f", x);
}

void upl__html_fmt_fixed(char *buf, size_t size, double x, int decimals)
{
    if (isfinite(x))
        snprintf(buf, size, "%.*f", decimals, x);
    else
        snprintf(buf, size, "\u2013");
}

/* A number with its JSON path: <span data-key=KEY data-value=V>TEXT</span>. */
void upl__html_num(upl__html *h, const char *key, double v, const char *text)
{
    if (isfinite(v))
        upl__html_printf(h, "<span class=\"num\" data-key=\"%s\" data-value=\"%.17g\">%s</span>",
                         key, v, text);
    else
        upl__html_printf(h, "<span class=\"num\" data-key=\"%s\" data-value=\"null\">%s</span>",
                         key, text);
}

void upl__html_num_pct(upl__html *h, const char *key, double v)
{
    char t[64];
    upl__html_fmt_pct(t, sizeof t, v);
    upl__html_num(h, key, v, t);
}

/* "[lo, hi]" with each end keyed key[0] and key[1]. */
void upl__html_num_interval(upl__html *h, const char *key, double lo, double hi)
{
    char k[160];
    if (!isfinite(lo) || !isfinite(hi)) {
        upl__html_printf(h, "&#8211;");
        return;
    }
    upl__html_printf(h, "[");
    snprintf(k, sizeof k, "%s[0]", key);
    upl__html_num_pct(h, k, lo);
    upl__html_printf(h, ", ");
    snprintf(k, sizeof k, "%s[1]", key);
    upl__html_num_pct(h, k, hi);
    upl__html_printf(h, "]");
}

void upl__html_swatch(upl__html *h, size_t arm)
{
    const upl_dataset *ds = h->in->dataset;
    upl__html_printf(h, "<span class=\"swatch\" style=\"background:%s\"></span>",
                     upl_report_arm_color(arm, ds->control));
}

long upl__html_arm_index(const upl_dataset *ds, const char *label)
{
    for (size_t a = 0; label && a < ds->n_arms; a++)
        if (strcmp(ds->arms[a], label) == 0)
            return (long)a;
    return -1;
}

void upl__html_arm_name(upl__html *h, const char *label)
{
    long a = upl__html_arm_index(h->in->dataset, label);
    if (a >= 0)
        upl__html_swatch(h, (size_t)a);
    upl__html_printf(h, "%s", label);
}

void upl__html_not_computed(upl__html *h, const char *what)
{
    upl__html_printf(h, "<p class=\"note\">Not computed: %s</p>\n", what);
}

void upl__html_figure(upl__html *h, const char *id, upl_svg *svg, const char *caption)
{
    upl__html_printf(h, "<figure id=\"%s\">\n", id);
    fwrite(svg->text, 1, svg->len, h->out); /* the chart's own SVG, its text escaped */
    upl__html_printf(h, "\n<figcaption>%s</figcaption>\n</figure>\n", caption);
    upl_svg_release(svg);
}
