/* Unit tests: handle types, suspects, maps and the start-time check
 * (src/lib/sampler/linux_handles.c). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "rasleak/sampler.h"

#define C(t) counts[RASLEAK_HTYPE_##t]

static void test_type_of(void **state)
{
    (void)state;
    static const struct { const char *link; int type; } cases[] = {
        {"socket:[4711]", RASLEAK_HTYPE_SOCKET}, {"pipe:[12]", RASLEAK_HTYPE_PIPE},
        {"/etc/passwd", RASLEAK_HTYPE_FILE}, {"/memfd:x (deleted)", RASLEAK_HTYPE_FILE},
        {"/dev/null", RASLEAK_HTYPE_DEV}, {"/dev/pts/0", RASLEAK_HTYPE_DEV},
        {"/dev/shm/seg", RASLEAK_HTYPE_FILE}, {"anon_inode:[eventfd]", RASLEAK_HTYPE_EVENTFD},
        {"anon_inode:[eventpoll]", RASLEAK_HTYPE_EVENTPOLL},
        {"anon_inode:[timerfd]", RASLEAK_HTYPE_TIMERFD},
        {"anon_inode:[signalfd]", RASLEAK_HTYPE_SIGNALFD},
        {"anon_inode:inotify", RASLEAK_HTYPE_INOTIFY},
        {"anon_inode:[pidfd]", RASLEAK_HTYPE_ANON_INODE}, {"net:[4026531840]", RASLEAK_HTYPE_OTHER},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(rasleak_handle_type_of(cases[i].link), cases[i].type);
    assert_string_equal(rasleak_handle_type_name(RASLEAK_HTYPE_SOCKET), "socket");
    assert_string_equal(rasleak_handle_type_metric(RASLEAK_HTYPE_ANON_INODE),
                        "handles.anon_inode");
    assert_null(rasleak_handle_type_name(RASLEAK_HTYPE_COUNT));
    assert_string_equal(rasleak_metric_name(RASLEAK_METRIC_MAPS), "maps");
}

static struct rasleak_proc *open_self(unsigned what)
{
    struct rasleak_proc *p;
    struct rasleak_error err;
    if (rasleak_proc_open_self(&p, &err) != 0 || rasleak_proc_want(p, what, &err) != 0)
        fail_msg("open: %s", err.message);
    return p;
}

static void types(struct rasleak_proc *p, uint64_t iter, double *counts)
{
    struct rasleak_error err;
    if (rasleak_proc_handle_types(p, iter, counts, &err) != 0)
        fail_msg("handle types: %s", err.message);
}

static void test_counts_by_type(void **state)
{
    (void)state;
    struct rasleak_proc *p = open_self(RASLEAK_PROC_HANDLE_TYPES);
    double before[RASLEAK_HTYPE_COUNT], counts[RASLEAK_HTYPE_COUNT];
    types(p, 1, before);
    int fds[16], n = 0, pp[2];
    assert_int_equal(pipe(pp), 0);
    fds[n++] = pp[0];
    fds[n++] = pp[1];
    fds[n++] = socket(AF_INET, SOCK_STREAM, 0);
    fds[n++] = socket(AF_UNIX, SOCK_DGRAM, 0);
    fds[n++] = open("/dev/null", O_RDONLY);
    fds[n++] = open("/proc/self/stat", O_RDONLY);
    fds[n++] = eventfd(0, 0);
    fds[n++] = epoll_create1(0);
    fds[n++] = timerfd_create(CLOCK_MONOTONIC, 0);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR2);
    fds[n++] = signalfd(-1, &ss, 0);
    fds[n++] = inotify_init();
    for (int i = 0; i < n; i++)
        assert_true(fds[i] >= 0);
    types(p, 2, counts);
    assert_int_equal(C(PIPE) - before[RASLEAK_HTYPE_PIPE], 2);
    assert_int_equal(C(SOCKET) - before[RASLEAK_HTYPE_SOCKET], 2);
    assert_int_equal(C(DEV) - before[RASLEAK_HTYPE_DEV], 1);
    assert_int_equal(C(FILE) - before[RASLEAK_HTYPE_FILE], 1);
    assert_int_equal(C(EVENTFD) - before[RASLEAK_HTYPE_EVENTFD], 1);
    assert_int_equal(C(EVENTPOLL) - before[RASLEAK_HTYPE_EVENTPOLL], 1);
    assert_int_equal(C(TIMERFD) - before[RASLEAK_HTYPE_TIMERFD], 1);
    assert_int_equal(C(SIGNALFD) - before[RASLEAK_HTYPE_SIGNALFD], 1);
    assert_int_equal(C(INOTIFY) - before[RASLEAK_HTYPE_INOTIFY], 1);
    /* the types add up to the handle count of the plain sample */
    struct rasleak_sample s;
    struct rasleak_error err;
    assert_int_equal(rasleak_proc_sample(p, &s, &err), 0);
    double sum = 0;
    for (int t = 0; t < RASLEAK_HTYPE_COUNT; t++)
        sum += counts[t];
    assert_true(sum == s.values[RASLEAK_METRIC_HANDLES]);
    assert_true(isnan(s.values[RASLEAK_METRIC_MAPS]));   /* not asked for */
    for (int i = 0; i < n; i++)
        close(fds[i]);
    types(p, 3, counts);
    assert_memory_equal(counts, before, sizeof before);
    rasleak_proc_close(p);
}

static void test_maps(void **state)
{
    (void)state;
    struct rasleak_proc *p = open_self(RASLEAK_PROC_MAPS);
    struct rasleak_sample a, b;
    struct rasleak_error err;
    assert_int_equal(rasleak_proc_sample(p, &a, &err), 0);
    void *m = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(rasleak_proc_sample(p, &b, &err), 0);
    munmap(m, 4096);
    assert_true(a.values[RASLEAK_METRIC_MAPS] > 10);
    assert_true(b.values[RASLEAK_METRIC_MAPS] == a.values[RASLEAK_METRIC_MAPS] + 1);
    rasleak_proc_close(p);
}

static void test_suspects(void **state)
{
    (void)state;
    struct rasleak_proc *p = open_self(RASLEAK_PROC_HANDLE_TYPES);
    double counts[RASLEAK_HTYPE_COUNT];
    struct rasleak_handle_info *h;
    struct rasleak_error err;
    size_t n;
    types(p, 1, counts);
    types(p, 2, counts);
    /* opened after iteration 2: a listening socket and a pipe */
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), pp[2];
    struct sockaddr_in sa = {0};
    socklen_t len = sizeof sa;
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(ls, 4), 0);
    getsockname(ls, (struct sockaddr *)&sa, &len);
    types(p, 3, counts);
    assert_int_equal(pipe(pp), 0);
    types(p, 4, counts);
    assert_int_equal(rasleak_proc_suspects(p, 2, &h, &n, &err), 0);
    assert_int_equal(n, 3);
    char local[32];
    snprintf(local, sizeof local, "127.0.0.1:%u", ntohs(sa.sin_port));
    assert_int_equal(h[0].fd, ls);
    assert_int_equal(h[0].type, RASLEAK_HTYPE_SOCKET);
    assert_int_equal(h[0].first_iter, 3);
    assert_string_equal(h[0].proto, "tcp");
    assert_string_equal(h[0].local, local);
    assert_string_equal(h[0].state, "LISTEN");
    assert_true(h[0].inode > 0);
    assert_int_equal(h[1].type, RASLEAK_HTYPE_PIPE);
    assert_int_equal(h[1].first_iter, 4);
    free(h);
    /* nothing was opened after iteration 4 */
    assert_int_equal(rasleak_proc_suspects(p, 4, &h, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(h);
    /* a number closed and given to something else is new again */
    int fd = pp[0];
    close(fd);
    assert_int_equal(open("/dev/null", O_RDONLY | O_CLOEXEC), fd);
    types(p, 7, counts);
    assert_int_equal(rasleak_proc_suspects(p, 4, &h, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(h[0].fd, fd);
    assert_int_equal(h[0].first_iter, 7);
    assert_string_equal(h[0].link, "/dev/null");
    free(h);
    close(fd);
    close(pp[1]);
    close(ls);
    rasleak_proc_close(p);
}

static pid_t sleeper(void)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* The start time tells an exited process from the newer one that got its id. */
static void test_check_tells_pid_reuse(void **state)
{
    (void)state;
    struct rasleak_proc *p;
    struct rasleak_error err;
    pid_t old = sleeper();
    /* wait until it runs as sleep: the id's start time is then final */
    for (int i = 0; i < 200; i++) {
        char path[64], comm[32] = "";
        snprintf(path, sizeof path, "/proc/%ld/comm", (long)old);
        FILE *fp = fopen(path, "r");
        if (fp && fgets(comm, sizeof comm, fp) && strncmp(comm, "sleep", 5) == 0) {
            fclose(fp);
            break;
        }
        if (fp)
            fclose(fp);
        usleep(5000);
    }
    if (rasleak_proc_open_pid(&p, old, &err) != 0)
        fail_msg("open_pid: %s", err.message);
    assert_true(rasleak_proc_start_time(p) > 0);
    assert_int_equal(rasleak_proc_check(p, &err), 0);
    reap(old);
    assert_int_equal(rasleak_proc_check(p, &err), RASLEAK_EGONE);
    assert_non_null(strstr(err.message, "has exited"));

    /* Give the id to a new process (root only: ns_last_pid) and ask again.
     * Start times count clock ticks (10 ms): the new one starts a few later. */
    usleep(50000);
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    char last[32];
    int len = snprintf(last, sizeof last, "%ld", (long)old - 1);
    pid_t again = -1;
    if (fd >= 0 && write(fd, last, (size_t)len) == len)
        again = sleeper();
    if (fd >= 0)
        close(fd);
    if (again != old) {
        if (again > 0)
            reap(again);
        rasleak_proc_close(p);
        skip();   /* not root, or another process took the id first */
    }
    usleep(20000);
    assert_int_equal(rasleak_proc_check(p, &err), RASLEAK_EGONE);
    if (!strstr(err.message, "its id now belongs to another process"))
        fail_msg("message: %s", err.message);
    struct rasleak_sample s;
    assert_int_equal(rasleak_proc_sample(p, &s, &err), RASLEAK_EGONE);
    reap(again);
    rasleak_proc_close(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_of),
        cmocka_unit_test(test_counts_by_type),
        cmocka_unit_test(test_maps),
        cmocka_unit_test(test_suspects),
        cmocka_unit_test(test_check_tells_pid_reuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
