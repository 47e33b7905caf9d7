/*
 * bins.h - internal: a series reduced to what one pixel column can show.
 *
 * A chart cannot draw more points than it has pixel columns, and a run can
 * have ten million samples.  Points are streamed into one bin per column,
 * which keeps the column's first and last point and its minimum and
 * maximum with where they occurred (the "M4" reduction of Jugel et al.,
 * VLDB 2014): a line drawn through those four points per column is the
 * same picture as the line through every sample, and a one-sample spike
 * survives.  The sum gives the column's mean for stacked charts.  Memory is
 * fixed by the number of columns, whatever the number of points.
 */
#ifndef RASLEAK_REPORT_BINS_H
#define RASLEAK_REPORT_BINS_H

#include <stddef.h>
#include <stdint.h>

struct rasleak__bin {
    double xfirst, yfirst, xlast, ylast;
    double xmin, ymin, xmax, ymax;
    double sum;
    uint64_t n;            /* points in this column; 0 = empty */
};

struct rasleak__bins {
    double x0, x1;         /* [x0, x1] is spread over the columns */
    size_t ncols;
    struct rasleak__bin *col;
    uint64_t n;            /* points added in all */
    double ymin, ymax;     /* over all points; NAN when none */
};

/* Set up `ncols` (>= 1) empty columns over [x0, x1]; 0 or RASLEAK_ENOMEM. */
int rasleak__bins_init(struct rasleak__bins *b, double x0, double x1, size_t ncols);

/* The column of x; x outside [x0, x1] goes to the first or last column. */
size_t rasleak__bins_column(const struct rasleak__bins *b, double x);

/* Add one point; x must not decrease from one call to the next. */
void rasleak__bins_add(struct rasleak__bins *b, double x, double y);

/*
 * The points that draw column `c`, in the order they occurred: first, the
 * minimum and the maximum (in their own order), last, without repeats.
 * Writes at most 4 into x[] and y[]; returns how many (0 for an empty column).
 */
size_t rasleak__bins_points(const struct rasleak__bins *b, size_t c, double x[4], double y[4]);

void rasleak__bins_free(struct rasleak__bins *b);

#endif
