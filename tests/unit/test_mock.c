/* Unit tests: the mock backend leaks exactly what it is asked to, for real. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include "rasleak/backend.h"
#include "count_fds.h"

static void *open_mock(struct rasleak_kv *kv, size_t n)
{
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    assert_non_null(m);
    struct rasleak_options o = {kv, n};
    struct rasleak_error err;
    assert_int_equal(rasleak_options_validate(m->options, m->noptions, &o, "mock", &err), 0);
    void *st = NULL;
    assert_int_equal(m->open(&st, &o, &err), 0);
    return st;
}

static int cycle(void *st, uint64_t iter)
{
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    struct rasleak_error err;
    int rc = m->dial(st, iter, &err);
    if (rc == 0)
        assert_int_equal(m->hangup(st, iter, &err), 0);
    return rc;
}

static void test_clean_by_default(void **state)
{
    (void)state;
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    void *st = open_mock(NULL, 0);
    long before = count_fds();
    for (uint64_t i = 1; i <= 1000; i++)
        assert_int_equal(cycle(st, i), 0);
    assert_int_equal(count_fds(), before);
    assert_int_equal(m->open_connections(st), 0);
    m->close(st);
}

static void test_leak_handles_rates(void **state)
{
    (void)state;
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    struct rasleak_kv one[] = {{"leak_handles", "1"}};
    void *st = open_mock(one, 1);
    long before = count_fds();
    for (uint64_t i = 1; i <= 50; i++)
        cycle(st, i);
    assert_int_equal(count_fds() - before, 50);
    m->close(st);
    assert_int_equal(count_fds(), before);   /* close() gives them back */

    struct rasleak_kv tenth[] = {{"leak_handles", "0.1"}};
    st = open_mock(tenth, 1);
    for (uint64_t i = 1; i <= 95; i++)
        cycle(st, i);
    assert_int_equal(count_fds() - before, 9);   /* one every 10 iterations */
    cycle(st, 96), cycle(st, 97), cycle(st, 98), cycle(st, 99);
    assert_int_equal(count_fds() - before, 9);
    cycle(st, 100);
    assert_int_equal(count_fds() - before, 10);
    m->close(st);
}

static void test_plateau_and_fail_after(void **state)
{
    (void)state;
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    struct rasleak_kv kv[] = {{"leak_handles", "1"}, {"plateau", "20"}, {"fail_after", "40"}};
    void *st = open_mock(kv, 3);
    long before = count_fds();
    for (uint64_t i = 1; i <= 39; i++)
        assert_int_equal(cycle(st, i), 0);
    assert_int_equal(count_fds() - before, 20);
    struct rasleak_error err;
    assert_int_equal(m->dial(st, 40, &err), RASLEAK_EBACKEND);
    assert_non_null(strstr(err.message, "fail_after"));
    assert_int_equal(m->open_connections(st), 0);
    m->close(st);
}

static void test_leak_bytes_resident(void **state)
{
    (void)state;
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    struct rasleak_kv kv[] = {{"leak_bytes", "4096"}};
    struct mallinfo2 a = mallinfo2();
    if (a.uordblks == 0 && a.hblkhd == 0)
        skip();   /* an allocator that keeps no glibc books (a sanitizer's) */
    void *st = open_mock(kv, 1);
    for (uint64_t i = 1; i <= 256; i++)
        cycle(st, i);
    struct mallinfo2 b = mallinfo2();
    double grown = (double)(b.uordblks + b.hblkhd) - (double)(a.uordblks + a.hblkhd);
    assert_true(grown >= 256 * 4096.0);
    assert_true(grown < 256 * 4096.0 * 1.2);
    m->close(st);
}

static void test_noise_has_no_net_growth(void **state)
{
    (void)state;
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    struct rasleak_kv kv[] = {{"noise_bytes", "65536"}, {"seed", "7"}};
    void *st = open_mock(kv, 2);
    for (uint64_t i = 1; i <= 200; i++)
        cycle(st, i);
    struct mallinfo2 a = mallinfo2();
    for (uint64_t i = 201; i <= 5000; i++)
        cycle(st, i);
    struct mallinfo2 b = mallinfo2();
    /* 16 live slots of at most 64 KiB: whatever the draw, bounded. */
    double used = (double)(b.uordblks + b.hblkhd);
    assert_true(used - (double)(a.uordblks + a.hblkhd) < 16 * 65536.0);
    m->close(st);
}

/* Open descriptors numbered below `limit`. */
static long fds_below(long limit)
{
    DIR *d = opendir("/proc/self/fd");
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.' && atol(e->d_name) < limit && atol(e->d_name) != dirfd(d);
    closedir(d);
    return n;
}

static void test_descriptor_limit_fails_dial(void **state)
{
    (void)state;
    const struct rasleak_backend *m = rasleak_backend_find("mock");
    struct rlimit old, low;
    getrlimit(RLIMIT_NOFILE, &old);
    /* Descriptors are numbered from the lowest free one, and the limit
     * caps the number: the free slots below it are what can leak. */
    long limit = 64, free_slots = limit - fds_below(limit);
    struct rasleak_kv kv[] = {{"leak_handles", "1"}};
    void *st = open_mock(kv, 1);   /* before lowering: open() needs no fd */
    low = old;
    low.rlim_cur = (rlim_t)limit;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    uint64_t i;
    struct rasleak_error err;
    int rc = 0;
    for (i = 1; i <= 100; i++) {
        rc = m->dial(st, i, &err);
        if (rc < 0)
            break;
        m->hangup(st, i, &err);
    }
    setrlimit(RLIMIT_NOFILE, &old);
    assert_int_equal(rc, RASLEAK_EBACKEND);
    assert_non_null(strstr(err.message, "Too many open files"));
    assert_int_equal(err.sys, EMFILE);
    assert_int_equal((long)i, free_slots + 1);
    /* The failed dial left no connection behind. */
    assert_int_equal(m->open_connections(st), 0);
    m->close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_by_default),
        cmocka_unit_test(test_leak_handles_rates),
        cmocka_unit_test(test_plateau_and_fail_after),
        cmocka_unit_test(test_leak_bytes_resident),
        cmocka_unit_test(test_noise_has_no_net_growth),
        cmocka_unit_test(test_descriptor_limit_fails_dial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
