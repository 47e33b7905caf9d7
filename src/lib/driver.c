/*
 * driver.c - the loop: dial, hang up, sample, repeat.
 *
 * The driver calls a backend only through the call_* wrappers below, where
 * the timing and the error capture of every call live (SQLite's
 * sqlite3OsXxx pattern), so backends stay small and every backend's
 * failures are recorded the same way.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak_config.h"
#include "platform/os.h"
#include "rasleak/run.h"
#include "rasleak/sampler.h"
#include "watch.h"

#define MAX_BACKEND_METRICS 64
#define FLUSH_EVERY_S 0.25
#define PROGRESS_EVERY_S 0.1

const char *rasleak_stop_reason_name(int reason)
{
    switch (reason) {
    case RASLEAK_STOP_COMPLETED: return "completed";
    case RASLEAK_STOP_INTERRUPTED: return "interrupted";
    case RASLEAK_STOP_MAX_FAILURES: return "max_failures";
    case RASLEAK_STOP_DURATION: return "duration";
    case RASLEAK_STOP_TARGET_EXITED: return "target_exited";
    default: return "error";
    }
}

struct run {
    const struct rasleak_run_config *cfg;
    const struct rasleak_backend *be;
    void *state;
    const struct rasleak_watch_config *wcfg;  /* NULL: the own process only */
    struct rasleak__watch *watch;             /* the processes sampled (watch.c) */
    double t0;                /* rasleak__mono_s() at the start */
    /* per-sample buffers, allocated once */
    struct rasleak_backend_metric be_metrics[MAX_BACKEND_METRICS];
    struct rasleak_metric_value be_values[MAX_BACKEND_METRICS];
    const char *be_target;   /* target id of the backend's metrics; NULL: none */
    int based;               /* progress deltas have their base */
    int target_stop;         /* a watched process exited: stop */
    uint64_t dial_failures, hangup_failures, consecutive;
    uint64_t iter;           /* the iteration under way, for events */
};

static double now_s(const struct run *r)
{
    return rasleak__mono_s() - r->t0;
}

static void rfc3339_now(char *buf, size_t len)
{
    rasleak__utc_now(buf, len);
}

/* ---- the wrappers: the only places that call a backend ------------------ */

static int call_open(struct run *r, struct rasleak_error *err)
{
    struct rasleak_error e;
    rasleak_error_clear(&e);
    int rc = r->be->open(&r->state, &r->cfg->options, &e);
    if (rc < 0) {
        r->state = NULL;
        return rasleak_error_set(err, RASLEAK_EBACKEND, e.sys, "backend '%s' failed to open: %s",
                                 r->be->name, e.message[0] ? e.message : rasleak_strerror(rc));
    }
    return 0;
}

static int call_timed(struct run *r, int (*fn)(void *, uint64_t, struct rasleak_error *),
                      uint64_t iter, double *us, struct rasleak_error *e)
{
    rasleak_error_clear(e);
    double t = now_s(r);
    int rc = fn(r->state, iter, e);
    *us = (now_s(r) - t) * 1e6;
    if (rc < 0 && !e->message[0])
        snprintf(e->message, sizeof e->message, "%s", rasleak_strerror(rc));
    return rc;
}

static int call_dial(struct run *r, uint64_t iter, double *us, struct rasleak_error *e)
{
    return call_timed(r, r->be->dial, iter, us, e);
}

static int call_hangup(struct run *r, uint64_t iter, double *us, struct rasleak_error *e)
{
    return call_timed(r, r->be->hangup, iter, us, e);
}

static size_t call_metrics(struct run *r)
{
    if (!r->be_target)
        return 0;
    int n = r->be->metrics(r->state, r->be_metrics, MAX_BACKEND_METRICS);
    return n < 0 ? 0 : (size_t)n > MAX_BACKEND_METRICS ? MAX_BACKEND_METRICS : (size_t)n;
}

static const char *call_metrics_target(struct run *r)
{
    if (!r->be->metrics)
        return NULL;
    return r->be->metrics_target ? r->be->metrics_target(r->state) : r->be->name;
}

static long call_open_connections(struct run *r)
{
    return r->be->open_connections ? r->be->open_connections(r->state) : 0;
}

static void call_close(struct run *r)
{
    if (r->state)
        r->be->close(r->state);
    r->state = NULL;
}

/* ---- records ------------------------------------------------------------ */

static json_t *options_json(const struct rasleak_backend *be, const struct rasleak_options *o)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < be->noptions; i++) {
        const struct rasleak_option_spec *s = &be->options[i];
        json_t *v = NULL;
        if (s->flags & RASLEAK_OPTF_REPEATABLE) {
            v = json_array();
            for (size_t j = 0; j < o->count; j++)
                if (strcmp(o->items[j].key, s->key) == 0)
                    json_array_append_new(v, json_string(s->flags & RASLEAK_OPTF_SECRET
                                                             ? "(redacted)" : o->items[j].value));
        } else {
            const char *val = rasleak_opt_get(o, be->options, be->noptions, s->key);
            if (val)
                v = json_string(s->flags & RASLEAK_OPTF_SECRET ? "(redacted)" : val);
        }
        if (v && !(s->flags & RASLEAK_OPTF_ANY))
            json_object_set_new(obj, s->key, v);
        else
            json_decref(v);
    }
    /* Keys taken by a catch-all entry: a string, or an array when repeated. */
    for (size_t j = 0; j < o->count; j++) {
        const struct rasleak_kv *kv = &o->items[j];
        size_t i;
        for (i = 0; i < be->noptions; i++)
            if (!(be->options[i].flags & RASLEAK_OPTF_ANY) &&
                strcmp(be->options[i].key, kv->key) == 0)
                break;
        if (i < be->noptions)
            continue;
        json_t *val = json_string(kv->value), *prev = json_object_get(obj, kv->key);
        if (json_is_array(prev))
            json_array_append_new(prev, val);
        else if (prev)
            json_object_set_new(obj, kv->key, json_pack("[O,o]", prev, val));
        else
            json_object_set_new(obj, kv->key, val);
    }
    return obj;
}

static json_t *header_json(struct run *r)
{
    const struct rasleak_run_config *c = r->cfg;
    struct rasleak_host host;
    char started[64];
    rasleak_host_info(&host);
    rfc3339_now(started, sizeof started);

    json_t *targets = rasleak__watch_header(r->watch);
    if (targets && r->be_target)
        json_array_append_new(targets, json_pack("{s:s,s:s,s:s}", "id", r->be_target, "kind",
                                                 "backend", "name", r->be->name));
    unsigned flags = r->wcfg ? r->wcfg->flags : 0;
    return json_pack("{s:s,s:s,s:i,s:s,s:s,s:{s:s,s:s,s:s,s:i},s:{s:s,s:o},"
                     "s:{s:I,s:I,s:f,s:I,s:I,s:f,s:b,s:b,s:b},s:o}",
                     "type", "header", "format", RASLEAK_TREND_FORMAT,
                     "version", RASLEAK_TREND_VERSION, "tool_version", RASLEAK_VERSION,
                     "started", started,
                     "host", "os", host.os, "os_release", host.os_release,
                     "hostname", host.hostname, "cpus", host.cpus,
                     "backend", "name", r->be->name, "options", options_json(r->be, &c->options),
                     "run", "iterations", (json_int_t)c->iterations,
                     "warmup", (json_int_t)c->warmup, "interval_ms", c->interval_ms,
                     "sample_every", (json_int_t)c->sample_every,
                     "max_failures", (json_int_t)c->max_failures, "duration_s", c->duration_s,
                     "handle_types", (flags & RASLEAK_WATCH_HANDLE_TYPES) != 0,
                     "maps", (flags & RASLEAK_WATCH_MAPS) != 0,
                     "keep_going", r->wcfg && r->wcfg->keep_going,
                     "targets", targets);
}

static int write_event(struct run *r, uint64_t iter, const char *kind,
                       const struct rasleak_error *e, struct rasleak_error *err)
{
    json_t *ev = json_pack("{s:s,s:I,s:f,s:s,s:i,s:s}", "type", "event", "iter",
                           (json_int_t)iter, "t", now_s(r), "kind", kind, "code",
                           e->sys ? e->sys : e->code, "message", e->message);
    if (!ev)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    int rc = rasleak_trend_write_record(r->cfg->writer, ev, err);
    json_decref(ev);
    return rc;
}

/* A watched process has exited: a "target_exited" event that names it. */
static int on_target_exit(void *ctx, const char *id, long pid, const struct rasleak_error *e,
                          struct rasleak_error *err)
{
    struct run *r = ctx;
    json_t *ev = json_pack("{s:s,s:I,s:f,s:s,s:i,s:s,s:s,s:I}", "type", "event", "iter",
                           (json_int_t)r->iter, "t", now_s(r), "kind", "target_exited", "code",
                           e->sys ? e->sys : e->code, "message", e->message, "target", id,
                           "pid", (json_int_t)pid);
    if (!ev)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    int rc = rasleak_trend_write_record(r->cfg->writer, ev, err);
    json_decref(ev);
    return rc;
}

static int take_sample(struct run *r, uint64_t iter, int ok, double dial_us, double hang_us,
                       struct rasleak_error *err)
{
    struct rasleak_target_values *tv;
    size_t ntargets;
    int stop = 0;
    int rc = rasleak__watch_sample(r->watch, iter, &tv, &ntargets, &stop, on_target_exit, r,
                                   err);
    if (rc < 0)
        return rc;
    r->target_stop |= stop;
    size_t nbm = call_metrics(r);
    if (r->be_target) {
        for (size_t i = 0; i < nbm; i++) {
            r->be_values[i].name = r->be_metrics[i].name;
            r->be_values[i].value = r->be_metrics[i].value;
        }
        tv[ntargets++] = (struct rasleak_target_values){r->be_target, r->be_values, nbm};
    }
    struct rasleak_sample_record s = {
        iter, now_s(r), iter > r->cfg->warmup, ok, dial_us, hang_us, tv, ntargets,
    };
    return rasleak_trend_write_sample(r->cfg->writer, &s, err);
}

static json_t *summary_json(struct run *r, uint64_t done, int reason, long left_open)
{
    char ended[64];
    rfc3339_now(ended, sizeof ended);
    return json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:f,s:I}", "type", "summary", "ended", ended,
                     "iterations_done", (json_int_t)done, "stop_reason",
                     rasleak_stop_reason_name(reason), "dial_failures",
                     (json_int_t)r->dial_failures, "hangup_failures",
                     (json_int_t)r->hangup_failures, "duration_s", now_s(r),
                     "connections_left_open", (json_int_t)left_open);
}

static void sleep_ms(const struct run *r, double ms)
{
    rasleak__sleep_ms(ms, r->cfg->stop);  /* a stop request cuts it short */
}

static void report_progress(struct run *r, uint64_t iter)
{
    size_t n;
    const struct rasleak_progress_target *pt = rasleak__watch_progress(r->watch, &n);
    struct rasleak_progress p = {
        iter, r->cfg->iterations, now_s(r), r->dial_failures,
        n ? pt[0].handles_delta : NAN, n ? pt[0].rss_delta_bytes : NAN, pt, n,
    };
    r->cfg->progress(r->cfg->progress_ctx, &p);
}

/* ---- the loop ----------------------------------------------------------- */

static int loop(struct run *r, struct rasleak_run_result *res, struct rasleak_error *err)
{
    const struct rasleak_run_config *c = r->cfg;
    double next_flush = FLUSH_EVERY_S, next_progress = 0;
    uint64_t iter = 0;
    int reason = RASLEAK_STOP_COMPLETED;
    int rc = 0;
    struct rasleak_error e;

    while (iter < c->iterations) {
        if (c->stop && *c->stop) {
            reason = RASLEAK_STOP_INTERRUPTED;
            break;
        }
        iter++;
        r->iter = iter;
        double dial_us = 0, hang_us = 0;
        int ok = call_dial(r, iter, &dial_us, &e) == 0;
        if (!ok) {
            r->dial_failures++;
            r->consecutive++;
            if ((rc = write_event(r, iter, "dial_failed", &e, err)) < 0)
                break;
        } else {
            r->consecutive = 0;
            /* Never leave a connection dialed, even when stopping. */
            if (call_hangup(r, iter, &hang_us, &e) < 0) {
                r->hangup_failures++;
                if ((rc = write_event(r, iter, "hangup_failed", &e, err)) < 0)
                    break;
            }
        }
        if (iter % c->sample_every == 0 || iter == c->iterations) {
            if ((rc = take_sample(r, iter, ok, dial_us, hang_us, err)) < 0)
                break;
            if (iter >= c->warmup && !r->based) {
                rasleak__watch_mark_base(r->watch);
                r->based = 1;
            }
        }
        res->iterations_done = iter;
        if (r->target_stop) {
            reason = RASLEAK_STOP_TARGET_EXITED;
            break;
        }
        if (c->max_failures && r->consecutive >= c->max_failures) {
            reason = RASLEAK_STOP_MAX_FAILURES;
            break;
        }
        double t = now_s(r);
        if (c->duration_s > 0 && t >= c->duration_s) {
            reason = RASLEAK_STOP_DURATION;
            break;
        }
        if (t >= next_flush) {
            if ((rc = rasleak_trend_writer_flush(c->writer, err)) < 0)
                break;
            next_flush = t + FLUSH_EVERY_S;
        }
        if (c->progress && t >= next_progress) {
            report_progress(r, iter);
            next_progress = t + PROGRESS_EVERY_S;
        }
        if (c->interval_ms > 0)
            sleep_ms(r, c->interval_ms);
    }
    if (c->progress)
        report_progress(r, iter);
    res->stop_reason = rc < 0 ? RASLEAK_STOP_ERROR : reason;
    return rc;
}

int rasleak_run(const struct rasleak_run_config *cfg, struct rasleak_run_result *res,
                struct rasleak_error *err)
{
    return rasleak_run_watch(cfg, NULL, res, err);
}

int rasleak_run_watch(const struct rasleak_run_config *cfg,
                      const struct rasleak_watch_config *watch,
                      struct rasleak_run_result *res, struct rasleak_error *err)
{
    struct run r;
    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    r.cfg = cfg;
    r.be = cfg->backend;
    r.wcfg = watch;
    if (!cfg->backend || !cfg->writer || cfg->sample_every < 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "invalid run configuration");
    int rc = rasleak_options_validate(r.be->options, r.be->noptions, &cfg->options, r.be->name,
                                      err);
    if (rc < 0)
        return rc;
    r.t0 = rasleak__mono_s();

    /* Every process first: one that cannot be read stops the run before it starts. */
    if ((rc = rasleak__watch_open(&r.watch, watch, err)) < 0)
        return rc;
    if ((rc = call_open(&r, err)) < 0)
        goto out;
    r.be_target = call_metrics_target(&r);
    if (r.be_target && rasleak__watch_has_id(r.watch, r.be_target)) {
        rc = rasleak_error_set(err, RASLEAK_EINVAL, 0,
                               "target id '%s' is also the id of the backend's metrics",
                               r.be_target);
        goto out;
    }
    json_t *h = header_json(&r);
    if (!h) {
        rc = rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        goto out;
    }
    rc = rasleak_trend_write_header(cfg->writer, h, err);
    json_decref(h);
    if (rc < 0)
        goto out;

    struct rasleak_error loop_err;
    rasleak_error_clear(&loop_err);
    int lrc = loop(&r, res, &loop_err);
    if (lrc == 0) {
        /* Who is still there, and what each opened in the measured phase and
         * kept: asked before the backend closes, which may let go of it. */
        lrc = rasleak__watch_finish(r.watch, res->iterations_done, now_s(&r), cfg->warmup,
                                    cfg->writer, on_target_exit, &r, &loop_err);
        if (lrc < 0)
            res->stop_reason = RASLEAK_STOP_ERROR;
    }
    res->targets_exited = rasleak__watch_exited(r.watch);
    long left_open = call_open_connections(&r);
    call_close(&r);
    res->dial_failures = r.dial_failures;
    if (lrc < 0 && lrc == RASLEAK_EIO) {
        /* The file cannot take more: a summary would fail the same way. */
        *err = loop_err;
        rc = lrc;
        goto out;
    }
    json_t *s = summary_json(&r, res->iterations_done, res->stop_reason, left_open);
    rc = s ? rasleak_trend_write_summary(cfg->writer, s, err)
           : rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    json_decref(s);
    if (rc == 0 && lrc < 0) {
        *err = loop_err;
        rc = lrc;
    }
out:
    call_close(&r);
    rasleak__watch_free(r.watch);
    return rc;
}
