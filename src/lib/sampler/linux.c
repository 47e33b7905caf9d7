/*
 * sampler/linux.c - handle and memory counters from procfs.
 *
 * rasleak samples after every iteration, so a sample must be cheap (the
 * budget is 2 us for the own process) and must not disturb what it
 * measures: it must not allocate and must not open descriptors.  Everything
 * is therefore opened once in rasleak_proc_open_*() and only re-read here:
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
 * Handle types, suspects and the maps metric are in linux_handles.c; the
 * own heap, whose reading is timed and thinned out, is in linux_heap.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "sampler/linux_proc.h"

/* How a metric is read; decided at open, see detect_modes(). */
enum { READ_FAST, READ_FALLBACK };

/* Enough for any /proc/<pid>/stat line: comm is at most 64 bytes. */
#define STAT_BUF 1024

/* ---- small parsers, allocation-free -------------------------------------- */

/* Parse an unsigned decimal at *s (after blanks); advance *s. 0 or -1. */
static int parse_ull(const char **s, const char *end, unsigned long long *out)
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
    return parse_ull(&c, end, out);
}

/* Read a whole small file once (at open).  Length, or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    int e;

    if (fd < 0)
        return -errno;
    n = read(fd, buf, size - 1);
    e = errno;
    close(fd);
    if (n < 0)
        return -e;
    buf[n] = '\0';
    return n;
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
static ssize_t read_stat(struct rasleak_proc *p, char *buf, size_t size)
{
    ssize_t n = pread(p->stat, buf, size - 1, 0);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return n;
}

/* vm, rss and anonymous rss from one pread of statm. */
static int read_statm(struct rasleak_proc *p, double *vm, double *rss,
                      double *anon)
{
    char buf[128];
    const char *c = buf, *end;
    unsigned long long size, resident, shared;
    ssize_t n = pread(p->statm, buf, sizeof buf, 0);

    if (n < 0)
        return -errno;
    end = buf + n;
    if (parse_ull(&c, end, &size) < 0 || parse_ull(&c, end, &resident) < 0
        || parse_ull(&c, end, &shared) < 0)
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

    if (p == NULL || out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no process or sample");
    v = out->values;
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++)
        v[m] = NAN;

    if (p->thread_mode == READ_FALLBACK) {
        slen = read_stat(p, sbuf, sizeof sbuf);
        if (slen < 0)
            return fail(p, err, (int)-slen, "stat");
    }
    rc = read_handles(p, &v[RASLEAK_METRIC_HANDLES]);
    if (rc < 0)
        return fail(p, err, -rc, "fd");
    rc = read_statm(p, &v[RASLEAK_METRIC_VM_BYTES], &v[RASLEAK_METRIC_RSS_BYTES],
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

/* ---- open ---------------------------------------------------------------- */

/*
 * Use the fast paths only where this kernel gives the right numbers: compare
 * each with the slow path, retrying a few times since another process may
 * open a file or start a thread between the two readings.
 */
static void detect_modes(struct rasleak_proc *p)
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
        ssize_t n = read_stat(p, sbuf, sizeof sbuf);
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

/* A limit value from /proc/<pid>/limits or getrlimit: NAN if unlimited. */
static double limit_value(rlim_t v)
{
    return v == RLIM_INFINITY ? NAN : (double)v;
}

/* Soft limit of the line starting with `label` in a limits file. */
static double limits_soft(const char *text, const char *label)
{
    const char *line = strstr(text, label);
    const char *c, *end;
    unsigned long long v;

    if (line == NULL)
        return NAN;
    c = line + strlen(label);
    end = strchr(c, '\n');
    if (end == NULL)
        end = c + strlen(c);
    if (parse_ull(&c, end, &v) < 0)
        return NAN; /* "unlimited" */
    return (double)v;
}

/* Parse a cgroup memory limit file; "max" and garbage give NAN. */
static double cgroup_file_limit(const char *path)
{
    char buf[64];
    const char *c = buf;
    unsigned long long v;
    ssize_t n = read_file(path, buf, sizeof buf);

    if (n <= 0 || parse_ull(&c, buf + n, &v) < 0)
        return NAN;
    return (double)v;
}

/*
 * The lowest memory limit of the cgroup at `base` + `path` and of its
 * ancestors (a parent's limit bounds the child; each file shows only its
 * own).  The mount root is included, which is the container's own cgroup
 * when /sys/fs/cgroup is namespaced.
 */
static double cgroup_min_limit(const char *base, char *path, const char *file)
{
    char full[PATH_MAX];
    double best = NAN;

    for (;;) {
        char *slash = strrchr(path, '/');
        double v;
        snprintf(full, sizeof full, "%s%s/%s", base, path, file);
        v = cgroup_file_limit(full);
        if (!isnan(v) && (isnan(best) || v < best))
            best = v;
        if (slash == NULL || path[0] == '\0')
            break;
        *slash = '\0';
    }
    return best;
}

/*
 * Physical memory, or less when a cgroup (v2 memory.max, v1
 * memory.limit_in_bytes) caps the process below it.
 */
static double memory_limit(const char *prefix, double page_size)
{
    char text[4096], path[PATH_MAX], cg[PATH_MAX], *save = NULL;
    long pages = sysconf(_SC_PHYS_PAGES);
    double mem = pages > 0 ? (double)pages * page_size : NAN;

    snprintf(path, sizeof path, "%s/cgroup", prefix);
    if (read_file(path, text, sizeof text) <= 0)
        return mem;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        /* "hierarchy-id:controllers:path"; v2 is "0::path" */
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        double v = NAN;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        snprintf(cg, sizeof cg, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1);
        if (strcmp(line, "0") == 0 && c1[1] == '\0')
            v = cgroup_min_limit("/sys/fs/cgroup", cg, "memory.max");
        else if (strstr(c1 + 1, "memory") != NULL)
            v = cgroup_min_limit("/sys/fs/cgroup/memory", cg, "memory.limit_in_bytes");
        if (!isnan(v) && (isnan(mem) || v < mem))
            mem = v;
    }
    return mem;
}

/* Open one file or directory under the process's /proc directory. */
static int open_in(struct rasleak_proc *p, const char *file, int flags)
{
    char path[64];
    snprintf(path, sizeof path, "%s/%s", p->prefix, file);
    return open(path, flags | O_RDONLY | O_CLOEXEC);
}

static int open_error(struct rasleak_proc *p, struct rasleak_error *err,
                      const char *file, int e)
{
    if (e == ENOENT || e == ESRCH)
        return rasleak_error_set(err, RASLEAK_ENOENT, e,
                                 "no process with id %ld", p->pid);
    if (e == EACCES || e == EPERM)
        return rasleak_error_set(err, RASLEAK_EACCES, e,
            "cannot open '%s/%s' of process %ld '%s': %s; run rasleak as the "
            "user that owns the process, or as root",
            p->prefix, file, p->pid, p->name, strerror(e));
    if (e == ENOMEM)
        return rasleak_error_set(err, RASLEAK_ENOMEM, e, "out of memory");
    return rasleak_error_set(err, RASLEAK_ESAMPLE, e, "cannot open '%s/%s': %s",
                             p->prefix, file, strerror(e));
}

static int proc_open(struct rasleak_proc **out, long pid, int self,
                     struct rasleak_error *err)
{
    struct rasleak_proc *p;
    char buf[4096], path[64]; /* /proc/<pid>/limits is ~1.4 KiB */
    unsigned long long start_time;
    ssize_t n;
    int rc;

    *out = NULL;
    p = calloc(1, sizeof *p);
    if (p == NULL)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    p->pid = pid;
    p->self = self;
    p->fd_dir = p->task_dir = p->statm = p->stat = p->maps = -1;
    p->page_size = (double)sysconf(_SC_PAGESIZE);
    if (self)
        snprintf(p->prefix, sizeof p->prefix, "/proc/self");
    else
        snprintf(p->prefix, sizeof p->prefix, "/proc/%ld", pid);
    snprintf(p->name, sizeof p->name, "?");

    /* stat first: it exists for every process, so ENOENT means "no such". */
    if ((p->stat = open_in(p, "stat", 0)) < 0) {
        rc = open_error(p, err, "stat", errno);
        goto fail;
    }
    n = read_stat(p, buf, sizeof buf);
    if (n < 0 || rasleak__stat_field(buf, (size_t)n, 22, &start_time) < 0) {
        rc = open_error(p, err, "stat", n < 0 ? (int)-n : EIO);
        goto fail;
    }
    p->start_time = start_time;
    snprintf(path, sizeof path, "%s/comm", p->prefix);
    if (read_file(path, p->name, sizeof p->name) > 0)
        p->name[strcspn(p->name, "\n")] = '\0';
    else
        snprintf(p->name, sizeof p->name, "?");
    if (!self) {
        /* /proc/<tid> exists for every thread too; only whole processes. */
        unsigned long long tgid;
        const char *c = NULL;
        snprintf(path, sizeof path, "%s/status", p->prefix);
        n = read_file(path, buf, sizeof buf);
        if (n > 0 && (c = strstr(buf, "\nTgid:")) != NULL)
            c += 6;
        if (c != NULL && parse_ull(&c, buf + n, &tgid) == 0 && (long)tgid != pid) {
            rc = rasleak_error_set(err, RASLEAK_ENOENT, 0,
                "%ld is a thread of process %llu, not a process; watch %llu",
                pid, tgid, tgid);
            goto fail;
        }
    }
    if ((p->fd_dir = open_in(p, "fd", O_DIRECTORY)) < 0) {
        rc = open_error(p, err, "fd", errno);
        goto fail;
    }
    if ((p->task_dir = open_in(p, "task", O_DIRECTORY)) < 0) {
        rc = open_error(p, err, "task", errno);
        goto fail;
    }
    if ((p->statm = open_in(p, "statm", 0)) < 0) {
        rc = open_error(p, err, "statm", errno);
        goto fail;
    }
    {
        double vm, rss, anon;
        rc = read_statm(p, &vm, &rss, &anon);
        if (rc < 0) {
            rc = rasleak_error_set(err, RASLEAK_ENOENT, -rc,
                "process %ld '%s' has no user memory (it has exited or is a "
                "kernel thread)", pid, p->name);
            goto fail;
        }
    }
    detect_modes(p);
    p->heap = self && rasleak__heap_usable(p);

    if (!self) {
        /* Another process's limits cannot change under us except by
         * prlimit(1), which is rare enough to read them only here. */
        snprintf(path, sizeof path, "%s/limits", p->prefix);
        if (read_file(path, buf, sizeof buf) > 0) {
            p->limits.handles = limits_soft(buf, "Max open files");
            p->limits.vm_bytes = limits_soft(buf, "Max address space");
        } else {
            p->limits.handles = p->limits.vm_bytes = NAN;
        }
    }
    p->limits.memory_bytes = memory_limit(p->prefix, p->page_size);
    *out = p;
    return 0;
fail:
    rasleak_proc_close(p);
    return rc;
}

int rasleak_proc_open_self(struct rasleak_proc **out, struct rasleak_error *err)
{
    if (out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no output pointer");
    return proc_open(out, (long)getpid(), 1, err);
}

int rasleak_proc_open_pid(struct rasleak_proc **out, long pid,
                          struct rasleak_error *err)
{
    if (out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no output pointer");
    *out = NULL;
    if (pid <= 0 || pid > INT_MAX)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "invalid process id %ld", pid);
    return proc_open(out, pid, pid == (long)getpid(), err);
}

/* ---- finding a process -------------------------------------------------- */

int rasleak_proc_find_name(const char *name, long *pid, struct rasleak_error *err)
{
    DIR *d;
    struct dirent *de;
    long found[8];
    size_t n = 0;
    char ids[128] = "";

    if (name == NULL || pid == NULL || name[0] == '\0')
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no process name");
    if ((d = opendir("/proc")) == NULL)
        return rasleak_error_set(err, RASLEAK_ESAMPLE, errno, "cannot list '/proc': %s",
                                 strerror(errno));
    while ((de = readdir(d)) != NULL) {
        char path[64], comm[64];
        char *end;
        long id = strtol(de->d_name, &end, 10);
        if (*end != '\0' || id <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/comm", id);
        if (read_file(path, comm, sizeof comm) <= 0)
            continue; /* exited meanwhile, or hidden */
        comm[strcspn(comm, "\n")] = '\0';
        if (strcmp(comm, name) != 0)
            continue;
        if (n < sizeof found / sizeof found[0])
            found[n] = id;
        n++;
    }
    closedir(d);
    if (n == 0)
        return rasleak_error_set(err, RASLEAK_ENOENT, 0, "no process named '%s' is running",
                                 name);
    if (n > 1) {
        for (size_t i = 0; i < n && i < sizeof found / sizeof found[0]; i++)
            snprintf(ids + strlen(ids), sizeof ids - strlen(ids), "%s%ld", i ? ", " : "",
                     found[i]);
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "%zu processes are named '%s' (%s%s); watch one by its id",
                                 n, name, ids, n > sizeof found / sizeof found[0] ? ", ..." : "");
    }
    *pid = found[0];
    return 0;
}

int rasleak_proc_find_service(const char *name, struct rasleak_service *out,
                              struct rasleak_error *err)
{
    (void)out;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "cannot find service '%s': services are Windows services; on "
                             "Linux watch the process by name or by id (systemctl show -p "
                             "MainPID %s)", name ? name : "", name ? name : "");
}

long rasleak_proc_pid(const struct rasleak_proc *p)
{
    return p ? p->pid : -1;
}

const char *rasleak_proc_name(const struct rasleak_proc *p)
{
    return p ? p->name : NULL;
}

void rasleak_proc_limits(const struct rasleak_proc *p, struct rasleak_limits *out)
{
    struct rlimit rl;

    if (p == NULL) {
        out->handles = out->memory_bytes = out->vm_bytes = NAN;
        return;
    }
    *out = p->limits;
    if (!p->self)
        return;
    /* The own limits are cheap to ask and may be changed by the run. */
    out->handles = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? limit_value(rl.rlim_cur) : NAN;
    out->vm_bytes = getrlimit(RLIMIT_AS, &rl) == 0 ? limit_value(rl.rlim_cur) : NAN;
}

void rasleak_proc_close(struct rasleak_proc *p)
{
    if (p == NULL)
        return;
    if (p->fd_dir >= 0)
        close(p->fd_dir);
    if (p->task_dir >= 0)
        close(p->task_dir);
    if (p->statm >= 0)
        close(p->statm);
    if (p->stat >= 0)
        close(p->stat);
    rasleak__proc_free_extras(p);
    free(p);
}

void rasleak_host_info(struct rasleak_host *out)
{
    struct utsname u;
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    memset(out, 0, sizeof *out);
    snprintf(out->os, sizeof out->os, "linux");
    if (uname(&u) == 0)
        snprintf(out->os_release, sizeof out->os_release, "%s", u.release);
    if (gethostname(out->hostname, sizeof out->hostname - 1) != 0)
        out->hostname[0] = '\0';
    out->cpus = n > 0 ? (int)n : 0;
}
