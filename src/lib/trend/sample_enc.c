/*
 * sample_enc.c - the sample record's JSON text, built from jansson tokens.
 *
 * A sample is written after every iteration, so its encoding is the hot
 * path of a run, and it must not make the heap churn: a harness that
 * allocates while it measures its own memory measures itself.  json_dumpb()
 * of a whole object formats every number afresh and keeps a table of the
 * containers it is inside; it cost 3.4 us a sample.  Here every token, each
 * key, string and number, is still produced by jansson, as a scalar
 * (JSON_ENCODE_ANY); the encoder places the braces, colons and commas
 * between them and reuses the text of every key, and of every value that
 * did not change since the last sample.  What changes each time (iteration,
 * time, call durations) is formatted by jansson, which allocates and frees
 * one small block per call: the heap's size does not move.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trend/sample_enc.h"

#define FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10))
#define NUM_MAX 48

struct slot {
    const char *name;        /* the caller's pointer, compared first */
    char *key;               /* "\"name\":" */
    size_t keylen;
    double last;             /* value whose text is in `num` */
    char num[NUM_MAX];
    size_t numlen;           /* 0: no text yet */
    double ref;              /* the value last written: a row writes the change */
    int absent;              /* the sample before had no value here */
};

struct target {
    char *id;
    char *key;               /* "\"id\":{" */
    size_t keylen;
    struct slot *slots;
    size_t nslots;
    /* The columns of the last full sample: which slots had a value. */
    size_t *cols;
    size_t ncols, cols_cap;
};

struct rasleak__sample_enc {
    json_t *jint, *jreal, *jstr;
    char *head;      size_t headlen;      /* {"type":"sample","iter": */
    char *t;         size_t tlen;         /* ,"t": */
    char *warm;      size_t warmlen;      /* ,"phase":"warmup" */
    char *meas;      size_t measlen;      /* ,"phase":"measure" */
    char *ok;        size_t oklen;        /* ,"ok":true */
    char *nok;       size_t noklen;       /* ,"ok":false */
    char *dial;      size_t diallen;      /* ,"dial_us": */
    char *hang;      size_t hanglen;      /* ,"hangup_us": */
    char *targets;   size_t targetslen;   /* ,"targets":{ */
    /* What rows take from the last full sample, and the sample before. */
    int full_measure;
    /* The time as written in the last full sample, its value as a reader
     * parses it (t_known), and a row's time in whole microseconds since
     * it, as the last row wrote it. */
    char t_text[NUM_MAX];
    size_t t_textlen;
    int t_known;
    double t_full;
    int64_t t_acc;
    uint64_t last_iter;
    uint64_t stride;         /* a row's iteration follows the sample before by this */
    struct target *tg;
    size_t ntg;
    /* The targets of the last full sample, in its order, as indices into
     * tg (tg moves when it grows); nref 0: none yet, rows impossible. */
    size_t *ref;
    size_t nref, ref_cap;
    char *buf;
    size_t len, cap;
};

/* ---- building text ------------------------------------------------------ */

static int reserve(struct rasleak__sample_enc *e, size_t more)
{
    if (e->len + more <= e->cap)
        return 0;
    size_t ncap = e->cap ? e->cap : 1024;
    while (ncap < e->len + more)
        ncap *= 2;
    char *b = realloc(e->buf, ncap);
    if (!b)
        return -1;
    e->buf = b;
    e->cap = ncap;
    return 0;
}

static int append(struct rasleak__sample_enc *e, const char *s, size_t n)
{
    if (reserve(e, n) < 0)
        return -1;
    memcpy(e->buf + e->len, s, n);
    e->len += n;
    return 0;
}

/* jansson's text of a string token, e.g. "\"handles\"", plus a suffix; malloc'd. */
static char *string_token(json_t *jstr, const char *prefix, const char *s, const char *suffix,
                          size_t *len)
{
    if (json_string_set(jstr, s) < 0)
        return NULL;
    size_t n = json_dumpb(jstr, NULL, 0, FLAGS);
    size_t pl = strlen(prefix), sl = strlen(suffix);
    char *out = malloc(pl + n + sl + 1);
    if (!out || n == 0) {
        free(out);
        return NULL;
    }
    memcpy(out, prefix, pl);
    json_dumpb(jstr, out + pl, n, FLAGS);
    memcpy(out + pl + n, suffix, sl + 1);
    *len = pl + n + sl;
    return out;
}

/* A member "prefix key: value-token" with both tokens from jansson. */
static char *member(json_t *jstr, const char *prefix, const char *key, json_t *value, size_t *len)
{
    size_t kl;
    char *k = string_token(jstr, prefix, key, ":", &kl);
    if (!k)
        return NULL;
    size_t vl = value ? json_dumpb(value, NULL, 0, FLAGS) : 0;
    char *out = realloc(k, kl + vl + 1);
    if (!out) {
        free(k);
        return NULL;
    }
    if (value)
        json_dumpb(value, out + kl, vl, FLAGS);
    out[kl + vl] = '\0';
    *len = kl + vl;
    return out;
}

static int is_integral(double v)
{
    return v == floor(v) && fabs(v) < 9007199254740992.0;
}

/* A number's token from jansson into `out` (NUM_MAX bytes); its length. */
static size_t number_token(struct rasleak__sample_enc *e, double v, char *out)
{
    json_t *j;
    if (is_integral(v)) {
        json_integer_set(e->jint, (json_int_t)v);
        j = e->jint;
    } else {
        json_real_set(e->jreal, v);
        j = e->jreal;
    }
    size_t n = json_dumpb(j, out, NUM_MAX, FLAGS);
    return n <= NUM_MAX ? n : 0;
}

/* A full sample's time: always a real, so that readers see one type; kept
 * for the rows after it. */
static int append_time(struct rasleak__sample_enc *e, double v)
{
    json_real_set(e->jreal, v);
    size_t n = json_dumpb(e->jreal, e->t_text, NUM_MAX, FLAGS);
    e->t_textlen = n <= NUM_MAX ? n : 0;
    e->t_known = 0;
    e->t_acc = 0;
    return append(e, e->t_text, e->t_textlen);
}

static int append_number(struct rasleak__sample_enc *e, double v)
{
    char tmp[NUM_MAX];
    size_t n = number_token(e, v, tmp);
    return append(e, tmp, n);
}

/* ---- public ------------------------------------------------------------- */

int rasleak__sample_enc_new(struct rasleak__sample_enc **out)
{
    struct rasleak__sample_enc *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    e->jint = json_integer(0);
    e->jreal = json_real(0.5);
    e->jstr = json_string("");
    json_t *sample = json_string("sample"), *warm = json_string("warmup"),
           *meas = json_string("measure");
    if (e->jint && e->jreal && e->jstr && sample && warm && meas) {
        e->head = member(e->jstr, "{", "type", sample, &e->headlen);
        char *iter = member(e->jstr, ",", "iter", NULL, &(size_t){0});
        if (e->head && iter) {
            size_t il = strlen(iter);
            char *h = realloc(e->head, e->headlen + il + 1);
            if (h) {
                memcpy(h + e->headlen, iter, il + 1);
                e->head = h;
                e->headlen += il;
            } else {
                free(e->head);
                e->head = NULL;
            }
        }
        free(iter);
        e->t = member(e->jstr, ",", "t", NULL, &e->tlen);
        e->warm = member(e->jstr, ",", "phase", warm, &e->warmlen);
        e->meas = member(e->jstr, ",", "phase", meas, &e->measlen);
        e->ok = member(e->jstr, ",", "ok", json_true(), &e->oklen);
        e->nok = member(e->jstr, ",", "ok", json_false(), &e->noklen);
        e->dial = member(e->jstr, ",", "dial_us", NULL, &e->diallen);
        e->hang = member(e->jstr, ",", "hangup_us", NULL, &e->hanglen);
        e->targets = member(e->jstr, ",", "targets", NULL, &e->targetslen);
    }
    e->stride = 1;
    json_decref(sample);
    json_decref(warm);
    json_decref(meas);
    if (!e->head || !e->t || !e->warm || !e->meas || !e->ok || !e->nok || !e->dial ||
        !e->hang || !e->targets || reserve(e, 1024) < 0) {
        rasleak__sample_enc_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

static struct target *find_target(struct rasleak__sample_enc *e, size_t idx, const char *id)
{
    if (idx < e->ntg && strcmp(e->tg[idx].id, id) == 0)
        return &e->tg[idx];
    for (size_t i = 0; i < e->ntg; i++)
        if (strcmp(e->tg[i].id, id) == 0)
            return &e->tg[i];
    struct target *nt = realloc(e->tg, (e->ntg + 1) * sizeof *nt);
    if (!nt)
        return NULL;
    e->tg = nt;
    struct target *t = &nt[e->ntg];
    memset(t, 0, sizeof *t);
    t->id = strdup(id);
    t->key = string_token(e->jstr, "", id, ":{", &t->keylen);
    if (!t->id || !t->key) {
        free(t->id);
        free(t->key);
        return NULL;
    }
    e->ntg++;
    return t;
}

static struct slot *slot_for(struct rasleak__sample_enc *e, struct target *t, size_t i,
                             const char *name)
{
    if (i >= t->nslots) {
        struct slot *ns = realloc(t->slots, (i + 1) * sizeof *ns);
        if (!ns)
            return NULL;
        memset(ns + t->nslots, 0, (i + 1 - t->nslots) * sizeof *ns);
        t->slots = ns;
        t->nslots = i + 1;
    }
    struct slot *s = &t->slots[i];
    if (s->name != name && (!s->name || strcmp(s->name, name) != 0)) {
        free(s->key);
        s->key = string_token(e->jstr, "", name, ":", &s->keylen);
        s->numlen = 0;
        if (!s->key)
            return NULL;
    }
    s->name = name;
    return s;
}

/* Append v to the growing array *a of *n items and room for *cap. */
static int push_index(size_t **a, size_t *n, size_t *cap, size_t v)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        size_t *na = realloc(*a, ncap * sizeof *na);
        if (!na)
            return -1;
        *a = na;
        *cap = ncap;
    }
    (*a)[(*n)++] = v;
    return 0;
}

/* The number token of slot s for value v, formatted only when v changed. */
static void slot_value(struct rasleak__sample_enc *e, struct slot *s, double v)
{
    if (s->numlen == 0 || s->last != v) {
        s->numlen = number_token(e, v, s->num);
        s->last = v;
    }
}

static int encode_target(struct rasleak__sample_enc *e, const struct rasleak_target_values *tv,
                         size_t idx, int first)
{
    struct target *t = find_target(e, idx, tv->id);
    if (!t || (!first && append(e, ",", 1) < 0) || append(e, t->key, t->keylen) < 0 ||
        push_index(&e->ref, &e->nref, &e->ref_cap, (size_t)(t - e->tg)) < 0)
        return -1;
    t->ncols = 0;
    int n = 0;
    for (size_t i = 0; i < tv->count; i++) {
        double v = tv->metrics[i].value;
        if (isnan(v) || isinf(v))
            continue;   /* not available: left out, never 0 */
        struct slot *s = slot_for(e, t, i, tv->metrics[i].name);
        if (!s || push_index(&t->cols, &t->ncols, &t->cols_cap, i) < 0)
            return -1;
        slot_value(e, s, v);
        s->ref = v;
        s->absent = 0;
        if ((n++ && append(e, ",", 1) < 0) || append(e, s->key, s->keylen) < 0 ||
            append(e, s->num, s->numlen) < 0)
            return -1;
    }
    return append(e, "}", 1);
}

long rasleak__sample_enc_encode(struct rasleak__sample_enc *e,
                                const struct rasleak_sample_record *s, const char **text)
{
    e->len = 0;
    e->nref = 0;
    if (append(e, e->head, e->headlen) < 0 || append_number(e, (double)s->iter) < 0 ||
        append(e, e->t, e->tlen) < 0 || append_time(e, s->t) < 0 ||
        (s->measure ? append(e, e->meas, e->measlen) : append(e, e->warm, e->warmlen)) < 0 ||
        (s->ok ? append(e, e->ok, e->oklen) : append(e, e->nok, e->noklen)) < 0 ||
        append(e, e->dial, e->diallen) < 0 || append_number(e, round(s->dial_us)) < 0 ||
        append(e, e->hang, e->hanglen) < 0 || append_number(e, round(s->hangup_us)) < 0 ||
        append(e, e->targets, e->targetslen) < 0 || append(e, "{", 1) < 0)
        goto fail;
    for (size_t i = 0; i < s->ntargets; i++)
        if (encode_target(e, &s->targets[i], i, i == 0) < 0)
            goto fail;
    if (append(e, "}}", 2) < 0)
        goto fail;
    e->full_measure = s->measure;
    e->last_iter = s->iter;
    *text = e->buf;
    return (long)e->len;
fail:
    e->nref = 0;    /* a reference half written is none */
    return -1;
}

/*
 * Can `tv` be written in the columns target t had in the last full sample:
 * the same target and metrics, and no value outside those columns?  A
 * column it has no value for is written null (the heap's size, which the
 * sampler reads only every k-th sample once reading it is slow), so that
 * a value missing now and then does not turn every sample around it into
 * a full one.
 */
static int fits_columns(const struct target *t, const struct rasleak_target_values *tv)
{
    if (strcmp(t->id, tv->id) != 0)
        return 0;
    size_t c = 0;
    for (size_t i = 0; i < tv->count; i++) {
        double v = tv->metrics[i].value;
        if (c < t->ncols && t->cols[c] == i) {
            const char *name = t->slots[i].name, *want = tv->metrics[i].name;
            if (name != want && strcmp(name, want) != 0)
                return 0;
            /* A change is exact only between whole numbers a double holds
             * exactly; anything else is written in full. */
            if (!isnan(v) && !isinf(v) && !(is_integral(v) && is_integral(t->slots[i].ref)))
                return 0;
            c++;
        } else if (!isnan(v) && !isinf(v)) {
            return 0;   /* a value the columns have no place for */
        }
    }
    return c == t->ncols;
}

json_int_t rasleak__trend_row_stride(json_t *header)
{
    json_t *k = json_object_get(json_object_get(header, "run"), "sample_every");
    return json_is_integer(k) && json_integer_value(k) >= 1 ? json_integer_value(k) : 1;
}

void rasleak__sample_enc_set_stride(struct rasleak__sample_enc *e, uint64_t stride)
{
    e->stride = stride ? stride : 1;
}

/* Append ",column,change" to a row. */
static int append_change(struct rasleak__sample_enc *e, size_t col, double change)
{
    return append(e, ",", 1) < 0 || append_number(e, (double)col) < 0 ||
                   append(e, ",", 1) < 0 ||
                   (isnan(change) ? append(e, "null", 4) : append_number(e, change)) < 0
               ? -1
               : 0;
}

long rasleak__sample_enc_encode_row(struct rasleak__sample_enc *e,
                                    const struct rasleak_sample_record *s, const char **text)
{
    /* A row is the iteration a stride after the sample before, which
     * succeeded, in the phase and columns of the last full sample. */
    if (e->nref == 0 || s->ntargets != e->nref || !s->measure != !e->full_measure ||
        !s->ok || s->iter <= e->last_iter || s->iter - e->last_iter != e->stride)
        return 0;
    for (size_t k = 0; k < s->ntargets; k++)
        if (!fits_columns(&e->tg[e->ref[k]], &s->targets[k]))
            return 0;
    if (!e->t_known) {
        /* The full sample's time as the reader gets it: from its text. */
        json_t *j = json_loadb(e->t_text, e->t_textlen, JSON_DECODE_ANY, NULL);
        if (!json_is_number(j)) {
            json_decref(j);
            return -1;
        }
        e->t_full = json_number_value(j);
        json_decref(j);
        e->t_known = 1;
    }
    /* Microseconds since the full sample, never fewer than the row before. */
    double us = (s->t - e->t_full) * 1e6;
    int64_t acc = us > 0.0 && us < 0x1p52 ? (int64_t)llround(us) : 0;
    if (acc < e->t_acc)
        acc = e->t_acc;
    e->len = 0;
    if (append(e, "[", 1) < 0 || append_number(e, (double)(acc - e->t_acc)) < 0 ||
        append(e, ",", 1) < 0 || append_number(e, round(s->dial_us)) < 0 ||
        append(e, ",", 1) < 0 || append_number(e, round(s->hangup_us)) < 0)
        return -1;
    /* Only the columns that differ from the sample before: numbered across
     * the targets of the full sample, each with its change since its last
     * value, or null when it has none now. */
    size_t col = 0;
    for (size_t k = 0; k < s->ntargets; k++) {
        struct target *t = &e->tg[e->ref[k]];
        const struct rasleak_target_values *tv = &s->targets[k];
        for (size_t c = 0; c < t->ncols; c++, col++) {
            struct slot *sl = &t->slots[t->cols[c]];
            double v = tv->metrics[t->cols[c]].value;
            int rc = 0;
            if (isnan(v) || isinf(v)) {
                if (!sl->absent)
                    rc = append_change(e, col, NAN);
            } else if (sl->absent || v != sl->ref) {
                rc = append_change(e, col, v - sl->ref);
            }
            if (rc < 0)
                return -1;
        }
    }
    if (append(e, "]", 1) < 0)
        return -1;
    /* Written: the next row is from these values. */
    for (size_t k = 0; k < s->ntargets; k++) {
        struct target *t = &e->tg[e->ref[k]];
        for (size_t c = 0; c < t->ncols; c++) {
            struct slot *sl = &t->slots[t->cols[c]];
            double v = s->targets[k].metrics[t->cols[c]].value;
            sl->absent = isnan(v) || isinf(v);
            if (!sl->absent)
                sl->ref = v;
        }
    }
    e->last_iter = s->iter;
    e->t_acc = acc;
    *text = e->buf;
    return (long)e->len;
}

void rasleak__sample_enc_free(struct rasleak__sample_enc *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->ntg; i++) {
        for (size_t j = 0; j < e->tg[i].nslots; j++)
            free(e->tg[i].slots[j].key);
        free(e->tg[i].slots);
        free(e->tg[i].cols);
        free(e->tg[i].id);
        free(e->tg[i].key);
    }
    free(e->tg);
    free(e->head);
    free(e->t);
    free(e->warm);
    free(e->meas);
    free(e->ok);
    free(e->nok);
    free(e->dial);
    free(e->hang);
    free(e->targets);
    free(e->ref);
    free(e->buf);
    json_decref(e->jint);
    json_decref(e->jreal);
    json_decref(e->jstr);
    free(e);
}
