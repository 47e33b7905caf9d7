/*
 * watch.h - internal: the processes a run samples (docs/watching.md).
 *
 * driver.c runs the loop; this keeps the list of targets: the own process
 * unless left out, and every watched or spawned one.  It opens them all
 * before the first iteration, samples them after each, turns an exit into
 * an event, and at the end lists each target's leak suspects.
 */
#ifndef RASLEAK_WATCH_H
#define RASLEAK_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "rasleak/run.h"
#include "rasleak/trend.h"

struct rasleak__watch;

/* Called for a target that has exited; `e` says how. 0 or a negative code. */
typedef int (*rasleak__exit_fn)(void *ctx, const char *id, long pid,
                                const struct rasleak_error *e, struct rasleak_error *err);

/*
 * Open the targets of `cfg` (NULL: the own process only).  On success *out
 * is owned by the caller: rasleak__watch_free().  Fails with the target's
 * id, process and file in `err` when one cannot be read.
 */
int rasleak__watch_open(struct rasleak__watch **out, const struct rasleak_watch_config *cfg,
                        struct rasleak_error *err);

/* Whether `id` is the id of one of the targets. */
int rasleak__watch_has_id(const struct rasleak__watch *w, const char *id);

/* The header's "targets" array (new reference), backend target not included. */
json_t *rasleak__watch_header(const struct rasleak__watch *w);

/*
 * Sample every target that is still there after iteration `iter`.  *tv
 * points at the values of the live targets, *n of them, with room for one
 * more entry after them (the backend's).  A target that has exited is
 * handed to `on_exit` and left out from then on; *stop is set when the run
 * must end for it.  Returns 0 or a negative code.
 */
int rasleak__watch_sample(struct rasleak__watch *w, uint64_t iter,
                          struct rasleak_target_values **tv, size_t *n, int *stop,
                          rasleak__exit_fn on_exit, void *ctx, struct rasleak_error *err);

/* The current values become the base of the progress deltas (end of warm-up). */
void rasleak__watch_mark_base(struct rasleak__watch *w);

/* The progress figures of every target; valid until the next sample. */
const struct rasleak_progress_target *rasleak__watch_progress(struct rasleak__watch *w,
                                                              size_t *n);

/*
 * At the end of a run: check that each target is still the process that
 * was opened (an exit since the last sample goes to `on_exit`), then, when
 * handle types were asked for and the run reached the measured phase, write
 * one "suspects" record per live target.  0 or a negative code.
 */
int rasleak__watch_finish(struct rasleak__watch *w, uint64_t iter, double t, uint64_t warmup,
                          struct rasleak_trend_writer *writer, rasleak__exit_fn on_exit,
                          void *ctx, struct rasleak_error *err);

/* Targets that exited during the run. */
size_t rasleak__watch_exited(const struct rasleak__watch *w);

void rasleak__watch_free(struct rasleak__watch *w);

#endif
