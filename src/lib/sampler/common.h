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

#include <stddef.h>

#include "rasleak/sampler.h"

/*
 * The start of every rasleak_proc_sample(): RASLEAK_EINVAL when p or out
 * is NULL, else 0 with every metric of *out set to NAN, "not available",
 * so that a metric the system cannot give is left out of the trend rather
 * than written as 0.
 */
int rasleak__sample_begin(const struct rasleak_proc *p, struct rasleak_sample *out,
                          struct rasleak_error *err);

/* How many ids of processes with the searched name a search keeps. */
#define RASLEAK__NAMED_MAX 8

/*
 * The outcome of rasleak_proc_find_name() once the processes are counted:
 * `n` are named `name`, and found[] holds the ids of the first ones, up to
 * RASLEAK__NAMED_MAX.  0 with the id in *pid when there is exactly one;
 * RASLEAK_ENOENT when there is none; RASLEAK_EINVAL when there are
 * several, with their ids in the message, since watching one of them
 * picked at random would measure a guess.
 */
int rasleak__pick_named(const char *name, const long *found, size_t n, long *pid,
                        struct rasleak_error *err);

#endif
