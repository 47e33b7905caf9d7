/*
 * writer.c - streaming the trend file as the run goes.
 *
 * Every byte of every record is produced by jansson.  The sample record is
 * built once and its values are updated in place for each iteration, and
 * records are dumped into a buffer the writer keeps, so that the steady
 * state allocates nothing: a leak harness must not grow while it measures.
 *
 * The JSON-document layout keeps samples and events in separate arrays, but
 * both arrive interleaved; events are therefore spooled to an anonymous
 * temporary file and copied behind the samples when the summary comes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/trend.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

struct wslot {
    const char *name;       /* the caller's pointer, compared first */
    json_t *value;          /* borrowed from the target object; NULL = left out */
};

struct wtarget {
    char *id;
    json_t *obj;            /* borrowed from the targets object */
    struct wslot *slots;
    size_t nslots;
};

struct rasleak_trend_writer {
    FILE *fp;
    char *name;
    enum rasleak_trend_layout layout;
    int state;              /* 0 before header, 1 writing, 2 done */

    json_t *sample;         /* the reusable sample record */
    json_t *j_iter, *j_t, *j_dial, *j_hang, *j_targets;
    json_t *s_warmup, *s_measure;
    struct wtarget *targets;
    size_t ntargets;

    char *buf;
    size_t cap;

    FILE *spool;            /* events, JSON layout only */
    uint64_t nsamples, nevents;
};

static int write_failed(struct rasleak_trend_writer *w, struct rasleak_error *err)
{
    int e = errno ? errno : EIO;
    return rasleak_error_set(err, RASLEAK_EIO, e, "cannot write '%s': %s", w->name,
                             strerror(e));
}

static int put(struct rasleak_trend_writer *w, FILE *fp, const char *s, size_t n,
               struct rasleak_error *err)
{
    errno = 0;
    if (n && fwrite(s, 1, n, fp) != n)
        return write_failed(w, err);
    return 0;
}

static int puts_(struct rasleak_trend_writer *w, FILE *fp, const char *s,
                 struct rasleak_error *err)
{
    return put(w, fp, s, strlen(s), err);
}

/* Dump `j` into w->buf; returns its length or -1. */
static long dump(struct rasleak_trend_writer *w, json_t *j, struct rasleak_error *err)
{
    for (;;) {
        size_t need = json_dumpb(j, w->buf, w->cap, DUMP_FLAGS);
        if (need == 0)
            return rasleak_error_set(err, RASLEAK_EINVAL, 0, "record cannot be written as JSON");
        if (need <= w->cap)
            return (long)need;
        size_t ncap = w->cap * 2;
        while (ncap < need)
            ncap *= 2;
        char *b = realloc(w->buf, ncap);
        if (!b)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        w->buf = b;
        w->cap = ncap;
    }
}

int rasleak_trend_writer_open(struct rasleak_trend_writer **out, FILE *fp, const char *name,
                              enum rasleak_trend_layout layout, struct rasleak_error *err)
{
    struct rasleak_trend_writer *w = calloc(1, sizeof *w);
    if (!w)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    w->fp = fp;
    w->layout = layout;
    w->name = strdup(name ? name : "(trend)");
    w->cap = 4096;
    w->buf = malloc(w->cap);
    w->sample = json_object();
    w->j_iter = json_integer(0);
    w->j_t = json_real(0);
    w->j_dial = json_integer(0);
    w->j_hang = json_integer(0);
    w->j_targets = json_object();
    w->s_warmup = json_string("warmup");
    w->s_measure = json_string("measure");
    if (!w->name || !w->buf || !w->sample || !w->j_iter || !w->j_t || !w->j_dial ||
        !w->j_hang || !w->j_targets || !w->s_warmup || !w->s_measure)
        goto nomem;
    /* Build the record in its documented key order; set_new steals. */
    if (json_object_set_new(w->sample, "type", json_string("sample")) ||
        json_object_set(w->sample, "iter", w->j_iter) ||
        json_object_set(w->sample, "t", w->j_t) ||
        json_object_set(w->sample, "phase", w->s_warmup) ||
        json_object_set(w->sample, "ok", json_true()) ||
        json_object_set(w->sample, "dial_us", w->j_dial) ||
        json_object_set(w->sample, "hangup_us", w->j_hang) ||
        json_object_set(w->sample, "targets", w->j_targets))
        goto nomem;
    if (layout == RASLEAK_TREND_JSON) {
        w->spool = tmpfile();
        if (!w->spool) {
            int e = errno;
            rasleak_trend_writer_free(w);
            return rasleak_error_set(err, RASLEAK_EIO, e,
                                     "cannot create a temporary file for events: %s",
                                     strerror(e));
        }
    }
    *out = w;
    return 0;
nomem:
    rasleak_trend_writer_free(w);
    return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
}

int rasleak_trend_write_header(struct rasleak_trend_writer *w, json_t *header,
                               struct rasleak_error *err)
{
    if (w->state != 0)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "header written twice");
    long n = dump(w, header, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON) {
        if ((rc = puts_(w, w->fp, "{\"header\":", err)) < 0 ||
            (rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
            (rc = puts_(w, w->fp, ",\n\"samples\":[", err)) < 0)
            return rc;
    } else if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
               (rc = puts_(w, w->fp, "\n", err)) < 0) {
        return rc;
    }
    w->state = 1;
    return rasleak_trend_writer_flush(w, err);
}

static int is_integral(double v)
{
    return v == floor(v) && fabs(v) < 9007199254740992.0;
}

/* Update (or create) the JSON number in `slot` to `v`. */
static int set_value(struct wtarget *t, struct wslot *slot, const char *name, double v)
{
    if (isnan(v) || isinf(v)) {
        if (slot->value) {
            json_object_del(t->obj, name);
            slot->value = NULL;
        }
        return 0;
    }
    int want_int = is_integral(v);
    if (slot->value && (json_is_integer(slot->value) == want_int)) {
        if (want_int)
            json_integer_set(slot->value, (json_int_t)v);
        else
            json_real_set(slot->value, v);
        return 0;
    }
    json_t *j = want_int ? json_integer((json_int_t)v) : json_real(v);
    if (!j || json_object_set_new(t->obj, name, j) < 0)
        return -1;
    slot->value = j;
    return 0;
}

static struct wtarget *find_target(struct rasleak_trend_writer *w, size_t idx, const char *id)
{
    if (idx < w->ntargets && strcmp(w->targets[idx].id, id) == 0)
        return &w->targets[idx];
    for (size_t i = 0; i < w->ntargets; i++)
        if (strcmp(w->targets[i].id, id) == 0)
            return &w->targets[i];
    struct wtarget *nt = realloc(w->targets, (w->ntargets + 1) * sizeof *nt);
    if (!nt)
        return NULL;
    w->targets = nt;
    struct wtarget *t = &nt[w->ntargets];
    memset(t, 0, sizeof *t);
    t->id = strdup(id);
    t->obj = json_object();
    if (!t->id || !t->obj || json_object_set_new(w->j_targets, id, t->obj) < 0) {
        free(t->id);
        return NULL;
    }
    w->ntargets++;
    return t;
}

static int fill_target(struct wtarget *t, const struct rasleak_target_values *tv)
{
    if (t->nslots != tv->count) {
        /* The set of metrics changed shape: start this target afresh. */
        json_object_clear(t->obj);
        struct wslot *s = realloc(t->slots, (tv->count ? tv->count : 1) * sizeof *s);
        if (!s)
            return -1;
        t->slots = s;
        t->nslots = tv->count;
        memset(s, 0, tv->count * sizeof *s);
    }
    for (size_t i = 0; i < tv->count; i++) {
        struct wslot *s = &t->slots[i];
        const char *name = tv->metrics[i].name;
        if (s->name != name && (!s->name || strcmp(s->name, name) != 0)) {
            if (s->value)
                json_object_del(t->obj, s->name);
            s->value = NULL;
        }
        s->name = name;
        if (set_value(t, s, name, tv->metrics[i].value) < 0)
            return -1;
    }
    return 0;
}

int rasleak_trend_write_sample(struct rasleak_trend_writer *w, const struct rasleak_sample_record *s,
                               struct rasleak_error *err)
{
    if (w->state != 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "sample written outside a run");
    json_integer_set(w->j_iter, (json_int_t)s->iter);
    json_real_set(w->j_t, s->t);
    json_integer_set(w->j_dial, (json_int_t)llround(s->dial_us));
    json_integer_set(w->j_hang, (json_int_t)llround(s->hangup_us));
    json_object_set(w->sample, "phase", s->measure ? w->s_measure : w->s_warmup);
    json_object_set(w->sample, "ok", s->ok ? json_true() : json_false());
    for (size_t i = 0; i < s->ntargets; i++) {
        struct wtarget *t = find_target(w, i, s->targets[i].id);
        if (!t || fill_target(t, &s->targets[i]) < 0)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    long n = dump(w, w->sample, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON &&
        (rc = puts_(w, w->fp, w->nsamples ? ",\n" : "\n", err)) < 0)
        return rc;
    if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0)
        return rc;
    if (w->layout == RASLEAK_TREND_JSONL && (rc = puts_(w, w->fp, "\n", err)) < 0)
        return rc;
    w->nsamples++;
    return 0;
}

int rasleak_trend_write_record(struct rasleak_trend_writer *w, json_t *rec,
                               struct rasleak_error *err)
{
    if (w->state != 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "record written outside a run");
    long n = dump(w, rec, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON) {
        /* Events go to the spool and follow the samples at the end. */
        if ((rc = puts_(w, w->spool, w->nevents ? ",\n" : "\n", err)) < 0 ||
            (rc = put(w, w->spool, w->buf, (size_t)n, err)) < 0)
            return rc;
    } else if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
               (rc = puts_(w, w->fp, "\n", err)) < 0) {
        return rc;
    }
    w->nevents++;
    return 0;
}

static int copy_spool(struct rasleak_trend_writer *w, struct rasleak_error *err)
{
    char chunk[8192];
    size_t n;
    errno = 0;
    if (fflush(w->spool) != 0 || fseek(w->spool, 0, SEEK_SET) != 0)
        return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot read back the event spool");
    while ((n = fread(chunk, 1, sizeof chunk, w->spool)) > 0) {
        int rc = put(w, w->fp, chunk, n, err);
        if (rc < 0)
            return rc;
    }
    if (ferror(w->spool))
        return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot read back the event spool");
    return 0;
}

int rasleak_trend_write_summary(struct rasleak_trend_writer *w, json_t *summary,
                                struct rasleak_error *err)
{
    if (w->state != 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "summary written outside a run");
    long n = dump(w, summary, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON) {
        if ((rc = puts_(w, w->fp, "\n],\n\"events\":[", err)) < 0 ||
            (rc = copy_spool(w, err)) < 0 ||
            (rc = puts_(w, w->fp, "\n],\n\"summary\":", err)) < 0 ||
            (rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
            (rc = puts_(w, w->fp, "}\n", err)) < 0)
            return rc;
    } else if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
               (rc = puts_(w, w->fp, "\n", err)) < 0) {
        return rc;
    }
    w->state = 2;
    return rasleak_trend_writer_flush(w, err);
}

int rasleak_trend_writer_flush(struct rasleak_trend_writer *w, struct rasleak_error *err)
{
    errno = 0;
    if (fflush(w->fp) != 0 || ferror(w->fp))
        return write_failed(w, err);
    return 0;
}

void rasleak_trend_writer_free(struct rasleak_trend_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->ntargets; i++) {
        free(w->targets[i].id);
        free(w->targets[i].slots);
    }
    free(w->targets);
    json_decref(w->sample);
    json_decref(w->j_iter);
    json_decref(w->j_t);
    json_decref(w->j_dial);
    json_decref(w->j_hang);
    json_decref(w->j_targets);
    json_decref(w->s_warmup);
    json_decref(w->s_measure);
    if (w->spool)
        fclose(w->spool);
    free(w->buf);
    free(w->name);
    free(w);
}
