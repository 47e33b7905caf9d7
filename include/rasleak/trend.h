/*
 * rasleak/trend.h - the trend file: writing it as a run goes, reading it back.
 *
 * Format v1 is documented in docs/trend-format.md.  Two layouts carry the
 * same records: JSON Lines (one record per line) and one JSON document
 * {"header":..,"samples":[..],"events":[..],"summary":..}.  Both are written
 * incrementally, so nothing accumulates in memory and a killed run leaves a
 * file that can be read up to its last whole record.
 */
#ifndef RASLEAK_TREND_H
#define RASLEAK_TREND_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RASLEAK_TREND_FORMAT  "rasleak-trend"
#define RASLEAK_TREND_VERSION 3

enum rasleak_trend_layout {
    RASLEAK_TREND_JSONL,
    RASLEAK_TREND_JSON,
    /* JSON Lines whose samples are mostly rows: arrays of the changes of
     * the values in the columns of the last full sample (a full sample at
     * least every RASLEAK_TREND_FULL_EVERY samples, at the start of the
     * measured phase, and whenever the columns change or a value is not a
     * whole number); docs/trend-format.md. */
    RASLEAK_TREND_COMPACT
};

#define RASLEAK_TREND_FULL_EVERY 1000

/* One metric value of a target; NAN means "not available": left out. */
struct rasleak_metric_value {
    const char *name;
    double value;
};

/* The values of one target in one sample. */
struct rasleak_target_values {
    const char *id;
    const struct rasleak_metric_value *metrics;
    size_t count;
};

/* One sampled iteration. */
struct rasleak_sample_record {
    uint64_t iter;
    double t;              /* seconds since the run started */
    int measure;           /* 0 = warm-up, 1 = measured phase */
    int ok;                /* the iteration's dial succeeded */
    double dial_us, hangup_us;
    const struct rasleak_target_values *targets;
    size_t ntargets;
};

/* ---- writing ------------------------------------------------------------ */

struct rasleak_trend_writer;

/*
 * Start writing to `fp`, which the caller opened and still owns (it is
 * flushed, never closed, by the writer).  `name` is used in messages only.
 */
int rasleak_trend_writer_open(struct rasleak_trend_writer **out, FILE *fp,
                              const char *name, enum rasleak_trend_layout layout,
                              struct rasleak_error *err);

/* The header record; `header` is borrowed, and its "version" set to the
 * format version the writer writes (RASLEAK_TREND_VERSION).  Must be the
 * first call. */
int rasleak_trend_write_header(struct rasleak_trend_writer *w, json_t *header,
                               struct rasleak_error *err);

/*
 * One sample.  Allocation-free in the steady state: the JSON objects are
 * built once and their values updated in place.
 */
int rasleak_trend_write_sample(struct rasleak_trend_writer *w,
                               const struct rasleak_sample_record *s,
                               struct rasleak_error *err);

/* Any other record (event, suspects); `rec` is borrowed and must carry "type". */
int rasleak_trend_write_record(struct rasleak_trend_writer *w, json_t *rec,
                               struct rasleak_error *err);

/* The summary record; completes the file and flushes it. */
int rasleak_trend_write_summary(struct rasleak_trend_writer *w, json_t *summary,
                                struct rasleak_error *err);

/* Push buffered records to the file (at most one partial record is lost on a crash). */
int rasleak_trend_writer_flush(struct rasleak_trend_writer *w, struct rasleak_error *err);

void rasleak_trend_writer_free(struct rasleak_trend_writer *w);

/* ---- reading ------------------------------------------------------------ */

enum rasleak_record_type {
    RASLEAK_REC_END = 0,
    RASLEAK_REC_HEADER,
    RASLEAK_REC_SAMPLE,
    RASLEAK_REC_EVENT,
    RASLEAK_REC_SUSPECTS,
    RASLEAK_REC_SUMMARY
};

struct rasleak_trend_reader;

/*
 * Open a trend file of either layout; "-" reads standard input.  The header
 * is read and checked here: a file that does not start with a v1 header is
 * RASLEAK_EFORMAT with the position in `err`.
 */
int rasleak_trend_open(struct rasleak_trend_reader **out, const char *path,
                       struct rasleak_error *err);

/* The header record, owned by the reader. */
json_t *rasleak_trend_header(const struct rasleak_trend_reader *r);

/*
 * The next record after the header.  Returns its type (> 0), RASLEAK_REC_END
 * at the end, or a negative code with the file, line and what was expected
 * in `err`.  *rec is owned by the reader and valid until the next call.
 * Records are checked: samples have increasing iterations and finite,
 * non-negative metric values.  A sample's *rec is an object or, in the
 * compact layout, an array: read samples with rasleak_trend_sample().
 */
int rasleak_trend_next(struct rasleak_trend_reader *r, json_t **rec,
                       struct rasleak_error *err);

/*
 * The sample rasleak_trend_next() last returned, in either form (a full
 * sample object or a compact row), as columns: value[i] is metric
 * metric[i] of target target[i], NAN when a compact row has null there
 * (not measured in that sample).  Valid until the next call.  The column
 * arrays change only when `columns` changes (a full sample whose targets
 * or metrics differ from the one before): a caller may map columns to its
 * own series once per change.
 */
struct rasleak_trend_sample {
    uint64_t iter;
    double t;                    /* seconds since the run started */
    int measure;                 /* 0 = warm-up, 1 = measured phase */
    int ok;                      /* the dial succeeded */
    double dial_us, hangup_us;   /* NAN when the record has none */
    size_t n;
    const char *const *target;
    const char *const *metric;
    const double *value;
    unsigned long columns;       /* changes whenever target[] or metric[] do */
};

void rasleak_trend_sample(const struct rasleak_trend_reader *r, struct rasleak_trend_sample *s);

/* Line number of the record last returned (from 1). */
long rasleak_trend_line(const struct rasleak_trend_reader *r);

/*
 * After RASLEAK_REC_END: whether the file was cut short (a partial last
 * record, or no summary), and how many whole records were read.
 */
int rasleak_trend_truncated(const struct rasleak_trend_reader *r);
long rasleak_trend_records(const struct rasleak_trend_reader *r);

void rasleak_trend_close(struct rasleak_trend_reader *r);

#ifdef __cplusplus
}
#endif
#endif
