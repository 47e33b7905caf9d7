/*
 * sampler/common.c - what every operating system's sampler does the same
 * way.
 *
 * The samplers differ in how they read a process, not in what they
 * promise: a metric nobody could read is NAN, never 0, since a flat 0
 * reads as "no leak"; and a name that several processes share is refused
 * with their ids rather than resolved to one of them.  This file holds
 * those promises once, for all of them, so that no sampler can drift from
 * the others.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

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

int rasleak__pick_named(const char *name, const long *found, size_t n, long *pid,
                        struct rasleak_error *err)
{
    char ids[128] = "";

    if (n == 0)
        return rasleak_error_set(err, RASLEAK_ENOENT, 0, "no process named '%s' is running",
                                 name);
    if (n > 1) {
        for (size_t i = 0; i < n && i < RASLEAK__NAMED_MAX; i++)
            snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%ld", i ? ", " : "",
                     found[i]);
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "%zu processes are named '%s' (%s%s); watch one by its id",
                                 n, name, ids, n > RASLEAK__NAMED_MAX ? ", ..." : "");
    }
    *pid = found[0];
    return 0;
}
