/*
 * analyze.c - judging every series of a trend file.
 *
 * Reading: a JSON Lines file of more than a few megabytes is cut at a
 * newline into two parts read on two threads (trend/reader_split.h); each
 * gathers its own series and run facts, and the second part's are appended
 * to the first's.  Judging is schedule.c's (two threads, series in turn),
 * the verdict on a series judge.c's.  Both use one thread when
 * cfg->threads is 1.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/analysis.h"
#include "rasleak/trend.h"
#include "analyze/attribution.h"
#include "analyze/json_arena.h"
#include "analyze/judge.h"
#include "analyze/schedule.h"
#include "analyze/series.h"
#include "platform/threads.h"
#include "trend/reader_split.h"

#define SPLIT_MIN_BYTES ((size_t)1 << 20)
/* jansson's allocations for one record come from an arena of this size
 * (a sample record needs about 3 KiB; a larger one falls back to malloc). */
#define ARENA_BYTES ((size_t)256 << 10)

const char *rasleak_verdict_name(int verdict)
{
    switch (verdict) {
    case RASLEAK_LEAK: return "leak";
    case RASLEAK_NO_LEAK: return "no_leak";
    case RASLEAK_ALLOWED: return "allowed";
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

/* The first event of a kind in a part of the file: its iteration (NAN:
 * none yet), target and message. */
struct first_event {
    double iter;
    char target[128];
    char message[256];
};

static void note_event(struct first_event *e, json_t *rec)
{
    if (!isnan(e->iter))
        return;
    const char *t = json_string_value(json_object_get(rec, "target"));
    const char *m = json_string_value(json_object_get(rec, "message"));
    e->iter = (double)json_integer_value(json_object_get(rec, "iter"));
    snprintf(e->target, sizeof e->target, "%s", t ? t : "");
    snprintf(e->message, sizeof e->message, "%s", m ? m : "");
}

/* What one part of the file tells. */
struct part {
    struct rasleak_trend_reader *r;
    long warmup;
    struct rasleak__series_set set;
    uint64_t samples, events;
    double t_first, t_last, i_first, i_last;
    struct first_event failure, exit;  /* the first failed dial, target that exited */
    int have_summary;
    uint64_t iterations_done, dial_failures;
    char stop_reason[32];
    json_t *suspects;   /* the "suspects" records (attribution.c) */
    int rc;
    struct rasleak_error err;
    /* Progress: bytes this part has read, published for the thread that
     * reports; the first part reports, for both (see report_reading). */
    atomic_size_t done;
    size_t start;
    const struct rasleak_analyze_config *report;
    struct part *other;
    size_t total;
};

static void part_init(struct part *p, struct rasleak_trend_reader *r, long warmup)
{
    memset(p, 0, sizeof *p);
    p->r = r;
    p->warmup = warmup;
    p->t_first = p->t_last = p->i_first = p->i_last = NAN;
    p->failure.iter = p->exit.iter = NAN;
    p->start = rasleak__trend_pos(r);
    atomic_init(&p->done, 0);
}

/*
 * Publish how far part p has read and, from the part that reports, tell
 * the caller how far both have: the bytes behind the two read positions
 * plus what came before the first (the header).
 */
static void report_reading(struct part *p)
{
    atomic_store_explicit(&p->done, rasleak__trend_pos(p->r) - p->start, memory_order_relaxed);
    if (!p->report)
        return;
    size_t done = p->start + atomic_load_explicit(&p->done, memory_order_relaxed);
    if (p->other)
        done += atomic_load_explicit(&p->other->done, memory_order_relaxed);
    p->report->progress(p->report->progress_ud, "reading", done, p->total);
}

/* Read the records of one part, gathering series and run facts. */
static void *gather(void *arg)
{
    struct part *p = arg;
    json_t *rec;
    int type;
    /* Each record is consumed before the next is parsed, so what jansson
     * allocates for it can be reclaimed at once (analyze/json_arena.h). */
    struct rasleak__json_arena arena;
    int have_arena = rasleak__json_arena_begin(&arena, ARENA_BYTES) == 0;
    unsigned long nrec = 0;
    while ((type = rasleak_trend_next(p->r, &rec, &p->err)) > 0) {
        if (++nrec % RASLEAK__PROGRESS_EVERY == 0)
            report_reading(p);
        if (type == RASLEAK_REC_SAMPLE) {
            struct rasleak_trend_sample smp;
            rasleak_trend_sample(p->r, &smp);
            double iter = (double)smp.iter, t = smp.t;
            if (isnan(p->i_first)) {
                p->i_first = iter;
                p->t_first = t;
            }
            p->i_last = iter;
            p->t_last = t;
            p->samples++;
            if (iter > (double)p->warmup && rasleak__series_add_sample(&p->set, &smp) < 0) {
                type = rasleak_error_set(&p->err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
                break;
            }
        } else if (type == RASLEAK_REC_EVENT) {
            p->events++;
            const char *kind = json_string_value(json_object_get(rec, "kind"));
            if (kind && strcmp(kind, "dial_failed") == 0)
                note_event(&p->failure, rec);
            else if (kind && strcmp(kind, "target_exited") == 0)
                note_event(&p->exit, rec);
        } else if (type == RASLEAK_REC_SUSPECTS) {
            /* Kept beyond the record: copied with the arena set aside. */
            rasleak__json_arena_suspend(&arena);
            int added = rasleak__suspects_add(&p->suspects, rec);
            rasleak__json_arena_resume(&arena);
            if (added < 0) {
                type = rasleak_error_set(&p->err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
                break;
            }
        } else if (type == RASLEAK_REC_SUMMARY) {
            p->have_summary = 1;
            p->iterations_done =
                (uint64_t)json_integer_value(json_object_get(rec, "iterations_done"));
            p->dial_failures = (uint64_t)json_integer_value(json_object_get(rec, "dial_failures"));
            snprintf(p->stop_reason, sizeof p->stop_reason, "%s",
                     json_string_value(json_object_get(rec, "stop_reason")));
        }
        if (have_arena) {
            rasleak__trend_release(p->r);
            rasleak__json_arena_reset(&arena);
        }
    }
    /* Nothing parsed into the arena may outlive it: not the record that
     * ended the loop with an error either. */
    rasleak__trend_release(p->r);
    rasleak__json_arena_end(&arena);
    p->rc = type < 0 ? type : 0;
    atomic_store_explicit(&p->done, rasleak__trend_pos(p->r) - p->start, memory_order_relaxed);
    return NULL;
}

/* Fold part b (later in the file) into part a. */
static int merge_parts(struct part *a, struct part *b)
{
    if (rasleak__series_merge(&a->set, &b->set) < 0 ||
        rasleak__suspects_merge(&a->suspects, &b->suspects) < 0)
        return -1;
    a->samples += b->samples;
    a->events += b->events;
    if (isnan(a->i_first)) {
        a->i_first = b->i_first;
        a->t_first = b->t_first;
    }
    if (!isnan(b->i_last)) {
        a->i_last = b->i_last;
        a->t_last = b->t_last;
    }
    if (isnan(a->failure.iter))
        a->failure = b->failure;
    if (isnan(a->exit.iter))
        a->exit = b->exit;
    if (b->have_summary) {
        a->have_summary = 1;
        a->iterations_done = b->iterations_done;
        a->dial_failures = b->dial_failures;
        memcpy(a->stop_reason, b->stop_reason, sizeof a->stop_reason);
    }
    return 0;
}

/*
 * Read the whole file into p[0], on two threads when it is worth it.  With
 * cfg->progress, the first part reports for both as it goes, and the end
 * is reported once both are read.
 */
static int read_all(struct rasleak_trend_reader *r, long warmup,
                    const struct rasleak_analyze_config *cfg, struct part *p,
                    struct rasleak_error *err)
{
    struct rasleak_trend_reader *second = NULL;
    size_t total = rasleak__trend_size(r);
    part_init(&p[0], r, warmup);
    p[0].total = total;
    p[0].report = cfg->progress ? cfg : NULL;
    if (cfg->threads != 1) {
        int rc = rasleak__trend_split(r, SPLIT_MIN_BYTES, &second, err);
        if (rc < 0)
            return rc;
    }
    if (!second) {
        gather(&p[0]);
        if (p[0].rc < 0)
            *err = p[0].err;
        else if (cfg->progress)
            cfg->progress(cfg->progress_ud, "reading", total, total);
        return p[0].rc;
    }
    part_init(&p[1], second, warmup);
    p[0].other = &p[1];
    rasleak__run_two(gather, &p[0], &p[1]);
    int rc = 0;
    if (p[0].rc < 0) {
        *err = p[0].err;
        rc = p[0].rc;
    } else if ((rc = rasleak__trend_join(r, second, err)) < 0) {
        /* an error at the cut comes before anything later in the second part */
    } else if (p[1].rc < 0) {
        *err = p[1].err;
        rc = p[1].rc;
    } else if (merge_parts(&p[0], &p[1]) < 0) {
        rc = rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    if (rc == 0 && cfg->progress)
        cfg->progress(cfg->progress_ud, "reading", total, total);
    rasleak__series_free(&p[1].set);
    json_decref(p[1].suspects);
    rasleak_trend_close(second);
    return rc;
}

/*
 * The warm-up to judge from when the header's leaves too few samples of a
 * run that stopped early (dialing failed until the run gave up, a watched
 * process exited, an interrupt, or no summary at all): a tenth of the
 * iterations it ran, as `run` picks a warm-up.  The KB's symptom is such a
 * run: the handles ran out before the planned warm-up was over.  -1 when
 * the warm-up stays: the caller chose it (--warmup), enough samples were
 * measured, or the run completed as planned.
 */
static long shortened_warmup(const struct rasleak_analyze_config *cfg,
                             const struct rasleak_analysis *a, const struct part *p)
{
    int completed = p->have_summary && strcmp(p->stop_reason, "completed") == 0;
    if (cfg->warmup >= 0 || completed || p->set.niters >= RASLEAK__MIN_SAMPLES ||
        isnan(p->i_last) || p->samples < 2 * RASLEAK__MIN_SAMPLES)
        return -1;
    long shorter = (long)(p->i_last / 10);
    return shorter < a->warmup ? shorter : -1;
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
    a->exit_iter = NAN;
    a->seconds_per_iter = NAN;
    json_t *hw = json_object_get(json_object_get(a->header, "run"), "warmup");
    a->warmup = cfg->warmup >= 0 ? cfg->warmup
                                 : json_is_integer(hw) ? (long)json_integer_value(hw) : 0;

    a->warmup_planned = -1;

    struct part p[2];
    rasleak__json_arena_install();
    rc = read_all(r, a->warmup, cfg, p, err);
    rasleak__json_arena_uninstall();
    if (rc == 0)
        a->truncated = rasleak_trend_truncated(r);
    rasleak_trend_close(r);
    if (rc < 0)
        goto fail;
    long shorter = shortened_warmup(cfg, a, &p[0]);
    if (shorter >= 0) {
        /* Read again, keeping more samples: only a run that stopped early,
         * so a short file, takes this way. */
        rasleak__series_free(&p[0].set);
        json_decref(p[0].suspects);
        p[0].suspects = NULL;
        if ((rc = rasleak_trend_open(&r, path, err)) < 0)
            goto fail_read;
        a->warmup_planned = a->warmup;
        a->warmup = shorter;
        rasleak__json_arena_install();
        rc = read_all(r, a->warmup, cfg, p, err);
        rasleak__json_arena_uninstall();
        rasleak_trend_close(r);
        if (rc < 0)
            goto fail;
    }
    a->samples = p[0].samples;
    a->events = p[0].events;
    a->first_failure_iter = p[0].failure.iter;
    memcpy(a->first_failure, p[0].failure.message, sizeof a->first_failure);
    a->exit_iter = p[0].exit.iter;
    memcpy(a->exit_target, p[0].exit.target, sizeof a->exit_target);
    memcpy(a->exit_message, p[0].exit.message, sizeof a->exit_message);
    if (p[0].have_summary) {
        a->iterations_done = p[0].iterations_done;
        a->dial_failures = p[0].dial_failures;
        memcpy(a->stop_reason, p[0].stop_reason, sizeof a->stop_reason);
    } else {
        a->iterations_done = isnan(p[0].i_last) ? 0 : (uint64_t)p[0].i_last;
    }
    if (p[0].i_last > p[0].i_first)
        a->seconds_per_iter = (p[0].t_last - p[0].t_first) / (p[0].i_last - p[0].i_first);

    struct rasleak__series_set *set = &p[0].set;
    a->series = calloc(set->n ? set->n : 1, sizeof *a->series);
    if (!a->series || rasleak__judge_all(cfg, a, set) < 0) {
        rc = rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        goto fail;
    }
    a->nseries = set->n;
    rasleak__attribute(a);
    a->suspects = p[0].suspects;
    p[0].suspects = NULL;
    int any_leak = 0, any_inconclusive = 0;
    for (size_t i = 0; i < set->n; i++) {
        any_leak |= a->series[i].verdict == RASLEAK_LEAK;
        any_inconclusive |= a->series[i].verdict == RASLEAK_INCONCLUSIVE;
    }
    a->verdict = any_leak ? RASLEAK_LEAK
               : (any_inconclusive || set->n == 0) ? RASLEAK_INCONCLUSIVE : RASLEAK_NO_LEAK;
    rasleak__series_free(set);
    *out = a;
    return 0;
fail:
    rasleak__series_free(&p[0].set);
    json_decref(p[0].suspects);
fail_read:
    rasleak_analysis_free(a);
    return rc;
}

void rasleak_analysis_free(struct rasleak_analysis *a)
{
    if (!a)
        return;
    json_decref(a->header);
    json_decref(a->suspects);
    free(a->series);
    free(a);
}
