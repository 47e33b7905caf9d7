/*
 * sampler/common.h - internal: what every operating system's sampler does
 * the same way.
 *
 * One sampler is built per operating system (linux.c, win.c, none.c,
 * chosen in CMake), and each has its own struct rasleak_proc.  What they
 * can share is therefore only what needs none of its fields; keeping that
 * in one place keeps the samplers' answers the same wherever rasleak runs.
 */
#ifndef RASLEAK_SAMPLER_COMMON_H
#define RASLEAK_SAMPLER_COMMON_H

#include "rasleak/sampler.h"

/*
 * The start of every rasleak_proc_sample(): RASLEAK_EINVAL when p or out
 * is NULL, else 0 with every metric of *out set to NAN, "not available",
 * so that a metric the system cannot give is left out of the trend rather
 * than written as 0.
 */
int rasleak__sample_begin(const struct rasleak_proc *p, struct rasleak_sample *out,
                          struct rasleak_error *err);

#endif
