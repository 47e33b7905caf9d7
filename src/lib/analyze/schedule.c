/*
 * schedule.c - judging every series of an analysis on up to two threads.
 *
 * The series are handed out in turn, the constant ones first (they cost
 * nothing and free their values early); one that is an earlier series
 * shifted by a constant goes with it, to take its trend statistics
 * (judge.h).  Progress is told on the caller's thread only.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/judge.h"
#include "analyze/schedule.h"
#include "platform/scratch.h"

/* Above this many values in one series two series are not judged at once:
 * each needs about 85 bytes a value while it is judged, the values as
 * doubles and the slope selection's arrays (docs/analysis.md). */
#define PARALLEL_MAX_N ((size_t)3000000)

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
    if (rasleak__series_take_arrays(w->set, s, &x, &x_owned, &y) < 0)
        return -1;
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
 * Order the series (constant ones first, *nconst of them) and chain each
 * that is an earlier one shifted to the first of its group; order[] gets
 * the firsts only.  Whether a series is constant is asked once: it reads
 * every value of a constant one.
 */
static size_t plan(const struct rasleak__series_set *set, size_t *order, size_t *next,
                   unsigned char *constant, size_t *nconst)
{
    size_t no = 0;
    for (size_t i = 0; i < set->n; i++) {
        next[i] = NONE;
        constant[i] = (unsigned char)rasleak__series_constant(&set->items[i]);
        if (constant[i])
            order[no++] = i;
    }
    size_t first_varying = no;
    *nconst = no;
    for (size_t i = 0; i < set->n; i++) {
        const struct rasleak__series *s = &set->items[i];
        if (constant[i])
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

int rasleak__judge_all(const struct rasleak_analyze_config *cfg, struct rasleak_analysis *a,
                       struct rasleak__series_set *set)
{
    size_t *order = malloc(2 * (set->n ? set->n : 1) * sizeof *order);
    unsigned char *constant = malloc(set->n ? set->n : 1);
    if (!order || !constant) {
        free(order);
        free(constant);
        return -1;
    }
    size_t *next = order + (set->n ? set->n : 1);
    size_t nc;
    size_t norder = plan(set, order, next, constant, &nc);
    free(constant);
    struct judge_work w = {cfg, a, set, order, norder, next, PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
    size_t biggest = 0;
    for (size_t i = 0; i < set->n; i++)
        biggest = set->items[i].n > biggest ? set->items[i].n : biggest;
    /* Two groups at a time, when memory allows and two need statistics;
     * then each keeps to its own thread (rasleak_sen_ctx_set_threads):
     * four threads on two CPUs would only cost more. */
    struct rasleak_analyze_config one = *cfg;
    one.threads = 1;
    /* The statistics of each series take the scratch blocks the ones
     * before gave back (platform/scratch.h). */
    rasleak__scratch_hold();
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
    rasleak__scratch_release();
    if (cfg->progress && threaded)
        cfg->progress(cfg->progress_ud, "judging", set->n, set->n);
    pthread_mutex_destroy(&w.lock);
    free(order);
    return w.failed ? -1 : 0;
}
