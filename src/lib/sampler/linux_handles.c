/*
 * sampler/linux_handles.c - what kind of handle leaks, and which ones.
 *
 * /proc/<pid>/fd holds one symbolic link per open descriptor, and what
 * readlink(2) says of it names its kind: "socket:[4711]", "pipe:[4712]",
 * "anon_inode:[eventfd]", "anon_inode:inotify", or a path.  So classifying
 * costs one readlink per descriptor (docs/performance.md, "Handle types"),
 * which is why it is done only when asked for; the plain sample does not
 * pay for it.  The pass also remembers, per descriptor number, a hash of
 * what the link said and the first iteration that saw it so: a descriptor
 * that is closed and its number reused for something else starts afresh.
 * At the end of a run, the descriptors first seen after the warm-up and
 * still open are the leak suspects (the idea of !htrace's snapshot diff);
 * sockets among them are looked up in the process's own /proc/<pid>/net
 * tables for their addresses.
 *
 * Like the plain sample, a pass opens nothing and, in the steady state,
 * allocates nothing: the directory and buffer are the ones linux.c keeps,
 * and the table of descriptors only grows when the highest descriptor
 * number does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sampler/linux_proc.h"

#define LINK_MAX_LEN 255
#define SLOTS_MIN 256
#define SLOTS_MAX 65536

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int rasleak_handle_type_of(const char *link)
{
    if (starts(link, "socket:"))
        return RASLEAK_HTYPE_SOCKET;
    if (starts(link, "pipe:"))
        return RASLEAK_HTYPE_PIPE;
    if (starts(link, "anon_inode:")) {
        const char *k = link + 11;
        if (strcmp(k, "[eventfd]") == 0)
            return RASLEAK_HTYPE_EVENTFD;
        if (strcmp(k, "[eventpoll]") == 0)
            return RASLEAK_HTYPE_EVENTPOLL;
        if (strcmp(k, "[timerfd]") == 0)
            return RASLEAK_HTYPE_TIMERFD;
        if (strcmp(k, "[signalfd]") == 0)
            return RASLEAK_HTYPE_SIGNALFD;
        if (strcmp(k, "inotify") == 0 || strcmp(k, "[inotify]") == 0)
            return RASLEAK_HTYPE_INOTIFY;
        return RASLEAK_HTYPE_ANON_INODE;
    }
    if (link[0] == '/') {
        /* /dev/shm and /dev/mqueue hold files, not devices. */
        if (starts(link, "/dev/") && !starts(link, "/dev/shm/") && !starts(link, "/dev/mqueue/"))
            return RASLEAK_HTYPE_DEV;
        return RASLEAK_HTYPE_FILE;
    }
    return RASLEAK_HTYPE_OTHER;
}

/* FNV-1a: what the link said, to notice a number reused for something else. */
static uint64_t link_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int gone_errno(int e)
{
    return e == ESRCH || e == ENOENT;
}

static int fail(struct rasleak_proc *p, struct rasleak_error *err, int e, const char *file)
{
    if (gone_errno(e))
        return rasleak_error_set(err, RASLEAK_EGONE, e, "process %ld '%s' has exited", p->pid,
                                 p->name);
    return rasleak_error_set(err, e == EACCES || e == EPERM ? RASLEAK_EACCES : RASLEAK_ESAMPLE, e,
                             "cannot read '%s/%s' of process %ld '%s': %s", p->prefix, file,
                             p->pid, p->name, strerror(e));
}

/* ---- setting up ----------------------------------------------------------- */

static int grow_slots(struct rasleak_proc *p, size_t need)
{
    size_t n = p->nslots ? p->nslots : SLOTS_MIN;
    while (n < need)
        n *= 2;
    struct rasleak__fd_slot *s = realloc(p->slots, n * sizeof *s);
    if (s == NULL)
        return -1;
    memset(s + p->nslots, 0, (n - p->nslots) * sizeof *s);
    p->slots = s;
    p->nslots = n;
    return 0;
}

int rasleak_proc_want(struct rasleak_proc *p, unsigned what, struct rasleak_error *err)
{
    char path[64];

    if (p == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no process");
    if ((what & RASLEAK_PROC_MAPS) && p->maps < 0) {
        snprintf(path, sizeof path, "%s/maps", p->prefix);
        p->maps = open(path, O_RDONLY | O_CLOEXEC);
        if (p->maps < 0) {
            int e = errno;
            if (e == EACCES || e == EPERM)
                return rasleak_error_set(err, RASLEAK_EACCES, e,
                    "cannot open '%s' of process %ld '%s': %s; run rasleak as the user that "
                    "owns the process, or as root", path, p->pid, p->name, strerror(e));
            return fail(p, err, e, "maps");
        }
    }
    if ((what & RASLEAK_PROC_HANDLE_TYPES) && p->slots == NULL) {
        /*
         * A slot for every descriptor number the process may use (its soft
         * limit, at most SLOTS_MAX), allocated and touched now: were the
         * table to grow with a leaking target's descriptors, rasleak's own
         * memory would grow with them, and the own process would look as
         * if it leaked.
         */
        double counts[RASLEAK_HTYPE_COUNT];
        struct rasleak_limits lim;
        rasleak_proc_limits(p, &lim);
        size_t want_slots = isnan(lim.handles) || lim.handles > SLOTS_MAX ? SLOTS_MAX
                          : lim.handles < SLOTS_MIN ? SLOTS_MIN : (size_t)lim.handles;
        if (grow_slots(p, want_slots) < 0)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        p->want |= RASLEAK_PROC_HANDLE_TYPES;
        /* One pass now: it checks that the links can be read. */
        int rc = rasleak_proc_handle_types(p, 0, counts, err);
        if (rc < 0)
            return rc;
    }
    p->want |= what;
    return 0;
}

void rasleak__proc_free_extras(struct rasleak_proc *p)
{
    if (p->maps >= 0)
        close(p->maps);
    p->maps = -1;
    free(p->slots);
    p->slots = NULL;
    p->nslots = 0;
}

unsigned long long rasleak_proc_start_time(const struct rasleak_proc *p)
{
    return p ? p->start_time : 0;
}

/* ---- per sample --------------------------------------------------------- */

int rasleak__proc_count_maps(struct rasleak_proc *p, double *out)
{
    long lines = 0;
    off_t off = 0;

    /* One line per mapping; the maps file of a big process is ~100 KiB. */
    for (;;) {
        ssize_t n = pread(p->maps, p->dirbuf, sizeof p->dirbuf, off);
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        for (const char *c = p->dirbuf, *end = p->dirbuf + n;
             (c = memchr(c, '\n', (size_t)(end - c))) != NULL; c++)
            lines++;
        off += n;
    }
    /* A live process maps something; nothing at all is a zombie. */
    if (lines == 0)
        return -ESRCH;
    *out = (double)lines;
    return 0;
}

/* Parse a descriptor number from a directory entry's name; -1 if not one. */
static long fd_number(const char *name)
{
    long v = 0;
    if (*name < '0' || *name > '9')
        return -1;
    for (; *name >= '0' && *name <= '9'; name++)
        v = v * 10 + (*name - '0');
    return *name ? -1 : v;
}

int rasleak_proc_handle_types(struct rasleak_proc *p, uint64_t iter, double *counts,
                              struct rasleak_error *err)
{
    char link[LINK_MAX_LEN + 1];
    long nc[RASLEAK_HTYPE_COUNT] = {0};

    if (p == NULL || !(p->want & RASLEAK_PROC_HANDLE_TYPES))
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "handle types were not prepared (rasleak_proc_want)");
    p->gen++;
    if (lseek(p->fd_dir, 0, SEEK_SET) < 0)
        return fail(p, err, errno, "fd");
    for (;;) {
        long len = syscall(SYS_getdents64, p->fd_dir, p->dirbuf, sizeof p->dirbuf);
        if (len < 0)
            return fail(p, err, errno, "fd");
        if (len == 0)
            break;
        /* struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name */
        for (long off = 0; off < len;) {
            unsigned short reclen;
            const char *name = p->dirbuf + off + 19;
            memcpy(&reclen, p->dirbuf + off + 16, sizeof reclen);
            off += reclen;
            long fd = fd_number(name);
            if (fd < 0)
                continue;
            ssize_t n = readlinkat(p->fd_dir, name, link, LINK_MAX_LEN);
            if (n < 0) {
                if (errno == ENOENT)
                    continue;   /* closed since the directory was read */
                return fail(p, err, errno, "fd");
            }
            link[n] = '\0';
            int type = rasleak_handle_type_of(link);
            nc[type]++;
            if ((size_t)fd >= p->nslots && grow_slots(p, (size_t)fd + 1) < 0)
                return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
            struct rasleak__fd_slot *s = &p->slots[fd];
            uint64_t key = link_hash(link, (size_t)n);
            if (s->gen != p->gen - 1 || s->key != key || s->gen == 0) {
                s->key = key;
                s->first_iter = iter;
                s->type = (uint32_t)type;
            }
            s->gen = p->gen;
        }
    }
    for (int t = 0; t < RASLEAK_HTYPE_COUNT; t++)
        counts[t] = (double)nc[t];
    return 0;
}

/* ---- suspects ------------------------------------------------------------- */

/* The whole of a small procfs file, NUL-terminated; NULL if unreadable. */
static char *slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 16384, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (buf)
        buf[len] = '\0';
    return buf;
}

static const char *tcp_state(unsigned st)
{
    static const char *const names[] = {
        "", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
        "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
    };
    return st < sizeof names / sizeof names[0] ? names[st] : "";
}

/*
 * "0100007F:1F90" (IPv4) or 32 hex digits and a port (IPv6), as the kernel
 * prints them: each 32-bit word of the address in host byte order.
 */
static void format_addr(const char *hex, int v6, char *out, size_t len)
{
    unsigned char addr[16];
    unsigned words = v6 ? 4 : 1;
    char ip[INET6_ADDRSTRLEN];
    for (unsigned w = 0; w < words; w++) {
        char part[9];
        memcpy(part, hex + 8 * w, 8);
        part[8] = '\0';
        uint32_t v = (uint32_t)strtoul(part, NULL, 16);
        memcpy(addr + 4 * w, &v, 4);
    }
    const char *colon = strchr(hex, ':');
    unsigned port = colon ? (unsigned)strtoul(colon + 1, NULL, 16) : 0;
    if (!inet_ntop(v6 ? AF_INET6 : AF_INET, addr, ip, sizeof ip))
        snprintf(ip, sizeof ip, "?");
    snprintf(out, len, v6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static int cmp_inode(const void *a, const void *b)
{
    const struct rasleak_handle_info *x = *(struct rasleak_handle_info *const *)a;
    const struct rasleak_handle_info *y = *(struct rasleak_handle_info *const *)b;
    return (x->inode > y->inode) - (x->inode < y->inode);
}

/* The suspects with this socket inode, through the index sorted by inode. */
static void for_inode(struct rasleak_handle_info **idx, size_t n, unsigned long long inode,
                      void (*fn)(struct rasleak_handle_info *, void *), void *ctx)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (idx[mid]->inode < inode)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < n && idx[lo]->inode == inode; lo++)
        fn(idx[lo], ctx);
}

struct inet_line {
    const char *proto;
    int v6, tcp;
    char local[64], remote[64];
    unsigned st;
};

static void fill_inet(struct rasleak_handle_info *h, void *ctx)
{
    const struct inet_line *l = ctx;
    snprintf(h->proto, sizeof h->proto, "%s", l->proto);
    format_addr(l->local, l->v6, h->local, sizeof h->local);
    format_addr(l->remote, l->v6, h->remote, sizeof h->remote);
    snprintf(h->state, sizeof h->state, "%s", l->tcp ? tcp_state(l->st) : "");
}

/* /proc/<pid>/net/{tcp,tcp6,udp,udp6}: sl local rem st tx:rx tr:when retr uid timeout inode */
static void scan_inet(const char *prefix, const char *proto, struct rasleak_handle_info **idx,
                      size_t n)
{
    char path[96];
    snprintf(path, sizeof path, "%s/net/%s", prefix, proto);
    char *text = slurp(path), *save = NULL;
    if (!text)
        return;
    struct inet_line l = {proto, strchr(proto, '6') != NULL, strncmp(proto, "tcp", 3) == 0,
                          "", "", 0};
    strtok_r(text, "\n", &save);   /* the heading */
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long inode;
        char txrx[40], trw[40];
        unsigned retr, uid, timeout;
        if (sscanf(line, " %*s %63s %63s %x %39s %39s %x %u %u %llu", l.local, l.remote, &l.st,
                   txrx, trw, &retr, &uid, &timeout, &inode) == 9 && inode)
            for_inode(idx, n, inode, fill_inet, &l);
    }
    free(text);
}

static void fill_unix(struct rasleak_handle_info *h, void *ctx)
{
    snprintf(h->proto, sizeof h->proto, "unix");
    snprintf(h->local, sizeof h->local, "%s", (const char *)ctx);
}

/* /proc/<pid>/net/unix: Num RefCount Protocol Flags Type St Inode [Path] */
static void scan_unix(const char *prefix, struct rasleak_handle_info **idx, size_t n)
{
    char path[96];
    snprintf(path, sizeof path, "%s/net/unix", prefix);
    char *text = slurp(path), *save = NULL;
    if (!text)
        return;
    strtok_r(text, "\n", &save);
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long inode;
        char sockpath[112] = "";
        if (sscanf(line, "%*s %*s %*s %*s %*s %*s %llu %111s", &inode, sockpath) >= 1)
            for_inode(idx, n, inode, fill_unix, sockpath);
    }
    free(text);
}

int rasleak_proc_suspects(struct rasleak_proc *p, uint64_t since,
                          struct rasleak_handle_info **out, size_t *n,
                          struct rasleak_error *err)
{
    size_t count = 0, k = 0;

    *out = NULL;
    *n = 0;
    if (p == NULL || !(p->want & RASLEAK_PROC_HANDLE_TYPES))
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "handle types were not prepared (rasleak_proc_want)");
    for (size_t fd = 0; fd < p->nslots; fd++)
        count += p->gen && p->slots[fd].gen == p->gen && p->slots[fd].first_iter > since;
    if (count == 0)
        return 0;
    struct rasleak_handle_info *h = calloc(count, sizeof *h);
    struct rasleak_handle_info **idx = calloc(count, sizeof *idx);
    if (!h || !idx) {
        free(h);
        free(idx);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    size_t nsock = 0;
    for (size_t fd = 0; fd < p->nslots && k < count; fd++) {
        const struct rasleak__fd_slot *s = &p->slots[fd];
        if (!(s->gen == p->gen && s->first_iter > since))
            continue;
        struct rasleak_handle_info *e = &h[k];
        char name[24];
        snprintf(name, sizeof name, "%zu", fd);
        ssize_t len = readlinkat(p->fd_dir, name, e->link, sizeof e->link - 1);
        if (len < 0 || link_hash(e->link, (size_t)len) != s->key)
            continue;   /* closed or replaced since the last pass */
        e->link[len] = '\0';
        e->fd = (int)fd;
        e->type = (int)s->type;
        e->first_iter = s->first_iter;
        const char *br = strchr(e->link, '[');
        if ((e->type == RASLEAK_HTYPE_SOCKET || e->type == RASLEAK_HTYPE_PIPE) && br)
            e->inode = strtoull(br + 1, NULL, 10);
        if (e->type == RASLEAK_HTYPE_SOCKET && e->inode)
            idx[nsock++] = e;
        k++;
    }
    if (nsock) {
        static const char *const inet[] = {"tcp", "tcp6", "udp", "udp6"};
        qsort(idx, nsock, sizeof *idx, cmp_inode);
        for (size_t i = 0; i < sizeof inet / sizeof inet[0]; i++)
            scan_inet(p->prefix, inet[i], idx, nsock);
        scan_unix(p->prefix, idx, nsock);
    }
    free(idx);
    if (k == 0) {
        free(h);
        return 0;
    }
    *out = h;
    *n = k;
    return 0;
}

/* ---- is it still the same process? ------------------------------------ */

int rasleak_proc_check(struct rasleak_proc *p, struct rasleak_error *err)
{
    char buf[1024], path[64];
    unsigned long long st = 0;
    int alive = 0;

    if (p == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no process");
    if (p->self)
        return 0;
    /* The kept files answer for the process they were opened for. */
    ssize_t n = pread(p->stat, buf, sizeof buf - 1, 0);
    if (n > 0) {
        char m[128];
        ssize_t mn = pread(p->statm, m, sizeof m - 1, 0);
        buf[n] = '\0';
        /* a statm of zeros is a zombie: exited, not reaped yet */
        alive = mn > 0 && m[0] != '0' &&
                rasleak__stat_field(buf, (size_t)n, 22, &st) == 0 && st == p->start_time;
    }
    if (alive)
        return 0;
    /* Gone.  Is its id free, or has it been given to a newer process? */
    snprintf(path, sizeof path, "/proc/%ld/stat", p->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n > 0) {
        buf[n] = '\0';
        if (rasleak__stat_field(buf, (size_t)n, 22, &st) == 0 && st != p->start_time) {
            const char *l = strchr(buf, '('), *r = strrchr(buf, ')');
            int nl = l && r && r > l ? (int)(r - l - 1) : 1;
            return rasleak_error_set(err, RASLEAK_EGONE, ESRCH,
                "process %ld '%s' has exited; its id now belongs to another process "
                "'%.*s', started %.2f s after it", p->pid, p->name, nl, l && r ? l + 1 : "?",
                (double)(st - p->start_time) / (double)sysconf(_SC_CLK_TCK));
        }
    }
    return rasleak_error_set(err, RASLEAK_EGONE, ESRCH, "process %ld '%s' has exited", p->pid,
                             p->name);
}
