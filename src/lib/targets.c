/*
 * targets.c - the processes to watch: listing them by name, and starting
 * one for a run (POSIX and procfs; see rasleak/targets.h).
 *
 * A spawned program gets its own process group, so that a Ctrl-C at the
 * terminal reaches rasleak alone: rasleak finishes its iteration, writes
 * the summary, and then stops the program itself, SIGTERM first.  Should
 * rasleak die instead, PR_SET_PDEATHSIG sends the program SIGTERM.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rasleak/targets.h"

struct rasleak_child {
    pid_t pid;
    int reaped;
    int status;   /* wait status, once reaped */
};

/* ---- listing ------------------------------------------------------------ */

static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

int rasleak_proc_list(struct rasleak_proc_entry **out, size_t *n, struct rasleak_error *err)
{
    DIR *d = opendir("/proc");
    struct dirent *de;
    struct rasleak_proc_entry *arr = NULL;
    size_t cnt = 0, cap = 0;
    long self = (long)getpid();

    *out = NULL;
    *n = 0;
    if (!d)
        return rasleak_error_set(err, RASLEAK_ENOTSUP, errno, "cannot list processes: "
                                 "cannot open '/proc': %s", strerror(errno));
    while ((de = readdir(d)) != NULL) {
        char *end, path[64], buf[512];
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || pid == self)
            continue;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 256;
            struct rasleak_proc_entry *na = realloc(arr, cap * sizeof *na);
            if (!na) {
                free(arr);
                closedir(d);
                return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
            }
            arr = na;
        }
        struct rasleak_proc_entry *e = &arr[cnt];
        memset(e, 0, sizeof *e);
        e->pid = pid;
        e->uid = -1;
        snprintf(path, sizeof path, "/proc/%ld/comm", pid);
        if (read_small(path, e->name, sizeof e->name) < 0)
            continue;   /* gone meanwhile */
        e->name[strcspn(e->name, "\n")] = '\0';
        snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
        ssize_t len = read_small(path, e->cmdline, sizeof e->cmdline);
        for (ssize_t i = 0; i < len; i++)
            if (e->cmdline[i] == '\0')
                e->cmdline[i] = ' ';
        while (len > 0 && e->cmdline[len - 1] == ' ')
            e->cmdline[--len] = '\0';
        snprintf(path, sizeof path, "/proc/%ld/status", pid);
        if (read_small(path, buf, sizeof buf) > 0) {
            const char *u = strstr(buf, "\nUid:");
            if (u)
                e->uid = strtol(u + 5, NULL, 10);
        }
        cnt++;
    }
    closedir(d);
    *out = arr;
    *n = cnt;
    return 0;
}

int rasleak_proc_name_matches(const struct rasleak_proc_entry *e, const char *name)
{
    size_t kept = strlen(e->name);
    if (strcmp(e->name, name) == 0)
        return 1;
    /* The kernel keeps 15 characters of the name; compare the program's then. */
    if (kept < 15 || strncmp(e->name, name, kept) != 0)
        return 0;
    size_t argv0 = strcspn(e->cmdline, " ");
    const char *base = e->cmdline;
    for (size_t i = 0; i < argv0; i++)
        if (e->cmdline[i] == '/')
            base = e->cmdline + i + 1;
    size_t bl = (size_t)(e->cmdline + argv0 - base);
    return bl == strlen(name) && strncmp(base, name, bl) == 0;
}

/* ---- spawning ----------------------------------------------------------- */

static void describe(int status, char *how, size_t len)
{
    if (WIFEXITED(status))
        snprintf(how, len, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(how, len, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(how, len, "ended");
}

int rasleak_spawn(char *const *argv, struct rasleak_child **out, struct rasleak_error *err)
{
    int p[2];
    *out = NULL;
    struct rasleak_child *c = calloc(1, sizeof *c);
    if (!c)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    if (pipe2(p, O_CLOEXEC) < 0) {
        free(c);
        return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot create a pipe: %s",
                                 strerror(errno));
    }
    pid_t parent = getpid();
    fflush(NULL);
    c->pid = fork();
    if (c->pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        free(c);
        return rasleak_error_set(err, RASLEAK_EIO, e, "cannot start '%s': %s", argv[0],
                                 strerror(e));
    }
    if (c->pid == 0) {
        /* Only async-signal-safe calls from here on. */
        sigset_t all;
        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) {
            dup2(null, 0);
            close(null);
        }
        dup2(2, 1);
        execvp(argv[0], argv);
        int e = errno;
        ssize_t w = write(p[1], &e, sizeof e);
        (void)w;
        _exit(127);
    }
    close(p[1]);
    int e = 0;
    ssize_t r;
    while ((r = read(p[0], &e, sizeof e)) < 0 && errno == EINTR)
        ;
    close(p[0]);
    if (r == (ssize_t)sizeof e) {
        while (waitpid(c->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        free(c);
        return rasleak_error_set(err, e == EACCES ? RASLEAK_EACCES : RASLEAK_ENOENT, e,
                                 "cannot run '%s': %s", argv[0], strerror(e));
    }
    *out = c;
    return 0;
}

long rasleak_child_pid(const struct rasleak_child *c)
{
    return c ? (long)c->pid : -1;
}

/* Reap it if it has exited; 1 when it has. */
static int reap(struct rasleak_child *c, int block)
{
    if (c->reaped)
        return 1;
    pid_t r;
    while ((r = waitpid(c->pid, &c->status, block ? 0 : WNOHANG)) < 0 && errno == EINTR)
        ;
    if (r == c->pid || (r < 0 && errno == ECHILD))
        c->reaped = 1;
    return c->reaped;
}

/* Whether the process listens on a TCP port: a socket of its own in state LISTEN. */
static int listens(pid_t pid)
{
    char path[64], link[64];
    unsigned long long inodes[256];
    size_t ni = 0;
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && ni < sizeof inodes / sizeof inodes[0]) {
        ssize_t n = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
        if (n > 8 && strncmp(link, "socket:[", 8) == 0) {
            link[n] = '\0';
            inodes[ni++] = strtoull(link + 8, NULL, 10);
        }
    }
    closedir(d);
    int found = 0;
    static const char *const tables[] = {"tcp", "tcp6"};
    for (size_t t = 0; ni && !found && t < 2; t++) {
        snprintf(path, sizeof path, "/proc/%ld/net/%s", (long)pid, tables[t]);
        FILE *fp = fopen(path, "re");
        if (!fp)
            continue;
        char line[512];
        while (!found && fgets(line, sizeof line, fp)) {
            unsigned st;
            unsigned long long inode;
            if (sscanf(line, " %*s %*s %*s %x %*s %*s %*s %*s %*s %llu", &st, &inode) != 2 ||
                st != 0x0A)
                continue;
            for (size_t i = 0; i < ni && !found; i++)
                found = inodes[i] == inode;
        }
        fclose(fp);
    }
    return found;
}

int rasleak_child_wait_ready(struct rasleak_child *c, double ms, struct rasleak_error *err)
{
    struct timespec t0, now, step = {0, 10 * 1000000L};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (reap(c, 0)) {
            char how[96];
            describe(c->status, how, sizeof how);
            return rasleak_error_set(err, RASLEAK_EGONE, 0,
                                     "process %ld %s before it was ready", (long)c->pid, how);
        }
        if (listens(c->pid))
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - t0.tv_sec) * 1e3 +
                    (double)(now.tv_nsec - t0.tv_nsec) / 1e6;
        if (el >= ms)
            return 0;
        nanosleep(&step, NULL);
    }
}

int rasleak_child_stop(struct rasleak_child *c, double grace_ms, char *how, size_t len)
{
    if (reap(c, 0)) {
        describe(c->status, how, len);
        return 1;
    }
    /* The group: a program that started helpers takes them along. */
    kill(-c->pid, SIGTERM);
    kill(c->pid, SIGTERM);
    struct timespec step = {0, 5 * 1000000L};
    for (double waited = 0; waited < grace_ms; waited += 5) {
        if (reap(c, 0))
            break;
        nanosleep(&step, NULL);
    }
    if (reap(c, 0)) {
        describe(c->status, how, len);
        /* Dead of a signal it did not get from here: it was already on
         * its way out (killed, say) when the first look found it not yet
         * reapable, and it ended before the run did. */
        int other = WIFSIGNALED(c->status) && WTERMSIG(c->status) != SIGTERM;
        return other ? 1 : 0;
    }
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
    reap(c, 1);
    describe(c->status, how, len);
    return 0;
}

void rasleak_child_free(struct rasleak_child *c)
{
    free(c);
}
