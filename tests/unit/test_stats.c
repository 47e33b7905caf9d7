/*
 * test_stats.c - the trend statistics against hand-computed cases, against
 * scipy (tests/fixtures/stats/reference.json, made by make_reference.py in
 * the same folder), and the fast slope selection against the direct one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/error.h"
#include "rasleak/stats.h"
#include "stats/mk_internal.h"
#include "platform/scratch.h"
#include "stats/sen_fast.h"
#include "stats/sen_internal.h"

#ifndef RASLEAK_FIXTURES
#define RASLEAK_FIXTURES "tests/fixtures"
#endif

/* |got - want| <= abs_tol + rel_tol * |want|, with a message naming the value. */
static void close_to(const char *what, double got, double want, double rel_tol,
                     double abs_tol)
{
    if (isnan(want) && isnan(got))
        return;
    if (!(fabs(got - want) <= abs_tol + rel_tol * fabs(want)))
        fail_msg("%s: got %.17g, want %.17g (rel %.3g)", what, got, want,
                 fabs(got - want) / (fabs(want) > 0 ? fabs(want) : 1.0));
}

/* ------------------------------------------------------ hand-computed cases */

static void test_mk_hand(void **state)
{
    (void)state;
    struct rasleak_mk mk;

    /*
     * y = 1,2,3,4,5: all 10 pairs increase, S = 10, no ties;
     * Var(S) = n(n-1)(2n+5)/18 = 5*4*15/18 = 50/3;
     * z = (S-1)/sqrt(Var) = 9/sqrt(50/3) = 2.2045407685048604;
     * p = erfc(z/sqrt 2) = 0.027486336111510353 (Python's math.erfc).
     */
    const double up[] = {1, 2, 3, 4, 5};
    assert_int_equal(rasleak_mk(up, 5, &mk), 0);
    assert_int_equal(mk.n, 5);
    assert_true(mk.s == 10.0);
    close_to("var", mk.var, 50.0 / 3.0, 1e-15, 0);
    close_to("z", mk.z, 9.0 / sqrt(50.0 / 3.0), 1e-15, 0);
    close_to("p", mk.p, 0.027486336111510353, 1e-13, 0);

    /*
     * y = 1,2,2,3: pairs (1,2)+ (1,2)+ (1,3)+ (2,2)0 (2,3)+ (2,3)+, S = 5;
     * one tie group of t = 2: Var = (4*3*13 - 2*1*9)/18 = 138/18;
     * z = 4/sqrt(138/18).
     */
    const double tied[] = {1, 2, 2, 3};
    assert_int_equal(rasleak_mk(tied, 4, &mk), 0);
    assert_true(mk.s == 5.0);
    close_to("var ties", mk.var, 138.0 / 18.0, 1e-15, 0);
    close_to("z ties", mk.z, 4.0 / sqrt(138.0 / 18.0), 1e-15, 0);

    /* Decreasing: S = -10, z = (S+1)/sqrt(Var), same p as increasing. */
    const double down[] = {5, 4, 3, 2, 1};
    assert_int_equal(rasleak_mk(down, 5, &mk), 0);
    assert_true(mk.s == -10.0);
    close_to("z down", mk.z, -9.0 / sqrt(50.0 / 3.0), 1e-15, 0);
    close_to("p down", mk.p, 0.027486336111510353, 1e-13, 0);

    /* Constant: every pair tied, Var = 0, so z = 0 and p = 1 by definition. */
    const double flat[] = {3, 3, 3, 3, 3, 3};
    assert_int_equal(rasleak_mk(flat, 6, &mk), 0);
    assert_true(mk.s == 0.0 && mk.var == 0.0 && mk.z == 0.0 && mk.p == 1.0);

    /* n = 2: S = 1, Var = 2*1*9/18 = 1, z = (1-1)/1 = 0, p = 1. */
    const double two[] = {1, 2};
    assert_int_equal(rasleak_mk(two, 2, &mk), 0);
    assert_true(mk.s == 1.0 && mk.var == 1.0 && mk.z == 0.0 && mk.p == 1.0);
}

static void test_sen_hand(void **state)
{
    (void)state;
    struct rasleak_sen sen;

    /*
     * x = 0..3, y = 0,1,3,7: slopes 1, 3/2, 7/3, 2, 3, 4; sorted
     * 1, 1.5, 2, 7/3, 3, 4 (N = 6, even): median (2 + 7/3)/2 = 13/6.
     * Intercept: median of y - 13/6 x = {0, -7/6, -4/3, 1/2} = (-7/6 + 0)/2.
     * With mk_var = 0 the interval collapses onto the middle ranks:
     * lo = round(6/2) - 1 = rank 2 (0-based) = 2, hi = round(6/2) = rank 3 = 7/3.
     */
    const double x[] = {0, 1, 2, 3}, y[] = {0, 1, 3, 7};
    assert_int_equal(rasleak_sen(x, y, 4, 0.0, 0.95, &sen), 0);
    close_to("slope", sen.slope, 13.0 / 6.0, 1e-15, 0);
    close_to("intercept", sen.intercept, -7.0 / 12.0, 1e-14, 0);
    assert_true(sen.lo == 2.0);
    close_to("hi", sen.hi, 7.0 / 3.0, 1e-15, 0);

    /* With the real Var(S) = 4*3*13/18 = 26/3: C = 1.96 sqrt(26/3) = 5.77,
     * lo rank round(0.11) - 1 -> clamped 0 = 1, hi rank round(5.89) = 6 ->
     * clamped 5 = 4. */
    assert_int_equal(rasleak_sen(x, y, 4, 26.0 / 3.0, 0.95, &sen), 0);
    assert_true(sen.lo == 1.0 && sen.hi == 4.0);

    /* Odd N: x = 0,1,2, y = 0,1,3: slopes 1, 1.5, 2 -> median 1.5. */
    assert_int_equal(rasleak_sen(x, y, 3, 0.0, 0.95, &sen), 0);
    assert_true(sen.slope == 1.5);

    /* k-th slope, both methods. */
    const double want[] = {1, 1.5, 2};
    for (int m = RASLEAK_SLOPE_AUTO; m <= RASLEAK_SLOPE_FAST; m++)
        for (int k = 0; k < 3; k++) {
            double v = NAN;
            assert_int_equal(rasleak_slope_select_method(x, y, 3, k, m, &v), 0);
            assert_true(v == want[k]);
        }

    /* n = 2: one slope; the interval is that slope too. */
    assert_int_equal(rasleak_sen(x, y, 2, 1.0, 0.95, &sen), 0);
    assert_true(sen.slope == 1.0 && sen.lo == 1.0 && sen.hi == 1.0);
    assert_true(sen.intercept == 0.0);
}

static void test_ols_hand(void **state)
{
    (void)state;
    struct rasleak_ols o;

    /* y = 1 + 2x exactly: slope 2, intercept 1, se 0, R^2 = 1. */
    const double x[] = {0, 1, 2, 3, 4}, y[] = {1, 3, 5, 7, 9};
    assert_int_equal(rasleak_ols(x, y, 5, &o), 0);
    assert_true(o.slope == 2.0 && o.intercept == 1.0 && o.slope_se == 0.0 && o.r2 == 1.0);

    /*
     * x = 0..3, y = 0,2,1,3: Sxx = 5, Sxy = 4, Syy = 5, slope 0.8,
     * intercept 1.5 - 0.8*1.5 = 0.3; SSE = Syy - Sxy^2/Sxx = 1.8;
     * se = sqrt(1.8/2/5) = sqrt(0.18); R^2 = 16/25.
     */
    const double y2[] = {0, 2, 1, 3};
    assert_int_equal(rasleak_ols(x, y2, 4, &o), 0);
    close_to("slope", o.slope, 0.8, 1e-15, 0);
    close_to("intercept", o.intercept, 0.3, 1e-15, 0);
    close_to("se", o.slope_se, sqrt(0.18), 1e-14, 0);
    close_to("r2", o.r2, 0.64, 1e-15, 0);

    /* Constant y: slope 0, R^2 defined as 0. */
    const double c[] = {4, 4, 4, 4};
    assert_int_equal(rasleak_ols(x, c, 4, &o), 0);
    assert_true(o.slope == 0.0 && o.r2 == 0.0 && o.intercept == 4.0 && o.slope_se == 0.0);

    /* n = 2: the line through both points, no standard error. */
    assert_int_equal(rasleak_ols(x, y, 2, &o), 0);
    assert_true(o.slope == 2.0 && o.r2 == 1.0 && isnan(o.slope_se));
}

static void test_normal(void **state)
{
    (void)state;
    assert_true(rasleak_norm_cdf(0.0) == 0.5);
    /* scipy.stats.norm.cdf / ppf */
    close_to("cdf(1.96)", rasleak_norm_cdf(1.96), 0.9750021048517795, 1e-15, 0);
    close_to("cdf(-8)", rasleak_norm_cdf(-8.0), 6.22096057427174e-16, 1e-12, 0);
    close_to("ppf(.975)", rasleak_norm_ppf(0.975), 1.959963984540054, 1e-14, 0);
    close_to("ppf(.025)", rasleak_norm_ppf(0.025), -1.959963984540054, 1e-14, 0);
    close_to("ppf(1e-10)", rasleak_norm_ppf(1e-10), -6.361340902404056, 1e-13, 0);
    close_to("ppf(.7)", rasleak_norm_ppf(0.7), 0.5244005127080407, 1e-14, 0);
    assert_true(rasleak_norm_ppf(0.5) == 0.0);
    assert_true(isinf(rasleak_norm_ppf(0.0)) && rasleak_norm_ppf(0.0) < 0);
    assert_true(isinf(rasleak_norm_ppf(1.0)) && rasleak_norm_ppf(1.0) > 0);
    assert_true(isnan(rasleak_norm_ppf(1.5)) && isnan(rasleak_norm_ppf(NAN)));
    /*
     * Round trip.  Above z = 5 a p near 1 no longer carries 1e-9 of its
     * tail (p = 1 - 1e-9 holds the tail to 1e-7 only), so the upper side is
     * checked with tails 2^-k, for which 1 - 2^-k is exact: there the
     * quantile must be exactly antisymmetric and invert the CDF.
     */
    for (double z = -8.0; z <= 5.0; z += 0.125) {
        double p = rasleak_norm_cdf(z);
        close_to("ppf(cdf(z))", rasleak_norm_ppf(p), z, 1e-9, 1e-9);
    }
    for (int k = 2; k <= 50; k++) {
        double t = ldexp(1.0, -k);
        assert_true(rasleak_norm_ppf(1.0 - t) == -rasleak_norm_ppf(t));
        close_to("cdf(ppf(2^-k))", rasleak_norm_cdf(rasleak_norm_ppf(t)), t, 1e-12, 0);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    struct rasleak_mk mk;
    struct rasleak_sen sen;
    struct rasleak_ols o;
    struct rasleak_mk_corrected mc;
    double v;
    const double x[] = {0, 1, 2, 3}, y[] = {1, 2, 3, 4};
    const double dup[] = {0, 1, 1, 3}, down[] = {0, 2, 1, 3};
    const double withnan[] = {1, NAN, 3, 4}, withinf[] = {1, INFINITY, 3, 4};

    for (size_t n = 0; n < 2; n++) {
        assert_int_equal(rasleak_mk(y, n, &mk), RASLEAK_EINVAL);
        assert_int_equal(rasleak_sen(x, y, n, 1.0, 0.95, &sen), RASLEAK_EINVAL);
        assert_int_equal(rasleak_ols(x, y, n, &o), RASLEAK_EINVAL);
        assert_int_equal(rasleak_slope_select(x, y, n, 0, &v), RASLEAK_EINVAL);
    }
    assert_int_equal(rasleak_mk(NULL, 4, &mk), RASLEAK_EINVAL);
    assert_int_equal(rasleak_mk(withnan, 4, &mk), RASLEAK_EINVAL);
    assert_int_equal(rasleak_mk(withinf, 4, &mk), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(x, withnan, 4, 1.0, 0.95, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(withnan, y, 4, 1.0, 0.95, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_ols(x, withnan, 4, &o), RASLEAK_EINVAL);
    assert_int_equal(rasleak_slope_select(x, withnan, 4, 0, &v), RASLEAK_EINVAL);

    /* x must strictly increase. */
    assert_int_equal(rasleak_sen(dup, y, 4, 1.0, 0.95, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(down, y, 4, 1.0, 0.95, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_ols(dup, y, 4, &o), RASLEAK_EINVAL);
    assert_int_equal(rasleak_slope_select(dup, y, 4, 0, &v), RASLEAK_EINVAL);

    /* Bad ranks, levels, variances, methods. */
    assert_int_equal(rasleak_slope_select(x, y, 4, 6, &v), RASLEAK_EINVAL);
    assert_int_equal(rasleak_slope_select(x, y, 4, -1, &v), RASLEAK_EINVAL);
    assert_int_equal(rasleak_slope_select(x, y, 4, 1.5, &v), RASLEAK_EINVAL);
    assert_int_equal(rasleak_slope_select_method(x, y, 4, 0, (enum rasleak_slope_method)7, &v),
                     RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(x, y, 4, 1.0, 1.0, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(x, y, 4, 1.0, 0.0, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(x, y, 4, -1.0, 0.95, &sen), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen(x, y, 4, NAN, 0.95, &sen), RASLEAK_EINVAL);

    /* Corrections: mk must describe the same series. */
    assert_int_equal(rasleak_mk(y, 4, &mk), 0);
    assert_int_equal(rasleak_mk_hamed_rao(x, y, 3, &mk, 1.0, 0.05, 0, &mc), RASLEAK_EINVAL);
    assert_int_equal(rasleak_mk_hamed_rao(x, y, 4, &mk, 1.0, 0.0, 0, &mc), RASLEAK_EINVAL);
    assert_int_equal(rasleak_mk_hamed_rao(x, y, 4, &mk, NAN, 0.05, 0, &mc), RASLEAK_EINVAL);
    assert_int_equal(rasleak_mk_yue_wang(dup, y, 4, &mk, 1.0, &mc), RASLEAK_EINVAL);
    assert_int_equal(rasleak_mk_yue_wang(x, y, 4, NULL, 1.0, &mc), RASLEAK_EINVAL);
}

/* ------------------------------------------------------- scipy reference */

static json_t *load_reference(void)
{
    json_error_t err;
    json_t *doc = json_load_file(RASLEAK_FIXTURES "/stats/reference.json", 0, &err);
    if (!doc)
        fail_msg("cannot load reference.json: %s (line %d)", err.text, err.line);
    return doc;
}

static double num(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        fail_msg("reference.json: no '%s'", key);
    return json_is_null(v) ? NAN : json_number_value(v);
}

static double *array(const json_t *obj, const char *key, size_t *n)
{
    json_t *a = json_object_get(obj, key);
    assert_non_null(a);
    *n = json_array_size(a);
    double *v = malloc(*n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < *n; i++)
        v[i] = json_number_value(json_array_get(a, i));
    return v;
}

static void test_reference(void **state)
{
    (void)state;
    json_t *doc = load_reference();
    json_t *cases = json_object_get(doc, "cases");
    assert_true(json_array_size(cases) >= 6);

    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        size_t n, ny;
        double *x = array(c, "x", &n), *y = array(c, "y", &ny);
        assert_int_equal(n, ny);
        char what[128];

        /* Mann-Kendall: S is an exact integer, the rest from it. */
        const json_t *rm = json_object_get(c, "mk");
        struct rasleak_mk mk;
        assert_int_equal(rasleak_mk(y, n, &mk), 0);
        snprintf(what, sizeof what, "%s mk.s", name);
        close_to(what, mk.s, num(rm, "s"), 0, 0);
        snprintf(what, sizeof what, "%s mk.var", name);
        close_to(what, mk.var, num(rm, "var"), 1e-12, 0);
        snprintf(what, sizeof what, "%s mk.z", name);
        close_to(what, mk.z, num(rm, "z"), 1e-9, 0);
        snprintf(what, sizeof what, "%s mk.p", name);
        close_to(what, mk.p, num(rm, "p"), 1e-9, 1e-300);

        /* scipy's tau-b = S / sqrt(N (N - T_y)) (x has no ties). */
        double tau = num(rm, "kendall_tau");
        if (!isnan(tau)) {
            double np_ = (double)n * (double)(n - 1) / 2.0, ty = 0.0;
            for (size_t a = 0; a < n; a++)
                for (size_t b = a + 1; b < n; b++)
                    ty += y[a] == y[b];
            snprintf(what, sizeof what, "%s tau_b", name);
            close_to(what, mk.s / sqrt(np_ * (np_ - ty)), tau, 1e-9, 0);
        }

        /* Theil-Sen against scipy.stats.theilslopes, both methods. */
        const json_t *rt = json_object_get(c, "theilsen");
        struct rasleak_sen sen;
        assert_int_equal(rasleak_sen(x, y, n, mk.var, 0.95, &sen), 0);
        snprintf(what, sizeof what, "%s sen.slope", name);
        close_to(what, sen.slope, num(rt, "slope"), 1e-12, 1e-300);
        snprintf(what, sizeof what, "%s sen.intercept", name);
        close_to(what, sen.intercept, num(rt, "intercept"), 1e-12, 1e-12);
        snprintf(what, sizeof what, "%s sen.lo", name);
        close_to(what, sen.lo, num(rt, "low"), 1e-12, 1e-300);
        snprintf(what, sizeof what, "%s sen.hi", name);
        close_to(what, sen.hi, num(rt, "high"), 1e-12, 1e-300);

        /* Least squares against scipy.stats.linregress. */
        const json_t *rl = json_object_get(c, "linregress");
        struct rasleak_ols o;
        assert_int_equal(rasleak_ols(x, y, n, &o), 0);
        snprintf(what, sizeof what, "%s ols.slope", name);
        close_to(what, o.slope, num(rl, "slope"), 1e-9, 1e-15);
        snprintf(what, sizeof what, "%s ols.intercept", name);
        close_to(what, o.intercept, num(rl, "intercept"), 1e-9, 1e-12);
        /* (1 - r^2) there, residuals here: equal to rounding, not bits */
        snprintf(what, sizeof what, "%s ols.se", name);
        close_to(what, o.slope_se, num(rl, "stderr"), 1e-7, 1e-15);
        snprintf(what, sizeof what, "%s ols.r2", name);
        close_to(what, o.r2, num(rl, "r2"), 1e-9, 1e-15);

        /* Serial-correlation corrections, detrended with scipy's slope. */
        const json_t *rh = json_object_get(c, "hamed_rao");
        struct rasleak_mk_corrected mc;
        double ref_slope = num(rt, "slope");
        assert_int_equal(rasleak_mk_hamed_rao(x, y, n, &mk, ref_slope, num(rh, "alpha"), 0, &mc),
                         0);
        assert_string_equal(mc.method, "hamed-rao");
        snprintf(what, sizeof what, "%s hamed_rao.ratio", name);
        close_to(what, mc.ratio, num(rh, "ratio"), 1e-9, 0);
        snprintf(what, sizeof what, "%s hamed_rao.z", name);
        close_to(what, mc.z, num(rh, "z"), 1e-9, 0);
        snprintf(what, sizeof what, "%s hamed_rao.p", name);
        close_to(what, mc.p, num(rh, "p"), 1e-8, 1e-300);
        assert_int_equal(mc.lags_used, (size_t)num(rh, "lags_used"));
        close_to(what, mc.n_eff * mc.ratio, (double)n, 1e-12, 0);
        /* the default lag bound is the one the script used */
        struct rasleak_mk_corrected mc2;
        assert_int_equal(rasleak_mk_hamed_rao(x, y, n, &mk, ref_slope, 0.05,
                                              (size_t)num(rh, "max_lag"), &mc2), 0);
        assert_true(mc2.ratio == mc.ratio);

        const json_t *ry = json_object_get(c, "yue_wang");
        assert_int_equal(rasleak_mk_yue_wang(x, y, n, &mk, ref_slope, &mc), 0);
        assert_string_equal(mc.method, "yue-wang");
        snprintf(what, sizeof what, "%s yue_wang.ratio", name);
        close_to(what, mc.ratio, num(ry, "ratio"), 1e-9, 0);
        snprintf(what, sizeof what, "%s yue_wang.p", name);
        close_to(what, mc.p, num(ry, "p"), 1e-8, 1e-300);

        free(x);
        free(y);
    }
    json_decref(doc);
}

/*
 * A worked example from outside: the monthly rainfall series of
 * pyMannKendall's own tests, with the values those tests assert
 * (tests/fixtures/stats/pymannkendall_rainfall.json says where from).  It
 * has ties (dry months) and a Hamed-Rao correction that narrows, over
 * every lag and over the first three, as pyMannKendall sums them.
 */
static void test_pymannkendall_example(void **state)
{
    (void)state;
    json_error_t err;
    json_t *doc = json_load_file(RASLEAK_FIXTURES "/stats/pymannkendall_rainfall.json", 0, &err);
    if (!doc)
        fail_msg("cannot load pymannkendall_rainfall.json: %s (line %d)", err.text, err.line);
    size_t n, i;
    double *y = array(doc, "y", &n);
    assert_int_equal(n, (size_t)num(doc, "n"));
    double *x = malloc(n * sizeof *x);
    assert_non_null(x);
    for (i = 0; i < n; i++)
        x[i] = (double)(i + 1);

    const json_t *ro = json_object_get(doc, "original");
    struct rasleak_mk mk;
    assert_int_equal(rasleak_mk(y, n, &mk), 0);
    close_to("rainfall mk.s", mk.s, num(ro, "s"), 0, 0);
    close_to("rainfall mk.var", mk.var, num(ro, "var_s"), 1e-14, 0);
    close_to("rainfall mk.z", mk.z, num(ro, "z"), 1e-12, 0);
    close_to("rainfall mk.p", mk.p, num(ro, "p"), 1e-12, 0);
    double slope;
    assert_int_equal(rasleak_sen_slope(x, y, n, &slope), 0);
    close_to("rainfall sen.slope", slope, num(ro, "slope"), 0, 0);

    static const char *const runs[] = {"hamed_rao", "hamed_rao_lag3"};
    for (i = 0; i < 2; i++) {
        const json_t *rh = json_object_get(doc, runs[i]);
        struct rasleak_mk_corrected mc;
        char what[64];
        assert_int_equal(rasleak_mk_hamed_rao(x, y, n, &mk, slope, num(rh, "alpha"),
                                              (size_t)num(rh, "max_lag"), &mc), 0);
        snprintf(what, sizeof what, "rainfall %s.var", runs[i]);
        close_to(what, mc.var_corrected, num(rh, "var_s"), 1e-12, 0);
        snprintf(what, sizeof what, "rainfall %s.z", runs[i]);
        close_to(what, mc.z, num(rh, "z"), 1e-12, 0);
        snprintf(what, sizeof what, "rainfall %s.p", runs[i]);
        close_to(what, mc.p, num(rh, "p"), 1e-9, 0);
    }
    free(x);
    free(y);
    json_decref(doc);
}

/* The positive AR(1) case must inflate the variance, white noise hardly. */
static void test_corrections_direction(void **state)
{
    (void)state;
    json_t *doc = load_reference();
    size_t i;
    json_t *c;
    int seen = 0;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        if (strcmp(name, "ar1_noise_800") != 0)
            continue;
        size_t n, ny;
        double *x = array(c, "x", &n), *y = array(c, "y", &ny);
        struct rasleak_mk mk;
        struct rasleak_sen sen;
        struct rasleak_mk_corrected hr, yw;
        assert_int_equal(rasleak_mk(y, n, &mk), 0);
        assert_int_equal(rasleak_sen(x, y, n, mk.var, 0.95, &sen), 0);
        assert_int_equal(rasleak_mk_hamed_rao(x, y, n, &mk, sen.slope, 0.05, 0, &hr), 0);
        assert_int_equal(rasleak_mk_yue_wang(x, y, n, &mk, sen.slope, &yw), 0);
        /* rho = 0.7: n/n* ~ (1 + 0.7)/(1 - 0.7) = 5.7 for AR(1) */
        assert_true(hr.ratio > 3.0 && yw.ratio > 3.0);
        assert_true(hr.p > mk.p && yw.p > mk.p);
        assert_true(hr.var_corrected > mk.var);
        free(x);
        free(y);
        seen = 1;
    }
    assert_true(seen);
    json_decref(doc);
}

/* ------------------------------------------------ fast versus direct */

/* Arrays for the x and y of n points, for the caller to free. */
static void new_xy(size_t n, double **x, double **y)
{
    *x = malloc(n * sizeof **x);
    *y = malloc(n * sizeof **y);
    assert_non_null(*x);
    assert_non_null(*y);
}

static uint64_t rng_state;

static double unit(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1p-53;
}

/* Series kinds that stress different parts: noise, ties, steps, scale. */
static void make_series(int kind, size_t n, double *x, double *y)
{
    for (size_t i = 0; i < n; i++) {
        double t = (double)i;
        x[i] = t;
        switch (kind) {
        case 0: /* linear trend + noise */
            y[i] = 0.3 * t + 10.0 * unit();
            break;
        case 1: /* three steps: most slopes exactly 0 */
            y[i] = (double)(i > n / 3) + (double)(i > 2 * n / 3);
            break;
        case 2: /* constant: every slope 0 */
            y[i] = 7.0;
            break;
        case 3: /* small integers with a slow trend: many equal slopes like 1/50 */
            y[i] = floor(5.0 * unit()) + (double)(i / 50);
            break;
        case 4: /* memory-sized values, irregular x */
            x[i] = 0.37 * t + (i > n / 2 ? 5.0 : 0.0);
            y[i] = 1e9 + 1000.0 * unit() + 3.0 * t;
            break;
        default: /* decreasing integer staircase with jitter */
            y[i] = -(double)(i / 7) + (double)(unit() < 0.5);
            break;
        }
    }
}

static void test_fast_equals_direct(void **state)
{
    (void)state;
    rng_state = 12345;
    /* sizes around the direct/fast switch, then up to ~3000 */
    const size_t sizes[] = {2, 3, 5, 17, 64, 65, 100, 257, 600, 1500, 3000};
    int checked = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        for (int kind = 0; kind < 6; kind++) {
            if (n >= 1500 && kind % 2)
                continue;  /* keep the test quick under the sanitizers */
            double *x, *y;
            new_xy(n, &x, &y);
            make_series(kind, n, x, y);
            double np_ = (double)n * (double)(n - 1) / 2.0;
            double ks[] = {0, floor((np_ - 1) / 2), floor(np_ / 2), np_ - 1,
                           floor(unit() * np_), floor(0.025 * np_)};
            for (size_t q = 0; q < sizeof ks / sizeof *ks; q++) {
                double a = NAN, b = NAN;
                assert_int_equal(rasleak_slope_select_method(x, y, n, ks[q],
                                                             RASLEAK_SLOPE_DIRECT, &a), 0);
                assert_int_equal(rasleak_slope_select_method(x, y, n, ks[q],
                                                             RASLEAK_SLOPE_FAST, &b), 0);
                if (a != b)
                    fail_msg("n=%zu kind=%d k=%.0f: direct %.17g fast %.17g", n, kind, ks[q],
                             a, b);
                checked++;
            }
            free(x);
            free(y);
        }
    }
    assert_true(checked > 300);
}

/*
 * The x of a run: consecutive iterations from anywhere (the passes then
 * compute x instead of loading it), or with a gap, or spaced by two (they
 * load it): every rank as the direct method finds it.
 */
static void test_fast_x_kinds(void **state)
{
    (void)state;
    rng_state = 555;
    const size_t n = 2500;
    double *x, *y;
    new_xy(n, &x, &y);
    for (int kind = 0; kind < 6; kind += 3) {
        for (int xs = 0; xs < 4; xs++) {
            make_series(kind, n, x, y);
            for (size_t i = 0; i < n; i++)
                x[i] = xs == 0 ? 1000003.0 + (double)i
                     : xs == 1 ? (double)i + (i >= n / 2 ? 5.0 : 0.0)
                     : xs == 2 ? 2.0 * (double)i
                               : 0x1p52 + (double)i;  /* x0 + i exact, but past 2^53 - n */
            double np_ = (double)n * (double)(n - 1) / 2.0;
            double ks[] = {0, floor(np_ / 2), np_ - 1, floor(unit() * np_), floor(0.3 * np_)};
            for (size_t q = 0; q < sizeof ks / sizeof *ks; q++) {
                double a = NAN, b = NAN;
                assert_int_equal(rasleak_slope_select_method(x, y, n, ks[q],
                                                             RASLEAK_SLOPE_DIRECT, &a), 0);
                assert_int_equal(rasleak_slope_select_method(x, y, n, ks[q],
                                                             RASLEAK_SLOPE_FAST, &b), 0);
                if (a != b)
                    fail_msg("kind=%d x kind %d k=%.0f: direct %.17g fast %.17g", kind, xs,
                             ks[q], a, b);
            }
        }
    }
    free(x);
    free(y);
}

/* rasleak_sen (fast for n > 64) against the direct order statistics. */
static void test_sen_against_direct(void **state)
{
    (void)state;
    rng_state = 777;
    for (int kind = 0; kind < 6; kind++) {
        size_t n = 1201;  /* N = 720600, even: the median is a mean of two */
        double *x, *y;
        new_xy(n, &x, &y);
        make_series(kind, n, x, y);
        struct rasleak_mk mk;
        struct rasleak_sen sen;
        assert_int_equal(rasleak_mk(y, n, &mk), 0);
        assert_int_equal(rasleak_sen(x, y, n, mk.var, 0.95, &sen), 0);

        double np_ = (double)n * (double)(n - 1) / 2.0, a, b, lo, hi;
        assert_int_equal(rasleak_slope_select_method(x, y, n, np_ / 2 - 1,
                                                     RASLEAK_SLOPE_DIRECT, &a), 0);
        assert_int_equal(rasleak_slope_select_method(x, y, n, np_ / 2,
                                                     RASLEAK_SLOPE_DIRECT, &b), 0);
        assert_true(sen.slope == (a + b) / 2.0);
        double c = rasleak_norm_ppf(0.975) * sqrt(mk.var);
        double rl = fmax(nearbyint((np_ - c) / 2.0) - 1.0, 0.0);
        double ru = fmin(nearbyint((np_ + c) / 2.0), np_ - 1.0);
        assert_int_equal(rasleak_slope_select_method(x, y, n, rl, RASLEAK_SLOPE_DIRECT, &lo), 0);
        assert_int_equal(rasleak_slope_select_method(x, y, n, ru, RASLEAK_SLOPE_DIRECT, &hi), 0);
        assert_true(sen.lo == lo);
        assert_true(sen.hi == hi);
        assert_true(sen.lo <= sen.slope && sen.slope <= sen.hi);
        free(x);
        free(y);
    }
}

/* A series of `kind` (malloc'd into *x, *y), its Mann-Kendall test and
 * a Sen context on it. */
/* A series of `kind` in arrays of its own (malloc'd into *x, *y). */
static void new_series(int kind, size_t n, double **x, double **y)
{
    new_xy(n, x, y);
    make_series(kind, n, *x, *y);
}

static struct rasleak_sen_ctx *ctx_on_series(int kind, size_t n, double **x, double **y,
                                             struct rasleak_mk *mk)
{
    new_series(kind, n, x, y);
    assert_int_equal(rasleak_mk(*y, n, mk), 0);
    struct rasleak_sen_ctx *c;
    assert_int_equal(rasleak_sen_ctx_new(*x, *y, n, &c), 0);
    return c;
}

/*
 * The shared context gives the numbers of the separate calls, bit for bit:
 * the slope, then intervals at several variances (each starting from the
 * order kept at the slope), on every kind of series, for the direct method
 * (n <= 64) and the fast one, and against the direct method itself.
 */
static void test_sen_ctx_equals_separate(void **state)
{
    (void)state;
    rng_state = 4242;
    static const size_t sizes[] = {9, 64, 65, 1201, 5000};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        for (int kind = 0; kind < 6; kind++) {
            size_t n = sizes[si];
            double *x, *y;
            struct rasleak_mk mk;
            struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
            double slope, want;
            assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
            assert_int_equal(rasleak_sen_slope(x, y, n, &want), 0);
            assert_true(slope == want);
            static const double widen[] = {1.0, 0.01, 30.0, 1e6};
            for (size_t w = 0; w < sizeof widen / sizeof *widen; w++) {
                double lo, hi, wlo, whi;
                assert_int_equal(rasleak_sen_ctx_interval(c, mk.var * widen[w], 0.95, &lo, &hi), 0);
                assert_int_equal(rasleak_sen_interval(x, y, n, mk.var * widen[w], 0.95, &wlo, &whi),
                                 0);
                assert_true(lo == wlo);
                assert_true(hi == whi);
                if (n <= 1201 && w < 3) {
                    /* and the ranks themselves, from all slopes */
                    double np_ = (double)n * (double)(n - 1) / 2.0, d;
                    double cc = rasleak_norm_ppf(0.975) * sqrt(mk.var * widen[w]);
                    double rl = fmin(fmax(nearbyint((np_ - cc) / 2.0) - 1.0, 0.0), np_ - 1.0);
                    assert_int_equal(rasleak_slope_select_method(x, y, n, rl,
                                                                 RASLEAK_SLOPE_DIRECT, &d), 0);
                    assert_true(lo == d);
                }
            }
            rasleak_sen_ctx_free(c);
            free(x);
            free(y);
        }
    }
    struct rasleak_sen_ctx *c = NULL;
    double x1[1] = {1}, y1[1] = {1};
    assert_int_equal(rasleak_sen_ctx_new(x1, y1, 1, &c), RASLEAK_EINVAL);
    rasleak_sen_ctx_free(NULL);
}

/* Two doubles the same to the bit, the sign of a zero included; only equal
 * where the series has zeros of both signs, which the searches order among
 * themselves as they meet them. */
static int same_bits(double a, double b, int kind)
{
    return kind == 8 ? a == b : memcmp(&a, &b, sizeof a) == 0;
}

/*
 * Given Mann-Kendall's counts, a context answers the ranks that fall among
 * the zero slopes without a pass, and every number stays what the search
 * gives: on series that are flat most of the time (a late step, rare
 * spikes both ways), on the general kinds, and on a series whose zeros
 * carry both signs, which is left to the search.
 */
static void test_sen_ctx_known_zeros(void **state)
{
    (void)state;
    rng_state = 777;
    static const size_t sizes[] = {9, 64, 65, 1201, 5000};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        for (int kind = 0; kind < 9; kind++) {
            double *x, *y;
            new_series(kind < 6 ? kind : 0, n, &x, &y);
            if (kind == 6) {        /* one late step: most pairs tie */
                for (size_t i = 0; i < n; i++)
                    y[i] = i >= n - n / 20 ? 4096.0 : 0.0;
            } else if (kind == 7) { /* flat with rare spikes up and down */
                for (size_t i = 0; i < n; i++) {
                    double u = unit();
                    y[i] = u < 0.01 ? 4.0 : u > 0.99 ? 6.0 : 5.0;
                }
            } else if (kind == 8) { /* zeros of both signs */
                for (size_t i = 0; i < n; i++)
                    y[i] = i % 3 ? 0.0 : -0.0;
            }
            struct rasleak_mk mk;
            assert_int_equal(rasleak_mk(y, n, &mk), 0);
            struct rasleak_sen_ctx *c;
            assert_int_equal(rasleak_sen_ctx_new(x, y, n, &c), 0);
            assert_int_equal(rasleak_sen_ctx_set_mk(c, &mk), 0);
            double slope, want;
            assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
            assert_int_equal(rasleak_sen_slope(x, y, n, &want), 0);
            assert_true(same_bits(slope, want, kind));
            if ((kind == 6 || kind == 7) && n >= 1201) {
                assert_true(slope == 0.0);
                assert_int_equal(rasleak__sen_ctx_counts(c).passes, 0);
            }
            static const double widen[] = {1.0, 30.0, 1e6};
            for (size_t w = 0; w < sizeof widen / sizeof *widen; w++) {
                double lo, hi, wlo, whi;
                assert_int_equal(rasleak_sen_ctx_interval(c, mk.var * widen[w], 0.95, &lo, &hi), 0);
                assert_int_equal(rasleak_sen_interval(x, y, n, mk.var * widen[w], 0.95, &wlo, &whi),
                                 0);
                assert_true(same_bits(lo, wlo, kind));
                assert_true(same_bits(hi, whi, kind));
                if (kind == 6 && n >= 1201 && w == 0)
                    assert_int_equal(rasleak__sen_ctx_counts(c).passes, 0);
            }
            if (kind == 8 && n >= 1201)
                assert_true(rasleak__sen_ctx_counts(c).passes > 0);
            /* the ranks at both edges of the zeros, against all slopes */
            double npairs = (double)n * (double)(n - 1) / 2.0;
            double d0 = (npairs - mk.tied - mk.s) / 2.0;
            double edges[4] = {d0 - 1, d0, d0 + mk.tied - 1, d0 + mk.tied};
            for (int e = 0; e < 4 && n <= 1201; e++) {
                if (edges[e] < 0 || edges[e] >= npairs)
                    continue;
                double got, want_k;
                assert_int_equal(rasleak__sen_ctx_rank(c, (uint64_t)edges[e], &got), 0);
                assert_int_equal(rasleak_slope_select_method(x, y, n, edges[e],
                                                             RASLEAK_SLOPE_DIRECT, &want_k), 0);
                assert_true(same_bits(got, want_k, kind));
            }
            rasleak_sen_ctx_free(c);
            free(x);
            free(y);
        }
    }
    /* counts that cannot be this series' are refused */
    double x[4] = {0, 1, 2, 3}, y[4] = {1, 2, 3, 4};
    struct rasleak_mk mk;
    assert_int_equal(rasleak_mk(y, 4, &mk), 0);
    struct rasleak_sen_ctx *c;
    assert_int_equal(rasleak_sen_ctx_new(x, y, 4, &c), 0);
    struct rasleak_mk bad = mk;
    bad.tied = 7;
    assert_int_equal(rasleak_sen_ctx_set_mk(c, &bad), RASLEAK_EINVAL);
    bad = mk;
    bad.n = 5;
    assert_int_equal(rasleak_sen_ctx_set_mk(c, &bad), RASLEAK_EINVAL);
    bad = mk;
    bad.tied = 2;
    bad.s = -6;     /* (6 - 2 + 6) / 2 = 5 negatives and 2 zeros: 7 of 6 pairs */
    assert_int_equal(rasleak_sen_ctx_set_mk(c, &bad), RASLEAK_EINVAL);
    assert_int_equal(rasleak_sen_ctx_set_mk(NULL, &mk), RASLEAK_EINVAL);
    rasleak_sen_ctx_free(c);
}

/*
 * Hamed-Rao's ratio as its definition computes it, one lag at a time and
 * ranks by counting (O(n^2)): average ranks of the detrended values,
 * centred; lag products summed in the order of t; the lags whose
 * autocorrelation is significant weighted by (n-k)(n-k-1)(n-k-2).
 */
static double hamed_rao_naive(const double *x, const double *y, size_t n, double slope,
                              double alpha_lags, size_t lmax)
{
    double *r, *c;
    new_xy(n, &r, &c);
    for (size_t t = 0; t < n; t++)
        r[t] = y[t] - slope * x[t];
    for (size_t t = 0; t < n; t++) {
        size_t less = 0, eq = 0;
        for (size_t u = 0; u < n; u++) {
            less += r[u] < r[t];
            eq += r[u] == r[t];
        }
        double rank = ((double)less + 1.0 + (double)(less + eq)) / 2.0;
        c[t] = rank - ((double)n + 1.0) / 2.0;
    }
    double c0 = 0.0;
    for (size_t t = 0; t < n; t++)
        c0 += c[t] * c[t];
    double bound = rasleak_norm_ppf(1.0 - alpha_lags / 2.0) / sqrt((double)n);
    double sum = 0.0, dn = (double)n;
    for (size_t k = 1; c0 > 0.0 && k <= lmax; k++) {
        double ck = 0.0;
        for (size_t t = 0; t + k < n; t++)
            ck += c[t] * c[t + k];
        double rho = ck / c0;
        if (rho >= -bound && rho <= bound)
            continue;
        double m = (double)(n - k);
        sum += m * (m - 1.0) * (m - 2.0) * rho;
    }
    free(r);
    free(c);
    double ratio = 1.0 + 2.0 / (dn * (dn - 1.0) * (dn - 2.0)) * sum;
    return ratio < RASLEAK_MK_MIN_RATIO ? RASLEAK_MK_MIN_RATIO : ratio;
}

/*
 * Hamed-Rao's lag sums, taken four lags at a time in blocks of t, against
 * the definition bit for bit: lengths around the block size, lag counts
 * around multiples of four, every lag up to n - 1 for a short series.
 */
static void test_hamed_rao_lags(void **state)
{
    (void)state;
    rng_state = 8080;
    const size_t sizes[] = {5, 6, 9, 40, 1023, 1024, 1025, 2100};
    const size_t lags[] = {0, 1, 2, 3, 4, 5, 7, 8, 13};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        double *x, *y;
        new_xy(n, &x, &y);
        double e = 0.0;
        for (size_t i = 0; i < n; i++) {
            e = 0.9 * e + unit() - 0.5;  /* AR(1): lags that matter */
            x[i] = (double)i;
            y[i] = floor(20.0 * e) + 0.01 * (double)i;
        }
        struct rasleak_mk mk;
        struct rasleak_sen sen;
        assert_int_equal(rasleak_mk(y, n, &mk), 0);
        assert_int_equal(rasleak_sen(x, y, n, mk.var, 0.95, &sen), 0);
        for (size_t li = 0; li <= sizeof lags / sizeof *lags; li++) {
            /* the default lag count, the listed ones, and all n - 1 */
            size_t ml = li == sizeof lags / sizeof *lags ? n - 1 : lags[li];
            size_t lmax = ml ? (ml < n - 1 ? ml : n - 1)
                             : (size_t)fmin(ceil(10.0 * log10((double)n)), (double)(n - 1));
            struct rasleak_mk_corrected hr;
            assert_int_equal(rasleak_mk_hamed_rao(x, y, n, &mk, sen.slope, 0.05, ml, &hr), 0);
            double want = hamed_rao_naive(x, y, n, sen.slope, 0.05, lmax);
            if (hr.ratio != want)
                fail_msg("n=%zu lags %zu: ratio %.17g, by the definition %.17g", n, lmax,
                         hr.ratio, want);
        }
        free(x);
        free(y);
    }
}

/* Two Hamed-Rao corrections are the same, bit for bit. */
static void assert_same_hr(const struct rasleak_mk_corrected *a,
                           const struct rasleak_mk_corrected *b)
{
    assert_true(memcmp(&a->var_corrected, &b->var_corrected, sizeof a->var_corrected) == 0);
    assert_true(memcmp(&a->n_eff, &b->n_eff, sizeof a->n_eff) == 0);
    assert_true(memcmp(&a->p, &b->p, sizeof a->p) == 0);
    assert_int_equal(a->lags_used, b->lags_used);
}

/*
 * Mann-Kendall and Hamed-Rao with their work on two threads (the threshold
 * lowered to test sizes): the same numbers as on one, bit for bit, on
 * every kind of series, odd and even lengths.
 */
static void test_mk_two_threads(void **state)
{
    (void)state;
    rng_state = 2024;
    rasleak__mk_set_thread_min_n(100);
    static const size_t sizes[] = {100, 101, 4099};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        for (int kind = 0; kind < 6; kind++) {
            double *x, *y;
            new_series(kind, n, &x, &y);
            struct rasleak_mk one, two;
            assert_int_equal(rasleak_mk(y, n, &one), 0);
            assert_int_equal(rasleak__mk(y, n, 1, &two), 0);
            assert_memory_equal(&one, &two, sizeof one);
            double slope;
            assert_int_equal(rasleak_sen_slope(x, y, n, &slope), 0);
            struct rasleak_mk_corrected a, b;
            assert_int_equal(rasleak_mk_hamed_rao(x, y, n, &one, slope, 0.05, 0, &a), 0);
            assert_int_equal(
                rasleak__mk_hamed_rao(x, y, n, &one, slope, 0.05, 0, 1, NULL, NULL, 0, &b), 0);
            assert_same_hr(&a, &b);
            free(x);
            free(y);
        }
    }
    rasleak__mk_set_thread_min_n(0);
}

/*
 * Hamed-Rao's residual ranks sorted from a hint give the numbers of the
 * radix sort from no hint, bit for bit, on one thread and two, on every
 * kind of series: from the order the slope's search ended in (kept on the
 * context when asked: a permutation, which on a noisy trend of 4099
 * points is near enough to be sorted from), from its reverse (given up
 * for the radix sort) and from the index order.  A context keeps no order
 * unless asked, and the interval's search after the slope's keeps none.
 */
static void hr_same(const double *x, const double *y, size_t n, const struct rasleak_mk *mk,
                    double slope, int two, const uint32_t *hint, void *room, size_t room_bytes)
{
    struct rasleak_mk_corrected a, b;
    assert_int_equal(rasleak__mk_hamed_rao(x, y, n, mk, slope, 0.05, 0, two, NULL, NULL, 0, &a),
                     0);
    assert_int_equal(
        rasleak__mk_hamed_rao(x, y, n, mk, slope, 0.05, 0, two, hint, room, room_bytes, &b), 0);
    assert_same_hr(&a, &b);
}

static void test_hamed_rao_hint(void **state)
{
    (void)state;
    rng_state = 777;
    rasleak__mk_set_thread_min_n(100);
    static const size_t sizes[] = {65, 1000, 4099};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        for (int kind = 0; kind < 6; kind++) {
            double *x, *y;
            struct rasleak_mk mk;
            struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
            double slope, lo, hi;
            void *room;
            size_t room_bytes;
            assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
            assert_null(rasleak__sen_ctx_order(c, &room, &room_bytes));  /* not asked */
            rasleak_sen_ctx_free(c);

            assert_int_equal(rasleak_sen_ctx_new(x, y, n, &c), 0);
            rasleak__sen_ctx_keep_order(c);
            assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
            const uint32_t *order = rasleak__sen_ctx_order(c, &room, &room_bytes);
            assert_non_null(order);
            assert_true(room != NULL && room_bytes >= 56 * n);
            unsigned char *seen = calloc(n, 1);
            assert_non_null(seen);
            for (size_t i = 0; i < n; i++) {
                assert_true(order[i] < n && !seen[order[i]]);
                seen[order[i]] = 1;
            }
            free(seen);

            uint32_t *other = malloc(n * sizeof *other);
            assert_non_null(other);
            for (int two = 0; two < 2; two++) {
                unsigned long s0, g0, s1, g1;
                rasleak__mk_hint_counts(&s0, &g0);
                /* in the room the search kept, which leaves the order be */
                hr_same(x, y, n, &mk, slope, two, order, room, room_bytes);
                hr_same(x, y, n, &mk, slope, two, order, NULL, 0);
                rasleak__mk_hint_counts(&s1, &g1);
                assert_int_equal(s1 + g1, s0 + g0 + 2);
                if (n == 4099 && (kind == 0 || kind == 4))
                    assert_int_equal(s1, s0 + 2);

                for (size_t i = 0; i < n; i++)
                    other[i] = order[n - 1 - i];
                hr_same(x, y, n, &mk, slope, two, other, room, room_bytes);
                rasleak__mk_hint_counts(&s0, &g0);
                if (kind != 2)  /* a constant's residuals are all equal */
                    assert_int_equal(g0, g1 + 1);

                for (size_t i = 0; i < n; i++)
                    other[i] = (uint32_t)i;
                hr_same(x, y, n, &mk, slope, two, other, NULL, 0);
            }
            free(other);
            rasleak__sen_ctx_drop_order(c);
            assert_null(rasleak__sen_ctx_order(c, &room, &room_bytes));

            /* The interval's search keeps nothing; asked, a block it keeps
             * is the next search's, and freed with the context. */
            assert_int_equal(rasleak_sen_ctx_interval(c, mk.var * 30.0, 0.95, &lo, &hi), 0);
            assert_null(rasleak__sen_ctx_order(c, &room, &room_bytes));
            rasleak__sen_ctx_keep_order(c);
            assert_int_equal(rasleak_sen_ctx_interval(c, mk.var * 40.0, 0.95, &lo, &hi), 0);
            assert_int_equal(rasleak_sen_ctx_interval(c, mk.var * 50.0, 0.95, &lo, &hi), 0);
            rasleak_sen_ctx_free(c);
            free(x);
            free(y);
        }
    }
    rasleak__mk_set_thread_min_n(0);
}

/*
 * Ranks of long arrays, selected by brackets (one pass that copies the
 * values near each rank), against a sorted copy: random values, a few
 * distinct ones, all equal, ascending and descending, ranks at the ends,
 * side by side, repeated and spread, on one thread and two, with room
 * given, too little room and none.  With brackets of width 0 most miss,
 * and with no room to spare most fill up; quickselect answers instead,
 * with the same values.
 */
static int cmp_double(const void *a, const void *b);

static void test_select_brackets(void **state)
{
    (void)state;
    rng_state = 31337;
    const size_t n = ((size_t)1 << 18) + 12345;
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
    double *sorted = malloc(n * sizeof *sorted), *room = malloc(n * sizeof *room);
    assert_true(v && w && sorted && room);
    const uint64_t last = n - 1;
    const uint64_t sets[][4] = {
        {0, 0, 0, 0}, {last, 0, 0, 0}, {n / 2 - 1, n / 2, 0, 0}, {7, 7, 0, 0},
        {10, last - 10, 0, 0}, {1, n / 3, 2 * n / 3, last - 1},
    };
    static const size_t count[] = {1, 1, 2, 2, 2, 4};
    unsigned long used0, missed0, used1, missed1;
    for (int zero = 0; zero < 4; zero++) {
        /* the defaults; brackets that miss; brackets that fill up; room
         * for fewer copies than expected in all, but enough in each half */
        rasleak__sen_set_brackets(zero == 1 ? 0.0 : -1.0,
                                  zero == 2 ? 0.0 : zero == 3 ? 0.6 : -1.0);
        rasleak__sen_bracket_counts(&used0, &missed0);
        for (int kind = 0; kind < 5; kind++) {
            for (size_t i = 0; i < n; i++) {
                double u = unit();
                v[i] = kind == 0 ? u * 1e6 - 5e5
                     : kind == 1 ? floor(u * 5.0)
                     : kind == 2 ? 42.0
                     : kind == 3 ? (double)i * 0.5
                     : -(double)i;
            }
            memcpy(sorted, v, n * sizeof *v);
            qsort(sorted, n, sizeof *sorted, cmp_double);
            for (size_t si = 0; si < sizeof count / sizeof *count; si++) {
                for (int two = 0; two < 2; two++) {
                    for (int r = 0; r < 3; r++) {
                        if (r && (kind || two))
                            continue;  /* the room matters only once */
                        memcpy(w, v, n * sizeof *v);
                        double out[4];
                        uint64_t seed = 99;
                        rasleak__sen_select_ranks(w, n, sets[si], out, count[si], &seed, two,
                                                  r == 0 ? room : r == 1 ? room : NULL,
                                                  r == 0 ? n : r == 1 ? 10 : 0);
                        for (size_t j = 0; j < count[si]; j++)
                            if (out[j] != sorted[sets[si][j]])
                                fail_msg("kind %d z %d two %d rank %llu: %.17g, sorted %.17g",
                                         kind, zero, two, (unsigned long long)sets[si][j],
                                         out[j], sorted[sets[si][j]]);
                    }
                }
            }
        }
        rasleak__sen_bracket_counts(&used1, &missed1);
        if (zero == 0) {
            assert_true(used1 - used0 >= 60);  /* nearly every one */
            assert_true(missed1 - missed0 <= 2);
        } else if (zero == 3) {
            assert_true(used1 - used0 >= 30);  /* those on two threads */
        } else {
            assert_true(missed1 - missed0 >= 10);
        }
    }
    rasleak__sen_set_brackets(-1.0, -1.0);
    free(v);
    free(w);
    free(sorted);
    free(room);
}

/*
 * Mann-Kendall's S and tied pairs against the sum over every pair, on one
 * thread and two, at sizes whose merges reach the levels that merge in
 * place (series that grow, whose runs barely overlap) and those that do
 * not (values in random order, or reversed).
 */
static void test_mk_brute(void **state)
{
    (void)state;
    rng_state = 77;
    rasleak__mk_set_thread_min_n(100);
    static const size_t sizes[] = {1000, 4099};
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
        size_t n = sizes[si];
        for (int kind = 0; kind < 9; kind++) {
            double *x, *y;
            new_series(kind < 6 ? kind : 0, n, &x, &y);
            for (size_t i = 0; kind >= 6 && i < n; i++)
                y[i] = kind == 6   ? unit()
                       : kind == 7 ? (double)(n - i) + floor(3.0 * unit())
                                   : 0.3 * (double)i + 200.0 * unit();
            double s = 0, tied = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t j = i + 1; j < n; j++) {
                    s += (y[j] > y[i]) - (y[j] < y[i]);
                    tied += y[j] == y[i];
                }
            for (int two = 0; two < 2; two++) {
                struct rasleak_mk mk;
                assert_int_equal(rasleak__mk(y, n, two, &mk), 0);
                if (mk.s != s || mk.tied != tied)
                    fail_msg("n=%zu kind=%d two=%d: S %.0f tied %.0f, want %.0f and %.0f", n,
                             kind, two, mk.s, mk.tied, s, tied);
            }
            free(x);
            free(y);
        }
    }
    rasleak__mk_set_thread_min_n(0);
}

/* The interval's ranks (0-based) as rasleak_sen_interval() picks them. */
static void interval_ranks(size_t n, double var, double *rl, double *ru)
{
    double np_ = (double)n * (double)(n - 1) / 2.0;
    double c = rasleak_norm_ppf(0.975) * sqrt(var);
    *rl = fmin(fmax(nearbyint((np_ - c) / 2.0) - 1.0, 0.0), np_ - 1.0);
    *ru = fmin(nearbyint((np_ + c) / 2.0), np_ - 1.0);
}

/* The interval's slopes at variance var as the direct method finds them. */
static void direct_interval(const double *x, const double *y, size_t n, double var,
                            double *dlo, double *dhi)
{
    double rl, ru;
    interval_ranks(n, var, &rl, &ru);
    assert_int_equal(rasleak_slope_select_method(x, y, n, rl, RASLEAK_SLOPE_DIRECT, dlo), 0);
    assert_int_equal(rasleak_slope_select_method(x, y, n, ru, RASLEAK_SLOPE_DIRECT, dhi), 0);
}

/*
 * What a context finds against the direct method: its slope (the mean of
 * the two middle slopes), its interval at each of the variances mk->var
 * times widen[], and `ranks` single ranks spread over all the slopes.
 * `what` names the case in a failure.
 */
static void expect_direct(struct rasleak_sen_ctx *c, const double *x, const double *y,
                          size_t n, const struct rasleak_mk *mk, const double *widen,
                          size_t nwiden, int ranks, const char *what)
{
    double np_ = (double)n * (double)(n - 1) / 2.0, slope, a, b;
    assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
    assert_int_equal(rasleak_slope_select_method(x, y, n, np_ / 2 - 1, RASLEAK_SLOPE_DIRECT, &a),
                     0);
    assert_int_equal(rasleak_slope_select_method(x, y, n, np_ / 2, RASLEAK_SLOPE_DIRECT, &b), 0);
    if (slope != (a + b) / 2.0)
        fail_msg("%s: slope %.17g, direct %.17g", what, slope, (a + b) / 2.0);
    for (size_t w = 0; w < nwiden; w++) {
        double lo, hi, dlo, dhi;
        assert_int_equal(rasleak_sen_ctx_interval(c, mk->var * widen[w], 0.95, &lo, &hi), 0);
        direct_interval(x, y, n, mk->var * widen[w], &dlo, &dhi);
        if (lo != dlo || hi != dhi)
            fail_msg("%s widen=%g: [%.17g, %.17g], direct [%.17g, %.17g]", what, widen[w], lo,
                     hi, dlo, dhi);
    }
    for (int q = 0; q < ranks; q++) {
        double k = floor(unit() * np_), got, want;
        assert_int_equal(rasleak__sen_ctx_rank(c, (uint64_t)k, &got), 0);
        assert_int_equal(rasleak_slope_select_method(x, y, n, k, RASLEAK_SLOPE_DIRECT, &want), 0);
        if (got != want)
            fail_msg("%s k=%.0f: %.17g, direct %.17g", what, k, got, want);
    }
}

/*
 * The interval from the band the slope's search kept: at a quarter of the
 * plain variance the ranks lie inside it (at the plain variance too,
 * mostly; the band's bounds are random) and cost two passes each; at 100
 * times it (a strong serial-correlation correction) they lie outside and
 * start from the order at the nearer bound.  Both against the direct method, on
 * every kind of series, twice on one context (the kept band is reused,
 * not used up).
 */
static void test_sen_ctx_kept_band(void **state)
{
    (void)state;
    rng_state = 99;
    const size_t n = 2001;
    for (int kind = 0; kind < 6; kind++) {
        double *x, *y;
        struct rasleak_mk mk;
        struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
        double slope;
        assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
        static const double widen[] = {0.25, 100.0, 0.25};
        for (size_t w = 0; w < sizeof widen / sizeof *widen; w++) {
            unsigned long before = rasleak__sen_ctx_counts(c).passes;
            double lo, hi, dlo, dhi;
            assert_int_equal(rasleak_sen_ctx_interval(c, mk.var * widen[w], 0.95, &lo, &hi), 0);
            unsigned long passes = rasleak__sen_ctx_counts(c).passes - before;
            direct_interval(x, y, n, mk.var * widen[w], &dlo, &dhi);
            if (lo != dlo || hi != dhi)
                fail_msg("kind=%d widen=%g: [%.17g, %.17g], direct [%.17g, %.17g]", kind,
                         widen[w], lo, hi, dlo, dhi);
            if (kind == 0 && widen[w] < 1.0 && passes > 5)
                fail_msg("inside the kept band: %lu passes, want at most 5", passes);
            if (kind == 0 && widen[w] > 1.0 && passes < 6)
                fail_msg("outside the kept band: %lu passes, want the full search", passes);
        }
        /* The last interval again at a variance a rounding away (the same
         * ranks): the same slopes, and no pass. */
        double v = mk.var * widen[2], v2 = v * (1.0 + 1e-13), rl, ru, rl2, ru2;
        interval_ranks(n, v, &rl, &ru);
        interval_ranks(n, v2, &rl2, &ru2);
        assert_true(rl == rl2 && ru == ru2);
        double lo, hi, lo2, hi2;
        assert_int_equal(rasleak_sen_ctx_interval(c, v, 0.95, &lo, &hi), 0);
        unsigned long before = rasleak__sen_ctx_counts(c).passes;
        assert_int_equal(rasleak_sen_ctx_interval(c, v2, 0.95, &lo2, &hi2), 0);
        assert_int_equal(rasleak__sen_ctx_counts(c).passes, before);
        assert_true(lo2 == lo && hi2 == hi);
        if (kind != 2) {
            /* Other ranks are searched for (kind 2 is constant: every
             * slope is 0, found without a pass). */
            assert_int_equal(rasleak_sen_ctx_interval(c, v * 4, 0.95, &lo2, &hi2), 0);
            assert_true(rasleak__sen_ctx_counts(c).passes > before);
        }
        rasleak_sen_ctx_free(c);
        free(x);
        free(y);
    }
}

/*
 * The plan of a band: listed at once when small; sampled once and listed
 * next for the interval's bands at 10^7 points (about 3.6 10^9 pairs);
 * sampled small and again for the median's first band there (4 10^10),
 * where listing next would take 10^7 samples and 3 10^7 listed pairs; as
 * few rounds as there can be when passes cost far more than pairs (one
 * sample, the band it leaves listed); sampled when passes cost nothing.
 */
static void test_sen_plan(void **state)
{
    (void)state;
    const double n7 = 1e7, cap7 = 4e7, z = 2.5;
    /* Small bands are listed. */
    assert_true(rasleak__sen_sample_size((size_t)n7, 1e6) == 1e6);
    assert_true(rasleak__sen_sample_size(2001, 5000) == 5000);
    /* An interval's band: one sample, whose next band is listed. */
    double m = rasleak__sen_sample_size((size_t)n7, 3.6e9);
    if (!(m >= 1e6 && m <= 4e6 && z * 3.6e9 / sqrt(m) <= cap7))
        fail_msg("interval band: sample %.0f", m);
    /* The median's first band: a small sample, whose band is sampled again. */
    m = rasleak__sen_sample_size((size_t)n7, 4e10);
    if (!(m >= 1e4 && m <= 1e6 && z * 4e10 / sqrt(m) > cap7))
        fail_msg("median's first band: sample %.0f", m);
    /* At 2001 points a pass costs what a few thousand pairs do: one
     * round, as large a sample as there is room for. */
    m = rasleak__sen_sample_size(2001, 1.1e5);
    if (!(m >= 1000 && m <= 2048))
        fail_msg("2001 points: sample %.0f", m);
    /* Dear passes: as few rounds as there can be (a sample whose next
     * band fits in half the buffer, listed then); free ones: sampling. */
    rasleak__sen_set_pass_cost(1e9);
    m = rasleak__sen_sample_size((size_t)n7, 2e10);
    if (!(z * 2e10 / sqrt(m) <= cap7 / 2 && m <= n7))
        fail_msg("dear passes: sample %.0f", m);
    rasleak__sen_set_pass_cost(0.0);
    assert_true(rasleak__sen_sample_size((size_t)n7, 1e6) < 1e6);
    rasleak__sen_set_pass_cost(-1.0);
    assert_true(rasleak__sen_sample_size((size_t)n7, 1e6) == 1e6);
}

/*
 * Searches of more rounds: with passes that cost nothing a band is
 * sampled again while a sample of 1024 narrows it.  The numbers must still be the direct
 * method's (slope, intervals inside and outside the kept band, single
 * ranks), on every kind of series, in more passes than by default.
 */
static void test_sen_many_rounds(void **state)
{
    (void)state;
    const size_t n = 1501;
    static const double widen[] = {0.5, 100.0, 7.0};
    unsigned long passes[2] = {0, 0};
    for (int cheap = 0; cheap < 2; cheap++) {
        rng_state = 1618;
        rasleak__sen_set_pass_cost(cheap ? 0.0 : -1.0);
        for (int kind = 0; kind < 6; kind++) {
            double *x, *y;
            struct rasleak_mk mk;
            struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
            char what[48];
            snprintf(what, sizeof what, "kind=%d cheap=%d", kind, cheap);
            expect_direct(c, x, y, n, &mk, widen, sizeof widen / sizeof *widen, 8, what);
            passes[cheap] += rasleak__sen_ctx_counts(c).passes;
            rasleak_sen_ctx_free(c);
            free(x);
            free(y);
        }
    }
    rasleak__sen_set_pass_cost(-1.0);
    if (passes[1] <= passes[0])
        fail_msg("cheap passes: %lu passes, by default %lu", passes[1], passes[0]);
}

/*
 * Bands that miss: with no widening, a band picked from a sample misses
 * the ranks about as often as it holds them, which takes every way a
 * search recovers (missed above, with the round-0 sample standing in once;
 * missed below; ranks split).  The numbers must still be the direct
 * method's, for the slope and for intervals inside and outside the kept
 * band, on every kind of series.
 */
static void test_sen_missed_bands(void **state)
{
    (void)state;
    rng_state = 2718;
    rasleak__sen_set_band_z(0.0);
    const size_t n = 1501;
    unsigned long refilled = 0, passes = 0;
    for (int kind = 0; kind < 6; kind++) {
        double *x, *y;
        struct rasleak_mk mk;
        struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
        /* Intervals inside the kept band and outside it, then single ranks
         * spread over the whole range. */
        static const double widen[] = {0.5, 100.0, 7.0};
        char what[32];
        snprintf(what, sizeof what, "kind=%d", kind);
        expect_direct(c, x, y, n, &mk, widen, sizeof widen / sizeof *widen, 8, what);
        refilled += rasleak__sen_ctx_counts(c).refilled;
        passes += rasleak__sen_ctx_counts(c).passes;
        rasleak_sen_ctx_free(c);
        free(x);
        free(y);
    }
    rasleak__sen_set_band_z(-1.0);
    /* The recovery this test is for was taken. */
    if (refilled < 3)
        fail_msg("%lu bands missed above took the round-0 sample (%lu passes)", refilled, passes);
}

/*
 * The sampler's logarithm (it draws the geometric gaps between sampled
 * pairs) against libm's: the ends of its range, both sides of each
 * reduction boundary, and random draws.  A wrong one would still give
 * exact slopes, only slowly, through samples at the wrong rate.
 */
static void test_sen_log_unit(void **state)
{
    (void)state;
    rng_state = 99;
    double worst = 0.0;
    assert_true(rasleak__sen_log_unit(1.0) == 0.0);
    for (int i = 0; i < 200000; i++) {
        double u;
        if (i < 106) {
            /* powers of two and the square-root-of-two boundary below each */
            int e = -(i / 2);
            u = ldexp(i % 2 ? 1.4142135623730951 : 1.0, e - (i % 2));
            if (u > 1.0 || u < 0x1p-53)
                continue;
        } else if (i % 2) {
            u = 1.0 - unit() * 1e-6;  /* near 1, where ln u is tiny */
        } else {
            u = unit();
        }
        double want = log(u), got = rasleak__sen_log_unit(u);
        double err = want != 0.0 ? fabs(got - want) / fabs(want) : fabs(got);
        if (err > worst)
            worst = err;
    }
    if (worst > 1e-7)
        fail_msg("relative error up to %g", worst);
}

/*
 * Passes that sort in chunks of 32 and 64 points, so that most merge
 * levels run across chunks, on one thread and on two: the slope, an
 * interval and random ranks as the direct method finds them.  A level that
 * the chunks and the levels across them both skip, or both merge, leaves
 * the order unsorted and the counts wrong.
 */
static void test_sen_chunks(void **state)
{
    (void)state;
    rng_state = 4242;
    rasleak__sen_set_thread_min_n(100);
    static const size_t chunks[] = {17, 64};  /* 17 rounds up to 32 */
    static const size_t sizes[] = {300, 1001};
    int checked = 0;
    for (size_t ci = 0; ci < sizeof chunks / sizeof *chunks; ci++) {
        rasleak__sen_set_chunk(chunks[ci]);
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            size_t n = sizes[si];
            for (int kind = 0; kind < 6; kind++) {
                double *x, *y;
                struct rasleak_mk mk;
                struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
                assert_int_equal(rasleak_sen_ctx_set_threads(c, (int)(si + kind) % 2), 0);
                static const double widen[] = {30.0};
                char what[64];
                snprintf(what, sizeof what, "chunk %zu n=%zu kind=%d", chunks[ci], n, kind);
                expect_direct(c, x, y, n, &mk, widen, 1, 4, what);
                checked++;
                rasleak_sen_ctx_free(c);
                free(x);
                free(y);
            }
        }
    }
    rasleak__sen_set_chunk(0);
    rasleak__sen_set_thread_min_n(0);
    assert_int_equal(checked, 2 * 2 * 6);
}

/*
 * The low parts of the keys are filled only by a pass that meets equal
 * high parts.  Noise around a trend seldom has them; small integers with
 * a slow trend (many pairs sharing a slope such as 1/50, and thresholds
 * made from those slopes) have them several times as often.  Both on
 * one thread and on two, whose halves share the filling, against the
 * direct method.
 */
static void test_sen_lazy_low_parts(void **state)
{
    (void)state;
    rng_state = 777;
    rasleak__sen_set_thread_min_n(100);
    unsigned long fills[2][2] = {{0, 0}, {0, 0}}, passes[2][2] = {{0, 0}, {0, 0}};
    for (int two = 0; two < 2; two++)
        for (int k = 0; k < 2; k++) {
            int kind = k ? 3 : 0;
            size_t n = 2001;
            double *x, *y;
            struct rasleak_mk mk;
            struct rasleak_sen_ctx *c = ctx_on_series(kind, n, &x, &y, &mk);
            assert_int_equal(rasleak_sen_ctx_set_threads(c, two ? 0 : 1), 0);
            static const double widen[] = {1.0, 30.0};
            char what[64];
            snprintf(what, sizeof what, "low parts kind=%d two=%d", kind, two);
            expect_direct(c, x, y, n, &mk, widen, 2, 4, what);
            fills[two][k] = rasleak__sen_ctx_counts(c).lo_fills;
            passes[two][k] = rasleak__sen_ctx_counts(c).passes;
            rasleak_sen_ctx_free(c);
            free(x);
            free(y);
        }
    rasleak__sen_set_thread_min_n(0);
    for (int two = 0; two < 2; two++) {
        print_message("two=%d: noise %lu of %lu passes filled, ties %lu of %lu\n", two,
                      fills[two][0], passes[two][0], fills[two][1], passes[two][1]);
        assert_true(passes[two][0] >= 8 && passes[two][1] >= 8);
        assert_true(fills[two][0] * 4 < passes[two][0]);
        assert_true(fills[two][1] > 2 * fills[two][0]);
    }
}

/*
 * Scratch blocks (platform/scratch.h): handed out again only while held,
 * to a request they are large enough for, and whole (every byte asked for
 * is written, which the sanitizers would catch past the end).
 */
static void test_scratch_blocks(void **state)
{
    (void)state;
    const size_t mb = (size_t)1 << 20;
    unsigned long r0 = rasleak__scratch_reused();
    /* Not held: malloc and free. */
    char *a = rasleak__scratch_get(16 * mb);
    assert_non_null(a);
    memset(a, 1, 16 * mb);
    rasleak__scratch_put(a);
    a = rasleak__scratch_get(16 * mb);
    assert_non_null(a);
    rasleak__scratch_put(a);
    assert_int_equal(rasleak__scratch_reused(), r0);

    rasleak__scratch_hold();
    a = rasleak__scratch_get(32 * mb);
    assert_non_null(a);
    memset(a, 2, 32 * mb);
    rasleak__scratch_put(a);
    /* A smaller request takes the block given back, contents and all. */
    char *b = rasleak__scratch_get(16 * mb);
    assert_ptr_equal(b, a);
    assert_int_equal(b[16 * mb - 1], 2);
    assert_int_equal(rasleak__scratch_reused(), r0 + 1);
    /* While it is out, another request gets a block of its own. */
    char *c = rasleak__scratch_get(16 * mb);
    assert_non_null(c);
    assert_ptr_not_equal(c, b);
    memset(c, 3, 16 * mb);
    assert_int_equal(rasleak__scratch_reused(), r0 + 1);
    rasleak__scratch_put(b);
    rasleak__scratch_put(c);
    /* A larger one than any kept: a new block, written in full. */
    char *d = rasleak__scratch_get(64 * mb);
    assert_non_null(d);
    memset(d, 4, 64 * mb);
    assert_int_equal(rasleak__scratch_reused(), r0 + 1);
    rasleak__scratch_put(d);
    /* Small requests are plain malloc, never kept. */
    char *e = rasleak__scratch_get(100);
    assert_non_null(e);
    memset(e, 5, 100);
    rasleak__scratch_put(e);
    char *f = rasleak__scratch_get(0);
    assert_non_null(f);
    rasleak__scratch_put(f);
    rasleak__scratch_put(NULL);
    assert_int_equal(rasleak__scratch_reused(), r0 + 1);
    d = rasleak__scratch_get(48 * mb);
    assert_int_equal(rasleak__scratch_reused(), r0 + 2);
    rasleak__scratch_put(d);
    rasleak__scratch_release();
    /* Released: nothing is kept for the next request. */
    a = rasleak__scratch_get(16 * mb);
    assert_non_null(a);
    rasleak__scratch_put(a);
    assert_int_equal(rasleak__scratch_reused(), r0 + 2);
}

/*
 * Passes split over two threads (the threshold lowered to reach sizes the
 * direct method can check): the same numbers as on one thread and as the
 * direct method, on every kind of series (steps and a constant one
 * included), and on a series whose slopes near the median are almost all
 * pairs within its first half, so that the first half of a sampling pass
 * takes more than half of the buffer, or fills it and thins, and the
 * second half is thinned to match.  A band whose size is known is listed
 * with the halves sharing the buffer, which this asserts happened.
 */
static void test_sen_two_threads(void **state)
{
    (void)state;
    rng_state = 31337;
    rasleak__sen_set_thread_min_n(100);
    const size_t n = 2001;
    unsigned long evened = 0, shared = 0, grown = 0;
    for (int kind = 0; kind < 7; kind++) {
        double *x, *y;
        new_xy(n, &x, &y);
        make_series(kind, n, x, y);
        if (kind == 6) {
            /* Every other point on a tight line far below the others, which
             * scatter around a parallel line: near the median slope almost
             * all pairs are pairs of the tight points, which the key order
             * puts in its first half. */
            for (size_t i = 0; i < n; i++)
                y[i] = (double)i + (i % 2 ? 1000.0 * (unit() - 0.5) : 0.01 * (unit() - 0.5) - 1e6);
        }
        struct rasleak_mk mk;
        assert_int_equal(rasleak_mk(y, n, &mk), 0);
        struct rasleak_sen_ctx *c[2];
        double slope[2];
        for (int t = 0; t < 2; t++) {
            assert_int_equal(rasleak_sen_ctx_new(x, y, n, &c[t]), 0);
            assert_int_equal(rasleak_sen_ctx_set_threads(c[t], t ? 0 : 1), 0);
            assert_int_equal(rasleak_sen_ctx_slope(c[t], &slope[t]), 0);
        }
        double np_ = (double)n * (double)(n - 1) / 2.0, a, b;
        assert_int_equal(rasleak_slope_select_method(x, y, n, np_ / 2 - 1, RASLEAK_SLOPE_DIRECT,
                                                     &a), 0);
        assert_int_equal(rasleak_slope_select_method(x, y, n, np_ / 2, RASLEAK_SLOPE_DIRECT, &b),
                         0);
        if (slope[1] != (a + b) / 2.0 || slope[0] != slope[1])
            fail_msg("kind=%d: slope %.17g (one thread %.17g), direct %.17g", kind, slope[1],
                     slope[0], (a + b) / 2.0);
        static const double widen[] = {1.0, 100.0};
        for (size_t w = 0; w < sizeof widen / sizeof *widen; w++) {
            double lo[2], hi[2], dlo, dhi;
            for (int t = 0; t < 2; t++)
                assert_int_equal(rasleak_sen_ctx_interval(c[t], mk.var * widen[w], 0.95, &lo[t],
                                                          &hi[t]), 0);
            direct_interval(x, y, n, mk.var * widen[w], &dlo, &dhi);
            if (lo[1] != dlo || hi[1] != dhi || lo[0] != lo[1] || hi[0] != hi[1])
                fail_msg("kind=%d widen=%g: [%.17g, %.17g] (one thread [%.17g, %.17g]), "
                         "direct [%.17g, %.17g]", kind, widen[w], lo[1], hi[1], lo[0], hi[0],
                         dlo, dhi);
        }
        evened += rasleak__sen_ctx_counts(c[1]).evened;
        shared += rasleak__sen_ctx_counts(c[1]).shared;
        grown += rasleak__sen_ctx_counts(c[1]).grown;
        rasleak_sen_ctx_free(c[0]);
        rasleak_sen_ctx_free(c[1]);
        free(x);
        free(y);
    }
    rasleak__sen_set_thread_min_n(0);
    assert_true(evened > 0);
    /* A half whose pairs are most of a pass took more than half the buffer. */
    assert_true(grown > 0);
    /* Bands listed on two threads filled one buffer from both ends. */
    assert_true(shared > 0);
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/*
 * One sampling pass on its own, on one thread and on two, with chunks of
 * 64 points: every pair it keeps has its slope in the band, and it keeps
 * as many as its final rate says.  With a small buffer the sample thins
 * three times or more while pairs drawn before are still to be read from
 * their blocks.  A pair read from the wrong place, or after its block
 * changed, has a slope from anywhere.
 */
/*
 * A counter that steps between flat stretches (pages of memory, handles)
 * has keys that fall along each stretch at thresholds near its slope: the
 * passes reverse those runs and count their pairs, and every number stays
 * the direct method's, on one thread and two, stretches whole or broken
 * by noise.  Keys in no order, whose runs are short, are left alone.
 */
static void test_sen_falling_runs(void **state)
{
    (void)state;
    rng_state = 4242;
    rasleak__sen_set_thread_min_n(100);
    const size_t n = 3001;
    double *x, *y;
    new_xy(n, &x, &y);
    for (int noisy = 0; noisy < 2; noisy++) {
        for (int two = 0; two < 2; two++) {
            for (size_t i = 0; i < n; i++) {
                x[i] = (double)(i + 1);
                /* A page every 37 points; noise smaller than a step of the
                 * slope only shortens the runs. */
                y[i] = 4096.0 * (double)(i / 37) + (noisy ? floor(40.0 * unit()) : 0.0);
            }
            struct rasleak_mk mk;
            assert_int_equal(rasleak_mk(y, n, &mk), 0);
            struct rasleak_sen_ctx *c;
            assert_int_equal(rasleak_sen_ctx_new(x, y, n, &c), 0);
            assert_int_equal(rasleak_sen_ctx_set_threads(c, two ? 0 : 1), 0);
            static const double widen[] = {1.0, 30.0};
            char what[64];
            snprintf(what, sizeof what, "stairs noisy=%d two=%d", noisy, two);
            expect_direct(c, x, y, n, &mk, widen, 2, 4, what);
            assert_true(rasleak__sen_ctx_counts(c).falls >= n / 37);
            rasleak_sen_ctx_free(c);
        }
    }
    /* Noise alone: at 200,000 points some runs of 8 fall by chance. */
    const size_t big = 200000;
    double *bx, *by;
    new_xy(big, &bx, &by);
    for (size_t i = 0; i < big; i++) {
        bx[i] = (double)i;
        by[i] = unit();
    }
    struct rasleak_sen_ctx *c;
    double slope;
    assert_int_equal(rasleak_sen_ctx_new(bx, by, big, &c), 0);
    assert_int_equal(rasleak_sen_ctx_slope(c, &slope), 0);
    assert_true(rasleak__sen_ctx_counts(c).passes > 0);
    assert_int_equal(rasleak__sen_ctx_counts(c).falls, 0);
    rasleak_sen_ctx_free(c);
    rasleak__sen_set_thread_min_n(0);
    free(bx);
    free(by);
    free(x);
    free(y);
}

static void test_sen_sampled_pass(void **state)
{
    (void)state;
    rng_state = 4242;
    rasleak__sen_set_chunk(64);
    const size_t n = 3001;
    double *x, *y;
    new_xy(n, &x, &y);
    for (size_t i = 0; i < n; i++) {
        x[i] = (double)i;
        y[i] = 0.5 * (double)i + 300.0 * unit();
    }
    size_t np = n * (n - 1) / 2, k = 0;
    double *all = malloc(np * sizeof *all);
    assert_non_null(all);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            all[k++] = (y[j] - y[i]) / (x[j] - x[i]);
    qsort(all, np, sizeof *all, cmp_double);
    double c1 = all[np / 2 - np / 20], c2 = all[np / 2 + np / 20];
    size_t below = 0, band = 0;
    for (k = 0; k < np; k++) {
        below += all[k] < c1;
        band += all[k] >= c1 && all[k] < c2;
    }
    struct thr t1 = rasleak__sen_thr_at(c1, -1), t2 = rasleak__sen_thr_at(c2, -1);
    static const struct {
        int two;
        size_t cap;
        double p;
    } runs[] = {{0, 0, 0.01}, {1, 0, 0.01}, {0, 3000, 0.2}, {1, 3000, 0.2}};
    for (size_t r = 0; r < sizeof runs / sizeof *runs; r++) {
        struct fast f;
        assert_int_equal(rasleak__sen_fast_init(&f, x, y, n, runs[r].two), 0);
        assert_int_equal(rasleak__sen_work_alloc(&f), 0);
        for (size_t i = 0; i < n; i++)
            f.ord[0][i] = (uint32_t)i;
        struct pass ps;
        assert_int_equal(rasleak__sen_run_pass(&f, 0, 1, &t1, NULL, &ps), below);
        struct sampler sm;
        size_t cap = runs[r].cap ? runs[r].cap : f.cap;
        assert_true(cap <= f.cap);
        rasleak__sen_sampler_init(&sm, f.buf, cap, runs[r].p, &f.rng);
        assert_int_equal(rasleak__sen_run_pass(&f, 1, 2, &t2, &sm, &ps), band);
        for (size_t i = 0; i < sm.len; i++)
            if (!(sm.buf[i] >= c1 && sm.buf[i] < c2))
                fail_msg("run %zu: sample %zu of %zu is %.17g, outside [%.17g, %.17g)", r, i,
                         sm.len, sm.buf[i], c1, c2);
        double want = sm.p * (double)band, sd = sqrt(want * (1.0 - sm.p));
        if (fabs((double)sm.len - want) > 6.0 * sd + 1.0)
            fail_msg("run %zu: %zu samples at rate %g of %zu pairs (%.0f expected)", r, sm.len,
                     sm.p, band, want);
        if (runs[r].cap && !(sm.halvings && sm.p <= runs[r].p / 8.0))
            fail_msg("run %zu: the buffer of %zu did not thin three times (rate %g)", r, cap,
                     sm.p);
        rasleak__sen_fast_free(&f);
    }
    rasleak__sen_set_chunk(0);
    free(all);
    free(x);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mk_hand),
        cmocka_unit_test(test_sen_hand),
        cmocka_unit_test(test_ols_hand),
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_pymannkendall_example),
        cmocka_unit_test(test_corrections_direction),
        cmocka_unit_test(test_fast_equals_direct),
        cmocka_unit_test(test_fast_x_kinds),
        cmocka_unit_test(test_sen_against_direct),
        cmocka_unit_test(test_sen_ctx_equals_separate),
        cmocka_unit_test(test_sen_ctx_known_zeros),
        cmocka_unit_test(test_mk_two_threads),
        cmocka_unit_test(test_hamed_rao_hint),
        cmocka_unit_test(test_select_brackets),
        cmocka_unit_test(test_mk_brute),
        cmocka_unit_test(test_hamed_rao_lags),
        cmocka_unit_test(test_sen_ctx_kept_band),
        cmocka_unit_test(test_sen_missed_bands),
        cmocka_unit_test(test_sen_plan),
        cmocka_unit_test(test_sen_many_rounds),
        cmocka_unit_test(test_sen_chunks),
        cmocka_unit_test(test_sen_lazy_low_parts),
        cmocka_unit_test(test_sen_log_unit),
        cmocka_unit_test(test_scratch_blocks),
        cmocka_unit_test(test_sen_two_threads),
        cmocka_unit_test(test_sen_sampled_pass),
        cmocka_unit_test(test_sen_falling_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
