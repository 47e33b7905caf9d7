/*
 * rasleak/stats.h - trend statistics on one series.
 *
 * A series is n points (x[i], y[i]) in time order with strictly increasing x
 * (iteration numbers).  All functions are pure: they read their inputs,
 * write their result struct, allocate only scratch memory they free before
 * returning, and return 0 or a negative RASLEAK_E* code (RASLEAK_EINVAL for
 * bad arguments, RASLEAK_ENOMEM).  Algorithms and references are in
 * docs/analysis.md.
 */
#ifndef RASLEAK_STATS_H
#define RASLEAK_STATS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Mann-Kendall trend test (Kendall 1975), S computed in O(n log n). */
struct rasleak_mk {
    size_t n;
    double s;      /* sum over i<j of sign(y[j] - y[i]) */
    double var;    /* Var(S) under H0 with the tie correction */
    double z;      /* continuity-corrected standard normal score */
    double p;      /* two-sided p-value */
    double tied;   /* pairs i<j with y[i] == y[j] */
};
int rasleak_mk(const double *y, size_t n, struct rasleak_mk *out);

/*
 * Sen's slope (Theil 1950, Sen 1968): the median of the n(n-1)/2 pairwise
 * slopes, computed exactly, with its confidence interval from the
 * Mann-Kendall variance `mk_var` (Gilbert 1987) at level `confidence`
 * (e.g. 0.95).  intercept is median(y - slope * x).
 */
struct rasleak_sen {
    double slope;
    double intercept;
    double lo, hi;  /* confidence interval of the slope */
};
int rasleak_sen(const double *x, const double *y, size_t n, double mk_var,
                double confidence, struct rasleak_sen *out);

/*
 * The parts of rasleak_sen() one at a time, for a caller that needs the
 * slope before it knows the variance (a variance corrected for serial
 * correlation, which detrends with the slope): the slope alone, the
 * interval for a given variance, and the intercept median(y - slope x).
 * Each gives the same numbers as rasleak_sen().
 */
int rasleak_sen_slope(const double *x, const double *y, size_t n, double *slope);
int rasleak_sen_interval(const double *x, const double *y, size_t n, double mk_var,
                         double confidence, double *lo, double *hi);
int rasleak_sen_intercept(const double *x, const double *y, size_t n, double slope,
                          double *out);

/*
 * The slope and the interval of one series with the work shared between
 * them, for a caller that needs both but the slope first (as above): the
 * uniform sample of all slopes is drawn once, and the interval's ranks
 * start from the band of slopes, its sample and the point orders the
 * slope's search found on its way.  An interval asked for again at a
 * variance that gives the same ranks costs nothing.  Same numbers as
 * rasleak_sen_slope() and rasleak_sen_interval().  x and y are borrowed
 * until rasleak_sen_ctx_free(); the context is not for two threads at once.
 */
struct rasleak_sen_ctx;
int rasleak_sen_ctx_new(const double *x, const double *y, size_t n,
                        struct rasleak_sen_ctx **out);
int rasleak_sen_ctx_slope(struct rasleak_sen_ctx *c, double *slope);
int rasleak_sen_ctx_interval(struct rasleak_sen_ctx *c, double mk_var, double confidence,
                             double *lo, double *hi);
/*
 * Threads for one series: 1 keeps every pass on the calling thread; 0 (the
 * default) or 2 splits each pass over two threads when the series is long
 * (a million points or more), which at that size almost halves the time.
 * The other functions here always behave as 0.
 */
int rasleak_sen_ctx_set_threads(struct rasleak_sen_ctx *c, int threads);
/*
 * What rasleak_mk() found on the same y tells where the zero slopes are:
 * with x increasing, (N - tied - S) / 2 slopes are negative and `tied` are
 * exactly zero.  A rank among those zeros (the slope of a series that is
 * flat most of the time, a count that steps now and then) is then answered
 * without a search.  `mk` must be rasleak_mk() of this context's y.
 */
int rasleak_sen_ctx_set_mk(struct rasleak_sen_ctx *c, const struct rasleak_mk *mk);
void rasleak_sen_ctx_free(struct rasleak_sen_ctx *c);

/*
 * The k-th smallest (k from 0) of the n(n-1)/2 pairwise slopes
 * (y[j]-y[i])/(x[j]-x[i]), i<j.  Exact, O(n log n) expected time.
 */
int rasleak_slope_select(const double *x, const double *y, size_t n,
                         double k, double *out);

/* Ordinary least squares y = a + b x. */
struct rasleak_ols {
    double slope;
    double intercept;
    double slope_se;   /* standard error of the slope */
    double r2;         /* coefficient of determination; 0 for constant y */
};
int rasleak_ols(const double *x, const double *y, size_t n, struct rasleak_ols *out);

/*
 * Largest n the functions here accept: n(n-1)/2 must be an integer a double
 * holds exactly (< 2^53), since S, ranks and pair counts travel as doubles.
 * Larger n gives RASLEAK_EINVAL.
 */
#define RASLEAK_STATS_MAX_N 94906265u

/*
 * rasleak_slope_select() with the algorithm chosen by the caller; for tests
 * and benchmarks, which compare the two.  AUTO is what rasleak_slope_select()
 * does: DIRECT for small n, FAST otherwise.  DIRECT materialises all
 * n(n-1)/2 slopes (O(n^2) memory); FAST is the randomized interval-shrinking
 * selection of docs/analysis.md (O(n log n) expected time, O(n) memory).
 */
enum rasleak_slope_method {
    RASLEAK_SLOPE_AUTO = 0,
    RASLEAK_SLOPE_DIRECT = 1,
    RASLEAK_SLOPE_FAST = 2
};
int rasleak_slope_select_method(const double *x, const double *y, size_t n,
                                double k, enum rasleak_slope_method method,
                                double *out);

/*
 * Mann-Kendall variance corrected for serial correlation.  Both take the
 * series, its plain test `mk` (from rasleak_mk on the same y) and Sen's
 * slope `sen_slope` used to detrend it, and fill `out`:
 *   var_corrected = mk->var * ratio,  ratio = n/n*  (variance inflation),
 *   n_eff = n / ratio, and z, p recomputed from mk->s with var_corrected.
 * `method` points at a static string ("hamed-rao" or "yue-wang").
 *
 * rasleak_mk_hamed_rao: Hamed & Rao (1998).  Autocorrelations of the ranks
 * of the detrended series, kept only when outside the two-sided
 * (1 - alpha_lags) band +-z/sqrt(n); lags 1..L with L = max_lag, or when
 * max_lag is 0 the default L = min(n-1, ceil(10 log10 n)) (see
 * docs/analysis.md for why the lags are bounded).  O(n log n + n L).
 *
 * rasleak_mk_yue_wang: Yue & Wang (2004) effective sample size with the
 * AR(1) model: lag-1 autocorrelation r1 of the detrended series and
 * n/n* = 1 + 2 sum_{k=1}^{n-1} (1 - k/n) r1^k.  O(n).
 *
 * A ratio below RASLEAK_MK_MIN_RATIO is clamped to it (negative
 * autocorrelation cannot make the variance vanish); `lags_used` is the number
 * of lags that entered the sum (Hamed-Rao) or 1 (Yue-Wang).
 */
#define RASLEAK_MK_MIN_RATIO 0.01
struct rasleak_mk_corrected {
    double var_corrected;
    double ratio;        /* n / n*, the variance inflation factor */
    double n_eff;        /* n* */
    double z;
    double p;
    size_t lags_used;
    const char *method;
};
int rasleak_mk_hamed_rao(const double *x, const double *y, size_t n,
                         const struct rasleak_mk *mk, double sen_slope,
                         double alpha_lags, size_t max_lag,
                         struct rasleak_mk_corrected *out);
int rasleak_mk_yue_wang(const double *x, const double *y, size_t n,
                        const struct rasleak_mk *mk, double sen_slope,
                        struct rasleak_mk_corrected *out);

/* Standard normal CDF and its inverse (|error| < 1e-9 over (0,1)). */
double rasleak_norm_cdf(double z);
double rasleak_norm_ppf(double p);

#ifdef __cplusplus
}
#endif
#endif
