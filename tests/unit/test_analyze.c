/* Unit tests: verdicts of the analyzer on synthetic trend files (src/lib/analyze/). */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "rasleak/analysis.h"
#include "rasleak/trend.h"
#include "analyze/judge.h"
#include "analyze/series.h"
#include "stats/mk_internal.h"
#include "scratch.h"

typedef double (*series_fn)(long iter, unsigned *seed);

/* The summary's stop reason of the next file made, and the iteration
 * after which a target_exited event is written (0: none). */
static const char *stop_reason = "completed";
static long exit_at;

/* A trend file whose "self" target has handles = f(iter), over n iterations
 * with `warmup` warm-up ones and a handle limit of `limit` (0: none). */
static void make_layout(enum rasleak_trend_layout layout, long n, long warmup, double limit,
                        series_fn handles, series_fn bytes)
{
    FILE *fp = fopen(scratch_path, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, scratch_path, layout, &err), 0);
    json_t *h = json_pack("{s:s,s:s,s:i,s:{s:s},s:{s:I},s:[{s:s,s:{s:o,s:n}}]}", "type",
                          "header", "format", "rasleak-trend", "version", 1, "backend", "name",
                          "mock", "run", "warmup", (json_int_t)warmup, "targets", "id", "self",
                          "limits", "handles", limit > 0 ? json_real(limit) : json_null(),
                          "memory_bytes");
    assert_non_null(h);
    rasleak_trend_write_header(w, h, &err);
    json_decref(h);
    unsigned seed = 12345;
    struct rasleak_metric_value mv[2] = {{"handles", 0}, {"heap_bytes", NAN}};
    struct rasleak_target_values tv = {"self", mv, 2};
    for (long i = 1; i <= n; i++) {
        mv[0].value = handles(i, &seed);
        mv[1].value = bytes ? bytes(i, &seed) : NAN;
        struct rasleak_sample_record s = {(uint64_t)i, i * 0.001, i > warmup, 1, 1, 1, &tv, 1};
        assert_int_equal(rasleak_trend_write_sample(w, &s, &err), 0);
        if (i == exit_at) {
            json_t *ev = json_pack("{s:s,s:I,s:f,s:s,s:s,s:i,s:s}", "type", "event", "iter",
                                   (json_int_t)i, "t", i * 0.001, "kind", "target_exited",
                                   "target", "srv", "pid", 4242, "message",
                                   "process 4242 'srv' has exited");
            assert_int_equal(rasleak_trend_write_record(w, ev, &err), 0);
            json_decref(ev);
        }
    }
    json_t *sum = json_pack("{s:s,s:s,s:I,s:I}", "type", "summary", "stop_reason", stop_reason,
                            "iterations_done", (json_int_t)n, "dial_failures", (json_int_t)0);
    rasleak_trend_write_summary(w, sum, &err);
    json_decref(sum);
    rasleak_trend_writer_free(w);
    fclose(fp);
}

static void make(long n, long warmup, double limit, series_fn handles, series_fn bytes)
{
    make_layout(RASLEAK_TREND_JSONL, n, warmup, limit, handles, bytes);
}

static struct rasleak_analysis *analyze(void)
{
    struct rasleak_analysis *a;
    struct rasleak_error err;
    if (rasleak_analyze_file(scratch_path, NULL, &a, &err) < 0)
        fail_msg("analyze: %s", err.message);
    return a;
}

static const struct rasleak_series_result *find(const struct rasleak_analysis *a,
                                                const char *metric)
{
    for (size_t i = 0; i < a->nseries; i++)
        if (strcmp(a->series[i].metric, metric) == 0)
            return &a->series[i];
    fail_msg("no series %s", metric);
    return NULL;
}

static double noise(unsigned *seed)
{
    return (double)(rand_r(seed) % 5) - 2.0;   /* -2 .. +2 */
}

static double steady(long i, unsigned *s) { (void)s; return 20 + i; }
static double tenth(long i, unsigned *s) { (void)s; return 20 + i / 10; }
static double hundredth(long i, unsigned *s) { (void)s; return 20 + i / 100; }
static double flat(long i, unsigned *s) { (void)i; (void)s; return 42; }
static double flat_noisy(long i, unsigned *s) { (void)i; return 42 + noise(s); }
static double plateau(long i, unsigned *s) { (void)s; return 20 + (i < 400 ? i : 400); }
static double step(long i, unsigned *s) { (void)s; return i < 600 ? 20 : 21; }
static double heap64(long i, unsigned *s) { return 1e6 + 64.0 * i + 512 * noise(s); }
static double heap_flat(long i, unsigned *s) { (void)i; return 1e6 + 4096 * noise(s); }
/* 64 bytes an iteration seen a page at a time: a sawtooth about the line */
static double pages(long i, unsigned *s) { (void)s; return 8e6 + 4096.0 * (double)(i * 64 / 4096); }

static void test_steady_leak(void **state)
{
    (void)state;
    make(1100, 100, 0, steady, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(a->verdict, RASLEAK_LEAK);
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    assert_int_equal(s->n, 1000);
    assert_true(fabs(s->slope_per_iter - 1.0) < 0.01);
    assert_true(fabs(s->ols_slope - 1.0) < 0.01);
    assert_true(s->r2 > 0.999);
    assert_true(s->mk_p < 1e-10);
    assert_true(fabs(s->growth - 999) < 10);
    rasleak_analysis_free(a);
}

static void test_one_in_ten(void **state)
{
    (void)state;
    make(1100, 100, 0, tenth, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    assert_true(fabs(s->slope_per_iter - 0.1) < 0.01);
    rasleak_analysis_free(a);
}

static void test_one_in_hundred(void **state)
{
    (void)state;
    make(1100, 100, 0, hundredth, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    assert_true(fabs(s->slope_per_iter - 0.01) < 0.001);
    rasleak_analysis_free(a);
}

static void test_flat(void **state)
{
    (void)state;
    make(1100, 100, 0, flat, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(a->verdict, RASLEAK_NO_LEAK);
    assert_int_equal(s->verdict, RASLEAK_NO_LEAK);
    assert_true(s->slope_per_iter == 0);
    assert_true(s->mk_s == 0);
    assert_true(s->mk_p == 1);
    rasleak_analysis_free(a);
}

static void test_flat_noise(void **state)
{
    (void)state;
    make(2100, 100, 0, flat_noisy, heap_flat);
    struct rasleak_analysis *a = analyze();
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_NO_LEAK);
    assert_int_equal(find(a, "heap_bytes")->verdict, RASLEAK_NO_LEAK);
    rasleak_analysis_free(a);
}

static void test_plateau(void **state)
{
    (void)state;
    /* Grows over the first 400 iterations, then flat for 1,600. */
    make(2000, 100, 0, plateau, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->verdict, RASLEAK_NO_LEAK);
    assert_non_null(strstr(s->reason, "plateau"));
    rasleak_analysis_free(a);
}

static double late_plateau(long i, unsigned *s) { (void)s; return 20 + (i < 1300 ? i : 1300); }

static void test_late_plateau(void **state)
{
    (void)state;
    /* Grows for most of the run: the median slope is positive, yet the
     * last third is flat. */
    make(2000, 100, 0, late_plateau, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_true(s->slope_per_iter > 0.5);
    assert_int_equal(s->verdict, RASLEAK_NO_LEAK);
    /* In the series' own terms: its pace until it flattened, and where
     * (the whole run's slope, dragged down by the flat part, would say
     * less, and the start of the last third would say 1367). */
    assert_string_equal(s->reason, "plateau: grew 1 handle per iteration until about "
                                   "iteration 1300, flat since");
    rasleak_analysis_free(a);
}

static void test_single_step_is_not_a_leak(void **state)
{
    (void)state;
    make(1100, 100, 0, step, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_true(s->mk_p < 0.01);          /* significant ... */
    assert_int_equal(s->verdict, RASLEAK_NO_LEAK);   /* ... but one step */
    rasleak_analysis_free(a);
}

static void test_heap_64_bytes(void **state)
{
    (void)state;
    make(2100, 100, 0, flat, heap64);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "heap_bytes");
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    assert_true(fabs(s->slope_per_iter - 64) < 3);
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_NO_LEAK);
    rasleak_analysis_free(a);
}

static void test_too_few(void **state)
{
    (void)state;
    make(12, 5, 0, steady, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->n, 7);
    assert_int_equal(s->verdict, RASLEAK_INCONCLUSIVE);
    assert_int_equal(a->verdict, RASLEAK_INCONCLUSIVE);
    rasleak_analysis_free(a);
}

static void test_projection(void **state)
{
    (void)state;
    /* 20 + i handles, limit 5000: reached at iteration 4980. */
    make(1100, 100, 5000, steady, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    assert_true(s->limit == 5000);
    assert_true(fabs(s->exhausted_at_iter - 4980) <= 2);
    assert_true(isnan(s->reached_limit_iter));
    /* 0.001 s per iteration, about 3,880 iterations to go. */
    assert_true(fabs(s->exhausted_in_s - 3.88) < 0.05);
    rasleak_analysis_free(a);
}

static double capped(long i, unsigned *s) { (void)s; return 20 + i < 300 ? 20 + i : 300; }

static void test_limit_reached_is_a_leak_not_a_plateau(void **state)
{
    (void)state;
    make(1100, 100, 300, capped, NULL);
    struct rasleak_analysis *a = analyze();
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    assert_true(s->reached_limit_iter == 280);
    assert_true(fabs(s->exhausted_at_iter - 280) <= 2);
    assert_non_null(strstr(s->reason, "reached its limit of 300"));
    rasleak_analysis_free(a);
}

static void test_warmup_override(void **state)
{
    (void)state;
    make(1000, 100, 0, steady, NULL);
    struct rasleak_analyze_config c;
    rasleak_analyze_config_init(&c);
    c.warmup = 900;
    struct rasleak_analysis *a;
    struct rasleak_error err;
    assert_int_equal(rasleak_analyze_file(scratch_path, &c, &a, &err), 0);
    assert_int_equal(find(a, "handles")->n, 100);
    assert_int_equal(a->warmup, 900);
    rasleak_analysis_free(a);
}

static void test_min_rate(void **state)
{
    (void)state;
    make(1100, 100, 0, tenth, NULL);
    struct rasleak_min_rate mr = {"handles", 0.5};
    struct rasleak_analyze_config c;
    rasleak_analyze_config_init(&c);
    c.min_rates = &mr;
    c.nmin_rates = 1;
    struct rasleak_analysis *a;
    struct rasleak_error err;
    assert_int_equal(rasleak_analyze_file(scratch_path, &c, &a, &err), 0);
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_NO_LEAK);
    /* in the metric's unit */
    assert_string_equal(find(a, "handles")->reason,
                        "slope 0.1 handles below the minimum rate 0.5 handles per iteration; "
                        "trend p=0, n 1000, no serial correlation");
    rasleak_analysis_free(a);
    /* just under a minimum that prints the same: the slope with its digits */
    mr.rate = 0.1000001;
    assert_int_equal(rasleak_analyze_file(scratch_path, &c, &a, &err), 0);
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_NO_LEAK);
    assert_string_equal(find(a, "handles")->reason, "slope 0.1 handles below the minimum rate "
                                                    "0.1 handles per iteration (0.1 < 0.1000001); "
                                                    "trend p=0, n 1000, no serial correlation");
    rasleak_analysis_free(a);
}

static void test_json_output(void **state)
{
    (void)state;
    make(1100, 100, 0, steady, pages);
    struct rasleak_analysis *a = analyze();
    json_t *j = rasleak_analysis_to_json(a);
    assert_string_equal(json_string_value(json_object_get(j, "format")), "rasleak-analysis");
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "leak");
    json_t *s = json_array_get(json_object_get(j, "series"), 0);
    static const char *fields[] = {"target", "metric", "n", "verdict", "slope_per_iter",
                                   "ols_slope", "r2", "mk_z", "mk_p", "growth", "sen_slope",
                                   "slope_ci", "mk_s", "mk_var", "reason",
                                   "exhausted_at_iter", "exhausted_in_s"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (!json_object_get(s, fields[i]))
            fail_msg("series lacks '%s'", fields[i]);
    assert_true(fabs(json_number_value(json_object_get(s, "slope_per_iter")) - 1) < 0.01);
    assert_true(json_is_null(json_object_get(s, "exhausted_at_iter")));  /* no limit */
    /* Present is not enough: each field holds its own statistic. */
    int corrected = 0;
    assert_int_equal(json_array_size(json_object_get(j, "series")), a->nseries);
    for (size_t i = 0; i < a->nseries; i++) {
        const struct rasleak_series_result *r = &a->series[i];
        json_t *o = json_array_get(json_object_get(j, "series"), i);
        json_t *ci = json_object_get(o, "slope_ci");
        assert_string_equal(json_string_value(json_object_get(o, "metric")), r->metric);
        assert_true(json_number_value(json_object_get(o, "sen_slope")) == r->slope_per_iter);
        assert_true(json_number_value(json_array_get(ci, 0)) == r->slope_lo);
        assert_true(json_number_value(json_array_get(ci, 1)) == r->slope_hi);
        assert_true(json_number_value(json_object_get(o, "mk_s")) == r->mk_s);
        assert_true(json_number_value(json_object_get(o, "mk_var")) == r->mk_var);
        assert_true(json_number_value(json_object_get(o, "effective_n")) == r->effective_n);
        assert_true(json_number_value(json_object_get(o, "mk_p_corrected")) ==
                    r->mk_p_corrected);
        assert_true(r->effective_n > 0 && r->effective_n <= (double)r->n);
        const char *corr = json_string_value(json_object_get(o, "correction"));
        assert_non_null(corr);
        assert_string_equal(corr, r->correction);
        /* "none" exactly when the plain variance was kept */
        assert_int_equal(strcmp(corr, "none") == 0, !(r->mk_var_corrected > r->mk_var));
        assert_string_equal(json_string_value(json_object_get(o, "reason")), r->reason);
        corrected += strcmp(corr, "hamed-rao") == 0;
    }
    /* the paged series' sawtooth is serially correlated; the handles' line is not */
    assert_true(corrected >= 1 && (size_t)corrected < a->nseries);
    json_decref(j);
    rasleak_analysis_free(a);
}

static struct rasleak_analysis *analyze_threads(int threads, struct rasleak_error *err, int *rc)
{
    struct rasleak_analyze_config c;
    rasleak_analyze_config_init(&c);
    c.threads = threads;
    struct rasleak_analysis *a = NULL;
    *rc = rasleak_analyze_file(scratch_path, &c, &a, err);
    return a;
}

static void test_two_threads_read_the_same(void **state)
{
    (void)state;
    /* About 6 MB: cut in two and read on two threads. */
    make(40000, 1000, 0, tenth, heap64);
    struct rasleak_error e1, e2;
    int rc1, rc2;
    struct rasleak_analysis *a = analyze_threads(1, &e1, &rc1);
    struct rasleak_analysis *b = analyze_threads(2, &e2, &rc2);
    assert_int_equal(rc1, 0);
    assert_int_equal(rc2, 0);
    assert_int_equal(a->samples, 40000);
    assert_int_equal(b->samples, a->samples);
    assert_int_equal(b->nseries, a->nseries);
    assert_int_equal(b->truncated, 0);
    assert_string_equal(b->stop_reason, "completed");
    for (size_t i = 0; i < a->nseries; i++) {
        assert_int_equal(b->series[i].n, a->series[i].n);
        assert_true(b->series[i].slope_per_iter == a->series[i].slope_per_iter);
        assert_true(b->series[i].mk_s == a->series[i].mk_s);
        assert_int_equal(b->series[i].verdict, a->series[i].verdict);
    }
    rasleak_analysis_free(a);
    rasleak_analysis_free(b);

    /* A sample out of order near the end: the same message and line either way. */
    FILE *fp = fopen(scratch_path, "r+");
    fseek(fp, 0, SEEK_END);
    fputs("{\"type\":\"sample\",\"iter\":5,\"t\":1,\"targets\":{}}\n", fp);
    fclose(fp);
    a = analyze_threads(1, &e1, &rc1);
    b = analyze_threads(2, &e2, &rc2);
    assert_null(a);
    assert_null(b);
    assert_int_equal(rc1, rc2);
    assert_string_equal(e1.message, e2.message);
    assert_int_equal(e1.line, e2.line);
}

/*
 * Errors on either side of the cut between the two reading threads, and
 * at the cut itself (where only the join can see that the iterations do
 * not increase): the same message and line as one thread.  The second
 * part counts its lines from the cut and learns where the cut is only
 * when a message needs it.
 */
static void test_two_threads_errors_near_the_cut(void **state)
{
    (void)state;
    make(40000, 1000, 0, tenth, heap64);
    FILE *fp = fopen(scratch_path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *orig = malloc((size_t)len);
    assert_non_null(orig);
    assert_int_equal(fread(orig, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    /* The cut is at the first newline after the middle of what follows the
     * header line (reader.c); take the line there and a few around it. */
    long hdr = (long)(strchr(orig, '\n') - orig) + 1;
    long mid = hdr + (len - hdr) / 2;
    long line_at_cut = 1;
    const char *cut = memchr(orig + mid, '\n', (size_t)(len - mid)) + 1;
    for (const char *c = orig; c < cut; c++)
        line_at_cut += *c == '\n';
    for (long want = line_at_cut - 2; want <= line_at_cut + 2; want++) {
        for (int kind = 0; kind < 2; kind++) {
            /* kind 0: an iteration that goes back; 1: a line that is not JSON */
            fp = fopen(scratch_path, "wb");
            long line = 1;
            for (const char *c = orig, *e = orig + len; c < e;) {
                const char *nl = memchr(c, '\n', (size_t)(e - c));
                size_t n = (size_t)(nl - c) + 1;
                if (line == want && kind == 0)
                    fputs("{\"type\":\"sample\",\"iter\":3,\"t\":1,\"targets\":{}}\n", fp);
                else if (line == want)
                    fputs("{\"type\":\"sample\",\n", fp);
                else
                    fwrite(c, 1, n, fp);
                c += n;
                line++;
            }
            fclose(fp);
            struct rasleak_error e1, e2;
            int rc1, rc2;
            struct rasleak_analysis *a = analyze_threads(1, &e1, &rc1);
            struct rasleak_analysis *b = analyze_threads(2, &e2, &rc2);
            assert_null(a);
            assert_null(b);
            assert_int_equal(rc1, rc2);
            assert_int_equal(e1.line, want);
            assert_int_equal(e2.line, want);
            assert_string_equal(e1.message, e2.message);
        }
    }
    free(orig);
}

/*
 * While a file is read, jansson allocates from per-thread arenas
 * (analyze/json_arena.h).  Allocation functions a program installed
 * before are back afterwards, and everything that did not come from an
 * arena went through them: as many frees as allocations.
 */
static atomic_long counted_mallocs, counted_frees;

static void *counting_malloc(size_t n)
{
    atomic_fetch_add(&counted_mallocs, 1);
    return malloc(n);
}

static void counting_free(void *p)
{
    if (p)
        atomic_fetch_add(&counted_frees, 1);
    free(p);
}

static void same_results(const struct rasleak_analysis *a, const struct rasleak_analysis *b)
{
    assert_int_equal(b->samples, a->samples);
    assert_int_equal(b->nseries, a->nseries);
    assert_int_equal(b->truncated, a->truncated);
    for (size_t i = 0; i < a->nseries; i++) {
        assert_string_equal(b->series[i].metric, a->series[i].metric);
        assert_int_equal(b->series[i].n, a->series[i].n);
        assert_true(b->series[i].slope_per_iter == a->series[i].slope_per_iter);
        assert_true(b->series[i].slope_lo == a->series[i].slope_lo);
        assert_true(b->series[i].slope_hi == a->series[i].slope_hi);
        assert_true(b->series[i].mk_s == a->series[i].mk_s);
        assert_true(b->series[i].last_value == a->series[i].last_value);
        assert_int_equal(b->series[i].verdict, a->series[i].verdict);
    }
}

static void test_compact_reads_the_same(void **state)
{
    (void)state;
    /* The same run in both layouts; the compact file (about 3 MB, above the
     * 1 MiB from which the analyzer reads on two threads) is cut in two at
     * a full sample and read on two threads. */
    struct rasleak_error err;
    int rc;
    make(180000, 1000, 0, tenth, heap64);
    struct rasleak_analysis *a = analyze_threads(1, &err, &rc);
    assert_int_equal(rc, 0);
    assert_int_equal(a->samples, 180000);
    make_layout(RASLEAK_TREND_COMPACT, 180000, 1000, 0, tenth, heap64);
    struct stat st;
    assert_int_equal(stat(scratch_path, &st), 0);
    assert_true(st.st_size > 2500000);
    for (int threads = 1; threads <= 2; threads++) {
        struct rasleak_analysis *b = analyze_threads(threads, &err, &rc);
        assert_int_equal(rc, 0);
        same_results(a, b);
        rasleak_analysis_free(b);
    }
    rasleak_analysis_free(a);
}

static void test_arena_restores_allocators(void **state)
{
    (void)state;
    make(40000, 1000, 0, tenth, heap64);
    json_malloc_t m0;
    json_free_t f0;
    json_get_alloc_funcs(&m0, &f0);
    json_set_alloc_funcs(counting_malloc, counting_free);
    atomic_store(&counted_mallocs, 0);
    atomic_store(&counted_frees, 0);
    for (int threads = 1; threads <= 2; threads++) {
        struct rasleak_error err;
        int rc;
        struct rasleak_analysis *a = analyze_threads(threads, &err, &rc);
        assert_int_equal(rc, 0);
        assert_int_equal(a->samples, 40000);
        json_malloc_t m;
        json_free_t f;
        json_get_alloc_funcs(&m, &f);
        assert_ptr_equal(m, counting_malloc);
        assert_ptr_equal(f, counting_free);
        rasleak_analysis_free(a);
    }
    /* the headers, parsed before any arena, and little else */
    long mallocs = atomic_load(&counted_mallocs), frees = atomic_load(&counted_frees);
    assert_true(mallocs > 0);
    assert_true(mallocs < 40000);
    assert_int_equal(mallocs, frees);
    json_set_alloc_funcs(m0, f0);
}

/* ---- many seeds, judged from arrays (rasleak__judge_series) ------------ */

#define SEEDS 200
#define N_SEEDED 2000

static uint64_t rng_state;

static double unit_rand(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1p-53;
}

static double gauss(void)
{
    return sqrt(-2.0 * log(unit_rand())) * cos(6.283185307179586 * unit_rand());
}

enum shape { AR1_HANDLES, AR1_HEAP, SAWTOOTH, SAWTOOTH_LONG, SAWTOOTH_RISING, PLATEAU_300,
             HEAP_64, HUNDREDTH_NOISY };

/* One seeded series of N_SEEDED measured iterations (x = 1001 ..). */
static void make_series(enum shape sh, uint64_t seed, double *x, double *y)
{
    rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
    double ar = 0;
    for (size_t i = 0; i < N_SEEDED; i++) {
        double it = 1001.0 + (double)i;
        x[i] = it;
        ar = 0.9 * ar + gauss();
        switch (sh) {
        case AR1_HANDLES:       /* integer handle counts, stationary sd about 2.3 */
            y[i] = floor(100 + ar + 0.5);
            break;
        case AR1_HEAP:          /* allocator noise, stationary sd about 150 KiB */
            y[i] = 4e6 + 65536 * ar;
            break;
        case SAWTOOTH:          /* a collector: grows 4 KiB a step, freed every ~100 */
            y[i] = 8e6 + 4096 * (double)((i + seed % 100) % (97 + seed % 7)) +
                   2048 * gauss();
            break;
        case SAWTOOTH_LONG: {   /* a collector of 200-699 steps: 3 to 10 cycles a run */
            double period = 200 + (double)(seed * 37 % 500);
            y[i] = 8e6 + 4096 * fmod((double)i + (double)(seed * 101 % 200), period) +
                   2048 * gauss();
            break;
        }
        case SAWTOOTH_RISING:   /* the same, but every trough is 16 KiB higher */
            y[i] = 8e6 + 4096 * (double)(i % 100) + 16384 * (double)(i / 100) +
                   2048 * gauss();
            break;
        case PLATEAU_300:       /* a cache: 300 iterations of growth, then flat */
            y[i] = floor(50 + (i < 300 ? (double)i : 300.0) + 2 * unit_rand());
            break;
        case HEAP_64:           /* 64 bytes per iteration under allocator noise */
            y[i] = 2e6 + 64 * it + 16384 * gauss();
            break;
        case HUNDREDTH_NOISY:   /* one handle per 100 iterations, +-1 jitter */
            y[i] = 20 + floor(it / 100) + (double)(int)(3 * unit_rand()) - 1;
            break;
        }
    }
}

/*
 * The intercept and least squares, run side by side on two threads, give
 * what the statistics give on their own, for a series judged on one
 * thread and on two.
 */
static void test_lines_on_two_threads(void **state)
{
    (void)state;
    static double x[N_SEEDED], y[N_SEEDED];
    for (size_t i = 0; i < N_SEEDED; i++) {
        x[i] = 1001.0 + (double)i;
        y[i] = 1e6 + 3.0 * x[i] + (double)(i * 7919 % 101);
    }
    rasleak__judge_set_lines_two_min(100);
    for (int threads = 1; threads <= 2; threads++) {
        struct rasleak_analyze_config c;
        rasleak_analyze_config_init(&c);
        c.threads = threads;
        struct rasleak_series_result r;
        rasleak__judge_series(&c, "self", "heap_bytes", x, y, N_SEEDED, NAN, NAN, &r);
        struct rasleak_ols ols;
        double intercept;
        assert_int_equal(rasleak_ols(x, y, N_SEEDED, &ols), 0);
        assert_int_equal(rasleak_sen_intercept(x, y, N_SEEDED, r.slope_per_iter, &intercept), 0);
        assert_true(r.slope_per_iter > 2.0);
        assert_true(r.intercept == intercept);
        assert_true(r.ols_slope == ols.slope && r.ols_intercept == ols.intercept);
        assert_true(r.r2 == ols.r2 && r.ols_se == ols.slope_se);
    }
    rasleak__judge_set_lines_two_min(0);
}

/*
 * How many of seeds 1..`seeds` get `verdict`, the reasons of the first few
 * others printed; with `plain`, also how many the plain test alone calls
 * a significant rise.
 */
static int count_seeds(enum shape sh, const char *metric, int verdict, const char *reason,
                       int seeds, int *plain)
{
    static double x[N_SEEDED], y[N_SEEDED];
    int hits = 0;
    if (plain)
        *plain = 0;
    for (int seed = 1; seed <= seeds; seed++) {
        make_series(sh, (uint64_t)seed, x, y);
        struct rasleak_series_result r;
        rasleak__judge_series(NULL, "self", metric, x, y, N_SEEDED, NAN, NAN, &r);
        if (plain)
            *plain += r.mk_p < 0.01 && r.mk_s > 0;
        if (r.verdict == verdict && (!reason || strstr(r.reason, reason)))
            hits++;
        else if (hits + (seeds - seed) >= seeds - 3)
            print_message("seed %d: %s: %s\n", seed, rasleak_verdict_name(r.verdict), r.reason);
    }
    return hits;
}

static int count_verdict(enum shape sh, const char *metric, int verdict, const char *reason)
{
    return count_seeds(sh, metric, verdict, reason, SEEDS, NULL);
}

static void test_seeded_ar1_is_no_leak(void **state)
{
    (void)state;
    /* AR(1), phi = 0.9: at least 99% of seeds judged no_leak.  For the
     * heap series below the decision's rate is about 1.0% over 2,000
     * seeds (docs/analysis.md, "How often a flat series is called a
     * leak"): these 200 meet the bound, as the issue sets it, with little
     * to spare. */
    assert_true(count_verdict(AR1_HANDLES, "handles", RASLEAK_NO_LEAK, NULL) >= SEEDS * 99 / 100);
    /* The heap series, one by one: the plain test alarms for many seeds,
     * which is why the correction exists; the decision must not. */
    static double x[N_SEEDED], y[N_SEEDED];
    int plain = 0, corrected = 0, clean = 0;
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        make_series(AR1_HEAP, seed, x, y);
        struct rasleak_series_result r;
        rasleak__judge_series(NULL, "self", "heap_bytes", x, y, N_SEEDED, NAN, NAN, &r);
        clean += r.verdict == RASLEAK_NO_LEAK;
        plain += r.mk_p < 0.01;
        corrected += r.mk_p_corrected < 0.01;
        assert_string_equal(r.correction, "hamed-rao");
        assert_true(r.effective_n < N_SEEDED / 3.0);
        assert_true(r.mk_var_corrected > r.mk_var);
    }
    assert_true(clean >= SEEDS * 99 / 100);
    assert_true(plain > SEEDS / 4);
    assert_true(corrected < plain / 4);
}

static void test_seeded_sawtooth_is_no_leak(void **state)
{
    (void)state;
    assert_true(count_verdict(SAWTOOTH, "heap_bytes", RASLEAK_NO_LEAK, NULL) >= SEEDS * 99 / 100);
    /* Few, long cycles: a run that ends partway up a cycle shows a rise
     * the plain test calls significant for most seeds; the corrected
     * decision must not.  Over 1,000 seeds: the decision's rate here is
     * near 1% (0.7%), and 200 would put the bound at the edge of their
     * spread. */
    int plain;
    assert_true(count_seeds(SAWTOOTH_LONG, "heap_bytes", RASLEAK_NO_LEAK, NULL, 1000, &plain) >=
                990);
    assert_true(plain > 1000 / 4);
}

static void test_seeded_rising_sawtooth_is_a_leak(void **state)
{
    (void)state;
    assert_int_equal(count_verdict(SAWTOOTH_RISING, "heap_bytes", RASLEAK_LEAK, NULL), SEEDS);
}

static void test_seeded_plateau(void **state)
{
    (void)state;
    assert_int_equal(count_verdict(PLATEAU_300, "handles", RASLEAK_NO_LEAK, "plateau"), SEEDS);
}

static void test_seeded_heap_64(void **state)
{
    (void)state;
    unsigned long sorted0, given_up0, sorted1, given_up1;
    rasleak__mk_hint_counts(&sorted0, &given_up0);
    assert_int_equal(count_verdict(HEAP_64, "heap_bytes", RASLEAK_LEAK, NULL), SEEDS);
    /* Each Hamed-Rao ranked its residuals from the order the slope's
     * search ended in, near enough to sort from. */
    rasleak__mk_hint_counts(&sorted1, &given_up1);
    assert_int_equal(sorted1 - sorted0, SEEDS);
    assert_int_equal(given_up1, given_up0);
}

static void test_seeded_hundredth(void **state)
{
    (void)state;
    static double x[N_SEEDED], y[N_SEEDED];
    for (uint64_t seed = 1; seed <= 50; seed++) {
        make_series(HUNDREDTH_NOISY, seed, x, y);
        struct rasleak_series_result r;
        /* 1,000 measured samples, as the issue asks */
        rasleak__judge_series(NULL, "self", "handles", x, y, 1000, NAN, NAN, &r);
        assert_int_equal(r.verdict, RASLEAK_LEAK);
        assert_true(fabs(r.slope_per_iter - 0.01) <= 0.001);
        assert_true(r.slope_lo > 0 && r.slope_lo <= r.slope_per_iter &&
                    r.slope_hi >= r.slope_per_iter);
    }
}

/*
 * The warm-up check: a heap that still climbs steeply for the first
 * tenth of what is judged, then leaks 64 bytes an iteration, is flagged
 * as settling, and the reason says so; the same leak without the climb is
 * not.  The flag leaves the verdict alone.
 */
static void test_judge_settling(void **state)
{
    (void)state;
    static double x[N_SEEDED], y[N_SEEDED];
    struct rasleak_series_result r;
    for (int climb = 0; climb <= 1; climb++) {
        for (size_t i = 0; i < N_SEEDED; i++) {
            x[i] = 1001.0 + (double)i;
            /* 200 iterations at 4 KiB more each: 800 KiB still arriving */
            y[i] = 2e6 + 64.0 * (double)i + (climb ? 4096.0 * (i < 200 ? i : 200) : 0) +
                   (double)(i * 7919 % 101);
        }
        rasleak__judge_series(NULL, "self", "heap_bytes", x, y, N_SEEDED, NAN, NAN, &r);
        assert_int_equal(r.verdict, RASLEAK_LEAK);
        assert_int_equal(r.settling, climb);
        assert_int_equal(strstr(r.reason, "still settling after the warm-up") != NULL, climb);
        /* the head's own slope: the climb's 4 KiB + 64 B, or the leak's 64 */
        assert_true(fabs(r.settling_slope - (climb ? 4160.0 : 64.0)) < (climb ? 50.0 : 2.0));
    }
}

/*
 * "Mixed evidence": the trend is significant at --alpha while Sen's 95%
 * interval reaches zero.  At alpha 0.2 a weak trend in white noise lands
 * there for some seeds; whatever the seed, a series is inconclusive for
 * that reason exactly when both hold (and no plateau claimed it first).
 */
static void test_judge_mixed_evidence(void **state)
{
    (void)state;
    static double x[400], y[400];
    struct rasleak_analyze_config c;
    rasleak_analyze_config_init(&c);
    c.alpha = 0.2;
    int mixed = 0, leak = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        rng_state = seed * 0x2545f4914f6cdd1dULL + 1;
        for (size_t i = 0; i < 400; i++) {
            x[i] = 1001.0 + (double)i;
            y[i] = 1e6 + 64.0 * (double)i + 65536.0 * gauss();
        }
        struct rasleak_series_result r;
        rasleak__judge_series(&c, "self", "heap_bytes", x, y, 400, NAN, NAN, &r);
        int both = r.mk_p_corrected < c.alpha && r.mk_s > 0 && !(r.slope_lo > 0);
        int is_mixed = r.verdict == RASLEAK_INCONCLUSIVE && strstr(r.reason, "mixed evidence");
        if (!strstr(r.reason, "plateau"))
            assert_int_equal(is_mixed, both);
        if (is_mixed) {
            assert_non_null(strstr(r.reason, "includes zero"));
            /* with the test that made it significant, as every verdict */
            assert_true(strstr(r.reason, " corrected, effective n ") ||
                        strstr(r.reason, ", no serial correlation"));
        }
        mixed += is_mixed;
        leak += r.verdict == RASLEAK_LEAK;
    }
    assert_true(mixed >= 10);
    assert_true(leak >= 10);
}

static void test_judge_constant_and_short(void **state)
{
    (void)state;
    double x[20], y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i + 1;
        y[i] = 7;
    }
    struct rasleak_series_result r;
    rasleak__judge_series(NULL, "t", "handles", x, y, 20, NAN, NAN, &r);
    assert_int_equal(r.verdict, RASLEAK_NO_LEAK);
    assert_true(r.slope_per_iter == 0 && r.slope_lo == 0 && r.slope_hi == 0);
    assert_true(r.mk_s == 0 && r.mk_p == 1 && r.effective_n == 20);
    for (int i = 0; i < 20; i++)
        y[i] = 10 + i;
    rasleak__judge_series(NULL, "t", "handles", x, y, 7, NAN, NAN, &r);
    assert_int_equal(r.verdict, RASLEAK_INCONCLUSIVE);
    assert_non_null(strstr(r.reason, "only 7 measured samples"));
}

static void test_judge_projection_words(void **state)
{
    (void)state;
    /* +1 handle per iteration from 100 at x = 1 .. 1000, limit 3000:
     * the line reaches it at iteration 2901, 1901 after the last. */
    static double x[1000], y[1000];
    for (int i = 0; i < 1000; i++) {
        x[i] = i + 1;
        y[i] = 99 + x[i];
    }
    struct rasleak_series_result r;
    rasleak__judge_series(NULL, "t", "handles", x, y, 1000, 3000, 0.5, &r);
    assert_int_equal(r.verdict, RASLEAK_LEAK);
    assert_true(r.exhausted_at_iter == 2901);
    assert_true(r.exhausted_in_s == 1901 * 0.5);
}

/* What a progress callback saw, call by call. */
struct progress_log {
    pthread_t caller;
    int other_thread;       /* a call from any thread but the caller's */
    int stages_out_of_order;
    int went_back;          /* done fell within a stage */
    size_t reading, judging;
    uint64_t last_done, last_total;
    char last_stage[16];
    uint64_t read_end, read_total, judge_end, judge_total;
};

static void record_progress(void *ud, const char *stage, uint64_t done, uint64_t total)
{
    struct progress_log *l = ud;
    if (!pthread_equal(pthread_self(), l->caller))
        l->other_thread = 1;
    int reading = strcmp(stage, "reading") == 0;
    if (reading && l->judging)
        l->stages_out_of_order = 1;
    if (strcmp(stage, l->last_stage) == 0 && done < l->last_done)
        l->went_back = 1;
    if (reading) {
        l->reading++;
        l->read_end = done;
        l->read_total = total;
    } else {
        assert_string_equal(stage, "judging");
        l->judging++;
        l->judge_end = done;
        l->judge_total = total;
    }
    snprintf(l->last_stage, sizeof l->last_stage, "%s", stage);
    l->last_done = done;
    l->last_total = total;
}

/* A configuration whose progress goes to `log`, from this thread. */
static void log_progress(struct rasleak_analyze_config *c, struct progress_log *log,
                         int threads)
{
    memset(log, 0, sizeof *log);
    log->caller = pthread_self();
    rasleak_analyze_config_init(c);
    c->threads = threads;
    c->progress = record_progress;
    c->progress_ud = log;
}

/*
 * Progress is told on the caller's thread only, reading before judging,
 * never going back, and each stage ends at its total: the file's size in
 * bytes, then the number of series.  On one thread and on two (where the
 * second reading thread's bytes count too).
 */
static void test_progress(void **state)
{
    (void)state;
    make(40000, 1000, 0, tenth, heap64);  /* about 6 MB: read on two threads */
    struct stat st;
    assert_int_equal(stat(scratch_path, &st), 0);
    for (int threads = 1; threads <= 2; threads++) {
        struct progress_log log;
        struct rasleak_analyze_config c;
        log_progress(&c, &log, threads);
        struct rasleak_analysis *a;
        struct rasleak_error err;
        assert_int_equal(rasleak_analyze_file(scratch_path, &c, &a, &err), 0);
        assert_false(log.other_thread);
        assert_false(log.stages_out_of_order);
        assert_false(log.went_back);
        /* 41,002 records, a look every 4,096 (of the first part's, on
         * two threads): several calls, and the end. */
        assert_true(log.reading >= 4);
        assert_int_equal(log.read_total, (uint64_t)st.st_size);
        assert_int_equal(log.read_end, (uint64_t)st.st_size);
        assert_int_equal(a->nseries, 2);
        assert_true(log.judging >= 2);
        assert_int_equal(log.judge_total, 2);
        assert_int_equal(log.judge_end, 2);
        assert_string_equal(log.last_stage, "judging");
        rasleak_analysis_free(a);
    }

    /* A file that fails to read reports no end of reading, and no judging. */
    FILE *fp = fopen(scratch_path, "a");
    fputs("{\"type\":\"sample\",\"iter\":5,\"t\":1,\"targets\":{}}\n", fp);
    fclose(fp);
    struct progress_log log;
    struct rasleak_analyze_config c;
    log_progress(&c, &log, 0);
    struct rasleak_analysis *a = NULL;
    struct rasleak_error err;
    assert_int_equal(rasleak_analyze_file(scratch_path, &c, &a, &err), RASLEAK_EFORMAT);
    assert_null(a);
    assert_true(log.read_end < (uint64_t)st.st_size);
    assert_int_equal(log.judging, 0);
}

/*
 * Series that are one another shifted by a constant share the trend
 * statistics: each result is exactly (byte for byte) what judging it
 * alone gives, and the later ones of a group did take the kept fit.
 */
static void test_shifted_series_share_the_fit(void **state)
{
    (void)state;
    enum { N = 3000 };
    static double x[N], y[3][N];
    unsigned seed = 99;
    double ar = 0;
    for (int i = 0; i < N; i++) {
        x[i] = i + 1;
        ar = 0.8 * ar + 600 * noise(&seed);  /* correlated: Hamed-Rao widens */
        y[0][i] = 8e6 + 64.0 * i + floor(ar);
        y[1][i] = y[0][i] - 7065600;
        y[2][i] = y[0][i] + 12345;
    }
    static const char *metric[3] = {"rss_bytes", "private_bytes", "heap_bytes"};
    struct rasleak_series_result alone[3], shared[3];
    for (int k = 0; k < 3; k++)
        rasleak__judge_series(NULL, "t", metric[k], x, y[k], N, NAN, NAN, &alone[k]);
    struct rasleak__judge_share *share = rasleak__judge_share_new();
    assert_non_null(share);
    unsigned long sorted0, given_up0, sorted1, given_up1;
    rasleak__mk_hint_counts(&sorted0, &given_up0);
    for (int k = 0; k < 3; k++)
        rasleak__judge_series_shared(NULL, "t", metric[k], x, y[k], N, NAN, NAN, share,
                                     &shared[k]);
    assert_int_equal(rasleak__judge_share_count(share), 2);
    /* Every Hamed-Rao of the group, the shifted ones' too, sorted from
     * the order the first one's slope search ended in. */
    rasleak__mk_hint_counts(&sorted1, &given_up1);
    assert_int_equal(sorted1 - sorted0, 3);
    assert_int_equal(given_up1, given_up0);
    rasleak__judge_share_free(share);
    /* The reason says what the serial correlation did to the test. */
    assert_non_null(strstr(alone[0].reason, "grows steadily (p="));
    assert_non_null(strstr(alone[0].reason, ", Hamed-Rao corrected, effective n "));
    /* and gives the slope interval in the metric's unit */
    assert_non_null(strstr(alone[0].reason, "), slope interval "));
    assert_non_null(strstr(alone[0].reason, " bytes per iteration"));
    for (int k = 0; k < 3; k++) {
        assert_int_equal(alone[k].verdict, RASLEAK_LEAK);
        assert_true(alone[k].mk_var_corrected > alone[k].mk_var);
        assert_memory_equal(&shared[k], &alone[k], sizeof alone[k]);
    }
    /* The intercept and the values are the shifted series' own. */
    assert_true(fabs(shared[1].intercept - (shared[0].intercept - 7065600)) < 1e-6);
    assert_true(shared[1].last_value == y[1][N - 1]);

    /* A series cut at its limit fits its own part; the next still shares
     * with nothing kept by it, and every result is still its own. */
    double limit = y[0][2 * N / 3];
    share = rasleak__judge_share_new();
    rasleak__judge_series_shared(NULL, "t", metric[0], x, y[0], N, limit, NAN, share,
                                 &shared[0]);
    rasleak__judge_series_shared(NULL, "t", metric[1], x, y[1], N, limit, NAN, share,
                                 &shared[1]);
    assert_int_equal(rasleak__judge_share_count(share), 0);
    rasleak__judge_share_free(share);
    rasleak__judge_series(NULL, "t", metric[0], x, y[0], N, limit, NAN, &alone[0]);
    rasleak__judge_series(NULL, "t", metric[1], x, y[1], N, limit, NAN, &alone[1]);
    assert_false(isnan(alone[0].reached_limit_iter));
    assert_memory_equal(&shared[0], &alone[0], sizeof alone[0]);
    assert_memory_equal(&shared[1], &alone[1], sizeof alone[1]);
}

/* Which series are others shifted: whole numbers, the same samples. */
static void test_series_shifted(void **state)
{
    (void)state;
    struct rasleak__series_set set;
    memset(&set, 0, sizeof set);
    const char *target[4] = {"self", "self", "self", "self"};
    const char *metric[4] = {"rss_bytes", "private_bytes", "heap_bytes", "vm_bytes"};
    for (int i = 1; i <= 500; i++) {
        double v[4] = {4096.0 * (1000 + i / 7), 4096.0 * (1000 + i / 7) - 8192, 0, 0};
        v[2] = v[0] + 0.5;                          /* shifted, but not whole numbers */
        v[3] = i == 500 ? v[0] + 1 : v[0] + 4096;  /* shifted but for the last sample */
        struct rasleak_trend_sample s = {(uint64_t)i, i * 0.01, 1, 1, NAN, NAN, 4,
                                         target, metric, v, 1};
        assert_int_equal(rasleak__series_add_sample(&set, &s), 0);
    }
    assert_int_equal(set.n, 4);
    double off = 0;
    assert_true(rasleak__series_shifted(&set.items[0], &set.items[1], &off));
    assert_true(off == -8192);
    assert_true(rasleak__series_shifted(&set.items[1], &set.items[0], &off));
    assert_true(off == 8192);
    assert_false(rasleak__series_shifted(&set.items[0], &set.items[2], &off));
    assert_false(rasleak__series_shifted(&set.items[0], &set.items[3], &off));
    /* Other samples: the same values at other iterations are not a shift. */
    struct rasleak__series b = set.items[1];
    uint32_t *xi = malloc(b.n * sizeof *xi);
    memcpy(xi, b.xi, b.n * sizeof *xi);
    xi[250]++;
    b.xi = xi;
    assert_false(rasleak__series_shifted(&set.items[0], &b, &off));
    free(xi);
    rasleak__series_free(&set);
}

/*
 * Two parts of a run gathered apart and merged are the run gathered in one
 * piece: every series, its iterations and its values, for six series of
 * different lengths (the merge shares them out between two threads by
 * their lengths), one in floats in the first part and doubles in the
 * second (widened), one only in the first part and one only in the second
 * (added).
 */
static void add_range(struct rasleak__series_set *set, int from, int to)
{
    const char *target[6] = {"self", "self", "self", "self", "self", "rasman"};
    const char *metric[6] = {"rss_bytes", "heap_bytes", "handles", "threads", "vm_bytes",
                             "handles"};
    for (int i = from; i <= to; i++) {
        double v[6] = {4096.0 * (1000 + i), 1e9 + i + (i > 300 ? 0.25 : 0.0), 7.0 + i % 3,
                       1.0 + i / 100, 1e8 + 4096.0 * (i / 50), 100.0 + i};
        /* vm_bytes only until 300, rasman's handles only after it, threads
         * in every third sample */
        struct rasleak_trend_sample s = {(uint64_t)i, i * 0.01, 1, 1, NAN, NAN,
                                         i <= 300 ? 5 : 6, target, metric, v,
                                         i <= 300 ? 1ul : 2ul};
        if (i % 3)
            v[3] = NAN;
        if (i > 300)
            v[4] = NAN;
        assert_int_equal(rasleak__series_add_sample(set, &s), 0);
    }
}

static void test_series_merge(void **state)
{
    (void)state;
    struct rasleak__series_set one, a, b;
    memset(&one, 0, sizeof one);
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    add_range(&one, 1, 600);
    add_range(&a, 1, 300);
    add_range(&b, 301, 600);
    assert_int_equal(rasleak__series_merge(&a, &b), 0);
    assert_int_equal(a.n, one.n);
    assert_int_equal(a.niters, one.niters);
    assert_memory_equal(a.iters, one.iters, one.niters * sizeof *one.iters);
    for (size_t k = 0; k < one.n; k++) {
        const struct rasleak__series *s = &one.items[k], *m = &a.items[k];
        assert_string_equal(m->target, s->target);
        assert_string_equal(m->metric, s->metric);
        assert_int_equal(m->n, s->n);
        assert_memory_equal(m->xi, s->xi, s->n * sizeof *s->xi);
        for (size_t i = 0; i < s->n; i++) {
            double vs = s->yd ? s->yd[i] : s->yf[i], vm = m->yd ? m->yd[i] : m->yf[i];
            assert_true(vs == vm);
        }
    }
    assert_non_null(a.items[1].yd);  /* heap_bytes widened to doubles */
    rasleak__series_free(&one);
    rasleak__series_free(&a);
}

/*
 * A series made arrays in its own storage: floats and doubles widened or
 * taken as they are, x borrowed when the series has every sample and
 * widened from its indices when it has not, the storage gone after.
 */
static void test_series_take_arrays(void **state)
{
    (void)state;
    struct rasleak__series_set set;
    memset(&set, 0, sizeof set);
    const char *target[3] = {"self", "self", "self"};
    const char *metric[3] = {"rss_bytes", "heap_bytes", "handles"};
    for (int i = 1; i <= 600; i++) {
        /* rss in whole pages (floats), heap with a fraction (doubles), and
         * handles only from sample 301 on (other columns). */
        double v[3] = {4096.0 * (1000 + i), 1e9 + i + 0.25, 7.0 + i % 3};
        struct rasleak_trend_sample s = {(uint64_t)(10 + i), i * 0.01, 1, 1, NAN, NAN,
                                         i <= 300 ? 2 : 3, target, metric, v,
                                         i <= 300 ? 1ul : 2ul};
        assert_int_equal(rasleak__series_add_sample(&set, &s), 0);
    }
    assert_int_equal(set.n, 3);
    assert_non_null(set.items[0].yf);
    assert_non_null(set.items[1].yd);
    for (int k = 0; k < 3; k++) {
        struct rasleak__series *s = &set.items[k];
        size_t n = s->n;
        assert_int_equal(n, k == 2 ? 300 : 600);
        const double *x;
        double *x_owned, *y;
        assert_int_equal(rasleak__series_take_arrays(&set, s, &x, &x_owned, &y), 0);
        assert_null(s->xi);
        assert_null(s->yf);
        assert_null(s->yd);
        if (k < 2) {
            assert_null(x_owned);
            assert_ptr_equal(x, set.iters);
        } else {
            assert_ptr_equal(x, x_owned);
        }
        for (size_t j = 0; j < n; j++) {
            int i = (int)j + 1 + (k == 2 ? 300 : 0);
            double want = k == 0 ? 4096.0 * (1000 + i) : k == 1 ? 1e9 + i + 0.25 : 7.0 + i % 3;
            if (x[j] != 10 + i || y[j] != want)
                fail_msg("series %d value %zu: (%.17g, %.17g), want (%d, %.17g)", k, j, x[j],
                         y[j], 10 + i, want);
        }
        free(x_owned);
        free(y);
    }
    rasleak__series_free(&set);
}

/*
 * A run that stopped before its planned warm-up was over (the KB's own
 * symptom: the handles ran out and dialing failed) is judged from a tenth
 * of what it ran, and says so; a completed run, or a warm-up the caller
 * chose, is not shortened.  A watched process that exited is named.
 */
static void test_stopped_early(void **state)
{
    (void)state;
    stop_reason = "max_failures";
    make(201, 200, 0, steady, NULL);
    stop_reason = "completed";
    struct rasleak_analysis *a = analyze();
    assert_int_equal(a->warmup, 20);
    assert_int_equal(a->warmup_planned, 200);
    const struct rasleak_series_result *s = find(a, "handles");
    assert_int_equal(s->n, 181);
    assert_int_equal(s->verdict, RASLEAK_LEAK);
    json_t *j = rasleak_analysis_to_json(a);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "run"),
                                                        "warmup_planned")), 200);
    assert_true(isnan(a->exit_iter));
    json_decref(j);
    rasleak_analysis_free(a);

    /* The caller's own warm-up stands. */
    struct rasleak_analyze_config c;
    rasleak_analyze_config_init(&c);
    c.warmup = 200;
    struct rasleak_error err;
    assert_int_equal(rasleak_analyze_file(scratch_path, &c, &a, &err), 0);
    assert_int_equal(a->warmup, 200);
    assert_int_equal(a->warmup_planned, -1);
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_INCONCLUSIVE);
    rasleak_analysis_free(a);

    /* The watched process that exited is named, with where. */
    exit_at = 150;
    stop_reason = "target_exited";
    make(300, 30, 0, steady, NULL);
    stop_reason = "completed";
    exit_at = 0;
    a = analyze();
    assert_true(a->exit_iter == 150);
    assert_string_equal(a->exit_target, "srv");
    assert_string_equal(a->exit_message, "process 4242 'srv' has exited");
    j = rasleak_analysis_to_json(a);
    json_t *te = json_object_get(json_object_get(j, "run"), "target_exited");
    assert_string_equal(json_string_value(json_object_get(te, "target")), "srv");
    assert_int_equal(json_integer_value(json_object_get(te, "iter")), 150);
    json_decref(j);
    rasleak_analysis_free(a);

    /* A run that completed as planned keeps its warm-up too. */
    make(201, 200, 0, steady, NULL);
    a = analyze();
    assert_int_equal(a->warmup, 200);
    assert_int_equal(a->warmup_planned, -1);
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_INCONCLUSIVE);
    assert_true(isnan(a->exit_iter));
    j = rasleak_analysis_to_json(a);
    assert_true(json_is_null(json_object_get(json_object_get(j, "run"), "warmup_planned")));
    assert_true(json_is_null(json_object_get(json_object_get(j, "run"), "target_exited")));
    json_decref(j);
    rasleak_analysis_free(a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_steady_leak), T(test_one_in_ten), T(test_one_in_hundred), T(test_flat),
        T(test_flat_noise), T(test_plateau), T(test_late_plateau),
        T(test_single_step_is_not_a_leak), T(test_heap_64_bytes), T(test_too_few),
        T(test_projection), T(test_limit_reached_is_a_leak_not_a_plateau),
        T(test_warmup_override), T(test_min_rate), T(test_json_output),
        T(test_two_threads_read_the_same),
        T(test_two_threads_errors_near_the_cut),
        T(test_compact_reads_the_same),
        T(test_arena_restores_allocators),
        T(test_progress),
        T(test_stopped_early),
        cmocka_unit_test(test_lines_on_two_threads),
        cmocka_unit_test(test_seeded_ar1_is_no_leak),
        cmocka_unit_test(test_seeded_sawtooth_is_no_leak),
        cmocka_unit_test(test_seeded_rising_sawtooth_is_a_leak),
        cmocka_unit_test(test_seeded_plateau),
        cmocka_unit_test(test_seeded_heap_64),
        cmocka_unit_test(test_seeded_hundredth),
        cmocka_unit_test(test_judge_settling),
        cmocka_unit_test(test_judge_mixed_evidence),
        cmocka_unit_test(test_judge_constant_and_short),
        cmocka_unit_test(test_judge_projection_words),
        cmocka_unit_test(test_shifted_series_share_the_fit),
        cmocka_unit_test(test_series_shifted),
        cmocka_unit_test(test_series_merge),
        cmocka_unit_test(test_series_take_arrays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
