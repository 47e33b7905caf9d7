/*
 * rasleak/sampler.h - reading a process's handle and memory counters.
 *
 * One implementation per operating system is chosen at build time
 * (src/lib/sampler/linux.c, win.c, none.c); the rest of rasleak sees only
 * this header.  A metric the platform cannot give is NAN ("not available"),
 * never 0: the trend writer leaves it out.
 */
#ifndef RASLEAK_SAMPLER_H
#define RASLEAK_SAMPLER_H

#include <stdint.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The built-in metrics, in the order they are written to the trend file. */
enum rasleak_metric {
    RASLEAK_METRIC_HANDLES,       /* open descriptors / kernel handles */
    RASLEAK_METRIC_RSS_BYTES,     /* resident set (working set) */
    RASLEAK_METRIC_VM_BYTES,      /* virtual size (Windows: commit) */
    RASLEAK_METRIC_PRIVATE_BYTES, /* anonymous resident (Windows: private) */
    RASLEAK_METRIC_THREADS,       /* threads */
    RASLEAK_METRIC_HEAP_BYTES,    /* allocator in-use bytes, own process */
    RASLEAK_METRIC_GDI_OBJECTS,   /* Windows: GDI objects (GetGuiResources) */
    RASLEAK_METRIC_USER_OBJECTS,  /* Windows: USER objects (GetGuiResources) */
    RASLEAK_METRIC_MAPS,          /* memory mappings; only when asked (RASLEAK_PROC_MAPS) */
    RASLEAK_METRIC_COUNT
};

/* Units, for printing slopes in natural units. */
enum rasleak_unit {
    RASLEAK_UNIT_COUNT,   /* handles, threads, objects */
    RASLEAK_UNIT_BYTES
};

/* "handles", "rss_bytes", ...; NULL when out of range. */
const char *rasleak_metric_name(int metric);

/* Index of a built-in metric by name, or -1. */
int rasleak_metric_lookup(const char *name);

/*
 * The unit of a metric by name: built-in names map to their unit, any other
 * name ending in "_bytes" is BYTES, everything else COUNT.
 */
enum rasleak_unit rasleak_metric_unit(const char *name);

/* One reading: values[m] is NAN when metric m is not available. */
struct rasleak_sample {
    double values[RASLEAK_METRIC_COUNT];
};

/* Limits that bound a target's resources; NAN when unknown/unlimited. */
struct rasleak_limits {
    double handles;       /* soft descriptor limit (RLIMIT_NOFILE) */
    double memory_bytes;  /* physical memory available to the process */
    double vm_bytes;      /* address-space limit (RLIMIT_AS) */
};

/* An opened process: what the sampler keeps open for the whole run. */
struct rasleak_proc;

/*
 * Open the calling process for sampling.  Everything the sampler needs per
 * sample (procfs files, directory handles) is opened here and kept open, so
 * that sampling neither allocates nor opens descriptors.  On success *out
 * is owned by the caller, to be freed with rasleak_proc_close().
 */
int rasleak_proc_open_self(struct rasleak_proc **out, struct rasleak_error *err);

/* Open another process by id; RASLEAK_EACCES / RASLEAK_ENOENT say why not. */
int rasleak_proc_open_pid(struct rasleak_proc **out, long pid,
                          struct rasleak_error *err);

/*
 * The id of the one running process whose image name is `name`: on Windows
 * the executable's file name compared without case ("rasman.exe", and
 * "rasman" finds it too), on Linux the command name (/proc/<pid>/comm).
 * Returns 0, RASLEAK_ENOENT when none runs, or RASLEAK_EINVAL when several
 * do, with their ids in the message so that one can be picked by id.
 */
int rasleak_proc_find_name(const char *name, long *pid, struct rasleak_error *err);

/* The process a service runs in. */
struct rasleak_service {
    long pid;
    int shared;   /* it hosts other services too (svchost.exe on Windows) */
};

/*
 * The process of the running service whose key name is `name` ("RasMan").
 * Returns 0; RASLEAK_ENOENT when there is no such service or it is not
 * running; RASLEAK_EACCES when the service manager refuses; RASLEAK_ENOTSUP
 * where there are no services (Linux, other systems).
 */
int rasleak_proc_find_service(const char *name, struct rasleak_service *out,
                              struct rasleak_error *err);

/*
 * Take one sample.  Returns 0, or RASLEAK_EGONE when the process has exited,
 * or another negative code.  Metrics that cannot be read are NAN.
 */
int rasleak_proc_sample(struct rasleak_proc *p, struct rasleak_sample *out,
                        struct rasleak_error *err);

long rasleak_proc_pid(const struct rasleak_proc *p);

/* The process's image name ("rasleak", "rasman.exe"); owned by `p`. */
const char *rasleak_proc_name(const struct rasleak_proc *p);

/* Fill `out` with the process's limits. */
void rasleak_proc_limits(const struct rasleak_proc *p, struct rasleak_limits *out);

void rasleak_proc_close(struct rasleak_proc *p);

/* ---- watching more closely (docs/watching.md) ----------------------------- */

/*
 * Handle types, in the order they are written.  Each is also a metric of
 * its own, "handles." + the name ("handles.socket"), when a run classifies
 * handles.
 */
enum rasleak_handle_type {
    RASLEAK_HTYPE_SOCKET,      /* socket:[inode] */
    RASLEAK_HTYPE_PIPE,        /* pipe:[inode] (and FIFOs opened by path are files) */
    RASLEAK_HTYPE_FILE,        /* a path: files, directories, memfd */
    RASLEAK_HTYPE_DEV,         /* a path under /dev/, except /dev/shm and /dev/mqueue */
    RASLEAK_HTYPE_EVENTFD,     /* anon_inode:[eventfd] */
    RASLEAK_HTYPE_EVENTPOLL,   /* anon_inode:[eventpoll] */
    RASLEAK_HTYPE_TIMERFD,     /* anon_inode:[timerfd] */
    RASLEAK_HTYPE_SIGNALFD,    /* anon_inode:[signalfd] */
    RASLEAK_HTYPE_INOTIFY,     /* anon_inode:inotify */
    RASLEAK_HTYPE_ANON_INODE,  /* any other anon_inode: pidfd, io_uring, bpf, ... */
    RASLEAK_HTYPE_OTHER,       /* namespaces and whatever else readlink tells */
    RASLEAK_HTYPE_COUNT
};

/* "socket", "pipe", ...; NULL when out of range. */
const char *rasleak_handle_type_name(int type);

/* "handles.socket", "handles.pipe", ...: the metric name; NULL when out of range. */
const char *rasleak_handle_type_metric(int type);

/* The type of a descriptor from what readlink(2) of /proc/<pid>/fd/<n> says. */
int rasleak_handle_type_of(const char *link);

/* What rasleak_proc_want() prepares. */
#define RASLEAK_PROC_HANDLE_TYPES 0x1u  /* rasleak_proc_handle_types(), suspects */
#define RASLEAK_PROC_MAPS         0x2u  /* RASLEAK_METRIC_MAPS in every sample */

/*
 * Prepare the extra readings in `what` (RASLEAK_PROC_* bits) once, before
 * the first sample, so that sampling still opens nothing: the maps file is
 * opened and the table of descriptors allocated here.  0, or a negative
 * code (RASLEAK_ENOTSUP where the platform cannot).
 */
int rasleak_proc_want(struct rasleak_proc *p, unsigned what, struct rasleak_error *err);

/*
 * Count the open handles by type into counts[RASLEAK_HTYPE_COUNT]: one
 * readlink per descriptor.  Also remembers, per descriptor, the iteration
 * `iter` at which it was first seen with what it points to now, for
 * rasleak_proc_suspects().  Needs RASLEAK_PROC_HANDLE_TYPES.  Returns 0,
 * RASLEAK_EGONE, or another negative code.
 */
int rasleak_proc_handle_types(struct rasleak_proc *p, uint64_t iter, double *counts,
                              struct rasleak_error *err);

/* One handle that was opened after a given iteration and is still open. */
struct rasleak_handle_info {
    int fd;
    int type;                     /* enum rasleak_handle_type */
    uint64_t first_iter;          /* first sample that saw it */
    char link[256];               /* what it points to: a path, "socket:[123]" */
    unsigned long long inode;     /* of a socket or pipe; 0 otherwise */
    char proto[8];                /* socket: "tcp", "tcp6", "udp", "udp6", "unix"; "" unknown */
    char local[112], remote[112]; /* "127.0.0.1:8080", "[::1]:443"; unix: the path */
    char state[16];               /* tcp: "ESTABLISHED", "CLOSE_WAIT", ...; "" otherwise */
};

/*
 * The handles open now that were first seen after iteration `since` (by
 * rasleak_proc_handle_types()), sorted by descriptor number; sockets are
 * looked up in the process's /proc/<pid>/net tables.  *out is a new array
 * of *n entries owned by the caller (free()), NULL when there are none.
 * Allocates; meant for the end of a run.
 */
int rasleak_proc_suspects(struct rasleak_proc *p, uint64_t since,
                          struct rasleak_handle_info **out, size_t *n,
                          struct rasleak_error *err);

/*
 * Whether `p` is still the process that was opened: 0 when it runs, else
 * RASLEAK_EGONE with a message that says whether its id is now free or
 * belongs to another process (told apart by the start time, field 22 of
 * /proc/<pid>/stat, recorded at open).  Reads a few files; not for every
 * sample.
 */
int rasleak_proc_check(struct rasleak_proc *p, struct rasleak_error *err);

/* The start time recorded at open (clock ticks after boot on Linux); 0 unknown. */
unsigned long long rasleak_proc_start_time(const struct rasleak_proc *p);

/* Host facts for the trend header. Strings are written into the buffers. */
struct rasleak_host {
    char os[32];          /* "linux", "windows" */
    char os_release[128]; /* kernel release / Windows version */
    char hostname[256];
    int cpus;
};
void rasleak_host_info(struct rasleak_host *out);

#ifdef __cplusplus
}
#endif
#endif
