/*
 * analyze.c - judging every series of a trend file.
 *
 * A series leaks when three things hold together (docs/analysis.md):
 *   1. the Mann-Kendall test finds a monotone trend (p < alpha),
 *   2. Sen's slope and the lower bound of its confidence interval are
 *      above zero, so that a one-off step (a buffer allocated once) with
 *      half the pairs flat does not count, and
 *   3. the growth is material: at least a per-metric total over the
 *      measured run and at least the minimum rate the user set.
 * Growth that stops (a cache filling up) is a plateau, not a leak; growth
 * that stops because the resource ran out is the leak's end, not a plateau.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/analysis.h"
#include "rasleak/sampler.h"
#include "rasleak/stats.h"
#include "rasleak/trend.h"
#include "analyze/series.h"

#define MIN_SAMPLES 8
#define MIN_GROWTH_COUNT 1.0          /* one whole handle / thread */
#define MIN_GROWTH_BYTES 32768.0      /* eight pages */
#define TAIL_FRACTION (1.0 / 3.0)
#define PLATEAU_RATIO 0.1

const char *rasleak_verdict_name(int verdict)
{
    switch (verdict) {
    case RASLEAK_LEAK: return "leak";
    case RASLEAK_NO_LEAK: return "no_leak";
    default: return "inconclusive";
    }
}

void rasleak_analyze_config_init(struct rasleak_analyze_config *c)
{
    memset(c, 0, sizeof *c);
    c->alpha = 0.01;
    c->confidence = 0.95;
    c->warmup = -1;
}

static double min_rate(const struct rasleak_analyze_config *c, const char *metric)
{
    for (size_t i = 0; i < c->nmin_rates; i++)
        if (strcmp(c->min_rates[i].metric, metric) == 0)
            return c->min_rates[i].rate;
    return 0;
}

static double min_growth(const char *metric)
{
    return rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES ? MIN_GROWTH_BYTES
                                                               : MIN_GROWTH_COUNT;
}

/* The limit in the header that bounds `metric` of `target`, or NAN. */
static double limit_of(json_t *header, const char *target, const char *metric)
{
    const char *key = NULL;
    if (strcmp(metric, "handles") == 0)
        key = "handles";
    else if (strcmp(metric, "rss_bytes") == 0 || strcmp(metric, "private_bytes") == 0 ||
             strcmp(metric, "heap_bytes") == 0)
        key = "memory_bytes";
    else if (strcmp(metric, "vm_bytes") == 0)
        key = "vm_bytes";
    if (!key)
        return NAN;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(header, "targets"), i, t) {
        const char *id = json_string_value(json_object_get(t, "id"));
        if (id && strcmp(id, target) == 0) {
            json_t *v = json_object_get(json_object_get(t, "limits"), key);
            return json_is_number(v) && json_number_value(v) > 0 ? json_number_value(v) : NAN;
        }
    }
    return NAN;
}

/*
 * Whether the resource has run out.  Descriptors are handed out lowest
 * first and the limit caps their number, so when opening fails every slot
 * below the limit is taken and the count stands at (at least) the limit.
 */
static int at_limit(double v, double limit)
{
    return !isnan(limit) && v >= limit;
}

struct fit {
    struct rasleak_mk mk;
    struct rasleak_sen sen;
    struct rasleak_ols ols;
};

static int fit(const double *x, const double *y, size_t n, double confidence, struct fit *f)
{
    int rc;
    if ((rc = rasleak_mk(y, n, &f->mk)) < 0 ||
        (rc = rasleak_sen(x, y, n, f->mk.var, confidence, &f->sen)) < 0 ||
        (rc = rasleak_ols(x, y, n, &f->ols)) < 0)
        return rc;
    return 0;
}

static void judge(const struct rasleak_analyze_config *cfg, json_t *header,
                  const struct rasleak__series *s, double sec_per_iter,
                  struct rasleak_series_result *out)
{
    snprintf(out->target, sizeof out->target, "%s", s->target);
    snprintf(out->metric, sizeof out->metric, "%s", s->metric);
    out->limit = limit_of(header, s->target, s->metric);
    out->exhausted_at_iter = out->exhausted_in_s = out->reached_limit_iter = NAN;
    out->slope_per_iter = out->slope_lo = out->slope_hi = out->intercept = NAN;
    out->ols_slope = out->ols_intercept = out->ols_se = out->r2 = NAN;
    out->mk_s = out->mk_var = out->mk_z = out->mk_p = NAN;
    out->growth = NAN;
    out->n = s->n;
    if (s->n == 0) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason, "no measured samples");
        return;
    }
    out->first_iter = s->x[0];
    out->last_iter = s->x[s->n - 1];
    out->first_value = s->y[0];
    out->last_value = s->y[s->n - 1];
    if (s->n < MIN_SAMPLES) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason, "only %zu measured samples (at least %d needed)",
                 s->n, MIN_SAMPLES);
        return;
    }

    /* Once the resource ran out the series is flat at its limit; the trend
     * that matters is the one that led there. */
    size_t n = s->n;
    for (size_t i = 0; i < s->n; i++) {
        if (at_limit(s->y[i], out->limit)) {
            out->reached_limit_iter = s->x[i];
            n = i + 1 >= MIN_SAMPLES ? i + 1 : s->n;
            break;
        }
    }

    struct fit f;
    if (fit(s->x, s->y, n, cfg->confidence, &f) < 0) {
        out->verdict = RASLEAK_INCONCLUSIVE;
        snprintf(out->reason, sizeof out->reason, "statistics failed on this series");
        return;
    }
    out->mk_s = f.mk.s;
    out->mk_var = f.mk.var;
    out->mk_z = f.mk.z;
    out->mk_p = f.mk.p;
    out->slope_per_iter = f.sen.slope;
    out->slope_lo = f.sen.lo;
    out->slope_hi = f.sen.hi;
    out->intercept = f.sen.intercept;
    out->ols_slope = f.ols.slope;
    out->ols_intercept = f.ols.intercept;
    out->ols_se = f.ols.slope_se;
    out->r2 = f.ols.r2;
    double span = s->x[n - 1] - s->x[0];
    out->growth = f.sen.slope * span;
    double need_total = min_growth(s->metric);
    double need_rate = min_rate(cfg, s->metric);

    out->verdict = RASLEAK_NO_LEAK;
    if (!(f.mk.p < cfg->alpha) || f.mk.s <= 0) {
        snprintf(out->reason, sizeof out->reason, "no significant upward trend (p=%.3g)",
                 f.mk.p);
        return;
    }
    if (!(f.sen.slope > 0)) {
        /* Significant, yet most pairs are flat: growth that stopped early,
         * or a one-off step such as a buffer allocated once. */
        snprintf(out->reason, sizeof out->reason,
                 "plateau: grew early or in one step, flat for most of the run");
        return;
    }
    if (!(f.sen.lo > 0)) {
        snprintf(out->reason, sizeof out->reason,
                 "slope not surely above zero (interval %.3g to %.3g per iteration)",
                 f.sen.lo, f.sen.hi);
        return;
    }
    if (out->growth < need_total || f.sen.slope < need_rate) {
        snprintf(out->reason, sizeof out->reason,
                 f.sen.slope < need_rate ? "slope %.4g below the minimum rate %.4g"
                                         : "growth of %.0f over the run below the minimum %.0f",
                 f.sen.slope < need_rate ? f.sen.slope : out->growth,
                 f.sen.slope < need_rate ? need_rate : need_total);
        return;
    }
    if (isnan(out->reached_limit_iter)) {
        /* Plateau: did the last part of the run keep growing at the pace
         * of the whole?  Only asked when the tail should show growth. */
        size_t tn = (size_t)ceil((double)n * TAIL_FRACTION);
        if (tn >= MIN_SAMPLES) {
            size_t t0 = n - tn;
            double tail_span = s->x[n - 1] - s->x[t0];
            double expected = f.sen.slope * tail_span;
            struct fit tf;
            if (expected >= 3 * need_total &&
                fit(s->x + t0, s->y + t0, tn, cfg->confidence, &tf) == 0 &&
                tf.sen.slope * tail_span <= PLATEAU_RATIO * expected) {
                snprintf(out->reason, sizeof out->reason,
                         "plateau: grew %.4g per iteration, then flat from about "
                         "iteration %.0f", f.sen.slope, s->x[t0]);
                return;
            }
        }
    }

    out->verdict = RASLEAK_LEAK;
    if (!isnan(out->reached_limit_iter))
        snprintf(out->reason, sizeof out->reason, "grew until it reached its limit of %.0f "
                 "at iteration %.0f", out->limit, out->reached_limit_iter);
    else
        snprintf(out->reason, sizeof out->reason, "grows steadily: Mann-Kendall p=%.2g, "
                 "slope interval %.4g to %.4g per iteration", f.mk.p, f.sen.lo, f.sen.hi);
    if (!isnan(out->limit)) {
        /* Where the fitted line meets the limit: a projection when the run
         * stopped short of it, a check of the method when it did not. */
        out->exhausted_at_iter = ceil((out->limit - f.sen.intercept) / f.sen.slope);
        double left = out->exhausted_at_iter - out->last_iter;
        out->exhausted_in_s = left <= 0 ? 0 : isnan(sec_per_iter) ? NAN : left * sec_per_iter;
    }
}

/* Read the records, gathering series and run facts. */
static int gather(struct rasleak_trend_reader *r, struct rasleak_analysis *a,
                  struct rasleak__series_set *set, struct rasleak_error *err)
{
    json_t *rec;
    int type;
    double t_first = NAN, t_last = NAN, i_first = NAN, i_last = NAN;
    while ((type = rasleak_trend_next(r, &rec, err)) > 0) {
        if (type == RASLEAK_REC_SAMPLE) {
            double iter = (double)json_integer_value(json_object_get(rec, "iter"));
            double t = json_number_value(json_object_get(rec, "t"));
            if (isnan(i_first)) {
                i_first = iter;
                t_first = t;
            }
            i_last = iter;
            t_last = t;
            a->samples++;
            if (iter > (double)a->warmup &&
                rasleak__series_add_sample(set, iter, json_object_get(rec, "targets")) < 0)
                return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        } else if (type == RASLEAK_REC_EVENT) {
            a->events++;
            const char *kind = json_string_value(json_object_get(rec, "kind"));
            if (kind && strcmp(kind, "dial_failed") == 0 && isnan(a->first_failure_iter)) {
                a->first_failure_iter =
                    (double)json_integer_value(json_object_get(rec, "iter"));
                const char *m = json_string_value(json_object_get(rec, "message"));
                snprintf(a->first_failure, sizeof a->first_failure, "%s", m ? m : "");
            }
        } else if (type == RASLEAK_REC_SUMMARY) {
            a->iterations_done =
                (uint64_t)json_integer_value(json_object_get(rec, "iterations_done"));
            a->dial_failures = (uint64_t)json_integer_value(json_object_get(rec, "dial_failures"));
            snprintf(a->stop_reason, sizeof a->stop_reason, "%s",
                     json_string_value(json_object_get(rec, "stop_reason")));
        }
    }
    if (type < 0)
        return type;
    a->truncated = rasleak_trend_truncated(r);
    if (!a->stop_reason[0])
        a->iterations_done = isnan(i_last) ? 0 : (uint64_t)i_last;
    if (i_last > i_first)
        a->seconds_per_iter = (t_last - t_first) / (i_last - i_first);
    return 0;
}

int rasleak_analyze_file(const char *path, const struct rasleak_analyze_config *cfg,
                         struct rasleak_analysis **out, struct rasleak_error *err)
{
    struct rasleak_analyze_config defaults;
    if (!cfg) {
        rasleak_analyze_config_init(&defaults);
        cfg = &defaults;
    }
    struct rasleak_trend_reader *r;
    int rc = rasleak_trend_open(&r, path, err);
    if (rc < 0)
        return rc;
    struct rasleak_analysis *a = calloc(1, sizeof *a);
    if (!a) {
        rasleak_trend_close(r);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    snprintf(a->path, sizeof a->path, "%s", path);
    a->header = json_incref(rasleak_trend_header(r));
    a->first_failure_iter = NAN;
    a->seconds_per_iter = NAN;
    json_t *hw = json_object_get(json_object_get(a->header, "run"), "warmup");
    a->warmup = cfg->warmup >= 0 ? cfg->warmup
                                 : json_is_integer(hw) ? (long)json_integer_value(hw) : 0;

    struct rasleak__series_set set = {0};
    rc = gather(r, a, &set, err);
    rasleak_trend_close(r);
    if (rc < 0)
        goto fail;
    a->series = calloc(set.n ? set.n : 1, sizeof *a->series);
    if (!a->series) {
        rc = rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        goto fail;
    }
    a->nseries = set.n;
    int any_leak = 0, any_inconclusive = 0;
    for (size_t i = 0; i < set.n; i++) {
        judge(cfg, a->header, &set.items[i], a->seconds_per_iter, &a->series[i]);
        any_leak |= a->series[i].verdict == RASLEAK_LEAK;
        any_inconclusive |= a->series[i].verdict == RASLEAK_INCONCLUSIVE;
    }
    a->verdict = any_leak ? RASLEAK_LEAK
               : (any_inconclusive || set.n == 0) ? RASLEAK_INCONCLUSIVE : RASLEAK_NO_LEAK;
    rasleak__series_free(&set);
    *out = a;
    return 0;
fail:
    rasleak__series_free(&set);
    rasleak_analysis_free(a);
    return rc;
}

void rasleak_analysis_free(struct rasleak_analysis *a)
{
    if (!a)
        return;
    json_decref(a->header);
    free(a->series);
    free(a);
}
