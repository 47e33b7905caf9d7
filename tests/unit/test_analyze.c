/* Unit tests: verdicts of the analyzer on synthetic trend files (src/lib/analyze/). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rasleak/analysis.h"
#include "rasleak/trend.h"

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/rasleak-test-analyze-XXXXXX");
    close(mkstemp(path));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

typedef double (*series_fn)(long iter, unsigned *seed);

/* A trend file whose "self" target has handles = f(iter), over n iterations
 * with `warmup` warm-up ones and a handle limit of `limit` (0: none). */
static void make(long n, long warmup, double limit, series_fn handles, series_fn bytes)
{
    FILE *fp = fopen(path, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, path, RASLEAK_TREND_JSONL, &err), 0);
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
    }
    json_t *sum = json_pack("{s:s,s:s,s:I,s:I}", "type", "summary", "stop_reason", "completed",
                            "iterations_done", (json_int_t)n, "dial_failures", (json_int_t)0);
    rasleak_trend_write_summary(w, sum, &err);
    json_decref(sum);
    rasleak_trend_writer_free(w);
    fclose(fp);
}

static struct rasleak_analysis *analyze(void)
{
    struct rasleak_analysis *a;
    struct rasleak_error err;
    if (rasleak_analyze_file(path, NULL, &a, &err) < 0)
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
    assert_non_null(strstr(s->reason, "plateau"));
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
    assert_int_equal(rasleak_analyze_file(path, &c, &a, &err), 0);
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
    assert_int_equal(rasleak_analyze_file(path, &c, &a, &err), 0);
    assert_int_equal(find(a, "handles")->verdict, RASLEAK_NO_LEAK);
    assert_non_null(strstr(find(a, "handles")->reason, "below the minimum rate"));
    rasleak_analysis_free(a);
}

static void test_json_output(void **state)
{
    (void)state;
    make(1100, 100, 0, steady, NULL);
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
    json_decref(j);
    rasleak_analysis_free(a);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_steady_leak), T(test_one_in_ten), T(test_one_in_hundred), T(test_flat),
        T(test_flat_noise), T(test_plateau), T(test_late_plateau),
        T(test_single_step_is_not_a_leak), T(test_heap_64_bytes), T(test_too_few),
        T(test_projection), T(test_limit_reached_is_a_leak_not_a_plateau),
        T(test_warmup_override), T(test_min_rate), T(test_json_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
