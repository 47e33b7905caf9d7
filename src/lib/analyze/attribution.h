/*
 * attribution.h - internal: which handle type a leak is made of, and the
 * leak suspects a trend file lists (docs/watching.md).
 */
#ifndef RASLEAK_ATTRIBUTION_H
#define RASLEAK_ATTRIBUTION_H

#include <jansson.h>

#include "rasleak/analysis.h"

/* Keep a "suspects" record (borrowed) in the array *arr, made on first use.
 * 0 or -1 (out of memory). */
int rasleak__suspects_add(json_t **arr, json_t *rec);

/* Append the records of *b (from a later part of the file) to *a; *b is emptied. */
int rasleak__suspects_merge(json_t **a, json_t **b);

/*
 * For every leaking `handles` series with handles.<type> series of the same
 * target beside it, fill in its attribution and shares.
 */
void rasleak__attribute(struct rasleak_analysis *a);

#endif
