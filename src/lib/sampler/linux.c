/*
 * sampler/linux.c - handle and memory counters from procfs.
 *
 * rasleak samples after every iteration, so a sample must be cheap (the
 * budget is 2 us for the own process) and must not disturb what it
 * measures: it must not allocate and must not open descriptors.  Everything
 * is therefore opened once in rasleak_proc_open_*() (linux_open.c) and
 * only re-read here:
 *
 *   handles        fstat() of /proc/<pid>/fd: since Linux 6.2 st_size is the
 *                  number of open descriptors.  Older kernels report 0; then
 *                  the kept directory is rewound and counted with getdents64.
 *   rss, vm,       one pread() of /proc/<pid>/statm ("size resident shared
 *   private        ..." in pages).  statm's "shared" is RssFile + RssShmem,
 *                  so resident - shared is RssAnon, the anonymous memory a
 *                  leak grows.  /proc/<pid>/status has the same numbers but
 *                  costs ~6 us, so it is read at most once, at open.
 *   threads        fstat() of /proc/<pid>/task: st_nlink is threads + 2;
 *                  checked at open against /proc/<pid>/stat field 20, which
 *                  is the fallback.
 *   heap_bytes     the own allocator's in-use bytes (see linux_heap.c).
 *
 * Another process can exit, and its id can then be given to a new one.  The
 * kept files stay bound to the process they were opened for (procfs pins
 * its struct pid, not the number), so once it is reaped every read fails
 * with ESRCH or ENOENT, even if the id is in use again; and a statm of all
 * zeros means it exited but was not reaped yet.  Both are RASLEAK_EGONE.
 * Comparing the start time (stat field 22) with the one at open would catch
 * nothing more and costs ~3.5 us a sample, more than the rest together; it
 * is recorded at open and compared by rasleak_proc_check() only when a read
 * fails and at the end of a run, to say whether the id was given again.
 *
 * Opening a process, finding one by name and its limits are in
 * linux_open.c; handle types, suspects and the maps metric are in
 * linux_handles.c; the own heap, whose reading is timed and thinned out,
 * is in linux_heap.c.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "sampler/common.h"
#include "sampler/linux_proc.h"

/* How a metric is read; decided at open, see rasleak__proc_detect_modes(). */
enum { READ_FAST, READ_FALLBACK };

/* Enough for any /proc/<pid>/stat line: comm is at most 64 bytes. */
#define STAT_BUF 1024

/* ---- small parsers, allocation-free -------------------------------------- */

/* Parse an unsigned decimal at *s (after blanks); advance *s. 0 or -1. */
int rasleak__parse_ull(const char **s, const char *end, unsigned long long *out)
{
    const char *c = *s;
    unsigned long long v = 0;

    while (c < end && (*c == ' ' || *c == '\t'))
        c++;
    if (c == end || *c < '0' || *c > '9')
        return -1;
    while (c < end && *c >= '0' && *c <= '9')
        v = v * 10 + (unsigned long long)(*c++ - '0');
    *s = c;
    *out = v;
    return 0;
}

/*
 * Field `field` (numbered from 1 as in proc(5), >= 3) of a stat line.  The
 * command name (field 2) may contain blanks and ')', so counting starts
 * after the last ')'.
 */
int rasleak__stat_field(const char *buf, size_t len, int field,
                        unsigned long long *out)
{
    const char *end = buf + len, *c = NULL;

    for (const char *q = buf; q < end; q++)
        if (*q == ')')
            c = q + 1;
    if (c == NULL)
        return -1;
    for (int f = 3; f < field; f++) {
        while (c < end && *c == ' ')
            c++;
        while (c < end && *c != ' ')
            c++;
    }
    return rasleak__parse_ull(&c, end, out);
}

/* ---- per-sample readers -------------------------------------------------- */

/* The process has gone when its files vanish under us. */
static int gone_errno(int e)
{
    return e == ESRCH || e == ENOENT;
}

static int fail(struct rasleak_proc *p, struct rasleak_error *err, int e,
                const char *file)
{
    if (gone_errno(e))
        return rasleak_error_set(err, RASLEAK_EGONE, e,
                                 "process %ld '%s' has exited", p->pid, p->name);
    return rasleak_error_set(err, RASLEAK_ESAMPLE, e, "cannot read '%s/%s': %s",
                             p->prefix, file, strerror(e));
}

/*
 * fstat() of an open descriptor.  glibc (2.33 and later) implements fstat()
 * as fstatat(fd, "", AT_EMPTY_PATH), which costs ~0.1 us more per call than
 * the plain fstat system call; two of them are in every sample.  On x86-64
 * the kernel's struct stat is glibc's, so the system call can be made
 * directly.
 */
static int fstat_fd(int fd, struct stat *st)
{
#if defined(__x86_64__) && defined(SYS_fstat)
    return (int)syscall(SYS_fstat, fd, st);
#else
    return fstat(fd, st);
#endif
}

/* Count the entries of the kept fd directory: the slow path, ~5 us with a
 * handful of descriptors and growing with their number. */
static int count_dirents(struct rasleak_proc *p, double *out)
{
    long n = 0;

    /* Rewind first: the position is left at the end by the last count. */
    if (lseek(p->fd_dir, 0, SEEK_SET) < 0)
        return -errno;
    for (;;) {
        long len = syscall(SYS_getdents64, p->fd_dir, p->dirbuf, sizeof p->dirbuf);
        if (len < 0)
            return -errno;
        if (len == 0)
            break;
        /* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name */
        for (long off = 0; off < len;) {
            unsigned short reclen;
            memcpy(&reclen, p->dirbuf + off + 16, sizeof reclen);
            if (p->dirbuf[off + 19] != '.')
                n++;
            off += reclen;
        }
    }
    *out = (double)n;
    return 0;
}

static int read_handles(struct rasleak_proc *p, double *out)
{
    struct stat st;

    if (p->count_mode == READ_FALLBACK)
        return count_dirents(p, out);
    if (fstat_fd(p->fd_dir, &st) < 0)
        return -errno;
    *out = (double)st.st_size;
    return 0;
}

static int read_threads_nlink(struct rasleak_proc *p, double *out)
{
    struct stat st;

    if (fstat_fd(p->task_dir, &st) < 0)
        return -errno;
    if (st.st_nlink < 2)
        return -ESRCH; /* an emptied task directory: the process is gone */
    *out = (double)(st.st_nlink - 2);
    return 0;
}

/* pread /proc/<pid>/stat into buf; its length, or -errno. */
ssize_t rasleak__proc_read_stat(struct rasleak_proc *p, char *buf, size_t size)
{
    ssize_t n = pread(p->stat, buf, size - 1, 0);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return n;
}

/* vm, rss and anonymous rss from one pread of statm. */
int rasleak__proc_read_statm(struct rasleak_proc *p, double *vm, double *rss,
                             double *anon)
{
    char buf[128];
    const char *c = buf, *end;
    unsigned long long size, resident, shared;
    ssize_t n = pread(p->statm, buf, sizeof buf, 0);

    if (n < 0)
        return -errno;
    end = buf + n;
    if (rasleak__parse_ull(&c, end, &size) < 0
        || rasleak__parse_ull(&c, end, &resident) < 0
        || rasleak__parse_ull(&c, end, &shared) < 0)
        return -EINVAL;
    /* A live process always maps something; all zeros is a zombie. */
    if (size == 0)
        return -ESRCH;
    *vm = (double)size * p->page_size;
    *rss = (double)resident * p->page_size;
    *anon = resident >= shared ? (double)(resident - shared) * p->page_size : 0.0;
    return 0;
}

int rasleak_proc_sample(struct rasleak_proc *p, struct rasleak_sample *out,
                        struct rasleak_error *err)
{
    double *v;
    char sbuf[STAT_BUF];
    ssize_t slen = 0;
    int rc;

    rc = rasleak__sample_begin(p, out, err);
    if (rc < 0)
        return rc;
    v = out->values;

    if (p->thread_mode == READ_FALLBACK) {
        slen = rasleak__proc_read_stat(p, sbuf, sizeof sbuf);
        if (slen < 0)
            return fail(p, err, (int)-slen, "stat");
    }
    rc = read_handles(p, &v[RASLEAK_METRIC_HANDLES]);
    if (rc < 0)
        return fail(p, err, -rc, "fd");
    rc = rasleak__proc_read_statm(p, &v[RASLEAK_METRIC_VM_BYTES],
                                  &v[RASLEAK_METRIC_RSS_BYTES],
                                  &v[RASLEAK_METRIC_PRIVATE_BYTES]);
    if (rc == -EINVAL)
        return rasleak_error_set(err, RASLEAK_ESAMPLE, 0,
                                 "cannot parse '%s/statm'", p->prefix);
    if (rc < 0)
        return fail(p, err, -rc, "statm");
    if (p->thread_mode == READ_FAST) {
        rc = read_threads_nlink(p, &v[RASLEAK_METRIC_THREADS]);
        if (rc < 0)
            return fail(p, err, -rc, "task");
    } else {
        unsigned long long t;
        if (rasleak__stat_field(sbuf, (size_t)slen, 20, &t) == 0)
            v[RASLEAK_METRIC_THREADS] = (double)t;
    }
    if (p->heap)
        v[RASLEAK_METRIC_HEAP_BYTES] = rasleak__heap_sample(p);
    if (p->maps >= 0) {
        rc = rasleak__proc_count_maps(p, &v[RASLEAK_METRIC_MAPS]);
        if (rc < 0)
            return fail(p, err, -rc, "maps");
    }
    return 0;
}

/* ---- the fast paths, chosen at open -------------------------------------- */

/*
 * Use the fast paths only where this kernel gives the right numbers: compare
 * each with the slow path, retrying a few times since another process may
 * open a file or start a thread between the two readings.
 */
void rasleak__proc_detect_modes(struct rasleak_proc *p)
{
    char sbuf[STAT_BUF];
    struct stat st;

    p->count_detected = p->thread_detected = READ_FALLBACK;
    for (int i = 0; i < 3 && p->count_detected == READ_FALLBACK; i++) {
        double n;
        if (fstat(p->fd_dir, &st) == 0 && st.st_size > 0
            && count_dirents(p, &n) == 0 && n == (double)st.st_size)
            p->count_detected = READ_FAST;
    }
    for (int i = 0; i < 3 && p->thread_detected == READ_FALLBACK; i++) {
        unsigned long long t;
        ssize_t n = rasleak__proc_read_stat(p, sbuf, sizeof sbuf);
        if (n > 0 && rasleak__stat_field(sbuf, (size_t)n, 20, &t) == 0
            && fstat(p->task_dir, &st) == 0 && st.st_nlink == t + 2)
            p->thread_detected = READ_FAST;
    }
    p->count_mode = p->count_detected;
    p->thread_mode = p->thread_detected;
}

/*
 * Testing hook (declared in tests/unit/test_sampler.c): force the slow
 * paths, so that they are exercised on kernels where the fast ones work.
 */
int rasleak__proc_force_fallback(struct rasleak_proc *p, int on);
int rasleak__proc_force_fallback(struct rasleak_proc *p, int on)
{
    p->count_mode = on ? READ_FALLBACK : p->count_detected;
    p->thread_mode = on ? READ_FALLBACK : p->thread_detected;
    return 0;
}
