/*
 * sampler/linux_open.c - opening a Linux process, finding one by name, and
 * what is read of it only once.
 *
 * A sample must not open anything (see linux.c), so every file a sample
 * re-reads is opened here, once, and what does not change while a run
 * lasts is read here too: the process's name, its start time, its limits
 * and the memory limit of its cgroup.  Opening is also where an id is
 * checked, while a clear error can still be given instead of a failed
 * sample: that the process exists, that it is a whole process and not one
 * of its threads, that it has user memory to measure, and that rasleak may
 * read its files.  Finding a process by name is here as the step before
 * opening it; the accessors, closing and the host's description are here
 * with what they read back or release.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "sampler/common.h"
#include "sampler/linux_proc.h"

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

/* ---- what bounds the process --------------------------------------------- */

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
    if (rasleak__parse_ull(&c, end, &v) < 0)
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

    if (n <= 0 || rasleak__parse_ull(&c, buf + n, &v) < 0)
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

/* ---- open ---------------------------------------------------------------- */

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
    n = rasleak__proc_read_stat(p, buf, sizeof buf);
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
        if (c != NULL && rasleak__parse_ull(&c, buf + n, &tgid) == 0 && (long)tgid != pid) {
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
        rc = rasleak__proc_read_statm(p, &vm, &rss, &anon);
        if (rc < 0) {
            rc = rasleak_error_set(err, RASLEAK_ENOENT, -rc,
                "process %ld '%s' has no user memory (it has exited or is a "
                "kernel thread)", pid, p->name);
            goto fail;
        }
    }
    rasleak__proc_detect_modes(p);
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
    long found[RASLEAK__NAMED_MAX];
    size_t n = 0;

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
        if (n < RASLEAK__NAMED_MAX)
            found[n] = id;
        n++;
    }
    closedir(d);
    return rasleak__pick_named(name, found, n, pid, err);
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
