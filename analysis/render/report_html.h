/* Inside the HTML report (analysis/report_html*.c): the page writer and its
 * primitives, shared by the file that lays out the page and the file that renders the
 * analysis results. */
#ifndef UPLIFT_REPORT_HTML_H
#define UPLIFT_REPORT_HTML_H

#include <stdio.h>

#include "report_internal.h"

typedef struct upl__html {
    FILE *out;
    const upl_report_input *in;
    upl_status st;
} upl__html;

/* The page's style sheet (the study report's, shared by the power-curve page). */
extern const char upl__html_css[];

/* printf into the page: every %s and %c argument is text, written with <, >, & and "
 * escaped (upl__report_vprintf); the format is the page's markup and must be a literal.
 * There is no other way to put a string on the page but upl__html_raw. */
void upl__html_printf(upl__html *h, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Markup the page itself made (the style sheet, a fixed tag chosen at run time): never
 * data. */
void upl__html_raw(upl__html *h, const char *markup);
/* Numbers as text for %s ("+12.3%", "<0.001", an en dash when not finite). */
void upl__html_fmt_pct(char *buf, size_t size, double x);
void upl__html_fmt_p(char *buf, size_t size, double x);
void upl__html_fmt_fixed(char *buf, size_t size, double x, int decimals);
void upl__html_num(upl__html *h, const char *key, double v, const char *text);
void upl__html_num_pct(upl__html *h, const char *key, double v);
void upl__html_num_interval(upl__html *h, const char *key, double lo, double hi);
void upl__html_swatch(upl__html *h, size_t arm);
long upl__html_arm_index(const upl_dataset *ds, const char *label);
void upl__html_arm_name(upl__html *h, const char *label);
void upl__html_not_computed(upl__html *h, const char *what);
void upl__html_figure(upl__html *h, const char *id, upl_svg *svg, const char *caption);

/* The sections that show the analysis (report_html_results.c). */
void upl__html_headlines(upl__html *h);
void upl__html_section_primary(upl__html *h);
void upl__html_section_participants(upl__html *h);
void upl__html_section_forecast(upl__html *h);
void upl__html_section_perception(upl__html *h);
void upl__html_section_agreement(upl__html *h);
void upl__html_section_subgroups(upl__html *h);
void upl__html_section_ri(upl__html *h);
void upl__html_section_wild(upl__html *h);

#endif
