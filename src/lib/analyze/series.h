/*
 * series.h - internal: the (x, y) series of each target's metric, gathered
 * from the sample records of a trend file.
 */
#ifndef RASLEAK_SERIES_H
#define RASLEAK_SERIES_H

#include <stddef.h>
#include <jansson.h>

struct rasleak__series {
    char *target;
    char *metric;
    double *x, *y;     /* iteration, value: measured phase only */
    size_t n, cap;
};

struct rasleak__series_set {
    struct rasleak__series *items;
    size_t n, cap;
    size_t hint;       /* where the last look-up found its series */
};

/* Append the values of one sample's "targets" object at iteration `iter`. */
int rasleak__series_add_sample(struct rasleak__series_set *set, double iter, json_t *targets);

void rasleak__series_free(struct rasleak__series_set *set);

#endif
