/*
 * sampler/none.c - the sampler for systems without a real one.
 *
 * rasleak still runs there: the loop, the backends' own metrics and the
 * analysis work, and the built-in metrics are NAN ("not available"), which
 * the trend writer leaves out.  Reporting 0 instead would look like a flat,
 * leak-free series.  Other processes cannot be watched at all, so opening
 * one fails with RASLEAK_ENOTSUP rather than yielding an empty trend.
 * Only POSIX is assumed (Windows has win.c).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "sampler/common.h"

struct rasleak_proc {
    long pid;
};

int rasleak_proc_open_self(struct rasleak_proc **out, struct rasleak_error *err)
{
    struct rasleak_proc *p;

    if (out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no output pointer");
    p = malloc(sizeof *p);
    *out = p;
    if (p == NULL)
        return rasleak_error_set(err, RASLEAK_ENOMEM, 0, "out of memory");
    p->pid = (long)getpid();
    return 0;
}

int rasleak_proc_open_pid(struct rasleak_proc **out, long pid,
                          struct rasleak_error *err)
{
    if (out != NULL)
        *out = NULL;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "cannot watch process %ld: this build of rasleak "
                             "has no sampler for this operating system", pid);
}

int rasleak_proc_find_name(const char *name, long *pid, struct rasleak_error *err)
{
    (void)pid;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "cannot find process '%s': this build of rasleak has no "
                             "sampler for this operating system", name ? name : "");
}

int rasleak_proc_find_service(const char *name, struct rasleak_service *out,
                              struct rasleak_error *err)
{
    (void)out;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "cannot find service '%s': this build of rasleak has no "
                             "sampler for this operating system", name ? name : "");
}

int rasleak_proc_sample(struct rasleak_proc *p, struct rasleak_sample *out,
                        struct rasleak_error *err)
{
    return rasleak__sample_begin(p, out, err);
}

long rasleak_proc_pid(const struct rasleak_proc *p)
{
    return p ? p->pid : -1;
}

const char *rasleak_proc_name(const struct rasleak_proc *p)
{
    return p ? "?" : NULL;
}

/* The limits are POSIX, so they are known even where the counters are not. */
static double limit_value(int resource)
{
    struct rlimit rl;

    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return NAN;
    return (double)rl.rlim_cur;
}

void rasleak_proc_limits(const struct rasleak_proc *p, struct rasleak_limits *out)
{
    out->handles = p ? limit_value(RLIMIT_NOFILE) : NAN;
    out->vm_bytes = p ? limit_value(RLIMIT_AS) : NAN;
    out->memory_bytes = NAN;
}

void rasleak_proc_close(struct rasleak_proc *p)
{
    free(p);
}

void rasleak_host_info(struct rasleak_host *out)
{
    struct utsname u;

    memset(out, 0, sizeof *out);
    if (uname(&u) == 0) {
        snprintf(out->os, sizeof out->os, "%.31s", u.sysname);
        for (char *c = out->os; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        snprintf(out->os_release, sizeof out->os_release, "%s", u.release);
    } else {
        snprintf(out->os, sizeof out->os, "unknown");
    }
    if (gethostname(out->hostname, sizeof out->hostname - 1) != 0)
        out->hostname[0] = '\0';
#ifdef _SC_NPROCESSORS_ONLN
    {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        out->cpus = n > 0 ? (int)n : 0;
    }
#endif
}

/* ---- watching more closely: nothing to read here ------------------------ */

int rasleak_handle_type_of(const char *link)
{
    (void)link;
    return RASLEAK_HTYPE_OTHER;
}

int rasleak_proc_want(struct rasleak_proc *p, unsigned what, struct rasleak_error *err)
{
    (void)p;
    if (what == 0)
        return 0;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "handle types and memory maps cannot be read on this system");
}

int rasleak_proc_handle_types(struct rasleak_proc *p, uint64_t iter, double *counts,
                              struct rasleak_error *err)
{
    (void)p;
    (void)iter;
    (void)counts;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0, "handle types cannot be read here");
}

int rasleak_proc_suspects(struct rasleak_proc *p, uint64_t since,
                          struct rasleak_handle_info **out, size_t *n,
                          struct rasleak_error *err)
{
    (void)p;
    (void)since;
    *out = NULL;
    *n = 0;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0, "handles cannot be listed here");
}

int rasleak_proc_check(struct rasleak_proc *p, struct rasleak_error *err)
{
    (void)p;
    (void)err;
    return 0;
}

unsigned long long rasleak_proc_start_time(const struct rasleak_proc *p)
{
    (void)p;
    return 0;
}
