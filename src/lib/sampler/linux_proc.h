/*
 * sampler/linux_proc.h - internal: what the files of the Linux sampler share.
 *
 * linux_open.c opens a process and reads what does not change while it
 * is watched; linux.c takes the plain sample and chooses, at open, how
 * each counter is read; linux_heap.c reads the own process's heap for that
 * sample; linux_handles.c classifies the descriptors, remembers when each
 * was first seen, lists the suspects and tells whether the process is
 * still the one opened.
 */
#ifndef RASLEAK_LINUX_PROC_H
#define RASLEAK_LINUX_PROC_H

#include <stdint.h>
#include <sys/types.h>

#include "rasleak/sampler.h"

/* getdents64 buffer for the fallback count; ~40 descriptors per KiB. */
#define RASLEAK__DIRENT_BUF 32768

/* What rasleak_proc_handle_types() remembers of one descriptor number. */
struct rasleak__fd_slot {
    uint64_t key;          /* hash of what readlink said */
    uint64_t first_iter;   /* first pass that saw it with this key */
    uint32_t gen;          /* last pass that saw it */
    uint32_t type;
};

struct rasleak_proc {
    long pid;
    int self;
    int heap;        /* heap_bytes() is meaningful: own process, known allocator */
    unsigned heap_every;  /* read the heap every this many samples (see linux_heap.c) */
    unsigned heap_wait;   /* samples left before the next read */
    unsigned heap_reads;  /* reads so far, to time one in HEAP_TIME_EVERY */
    int fd_dir;      /* /proc/<pid>/fd */
    int task_dir;    /* /proc/<pid>/task */
    int statm;       /* /proc/<pid>/statm */
    int stat;        /* /proc/<pid>/stat */
    int maps;        /* /proc/<pid>/maps, when asked for; else -1 */
    unsigned want;   /* RASLEAK_PROC_* */
    int count_mode, thread_mode;        /* in use */
    int count_detected, thread_detected; /* found at open */
    unsigned long long start_time;      /* stat field 22, at open */
    double page_size;
    struct rasleak_limits limits;       /* another process: read at open */
    char prefix[32];                    /* "/proc/self" or "/proc/<pid>" */
    char name[64];
    /* rasleak_proc_handle_types(): one slot per descriptor number */
    struct rasleak__fd_slot *slots;
    size_t nslots;
    uint32_t gen;
    _Alignas(8) char dirbuf[RASLEAK__DIRENT_BUF];
};

/* Parse an unsigned decimal at *s, after blanks, and advance *s; 0 or -1. */
int rasleak__parse_ull(const char **s, const char *end, unsigned long long *out);

/* Field `field` (from 1, >= 3) of a /proc/<pid>/stat line; 0 or -1. */
int rasleak__stat_field(const char *buf, size_t len, int field, unsigned long long *out);

/* pread the kept stat file into buf, NUL-terminated; its length, or -errno. */
ssize_t rasleak__proc_read_stat(struct rasleak_proc *p, char *buf, size_t size);

/*
 * vm, rss and anonymous rss in bytes from one pread of the kept statm
 * file: 0, -EINVAL when it cannot be parsed, or -errno (-ESRCH when the
 * process is a zombie).
 */
int rasleak__proc_read_statm(struct rasleak_proc *p, double *vm, double *rss, double *anon);

/* Choose, at open, the fast or the slow way to count handles and threads. */
void rasleak__proc_detect_modes(struct rasleak_proc *p);

/* Count the lines of the kept maps file; 0 or -errno. */
int rasleak__proc_count_maps(struct rasleak_proc *p, double *out);

/* Release what rasleak_proc_want() allocated. */
void rasleak__proc_free_extras(struct rasleak_proc *p);

/*
 * The own heap's in-use bytes for this sample, or NAN when the read is
 * skipped because it has become too slow to take every time.
 */
double rasleak__heap_sample(struct rasleak_proc *p);

/* Whether the heap can be read at all: 1 or 0; `p` was just allocated. */
int rasleak__heap_usable(const struct rasleak_proc *p);

#endif
