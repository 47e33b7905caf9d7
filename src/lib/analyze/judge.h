/*
 * judge.h - internal: the verdict on one series, from arrays.
 *
 * rasleak_analyze_file() reads a trend file and calls this once per
 * (target, metric); tests call it directly on synthetic arrays, which is
 * what lets them judge hundreds of random seeds in a fraction of a second.
 */
#ifndef RASLEAK_JUDGE_H
#define RASLEAK_JUDGE_H

#include <stddef.h>

#include "rasleak/analysis.h"

/* Defaults of the decision (docs/analysis.md, "Decision"). */
#define RASLEAK__MIN_SAMPLES 8
#define RASLEAK__MIN_GROWTH_COUNT 1.0     /* one whole handle or thread */
#define RASLEAK__MIN_GROWTH_BYTES 32768.0 /* eight pages */
#define RASLEAK__MIN_RATE_COUNT 1e-4      /* one handle per 10,000 iterations */
#define RASLEAK__MIN_RATE_BYTES 0.1       /* bytes per iteration */

/*
 * Judge the series (x[i], y[i]), i < n: x strictly increasing iteration
 * numbers of the measured phase, y finite values >= 0.  `limit` is the
 * resource limit of the metric (NAN: none) and `sec_per_iter` the run's
 * pace (NAN: unknown), both for the projection.  Fills every field of
 * `out`; never fails: a series the statistics cannot handle is judged
 * inconclusive with the reason.  Uses only scratch memory it frees.
 */
void rasleak__judge_series(const struct rasleak_analyze_config *cfg, const char *target,
                           const char *metric, const double *x, const double *y, size_t n,
                           double limit, double sec_per_iter,
                           struct rasleak_series_result *out);

/*
 * The same for a group of series of which each after the first is the
 * first shifted by a constant (rasleak__series_shifted, analyze/series.h),
 * judged one after the other with one `share`: the first fits fully and
 * keeps its fit; the others take its trend statistics, which the shift
 * does not change, and fit only what it does (Hamed-Rao's correction, the
 * intercept, least squares).  The results are those of
 * rasleak__judge_series() on each.  The first series' x and y must stay
 * valid until the share is freed.  A series cut at its limit is fitted on
 * its own.
 */
struct rasleak__judge_share;
struct rasleak__judge_share *rasleak__judge_share_new(void);
void rasleak__judge_share_free(struct rasleak__judge_share *s);
/* How many series took the kept fit (for the tests). */
size_t rasleak__judge_share_count(const struct rasleak__judge_share *s);
void rasleak__judge_series_shared(const struct rasleak_analyze_config *cfg, const char *target,
                                  const char *metric, const double *x, const double *y,
                                  size_t n, double limit, double sec_per_iter,
                                  struct rasleak__judge_share *share,
                                  struct rasleak_series_result *out);

/* From how many values a series' intercept and least squares run on two
 * threads when the judging may (for the tests; 0: the default). */
void rasleak__judge_set_lines_two_min(size_t n);

/* The minimum growth over the run and rate per iteration for `metric`. */
double rasleak__min_growth(const char *metric);
double rasleak__min_rate(const struct rasleak_analyze_config *cfg, const char *metric);

#endif
