/*
 * rasleak/run.h - the driver: dial, hang up, sample, repeat.
 */
#ifndef RASLEAK_RUN_H
#define RASLEAK_RUN_H

#include <signal.h>
#include <stdint.h>
#include "rasleak/backend.h"
#include "rasleak/trend.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rasleak_stop_reason {
    RASLEAK_STOP_COMPLETED,
    RASLEAK_STOP_INTERRUPTED,
    RASLEAK_STOP_MAX_FAILURES,
    RASLEAK_STOP_DURATION,
    RASLEAK_STOP_ERROR
};

/* "completed", "interrupted", ... */
const char *rasleak_stop_reason_name(int reason);

/* What a progress callback is told, at most a few times a second. */
struct rasleak_progress {
    uint64_t iter, total;
    double elapsed_s;
    uint64_t dial_failures;
    double handles_delta;    /* own process since the warm-up ended; NAN before */
    double rss_delta_bytes;
};

struct rasleak_run_config {
    const struct rasleak_backend *backend;
    struct rasleak_options options;   /* validated against backend->options */
    uint64_t iterations;              /* measured + warm-up iterations in all */
    uint64_t warmup;                  /* the first `warmup` are warm-up */
    double interval_ms;               /* pause after each iteration */
    uint64_t sample_every;            /* sample every k-th iteration (>= 1) */
    uint64_t max_failures;            /* consecutive failed dials that stop the run; 0 = never */
    double duration_s;                /* stop after this long; 0 = no limit */
    struct rasleak_trend_writer *writer;
    /* Set asynchronously (by a signal handler) to stop after the current iteration. */
    volatile sig_atomic_t *stop;
    void (*progress)(void *ctx, const struct rasleak_progress *p);
    void *progress_ctx;
};

struct rasleak_run_result {
    uint64_t iterations_done;
    uint64_t dial_failures;
    int stop_reason;
};

/*
 * Run the loop and write the trend file through cfg->writer: header,
 * samples and events, summary.  Returns 0 when a summary was written (any
 * stop reason), RASLEAK_EBACKEND when the backend could not be opened,
 * RASLEAK_EIO when the trend file could not be written, or another code.
 */
int rasleak_run(const struct rasleak_run_config *cfg, struct rasleak_run_result *res,
                struct rasleak_error *err);

#ifdef __cplusplus
}
#endif
#endif
