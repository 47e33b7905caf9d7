/*
 * rasleak/analysis.h - from a trend file to a verdict.
 *
 * The analyzer reads trend files, never the driver's memory, so the same
 * verdict comes from a live run, a file from another machine, or stdin.
 * The method is in docs/analysis.md.
 */
#ifndef RASLEAK_ANALYSIS_H
#define RASLEAK_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rasleak_verdict {
    RASLEAK_NO_LEAK = 0,
    RASLEAK_LEAK = 1,
    RASLEAK_INCONCLUSIVE = 2,
    RASLEAK_ALLOWED = 3      /* a leak an allowance accepts (rasleak/allow.h) */
};

/* "no_leak", "leak", "inconclusive", "allowed" */
const char *rasleak_verdict_name(int verdict);

/* A minimum growth rate a series must reach to count as a leak. */
struct rasleak_min_rate {
    char metric[64];
    double rate;       /* per iteration, in the metric's unit */
};

/*
 * Progress of an analysis, for a caller that shows it (a file of millions
 * of samples takes a minute).  Called only on the thread that called
 * rasleak_analyze_file(), first with stage "reading" (done and total in
 * bytes of the trend file), then "judging" (done and total in series).
 * Calls come every few thousand records and after each series; the last
 * of a stage has done == total.  It must not call back into the analysis.
 */
typedef void (*rasleak_progress_fn)(void *ud, const char *stage, uint64_t done,
                                    uint64_t total);

struct rasleak_analyze_config {
    double alpha;              /* significance level; default 0.01 */
    int threads;               /* for reading and judging; 0: up to 2 */
    double confidence;         /* of the slope interval; default 0.95 */
    long warmup;               /* -1: use the header's */
    const struct rasleak_min_rate *min_rates;
    size_t nmin_rates;
    rasleak_progress_fn progress;  /* NULL: none (the default) */
    void *progress_ud;
};

/* Defaults as documented. */
void rasleak_analyze_config_init(struct rasleak_analyze_config *c);

/* One handle type's part in the growth of a `handles` series. */
struct rasleak_type_share {
    char type[24];          /* "socket", "pipe", ... */
    double slope_per_iter;  /* Sen's slope of handles.<type> */
    double share;           /* that slope over the handles series' slope */
};

#define RASLEAK_MAX_SHARES 4

/* The judgement of one target's metric. */
struct rasleak_series_result {
    char target[128];
    char metric[64];
    int verdict;
    char reason[256];       /* why, in a few words */
    size_t n;               /* measured samples */
    double first_iter, last_iter;
    double first_value, last_value;
    double slope_per_iter;  /* Sen's slope */
    double slope_lo, slope_hi;
    double intercept;
    double ols_slope, ols_intercept, ols_se, r2;
    double mk_s, mk_var, mk_z, mk_p;    /* plain Mann-Kendall (independent samples) */
    /* After the serial-correlation correction (docs/analysis.md): the
     * variance, score and p-value the decision uses, the effective sample
     * size n*, and which correction: "hamed-rao" or "none". */
    double mk_var_corrected, mk_z_corrected, mk_p_corrected;
    double effective_n;
    char correction[16];
    double tail_slope;      /* Sen's slope of the last third; NAN if not checked */
    int settling;           /* the series still moved at the start of the measured phase */
    double settling_slope;  /* Sen's slope of that start; NAN if not checked */
    double growth;          /* slope * measured span: growth the trend explains */
    double limit;           /* the resource limit of this metric, NAN if none */
    double exhausted_at_iter; /* projected; NAN when not growing or no limit */
    double exhausted_in_s;    /* from the last sample, at the run's pace */
    double reached_limit_iter; /* first sample at the limit, NAN if never */
    /* A leaking `handles` series of a run with handle types: the types whose
     * handles.<type> series leak, largest share first, and in words: "all
     * of them sockets" (one type explains >= 90% of the slope), or "sockets
     * 60%, pipes 40%".  "" and 0 otherwise. */
    char attribution[160];
    struct rasleak_type_share shares[RASLEAK_MAX_SHARES];
    size_t nshares;
};

struct rasleak_analysis {
    int verdict;
    char path[512];
    json_t *header;          /* owned; the trend header */
    long warmup;             /* the warm-up used */
    /* The header's warm-up when it was shortened because the run stopped
     * before it left enough samples to judge (then warmup is a tenth of
     * the iterations run); -1 when it was used as it is. */
    long warmup_planned;
    uint64_t samples;        /* sample records read */
    uint64_t events;
    uint64_t iterations_done;
    uint64_t dial_failures;
    char stop_reason[32];    /* "" when the file has no summary */
    int truncated;
    double first_failure_iter; /* NAN when none */
    char first_failure[256];   /* message of the first failed dial */
    /* The first watched process that exited (a target_exited event):
     * iteration (NAN when none), target id and message. */
    double exit_iter;
    char exit_target[128];
    char exit_message[256];
    double seconds_per_iter;   /* measured pace; NAN if unknown */
    struct rasleak_series_result *series;
    size_t nseries;
    /* The "suspects" records of the file, in order (docs/trend-format.md),
     * without their "type"; owned; NULL when the file has none. */
    json_t *suspects;
};

/*
 * Read and judge a trend file ("-" for stdin).  On success *out is owned by
 * the caller: rasleak_analysis_free().  RASLEAK_EFORMAT / RASLEAK_EIO with
 * file and line in `err` when the file cannot be read.
 */
int rasleak_analyze_file(const char *path, const struct rasleak_analyze_config *cfg,
                         struct rasleak_analysis **out, struct rasleak_error *err);

/* The analysis as a rasleak-analysis v1 JSON document (new reference). */
json_t *rasleak_analysis_to_json(const struct rasleak_analysis *a);

void rasleak_analysis_free(struct rasleak_analysis *a);

#ifdef __cplusplus
}
#endif
#endif
