/*
 * compare.c - judge a current run against a baseline (rasleak/compare.h).
 *
 * A series "leaks" when its verdict is leak or allowed (an accepted leak is
 * still a leak to compare against).  With t the metric's tolerance (per
 * iteration, default 0) and [lo, hi] Sen's 95% interval:
 *
 *   regression  the current side leaks and either the baseline did not and
 *               the slope grew by more than t, or the current lower bound
 *               is above the baseline's upper bound by more than t; also a
 *               series the baseline lacks that leaks now
 *   improved    the baseline leaked and the current side is judged no_leak,
 *               or both leak and the baseline's lower bound is above the
 *               current upper bound by more than t
 *   new         a series only the current side has (not leaking)
 *   missing     a series only the baseline has
 *   unchanged   everything else
 *
 * The current side must leak for a regression: a slope that is not judged
 * a leak (too small to matter, not significant) is noise to a CI job, even
 * when its interval moved.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/compare.h"

const char *rasleak_cmp_verdict_name(int v)
{
    switch (v) {
    case RASLEAK_CMP_REGRESSION: return "regression";
    case RASLEAK_CMP_IMPROVED: return "improved";
    case RASLEAK_CMP_NEW: return "new";
    case RASLEAK_CMP_MISSING: return "missing";
    case RASLEAK_CMP_ALLOWED: return "allowed";
    default: return "unchanged";
    }
}

/* snprintf that may cut the text short, on purpose: reasons have a fixed size. */
static void fit(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

static int leaks(const struct rasleak_cmp_series *s)
{
    return s->verdict == RASLEAK_LEAK || s->verdict == RASLEAK_ALLOWED;
}

int rasleak_cmp_judge(const struct rasleak_cmp_series *b, const struct rasleak_cmp_series *c,
                      double tol, char *reason, size_t len)
{
    const double k = 1000;   /* the reasons speak per 1,000 iterations */
    if (!b && !c) {
        snprintf(reason, len, "in neither side");
        return RASLEAK_CMP_UNCHANGED;
    }
    if (!b) {
        if (leaks(c)) {
            snprintf(reason, len, "not in the baseline, and leaks now (%+g per 1000 iterations)",
                     c->slope * k);
            return RASLEAK_CMP_REGRESSION;
        }
        snprintf(reason, len, "not in the baseline; %s now", rasleak_verdict_name(c->verdict));
        return RASLEAK_CMP_NEW;
    }
    if (!c) {
        snprintf(reason, len, "in the baseline (%s) but not in the current run",
                 rasleak_verdict_name(b->verdict));
        return RASLEAK_CMP_MISSING;
    }
    if (leaks(c) && !leaks(b)) {
        /* !(x <= t) so that an unknown baseline slope (NaN) counts against. */
        if (!(c->slope - b->slope <= tol)) {
            snprintf(reason, len, "leaks now (%+g per 1000 iterations); the baseline did not "
                     "(%s, %+g)", c->slope * k, rasleak_verdict_name(b->verdict), b->slope * k);
            return RASLEAK_CMP_REGRESSION;
        }
        snprintf(reason, len, "leaks now, but grows no more than the baseline plus the "
                 "tolerance (%+g per 1000 iterations)", (c->slope - b->slope) * k);
        return RASLEAK_CMP_UNCHANGED;
    }
    if (leaks(c) && leaks(b)) {
        if (c->lo - b->hi > tol) {
            snprintf(reason, len, "leaks faster: %+g per 1000 iterations, lower bound %+g above "
                     "the baseline's upper bound %+g", c->slope * k, c->lo * k, b->hi * k);
            return RASLEAK_CMP_REGRESSION;
        }
        if (b->lo - c->hi > tol) {
            snprintf(reason, len, "leaks slower: %+g per 1000 iterations, upper bound %+g below "
                     "the baseline's lower bound %+g", c->slope * k, c->hi * k, b->lo * k);
            return RASLEAK_CMP_IMPROVED;
        }
        snprintf(reason, len, "leaks as in the baseline (intervals overlap within the tolerance)");
        return RASLEAK_CMP_UNCHANGED;
    }
    if (leaks(b) && c->verdict == RASLEAK_NO_LEAK) {
        snprintf(reason, len, "no longer leaks (the baseline grew %+g per 1000 iterations)",
                 b->slope * k);
        return RASLEAK_CMP_IMPROVED;
    }
    if (leaks(b))
        snprintf(reason, len, "the baseline leaked; %s now", rasleak_verdict_name(c->verdict));
    else
        snprintf(reason, len, "%s in both", c->verdict == b->verdict
                 ? rasleak_verdict_name(c->verdict) : "no leak");
    return RASLEAK_CMP_UNCHANGED;
}

static double tolerance_of(const struct rasleak_compare_config *cfg, const char *metric)
{
    for (size_t i = 0; cfg && i < cfg->ntolerances; i++)
        if (strcmp(cfg->tolerances[i].metric, metric) == 0)
            return cfg->tolerances[i].rate;
    return 0;
}

static const struct rasleak_cmp_series *find(const struct rasleak_cmp_side *s,
                                             const char *target, const char *metric)
{
    for (size_t i = 0; i < s->nseries; i++)
        if (strcmp(s->series[i].target, target) == 0 && strcmp(s->series[i].metric, metric) == 0)
            return &s->series[i];
    return NULL;
}

static void warn(struct rasleak_comparison *c, const char *fmt, const char *what,
                 const char *base, const char *cur)
{
    char (*w)[256] = realloc(c->warnings, (c->nwarnings + 1) * sizeof *w);
    if (!w)
        return;   /* a warning lost to a failed allocation is not worth failing for */
    c->warnings = w;
    fit(w[c->nwarnings++], sizeof *w, fmt, what, base, cur);
}

static const char *str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(unknown)";
}

/* Backends, their options, the platforms and how the runs ended, side by side. */
static void check_sides(struct rasleak_comparison *c)
{
    json_t *bb = json_object_get(c->base->doc, "backend"), *cb = json_object_get(c->cur->doc, "backend");
    if (bb && cb) {
        if (strcmp(str_of(bb, "name"), str_of(cb, "name")) != 0) {
            warn(c, "%s differ: baseline '%s', current '%s'", "backends", str_of(bb, "name"),
                 str_of(cb, "name"));
        } else {
            json_t *bo = json_object_get(bb, "options"), *co = json_object_get(cb, "options");
            char keys[200] = "";
            const char *key;
            json_t *v;
            json_object_foreach(bo, key, v)
                if (!json_equal(v, json_object_get(co, key)))
                    snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s",
                             keys[0] ? ", " : "", key);
            json_object_foreach(co, key, v)
                if (!json_object_get(bo, key))
                    snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s",
                             keys[0] ? ", " : "", key);
            if (keys[0])
                warn(c, "%s options differ: %s%s", str_of(bb, "name"), keys, "");
        }
    }
    json_t *bp = json_object_get(c->base->doc, "platform"), *cp = json_object_get(c->cur->doc, "platform");
    if (bp && cp && json_object_get(bp, "os") && json_object_get(cp, "os")) {
        if (strcmp(str_of(bp, "os"), str_of(cp, "os")) != 0)
            warn(c, "%s differ: baseline '%s', current '%s'", "platforms", str_of(bp, "os"),
                 str_of(cp, "os"));
        else if (strcmp(str_of(bp, "os_release"), str_of(cp, "os_release")) != 0)
            warn(c, "%s differ: baseline '%s', current '%s'", "os releases",
                 str_of(bp, "os_release"), str_of(cp, "os_release"));
    }
    /* A run that was interrupted or gave up after failed dials measured
     * less than a completed one: judged side by side, it can look clean
     * for lack of data.  An unknown reason (a file cut short) is for the
     * caller to say, with the side. */
    const char *bs = c->base->stop_reason, *cs = c->cur->stop_reason;
    if (bs[0] && cs[0] && strcmp(bs, cs) != 0)
        warn(c, "%s stopped for different reasons: baseline '%s', current '%s'", "the runs",
             bs, cs);
}

static void apply_allowance(const struct rasleak_compare_config *cfg, struct rasleak_cmp_row *r,
                            size_t *expired)
{
    if (!cfg || !cfg->allow || r->verdict != RASLEAK_CMP_REGRESSION || !r->cur)
        return;
    r->allow.entry = rasleak_allow_find(cfg->allow, r->target, r->metric);
    r->allow.state = rasleak_allow_judge(r->allow.entry, r->cur->slope,
                                         cfg->today ? cfg->today : "0000-00-00");
    char why[sizeof r->reason];
    memcpy(why, r->reason, sizeof why);
    const struct rasleak_allowance *e = r->allow.entry;
    switch (r->allow.state) {
    case RASLEAK_ALLOW_ACCEPTED:
        r->verdict = RASLEAK_CMP_ALLOWED;
        fit(r->reason, sizeof r->reason, "allowed up to %g per iteration: %s; %s",
                 e->max_rate, e->reason, why);
        break;
    case RASLEAK_ALLOW_EXPIRED:
        (*expired)++;
        fit(r->reason, sizeof r->reason, "allowance expired on %s; %s", e->expires, why);
        break;
    case RASLEAK_ALLOW_EXCEEDED:
        fit(r->reason, sizeof r->reason, "grows faster than its allowance (%g per "
                 "iteration); %s", e->max_rate, why);
        break;
    default:
        break;
    }
}

static void add_row(struct rasleak_comparison *c, const struct rasleak_compare_config *cfg,
                    const struct rasleak_cmp_series *b, const struct rasleak_cmp_series *cur)
{
    struct rasleak_cmp_row *r = &c->rows[c->nrows++];
    const struct rasleak_cmp_series *any = b ? b : cur;
    memset(r, 0, sizeof *r);
    snprintf(r->target, sizeof r->target, "%s", any->target);
    snprintf(r->metric, sizeof r->metric, "%s", any->metric);
    r->base = b;
    r->cur = cur;
    r->tolerance = tolerance_of(cfg, r->metric);
    r->diff_per_1000 = b && cur ? (cur->slope - b->slope) * 1000 : NAN;
    r->verdict = rasleak_cmp_judge(b, cur, r->tolerance, r->reason, sizeof r->reason);
    apply_allowance(cfg, r, &c->expired);
    c->regressions += r->verdict == RASLEAK_CMP_REGRESSION;
}

int rasleak_compare(const struct rasleak_cmp_side *base, const struct rasleak_cmp_side *cur,
                    const struct rasleak_compare_config *cfg, struct rasleak_comparison **out,
                    struct rasleak_error *err)
{
    struct rasleak_comparison *c = calloc(1, sizeof *c);
    size_t cap = base->nseries + cur->nseries;
    if (!c || !(c->rows = calloc(cap ? cap : 1, sizeof *c->rows))) {
        free(c);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    c->base = base;
    c->cur = cur;
    c->allow = cfg ? cfg->allow : NULL;
    for (size_t i = 0; i < base->nseries; i++)
        add_row(c, cfg, &base->series[i],
                find(cur, base->series[i].target, base->series[i].metric));
    for (size_t i = 0; i < cur->nseries; i++)
        if (!find(base, cur->series[i].target, cur->series[i].metric))
            add_row(c, cfg, NULL, &cur->series[i]);
    check_sides(c);
    *out = c;
    return 0;
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_series_json(const struct rasleak_cmp_series *s)
{
    if (!s)
        return json_null();
    return json_pack("{s:s,s:I,s:o,s:[o,o]}", "verdict", rasleak_verdict_name(s->verdict),
                     "n", (json_int_t)s->n, "slope_per_iter", num(s->slope),
                     "slope_ci", num(s->lo), num(s->hi));
}

static json_t *side_json(const struct rasleak_cmp_side *s)
{
    json_t *backend = json_object_get(s->doc, "backend");
    json_t *platform = json_object_get(s->doc, "platform");
    return json_pack("{s:s,s:s,s:s,s:O*,s:O*,s:o,s:b}", "file", s->path,
                     "kind", s->kind == RASLEAK_CMP_ANALYSIS ? "analysis" : "trend",
                     "verdict", json_string_value(json_object_get(s->doc, "verdict"))
                                    ? json_string_value(json_object_get(s->doc, "verdict")) : "",
                     "backend", backend, "platform", platform,
                     "stop_reason", s->stop_reason[0] ? json_string(s->stop_reason) : json_null(),
                     "truncated", s->truncated);
}

json_t *rasleak_comparison_to_json(const struct rasleak_comparison *c)
{
    json_t *rows = json_array(), *warnings = json_array();
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rasleak_cmp_row *r = &c->rows[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:f}", "target", r->target,
                              "metric", r->metric, "verdict", rasleak_cmp_verdict_name(r->verdict),
                              "reason", r->reason, "baseline", side_series_json(r->base),
                              "current", side_series_json(r->cur),
                              "diff_per_1000", num(r->diff_per_1000), "tolerance", r->tolerance);
        json_t *allow = rasleak_allow_outcome_json(c->allow, &r->allow);
        if (allow)
            json_object_set_new(o, "allowance", allow);
        json_array_append_new(rows, o);
    }
    for (size_t i = 0; i < c->nwarnings; i++)
        json_array_append_new(warnings, json_string(c->warnings[i]));
    return json_pack("{s:s,s:i,s:s,s:I,s:o,s:o,s:o,s:o}", "format", "rasleak-comparison",
                     "version", 1, "verdict", c->regressions ? "regression" : "no_regression",
                     "regressions", (json_int_t)c->regressions,
                     "baseline", side_json(c->base), "current", side_json(c->cur),
                     "warnings", warnings, "series", rows);
}

void rasleak_comparison_free(struct rasleak_comparison *c)
{
    if (!c)
        return;
    free(c->rows);
    free(c->warnings);
    free(c);
}
