/*
 * series.h - internal: the (x, y) series of each target's metric, gathered
 * from the sample records of a trend file.
 *
 * Stored compactly, since a soak run has millions of samples of each of
 * half a dozen metrics: x as a 32-bit index into one array of iteration
 * numbers that every series of the set shares, and y as float for as long
 * as every value is exactly a float (handle counts, page-multiple byte
 * counts below 64 GiB), as double from the first value that is not.  That
 * is 8 bytes a value instead of 16.
 */
#ifndef RASLEAK_SERIES_H
#define RASLEAK_SERIES_H

#include <stddef.h>
#include <stdint.h>
#include "rasleak/trend.h"

struct rasleak__series {
    char *target;
    char *metric;
    uint32_t *xi;      /* index into the set's iters[] */
    float *yf;         /* values, while all are exact floats ... */
    double *yd;        /* ... else these (and yf is NULL) */
    size_t n, cap;
};

struct rasleak__series_set {
    struct rasleak__series *items;
    size_t n, cap;
    size_t hint;       /* where the last look-up found its series */
    double *iters;     /* iteration of each measured sample gathered */
    size_t niters, iters_cap;
    /* Which series each column of the reader's samples goes to, for the
     * columns numbered `colmap_for` (struct rasleak_trend_sample). */
    size_t *colmap;
    unsigned long colmap_for;
    int have_colmap;
};

/* Append the values of one sample at its iteration. */
int rasleak__series_add_sample(struct rasleak__series_set *set,
                               const struct rasleak_trend_sample *s);

/* Append everything of `b` (gathered from a later part of the file) to `a`,
 * emptying `b`.  0 or -1 (out of memory). */
int rasleak__series_merge(struct rasleak__series_set *a, struct rasleak__series_set *b);

/*
 * The series as doubles, taking its storage: the arrays are made in the
 * blocks the values and indices were kept in, so that the two never exist
 * side by side (a soak run's series are tens of megabytes each).  *y is the
 * caller's; *x is either the set's own iters[] (borrowed, when the series
 * has a value in every sample gathered, the usual case) or *x_owned, the
 * caller's too; *x_owned is NULL when borrowed.  Free *y and *x_owned.
 * The series is left empty of storage, as rasleak__series_release() leaves
 * it, except on failure (-1, out of memory), when it is still whole.
 */
int rasleak__series_take_arrays(const struct rasleak__series_set *set,
                                struct rasleak__series *s, const double **x,
                                double **x_owned, double **y);

/*
 * Whether `b` is `a` shifted by one constant, exactly: the same samples,
 * b's value minus a's the same at every one (*offset), and every value a
 * whole number below 2^53, so that any two values of b differ by exactly
 * what the same two of a do.  Then every pairwise slope, the Mann-Kendall
 * statistic and Sen's slope and interval of b are a's (rss_bytes and
 * private_bytes of a process whose shared pages do not change).
 */
int rasleak__series_shifted(const struct rasleak__series *a, const struct rasleak__series *b,
                            double *offset);

/* Whether every value of the series is the same (judged without statistics). */
int rasleak__series_constant(const struct rasleak__series *s);

/* Free the values of one series early (after it was judged). */
void rasleak__series_release(struct rasleak__series *s);

void rasleak__series_free(struct rasleak__series_set *set);

#endif
