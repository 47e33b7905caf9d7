/*
 * sampler/common.c - what every operating system's sampler does the same
 * way.
 *
 * The samplers differ in how they read a process, not in what a sample
 * promises: a metric nobody could read is NAN, never 0, since a flat 0
 * reads as "no leak".  This file holds that promise once, for all of them,
 * so that no sampler can drift from it.
 */
#include <math.h>
#include <stddef.h>

#include "sampler/common.h"

int rasleak__sample_begin(const struct rasleak_proc *p, struct rasleak_sample *out,
                          struct rasleak_error *err)
{
    if (p == NULL || out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no process or sample");
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++)
        out->values[m] = NAN;
    return 0;
}
