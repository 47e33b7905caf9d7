/*
 * svg.h - internal: the report's charts, as inline SVG.
 */
#ifndef RASLEAK_REPORT_SVG_H
#define RASLEAK_REPORT_SVG_H

#include <stdio.h>
#include "rasleak/analysis.h"
#include "report/bins.h"

/* One target's metric: its samples, reduced, and what the analyzer found. */
struct rasleak__chart {
    const char *target, *metric;
    const struct rasleak_series_result *res; /* NULL when not judged (warm-up only) */
    struct rasleak__bins bins;   /* the samples over [0, run_end] */
    double x_end;                /* right end of the iteration axis (>= run_end) */
    int projection;              /* draw the fitted line on to the limit */
};

/* What every chart of a run shares. */
struct rasleak__run_axes {
    double warmup;               /* iterations 1..warmup are shaded */
    double run_end;              /* the last iteration of the run */
    double sec_per_iter;         /* to put times past the run's end; NAN if unknown */
    const struct rasleak__bins *times;  /* (iteration, t) of the samples */
    const struct rasleak__bins *fails;  /* (iteration, 1) of failed dials */
    unsigned plot_w;             /* pixel columns of a plot area */
};

/* Chart geometry: margins around the plot area, in SVG pixels. */
#define RASLEAK__SVG_LEFT 74
#define RASLEAK__SVG_RIGHT 26
#define RASLEAK__SVG_TOP 14
#define RASLEAK__SVG_PLOT_H 230
#define RASLEAK__SVG_BOTTOM 52

/*
 * One chart: samples (min/max per column), warm-up shaded, Sen's line and
 * its confidence band, failed dials, limit and projected exhaustion.  `id`
 * makes the chart's element ids unique on the page.
 */
void rasleak__svg_series(FILE *fp, const struct rasleak__chart *c,
                         const struct rasleak__run_axes *ax, unsigned id);

/* Stacked areas of the column means of `parts` (one target's handle types). */
void rasleak__svg_stacked(FILE *fp, const char *target, const struct rasleak__chart *const *parts,
                          size_t n, const struct rasleak__run_axes *ax, unsigned id);

/* The colour of layer i of a stacked chart, "#rrggbb". */
const char *rasleak__svg_color(size_t i);

#endif
