/*
 * test_sampler.c - the sampler counts what it claims to count.
 *
 * Each test changes one resource by a known amount and asserts the change
 * in the sample, so a sampler that reads the wrong field, or a fast path
 * that disagrees with the slow one, fails here.  Timing is never asserted
 * here: that is bench/bench_sampler.c's job.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "count_fds.h"

#define MiB (1024.0 * 1024.0)

/* ---- metric names (all platforms) ---------------------------------------- */

static void test_metric_names(void **state)
{
    static const char *const names[RASLEAK_METRIC_COUNT] = {
        "handles", "rss_bytes", "vm_bytes", "private_bytes", "threads", "heap_bytes",
        "gdi_objects", "user_objects", "maps"
    };
    (void)state;
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++) {
        assert_string_equal(rasleak_metric_name(m), names[m]);
        assert_int_equal(rasleak_metric_lookup(names[m]), m);
    }
    assert_null(rasleak_metric_name(-1));
    assert_null(rasleak_metric_name(RASLEAK_METRIC_COUNT));
    assert_int_equal(rasleak_metric_lookup("Handles"), -1);
    assert_int_equal(rasleak_metric_lookup("handles_x"), -1);
    assert_int_equal(rasleak_metric_lookup(""), -1);
    assert_int_equal(rasleak_metric_lookup(NULL), -1);

    assert_int_equal(rasleak_metric_unit("handles"), RASLEAK_UNIT_COUNT);
    assert_int_equal(rasleak_metric_unit("threads"), RASLEAK_UNIT_COUNT);
    assert_int_equal(rasleak_metric_unit("rss_bytes"), RASLEAK_UNIT_BYTES);
    assert_int_equal(rasleak_metric_unit("heap_bytes"), RASLEAK_UNIT_BYTES);
    assert_int_equal(rasleak_metric_unit("pool_bytes"), RASLEAK_UNIT_BYTES);
    assert_int_equal(rasleak_metric_unit("gdi_objects"), RASLEAK_UNIT_COUNT);
    assert_int_equal(rasleak_metric_unit("bytes_sent"), RASLEAK_UNIT_COUNT);
    assert_int_equal(rasleak_metric_unit("_bytes"), RASLEAK_UNIT_COUNT);
    assert_int_equal(rasleak_metric_unit(NULL), RASLEAK_UNIT_COUNT);
}

#ifdef __linux__

/* Testing hook in src/lib/sampler/linux.c: force the slow paths. */
int rasleak__proc_force_fallback(struct rasleak_proc *p, int on);

/*
 * Under valgrind or a preloaded allocator, glibc's heap figures describe an
 * idle heap and the sampler reports heap_bytes as NAN; the heap assertions
 * then cannot hold.
 */
static int foreign_allocator(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre != NULL && pre[0] != '\0';
}

/* Equal, counting NAN as equal to NAN (both "not available"). */
static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* Keeps the compiler from eliding a malloc/memset/free sequence. */
static void *volatile sink;

static struct rasleak_proc *open_self(void)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    int rc = rasleak_proc_open_self(&p, &err);
    if (rc != 0)
        fail_msg("open_self: %s", err.message);
    return p;
}

static struct rasleak_sample sample(struct rasleak_proc *p)
{
    struct rasleak_sample s;
    struct rasleak_error err;
    int rc = rasleak_proc_sample(p, &s, &err);
    if (rc != 0)
        fail_msg("sample: %d %s", rc, err.message);
    return s;
}

#define V(s, m) ((s).values[RASLEAK_METRIC_##m])

static void test_self_values(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_sample s = sample(p);
    char comm[64] = "";
    FILE *f = fopen("/proc/self/comm", "r");

    (void)state;
    assert_non_null(f);
    assert_non_null(fgets(comm, sizeof comm, f));
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    assert_string_equal(rasleak_proc_name(p), comm);
    assert_int_equal(rasleak_proc_pid(p), (long)getpid());

    for (int m = 0; m < RASLEAK_METRIC_HEAP_BYTES; m++)
        assert_false(isnan(s.values[m]));
    /* stdin/out/err plus the sampler's own four descriptors */
    assert_true(V(s, HANDLES) >= 4);
    assert_true(V(s, RSS_BYTES) > 0);
    assert_true(V(s, VM_BYTES) >= V(s, RSS_BYTES));
    assert_true(V(s, PRIVATE_BYTES) > 0 && V(s, PRIVATE_BYTES) <= V(s, RSS_BYTES));
    assert_true(V(s, THREADS) == 1);
    /* Windows-only metrics are not available here, never 0. */
    assert_true(isnan(V(s, GDI_OBJECTS)) && isnan(V(s, USER_OBJECTS)));
    if (!foreign_allocator())
        assert_true(V(s, HEAP_BYTES) > 0);
    else if (strstr(getenv("LD_PRELOAD"), "vgpreload") != NULL)
        assert_true(isnan(V(s, HEAP_BYTES))); /* valgrind's malloc, not glibc's */
    rasleak_proc_close(p);
}

/* "VmRSS:    1234 kB" from a status text, in bytes; NAN if absent. */
static double status_kb(const char *text, const char *key)
{
    const char *c = strstr(text, key);
    return c ? strtod(c + strlen(key), NULL) * 1024.0 : NAN;
}

/*
 * statm's fields are the right ones: they match the named lines of
 * /proc/self/status (read without stdio, whose buffer would move RSS).
 */
static void test_matches_status(void **state)
{
    static char text[8192];
    struct rasleak_proc *p = open_self();
    struct rasleak_sample s;
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n;

    (void)state;
    assert_true(fd >= 0);
    n = read(fd, text, sizeof text - 1);
    close(fd);
    assert_true(n > 0);
    text[n] = '\0';
    s = sample(p);
    /* a page or two may be touched in between */
    assert_true(fabs(V(s, RSS_BYTES) - status_kb(text, "VmRSS:")) <= 64 * 1024);
    assert_true(fabs(V(s, PRIVATE_BYTES) - status_kb(text, "RssAnon:")) <= 64 * 1024);
    assert_true(fabs(V(s, VM_BYTES) - status_kb(text, "VmSize:")) <= 64 * 1024);
    assert_true(V(s, THREADS) == status_kb(text, "Threads:") / 1024.0);
    assert_true(V(s, PRIVATE_BYTES) < V(s, RSS_BYTES)); /* libc's pages are file-backed */
    rasleak_proc_close(p);
}

static void check_handles_by_50(struct rasleak_proc *p)
{
    int fds[50];
    struct rasleak_sample a = sample(p), b, c;

    for (int i = 0; i < 50; i++) {
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(fds[i] >= 0);
    }
    b = sample(p);
    for (int i = 0; i < 50; i++)
        close(fds[i]);
    c = sample(p);
    assert_true(V(b, HANDLES) - V(a, HANDLES) == 50);
    assert_true(V(c, HANDLES) == V(a, HANDLES));
}

static void test_handles(void **state)
{
    struct rasleak_proc *p = open_self();
    (void)state;
    check_handles_by_50(p);
    rasleak_proc_close(p);
}

static void test_memory(void **state)
{
    const size_t size = 64u << 20;
    struct rasleak_proc *p = open_self();
    struct rasleak_sample a, b, c;

    (void)state;
    a = sample(p);
    sink = malloc(size);
    assert_non_null(sink);
    memset(sink, 0x5a, size);
    b = sample(p);
    free(sink);
    sink = NULL;
    c = sample(p);

    assert_true(V(b, RSS_BYTES) - V(a, RSS_BYTES) >= 60 * MiB);
    assert_true(V(b, PRIVATE_BYTES) - V(a, PRIVATE_BYTES) >= 60 * MiB);
    assert_true(V(b, VM_BYTES) - V(a, VM_BYTES) >= 60 * MiB);
    if (!foreign_allocator()) {
        assert_true(V(b, HEAP_BYTES) - V(a, HEAP_BYTES) >= 64 * MiB);
        assert_true(V(b, HEAP_BYTES) - V(c, HEAP_BYTES) >= 64 * MiB);
    }
    rasleak_proc_close(p);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/*
 * A fragmented heap makes mallinfo2() walk every free chunk; the sampler
 * then reads the heap only every so many samples (heap_bytes not
 * available in between), and every sample again once the heap is compact.
 */
static void test_fragmented_heap_read_less_often(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();   /* ASan's allocator answers in constant time */
#endif
    if (foreign_allocator())
        skip();
    enum { BLOCKS = 400000 };
    void **b = malloc(BLOCKS * sizeof *b);
    assert_non_null(b);
    for (size_t i = 0; i < BLOCKS; i++)
        b[i] = malloc(40);
    for (size_t i = 0; i < BLOCKS; i += 2) {   /* every other one: 200,000 holes */
        free(b[i]);
        b[i] = NULL;
    }
    struct rasleak_proc *p = open_self();
    int read = 0, skipped = 0;
    for (int i = 0; i < 200; i++) {
        struct rasleak_sample s = sample(p);
        if (isnan(V(s, HEAP_BYTES)))
            skipped++;
        else
            read++;
    }
    assert_true(read >= 16);      /* it takes a timed read to notice */
    assert_true(skipped >= 100);
    for (size_t i = 1; i < BLOCKS; i += 2)
        free(b[i]);
    free(b);
    malloc_trim(0);
    int back = 0;
    for (int i = 0; i < 200000 && back < 64; i++) {
        struct rasleak_sample s = sample(p);
        back = isnan(V(s, HEAP_BYTES)) ? 0 : back + 1;
    }
    assert_int_equal(back, 64);   /* read at every sample again */
    rasleak_proc_close(p);
}

static pthread_barrier_t barrier;
static volatile long thread_tid;

static void *blocked_thread(void *arg)
{
    if (arg != NULL)
        thread_tid = (long)syscall(SYS_gettid);
    pthread_barrier_wait(&barrier); /* released when the test is done */
    return NULL;
}

static void check_threads_by_3(struct rasleak_proc *p)
{
    pthread_t t[3];
    struct rasleak_sample a = sample(p), b, c;

    assert_int_equal(pthread_barrier_init(&barrier, NULL, 4), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, blocked_thread, NULL), 0);
    b = sample(p);
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&barrier);
    /* pthread_join returns when the thread's stack is free, which the
     * kernel signals a moment before the task leaves the thread group:
     * the count may lag the join by a little, never stay behind it. */
    c = sample(p);
    for (int i = 0; i < 200 && V(c, THREADS) != V(a, THREADS); i++) {
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
        c = sample(p);
    }
    assert_true(V(b, THREADS) - V(a, THREADS) == 3);
    assert_true(V(c, THREADS) == V(a, THREADS));
}

static void test_threads(void **state)
{
    struct rasleak_proc *p = open_self();
    (void)state;
    check_threads_by_3(p);
    rasleak_proc_close(p);
}

/* The getdents and stat-field paths agree with the fstat ones. */
static void test_fallback_paths(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_sample fast, slow;

    (void)state;
    fast = sample(p);
    assert_true(V(fast, HANDLES) == (double)count_fds());
    rasleak__proc_force_fallback(p, 1);
    slow = sample(p);
    assert_true(V(slow, HANDLES) == V(fast, HANDLES));
    assert_true(V(slow, HANDLES) == (double)count_fds());
    assert_true(V(slow, THREADS) == V(fast, THREADS));
    check_handles_by_50(p);
    check_threads_by_3(p);
    /* counting twice must rewind the kept directory */
    assert_true(V(sample(p), HANDLES) == V(fast, HANDLES));
    rasleak__proc_force_fallback(p, 0);
    assert_true(V(sample(p), HANDLES) == V(fast, HANDLES));
    rasleak_proc_close(p);
}

/* Sampling itself neither allocates nor opens descriptors. */
static void test_sampling_is_quiet(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_sample first = sample(p), s;
    int changed_handles = 0, changed_heap = 0;

    (void)state;
    for (int i = 0; i < 10000; i++) {
        s = sample(p);
        changed_handles += !same(V(s, HANDLES), V(first, HANDLES));
        /* A read the sampler skipped (a read timed slow twice, as a busy
         * machine can make it) is not a change of the heap. */
        if (!isnan(V(s, HEAP_BYTES)))
            changed_heap += !same(V(s, HEAP_BYTES), V(first, HEAP_BYTES));
    }
    assert_int_equal(changed_handles, 0);
    assert_int_equal(changed_heap, 0);
    rasleak_proc_close(p);
}

static void test_limits_self(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_limits l;
    struct rlimit rl, low;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rasleak_proc_limits(p, &l);
    assert_true(l.handles == (double)rl.rlim_cur);
    assert_true(l.memory_bytes > 0 && l.memory_bytes <= (double)pages * page);

    low = rl;
    low.rlim_cur = rl.rlim_cur > 512 ? 512 : rl.rlim_cur - 1;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    rasleak_proc_limits(p, &l);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_true(l.handles == (double)low.rlim_cur);

    assert_int_equal(getrlimit(RLIMIT_AS, &rl), 0);
    if (rl.rlim_cur == RLIM_INFINITY)
        assert_true(isnan(l.vm_bytes));
    else
        assert_true(l.vm_bytes == (double)rl.rlim_cur);
    rasleak_proc_close(p);
}

/* The child of the current test; the teardown kills it if a test failed. */
static pid_t child = -1;

/* The descriptor limit a sleeper gives itself, to be told from ours. */
#define CHILD_NOFILE 777

/* A child that sleeps until killed; returns once it has set itself up. */
static pid_t spawn_sleeper(void)
{
    int ready[2];
    char c = 0;
    pid_t pid;

    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl;
        /* Also die with the test, so that no sleeper outlives a crash. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max >= CHILD_NOFILE) {
            rl.rlim_cur = CHILD_NOFILE;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        close(ready[0]);
        if (write(ready[1], &c, 1) != 1)
            _exit(1);
        close(ready[1]);
        for (;;)
            pause();
    }
    child = pid;
    close(ready[1]);
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    return pid;
}

static int reap_child(void **state)
{
    (void)state;
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        child = -1;
    }
    return 0;
}

static void test_child_by_pid(void **state)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    struct rasleak_sample s;
    struct rasleak_limits l;
    struct rlimit rl;
    siginfo_t si;
    pid_t pid = spawn_sleeper();
    int rc;

    (void)state;
    rc = rasleak_proc_open_pid(&p, pid, &err);
    if (rc != 0)
        fail_msg("open_pid: %s", err.message);
    assert_int_equal(rasleak_proc_pid(p), (long)pid);
    s = sample(p);
    assert_true(V(s, HANDLES) >= 3);
    assert_true(V(s, RSS_BYTES) > 0);
    assert_true(V(s, VM_BYTES) >= V(s, RSS_BYTES));
    assert_true(V(s, PRIVATE_BYTES) > 0 && V(s, PRIVATE_BYTES) <= V(s, RSS_BYTES));
    assert_true(V(s, THREADS) == 1);
    assert_true(isnan(V(s, HEAP_BYTES)));
    /* The child's own limit, not ours.  (valgrind fakes setrlimit in the
     * child, so the kernel's value is asked with prlimit as well.) */
    rasleak_proc_limits(p, &l);
    assert_int_equal(prlimit(pid, RLIMIT_NOFILE, NULL, &rl), 0);
    assert_true(l.handles == (double)rl.rlim_cur);
    if (!foreign_allocator() && rl.rlim_max >= CHILD_NOFILE)
        assert_true(l.handles == CHILD_NOFILE);
    assert_true(l.memory_bytes > 0);

    /* A killed but unreaped child (a zombie) has exited too. */
    kill(pid, SIGKILL);
    assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
    assert_int_equal(rasleak_proc_sample(p, &s, &err), RASLEAK_EGONE);
    waitpid(pid, NULL, 0);
    child = -1;
    assert_int_equal(rasleak_proc_sample(p, &s, &err), RASLEAK_EGONE);
    assert_int_equal(err.code, RASLEAK_EGONE);
    rasleak_proc_close(p);
}

/*
 * A new process that gets the watched one's id is not the watched one.
 * Forcing the id needs /proc/sys/kernel/ns_last_pid, so only as root.
 */
static void test_pid_reuse(void **state)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    struct rasleak_sample s;
    pid_t old = spawn_sleeper();
    char last[32];
    int fd, len;

    (void)state;
    if (rasleak_proc_open_pid(&p, old, &err) != 0)
        fail_msg("open_pid: %s", err.message);
    reap_child(NULL);
    fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    if (fd < 0) {
        rasleak_proc_close(p);
        skip();
    }
    len = snprintf(last, sizeof last, "%ld", (long)old - 1);
    if (write(fd, last, (size_t)len) != len || spawn_sleeper() != old) {
        close(fd);
        rasleak_proc_close(p);
        skip(); /* another process took the id first */
    }
    close(fd);
    assert_int_equal(rasleak_proc_sample(p, &s, &err), RASLEAK_EGONE);
    rasleak_proc_close(p);
}

static void test_open_pid_missing(void **state)
{
    struct rasleak_proc *p = (struct rasleak_proc *)&p;
    struct rasleak_error err;
    pid_t pid = spawn_sleeper();

    (void)state;
    reap_child(NULL);
    /* pids are handed out in increasing order, so this one stays free */
    assert_int_equal(rasleak_proc_open_pid(&p, pid, &err), RASLEAK_ENOENT);
    assert_null(p);
    assert_int_equal(rasleak_proc_open_pid(&p, 0, &err), RASLEAK_EINVAL);
    assert_int_equal(rasleak_proc_open_pid(&p, -5, &err), RASLEAK_EINVAL);
}

static void test_open_pid_thread(void **state)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    pthread_t t;
    int rc;

    (void)state;
    thread_tid = 0;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    assert_int_equal(pthread_create(&t, NULL, blocked_thread, &barrier), 0);
    while (thread_tid == 0)
        sched_yield();
    rc = rasleak_proc_open_pid(&p, thread_tid, &err);
    pthread_barrier_wait(&barrier);
    pthread_join(t, NULL);
    pthread_barrier_destroy(&barrier);
    rasleak_proc_close(p);
    assert_int_equal(rc, RASLEAK_ENOENT);
    assert_non_null(strstr(err.message, "thread"));
}

/*
 * Another user's process: /proc/<pid>/fd is unreadable.  As root, drop to
 * "nobody" in a child first, since root may read every process.
 */
static int check_eacces(void)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    int rc = rasleak_proc_open_pid(&p, 1, &err);

    rasleak_proc_close(p);
    if (rc != RASLEAK_EACCES)
        return 1;
    if (strstr(err.message, "/proc/1/fd") == NULL || strstr(err.message, "root") == NULL)
        return 2;
    return 0;
}

static void test_open_pid_eacces(void **state)
{
    int status;
    pid_t pid;

    (void)state;
    if (geteuid() != 0) {
        if (access("/proc/1/fd", R_OK) == 0)
            skip(); /* pid 1 is ours (a container): nothing to deny */
        assert_int_equal(check_eacces(), 0);
        return;
    }
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(10);
        _exit(check_eacces());
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A sleeper is found by its command name; a unique name is needed. */
static void test_find_name(void **state)
{
    struct rasleak_error err;
    char comm[64] = "";
    long pid = 0;
    pid_t a, b;
    FILE *f = fopen("/proc/self/comm", "r");

    (void)state;
    assert_non_null(f);
    assert_non_null(fgets(comm, sizeof comm, f));
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    assert_int_equal(rasleak_proc_find_name(comm, &pid, &err), 0);
    assert_int_equal(pid, (long)getpid());

    assert_int_equal(rasleak_proc_find_name("no-such-rasleak-proc", &pid, &err), RASLEAK_ENOENT);
    assert_non_null(strstr(err.message, "no process named 'no-such-rasleak-proc'"));
    assert_int_equal(rasleak_proc_find_name("", &pid, &err), RASLEAK_EINVAL);

    /* Two processes of one name: an error that lists both. */
    a = spawn_sleeper();
    child = -1;
    b = spawn_sleeper();
    assert_int_equal(rasleak_proc_find_name(comm, &pid, &err), RASLEAK_EINVAL);
    assert_non_null(strstr(err.message, "3 processes are named"));
    {
        char ida[32], idb[32];
        snprintf(ida, sizeof ida, "%ld", (long)a);
        snprintf(idb, sizeof idb, "%ld", (long)b);
        assert_non_null(strstr(err.message, ida));
        assert_non_null(strstr(err.message, idb));
    }
    kill(a, SIGKILL);
    waitpid(a, NULL, 0);
}

static void test_find_service(void **state)
{
    struct rasleak_error err;
    struct rasleak_service svc;

    (void)state;
    assert_int_equal(rasleak_proc_find_service("RasMan", &svc, &err), RASLEAK_ENOTSUP);
    assert_non_null(strstr(err.message, "'RasMan'"));
}

static void test_host_info(void **state)
{
    struct rasleak_host h;
    struct utsname u;

    (void)state;
    rasleak_host_info(&h);
    assert_int_equal(uname(&u), 0);
    assert_string_equal(h.os, "linux");
    assert_string_equal(h.os_release, u.release);
    assert_true(h.hostname[0] != '\0');
    assert_int_equal(h.cpus, (int)sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_self_values),
        cmocka_unit_test(test_matches_status),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_fragmented_heap_read_less_often),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_fallback_paths),
        cmocka_unit_test(test_sampling_is_quiet),
        cmocka_unit_test(test_limits_self),
        cmocka_unit_test_teardown(test_child_by_pid, reap_child),
        cmocka_unit_test_teardown(test_pid_reuse, reap_child),
        cmocka_unit_test_teardown(test_open_pid_missing, reap_child),
        cmocka_unit_test(test_open_pid_thread),
        cmocka_unit_test(test_open_pid_eacces),
        cmocka_unit_test_teardown(test_find_name, reap_child),
        cmocka_unit_test(test_find_service),
        cmocka_unit_test(test_host_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* the fallback sampler, src/lib/sampler/none.c */

static void test_none(void **state)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    struct rasleak_sample s;

    (void)state;
    assert_int_equal(rasleak_proc_open_self(&p, &err), 0);
    assert_int_equal(rasleak_proc_sample(p, &s, &err), 0);
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++)
        assert_true(isnan(s.values[m]));
    rasleak_proc_close(p);
    assert_int_equal(rasleak_proc_open_pid(&p, 1, &err), RASLEAK_ENOTSUP);
    {
        long pid;
        struct rasleak_service svc;
        assert_int_equal(rasleak_proc_find_name("init", &pid, &err), RASLEAK_ENOTSUP);
        assert_int_equal(rasleak_proc_find_service("RasMan", &svc, &err), RASLEAK_ENOTSUP);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
#endif
