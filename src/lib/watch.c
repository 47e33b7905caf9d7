/*
 * watch.c - the processes a run samples, and what is left of them at the end.
 *
 * Every target is opened before the first iteration, with everything the
 * sampler keeps open (src/lib/sampler/), so a process that cannot be read
 * stops the run before it starts, with the process and the file named, and
 * sampling never opens a file later.  A target that exits is noticed by
 * the kept files failing; rasleak_proc_check() then tells, by the start
 * time, whether its id was handed to another process since.
 *
 * Metrics of a target, in the order written: the built-in ones, then with
 * handle types one "handles.<type>" per type.  A type is written from the
 * first sample that saw one of its handles on, 0 when none are open, and
 * never before: so a type's series is unbroken once it starts, and a
 * process does not get eleven series for types it never had.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/sampler.h"
#include "watch.h"

#define NVALUES (RASLEAK_METRIC_COUNT + RASLEAK_HTYPE_COUNT)
/* A suspects record lists at most this many handles; "total" counts all. */
#define SUSPECTS_LISTED 1000

struct wtarget {
    char id[128];
    char *command;
    struct rasleak_proc *proc;
    int self, exited;
    struct rasleak_sample cur;
    double types[RASLEAK_HTYPE_COUNT];
    unsigned char seen[RASLEAK_HTYPE_COUNT];
    struct rasleak_metric_value values[NVALUES];
    double base_handles, base_rss;
};

struct rasleak__watch {
    struct wtarget *t;
    size_t n;
    unsigned flags;
    int keep_going;
    size_t exited;
    struct rasleak_target_values *tv;      /* n + 1 */
    struct rasleak_progress_target *pt;    /* n */
};

static json_t *number_or_null(double v)
{
    if (isnan(v) || isinf(v))
        return json_null();
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static int open_target(struct rasleak__watch *w, struct wtarget *t, const char *id, long pid,
                       const char *command, struct rasleak_error *err)
{
    struct rasleak_error e;
    rasleak_error_clear(&e);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->self = pid <= 0;
    t->base_handles = t->base_rss = NAN;
    int rc = t->self ? rasleak_proc_open_self(&t->proc, &e)
                     : rasleak_proc_open_pid(&t->proc, pid, &e);
    unsigned want = (w->flags & RASLEAK_WATCH_HANDLE_TYPES ? RASLEAK_PROC_HANDLE_TYPES : 0) |
                    (w->flags & RASLEAK_WATCH_MAPS ? RASLEAK_PROC_MAPS : 0);
    if (rc == 0 && want)
        rc = rasleak_proc_want(t->proc, want, &e);
    if (rc < 0) {
        if (t->self)
            return rasleak_error_set(err, rc, e.sys, "cannot sample the own process: %s",
                                     e.message);
        return rasleak_error_set(err, rc, e.sys, "cannot watch '%s': %s", id, e.message);
    }
    if (command && !(t->command = strdup(command)))
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++)
        t->values[m].name = rasleak_metric_name(m);
    for (int k = 0; k < RASLEAK_HTYPE_COUNT; k++)
        t->values[RASLEAK_METRIC_COUNT + k].name = rasleak_handle_type_metric(k);
    return 0;
}

int rasleak__watch_open(struct rasleak__watch **out, const struct rasleak_watch_config *cfg,
                        struct rasleak_error *err)
{
    struct rasleak_watch_config none = {NULL, 0, 0, 0, 0};
    if (!cfg)
        cfg = &none;
    *out = NULL;
    size_t n = (cfg->no_self ? 0 : 1) + cfg->ntargets;
    if (n == 0)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "nothing to sample: the own process is left out and no "
                                 "other is watched");
    struct rasleak__watch *w = calloc(1, sizeof *w);
    if (!w || !(w->t = calloc(n, sizeof *w->t)) || !(w->tv = calloc(n + 1, sizeof *w->tv)) ||
        !(w->pt = calloc(n, sizeof *w->pt))) {
        rasleak__watch_free(w);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    w->flags = cfg->flags;
    w->keep_going = cfg->keep_going;
    int rc = 0;
    if (!cfg->no_self)
        rc = open_target(w, &w->t[w->n++], "self", 0, NULL, err);
    for (size_t i = 0; rc == 0 && i < cfg->ntargets; i++) {
        const struct rasleak_target_spec *s = &cfg->targets[i];
        if (!s->id || !s->id[0] || rasleak__watch_has_id(w, s->id)) {
            rc = rasleak_error_set(err, RASLEAK_EINVAL, 0, "target id '%s' is %s",
                                   s->id ? s->id : "", s->id && s->id[0] ? "used twice"
                                                                         : "empty");
            break;
        }
        if (s->pid <= 0) {
            rc = rasleak_error_set(err, RASLEAK_EINVAL, 0, "invalid process id %ld for '%s'",
                                   s->pid, s->id);
            break;
        }
        for (size_t k = 0; k < w->n; k++)
            if (rasleak_proc_pid(w->t[k].proc) == s->pid) {
                rc = rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                       "process %ld is watched twice, as '%s' and '%s'", s->pid,
                                       w->t[k].id, s->id);
                break;
            }
        if (rc == 0)
            rc = open_target(w, &w->t[w->n++], s->id, s->pid, s->command, err);
    }
    if (rc < 0) {
        rasleak__watch_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int rasleak__watch_has_id(const struct rasleak__watch *w, const char *id)
{
    for (size_t i = 0; w && i < w->n; i++)
        if (strcmp(w->t[i].id, id) == 0)
            return 1;
    return 0;
}

json_t *rasleak__watch_header(const struct rasleak__watch *w)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < w->n; i++) {
        const struct wtarget *t = &w->t[i];
        struct rasleak_limits lim;
        rasleak_proc_limits(t->proc, &lim);
        json_t *o = json_pack("{s:s,s:I,s:s,s:{s:o,s:o,s:o}}", "id", t->id, "pid",
                              (json_int_t)rasleak_proc_pid(t->proc), "name",
                              rasleak_proc_name(t->proc), "limits", "handles",
                              number_or_null(lim.handles), "memory_bytes",
                              number_or_null(lim.memory_bytes), "vm_bytes",
                              number_or_null(lim.vm_bytes));
        if (o && !t->self) {
            unsigned long long st = rasleak_proc_start_time(t->proc);
            json_object_set_new(o, "kind", json_string(t->command ? "spawned" : "watched"));
            if (st)
                json_object_set_new(o, "start_time", json_integer((json_int_t)st));
            if (t->command)
                json_object_set_new(o, "command", json_string(t->command));
        }
        if (!o || json_array_append_new(arr, o) < 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

/* Sample one target into its values; RASLEAK_EGONE when it has exited. */
static int sample_one(struct rasleak__watch *w, struct wtarget *t, uint64_t iter,
                      struct rasleak_error *e)
{
    int rc = rasleak_proc_sample(t->proc, &t->cur, e);
    if (rc == 0 && (w->flags & RASLEAK_WATCH_HANDLE_TYPES))
        rc = rasleak_proc_handle_types(t->proc, iter, t->types, e);
    if (rc < 0)
        return rc;
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++)
        t->values[m].value = t->cur.values[m];
    for (int k = 0; k < RASLEAK_HTYPE_COUNT; k++) {
        double v = NAN;
        if (w->flags & RASLEAK_WATCH_HANDLE_TYPES) {
            t->seen[k] |= t->types[k] > 0;
            v = t->seen[k] ? t->types[k] : NAN;   /* from the first sighting on */
        }
        t->values[RASLEAK_METRIC_COUNT + k].value = v;
    }
    return 0;
}

/* A target has gone: say how, and leave it out from now on. */
static int target_gone(struct rasleak__watch *w, struct wtarget *t, rasleak__exit_fn on_exit,
                       void *ctx, struct rasleak_error *err)
{
    struct rasleak_error e;
    rasleak_error_clear(&e);
    if (rasleak_proc_check(t->proc, &e) == 0)
        rasleak_error_set(&e, RASLEAK_EGONE, 0, "process %ld '%s' has exited",
                          rasleak_proc_pid(t->proc), rasleak_proc_name(t->proc));
    t->exited = 1;
    w->exited++;
    return on_exit ? on_exit(ctx, t->id, rasleak_proc_pid(t->proc), &e, err) : 0;
}

int rasleak__watch_sample(struct rasleak__watch *w, uint64_t iter,
                          struct rasleak_target_values **tv, size_t *n, int *stop,
                          rasleak__exit_fn on_exit, void *ctx, struct rasleak_error *err)
{
    size_t k = 0, before = w->exited;
    for (size_t i = 0; i < w->n; i++) {
        struct wtarget *t = &w->t[i];
        if (t->exited)
            continue;
        struct rasleak_error e;
        rasleak_error_clear(&e);
        int rc = sample_one(w, t, iter, &e);
        if (rc == RASLEAK_EGONE && !t->self) {
            if ((rc = target_gone(w, t, on_exit, ctx, err)) < 0)
                return rc;
            continue;
        }
        if (rc < 0) {
            if (t->self)
                return rasleak_error_set(err, rc, e.sys, "cannot sample the own process: %s",
                                         e.message);
            return rasleak_error_set(err, rc, e.sys, "cannot sample '%s': %s", t->id, e.message);
        }
        w->tv[k++] = (struct rasleak_target_values){t->id, t->values, NVALUES};
    }
    *tv = w->tv;
    *n = k;
    *stop = w->exited > before && (!w->keep_going || k == 0);
    return 0;
}

void rasleak__watch_mark_base(struct rasleak__watch *w)
{
    for (size_t i = 0; i < w->n; i++) {
        struct wtarget *t = &w->t[i];
        if (t->exited || !isnan(t->base_handles))
            continue;
        t->base_handles = t->cur.values[RASLEAK_METRIC_HANDLES];
        t->base_rss = t->cur.values[RASLEAK_METRIC_RSS_BYTES];
    }
}

const struct rasleak_progress_target *rasleak__watch_progress(struct rasleak__watch *w,
                                                              size_t *n)
{
    for (size_t i = 0; i < w->n; i++) {
        const struct wtarget *t = &w->t[i];
        w->pt[i] = (struct rasleak_progress_target){
            t->id, rasleak_proc_pid(t->proc),
            isnan(t->base_handles) ? NAN : t->cur.values[RASLEAK_METRIC_HANDLES] - t->base_handles,
            isnan(t->base_rss) ? NAN : t->cur.values[RASLEAK_METRIC_RSS_BYTES] - t->base_rss,
            t->exited,
        };
    }
    *n = w->n;
    return w->pt;
}

/* ---- the end of a run ---------------------------------------------------- */

struct type_count {
    int type;
    size_t count;
};

static int cmp_type_count(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x->type - y->type;
}

/* Rank of each type, most frequent first, for ordering the handles. */
static int rank_of[RASLEAK_HTYPE_COUNT];

static int cmp_handle(const void *a, const void *b)
{
    const struct rasleak_handle_info *x = a, *y = b;
    if (rank_of[x->type] != rank_of[y->type])
        return rank_of[x->type] - rank_of[y->type];
    if (x->first_iter != y->first_iter)
        return x->first_iter < y->first_iter ? -1 : 1;
    return x->fd - y->fd;
}

static json_t *handle_json(const struct rasleak_handle_info *h)
{
    json_t *o = json_pack("{s:i,s:s,s:I,s:s}", "fd", h->fd, "type",
                          rasleak_handle_type_name(h->type), "first_iter",
                          (json_int_t)h->first_iter, "link", h->link);
    if (o && h->inode)
        json_object_set_new(o, "inode", json_integer((json_int_t)h->inode));
    if (o && h->proto[0])
        json_object_set_new(o, "proto", json_string(h->proto));
    if (o && h->local[0])
        json_object_set_new(o, "local", json_string(h->local));
    if (o && h->remote[0])
        json_object_set_new(o, "remote", json_string(h->remote));
    if (o && h->state[0])
        json_object_set_new(o, "state", json_string(h->state));
    return o;
}

static json_t *suspects_json(const struct wtarget *t, uint64_t iter, double tsec, uint64_t since,
                             struct rasleak_handle_info *h, size_t n)
{
    struct type_count tc[RASLEAK_HTYPE_COUNT];
    for (int k = 0; k < RASLEAK_HTYPE_COUNT; k++)
        tc[k] = (struct type_count){k, 0};
    for (size_t i = 0; i < n; i++)
        tc[h[i].type].count++;
    qsort(tc, RASLEAK_HTYPE_COUNT, sizeof tc[0], cmp_type_count);
    for (int k = 0; k < RASLEAK_HTYPE_COUNT; k++)
        rank_of[tc[k].type] = k;
    if (n)
        qsort(h, n, sizeof *h, cmp_handle);

    json_t *by_type = json_array(), *list = json_array();
    for (int k = 0; k < RASLEAK_HTYPE_COUNT && tc[k].count; k++)
        json_array_append_new(by_type, json_pack("{s:s,s:I}", "type",
                                                 rasleak_handle_type_name(tc[k].type), "count",
                                                 (json_int_t)tc[k].count));
    size_t listed = n < SUSPECTS_LISTED ? n : SUSPECTS_LISTED;
    for (size_t i = 0; i < listed; i++)
        json_array_append_new(list, handle_json(&h[i]));
    return json_pack("{s:s,s:I,s:f,s:s,s:I,s:s,s:I,s:I,s:o,s:I,s:o}", "type", "suspects",
                     "iter", (json_int_t)iter, "t", tsec, "target", t->id, "pid",
                     (json_int_t)rasleak_proc_pid(t->proc), "name", rasleak_proc_name(t->proc),
                     "since_iter", (json_int_t)since, "total", (json_int_t)n, "by_type",
                     by_type, "listed", (json_int_t)listed, "handles", list);
}

int rasleak__watch_finish(struct rasleak__watch *w, uint64_t iter, double t, uint64_t warmup,
                          struct rasleak_trend_writer *writer, rasleak__exit_fn on_exit,
                          void *ctx, struct rasleak_error *err)
{
    int rc;
    for (size_t i = 0; i < w->n; i++) {
        struct wtarget *tg = &w->t[i];
        struct rasleak_error e;
        if (tg->exited || tg->self || rasleak_proc_check(tg->proc, &e) == 0)
            continue;
        if ((rc = target_gone(w, tg, on_exit, ctx, err)) < 0)
            return rc;
    }
    if (!(w->flags & RASLEAK_WATCH_HANDLE_TYPES) || iter <= warmup)
        return 0;
    for (size_t i = 0; i < w->n; i++) {
        struct wtarget *tg = &w->t[i];
        struct rasleak_handle_info *h = NULL;
        size_t n = 0;
        struct rasleak_error e;
        if (tg->exited)
            continue;
        rasleak_error_clear(&e);
        if (rasleak_proc_suspects(tg->proc, warmup, &h, &n, &e) < 0)
            continue;   /* gone in the last instant: nothing to list */
        json_t *rec = suspects_json(tg, iter, t, warmup, h, n);
        free(h);
        if (!rec)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        rc = rasleak_trend_write_record(writer, rec, err);
        json_decref(rec);
        if (rc < 0)
            return rc;
    }
    return 0;
}

size_t rasleak__watch_exited(const struct rasleak__watch *w)
{
    return w ? w->exited : 0;
}

void rasleak__watch_free(struct rasleak__watch *w)
{
    if (!w)
        return;
    for (size_t i = 0; w->t && i < w->n; i++) {
        rasleak_proc_close(w->t[i].proc);
        free(w->t[i].command);
    }
    free(w->t);
    free(w->tv);
    free(w->pt);
    free(w);
}
