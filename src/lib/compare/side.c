/*
 * side.c - one side of a comparison: a trend file, analyzed, or a stored
 * rasleak-analysis document, validated (rasleak/compare.h).
 *
 * Either way the side ends up as a rasleak-analysis document, so that one
 * reader extracts the series from both.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/compare.h"

#define SNIFF_BYTES 65536

/* Which format the file names first: 1 analysis, 0 trend (or neither), -1 unreadable. */
static int sniff(const char *path, struct rasleak_error *err)
{
    if (strcmp(path, "-") == 0)
        return 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return rasleak_error_set(err, errno == ENOENT ? RASLEAK_ENOENT : RASLEAK_EIO, errno,
                                 "cannot open '%s': %s", path, strerror(errno));
    char *buf = malloc(SNIFF_BYTES + 1);
    if (!buf) {
        fclose(fp);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    size_t n = fread(buf, 1, SNIFF_BYTES, fp);
    fclose(fp);
    /* A NUL ends the search early; what follows it is not JSON anyway. */
    buf[n] = '\0';
    const char *a = strstr(buf, "\"rasleak-analysis\"");
    const char *t = strstr(buf, "\"rasleak-trend\"");
    int analysis = a && (!t || a < t);
    free(buf);
    return analysis;
}

static int bad(struct rasleak_error *err, const char *name, const char *where, const char *what)
{
    return rasleak_error_at(err, RASLEAK_EFORMAT, name, 0, 0,
                            "'%s' is not a valid rasleak-analysis document: %s %s", name,
                            where, what);
}

static double number_or_nan(json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int verdict_from(const char *s)
{
    static const struct { const char *name; int v; } names[] = {
        {"leak", RASLEAK_LEAK}, {"no_leak", RASLEAK_NO_LEAK},
        {"inconclusive", RASLEAK_INCONCLUSIVE}, {"allowed", RASLEAK_ALLOWED},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].v;
    return -1;
}

static int series_from(json_t *o, size_t i, const char *name, struct rasleak_cmp_series *s,
                       struct rasleak_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "/series/%zu", i);
    if (!json_is_object(o))
        return bad(err, name, where, "is not an object");
    json_t *t = json_object_get(o, "target"), *m = json_object_get(o, "metric");
    if (!json_is_string(t) || !json_string_length(t) || json_string_length(t) >= sizeof s->target)
        return bad(err, name, where, "has no 'target' string (at most 127 bytes)");
    if (!json_is_string(m) || !json_string_length(m) || json_string_length(m) >= sizeof s->metric)
        return bad(err, name, where, "has no 'metric' string (at most 63 bytes)");
    snprintf(s->target, sizeof s->target, "%s", json_string_value(t));
    snprintf(s->metric, sizeof s->metric, "%s", json_string_value(m));
    s->verdict = verdict_from(json_string_value(json_object_get(o, "verdict")));
    if (s->verdict < 0)
        return bad(err, name, where,
                   "has no 'verdict' of leak, no_leak, inconclusive or allowed");
    json_t *n = json_object_get(o, "n");
    if (!json_is_integer(n) || json_integer_value(n) < 0)
        return bad(err, name, where, "has no whole number 'n' >= 0");
    s->n = (size_t)json_integer_value(n);
    json_t *slope = json_object_get(o, "slope_per_iter"), *ci = json_object_get(o, "slope_ci");
    if (!json_is_number(slope) && !json_is_null(slope))
        return bad(err, name, where, "has no 'slope_per_iter' number (or null)");
    if (!json_is_array(ci) || json_array_size(ci) != 2 ||
        !(json_is_number(json_array_get(ci, 0)) || json_is_null(json_array_get(ci, 0))) ||
        !(json_is_number(json_array_get(ci, 1)) || json_is_null(json_array_get(ci, 1))))
        return bad(err, name, where, "has no 'slope_ci' [low, high] of numbers (or nulls)");
    s->slope = number_or_nan(slope);
    s->lo = number_or_nan(json_array_get(ci, 0));
    s->hi = number_or_nan(json_array_get(ci, 1));
    return 0;
}

/*
 * What the document says of its run.  Only read, never required: the
 * series are what a comparison needs, and a stored analysis written by
 * hand may leave the run out.
 */
static void run_facts(json_t *run, struct rasleak_cmp_side *s)
{
    json_t *samples = json_object_get(run, "samples");
    const char *stop = json_string_value(json_object_get(run, "stop_reason"));
    s->truncated = json_is_true(json_object_get(run, "truncated"));
    if (json_is_integer(samples) && json_integer_value(samples) >= 0)
        s->samples = (uint64_t)json_integer_value(samples);
    /* Every reason rasleak writes fits; a longer one is not rasleak's,
     * and cutting it could split a UTF-8 character. */
    if (stop && strlen(stop) < sizeof s->stop_reason)
        memcpy(s->stop_reason, stop, strlen(stop) + 1);
}

int rasleak_cmp_side_from_json(json_t *doc, const char *name, enum rasleak_cmp_kind kind,
                               struct rasleak_cmp_side **out, struct rasleak_error *err)
{
    *out = NULL;
    if (!json_is_object(doc))
        return bad(err, name, "the document", "is not an object");
    const char *format = json_string_value(json_object_get(doc, "format"));
    if (!format || strcmp(format, "rasleak-analysis") != 0)
        return bad(err, name, "/format", "is not \"rasleak-analysis\"");
    json_t *version = json_object_get(doc, "version");
    if (!json_is_integer(version) || json_integer_value(version) < 1)
        return bad(err, name, "/version", "is not a version number");
    if (json_integer_value(version) > 1)
        return rasleak_error_at(err, RASLEAK_EFORMAT, name, 0, 0,
                                "'%s' is a rasleak-analysis document of version %lld, newer "
                                "than this rasleak reads (1)", name,
                                (long long)json_integer_value(version));
    json_t *series = json_object_get(doc, "series");
    if (!json_is_array(series))
        return bad(err, name, "/series", "is not an array");
    json_t *backend = json_object_get(doc, "backend");
    if (backend && !json_is_object(backend))
        return bad(err, name, "/backend", "is not an object");
    json_t *platform = json_object_get(doc, "platform");
    if (platform && !json_is_object(platform))
        return bad(err, name, "/platform", "is not an object");

    struct rasleak_cmp_side *s = calloc(1, sizeof *s);
    size_t n = json_array_size(series);
    if (!s || !(s->series = calloc(n ? n : 1, sizeof *s->series))) {
        free(s);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    snprintf(s->path, sizeof s->path, "%s", name);
    s->kind = kind;
    s->doc = json_incref(doc);
    run_facts(json_object_get(doc, "run"), s);
    for (size_t i = 0; i < n; i++) {
        int rc = series_from(json_array_get(series, i), i, name, &s->series[i], err);
        for (size_t j = 0; rc == 0 && j < i; j++)
            if (strcmp(s->series[j].target, s->series[i].target) == 0 &&
                strcmp(s->series[j].metric, s->series[i].metric) == 0) {
                char where[64];
                snprintf(where, sizeof where, "/series/%zu", i);
                rc = bad(err, name, where, "repeats a target and metric");
            }
        if (rc < 0) {
            rasleak_cmp_side_free(s);
            return rc;
        }
        s->nseries = i + 1;
    }
    *out = s;
    return 0;
}

int rasleak_cmp_side_load(const char *path, const struct rasleak_analyze_config *cfg,
                          struct rasleak_cmp_side **out, struct rasleak_error *err)
{
    rasleak_error_clear(err);
    *out = NULL;
    int is_analysis = sniff(path, err);
    if (is_analysis < 0)
        return is_analysis;
    json_t *doc;
    enum rasleak_cmp_kind kind;
    if (is_analysis) {
        json_error_t je;
        doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!doc)
            return rasleak_error_at(err, RASLEAK_EFORMAT, path, je.line > 0 ? je.line : 1,
                                    je.column > 0 ? je.column : 0,
                                    "not a valid rasleak-analysis document: %s", je.text);
        kind = RASLEAK_CMP_ANALYSIS;
    } else {
        struct rasleak_analysis *a;
        int rc = rasleak_analyze_file(path, cfg, &a, err);
        if (rc < 0)
            return rc;
        doc = rasleak_analysis_to_json(a);
        rasleak_analysis_free(a);
        if (!doc)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        kind = RASLEAK_CMP_TREND;
    }
    int rc = rasleak_cmp_side_from_json(doc, path, kind, out, err);
    json_decref(doc);
    return rc;
}

void rasleak_cmp_side_free(struct rasleak_cmp_side *s)
{
    if (!s)
        return;
    json_decref(s->doc);
    free(s->series);
    free(s);
}
