/*
 * test_sampler_win.c - the Windows sampler counts what it claims to count,
 * and the mock backend leaks real handles and memory on Windows.
 *
 * Runs on Windows and under Wine.  Wine answers some counters with 0
 * (GetProcessHandleCount, PrivateUsage, GetGuiResources); the sampler must
 * then say "not available", and these tests check that it does, while the
 * counters Wine does keep (working set, commit, threads) are checked by
 * the amount they change.
 *
 * The program doubles as its own child: "test_sampler_win.exe --sleep"
 * waits to be killed, to be watched by id and found by name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/backend.h"
#include "rasleak/sampler.h"
#include "platform/os.h"

#define MiB (1024.0 * 1024.0)
#define V(s, m) ((s).values[RASLEAK_METRIC_##m])

static int wine;

static struct rasleak_proc *open_self(void)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    if (rasleak_proc_open_self(&p, &err) != 0)
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

/* The image name of this program, "test_sampler_win.exe". */
static const char *own_name(void)
{
    static char name[MAX_PATH];
    char path[MAX_PATH];
    DWORD n = GetModuleFileNameA(NULL, path, sizeof path);
    const char *base = path;
    assert_true(n > 0 && n < sizeof path);
    for (const char *c = path; *c; c++)
        if (*c == '\\' || *c == '/')
            base = c + 1;
    snprintf(name, sizeof name, "%s", base);
    return name;
}

/* ---- children ------------------------------------------------------------ */

static PROCESS_INFORMATION kids[3];
static int nkids;

static DWORD spawn_sleeper(void)
{
    char path[MAX_PATH], cmd[MAX_PATH + 16];
    STARTUPINFOA si;
    PROCESS_INFORMATION pi;

    assert_true(nkids < 3);
    assert_true(GetModuleFileNameA(NULL, path, sizeof path) > 0);
    snprintf(cmd, sizeof cmd, "\"%s\" --sleep", path);
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    if (!CreateProcessA(path, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi))
        fail_msg("CreateProcess: %lu", (unsigned long)GetLastError());
    kids[nkids++] = pi;
    /* Let it reach its Sleep: a child still loading has no stable counts. */
    WaitForInputIdle(pi.hProcess, 2000);
    Sleep(200);
    return pi.dwProcessId;
}

static void kill_kid(PROCESS_INFORMATION *pi)
{
    if (pi->hProcess) {
        TerminateProcess(pi->hProcess, 9);
        WaitForSingleObject(pi->hProcess, 10000);
        CloseHandle(pi->hProcess);
        CloseHandle(pi->hThread);
    }
    memset(pi, 0, sizeof *pi);
}

static int reap_kids(void **state)
{
    (void)state;
    for (int i = 0; i < nkids; i++)
        kill_kid(&kids[i]);
    nkids = 0;
    return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_metric_names(void **state)
{
    (void)state;
    assert_string_equal(rasleak_metric_name(RASLEAK_METRIC_GDI_OBJECTS), "gdi_objects");
    assert_string_equal(rasleak_metric_name(RASLEAK_METRIC_USER_OBJECTS), "user_objects");
    assert_int_equal(rasleak_metric_lookup("user_objects"), RASLEAK_METRIC_USER_OBJECTS);
    assert_int_equal(rasleak_metric_unit("gdi_objects"), RASLEAK_UNIT_COUNT);
    assert_null(rasleak_metric_name(RASLEAK_METRIC_COUNT));
}

static void test_self_values(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_sample s = sample(p);
    PROCESS_MEMORY_COUNTERS pmc;

    (void)state;
    assert_int_equal(rasleak_proc_pid(p), (long)GetCurrentProcessId());
    assert_true(lstrcmpiA(rasleak_proc_name(p), own_name()) == 0);

    assert_true(V(s, RSS_BYTES) > 1 * MiB);
    assert_true(V(s, VM_BYTES) > 0);
    assert_true(V(s, THREADS) >= 1);
    assert_true(isnan(V(s, HEAP_BYTES))); /* decided: not available on Windows */
    pmc.cb = sizeof pmc;
    assert_true(GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof pmc));
    assert_true(fabs(V(s, VM_BYTES) - (double)pmc.PagefileUsage) < 1 * MiB);

    if (wine) {
        /* Wine says 0 handles, 0 private bytes and 0 GUI objects: all of
         * them are "not available", never 0. */
        assert_true(isnan(V(s, HANDLES)));
        assert_true(isnan(V(s, PRIVATE_BYTES)));
        assert_true(isnan(V(s, GDI_OBJECTS)));
        assert_true(isnan(V(s, USER_OBJECTS)));
    } else {
        assert_true(V(s, HANDLES) >= 3);
        assert_true(V(s, PRIVATE_BYTES) > 0);
        assert_true(V(s, GDI_OBJECTS) >= 0 && V(s, USER_OBJECTS) >= 0);
    }
    rasleak_proc_close(p);
}

static void test_handles(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_sample a = sample(p), b, c;
    HANDLE ev[50];

    (void)state;
    for (int i = 0; i < 50; i++)
        assert_non_null(ev[i] = CreateEventW(NULL, TRUE, FALSE, NULL));
    b = sample(p);
    for (int i = 0; i < 50; i++)
        CloseHandle(ev[i]);
    c = sample(p);
    if (wine) {
        assert_true(isnan(V(a, HANDLES)) && isnan(V(b, HANDLES)) && isnan(V(c, HANDLES)));
    } else {
        assert_true(V(b, HANDLES) - V(a, HANDLES) == 50);
        assert_true(V(c, HANDLES) == V(a, HANDLES));
    }
    rasleak_proc_close(p);
}

/*
 * Committing 64 MiB moves the commit charge (vm_bytes), touching it the
 * working set, and releasing it takes both back.
 */
static void test_memory(void **state)
{
    const size_t size = 64 * 1024 * 1024;
    struct rasleak_proc *p = open_self();
    struct rasleak_sample a = sample(p), b, c, d;
    char *m;

    (void)state;
    m = VirtualAlloc(NULL, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
    assert_non_null(m);
    b = sample(p);
    memset(m, 0x5A, size);
    c = sample(p);
    assert_true(VirtualFree(m, 0, MEM_RELEASE));
    d = sample(p);

    /* Windows charges the commit when it is made, Wine when it is touched. */
    if (!wine)
        assert_true(fabs(V(b, VM_BYTES) - V(a, VM_BYTES) - 64 * MiB) < 2 * MiB);
    assert_true(fabs(V(c, VM_BYTES) - V(a, VM_BYTES) - 64 * MiB) < 2 * MiB);
    assert_true(V(c, RSS_BYTES) - V(b, RSS_BYTES) > 60 * MiB);
    assert_true(fabs(V(d, VM_BYTES) - V(a, VM_BYTES)) < 2 * MiB);
    assert_true(V(c, RSS_BYTES) - V(d, RSS_BYTES) > 60 * MiB);
    if (!wine)
        assert_true(fabs(V(b, PRIVATE_BYTES) - V(a, PRIVATE_BYTES) - 64 * MiB) < 2 * MiB);
    rasleak_proc_close(p);
}

static DWORD WINAPI waiter(void *ev)
{
    WaitForSingleObject(ev, INFINITE);
    return 0;
}

static void test_threads(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_sample a = sample(p), b, c;
    HANDLE ev = CreateEventW(NULL, TRUE, FALSE, NULL), th[3];

    (void)state;
    for (int i = 0; i < 3; i++)
        assert_non_null(th[i] = CreateThread(NULL, 0, waiter, ev, 0, NULL));
    b = sample(p);
    SetEvent(ev);
    for (int i = 0; i < 3; i++) {
        WaitForSingleObject(th[i], INFINITE);
        CloseHandle(th[i]);
    }
    CloseHandle(ev);
    c = sample(p);
    assert_true(V(b, THREADS) - V(a, THREADS) == 3);
    assert_true(V(c, THREADS) == V(a, THREADS));
    rasleak_proc_close(p);
}

static void test_limits(void **state)
{
    struct rasleak_proc *p = open_self();
    struct rasleak_limits l;
    MEMORYSTATUSEX ms;

    (void)state;
    ms.dwLength = sizeof ms;
    assert_true(GlobalMemoryStatusEx(&ms));
    rasleak_proc_limits(p, &l);
    assert_true(l.handles == 16777216.0);
    assert_true(l.memory_bytes == (double)ms.ullTotalPhys);
    assert_true(l.vm_bytes == (double)ms.ullTotalPageFile);
    rasleak_proc_close(p);
    rasleak_proc_limits(NULL, &l);
    assert_true(isnan(l.handles) && isnan(l.memory_bytes) && isnan(l.vm_bytes));
}

/* Another process by id: its own name and counters, then its exit. */
static void test_child_by_pid(void **state)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    struct rasleak_sample s;
    DWORD pid = spawn_sleeper();

    (void)state;
    assert_int_equal(rasleak_proc_open_pid(&p, (long)pid, &err), 0);
    assert_int_equal(rasleak_proc_pid(p), (long)pid);
    assert_true(lstrcmpiA(rasleak_proc_name(p), own_name()) == 0);
    s = sample(p);
    assert_true(V(s, RSS_BYTES) > 0 && V(s, VM_BYTES) > 0);
    assert_true(V(s, THREADS) >= 1);
    assert_true(isnan(V(s, HEAP_BYTES)));
    if (wine)
        assert_true(isnan(V(s, HANDLES)) && isnan(V(s, PRIVATE_BYTES)));
    else
        assert_true(V(s, HANDLES) >= 3 && V(s, PRIVATE_BYTES) > 0);

    kill_kid(&kids[0]);
    assert_int_equal(rasleak_proc_sample(p, &s, &err), RASLEAK_EGONE);
    assert_non_null(strstr(err.message, "has exited"));
    rasleak_proc_close(p);
}

static void test_open_pid_errors(void **state)
{
    struct rasleak_proc *p = (struct rasleak_proc *)1;
    struct rasleak_error err;

    (void)state;
    assert_int_equal(rasleak_proc_open_pid(&p, 0, &err), RASLEAK_EINVAL);
    assert_null(p);
    assert_int_equal(rasleak_proc_open_pid(&p, -4, &err), RASLEAK_EINVAL);
    /* Ids are multiples of 4 far below this one. */
    assert_int_equal(rasleak_proc_open_pid(&p, 0x7ffffff4L, &err), RASLEAK_ENOENT);
    assert_null(p);
    assert_non_null(strstr(err.message, "no process with id"));
    /* Our own id is the own process. */
    assert_int_equal(rasleak_proc_open_pid(&p, (long)GetCurrentProcessId(), &err), 0);
    assert_true(V(sample(p), RSS_BYTES) > 0);
    rasleak_proc_close(p);
}

/*
 * A process an unelevated user may not open: csrss.exe on Windows.  Wine
 * lets anyone open anything and has no csrss, so there is nothing to see.
 */
static void test_open_pid_eacces(void **state)
{
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    long pid;
    int rc;

    (void)state;
    if (wine || rasleak_proc_find_name("csrss.exe", &pid, &err) != 0 || pid <= 0) {
        /* several csrss.exe run (one per session): take any */
        if (wine || err.code != RASLEAK_EINVAL)
            skip();
        pid = strtol(strrchr(err.message, '(') + 1, NULL, 10);
    }
    rc = rasleak_proc_open_pid(&p, pid, &err);
    if (rc == 0) { /* an elevated caller */
        rasleak_proc_close(p);
        return;
    }
    assert_int_equal(rc, RASLEAK_EACCES);
    assert_non_null(strstr(err.message, "elevated"));
}

static void test_find_name(void **state)
{
    struct rasleak_error err;
    char upper[MAX_PATH], stem[MAX_PATH], ida[32], idb[32];
    long pid = 0;
    DWORD a, b;

    (void)state;
    snprintf(upper, sizeof upper, "%s", own_name());
    CharUpperA(upper);
    snprintf(stem, sizeof stem, "%s", own_name());
    stem[strlen(stem) - 4] = '\0'; /* without ".exe" */

    assert_int_equal(rasleak_proc_find_name(own_name(), &pid, &err), 0);
    assert_int_equal(pid, (long)GetCurrentProcessId());
    assert_int_equal(rasleak_proc_find_name(upper, &pid, &err), 0);
    assert_int_equal(pid, (long)GetCurrentProcessId());
    assert_int_equal(rasleak_proc_find_name(stem, &pid, &err), 0);
    assert_int_equal(pid, (long)GetCurrentProcessId());

    assert_int_equal(rasleak_proc_find_name("no-such-rasleak-proc.exe", &pid, &err),
                     RASLEAK_ENOENT);
    assert_non_null(strstr(err.message, "no process named 'no-such-rasleak-proc.exe'"));
    assert_int_equal(rasleak_proc_find_name("", &pid, &err), RASLEAK_EINVAL);

    a = spawn_sleeper();
    b = spawn_sleeper();
    assert_int_equal(rasleak_proc_find_name(own_name(), &pid, &err), RASLEAK_EINVAL);
    assert_non_null(strstr(err.message, "3 processes are named"));
    snprintf(ida, sizeof ida, "%lu", (unsigned long)a);
    snprintf(idb, sizeof idb, "%lu", (unsigned long)b);
    assert_non_null(strstr(err.message, ida));
    assert_non_null(strstr(err.message, idb));
}

/*
 * The service's process.  RasMan exists on Windows (running or not); Wine
 * has no RasMan, which must be a clear "no such service" (1060).  A service
 * Wine does run (PlugPlay) shows that the id found is a live process.
 */
static void test_find_service(void **state)
{
    struct rasleak_error err;
    struct rasleak_service svc = {0, 0};
    struct rasleak_proc *p = NULL;
    int rc;

    (void)state;
    rc = rasleak_proc_find_service("RasMan", &svc, &err);
    if (wine) {
        assert_int_equal(rc, RASLEAK_ENOENT);
        assert_int_equal(err.sys, 1060);
        assert_non_null(strstr(err.message, "no service named 'RasMan'"));
    } else if (rc == 0) {
        assert_true(svc.pid > 0);
    } else {
        assert_true(rc == RASLEAK_ENOENT || rc == RASLEAK_EACCES);
    }
    assert_int_equal(rasleak_proc_find_service("", &svc, &err), RASLEAK_EINVAL);

    if (!wine)
        return;
    assert_int_equal(rasleak_proc_find_service("PlugPlay", &svc, &err), 0);
    assert_true(svc.pid > 0);
    assert_int_equal(rasleak_proc_open_pid(&p, svc.pid, &err), 0);
    assert_true(V(sample(p), THREADS) >= 1);
    rasleak_proc_close(p);
}

/* The kernel object the mock leaks is a real, live event. */
static void test_kobj(void **state)
{
    struct rasleak_error err;
    intptr_t h[20];

    (void)state;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(rasleak__kobj_open(&h[i], &err), 0);
        assert_int_equal(WaitForSingleObject((HANDLE)h[i], 0), WAIT_TIMEOUT);
        for (int j = 0; j < i; j++)
            assert_true(h[i] != h[j]);
    }
    for (int i = 0; i < 20; i++)
        rasleak__kobj_close(h[i]);
}

/* The mock on Windows: handles (events) and heap, all freed by close(). */
static void test_mock_leaks(void **state)
{
    const struct rasleak_backend *be = rasleak_backend_find("mock");
    struct rasleak_kv kv[] = {{"leak_handles", "2"}, {"leak_bytes", "1048576"}};
    struct rasleak_options o = {kv, 2};
    struct rasleak_proc *p = open_self();
    struct rasleak_sample a, b, c;
    struct rasleak_error err;
    void *st = NULL;

    (void)state;
    assert_non_null(be);
    assert_int_equal(rasleak_options_validate(be->options, be->noptions, &o, "mock", &err), 0);
    assert_int_equal(be->open(&st, &o, &err), 0);
    a = sample(p);
    for (uint64_t i = 1; i <= 32; i++) {
        assert_int_equal(be->dial(st, i, &err), 0);
        assert_int_equal(be->hangup(st, i, &err), 0);
    }
    b = sample(p);
    be->close(st);
    c = sample(p);
    assert_true(V(b, RSS_BYTES) - V(a, RSS_BYTES) > 30 * MiB);
    assert_true(V(b, VM_BYTES) - V(a, VM_BYTES) > 30 * MiB);
    assert_true(V(b, VM_BYTES) - V(c, VM_BYTES) > 30 * MiB);
    if (!wine) {
        assert_true(V(b, HANDLES) - V(a, HANDLES) == 64);
        assert_true(V(c, HANDLES) == V(a, HANDLES));
        assert_true(V(b, PRIVATE_BYTES) - V(a, PRIVATE_BYTES) > 30 * MiB);
    }
    rasleak_proc_close(p);
}

static void test_host_info(void **state)
{
    struct rasleak_host h;
    const char *version = NULL;

    (void)state;
    rasleak_host_info(&h);
    assert_string_equal(h.os, "windows");
    assert_true(h.os_release[0] >= '1' && h.os_release[0] <= '9');
    assert_true(h.hostname[0] != '\0');
    assert_int_equal(h.cpus, (int)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS));
    assert_int_equal(rasleak__is_wine(&version), wine);
    if (wine) {
        assert_non_null(version);
        assert_non_null(strstr(h.os_release, "(Wine "));
    } else {
        assert_null(strstr(h.os_release, "Wine"));
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_names),
        cmocka_unit_test(test_self_values),
        cmocka_unit_test(test_handles),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_limits),
        cmocka_unit_test_teardown(test_child_by_pid, reap_kids),
        cmocka_unit_test(test_open_pid_errors),
        cmocka_unit_test(test_open_pid_eacces),
        cmocka_unit_test_teardown(test_find_name, reap_kids),
        cmocka_unit_test(test_find_service),
        cmocka_unit_test(test_kobj),
        cmocka_unit_test(test_mock_leaks),
        cmocka_unit_test(test_host_info),
    };
    if (argc > 1 && strcmp(argv[1], "--sleep") == 0) {
        Sleep(60000); /* killed by the test long before */
        return 0;
    }
    /* Independent of rasleak__is_wine(), which is under test. */
    wine = GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != NULL;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
