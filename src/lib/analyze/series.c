/*
 * series.c - gathering the series of every target and metric.
 *
 * Samples name their metrics afresh in every record, and a metric may
 * appear late (a plugin's counter) or vanish; each (target, metric) pair is
 * its own series with its own x values.  Records list their metrics in the
 * same order every time, so the next series is almost always the one after
 * the last found: the look-up tries that first.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/series.h"

static struct rasleak__series *find(struct rasleak__series_set *set, const char *target,
                                    const char *metric)
{
    for (size_t k = 0; k < set->n; k++) {
        size_t i = (set->hint + k) % set->n;
        struct rasleak__series *s = &set->items[i];
        if (strcmp(s->metric, metric) == 0 && strcmp(s->target, target) == 0) {
            set->hint = i + 1;
            return s;
        }
    }
    if (set->n == set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 16;
        struct rasleak__series *ni = realloc(set->items, ncap * sizeof *ni);
        if (!ni)
            return NULL;
        set->items = ni;
        set->cap = ncap;
    }
    struct rasleak__series *s = &set->items[set->n];
    memset(s, 0, sizeof *s);
    s->target = strdup(target);
    s->metric = strdup(metric);
    if (!s->target || !s->metric) {
        free(s->target);
        free(s->metric);
        return NULL;
    }
    set->n++;
    set->hint = set->n;
    return s;
}

static int push(struct rasleak__series *s, double x, double y)
{
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        double *nx = realloc(s->x, ncap * sizeof *nx);
        if (!nx)
            return -1;
        s->x = nx;
        double *ny = realloc(s->y, ncap * sizeof *ny);
        if (!ny)
            return -1;
        s->y = ny;
        s->cap = ncap;
    }
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->n++;
    return 0;
}

int rasleak__series_add_sample(struct rasleak__series_set *set, double iter, json_t *targets)
{
    const char *id;
    json_t *tv;
    json_object_foreach(targets, id, tv) {
        const char *metric;
        json_t *v;
        json_object_foreach(tv, metric, v) {
            struct rasleak__series *s = find(set, id, metric);
            if (!s || push(s, iter, json_number_value(v)) < 0)
                return -1;
        }
    }
    return 0;
}

void rasleak__series_free(struct rasleak__series_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i].target);
        free(set->items[i].metric);
        free(set->items[i].x);
        free(set->items[i].y);
    }
    free(set->items);
    memset(set, 0, sizeof *set);
}
