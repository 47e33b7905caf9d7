/*
 * bench_util.h - the timing helpers of the benchmarks: a monotonic clock in
 * microseconds and the quantiles of a set of timings.  One copy here, so
 * that every benchmark that uses them times and sums up the same way.
 *
 * Header-only (static functions): the clock is read around every timed
 * call, and so compiles into each benchmark as it did in its own file.
 */
#ifndef RASLEAK_BENCH_UTIL_H
#define RASLEAK_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in microseconds. */
static inline double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts `v` in place; the q-quantile by the nearest-rank method. */
static inline double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)(q * (double)n);
    return v[i < n ? i : n - 1];
}

#endif
