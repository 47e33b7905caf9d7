/*
 * options.c - backend options: validation against a backend's table and
 * typed look-ups.
 *
 * Validation happens once, before the backend is opened, so that a typo in
 * -O is a usage error (exit 2) that lists the valid keys, and so that a
 * backend's open() can read its options without checking them again.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rasleak/backend.h"

static const struct rasleak_option_spec *find_spec(const struct rasleak_option_spec *t,
                                                   size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (!(t[i].flags & RASLEAK_OPTF_ANY) && strcmp(t[i].key, key) == 0)
            return &t[i];
    return NULL;
}

/* The entry that checks `key`: its own, else the table's catch-all. */
static const struct rasleak_option_spec *match_spec(const struct rasleak_option_spec *t,
                                                    size_t n, const char *key)
{
    const struct rasleak_option_spec *s = find_spec(t, n, key);
    for (size_t i = 0; !s && i < n; i++)
        if (t[i].flags & RASLEAK_OPTF_ANY)
            s = &t[i];
    return s;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) { *out = 1; return 0; }
        if (strcasecmp(s, no[i]) == 0) { *out = 0; return 0; }
    }
    return -1;
}

static int choice_ok(const char *choices, const char *v)
{
    size_t len = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == len && strncmp(p, v, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

/* "leak_handles, leak_bytes, ..." for messages. */
static void list_keys(const struct rasleak_option_spec *t, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        int k = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", t[i].key);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    if (n == 0)
        snprintf(buf, len, "(none)");
}

static int check_value(const struct rasleak_option_spec *s, const char *v,
                       const char *backend, struct rasleak_error *err)
{
    double d = 0;
    int b;
    switch (s->type) {
    case RASLEAK_OPT_STRING:
        return 0;
    case RASLEAK_OPT_INT:
        if (parse_double(v, &d) < 0 || d != floor(d))
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                "backend '%s': option '%s' takes a whole number, not '%s'", backend, s->key, v);
        break;
    case RASLEAK_OPT_DOUBLE:
        if (parse_double(v, &d) < 0)
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                "backend '%s': option '%s' takes a number, not '%s'", backend, s->key, v);
        break;
    case RASLEAK_OPT_BOOL:
        if (parse_bool(v, &b) < 0)
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                "backend '%s': option '%s' takes 0 or 1, not '%s'", backend, s->key, v);
        return 0;
    case RASLEAK_OPT_CHOICE:
        if (!choice_ok(s->choices, v))
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                "backend '%s': option '%s' takes one of %s, not '%s'", backend, s->key,
                s->choices, v);
        return 0;
    }
    if (d < s->min || d > s->max)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
            "backend '%s': option '%s' must be between %g and %g, not '%s'", backend,
            s->key, s->min, s->max, v);
    return 0;
}

int rasleak_options_validate(const struct rasleak_option_spec *table, size_t n,
                             const struct rasleak_options *given, const char *backend,
                             struct rasleak_error *err)
{
    char keys[512];
    for (size_t i = 0; i < given->count; i++) {
        const struct rasleak_kv *kv = &given->items[i];
        const struct rasleak_option_spec *s = match_spec(table, n, kv->key);
        if (!s) {
            list_keys(table, n, keys, sizeof keys);
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                "backend '%s' has no option '%s' (valid: %s)", backend, kv->key, keys);
        }
        if (!(s->flags & RASLEAK_OPTF_REPEATABLE)) {
            for (size_t j = 0; j < i; j++)
                if (strcmp(given->items[j].key, kv->key) == 0)
                    return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                        "backend '%s': option '%s' given more than once", backend, kv->key);
        }
        int rc = check_value(s, kv->value, backend, err);
        if (rc < 0)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(table[i].flags & RASLEAK_OPTF_REQUIRED) || (table[i].flags & RASLEAK_OPTF_ANY))
            continue;
        size_t j;
        for (j = 0; j < given->count; j++)
            if (strcmp(given->items[j].key, table[i].key) == 0)
                break;
        if (j == given->count)
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                "backend '%s' needs option '%s' (-O %s=...)", backend, table[i].key,
                table[i].key);
    }
    return 0;
}

const char *rasleak_opt_get(const struct rasleak_options *o,
                            const struct rasleak_option_spec *table, size_t n,
                            const char *key)
{
    for (size_t i = o ? o->count : 0; i-- > 0;)
        if (strcmp(o->items[i].key, key) == 0)
            return o->items[i].value;
    const struct rasleak_option_spec *s = find_spec(table, n, key);
    return s ? s->default_value : NULL;
}

double rasleak_opt_double(const struct rasleak_options *o,
                          const struct rasleak_option_spec *table, size_t n,
                          const char *key)
{
    const char *v = rasleak_opt_get(o, table, n, key);
    double d = 0;
    return v && parse_double(v, &d) == 0 ? d : 0.0;
}

int rasleak_opt_bool(const struct rasleak_options *o,
                     const struct rasleak_option_spec *table, size_t n,
                     const char *key)
{
    const char *v = rasleak_opt_get(o, table, n, key);
    int b;
    return v && parse_bool(v, &b) == 0 ? b : 0;
}
