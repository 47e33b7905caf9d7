/*
 * rasleak/compare.h - a run against an accepted baseline: did anything
 * start to leak, or leak faster?
 *
 * Each side is a trend file (analyzed here) or a stored rasleak-analysis
 * document (the output of `analyze --json`, small enough to keep in a
 * repository).  Series are matched by target id and metric.  The rules
 * are in docs/ci.md.
 */
#ifndef RASLEAK_COMPARE_H
#define RASLEAK_COMPARE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "rasleak/allow.h"
#include "rasleak/analysis.h"
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rasleak_cmp_kind { RASLEAK_CMP_TREND = 0, RASLEAK_CMP_ANALYSIS = 1 };

/* One series of one side, as much of it as comparing needs. */
struct rasleak_cmp_series {
    char target[128];
    char metric[64];
    int verdict;               /* RASLEAK_LEAK, _NO_LEAK, _INCONCLUSIVE, _ALLOWED */
    size_t n;
    double slope, lo, hi;      /* Sen's slope per iteration and its interval; NAN unknown */
};

struct rasleak_cmp_side {
    char path[512];
    enum rasleak_cmp_kind kind;
    json_t *doc;               /* owned: the side as a rasleak-analysis document */
    struct rasleak_cmp_series *series;
    size_t nseries;
    /* The run the side describes, from the document's "run", so that a
     * caller can say when a comparison rests on a partial run: whether the
     * trend file was cut short (its last record incomplete: a killed run),
     * the sample records analyzed, and why the run stopped ("completed",
     * "interrupted", ...; "" when the file has no summary or a stored
     * analysis does not say).  0, 0 and "" when the document has no "run". */
    int truncated;
    uint64_t samples;
    char stop_reason[32];
};

/*
 * Load one side: a stored analysis when the file says "rasleak-analysis"
 * before it says "rasleak-trend" in its first 64 KiB, else a trend file
 * judged with `cfg` (NULL: defaults).  *out is the caller's
 * (rasleak_cmp_side_free()).  RASLEAK_EFORMAT with the file, and the line
 * or the place in the document, when it is not valid; RASLEAK_EIO /
 * RASLEAK_ENOENT when it cannot be read.
 */
int rasleak_cmp_side_load(const char *path, const struct rasleak_analyze_config *cfg,
                          struct rasleak_cmp_side **out, struct rasleak_error *err);

/*
 * The same from a parsed rasleak-analysis document (borrowed; the side
 * takes its own reference).  `name` is used in messages.
 */
int rasleak_cmp_side_from_json(json_t *doc, const char *name, enum rasleak_cmp_kind kind,
                               struct rasleak_cmp_side **out, struct rasleak_error *err);

void rasleak_cmp_side_free(struct rasleak_cmp_side *s);

enum rasleak_cmp_verdict {
    RASLEAK_CMP_UNCHANGED = 0,
    RASLEAK_CMP_REGRESSION,
    RASLEAK_CMP_IMPROVED,
    RASLEAK_CMP_NEW,
    RASLEAK_CMP_MISSING,
    RASLEAK_CMP_ALLOWED        /* a regression an allowance accepts */
};

/* "unchanged", "regression", "improved", "new", "missing", "allowed" */
const char *rasleak_cmp_verdict_name(int v);

/*
 * Judge one matched pair; either may be NULL (a new or a missing series).
 * `tolerance` >= 0 is the growth per iteration by which the current side
 * may exceed the baseline before it counts.  `reason` gets why, in words.
 */
int rasleak_cmp_judge(const struct rasleak_cmp_series *base, const struct rasleak_cmp_series *cur,
                      double tolerance, char *reason, size_t len);

struct rasleak_cmp_row {
    char target[128];
    char metric[64];
    int verdict;
    char reason[384];
    const struct rasleak_cmp_series *base, *cur;   /* borrowed from the sides; NULL: absent */
    double diff_per_1000;      /* (current - baseline slope) * 1000; NAN when a side lacks it */
    double tolerance;
    struct rasleak_allow_outcome allow;
};

struct rasleak_compare_config {
    const struct rasleak_min_rate *tolerances;   /* per metric; default 0 */
    size_t ntolerances;
    const struct rasleak_allow_list *allow;      /* may be NULL */
    const char *today;                           /* "YYYY-MM-DD", for expiry */
};

struct rasleak_comparison {
    const struct rasleak_cmp_side *base, *cur;   /* borrowed */
    const struct rasleak_allow_list *allow;      /* borrowed */
    struct rasleak_cmp_row *rows;
    size_t nrows;
    char (*warnings)[256];     /* backends, options, platforms or stop reasons that differ */
    size_t nwarnings;
    size_t regressions;        /* rows whose verdict is regression */
    size_t expired;            /* regressions whose allowance has expired */
};

/*
 * Compare `cur` against `base`.  *out is the caller's
 * (rasleak_comparison_free()) and borrows both sides and the allowance
 * list, which must outlive it.  RASLEAK_ENOMEM only.
 */
int rasleak_compare(const struct rasleak_cmp_side *base, const struct rasleak_cmp_side *cur,
                    const struct rasleak_compare_config *cfg, struct rasleak_comparison **out,
                    struct rasleak_error *err);

/* The comparison as a rasleak-comparison v1 document (new reference). */
json_t *rasleak_comparison_to_json(const struct rasleak_comparison *c);

void rasleak_comparison_free(struct rasleak_comparison *c);

#ifdef __cplusplus
}
#endif
#endif
