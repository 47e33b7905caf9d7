/*
 * analyze.c - judging every series of a trend file.
 *
 * Reading: a JSON Lines file of more than a few megabytes is cut at a
 * newline into two parts read on two threads (trend/reader_split.h); each
 * gathers its own series and run facts, and the second part's are appended
 * to the first's.  Judging: the series are handed out to two threads in
 * turn.  Both use one thread when cfg->threads is 1.  The verdict on a
 * series is judge.c's.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/analysis.h"
#include "rasleak/trend.h"
#include "analyze/attribution.h"
#include "analyze/json_arena.h"
#include "analyze/judge.h"
#include "analyze/series.h"
#include "trend/reader_split.h"

#define SPLIT_MIN_BYTES ((size_t)4 << 20)
/* jansson's allocations for one record come from an arena of this size
 * (a sample record needs about 3 KiB; a larger one falls back to malloc). */
#define ARENA_BYTES ((size_t)256 << 10)
/* Above this many values in one series two series are not judged at once:
 * each needs about 85 bytes a value while it is judged, the values as
 * doubles and the slope selection's arrays (docs/analysis.md). */
#define PARALLEL_MAX_N ((size_t)3000000)
/* Records between two looks at how far reading has come. */
#define PROGRESS_EVERY 4096

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
        if (++nrec % PROGRESS_EVERY == 0)
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
    pthread_t th;
    int threaded = pthread_create(&th, NULL, gather, &p[1]) == 0;
    gather(&p[0]);
    if (threaded)
        pthread_join(th, NULL);
    else
        gather(&p[1]);
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
 * Judging the series, handed out in turn to the threads: the constant
 * ones first, which cost nothing to judge and free their values, so that
 * memory is lowest when the first series that needs statistics starts.
 * A series that is an earlier one shifted by a constant (on Linux,
 * private_bytes is rss_bytes less the shared pages, which seldom change)
 * is judged right after it on the same thread, taking the trend
 * statistics the shift does not change (judge.h).
 */
#define NONE SIZE_MAX

struct judge_work {
    const struct rasleak_analyze_config *cfg;
    struct rasleak_analysis *a;
    struct rasleak__series_set *set;
    const size_t *order;     /* the first series of each group */
    size_t norder;
    const size_t *next;      /* next[i]: judged after i with its share, or NONE */
    pthread_mutex_t lock;
    size_t next_item, done;
    int failed;
};

/* One judging thread; `reports` on the caller's thread only. */
struct judge_thread {
    struct judge_work *w;
    const struct rasleak_analyze_config *cfg;
    int reports;
};

static void count_done(struct judge_work *w, int failed)
{
    pthread_mutex_lock(&w->lock);
    w->done++;
    w->failed |= failed;
    pthread_mutex_unlock(&w->lock);
}

/*
 * Judge series i, with `share` when it is part of a group.  Its values are
 * made arrays and its compact storage freed; the arrays are freed here,
 * or, with keep, handed back in *kx, *ky for the group's later series.
 */
static int judge_one(struct judge_thread *jt, size_t i, struct rasleak__judge_share *share,
                     double **kx, double **ky)
{
    struct judge_work *w = jt->w;
    struct rasleak__series *s = &w->set->items[i];
    const double *x;
    double *x_owned, *y;
    if (rasleak__series_arrays(w->set, s, &x, &x_owned, &y) < 0)
        return -1;
    rasleak__series_release(s);
    rasleak__judge_series_shared(jt->cfg, s->target, s->metric, x, y, s->n,
                                 limit_of(w->a->header, s->target, s->metric),
                                 w->a->seconds_per_iter, share, &w->a->series[i]);
    if (kx) {
        *kx = x_owned;
        *ky = y;
    } else {
        free(x_owned);
        free(y);
    }
    return 0;
}

static void *judge_worker(void *arg)
{
    struct judge_thread *jt = arg;
    struct judge_work *w = jt->w;
    const struct rasleak_analyze_config *progress = w->cfg->progress ? w->cfg : NULL;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t j = w->next_item++, done = w->done;
        pthread_mutex_unlock(&w->lock);
        if (jt->reports && progress)
            progress->progress(progress->progress_ud, "judging", done, w->set->n);
        if (j >= w->norder)
            return NULL;
        size_t i = w->order[j];
        /* The first of a group keeps its arrays, which its share borrows,
         * until the last of the group is judged; without memory for the
         * share each is judged on its own. */
        struct rasleak__judge_share *share =
            w->next[i] != NONE ? rasleak__judge_share_new() : NULL;
        double *kx = NULL, *ky = NULL;
        int failed = judge_one(jt, i, share, share ? &kx : NULL, share ? &ky : NULL) < 0;
        count_done(w, failed);
        for (size_t t = w->next[i]; t != NONE; t = w->next[t]) {
            failed = judge_one(jt, t, failed ? NULL : share, NULL, NULL) < 0;
            count_done(w, failed);
        }
        rasleak__judge_share_free(share);
        free(kx);
        free(ky);
    }
}

/*
 * Order the series (constant ones first) and chain each that is an earlier
 * one shifted to the first of its group; order[] gets the firsts only.
 */
static size_t plan(const struct rasleak__series_set *set, size_t *order, size_t *next)
{
    size_t no = 0;
    for (size_t i = 0; i < set->n; i++) {
        next[i] = NONE;
        if (rasleak__series_constant(&set->items[i]))
            order[no++] = i;
    }
    size_t first_varying = no;
    for (size_t i = 0; i < set->n; i++) {
        const struct rasleak__series *s = &set->items[i];
        if (rasleak__series_constant(s))
            continue;
        size_t head = NONE;
        double offset;
        for (size_t k = first_varying; k < no && head == NONE; k++) {
            const struct rasleak__series *h = &set->items[order[k]];
            if (strcmp(h->target, s->target) == 0 && rasleak__series_shifted(h, s, &offset))
                head = order[k];
        }
        if (head == NONE) {
            order[no++] = i;
            continue;
        }
        size_t t = head;
        while (next[t] != NONE)
            t = next[t];
        next[t] = i;
    }
    return no;
}

static int judge_all(const struct rasleak_analyze_config *cfg, struct rasleak_analysis *a,
                     struct rasleak__series_set *set)
{
    size_t *order = malloc(2 * (set->n ? set->n : 1) * sizeof *order);
    if (!order)
        return -1;
    size_t *next = order + (set->n ? set->n : 1);
    size_t norder = plan(set, order, next);
    size_t nc = 0;
    while (nc < norder && rasleak__series_constant(&set->items[order[nc]]))
        nc++;
    struct judge_work w = {cfg, a, set, order, norder, next, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    size_t biggest = 0;
    for (size_t i = 0; i < set->n; i++)
        biggest = set->items[i].n > biggest ? set->items[i].n : biggest;
    /* Two groups at a time, when memory allows and two need statistics;
     * then each keeps to its own thread (rasleak_sen_ctx_set_threads):
     * four threads on two CPUs would only cost more. */
    struct rasleak_analyze_config one = *cfg;
    one.threads = 1;
    struct judge_thread mine = {&w, cfg, 1}, other = {&w, &one, 0};
    pthread_t th;
    int threaded = cfg->threads != 1 && norder - nc > 1 && biggest <= PARALLEL_MAX_N;
    if (threaded) {
        mine.cfg = &one;
        if (pthread_create(&th, NULL, judge_worker, &other) != 0) {
            threaded = 0;
            mine.cfg = cfg;
        }
    }
    judge_worker(&mine);
    if (threaded)
        pthread_join(th, NULL);
    if (cfg->progress && threaded)
        cfg->progress(cfg->progress_ud, "judging", set->n, set->n);
    pthread_mutex_destroy(&w.lock);
    free(order);
    return w.failed ? -1 : 0;
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
    if (!a->series || judge_all(cfg, a, set) < 0) {
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
