/* Unit tests: comparing against a baseline (src/lib/compare/). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rasleak/compare.h"

static struct rasleak_cmp_series ser(int verdict, double slope, double lo, double hi)
{
    struct rasleak_cmp_series s;
    memset(&s, 0, sizeof s);
    strcpy(s.target, "self");
    strcpy(s.metric, "handles");
    s.verdict = verdict;
    s.n = 100;
    s.slope = slope;
    s.lo = lo;
    s.hi = hi;
    return s;
}

static void test_judge_rules(void **state)
{
    (void)state;
    char why[384];
    struct rasleak_cmp_series clean = ser(RASLEAK_NO_LEAK, 0, -0.001, 0.001);
    struct rasleak_cmp_series slow = ser(RASLEAK_LEAK, 0.01, 0.009, 0.011);
    struct rasleak_cmp_series fast = ser(RASLEAK_LEAK, 0.02, 0.019, 0.021);
    struct rasleak_cmp_series near = ser(RASLEAK_LEAK, 0.0105, 0.0095, 0.0115);
    struct rasleak_cmp_series allowed = ser(RASLEAK_ALLOWED, 0.01, 0.009, 0.011);
    struct rasleak_cmp_series unsure = ser(RASLEAK_INCONCLUSIVE, NAN, NAN, NAN);

    assert_int_equal(rasleak_cmp_judge(&clean, &slow, 0, why, sizeof why), RASLEAK_CMP_REGRESSION);
    assert_non_null(strstr(why, "leaks now (+10 per 1000 iterations)"));
    /* within the tolerance: 0.01 - 0 <= 0.02 */
    assert_int_equal(rasleak_cmp_judge(&clean, &slow, 0.02, why, sizeof why), RASLEAK_CMP_UNCHANGED);
    assert_int_equal(rasleak_cmp_judge(&slow, &fast, 0, why, sizeof why), RASLEAK_CMP_REGRESSION);
    assert_non_null(strstr(why, "leaks faster"));
    /* lower bound 0.019 above upper 0.011 by 0.008: a tolerance of 0.008 is not exceeded */
    assert_int_equal(rasleak_cmp_judge(&slow, &fast, 0.008, why, sizeof why),
                     RASLEAK_CMP_UNCHANGED);
    assert_int_equal(rasleak_cmp_judge(&slow, &fast, 0.0079, why, sizeof why),
                     RASLEAK_CMP_REGRESSION);
    /* overlapping intervals */
    assert_int_equal(rasleak_cmp_judge(&slow, &near, 0, why, sizeof why), RASLEAK_CMP_UNCHANGED);
    assert_int_equal(rasleak_cmp_judge(&fast, &slow, 0, why, sizeof why), RASLEAK_CMP_IMPROVED);
    assert_int_equal(rasleak_cmp_judge(&slow, &clean, 0, why, sizeof why), RASLEAK_CMP_IMPROVED);
    assert_int_equal(rasleak_cmp_judge(&clean, &clean, 0, why, sizeof why), RASLEAK_CMP_UNCHANGED);
    assert_string_equal(why, "no_leak in both");
    /* an accepted leak is still a leak to compare against */
    assert_int_equal(rasleak_cmp_judge(&allowed, &slow, 0, why, sizeof why), RASLEAK_CMP_UNCHANGED);
    assert_int_equal(rasleak_cmp_judge(&allowed, &fast, 0, why, sizeof why),
                     RASLEAK_CMP_REGRESSION);
    /* an inconclusive current side is not an improvement; an unknown baseline slope counts against */
    assert_int_equal(rasleak_cmp_judge(&slow, &unsure, 0, why, sizeof why), RASLEAK_CMP_UNCHANGED);
    assert_int_equal(rasleak_cmp_judge(&unsure, &slow, 0, why, sizeof why),
                     RASLEAK_CMP_REGRESSION);
    assert_int_equal(rasleak_cmp_judge(NULL, &clean, 0, why, sizeof why), RASLEAK_CMP_NEW);
    assert_int_equal(rasleak_cmp_judge(NULL, &slow, 0, why, sizeof why), RASLEAK_CMP_REGRESSION);
    assert_int_equal(rasleak_cmp_judge(&slow, NULL, 0, why, sizeof why), RASLEAK_CMP_MISSING);
    /* a current slope that is not judged a leak never regresses, whatever its interval */
    struct rasleak_cmp_series small = ser(RASLEAK_NO_LEAK, 0.00005, 0.00004, 0.00006);
    assert_int_equal(rasleak_cmp_judge(&clean, &small, 0, why, sizeof why), RASLEAK_CMP_UNCHANGED);
}

static json_t *doc(const char *backend, const char *os, double handles_slope, int with_threads)
{
    json_t *series = json_array();
    json_array_append_new(series, json_pack("{s:s,s:s,s:s,s:i,s:f,s:[f,f]}", "target", "self",
                          "metric", "handles", "verdict", handles_slope > 0 ? "leak" : "no_leak",
                          "n", 100, "slope_per_iter", handles_slope, "slope_ci",
                          handles_slope * 0.9, handles_slope * 1.1));
    if (with_threads)
        json_array_append_new(series, json_pack("{s:s,s:s,s:s,s:i,s:n,s:[n,n]}", "target", "self",
                              "metric", "threads", "verdict", "inconclusive", "n", 3,
                              "slope_per_iter", "slope_ci"));
    return json_pack("{s:s,s:i,s:s,s:{s:s,s:{s:s}},s:{s:s,s:s},s:o}", "format",
                     "rasleak-analysis", "version", 1, "verdict", "leak", "backend", "name",
                     backend, "options", "x", "1", "platform", "os", os, "os_release", "6.1",
                     "series", series);
}

static void test_compare_sides(void **state)
{
    (void)state;
    struct rasleak_cmp_side *b, *c;
    struct rasleak_error err;
    json_t *bd = doc("mock", "linux", 0, 1), *cd = doc("curl", "windows", 1, 0);
    assert_int_equal(rasleak_cmp_side_from_json(bd, "b.json", RASLEAK_CMP_ANALYSIS, &b, &err), 0);
    assert_int_equal(rasleak_cmp_side_from_json(cd, "c.json", RASLEAK_CMP_ANALYSIS, &c, &err), 0);
    json_decref(bd);
    json_decref(cd);
    assert_int_equal(b->nseries, 2);
    assert_true(isnan(b->series[1].slope));
    struct rasleak_allow_list *allow;
    const char *text = "[{\"target\":\"self\",\"metric\":\"handles\",\"max_rate\":2,"
                       "\"reason\":\"ok for now\",\"expires\":\"2030-01-01\"}]";
    assert_int_equal(rasleak_allow_parse(text, strlen(text), "al.json", &allow, &err), 0);

    struct rasleak_comparison *cmp;
    struct rasleak_compare_config cfg = {NULL, 0, NULL, "2026-01-01"};
    assert_int_equal(rasleak_compare(b, c, &cfg, &cmp, &err), 0);
    assert_int_equal(cmp->nrows, 2);
    assert_int_equal(cmp->rows[0].verdict, RASLEAK_CMP_REGRESSION);
    assert_true(fabs(cmp->rows[0].diff_per_1000 - 1000) < 1e-9);
    assert_int_equal(cmp->rows[1].verdict, RASLEAK_CMP_MISSING);
    assert_int_equal(cmp->regressions, 1);
    assert_int_equal(cmp->nwarnings, 2);
    assert_string_equal(cmp->warnings[0], "backends differ: baseline 'mock', current 'curl'");
    assert_string_equal(cmp->warnings[1], "platforms differ: baseline 'linux', current 'windows'");
    json_t *j = rasleak_comparison_to_json(cmp);
    assert_string_equal(json_string_value(json_object_get(j, "verdict")), "regression");
    json_t *r0 = json_array_get(json_object_get(j, "series"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "verdict")), "regression");
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "series"), 1),
                                             "current")));
    json_decref(j);
    rasleak_comparison_free(cmp);

    /* the allowance accepts the regression; after its day it does not */
    cfg.allow = allow;
    assert_int_equal(rasleak_compare(b, c, &cfg, &cmp, &err), 0);
    assert_int_equal(cmp->rows[0].verdict, RASLEAK_CMP_ALLOWED);
    assert_int_equal(cmp->regressions, 0);
    assert_non_null(strstr(cmp->rows[0].reason, "ok for now"));
    rasleak_comparison_free(cmp);
    cfg.today = "2030-01-02";
    assert_int_equal(rasleak_compare(b, c, &cfg, &cmp, &err), 0);
    assert_int_equal(cmp->rows[0].verdict, RASLEAK_CMP_REGRESSION);
    assert_int_equal(cmp->expired, 1);
    rasleak_comparison_free(cmp);
    /* tolerance */
    struct rasleak_min_rate tol = {"handles", 1.5};
    struct rasleak_compare_config tcfg = {&tol, 1, NULL, "2026-01-01"};
    assert_int_equal(rasleak_compare(b, c, &tcfg, &cmp, &err), 0);
    assert_int_equal(cmp->rows[0].verdict, RASLEAK_CMP_UNCHANGED);
    assert_true(cmp->rows[0].tolerance == 1.5);
    rasleak_comparison_free(cmp);

    rasleak_allow_free(allow);
    rasleak_cmp_side_free(b);
    rasleak_cmp_side_free(c);
}

/* A document of one clean series whose run stopped for `why` (NULL: no "run"). */
static json_t *run_doc(const char *why)
{
    json_t *d = doc("mock", "linux", 0, 0);
    if (why)
        json_object_set_new(d, "run", json_pack("{s:s,s:b,s:i}", "stop_reason", why,
                                                "truncated", 0, "samples", 250));
    return d;
}

static void test_stop_reasons(void **state)
{
    (void)state;
    static const struct { const char *base, *cur; const char *warning; } cases[] = {
        {"completed", "interrupted", "the runs stopped for different reasons: baseline "
                                     "'completed', current 'interrupted'"},
        {"max_failures", "completed", "the runs stopped for different reasons: baseline "
                                      "'max_failures', current 'completed'"},
        {"completed", "completed", NULL},
        {"completed", NULL, NULL},      /* unknown: nothing to compare */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rasleak_cmp_side *b, *c;
        struct rasleak_error err;
        json_t *bd = run_doc(cases[i].base), *cd = run_doc(cases[i].cur);
        assert_int_equal(rasleak_cmp_side_from_json(bd, "b.json", RASLEAK_CMP_ANALYSIS, &b,
                                                    &err), 0);
        assert_int_equal(rasleak_cmp_side_from_json(cd, "c.json", RASLEAK_CMP_ANALYSIS, &c,
                                                    &err), 0);
        json_decref(bd);
        json_decref(cd);
        assert_string_equal(b->stop_reason, cases[i].base);
        assert_string_equal(c->stop_reason, cases[i].cur ? cases[i].cur : "");
        assert_int_equal(c->samples, cases[i].cur ? 250 : 0);
        struct rasleak_comparison *cmp;
        assert_int_equal(rasleak_compare(b, c, NULL, &cmp, &err), 0);
        assert_int_equal(cmp->nwarnings, cases[i].warning ? 1 : 0);
        if (cases[i].warning)
            assert_string_equal(cmp->warnings[0], cases[i].warning);
        json_t *j = rasleak_comparison_to_json(cmp);
        json_t *cj = json_object_get(j, "current");
        if (cases[i].cur)
            assert_string_equal(json_string_value(json_object_get(cj, "stop_reason")),
                                cases[i].cur);
        else
            assert_true(json_is_null(json_object_get(cj, "stop_reason")));
        json_decref(j);
        rasleak_comparison_free(cmp);
        rasleak_cmp_side_free(b);
        rasleak_cmp_side_free(c);
    }
    /* a file cut short has no stop reason, and says so */
    struct rasleak_cmp_side *s;
    struct rasleak_error err;
    json_t *d = doc("mock", "linux", 0, 0);
    json_object_set_new(d, "run", json_pack("{s:n,s:b,s:i}", "stop_reason", "truncated", 1,
                                            "samples", 29));
    assert_int_equal(rasleak_cmp_side_from_json(d, "t.json", RASLEAK_CMP_TREND, &s, &err), 0);
    json_decref(d);
    assert_true(s->truncated);
    assert_int_equal(s->samples, 29);
    assert_string_equal(s->stop_reason, "");
    rasleak_cmp_side_free(s);
}

static void test_invalid_documents(void **state)
{
    (void)state;
    static const struct { const char *text, *msg; } bad[] = {
        {"[]", "the document is not an object"},
        {"{\"format\":\"rasleak-trend\"}", "/format is not"},
        {"{\"format\":\"rasleak-analysis\",\"version\":2,\"series\":[]}", "version 2, newer"},
        {"{\"format\":\"rasleak-analysis\",\"version\":1}", "/series is not an array"},
        {"{\"format\":\"rasleak-analysis\",\"version\":1,\"series\":[{\"target\":\"a\","
         "\"metric\":\"m\",\"verdict\":\"leak\",\"n\":1,\"slope_per_iter\":1}]}",
         "/series/0 has no 'slope_ci'"},
        {"{\"format\":\"rasleak-analysis\",\"version\":1,\"series\":[{\"target\":\"a\","
         "\"metric\":\"m\",\"verdict\":\"maybe\",\"n\":1}]}", "/series/0 has no 'verdict'"},
        {"{\"format\":\"rasleak-analysis\",\"version\":1,\"series\":[{\"target\":\"a\",\"metric\":"
         "\"m\",\"verdict\":\"leak\",\"n\":1,\"slope_per_iter\":1,\"slope_ci\":[0,2]},{\"target\":"
         "\"a\",\"metric\":\"m\",\"verdict\":\"leak\",\"n\":1,\"slope_per_iter\":1,\"slope_ci\":"
         "[0,2]}]}", "/series/1 repeats"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *d = json_loads(bad[i].text, 0, NULL);
        assert_non_null(d);
        struct rasleak_cmp_side *s = (void *)1;
        struct rasleak_error err;
        assert_int_equal(rasleak_cmp_side_from_json(d, "x.json", RASLEAK_CMP_ANALYSIS, &s, &err),
                         RASLEAK_EFORMAT);
        if (!strstr(err.message, bad[i].msg))
            fail_msg("case %zu: '%s'", i, err.message);
        assert_null(s);
        json_decref(d);
    }
    struct rasleak_cmp_side *s;
    struct rasleak_error err;
    assert_int_equal(rasleak_cmp_side_load(RASLEAK_FIXTURES "/allow/none.json", NULL, &s, &err),
                     RASLEAK_ENOENT);
    assert_string_equal(rasleak_cmp_verdict_name(RASLEAK_CMP_ALLOWED), "allowed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_judge_rules),
        cmocka_unit_test(test_compare_sides),
        cmocka_unit_test(test_stop_reasons),
        cmocka_unit_test(test_invalid_documents),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
