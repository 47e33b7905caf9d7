/*
 * svg.c - the report's charts, as inline SVG.
 *
 * Coordinates are written in pixels with one decimal; each plot carries its
 * scales as data-* attributes (iteration and value at the plot's edges and
 * the plot rectangle), so that a reader, or a test, can turn any point back
 * into the number it stands for.  Nothing here needs a script to show.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/sampler.h"
#include "report/svg.h"
#include "report/text.h"

#define ML RASLEAK__SVG_LEFT
#define MR RASLEAK__SVG_RIGHT
#define MT RASLEAK__SVG_TOP
#define PH RASLEAK__SVG_PLOT_H
#define MB RASLEAK__SVG_BOTTOM

#define C_DATA "#1f77b4"
#define C_FIT "#ff7f0e"
#define C_LIMIT "#d62728"
#define C_FAIL "#d62728"
#define C_GRID "#e4e4e4"
#define C_AXIS "#555"

static const char *const palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

const char *rasleak__svg_color(size_t i)
{
    return palette[i % (sizeof palette / sizeof palette[0])];
}

/* The scales of one plot. */
struct scale {
    double x1;          /* iterations from 0 to x1 */
    double y0, y1;      /* values from y0 (bottom) to y1 (top) */
    double ystep;       /* tick step, in the metric's unit */
    double div;         /* display unit divisor (bytes: 1024^k) */
    const char *suffix; /* display unit name */
    unsigned w;         /* plot width */
};

static double px(const struct scale *s, double x)
{
    return ML + x / s->x1 * s->w;
}

static double py(const struct scale *s, double v)
{
    return MT + PH - (v - s->y0) / (s->y1 - s->y0) * PH;
}

/* Fit [lo, hi] to whole ticks in the display unit of `metric`. */
static void y_scale(struct scale *s, const char *metric, double lo, double hi, int from_zero)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (from_zero && lo > 0)
        lo = 0;
    s->div = rasleak__axis_unit(metric, fmax(fabs(lo), fabs(hi)), &s->suffix);
    double a = lo / s->div, b = hi / s->div;
    if (b - a < 1e-9 * fmax(1, fabs(b))) {
        /* A flat series: give it room, but do not invent negative counts. */
        double pad = fmax(1, fabs(b) * 0.05);
        a -= pad;
        b += pad;
        if (lo >= 0 && a < 0)
            a = 0;
    }
    double step = rasleak__nice_step(b - a, 5);
    if (s->div == 1 && rasleak_metric_unit(metric) == RASLEAK_UNIT_COUNT && step < 1 &&
        b - a >= 2)
        step = 1;
    double y0 = floor(a / step) * step, y1 = ceil(b / step) * step;
    /* A line on the plot's edge hides under its frame: leave a step. */
    if (y1 - b < step * 0.02)
        y1 += step;
    if (!from_zero && a - y0 < step * 0.02 && y0 != 0)
        y0 = lo >= 0 && y0 - step < 0 ? 0 : y0 - step;
    if (y1 <= y0)
        y1 = y0 + step;
    s->y0 = y0 * s->div;
    s->y1 = y1 * s->div;
    s->ystep = step * s->div;
}

/* Elapsed seconds at iteration x, from the samples' times around it. */
static double time_at(const struct rasleak__run_axes *ax, double x)
{
    const struct rasleak__bins *t = ax->times;
    if (x <= 0)
        return 0;
    if (!t || t->n == 0)
        return isfinite(ax->sec_per_iter) ? x * ax->sec_per_iter : NAN;
    size_t c = rasleak__bins_column(t, x);
    const struct rasleak__bin *left = NULL, *right = NULL;
    for (size_t i = c + 1; i-- > 0;)
        if (t->col[i].n && t->col[i].xfirst <= x) {
            left = &t->col[i];
            break;
        }
    for (size_t i = c; i < t->ncols; i++)
        if (t->col[i].n && t->col[i].xfirst >= x) {
            right = &t->col[i];
            break;
        }
    if (left && right && right->xfirst > left->xfirst)
        return left->yfirst + (x - left->xfirst) * (right->yfirst - left->yfirst) /
                                  (right->xfirst - left->xfirst);
    if (left && right)
        return left->yfirst;
    if (right)   /* before the first sample: from the start */
        return right->yfirst * x / right->xfirst;
    /* past the last sample: at the run's pace */
    const struct rasleak__bin *last = left;
    for (size_t i = t->ncols; i-- > 0;)
        if (t->col[i].n) {
            last = &t->col[i];
            break;
        }
    double spi = isfinite(ax->sec_per_iter) ? ax->sec_per_iter
                 : last->xlast > 0 ? last->ylast / last->xlast : NAN;
    return last->ylast + (x - last->xlast) * spi;
}

static void open_svg(FILE *fp, const struct scale *s, const char *label_a, const char *label_b,
                     unsigned id)
{
    unsigned w = ML + s->w + MR, h = MT + PH + MB;
    fprintf(fp, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"chart%u\" "
                "viewBox=\"0 0 %u %u\" width=\"%u\" height=\"%u\" role=\"img\" "
                "font-family=\"sans-serif\" font-size=\"11\">\n<title>",
            id, w, h, w, h);
    rasleak__html(fp, label_a);
    fputs(" ", fp);
    rasleak__html(fp, label_b);
    fprintf(fp, "</title>\n<defs><clipPath id=\"clip%u\"><rect x=\"%d\" y=\"%d\" width=\"%u\" "
                "height=\"%d\"/></clipPath></defs>\n"
                "<rect class=\"plotarea\" x=\"%d\" y=\"%d\" width=\"%u\" height=\"%d\" "
                "fill=\"#fff\" stroke=\"#bbb\"/>\n",
            id, ML, MT, s->w, PH, ML, MT, s->w, PH);
}

static void warmup_shade(FILE *fp, const struct scale *s, const struct rasleak__run_axes *ax)
{
    if (!(ax->warmup > 0))
        return;
    double x0 = px(s, 0), x1 = px(s, fmin(ax->warmup, s->x1));
    fprintf(fp, "<rect class=\"warmup\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                "fill=\"#ececec\"><title>warm-up: iterations 1 to %.0f, not judged</title></rect>\n",
            x0, MT, x1 - x0, PH, ax->warmup);
    if (x1 - x0 >= 52)
        fprintf(fp, "<text x=\"%.1f\" y=\"%d\" fill=\"#888\">warm-up</text>\n", x0 + 4, MT + 12);
}

static void y_ticks(FILE *fp, const struct scale *s, const char *title)
{
    double step = s->ystep / s->div;
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6)
        dec = 6;
    for (double v = s->y0; v <= s->y1 + s->ystep * 1e-6; v += s->ystep) {
        double y = py(s, v);
        char lab[48];
        double d = v / s->div;
        if (dec == 0 && fabs(d) >= 10000)
            rasleak__fmt_grouped(lab, sizeof lab, d);
        else
            snprintf(lab, sizeof lab, "%.*f", dec, fabs(d) < 1e-12 ? 0.0 : d);
        fprintf(fp, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\" stroke=\"%s\"/>"
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"%s\">%s</text>\n",
                ML, y, ML + s->w, y, C_GRID, ML - 5, y + 4, C_AXIS, lab);
    }
    fprintf(fp, "<text transform=\"translate(12 %d) rotate(-90)\" text-anchor=\"middle\" "
                "fill=\"%s\">",
            MT + PH / 2, C_AXIS);
    rasleak__html(fp, title);
    fputs("</text>\n", fp);
}

static void x_ticks(FILE *fp, const struct scale *s, const struct rasleak__run_axes *ax)
{
    double step = rasleak__nice_step(s->x1, 6);
    if (step < 1)
        step = 1;
    int have_time = ax->times && ax->times->n > 0;
    fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">iteration</text>\n",
            ML - 12, MT + PH + 16, C_AXIS);
    if (have_time)
        fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">elapsed</text>\n",
                ML - 12, MT + PH + 31, C_AXIS);
    /* Short runs in seconds with decimals, long ones as a clock. */
    double tmax = have_time ? time_at(ax, s->x1) : NAN;
    int tdec = !(tmax < 100) ? -1 : tmax < 1 ? 3 : tmax < 10 ? 2 : 1;
    for (double x = 0; x <= s->x1 + step * 1e-6; x += step) {
        double X = px(s, x);
        char lab[48], tl[48];
        rasleak__fmt_iter_tick(lab, sizeof lab, x);
        /* The first labels start at the axis, clear of the row names. */
        const char *anchor = x == 0 ? "start" : "middle";
        double lx = x == 0 ? X - 3 : X;
        fprintf(fp, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>"
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" fill=\"%s\">%s</text>\n",
                X, MT, X, MT + PH + 4, C_GRID, lx, MT + PH + 16, anchor, C_AXIS, lab);
        if (have_time) {
            double t = time_at(ax, x);
            if (tdec >= 0 && isfinite(t))
                snprintf(tl, sizeof tl, "%.*f s", tdec, t);
            else
                rasleak__fmt_clock(tl, sizeof tl, t);
            fprintf(fp, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" fill=\"#888\">%s%s</text>\n",
                    lx, MT + PH + 31, anchor, x > ax->run_end ? "~" : "", tl);
        }
    }
}

static void fail_marks(FILE *fp, const struct scale *s, const struct rasleak__run_axes *ax)
{
    const struct rasleak__bins *f = ax->fails;
    if (!f || f->n == 0)
        return;
    fputs("<g class=\"failures\" fill=\"" C_FAIL "\">\n", fp);
    for (size_t c = 0; c < f->ncols; c++) {
        const struct rasleak__bin *b = &f->col[c];
        if (!b->n || b->xfirst > s->x1)
            continue;
        double X = px(s, b->xfirst);
        int Y = MT + PH;
        char a[32], z[32];
        fprintf(fp, "<path d=\"M%.1f %d L%.1f %d L%.1f %d Z\" data-iter=\"%.0f\">"
                    "<title>%.0f failed dial%s, iteration %s",
                X, Y, X - 4, Y + 7, X + 4, Y + 7, b->xfirst, (double)b->n, b->n == 1 ? "" : "s",
                rasleak__fmt_grouped(a, sizeof a, b->xfirst));
        if (b->xlast > b->xfirst)
            fprintf(fp, " to %s", rasleak__fmt_grouped(z, sizeof z, b->xlast));
        fputs("</title></path>\n", fp);
    }
    fputs("</g>\n", fp);
}

/* The samples: first, min, max and last of each column, as one line. */
static void data_line(FILE *fp, const struct scale *s, const struct rasleak__chart *c)
{
    fprintf(fp, "<polyline class=\"data\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.3\" "
                "stroke-linejoin=\"round\" data-x0=\"0\" data-x1=\"%.17g\" data-y0=\"%.17g\" "
                "data-y1=\"%.17g\" data-plot=\"%d %d %u %d\" data-samples=\"%llu\" points=\"",
            C_DATA, s->x1, s->y0, s->y1, ML, MT, s->w, PH, (unsigned long long)c->bins.n);
    size_t k = 0;
    for (size_t col = 0; col < c->bins.ncols; col++) {
        double x[4], y[4];
        size_t n = rasleak__bins_points(&c->bins, col, x, y);
        for (size_t i = 0; i < n; i++, k++)
            fprintf(fp, "%s%.1f,%.1f", k ? " " : "", px(s, x[i]), py(s, y[i]));
    }
    fputs("\"/>\n", fp);
    if (c->bins.n == 1) {   /* a line of one point shows nothing */
        double x[4], y[4];
        for (size_t col = 0; col < c->bins.ncols; col++)
            if (rasleak__bins_points(&c->bins, col, x, y))
                fprintf(fp, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n",
                        px(s, x[0]), py(s, y[0]), C_DATA);
    }
}

/* Sen's line over the fitted span, its confidence band, and the projection. */
static void fit_lines(FILE *fp, const struct scale *s, const struct rasleak__chart *c)
{
    const struct rasleak_series_result *r = c->res;
    if (!r || !isfinite(r->slope_per_iter) || !isfinite(r->intercept) || r->n < 2)
        return;
    double xa = r->first_iter;
    double xb = isfinite(r->reached_limit_iter) ? r->reached_limit_iter : r->last_iter;
    double b = r->slope_per_iter, a = r->intercept;
    if (isfinite(r->slope_lo) && isfinite(r->slope_hi)) {
        /* The interval is of the slope: lines of the low and high slope
         * through the middle of the fitted span draw it as a bow tie. */
        double xc = (xa + xb) / 2, yc = a + b * xc;
        double lo = r->slope_lo, hi = r->slope_hi;
        fprintf(fp, "<polygon class=\"band\" fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" "
                    "points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f\">"
                    "<title>95%% confidence interval of the slope</title></polygon>\n",
                C_FIT, px(s, xa), py(s, yc + lo * (xa - xc)), px(s, xc), py(s, yc),
                px(s, xb), py(s, yc + lo * (xb - xc)), px(s, xb), py(s, yc + hi * (xb - xc)),
                px(s, xc), py(s, yc), px(s, xa), py(s, yc + hi * (xa - xc)));
    }
    fprintf(fp, "<line class=\"sen\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\" stroke-width=\"2\" data-slope=\"%.17g\" data-intercept=\"%.17g\">"
                "<title>Sen's slope</title></line>\n",
            px(s, xa), py(s, a + b * xa), px(s, xb), py(s, a + b * xb), C_FIT, b, a);
    if (c->projection) {
        double xe = r->exhausted_at_iter;
        if (xe > xb)
            fprintf(fp, "<line class=\"projection\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                    px(s, xb), py(s, a + b * xb), px(s, xe), py(s, r->limit), C_FIT);
    }
}

static void limit_line(FILE *fp, const struct scale *s, const struct rasleak__chart *c)
{
    const struct rasleak_series_result *r = c->res;
    if (!r || !isfinite(r->limit) || r->limit < s->y0 || r->limit > s->y1)
        return;
    char lim[48];
    double y = py(s, r->limit);
    fprintf(fp, "<line class=\"limit\" x1=\"%d\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-dasharray=\"3 3\"/><text x=\"%u\" y=\"%.1f\" text-anchor=\"end\" "
                "fill=\"%s\">limit %s</text>\n",
            ML, y, ML + s->w, y, C_LIMIT, ML + s->w - 4, y + (y - MT < 14 ? 12 : -4), C_LIMIT,
            rasleak__fmt_amount(lim, sizeof lim, r->limit, r->metric, 0));
}

static void exhaustion_mark(FILE *fp, const struct scale *s, const struct rasleak__chart *c)
{
    const struct rasleak_series_result *r = c->res;
    if (!c->projection)
        return;
    double X = px(s, r->exhausted_at_iter), Y = py(s, r->limit);
    char it[48];
    rasleak__fmt_grouped(it, sizeof it, r->exhausted_at_iter);
    int right = X > ML + s->w * 0.7;
    fprintf(fp, "<circle class=\"exhaustion\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"none\" "
                "stroke=\"%s\" stroke-width=\"2\" data-iter=\"%.0f\"><title>the fitted line "
                "reaches the limit at iteration %s</title></circle>\n"
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">runs out at "
                "iteration %s</text>\n",
            X, Y, C_LIMIT, r->exhausted_at_iter, it, X + (right ? -8 : 8), Y + 16,
            right ? "end" : "start", C_LIMIT, it);
}

static const char *axis_title(const char *metric, const char *suffix, char *buf, size_t len)
{
    if (*suffix)
        snprintf(buf, len, "%s", suffix);
    else if (strcmp(metric, "handles") == 0 || strncmp(metric, "handles.", 8) == 0)
        snprintf(buf, len, "handles");
    else if (strcmp(metric, "threads") == 0)
        snprintf(buf, len, "threads");
    else
        snprintf(buf, len, "count");
    return buf;
}

void rasleak__svg_series(FILE *fp, const struct rasleak__chart *c,
                         const struct rasleak__run_axes *ax, unsigned id)
{
    struct scale s = {0};
    s.w = ax->plot_w;
    s.x1 = c->x_end > 0 ? c->x_end : 1;
    double lo = c->bins.ymin, hi = c->bins.ymax;
    const struct rasleak_series_result *r = c->res;
    if (r && isfinite(r->limit) && (c->projection || isfinite(r->reached_limit_iter)))
        hi = fmax(hi, r->limit);
    /* Counts start at zero, so that the slope reads true; memory is shown
     * around its values, where a leak of a few pages would be invisible
     * against the whole resident set. */
    y_scale(&s, c->metric, lo, hi, rasleak_metric_unit(c->metric) == RASLEAK_UNIT_COUNT);

    char title[64];
    open_svg(fp, &s, c->target, c->metric, id);
    warmup_shade(fp, &s, ax);
    y_ticks(fp, &s, axis_title(c->metric, s.suffix, title, sizeof title));
    x_ticks(fp, &s, ax);
    fprintf(fp, "<g clip-path=\"url(#clip%u)\">\n", id);
    fit_lines(fp, &s, c);
    limit_line(fp, &s, c);
    data_line(fp, &s, c);
    fputs("</g>\n", fp);
    fail_marks(fp, &s, ax);
    exhaustion_mark(fp, &s, c);
    fputs("</svg>\n", fp);
}

void rasleak__svg_stacked(FILE *fp, const char *target, const struct rasleak__chart *const *parts,
                          size_t n, const struct rasleak__run_axes *ax, unsigned id)
{
    size_t w = ax->plot_w;
    double *cum = calloc((n + 1) * w, sizeof *cum);
    unsigned char *has = calloc(w, 1);
    double *last = calloc(n ? n : 1, sizeof *last);
    if (!cum || !has || !last) {
        free(cum);
        free(has);
        free(last);
        return;
    }
    double top = 0;
    for (size_t g = 0; g < w; g++) {
        double x = ((double)g + 0.5) / (double)w * ax->run_end;
        for (size_t i = 0; i < n; i++) {
            const struct rasleak__bins *b = &parts[i]->bins;
            const struct rasleak__bin *k = &b->col[rasleak__bins_column(b, x)];
            if (k->n) {
                last[i] = k->sum / (double)k->n;
                has[g] = 1;
            }
            cum[(i + 1) * w + g] = cum[i * w + g] + last[i];
        }
        if (has[g] && cum[n * w + g] > top)
            top = cum[n * w + g];
    }
    struct scale s = {0};
    s.w = ax->plot_w;
    s.x1 = ax->run_end > 0 ? ax->run_end : 1;
    y_scale(&s, "handles", 0, top, 1);
    char label[160];
    snprintf(label, sizeof label, "handle types, stacked");
    open_svg(fp, &s, target, label, id);
    warmup_shade(fp, &s, ax);
    y_ticks(fp, &s, "handles");
    x_ticks(fp, &s, ax);
    fprintf(fp, "<g clip-path=\"url(#clip%u)\">\n", id);
    for (size_t i = 0; i < n; i++) {
        fprintf(fp, "<polygon class=\"layer\" fill=\"%s\" fill-opacity=\"0.75\" stroke=\"%s\" "
                    "stroke-width=\"0.5\" data-metric=\"",
                rasleak__svg_color(i), rasleak__svg_color(i));
        rasleak__html(fp, parts[i]->metric);
        fputs("\" points=\"", fp);
        int first = 1;
        for (size_t g = 0; g < w; g++)
            if (has[g]) {
                double x = ((double)g + 0.5) / (double)w * ax->run_end;
                fprintf(fp, "%s%.1f,%.1f", first ? "" : " ", px(&s, x),
                        py(&s, cum[(i + 1) * w + g]));
                first = 0;
            }
        for (size_t g = w; g-- > 0;)
            if (has[g]) {
                double x = ((double)g + 0.5) / (double)w * ax->run_end;
                fprintf(fp, " %.1f,%.1f", px(&s, x), py(&s, cum[i * w + g]));
            }
        fputs("\"><title>", fp);
        rasleak__html(fp, parts[i]->metric);
        fputs("</title></polygon>\n", fp);
    }
    fputs("</g>\n</svg>\n", fp);
    free(cum);
    free(has);
    free(last);
}
