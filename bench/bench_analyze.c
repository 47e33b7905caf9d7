/*
 * bench_analyze.c - time the analyzer end to end on a trend file.
 *
 *   bench_analyze FILE [METRIC]
 *
 * Runs rasleak_analyze_file() on FILE with one thread and with two, and
 * prints the wall and CPU time of each, the verdicts, and the process's
 * peak resident memory.  With METRIC, also prints the plain statistics of that
 * metric of the first target (Mann-Kendall S and Kendall's tau-b, Sen's
 * slope with its 95% interval from the plain variance, the intercept, OLS)
 * in the form bench/analyze_scipy.py prints them, so the two can be put
 * side by side.  A benchmark, not a test: it checks only return codes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rasleak/analysis.h"
#include "rasleak/stats.h"
#include "rasleak/trend.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of the process so far: on a shared machine
 * the wall time depends on the neighbours, the CPU time much less. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double peak_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static int timed(const char *path, int threads)
{
    struct rasleak_analyze_config c;
    rasleak_analyze_config_init(&c);
    c.threads = threads;
    struct rasleak_analysis *a;
    struct rasleak_error err;
    double t0 = now_s(), c0 = cpu_s();
    if (rasleak_analyze_file(path, &c, &a, &err) < 0) {
        fprintf(stderr, "bench_analyze: %s\n", err.message);
        return -1;
    }
    double t = now_s() - t0, ct = cpu_s() - c0;
    printf("analyze threads=%d: %.3f s (CPU %.3f s), %llu samples, %zu series, verdict %s, "
           "peak RSS %.0f MiB\n",
           threads, t, ct, (unsigned long long)a->samples, a->nseries,
           rasleak_verdict_name(a->verdict), peak_mib());
    for (size_t i = 0; i < a->nseries; i++)
        printf("  %-14s %-12s n=%zu slope=%.6g [%.6g, %.6g] %s\n", a->series[i].metric,
               rasleak_verdict_name(a->series[i].verdict), a->series[i].n,
               a->series[i].slope_per_iter, a->series[i].slope_lo, a->series[i].slope_hi,
               a->series[i].correction);
    rasleak_analysis_free(a);
    return 0;
}

/* The measured values of `metric` of the first target, read sequentially. */
static int load_metric(const char *path, const char *metric, double **x, double **y, size_t *n)
{
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    if (rasleak_trend_open(&r, path, &err) < 0)
        return -1;
    json_int_t warmup = json_integer_value(
        json_object_get(json_object_get(rasleak_trend_header(r), "run"), "warmup"));
    size_t cap = 1024;
    *x = malloc(cap * sizeof **x);
    *y = malloc(cap * sizeof **y);
    *n = 0;
    json_t *rec;
    int type;
    while ((type = rasleak_trend_next(r, &rec, &err)) > 0) {
        if (type != RASLEAK_REC_SAMPLE)
            continue;
        json_int_t it = json_integer_value(json_object_get(rec, "iter"));
        if (it <= warmup)
            continue;
        const char *id;
        json_t *tv;
        json_object_foreach(json_object_get(rec, "targets"), id, tv) {
            json_t *v = json_object_get(tv, metric);
            if (v) {
                if (*n == cap) {
                    cap *= 2;
                    *x = realloc(*x, cap * sizeof **x);
                    *y = realloc(*y, cap * sizeof **y);
                }
                (*x)[*n] = (double)it;
                (*y)[(*n)++] = json_number_value(v);
            }
            break;
        }
    }
    rasleak_trend_close(r);
    return type < 0 ? -1 : 0;
}

static int plain_stats(const char *path, const char *metric)
{
    double *x, *y;
    size_t n;
    if (load_metric(path, metric, &x, &y, &n) < 0 || n < 3)
        return -1;
    double t0 = now_s();
    struct rasleak_mk mk;
    struct rasleak_sen sen;
    struct rasleak_ols ols;
    if (rasleak_mk(y, n, &mk) < 0 || rasleak_sen(x, y, n, mk.var, 0.95, &sen) < 0 ||
        rasleak_ols(x, y, n, &ols) < 0)
        return -1;
    double t = now_s() - t0;
    /* tau-b = S / sqrt((N - T_x)(N - T_y)); x has no ties, T_y from Var's ties
     * is not at hand here, so tau-b is printed by the Python side only. */
    printf("stats %s n=%zu: mk_s=%.0f mk_p=%.6g sen=%.10g lo=%.10g hi=%.10g "
           "intercept=%.10g ols=%.10g se=%.6g r2=%.6g (%.3f s)\n",
           metric, n, mk.s, mk.p, sen.slope, sen.lo, sen.hi, sen.intercept, ols.slope,
           ols.slope_se, ols.r2, t);
    free(x);
    free(y);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_analyze FILE [METRIC]\n");
        return 2;
    }
    if (argc > 2 && plain_stats(argv[1], argv[2]) < 0)
        return 1;
    if (timed(argv[1], 1) < 0 || timed(argv[1], 2) < 0)
        return 1;
    return 0;
}
