/*
 * bench_stats.c - time the trend statistics on synthetic series.
 *
 *   bench_stats [max_n]      (default 1000000; pass 10000000 for the 1e7 row)
 *
 * For n = 1e3, 1e4, ... up to max_n, two deterministic series:
 *   trend: y = 1e9 + 4096 x + N(0, 1e6^2)  (a leak of 4 KiB per iteration
 *          under allocator noise, at the magnitude of a process's bytes)
 *   step:  y = 100 + number of steps so far, a step every n/20 iterations,
 *          plus 0/1 jitter: integer values, almost every pair tied
 * and prints milliseconds of processor time for the Mann-Kendall test,
 * Sen's slope with its 95% interval, OLS, and the Hamed-Rao and Yue-Wang
 * corrections, and the wall time of Sen's slope and interval, which split
 * their passes over two threads from a million points on (processor time
 * counts both).  A benchmark, not a test: it checks nothing but the return
 * codes.
 */
#include "rasleak/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t rng_state = 42;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double unit(void)
{
    return ((double)(rng_next() >> 11) + 0.5) * 0x1p-53;
}

/* Box-Muller; one of the pair is enough here. */
static double gauss(void)
{
    return sqrt(-2.0 * log(unit())) * cos(6.283185307179586 * unit());
}

/* Processor time, of all threads: on a shared machine the wall time
 * mostly measures the neighbours. */
static double now_ms(void)
{
    return (double)clock() * 1e3 / CLOCKS_PER_SEC;
}

static double wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int row(const char *kind, const double *x, const double *y, size_t n)
{
    struct rasleak_mk mk;
    struct rasleak_sen sen;
    struct rasleak_ols ols;
    struct rasleak_mk_corrected hr, yw;

    double t0 = now_ms();
    int rc = rasleak_mk(y, n, &mk);
    double t1 = now_ms(), w1 = wall_ms();
    rc |= rasleak_sen(x, y, n, mk.var, 0.95, &sen);
    double t2 = now_ms(), w2 = wall_ms();
    rc |= rasleak_ols(x, y, n, &ols);
    double t3 = now_ms();
    rc |= rasleak_mk_hamed_rao(x, y, n, &mk, sen.slope, 0.05, 0, &hr);
    double t4 = now_ms();
    rc |= rasleak_mk_yue_wang(x, y, n, &mk, sen.slope, &yw);
    double t5 = now_ms();
    if (rc) {
        fprintf(stderr, "bench_stats: a statistic failed at n=%zu (%s)\n", n, kind);
        return -1;
    }
    printf("%-5s %9zu %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f   %.17g [%.17g, %.17g]\n", kind, n,
           t1 - t0, t2 - t1, w2 - w1, t3 - t2, t4 - t3, t5 - t4, sen.slope, sen.lo, sen.hi);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    size_t max_n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 1000000;
    if (max_n < 1000 || max_n > RASLEAK_STATS_MAX_N) {
        fprintf(stderr, "usage: bench_stats [max_n], 1000 <= max_n <= %u\n",
                RASLEAK_STATS_MAX_N);
        return 2;
    }
    printf("%-5s %9s %9s %9s %9s %9s %9s %9s   %s\n", "kind", "n", "mk_ms", "sen_ci_ms",
           "sen_wall", "ols_ms", "hamed_ms", "yuewang_ms", "sen slope [95% ci]");
    for (size_t n = 1000; n <= max_n; n *= 10) {
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        if (!x || !y) {
            fprintf(stderr, "bench_stats: out of memory at n=%zu\n", n);
            return 1;
        }
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)i;
            y[i] = 1e9 + 4096.0 * (double)i + 1e6 * gauss();
        }
        if (row("trend", x, y, n) < 0)
            return 1;
        for (size_t i = 0; i < n; i++)
            y[i] = 100.0 + (double)(i / (n / 20)) + (double)(rng_next() & 1);
        if (row("step", x, y, n) < 0)
            return 1;
        free(x);
        free(y);
    }
    return 0;
}
