/*
 * allow.c - allowance files: parse, validate, apply (rasleak/allow.h).
 *
 * jansson reads every byte.  It keeps no positions of values, so to name
 * the line of an entry that is wrong the array is walked a second time:
 * each element is decoded on its own from where it starts with
 * JSON_DISABLE_EOF_CHECK, which reports how many bytes it took, and only
 * the whitespace and commas between elements are stepped over here (the
 * whole text has already been validated by jansson at that point).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rasleak/allow.h"

static const char *const fields[] = {"target", "metric", "max_rate", "reason", "expires"};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* snprintf that may cut the text short, on purpose: reasons have a fixed size. */
static void fit(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static long line_at(const char *text, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        line += text[i] == '\n';
    return line;
}

/* A real day in the form YYYY-MM-DD. */
static int valid_date(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

static int copy_string(json_t *o, const char *key, char *dst, size_t cap, int required,
                       const char *name, long line, struct rasleak_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (!required)
            return 0;
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "allowance has no '%s' (an entry needs target, metric, "
                                "max_rate and reason)", key);
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "'%s' of an allowance must be a non-empty string", key);
    if (json_string_length(v) >= cap)
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "'%s' of an allowance is longer than %zu bytes", key, cap - 1);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    if (strlen(dst) != json_string_length(v))
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "'%s' of an allowance contains a NUL character", key);
    return 0;
}

static int entry_from_json(json_t *o, const char *name, long line, struct rasleak_allowance *e,
                           struct rasleak_error *err)
{
    if (!json_is_object(o))
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "an allowance must be an object {\"target\", \"metric\", "
                                "\"max_rate\", \"reason\", \"expires\"}");
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        size_t k = 0;
        while (k < NFIELDS && strcmp(key, fields[k]) != 0)
            k++;
        if (k == NFIELDS)
            return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                    "unknown field '%s' in an allowance (fields: target, "
                                    "metric, max_rate, reason, expires)", key);
    }
    memset(e, 0, sizeof *e);
    e->line = line;
    int rc;
    char expires[64] = "";
    if ((rc = copy_string(o, "target", e->target, sizeof e->target, 1, name, line, err)) < 0 ||
        (rc = copy_string(o, "metric", e->metric, sizeof e->metric, 1, name, line, err)) < 0 ||
        (rc = copy_string(o, "reason", e->reason, sizeof e->reason, 1, name, line, err)) < 0 ||
        (rc = copy_string(o, "expires", expires, sizeof expires, 0, name, line, err)) < 0)
        return rc;
    v = json_object_get(o, "max_rate");
    if (!v)
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "allowance has no 'max_rate' (growth per iteration it accepts, "
                                "in the metric's unit)");
    if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "'max_rate' of an allowance must be a number >= 0");
    e->max_rate = json_number_value(v);
    if (expires[0] && !valid_date(expires))
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                "'expires' of an allowance must be a date YYYY-MM-DD, not '%s'",
                                expires);
    memcpy(e->expires, expires, sizeof e->expires);   /* 10 characters and the NUL */
    return 0;
}

int rasleak_allow_parse(const char *text, size_t len, const char *name,
                        struct rasleak_allow_list **out, struct rasleak_error *err)
{
    rasleak_error_clear(err);
    *out = NULL;
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, je.line > 0 ? je.line : 1,
                                je.column > 0 ? je.column : 0, "not valid JSON: %s", je.text);
    if (!json_is_array(doc)) {
        json_decref(doc);
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, 1, 0,
                                "an allowance file is a JSON array of entries");
    }
    struct rasleak_allow_list *l = calloc(1, sizeof *l);
    size_t n = json_array_size(doc);
    if (!l || !(l->entries = calloc(n ? n : 1, sizeof *l->entries))) {
        free(l);
        json_decref(doc);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    snprintf(l->path, sizeof l->path, "%s", name);
    int rc = 0;
    /* After the '[' (the first thing, jansson said so), element by element. */
    size_t off = 0;
    while (off < len && text[off] != '[')
        off++;
    off++;
    for (size_t i = 0; i < n && rc == 0; i++) {
        while (off < len && (is_space(text[off]) || text[off] == ','))
            off++;
        long line = line_at(text, off);
        json_t *one = json_array_get(doc, i);
        rc = entry_from_json(one, name, line, &l->entries[i], err);
        if (rc < 0)
            break;
        json_error_t pe;
        json_t *again = json_loadb(text + off, len - off, JSON_DISABLE_EOF_CHECK, &pe);
        if (!again || pe.position <= 0) {
            /* Cannot happen for an object jansson already accepted. */
            json_decref(again);
            rc = rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0, "cannot read this entry");
            break;
        }
        json_decref(again);
        off += (size_t)pe.position;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(l->entries[j].target, l->entries[i].target) == 0 &&
                strcmp(l->entries[j].metric, l->entries[i].metric) == 0) {
                rc = rasleak_error_at(err, RASLEAK_EFORMAT, name, line, 0,
                                      "a second allowance for %s/%s (the first is at line %ld)",
                                      l->entries[i].target, l->entries[i].metric,
                                      l->entries[j].line);
                break;
            }
        }
        l->n = i + 1;
    }
    json_decref(doc);
    if (rc < 0) {
        rasleak_allow_free(l);
        return rc;
    }
    *out = l;
    return 0;
}

int rasleak_allow_load(const char *path, struct rasleak_allow_list **out,
                       struct rasleak_error *err)
{
    *out = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rasleak_error_set(err, errno == ENOENT ? RASLEAK_ENOENT : RASLEAK_EIO, errno,
                                 "cannot open allowance file '%s': %s", path, strerror(errno));
    size_t cap = 4096, len = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len, fp)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = cap < ((size_t)64 << 20) ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int failed = ferror(fp);
    fclose(fp);
    if (!buf)
        return rasleak_error_set(err, RASLEAK_EFORMAT, 0,
                                 "allowance file '%s' is too large (64 MiB at most)", path);
    if (failed) {
        free(buf);
        return rasleak_error_set(err, RASLEAK_EIO, EIO, "cannot read allowance file '%s'", path);
    }
    int rc = rasleak_allow_parse(buf, len, path, out, err);
    free(buf);
    return rc;
}

void rasleak_allow_free(struct rasleak_allow_list *l)
{
    if (!l)
        return;
    free(l->entries);
    free(l);
}

const struct rasleak_allowance *rasleak_allow_find(const struct rasleak_allow_list *l,
                                                   const char *target, const char *metric)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (strcmp(l->entries[i].target, target) == 0 &&
            strcmp(l->entries[i].metric, metric) == 0)
            return &l->entries[i];
    return NULL;
}

enum rasleak_allow_state rasleak_allow_judge(const struct rasleak_allowance *entry,
                                             double rate, const char *today)
{
    if (!entry)
        return RASLEAK_ALLOW_NONE;
    /* ISO dates order as strings; an entry holds through its last day. */
    if (entry->expires[0] && strcmp(today, entry->expires) > 0)
        return RASLEAK_ALLOW_EXPIRED;
    if (!(rate <= entry->max_rate))   /* NaN exceeds too */
        return RASLEAK_ALLOW_EXCEEDED;
    return RASLEAK_ALLOW_ACCEPTED;
}

const char *rasleak_allow_state_name(enum rasleak_allow_state s)
{
    switch (s) {
    case RASLEAK_ALLOW_ACCEPTED: return "allowed";
    case RASLEAK_ALLOW_EXCEEDED: return "exceeded";
    case RASLEAK_ALLOW_EXPIRED: return "expired";
    default: return "none";
    }
}

size_t rasleak_allow_apply(const struct rasleak_allow_list *l, struct rasleak_analysis *a,
                           const char *today, struct rasleak_allow_outcome *outcomes)
{
    size_t expired = 0;
    int any_leak = 0, any_allowed = 0, any_inconclusive = 0;
    for (size_t i = 0; i < a->nseries; i++) {
        struct rasleak_series_result *s = &a->series[i];
        struct rasleak_allow_outcome o = {RASLEAK_ALLOW_NONE, NULL};
        if (s->verdict == RASLEAK_LEAK) {
            o.entry = rasleak_allow_find(l, s->target, s->metric);
            o.state = rasleak_allow_judge(o.entry, s->slope_per_iter, today);
        }
        char why[sizeof s->reason];
        memcpy(why, s->reason, sizeof why);
        switch (o.state) {
        case RASLEAK_ALLOW_ACCEPTED:
            s->verdict = RASLEAK_ALLOWED;
            fit(s->reason, sizeof s->reason, "allowed up to %g per iteration: %s",
                     o.entry->max_rate, o.entry->reason);
            break;
        case RASLEAK_ALLOW_EXPIRED:
            expired++;
            fit(s->reason, sizeof s->reason, "allowance expired on %s; %s",
                     o.entry->expires, why);
            break;
        case RASLEAK_ALLOW_EXCEEDED:
            fit(s->reason, sizeof s->reason, "grows faster than its allowance (%g per "
                     "iteration); %s", o.entry->max_rate, why);
            break;
        default:
            break;
        }
        if (outcomes)
            outcomes[i] = o;
        any_leak |= s->verdict == RASLEAK_LEAK;
        any_allowed |= s->verdict == RASLEAK_ALLOWED;
        any_inconclusive |= s->verdict == RASLEAK_INCONCLUSIVE;
    }
    a->verdict = any_leak ? RASLEAK_LEAK
               : any_allowed ? RASLEAK_ALLOWED
               : (any_inconclusive || a->nseries == 0) ? RASLEAK_INCONCLUSIVE : RASLEAK_NO_LEAK;
    return expired;
}

json_t *rasleak_allow_outcome_json(const struct rasleak_allow_list *l,
                                   const struct rasleak_allow_outcome *o)
{
    if (!o || o->state == RASLEAK_ALLOW_NONE || !o->entry)
        return NULL;
    const struct rasleak_allowance *e = o->entry;
    return json_pack("{s:s,s:s,s:f,s:o,s:s,s:I}", "state", rasleak_allow_state_name(o->state),
                     "reason", e->reason, "max_rate", e->max_rate,
                     "expires", e->expires[0] ? json_string(e->expires) : json_null(),
                     "file", l ? l->path : "", "line", (json_int_t)e->line);
}

const char *rasleak_allow_today(char *buf, size_t len)
{
    /* gmtime(), not gmtime_r(): portable, and the CLI calls this once. */
    time_t t = time(NULL);
    const struct tm *tm = gmtime(&t);
    if (!tm || strftime(buf, len, "%Y-%m-%d", tm) == 0)
        snprintf(buf, len, "%s", "9999-12-31");
    return buf;
}
