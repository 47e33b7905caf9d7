/*
 * x_index.h - internal: whether a series' x is its index plus a constant.
 *
 * A run that sampled every iteration has x[i] = x[0] + i.  Code that reads
 * points in a scattered order (the slope selection's passes, Hamed-Rao's
 * residuals from a hint) then computes x from the index instead of loading
 * it: one cache miss fewer a point.  The sum must be exact, so x[0] must be
 * a whole number and x[0] + n below 2^53, and equal x[i] as doubles.
 */
#ifndef RASLEAK_X_INDEX_H
#define RASLEAK_X_INDEX_H

#include <math.h>
#include <stddef.h>

static inline int rasleak__x_is_index(const double *x, size_t n)
{
    int yes = n > 0 && x[0] == floor(x[0]) && fabs(x[0]) + (double)n < 0x1p53;
    for (size_t i = 0; yes && i < n; i++)
        yes = x[i] == x[0] + (double)i;
    return yes;
}

#endif
