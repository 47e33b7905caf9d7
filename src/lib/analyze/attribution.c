/*
 * attribution.c - naming what a handle leak is made of.
 *
 * A run with handle types writes, beside each target's `handles`, one
 * series per type ("handles.socket", ...), and the analyzer judges each on
 * its own like any other series.  Afterwards, for a `handles` series that
 * leaks, the handles.<type> series of the same target that leak too are
 * its parts: each one's Sen slope over the total's is its share.  One type
 * with >= 90% of the slope is the whole story ("all of them sockets", in
 * the spirit of Sysinternals Handle's per-type summary); otherwise the
 * shares are listed, largest first.  The shares need not add up to exactly
 * 1: each slope is a median, and a type that grows too slowly to be judged
 * a leak on its own is left out.
 *
 * The "suspects" records are kept as they are (less their "type") for the
 * output to show.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/attribution.h"

#define ALL_OF_THEM 0.9

int rasleak__suspects_add(json_t **arr, json_t *rec)
{
    if (!*arr && !(*arr = json_array()))
        return -1;
    /* A deep copy: the record's own values belong to the reader (and,
     * while the analyzer reads, to an arena reset after each record). */
    json_t *copy = json_deep_copy(rec);
    if (!copy)
        return -1;
    json_object_del(copy, "type");
    return json_array_append_new(*arr, copy);
}

int rasleak__suspects_merge(json_t **a, json_t **b)
{
    if (!*b)
        return 0;
    if (!*a) {
        *a = *b;
        *b = NULL;
        return 0;
    }
    int rc = json_array_extend(*a, *b);
    json_decref(*b);
    *b = NULL;
    return rc;
}

static const char *plural(const char *type)
{
    static const struct { const char *type, *plural; } words[] = {
        {"socket", "sockets"}, {"pipe", "pipes"}, {"file", "files"},
        {"dev", "device files"}, {"eventfd", "eventfds"}, {"eventpoll", "epoll instances"},
        {"timerfd", "timerfds"}, {"signalfd", "signalfds"}, {"inotify", "inotify instances"},
        {"anon_inode", "other anon_inode handles"}, {"other", "other handles"},
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(words[i].type, type) == 0)
            return words[i].plural;
    return type;
}

static int cmp_share(const void *a, const void *b)
{
    const struct rasleak_type_share *x = a, *y = b;
    return (x->share < y->share) - (x->share > y->share);
}

static void attribute_one(struct rasleak_analysis *a, struct rasleak_series_result *h)
{
    struct rasleak_type_share all[32];
    size_t n = 0;
    if (!(h->slope_per_iter > 0))
        return;
    for (size_t i = 0; i < a->nseries && n < sizeof all / sizeof all[0]; i++) {
        const struct rasleak_series_result *s = &a->series[i];
        if (strcmp(s->target, h->target) != 0 || strncmp(s->metric, "handles.", 8) != 0 ||
            s->verdict != RASLEAK_LEAK)
            continue;
        snprintf(all[n].type, sizeof all[n].type, "%s", s->metric + 8);
        all[n].slope_per_iter = s->slope_per_iter;
        all[n].share = s->slope_per_iter / h->slope_per_iter;
        n++;
    }
    if (n == 0)
        return;
    qsort(all, n, sizeof all[0], cmp_share);
    h->nshares = n < RASLEAK_MAX_SHARES ? n : RASLEAK_MAX_SHARES;
    memcpy(h->shares, all, h->nshares * sizeof all[0]);
    if (all[0].share >= ALL_OF_THEM) {
        snprintf(h->attribution, sizeof h->attribution, "all of them %s", plural(all[0].type));
        return;
    }
    size_t len = 0;
    for (size_t i = 0; i < h->nshares && len < sizeof h->attribution; i++) {
        int k = snprintf(h->attribution + len, sizeof h->attribution - len, "%s%s %.0f%%",
                         i ? ", " : "", plural(all[i].type), 100 * all[i].share);
        if (k < 0)
            break;
        len += (size_t)k;
    }
}

void rasleak__attribute(struct rasleak_analysis *a)
{
    for (size_t i = 0; i < a->nseries; i++) {
        struct rasleak_series_result *s = &a->series[i];
        if (s->verdict == RASLEAK_LEAK && strcmp(s->metric, "handles") == 0)
            attribute_one(a, s);
    }
}
