/* The chart canvas: PLplot's SVG device writing into memory, the colours every chart
 * shares, log axes labelled in words, and the clean-up that makes PLplot's document
 * fit inside an HTML page. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plplot.h>

#include "report_internal.h"

/* Okabe-Ito colours (distinguishable with colour-blindness): control blue, then the
 * treated arms. */
static const char *const control_color = "#0072b2";
static const char *const treated_colors[] = {"#d55e00", "#009e73", "#cc79a7", "#e69f00",
                                             "#56b4e9", "#f0e442", "#000000"};

const char *upl_report_arm_color(size_t arm, size_t control)
{
    if (arm == control)
        return control_color;
    size_t i = arm < control ? arm : arm - 1;
    return treated_colors[i % (sizeof treated_colors / sizeof treated_colors[0])];
}

void upl_svg_release(upl_svg *svg)
{
    if (!svg)
        return;
    free(svg->text);
    svg->text = NULL;
    svg->len = 0;
}

static struct {
    FILE *mem;
    char *buf;
    size_t len;
    double xmin, xmax, ymin, ymax;
    double page_w, page_h; /* points */
    double box_w, box_h;   /* the plot box in points */
} chart;

static void set_color(PLINT index, const char *hex)
{
    unsigned long v = strtoul(hex + 1, NULL, 16);
    plscol0(index, (PLINT)((v >> 16) & 0xff), (PLINT)((v >> 8) & 0xff), (PLINT)(v & 0xff));
}

upl_status upl__chart_begin(double width, double height, size_t control)
{
    chart.buf = NULL;
    chart.len = 0;
    chart.page_w = width;
    chart.page_h = height;
    chart.mem = open_memstream(&chart.buf, &chart.len);
    if (!chart.mem)
        return UPL_NOMEM;
    plsdev("svg");
    plsfile(chart.mem); /* plend() closes it */
    plspage(0.0, 0.0, (PLINT)width, (PLINT)height, 0, 0);
    plscmap0n(UPL__COL_ARM + UPL__MAX_ARM_COLORS);
    /* colours before plinit(): the device paints the background when the page starts */
    set_color(UPL__COL_BG, "#ffffff");
    set_color(UPL__COL_INK, "#222222");
    set_color(UPL__COL_GRID, "#e4e4e4");
    set_color(UPL__COL_REF, "#777777");
    set_color(UPL__COL_MUTED, "#555555");
    for (size_t a = 0; a < UPL__MAX_ARM_COLORS; a++)
        set_color((PLINT)(UPL__COL_ARM + a), upl_report_arm_color(a, control));
    plinit();
    pladv(0);
    plschr(4.2, 1.0); /* the same text size in every chart, whatever its height */
    plssym(4.0, 1.0);
    plcol0(UPL__COL_INK);
    return UPL_OK;
}

void upl__chart_box(double left, double right, double bottom, double top, double xmin, double xmax,
                    double ymin, double ymax)
{
    plvpor(left, right, bottom, top);
    plwind(xmin, xmax, ymin, ymax);
    chart.box_w = (right - left) * chart.page_w;
    chart.box_h = (top - bottom) * chart.page_h;
    chart.xmin = xmin;
    chart.xmax = xmax;
    chart.ymin = ymin;
    chart.ymax = ymax;
}

typedef struct tick {
    double value; /* on the data scale */
    const char *label;
    int major;
} tick;

static const tick minute_ticks[] = {{1, "1 min", 1},   {2, "2 min", 0},    {5, "5 min", 1},
                                    {10, "10 min", 0}, {15, "15 min", 1},  {30, "30 min", 0},
                                    {60, "1 h", 1},    {120, "2 h", 0},    {240, "4 h", 1},
                                    {480, "8 h", 0},   {960, "16 h", 1},   {1920, "32 h", 0},
                                    {3840, "64 h", 1}, {7680, "128 h", 0}, {15360, "256 h", 1}};

static const tick change_ticks[] = {{0.05, "-95%", 1},    {0.1, "-90%", 0},     {0.2, "-80%", 1},
                                    {0.25, "-75%", 0},    {1.0 / 3, "-67%", 0}, {0.5, "-50%", 1},
                                    {2.0 / 3, "-33%", 0}, {0.8, "-20%", 0},     {1, "0%", 1},
                                    {1.25, "+25%", 0},    {1.5, "+50%", 0},     {2, "+100%", 1},
                                    {3, "+200%", 0},      {4, "+300%", 0},      {5, "+400%", 1},
                                    {10, "+900%", 0},     {20, "+1900%", 1}};

static const tick ratio_ticks[] = {{0.1, "0.1x", 1},      {0.2, "0.2x", 0}, {0.25, "0.25x", 1},
                                   {1.0 / 3, "0.33x", 0}, {0.5, "0.5x", 1}, {2.0 / 3, "0.67x", 0},
                                   {0.8, "0.8x", 0},      {1, "1x", 1},     {1.25, "1.25x", 0},
                                   {1.5, "1.5x", 0},      {2, "2x", 1},     {3, "3x", 0},
                                   {4, "4x", 1},          {5, "5x", 0},     {10, "10x", 1}};

/* Draws one tick: a grid line across the box and the label outside it. */
static void draw_tick(char axis, double at, const char *label)
{
    plcol0(UPL__COL_GRID);
    plwidth(0.8);
    if (axis == 'x') {
        pljoin(at, chart.ymin, at, chart.ymax);
        plcol0(UPL__COL_INK);
        double pos = (at - chart.xmin) / (chart.xmax - chart.xmin);
        plmtex("b", 1.4, pos, 0.5, label);
    } else {
        pljoin(chart.xmin, at, chart.xmax, at);
        plcol0(UPL__COL_INK);
        double pos = (at - chart.ymin) / (chart.ymax - chart.ymin);
        plmtex("lv", 0.6, pos, 1.0, label);
    }
}

/* Room a tick label needs along its axis, in the page's units: its width on the x axis
 * (PLplot's SVG text is 15 units high, digits about 0.65 em wide, plus a gap), a line on
 * the y axis. */
static double label_room(char axis, const char *label)
{
    return axis == 'x' ? 10.0 * (double)strlen(label) + 16.0 : 22.0;
}

double upl__chart_label_fraction(size_t chars)
{
    return chart.box_w > 0 ? (10.0 * (double)chars + 16.0) / chart.box_w : 1.0;
}

/* Picks ticks of table inside [lo, hi] (data scale, log axes) so that labels never
 * crowd: no change (1) first when inside, then the major ticks, then the others, each
 * kept only when its label clears the labels of the ticks kept. */
static void log_ticks(char axis, const tick *table, size_t n, double lo, double hi)
{
    double kept[32], room[32];
    size_t n_kept = 0;
    double span = log(hi) - log(lo);
    double per_pt = span / (axis == 'x' ? chart.box_w : chart.box_h); /* axis units */
    for (int pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < n && n_kept < sizeof kept / sizeof kept[0]; i++) {
            const tick *t = &table[i];
            int wanted = pass == 0   ? t->value > 0.999 && t->value < 1.001
                         : pass == 1 ? t->major
                                     : !t->major;
            if (!wanted || t->value < lo || t->value > hi)
                continue;
            double at = log(t->value), r = label_room(axis, t->label);
            int crowded = 0;
            for (size_t k = 0; k < n_kept && !crowded; k++)
                crowded = fabs(kept[k] - at) < 0.5 * (r + room[k]) * per_pt;
            if (crowded)
                continue;
            kept[n_kept] = at;
            room[n_kept++] = r;
            draw_tick(axis, at, t->label);
        }
    }
}

static void linear_ticks(char axis, double lo, double hi)
{
    double span = hi - lo;
    if (!(span > 0))
        return;
    double step = pow(10.0, floor(log10(span / 5.0)));
    if (span / step > 10)
        step *= 5;
    else if (span / step > 5)
        step *= 2;
    for (double v = ceil(lo / step) * step; v <= hi + 1e-9 * span; v += step) {
        char label[32];
        snprintf(label, sizeof label, "%g", fabs(v) < 1e-12 * span ? 0.0 : v);
        draw_tick(axis, v, label);
    }
}

void upl__chart_axis(char axis, upl__axis_kind kind, const char *title)
{
    double lo = axis == 'x' ? chart.xmin : chart.ymin;
    double hi = axis == 'x' ? chart.xmax : chart.ymax;
    switch (kind) {
    case UPL__AXIS_MINUTES:
        log_ticks(axis, minute_ticks, sizeof minute_ticks / sizeof minute_ticks[0], exp(lo),
                  exp(hi));
        break;
    case UPL__AXIS_CHANGE:
        log_ticks(axis, change_ticks, sizeof change_ticks / sizeof change_ticks[0], exp(lo),
                  exp(hi));
        break;
    case UPL__AXIS_RATIO:
        log_ticks(axis, ratio_ticks, sizeof ratio_ticks / sizeof ratio_ticks[0], exp(lo), exp(hi));
        break;
    case UPL__AXIS_LINEAR:
        linear_ticks(axis, lo, hi);
        break;
    }
    plcol0(UPL__COL_INK);
    plwidth(1.0);
    plbox("bc", 0.0, 0, "bc", 0.0, 0);
    if (title && *title) {
        if (axis == 'x')
            plmtex("b", 3.0, 0.5, 0.5, title);
        else
            plmtex("l", 6.4, 0.5, 0.5, title); /* clear of "30 min" */
    }
}

void upl__chart_text(char *dst, size_t size, const char *src, size_t max)
{
    size_t j = 0, shown = 0;
    if (!size)
        return;
    for (size_t i = 0; src && src[i] && j + 3 < size; i++) {
        unsigned char ch = (unsigned char)src[i];
        if ((ch & 0xc0) != 0x80 && ++shown > max) { /* count characters, not bytes */
            if (j + 4 < size) {
                memcpy(dst + j, "...", 3);
                j += 3;
            }
            break;
        }
        if (ch == '#')
            dst[j++] = '#';
        dst[j++] = ch < 0x20 ? ' ' : (char)ch;
    }
    dst[j] = '\0';
}

/* Appends len bytes to a growing buffer. */
typedef struct grow {
    char *p;
    size_t len, cap;
    int failed;
} grow;

static void put(grow *g, const char *s, size_t len)
{
    if (g->failed)
        return;
    if (g->len + len + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 4096;
        while (g->len + len + 1 > cap)
            cap *= 2;
        char *p = realloc(g->p, cap);
        if (!p) {
            g->failed = 1;
            return;
        }
        g->p = p;
        g->cap = cap;
    }
    memcpy(g->p + g->len, s, len);
    g->len += len;
    g->p[g->len] = '\0';
}

static void put_str(grow *g, const char *s)
{
    put(g, s, strlen(s));
}

static void put_escaped(grow *g, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            put_str(g, "&lt;");
        else if (*s == '>')
            put_str(g, "&gt;");
        else if (*s == '&')
            put_str(g, "&amp;");
        else
            put(g, s, 1);
    }
}

upl_status upl__chart_end(const char *id_prefix, const char *title, upl_svg *svg)
{
    svg->text = NULL;
    svg->len = 0;
    plend(); /* flushes and closes the memory stream */
    chart.mem = NULL;
    const char *start = chart.buf ? strstr(chart.buf, "<svg") : NULL;
    if (!start) {
        free(chart.buf);
        chart.buf = NULL;
        return UPL_ERROR;
    }
    grow g = {0};
    int in_open_tag = 1, title_done = 0;
    size_t prefix_len = strlen(id_prefix);
    for (const char *p = start; *p;) {
        if (*p == '\n') { /* PLplot puts one attribute per line: keep one space */
            while (*p == '\n' || *p == ' ')
                p++;
            put(&g, " ", 1);
            continue;
        }
        if (strncmp(p, "id=\"", 4) == 0 || strncmp(p, "url(#", 5) == 0) {
            size_t n = p[0] == 'i' ? 4 : 5;
            put(&g, p, n);
            put(&g, id_prefix, prefix_len);
            put(&g, "-", 1);
            p += n;
            continue;
        }
        if (in_open_tag && *p == '>') {
            put_str(&g, " role=\"img\" class=\"chart\"><title>");
            put_escaped(&g, title ? title : "");
            put_str(&g, "</title>");
            in_open_tag = 0;
            title_done = 1;
            p++;
            continue;
        }
        put(&g, p, 1);
        p++;
    }
    free(chart.buf);
    chart.buf = NULL;
    if (g.failed || !title_done) {
        free(g.p);
        return g.failed ? UPL_NOMEM : UPL_ERROR;
    }
    svg->text = g.p;
    svg->len = g.len;
    return UPL_OK;
}
