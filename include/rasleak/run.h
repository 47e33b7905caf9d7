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
    RASLEAK_STOP_ERROR,
    RASLEAK_STOP_TARGET_EXITED    /* a watched process exited (without keep_going) */
};

/* "completed", "interrupted", ... */
const char *rasleak_stop_reason_name(int reason);

/* One sampled process, in a progress report. */
struct rasleak_progress_target {
    const char *id;          /* "self", "pid:4242", a name */
    long pid;
    double handles_delta;    /* since the warm-up ended; NAN before */
    double rss_delta_bytes;
    int exited;              /* it has exited (its deltas are the last known) */
};

/* What a progress callback is told, at most a few times a second. */
struct rasleak_progress {
    uint64_t iter, total;
    double elapsed_s;
    uint64_t dial_failures;
    double handles_delta;    /* own process since the warm-up ended; NAN before */
    double rss_delta_bytes;  /* (with no_self: the first watched process's) */
    /* Every sampled process, self first unless left out; valid during the call. */
    const struct rasleak_progress_target *targets;
    size_t ntargets;
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
    size_t targets_exited;   /* watched processes that exited during the run */
};

/* A process to watch, besides or instead of rasleak's own (docs/watching.md). */
struct rasleak_target_spec {
    const char *id;          /* its id in the trend file: a name or "pid:N"; unique */
    long pid;
    const char *command;     /* for a program the run started: its command line; else NULL */
};

#define RASLEAK_WATCH_HANDLE_TYPES 0x1u  /* handles.<type> metrics, and suspects at the end */
#define RASLEAK_WATCH_MAPS         0x2u  /* the maps metric (memory mappings) */

/* What to sample after every iteration. */
struct rasleak_watch_config {
    const struct rasleak_target_spec *targets;
    size_t ntargets;
    int no_self;             /* leave rasleak's own process out */
    int keep_going;          /* a target that exits is an event; the run goes on */
    unsigned flags;          /* RASLEAK_WATCH_* */
};

/*
 * Run the loop and write the trend file through cfg->writer: header,
 * samples and events, summary.  Returns 0 when a summary was written (any
 * stop reason), RASLEAK_EBACKEND when the backend could not be opened,
 * RASLEAK_EIO when the trend file could not be written, or another code.
 */
int rasleak_run(const struct rasleak_run_config *cfg, struct rasleak_run_result *res,
                struct rasleak_error *err);

/*
 * rasleak_run() sampling the processes `watch` names (NULL: only the own
 * process, as rasleak_run()).  Every target is opened before the backend,
 * so a process that cannot be read fails the run before its first
 * iteration: RASLEAK_EACCES or RASLEAK_ENOENT with the process and the file
 * in `err`, and no header written.  A target that exits during the run is a
 * "target_exited" event; the run then stops (RASLEAK_STOP_TARGET_EXITED)
 * unless watch->keep_going and another target remains.
 */
int rasleak_run_watch(const struct rasleak_run_config *cfg,
                      const struct rasleak_watch_config *watch,
                      struct rasleak_run_result *res, struct rasleak_error *err);

#ifdef __cplusplus
}
#endif
#endif
