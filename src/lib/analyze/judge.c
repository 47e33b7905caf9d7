/*
 * judge.c - the verdict on one series (docs/analysis.md, "Decision").
 *
 * A series leaks when, together:
 *   1. the Mann-Kendall test finds an upward trend after the correction
 *      for serial correlation (p < alpha): successive memory samples are
 *      correlated, and the plain test would call allocator noise a trend;
 *   2. the lower bound of Sen's slope interval, computed from the same
 *      corrected variance, is above zero; and
 *   3. the growth is material: at least a per-metric total over the
 *      measured run and a per-metric rate per iteration.
 * Growth that stops (a cache filling up, a pool reaching its size) is a
 * plateau, not a leak; growth that stops because the resource ran out is
 * the leak's end, fitted up to the limit.  A significant trend whose slope
 * interval still reaches zero is mixed evidence: inconclusive.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/sampler.h"
#include "rasleak/stats.h"
#include "analyze/judge.h"
#include "platform/threads.h"
#include "stats/mk_internal.h"
#include "stats/sen_internal.h"
#include "units/units.h"

#define TAIL_FRACTION (1.0 / 3.0)
#define HEAD_FRACTION 0.1
#define PLATEAU_RATIO 0.1
#define SETTLE_FACTOR 3.0
/* The plateau and settling checks fit a part of the run; beyond this many
 * points they fit evenly spaced points of it, which bounds their cost at
 * n = 1e7 and leaves the slope estimate consistent. */
#define PART_MAX_POINTS 20000
#define HR_ALPHA_LAGS 0.05

double rasleak__min_growth(const char *metric)
{
    return rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES ? RASLEAK__MIN_GROWTH_BYTES
                                                               : RASLEAK__MIN_GROWTH_COUNT;
}

double rasleak__min_rate(const struct rasleak_analyze_config *c, const char *metric)
{
    for (size_t i = 0; c && i < c->nmin_rates; i++)
        if (strcmp(c->min_rates[i].metric, metric) == 0)
            return c->min_rates[i].rate;
    return rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES ? RASLEAK__MIN_RATE_BYTES
                                                               : RASLEAK__MIN_RATE_COUNT;
}

/* Everything fitted on one stretch of the series. */
struct fit {
    struct rasleak_mk mk;
    struct rasleak_mk_corrected hr;
    double var_used;           /* max(plain, corrected): the correction only widens */
    double z, p;               /* from var_used */
    double slope, lo, hi, intercept;
    struct rasleak_ols ols;
};

/*
 * What a series judged with rasleak__judge_series_shared() keeps for the
 * next ones of its group, which are it shifted by a constant: its fit and
 * Sen's context (which borrows its x and y).
 */
struct rasleak__judge_share {
    int first_done;   /* only the first series of the group keeps its fit */
    int kept;
    size_t n;
    size_t shared;    /* series fitted from the kept fit (for the tests) */
    struct fit f;
    struct rasleak_sen_ctx *sen;
    /* A copy of the order the slope's search ended in (NULL: none), the
     * hint of the shifted series' Hamed-Rao, whose residuals are the
     * first's plus a constant: nearly the same order. */
    uint32_t *order;
};

struct rasleak__judge_share *rasleak__judge_share_new(void)
{
    return calloc(1, sizeof(struct rasleak__judge_share));
}

size_t rasleak__judge_share_count(const struct rasleak__judge_share *s)
{
    return s->shared;
}

void rasleak__judge_share_free(struct rasleak__judge_share *s)
{
    if (s) {
        rasleak_sen_ctx_free(s->sen);
        free(s->order);
    }
    free(s);
}

/* From this many values the intercept and least squares, a pass over the
 * values each, run side by side (about 0.05 s each at 10^7). */
#define LINES_TWO_MIN ((size_t)1000000)
static size_t lines_two_min = LINES_TWO_MIN;

void rasleak__judge_set_lines_two_min(size_t n)
{
    lines_two_min = n ? n : LINES_TWO_MIN;
}

/* The intercept at the slope, or least squares: one of the two jobs. */
struct line_job {
    const double *x, *y;
    size_t n;
    struct fit *f;
    int ols;
    int rc;
};

static void *line_job(void *arg)
{
    struct line_job *j = arg;
    j->rc = j->ols ? rasleak_ols(j->x, j->y, j->n, &j->f->ols)
                   : rasleak_sen_intercept(j->x, j->y, j->n, j->f->slope, &j->f->intercept);
    return NULL;
}

static int lines(const double *x, const double *y, size_t n, int threads, struct fit *f)
{
    struct line_job j[2] = {{x, y, n, f, 0, 0}, {x, y, n, f, 1, 0}};
    if (threads != 1 && n >= lines_two_min) {
        rasleak__run_two(line_job, &j[0], &j[1]);
    } else {
        line_job(&j[0]);
        line_job(&j[1]);
    }
    return j[0].rc < 0 ? j[0].rc : j[1].rc;
}

/*
 * Hamed-Rao's correction of the test, the variance it uses and the slope
 * interval at that variance; then the intercept and least squares.
 */
static int fit_rest(const double *x, const double *y, size_t n, double confidence, int threads,
                    struct rasleak_sen_ctx *sen, const uint32_t *hint, struct fit *f)
{
    /* From the slope's order, when its search kept one (fit()), in the
     * rest of the block the search kept it in; or from the hint. */
    void *room;
    size_t room_bytes;
    const uint32_t *order = rasleak__sen_ctx_order(sen, &room, &room_bytes);
    if (!order) {
        order = hint;
        room = NULL;
        room_bytes = 0;
    }
    int rc = rasleak__mk_hamed_rao(x, y, n, &f->mk, f->slope, HR_ALPHA_LAGS, 0, threads != 1,
                                   order, room, room_bytes, &f->hr);
    rasleak__sen_ctx_drop_order(sen);
    if (rc < 0)
        return rc;
    /*
     * Negative autocorrelation would shrink the variance and make the test
     * bolder than the plain one; a leak detector has no use for that.
     */
    f->var_used = f->hr.var_corrected > f->mk.var ? f->hr.var_corrected : f->mk.var;
    if (f->var_used > 0 && f->mk.s != 0) {
        double s = f->mk.s;
        f->z = (s > 0 ? s - 1 : s + 1) / sqrt(f->var_used);
        f->p = erfc(fabs(f->z) / sqrt(2.0));
    } else {
        f->z = 0;
        f->p = 1;
    }
    if ((rc = rasleak_sen_ctx_interval(sen, f->var_used, confidence, &f->lo, &f->hi)) < 0)
        return rc;
    return lines(x, y, n, threads, f);
}

/*
 * Fit the series.  With `keep`, which holds nothing yet, the fit and
 * Sen's context are kept there for the series shifted from this one.
 */
static int fit(const double *x, const double *y, size_t n, double confidence, int threads,
               struct rasleak__judge_share *keep, struct fit *f)
{
    int rc;
    struct rasleak_sen_ctx *sen = NULL;
    if ((rc = rasleak__mk(y, n, threads != 1, &f->mk)) < 0 ||
        (rc = rasleak_sen_ctx_new(x, y, n, &sen)) < 0 ||
        (rc = rasleak_sen_ctx_set_mk(sen, &f->mk)) < 0 ||
        (rc = rasleak_sen_ctx_set_threads(sen, threads == 1 ? 1 : 0)) < 0) {
        rasleak_sen_ctx_free(sen);
        return rc;
    }
    /* The order the slope's search ends in is nearly that of the
     * residuals, which Hamed-Rao ranks next (fit_rest()). */
    rasleak__sen_ctx_keep_order(sen);
    if ((rc = rasleak_sen_ctx_slope(sen, &f->slope)) < 0) {
        rasleak_sen_ctx_free(sen);
        return rc;
    }
    if (keep) {
        /* For the shifted series' Hamed-Rao: without it, each sorts its
         * residuals from no order (twice the time at 10^7 points).  Only
         * a hint: none if there is no memory for it. */
        void *room;
        size_t room_bytes;
        const uint32_t *order = rasleak__sen_ctx_order(sen, &room, &room_bytes);
        if (order && (keep->order = malloc(n * sizeof *keep->order)) != NULL)
            memcpy(keep->order, order, n * sizeof *keep->order);
    }
    if ((rc = fit_rest(x, y, n, confidence, threads, sen, NULL, f)) < 0) {
        rasleak_sen_ctx_free(sen);
        return rc;
    }
    if (keep) {
        keep->kept = 1;
        keep->n = n;
        keep->f = *f;
        keep->sen = sen;
    } else {
        rasleak_sen_ctx_free(sen);
    }
    return 0;
}

/*
 * Fit a series that is the kept one shifted by a constant: Mann-Kendall's
 * S and variance and every pairwise slope are the kept series', so its
 * test and Sen's slope are taken as they are.  Hamed-Rao's correction is
 * computed afresh (it ranks residuals, which the shift rounds otherwise),
 * from the order the kept series' search ended in, and the interval at
 * the resulting variance comes from the kept context, at no cost when the
 * variance gives the same ranks.
 */
static int fit_shifted(const double *x, const double *y, size_t n, double confidence,
                       int threads, struct rasleak__judge_share *share, struct fit *f)
{
    share->shared++;
    f->mk = share->f.mk;
    f->slope = share->f.slope;
    return fit_rest(x, y, n, confidence, threads, share->sen, share->order, f);
}

/*
 * Sen's slope (and the plain Mann-Kendall p) of y[from .. from+count), on
 * at most PART_MAX_POINTS evenly spaced points of it.
 */
static int part_slope(const double *x, const double *y, size_t from, size_t count,
                      double *slope, double *p)
{
    size_t step = (count + PART_MAX_POINTS - 1) / PART_MAX_POINTS;
    size_t m = (count + step - 1) / step;
    const double *px = x + from, *py = y + from;
    double *buf = NULL;
    if (step > 1) {
        buf = malloc(2 * m * sizeof *buf);
        if (!buf)
            return -1;
        for (size_t i = 0; i < m; i++) {
            buf[i] = x[from + i * step];
            buf[m + i] = y[from + i * step];
        }
        px = buf;
        py = buf + m;
    }
    struct rasleak_mk mk;
    int rc = rasleak_mk(py, m, &mk);
    if (rc == 0)
        rc = rasleak_sen_slope(px, py, m, slope);
    *p = mk.p;
    free(buf);
    return rc;
}

/*
 * The reason of a plateau, in the series' own terms: where it flattened
 * (the first sample that reached the level of the flat last part, the
 * median of its values) and how fast it grew until then (Sen's slope of
 * that part), rather than the whole run's slope, which the flat part
 * drags down.  t0 starts the last part.
 */
static void plateau_reason(const double *x, const double *y, size_t m, size_t t0,
                           struct rasleak_series_result *out)
{
    double level = NAN;  /* median(y - 0 x) of the last part */
    if (rasleak_sen_intercept(x + t0, y + t0, m - t0, 0.0, &level) < 0)
        level = y[t0];
    size_t start = 0;
    while (start < t0 && !(y[start] >= level))
        start++;
    double rate, p;
    if (start >= RASLEAK__MIN_SAMPLES && part_slope(x, y, 0, start, &rate, &p) == 0 &&
        rate > 0) {
        char num[32];
        snprintf(num, sizeof num, "%.4g", rate);
        snprintf(out->reason, sizeof out->reason,
                 "plateau: grew %s%s per iteration until about iteration %.0f, flat since", num,
                 rasleak__unit_noun(out->metric, strcmp(num, "1") == 0), x[start]);
    } else {
        snprintf(out->reason, sizeof out->reason,
                 "plateau: grew early, flat from about iteration %.0f", x[start]);
    }
}

/* The trend test in words: p, and what the serial correlation did to it. */
static void test_text(char *buf, size_t len, const struct fit *f,
                      const struct rasleak_series_result *out)
{
    if (f->var_used > f->mk.var)
        snprintf(buf, len, "p=%.2g, Hamed-Rao corrected, effective n %.0f", f->p,
                 out->effective_n);
    else
        snprintf(buf, len, "p=%.2g, n %.0f, no serial correlation", f->p, out->effective_n);
}

static void set_nan(struct rasleak_series_result *out)
{
    out->exhausted_at_iter = out->exhausted_in_s = out->reached_limit_iter = NAN;
    out->slope_per_iter = out->slope_lo = out->slope_hi = out->intercept = NAN;
    out->ols_slope = out->ols_intercept = out->ols_se = out->r2 = NAN;
    out->mk_s = out->mk_var = out->mk_z = out->mk_p = NAN;
    out->mk_var_corrected = out->mk_z_corrected = out->mk_p_corrected = NAN;
    out->effective_n = NAN;
    out->tail_slope = out->settling_slope = NAN;
    out->growth = NAN;
    out->settling = 0;
    snprintf(out->correction, sizeof out->correction, "none");
}

/* A constant series: every statistic is known without computing it. */
static void constant(const double *x, size_t n, double v, struct rasleak_series_result *out)
{
    out->verdict = RASLEAK_NO_LEAK;
    snprintf(out->reason, sizeof out->reason, "constant at %.15g", v);
    out->slope_per_iter = out->slope_lo = out->slope_hi = 0;
    out->intercept = v;
    out->ols_slope = 0;
    out->ols_intercept = v;
    out->ols_se = n > 2 ? 0 : NAN;
    out->r2 = 0;
    out->mk_s = out->mk_var = out->mk_z = 0;
    out->mk_p = 1;
    out->mk_var_corrected = out->mk_z_corrected = 0;
    out->mk_p_corrected = 1;
    out->effective_n = (double)n;
    out->growth = 0;
    (void)x;
}

/* Did the start of the measured phase still move, against the whole? */
static void settling_check(const double *x, const double *y, size_t n, double alpha,
                           double slope, double need_total, struct rasleak_series_result *out)
{
    size_t hn = (size_t)ceil((double)n * HEAD_FRACTION);
    if (hn < 2 * RASLEAK__MIN_SAMPLES)
        return;
    double hs, hp;
    if (part_slope(x, y, 0, hn, &hs, &hp) < 0)
        return;
    out->settling_slope = hs;
    double span = x[hn - 1] - x[0];
    double off = fabs(hs - slope) * span;
    out->settling = hp < alpha && off >= need_total && off >= SETTLE_FACTOR * fabs(slope) * span;
}

void rasleak__judge_series(const struct rasleak_analyze_config *cfg, const char *target,
                           const char *metric, const double *x, const double *y, size_t n,
                           double limit, double sec_per_iter,
                           struct rasleak_series_result *out)
{
    rasleak__judge_series_shared(cfg, target, metric, x, y, n, limit, sec_per_iter, NULL, out);
}

void rasleak__judge_series_shared(const struct rasleak_analyze_config *cfg, const char *target,
                                  const char *metric, const double *x, const double *y,
                                  size_t n, double limit, double sec_per_iter,
                                  struct rasleak__judge_share *share,
                                  struct rasleak_series_result *out)
{
    /* Only the first call on a share may keep: the later series' arrays
     * are freed after their call. */
    int first = share && !share->first_done;
    if (share)
        share->first_done = 1;
    struct rasleak_analyze_config defaults;
    if (!cfg) {
        rasleak_analyze_config_init(&defaults);
        cfg = &defaults;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->target, sizeof out->target, "%s", target);
    snprintf(out->metric, sizeof out->metric, "%s", metric);
    set_nan(out);
    out->limit = limit;
    out->n = n;
    if (n == 0) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason, "no measured samples");
        return;
    }
    out->first_iter = x[0];
    out->last_iter = x[n - 1];
    out->first_value = y[0];
    out->last_value = y[n - 1];
    if (n < RASLEAK__MIN_SAMPLES) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason,
                 "only %zu measured sample%s (at least %d needed)", n, n == 1 ? "" : "s",
                 RASLEAK__MIN_SAMPLES);
        return;
    }
    size_t i = 1;
    while (i < n && y[i] == y[0])
        i++;
    if (i == n) {
        constant(x, n, y[0], out);
        return;
    }

    /* Once the resource ran out the series is flat at its limit; the trend
     * that matters is the one that led there. */
    size_t m = n;
    for (i = 0; !isnan(limit) && i < n; i++) {
        if (y[i] >= limit) {
            out->reached_limit_iter = x[i];
            m = i + 1 >= RASLEAK__MIN_SAMPLES ? i + 1 : n;
            break;
        }
    }
    int at_limit = !isnan(out->reached_limit_iter);

    /* Only whole series are shared: one cut at its limit fits its own part. */
    struct fit f;
    int rc;
    if (share && share->kept && m == n && share->n == n)
        rc = fit_shifted(x, y, m, cfg->confidence, cfg->threads, share, &f);
    else
        rc = fit(x, y, m, cfg->confidence, cfg->threads, first && m == n ? share : NULL, &f);
    if (rc < 0) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason, "statistics failed on this series");
        return;
    }
    out->mk_s = f.mk.s;
    out->mk_var = f.mk.var;
    out->mk_z = f.mk.z;
    out->mk_p = f.mk.p;
    out->mk_var_corrected = f.var_used;
    out->mk_z_corrected = f.z;
    out->mk_p_corrected = f.p;
    out->effective_n = f.var_used > f.mk.var ? f.hr.n_eff : (double)m;
    snprintf(out->correction, sizeof out->correction, "%s",
             f.var_used > f.mk.var ? f.hr.method : "none");
    out->slope_per_iter = f.slope;
    out->slope_lo = f.lo;
    out->slope_hi = f.hi;
    out->intercept = f.intercept;
    out->ols_slope = f.ols.slope;
    out->ols_intercept = f.ols.intercept;
    out->ols_se = f.ols.slope_se;
    out->r2 = f.ols.r2;
    double span = x[m - 1] - x[0];
    out->growth = f.slope * span;
    double need_total = rasleak__min_growth(metric);
    double need_rate = rasleak__min_rate(cfg, metric);
    settling_check(x, y, m, cfg->alpha, f.slope, need_total, out);

    out->verdict = RASLEAK_NO_LEAK;
    int grows_plain = f.mk.p < cfg->alpha && f.mk.s > 0;
    if (grows_plain && !at_limit) {
        if (!(f.slope > 0)) {
            /* Significant, yet most pairs are flat: growth that stopped
             * early, or a one-off step such as a buffer allocated once. */
            snprintf(out->reason, sizeof out->reason,
                     "plateau: grew early or in one step, flat for most of the run");
            return;
        }
        /* Did the last part of the run keep growing at the pace of the
         * whole?  Asked when the tail should show material growth, and
         * when the slope interval reaches zero, to tell a one-off step
         * (flat at the end) from mixed evidence. */
        size_t tn = (size_t)ceil((double)m * TAIL_FRACTION);
        size_t t0 = m - tn;
        double tail_span = x[m - 1] - x[t0];
        double expected = f.slope * tail_span;
        double ts, tp;
        if (tn >= RASLEAK__MIN_SAMPLES && (expected >= 3 * need_total || !(f.lo > 0)) &&
            part_slope(x, y, t0, tn, &ts, &tp) == 0) {
            out->tail_slope = ts;
            if (ts * tail_span <= PLATEAU_RATIO * expected) {
                plateau_reason(x, y, m, t0, out);
                return;
            }
        }
    }
    char test[96];
    test_text(test, sizeof test, &f, out);
    if (!(f.p < cfg->alpha) || f.mk.s <= 0) {
        snprintf(out->reason, sizeof out->reason, "no significant upward trend (%s)", test);
        return;
    }
    if (!(f.lo > 0)) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason,
                 "mixed evidence: trend significant (%s) but the slope interval "
                 "%.4g to %.4g%s includes zero", test, f.lo, f.hi, rasleak__unit_noun(metric, 0));
        return;
    }
    if (out->growth < need_total || f.slope < need_rate) {
        char a[48], b[48];
        if (f.slope < need_rate) {
            rasleak__fmt_amount(a, sizeof a, f.slope, metric, 0);
            rasleak__fmt_amount(b, sizeof b, need_rate, metric, 0);
            /* Just under the minimum, both print alike: say by how much. */
            char exact[64] = "";
            if (strcmp(a, b) == 0)
                snprintf(exact, sizeof exact, " (%.9g < %.9g)", f.slope, need_rate);
            snprintf(out->reason, sizeof out->reason,
                     "slope %s below the minimum rate %s per iteration%s; trend %s", a, b,
                     exact, test);
        }
        else
            snprintf(out->reason, sizeof out->reason,
                     "growth of %s over the run below the minimum %s; trend %s",
                     rasleak__fmt_amount(a, sizeof a, out->growth, metric, 0),
                     rasleak__fmt_amount(b, sizeof b, need_total, metric, 0), test);
        return;
    }

    out->verdict = RASLEAK_LEAK;
    if (at_limit)
        snprintf(out->reason, sizeof out->reason,
                 "grew until it reached its limit of %.0f at iteration %.0f", limit,
                 out->reached_limit_iter);
    else
        snprintf(out->reason, sizeof out->reason,
                 "grows steadily (%s), slope interval %.4g to %.4g%s per iteration", test, f.lo,
                 f.hi, rasleak__unit_noun(metric, 0));
    if (out->settling) {
        size_t l = strlen(out->reason);
        snprintf(out->reason + l, sizeof out->reason - l,
                 "; still settling after the warm-up");
    }
    if (!isnan(limit)) {
        /* Where the fitted line meets the limit: a projection when the run
         * stopped short of it, a check of the method when it did not. */
        out->exhausted_at_iter = ceil((limit - f.intercept) / f.slope);
        double left = out->exhausted_at_iter - out->last_iter;
        out->exhausted_in_s = left <= 0 ? 0 : isnan(sec_per_iter) ? NAN : left * sec_per_iter;
    }
}
