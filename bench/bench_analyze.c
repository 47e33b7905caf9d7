/*
 * bench_analyze.c - time the analyzer end to end on a trend file.
 *
 *   bench_analyze FILE [METRIC]
 *   bench_analyze --stages FILE METRIC...
 *   bench_analyze --pass FILE METRIC T1 T2 P
 *   bench_analyze --select N
 *
 * Runs rasleak_analyze_file() on FILE with one thread and with two, and
 * prints the wall and CPU time of each, the verdicts, and the process's
 * peak resident memory.  With METRIC, also prints the plain statistics of that
 * metric of the first target (Mann-Kendall S and Kendall's tau-b, Sen's
 * slope with its 95% interval from the plain variance, the intercept, OLS)
 * in the form bench/analyze_scipy.py prints them, so the two can be put
 * side by side.  With --stages, times each statistic the analyzer runs on
 * each named metric, one after the other, and counts the passes of Sen's
 * slope selection: where the time of a large series goes.  With --pass,
 * times one pass of the selection between thresholds T1 < T2 on METRIC,
 * from the order sorted at T1, three ways, best of 5 each: counting only,
 * sampling the band's pairs at rate P, and listing them all (when they fit
 * the buffer).  With --select, times the median of N random doubles by
 * brackets and by quickselect.  A benchmark, not a test: it checks only
 * return codes (and that the ways of selecting agree).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "rasleak/analysis.h"
#include "rasleak/stats.h"
#include "rasleak/trend.h"
#include "stats/mk_internal.h"
#include "stats/sen_fast.h"
#include "stats/sen_internal.h"

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

/* One metric's measured values, as load_metrics() collects them. */
struct series {
    const char *metric;
    double *x, *y;
    size_t n, cap, col;
};

/*
 * The measured values of each metric in s[0..m) of the first target that
 * has it, read sequentially, from either layout of the trend file.
 * Samples that lack the metric (a value the sampler skipped) are left out,
 * as the analyzer leaves them out.
 */
static int load_metrics(const char *path, struct series *s, size_t m)
{
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    if (rasleak_trend_open(&r, path, &err) < 0) {
        fprintf(stderr, "bench_analyze: %s\n", err.message);
        return -1;
    }
    for (size_t j = 0; j < m; j++) {
        s[j].cap = 1024;
        s[j].x = malloc(s[j].cap * sizeof *s[j].x);
        s[j].y = malloc(s[j].cap * sizeof *s[j].y);
        s[j].n = 0;
    }
    json_t *rec;
    int type;
    unsigned long columns = 0;
    int mapped = 0;
    while ((type = rasleak_trend_next(r, &rec, &err)) > 0) {
        if (type != RASLEAK_REC_SAMPLE)
            continue;
        struct rasleak_trend_sample smp;
        rasleak_trend_sample(r, &smp);
        if (!mapped || smp.columns != columns) {
            columns = smp.columns;
            mapped = 1;
            for (size_t j = 0; j < m; j++) {
                s[j].col = SIZE_MAX;
                for (size_t i = 0; i < smp.n && s[j].col == SIZE_MAX; i++)
                    if (strcmp(smp.metric[i], s[j].metric) == 0)
                        s[j].col = i;
            }
        }
        for (size_t j = 0; smp.measure && j < m; j++) {
            struct series *t = &s[j];
            if (t->col == SIZE_MAX || isnan(smp.value[t->col]))
                continue;
            if (t->n == t->cap) {
                t->cap *= 2;
                t->x = realloc(t->x, t->cap * sizeof *t->x);
                t->y = realloc(t->y, t->cap * sizeof *t->y);
            }
            t->x[t->n] = (double)smp.iter;
            t->y[t->n++] = smp.value[t->col];
        }
    }
    if (type < 0)
        fprintf(stderr, "bench_analyze: %s\n", err.message);
    rasleak_trend_close(r);
    return type < 0 ? -1 : 0;
}

static void free_series(struct series *s, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        free(s[j].x);
        free(s[j].y);
    }
}

static int plain_stats(const char *path, const char *metric)
{
    struct series ser = {.metric = metric};
    if (load_metrics(path, &ser, 1) < 0 || ser.n < 3) {
        free_series(&ser, 1);
        return -1;
    }
    const double *x = ser.x, *y = ser.y;
    size_t n = ser.n;
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
    free_series(&ser, 1);
    return 0;
}

/* Wall and CPU seconds since a mark, and a new mark. */
struct mark {
    double wall, cpu;
};

static struct mark lap(struct mark *m)
{
    struct mark now = {now_s(), cpu_s()}, d = {now.wall - m->wall, now.cpu - m->cpu};
    *m = now;
    return d;
}

/*
 * The statistics of one series in the order the analyzer runs them
 * (src/lib/analyze/judge.c): Mann-Kendall, Sen's slope with the passes
 * split over two threads as for a series judged alone, Hamed-Rao, and the
 * interval at the larger of the two variances; each timed, with the
 * counting passes of the slope selection.
 */
static int stages(const struct series *s)
{
    const double *x = s->x, *y = s->y;
    size_t n = s->n;
    struct mark m = {now_s(), cpu_s()};
    struct rasleak_mk mk;
    struct rasleak_mk_corrected hr;
    struct rasleak_sen_ctx *c = NULL;
    double slope = 0, lo = 0, hi = 0;
    int rc = rasleak_mk(y, n, &mk);
    struct mark t_mk = lap(&m);
    if (rc == 0)
        rc = rasleak_sen_ctx_new(x, y, n, &c);
    if (rc == 0)
        rc = rasleak_sen_ctx_set_mk(c, &mk);
    if (rc == 0) {
        rasleak__sen_ctx_keep_order(c);
        rc = rasleak_sen_ctx_slope(c, &slope);
    }
    struct mark t_slope = lap(&m);
    unsigned long p_slope = c ? rasleak__sen_ctx_counts(c).passes : 0;
    /* Hamed-Rao as the analyzer runs it (two threads, from the order the
     * slope's search ended in), then from no order, side by side. */
    void *room = NULL;
    size_t room_bytes = 0;
    const uint32_t *order = c ? rasleak__sen_ctx_order(c, &room, &room_bytes) : NULL;
    if (rc == 0)
        rc = rasleak__mk_hamed_rao(x, y, n, &mk, slope, 0.05, 0, 1, order, room, room_bytes,
                                   &hr);
    rasleak__sen_ctx_drop_order(c);
    struct mark t_hr = lap(&m);
    struct rasleak_mk_corrected plain;
    if (rc == 0)
        rc = rasleak__mk_hamed_rao(x, y, n, &mk, slope, 0.05, 0, 1, NULL, NULL, 0, &plain);
    struct mark t_hr_plain = lap(&m);
    if (rc == 0 && memcmp(&plain.var_corrected, &hr.var_corrected, sizeof hr.var_corrected)) {
        fprintf(stderr, "bench_analyze: %s: Hamed-Rao differs with the order\n", s->metric);
        rc = -1;
    }
    double var = rc == 0 && hr.var_corrected > mk.var ? hr.var_corrected : mk.var;
    if (rc == 0)
        rc = rasleak_sen_ctx_interval(c, var, 0.95, &lo, &hi);
    struct mark t_ci = lap(&m);
    unsigned long p_ci = c ? rasleak__sen_ctx_counts(c).passes - p_slope : 0;
    unsigned long thinned = c ? rasleak__sen_ctx_counts(c).thinned : 0;
    rasleak_sen_ctx_free(c);
    if (rc < 0)
        return -1;
    printf("%s n=%zu | wall/CPU s: mk %.2f/%.2f, slope %.2f/%.2f (%lu passes), "
           "hamed-rao %.2f/%.2f (variance x%.1f; from no order %.2f/%.2f), interval %.2f/%.2f "
           "(%lu passes; %lu of all thinned) | slope %.17g [%.17g, %.17g]\n",
           s->metric, n, t_mk.wall, t_mk.cpu, t_slope.wall, t_slope.cpu, p_slope, t_hr.wall,
           t_hr.cpu, mk.var > 0 ? var / mk.var : 1.0, t_hr_plain.wall, t_hr_plain.cpu, t_ci.wall,
           t_ci.cpu, p_ci, thinned, slope, lo, hi);
    return 0;
}

static int stages_all(const char *path, char **metrics, size_t m)
{
    struct series *s = calloc(m, sizeof *s);
    if (!s)
        return -1;
    for (size_t j = 0; j < m; j++)
        s[j].metric = metrics[j];
    struct mark t = {now_s(), cpu_s()};
    int rc = load_metrics(path, s, m);
    struct mark read = lap(&t);
    if (rc == 0)
        printf("read %s: %.2f s (CPU %.2f s), one thread\n", path, read.wall, read.cpu);
    for (size_t j = 0; rc == 0 && j < m; j++) {
        if (s[j].n < 3) {
            fprintf(stderr, "bench_analyze: no series '%s' of 3 or more samples\n",
                    s[j].metric);
            rc = -1;
        } else {
            rc = stages(&s[j]);
        }
    }
    free_series(s, m);
    free(s);
    return rc;
}

/* --pass: one pass from the order at t1 to t2, counting, sampling, listing. */
static int pass_times(const char *path, const char *metric, double t1, double t2, double p)
{
    struct series ser = {.metric = metric};
    struct fast f;
    if (load_metrics(path, &ser, 1) < 0 || ser.n < 2 || !(t1 < t2) ||
        rasleak__sen_fast_init(&f, ser.x, ser.y, ser.n, 1) < 0) {
        free_series(&ser, 1);
        return -1;
    }
    if (rasleak__sen_work_alloc(&f) < 0) {
        rasleak__sen_fast_free(&f);
        free_series(&ser, 1);
        return -1;
    }
    struct thr a = rasleak__sen_thr_at(t1, -1), b = rasleak__sen_thr_at(t2, -1);
    struct pass ps;
    for (size_t i = 0; i < f.n; i++)
        f.ord[0][i] = (uint32_t)i;
    uint64_t below = rasleak__sen_run_pass(&f, 0, 1, &a, NULL, &ps), band = 0;
    double best[3] = {INFINITY, INFINITY, INFINITY};
    size_t kept = 0;
    for (int r = 0; r < 5; r++) {
        for (int way = 0; way < 3; way++) {
            if (way == 2 && band > f.cap)
                break;  /* too many pairs to list */
            struct sampler sm;
            rasleak__sen_sampler_init(&sm, f.buf, f.cap, way == 2 ? 1.0 : p, &f.rng);
            double t0 = now_s();
            uint64_t got = rasleak__sen_run_pass(&f, 1, 2, &b, way ? &sm : NULL, &ps);
            double t = now_s() - t0;
            best[way] = t < best[way] ? t : best[way];
            band = got;
            kept = way == 1 ? sm.len : kept;
        }
    }
    printf("%s n=%zu: %llu slopes below %.17g, %llu in the band up to %.17g\n"
           "count %.3f s, sample (p=%g, %zu kept) %.3f s, list %.3f s (best of 5)\n",
           metric, f.n, (unsigned long long)below, t1, (unsigned long long)band, t2, best[0], p,
           kept, best[1], best[2]);
    rasleak__sen_fast_free(&f);
    free_series(&ser, 1);
    return 0;
}

/*
 * --select N: the two middle values of N random doubles (a median), five
 * times each way in turn, least wall time printed: by brackets on two
 * threads and on one (rasleak__sen_select_ranks, as the selection's
 * callers use it), and by quickselect, the rank and then the least of
 * the values above it (what they used before).  The values come out the
 * same, or it says so.
 */
static int select_times(size_t n)
{
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
    if (!v || !w) {
        free(v);
        free(w);
        return -1;
    }
    uint64_t rng = 7;
    for (size_t i = 0; i < n; i++)
        v[i] = (double)(rng_next(&rng) >> 11) * 0x1p-53 * 100.0 + 42.0;
    uint64_t k[2] = {(n - 1) / 2, n / 2};
    double best[3] = {INFINITY, INFINITY, INFINITY}, got[3][2];
    for (int round = 0; round < 5; round++) {
        for (int way = 0; way < 3; way++) {
            memcpy(w, v, n * sizeof *v);
            uint64_t seed = 11;
            double t0 = now_s();
            if (way < 2) {
                rasleak__sen_select_ranks(w, n, k, got[way], 2, &seed, way == 0, NULL, 0);
            } else {
                got[2][0] = rasleak__sen_select_k(w, n, (size_t)k[0], &seed);
                got[2][1] = rasleak__sen_select_k(w + k[1], n - k[1], 0, &seed);
            }
            double t = now_s() - t0;
            if (t < best[way])
                best[way] = t;
        }
    }
    printf("select n=%zu: brackets, two threads %.3f s; one thread %.3f s; quickselect %.3f s "
           "(least of 5)\n", n, best[0], best[1], best[2]);
    int same = memcmp(got[0], got[2], sizeof got[0]) == 0 &&
               memcmp(got[1], got[2], sizeof got[1]) == 0;
    if (!same)
        fprintf(stderr, "bench_analyze: the ways disagree\n");
    free(v);
    free(w);
    return same ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--select") == 0)
        return select_times((size_t)strtod(argv[2], NULL)) < 0;
    if (argc == 7 && strcmp(argv[1], "--pass") == 0)
        return pass_times(argv[2], argv[3], atof(argv[4]), atof(argv[5]), atof(argv[6])) < 0;
    if (argc > 3 && strcmp(argv[1], "--stages") == 0) {
        if (stages_all(argv[2], argv + 3, (size_t)(argc - 3)) < 0)
            return 1;
        printf("peak RSS %.0f MiB\n", peak_mib());
        return 0;
    }
    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: bench_analyze FILE [METRIC]\n"
                        "       bench_analyze --stages FILE METRIC...\n"
                        "       bench_analyze --pass FILE METRIC T1 T2 P\n"
                        "       bench_analyze --select N\n");
        return 2;
    }
    if (argc > 2 && plain_stats(argv[1], argv[2]) < 0)
        return 1;
    if (timed(argv[1], 1) < 0 || timed(argv[1], 2) < 0)
        return 1;
    return 0;
}
