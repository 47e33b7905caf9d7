/*
 * sampler/win.c - handle and memory counters from the Win32 API.
 *
 * A process is opened once with PROCESS_QUERY_LIMITED_INFORMATION (and
 * SYNCHRONIZE, when granted, to notice its exit), which is all that the
 * counters below need, and is the least that protected and service
 * processes grant an elevated caller:
 *
 *   handles        GetProcessHandleCount
 *   rss_bytes      GetProcessMemoryInfo: WorkingSetSize
 *   private_bytes  GetProcessMemoryInfo: PrivateUsage (PROCESS_MEMORY_COUNTERS_EX)
 *   vm_bytes       GetProcessMemoryInfo: PagefileUsage, the commit charge
 *   threads        Toolhelp32: PROCESSENTRY32.cntThreads of a process snapshot
 *   gdi_objects,   GetGuiResources(GR_GDIOBJECTS / GR_USEROBJECTS); only for a
 *   user_objects   process in the caller's session, else not available
 *   heap_bytes     not available (see below)
 *
 * A counter that reads 0 where 0 is impossible - a live process always has
 * handles, a working set, committed memory and a thread - is "not
 * available" (NAN), never 0: Wine, for one, answers GetProcessHandleCount
 * with 0 and leaves PrivateUsage 0, and a flat 0 would read as "no leak".
 * GDI and USER objects can really be 0 (a console program has none), so 0
 * stands, except under Wine, whose GetGuiResources is a stub that always
 * says 0.
 *
 * heap_bytes is NAN on Windows.  There is no cheap, exact in-use figure:
 * HeapSummary() and HeapWalk() lock and walk the heap, which costs far
 * more than a sample may and disturbs what it measures; and what malloc()
 * keeps in use is the process's private commit anyway, which
 * private_bytes reports exactly.
 *
 * The thread count costs a snapshot of all processes (about a millisecond
 * on a busy system): there is no per-process call for it.  That is cheap
 * next to a RAS dial, which takes seconds.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <psapi.h>
#include <tlhelp32.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/sampler.h"
#include "platform/os.h"
#include "sampler/common.h"

/* The documented per-process handle limit of Windows (2^24). */
#define HANDLE_LIMIT 16777216.0

struct rasleak_proc {
    long pid;
    int self;
    HANDLE h;               /* GetCurrentProcess() for self: never closed */
    int can_wait;           /* h has SYNCHRONIZE */
    int wine;               /* GetGuiResources is a stub */
    struct rasleak_limits limits;
    char name[MAX_PATH];    /* UTF-8 */
};

/* The system's text for a GetLastError() code, without the trailing CR LF. */
static const char *win_text(DWORD code, char *buf, size_t len)
{
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             code, 0, buf, (DWORD)len, NULL);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '.'))
        buf[--n] = '\0';
    if (n == 0)
        snprintf(buf, len, "error %lu", (unsigned long)code);
    return buf;
}

/* A count that cannot be 0 in a live process: 0 means "not available". */
static double nonzero(double v)
{
    return v > 0 ? v : NAN;
}

/* Process snapshot entry of `pid`; 0 when found, -1 when not, or the error. */
static int find_entry(DWORD pid, PROCESSENTRY32 *out, DWORD *sys)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    int rc = -1;

    *sys = 0;
    if (snap == INVALID_HANDLE_VALUE) {
        *sys = GetLastError();
        return -2;
    }
    out->dwSize = sizeof *out;
    for (BOOL ok = Process32First(snap, out); ok; ok = Process32Next(snap, out))
        if (out->th32ProcessID == pid) {
            rc = 0;
            break;
        }
    CloseHandle(snap);
    return rc;
}

/* Whether the opened process has exited. */
static int exited(const struct rasleak_proc *p)
{
    DWORD code;
    if (p->self)
        return 0;
    if (p->can_wait)
        return WaitForSingleObject(p->h, 0) == WAIT_OBJECT_0;
    /* Without SYNCHRONIZE; a process that really exits with 259 reads as
     * alive until the snapshot no longer lists it. */
    return GetExitCodeProcess(p->h, &code) && code != STILL_ACTIVE;
}

static int gone(struct rasleak_proc *p, struct rasleak_error *err)
{
    return rasleak_error_set(err, RASLEAK_EGONE, 0, "process %ld '%s' has exited", p->pid,
                             p->name);
}

static int failed(struct rasleak_proc *p, struct rasleak_error *err, const char *what)
{
    DWORD e = GetLastError();
    char text[256];
    if (exited(p))
        return gone(p, err);
    return rasleak_error_set(err, RASLEAK_ESAMPLE, (int)e, "cannot read %s of process %ld "
                             "'%s': %s", what, p->pid, p->name, win_text(e, text, sizeof text));
}

static double gui_count(const struct rasleak_proc *p, DWORD which)
{
    DWORD n;
    if (p->wine)
        return NAN;
    SetLastError(0);
    n = GetGuiResources(p->h, which);
    /* 0 with an error: another session's process, whose count we cannot see. */
    return n == 0 && GetLastError() != 0 ? NAN : (double)n;
}

int rasleak_proc_sample(struct rasleak_proc *p, struct rasleak_sample *out,
                        struct rasleak_error *err)
{
    double *v;
    DWORD handles, sys;
    PROCESS_MEMORY_COUNTERS_EX pmc;
    PROCESSENTRY32 pe;
    int rc;

    rc = rasleak__sample_begin(p, out, err);
    if (rc < 0)
        return rc;
    v = out->values;
    if (exited(p))
        return gone(p, err);

    if (!GetProcessHandleCount(p->h, &handles))
        return failed(p, err, "the handle count");
    v[RASLEAK_METRIC_HANDLES] = nonzero((double)handles);

    memset(&pmc, 0, sizeof pmc);
    pmc.cb = sizeof pmc;
    if (!GetProcessMemoryInfo(p->h, (PROCESS_MEMORY_COUNTERS *)&pmc, sizeof pmc))
        return failed(p, err, "the memory counters");
    v[RASLEAK_METRIC_RSS_BYTES] = nonzero((double)pmc.WorkingSetSize);
    v[RASLEAK_METRIC_PRIVATE_BYTES] = nonzero((double)pmc.PrivateUsage);
    v[RASLEAK_METRIC_VM_BYTES] = nonzero((double)pmc.PagefileUsage);

    rc = find_entry((DWORD)p->pid, &pe, &sys);
    if (rc == -1)
        return gone(p, err); /* no longer listed: exited and reaped */
    if (rc == 0)
        v[RASLEAK_METRIC_THREADS] = nonzero((double)pe.cntThreads);

    v[RASLEAK_METRIC_GDI_OBJECTS] = gui_count(p, GR_GDIOBJECTS);
    v[RASLEAK_METRIC_USER_OBJECTS] = gui_count(p, GR_USEROBJECTS);
    return 0;
}

/* ---- open ---------------------------------------------------------------- */

/* The image's file name, from its full path, else from a snapshot. */
static void read_name(struct rasleak_proc *p)
{
    WCHAR wide[MAX_PATH * 2];
    DWORD n = sizeof wide / sizeof wide[0];
    PROCESSENTRY32 pe;
    DWORD sys;

    if (QueryFullProcessImageNameW(p->h, 0, wide, &n) && n > 0) {
        const WCHAR *base = wide;
        for (const WCHAR *c = wide; *c; c++)
            if (*c == L'\\' || *c == L'/')
                base = c + 1;
        if (WideCharToMultiByte(CP_UTF8, 0, base, -1, p->name, sizeof p->name, NULL, NULL) > 0)
            return;
    }
    if (find_entry((DWORD)p->pid, &pe, &sys) == 0)
        snprintf(p->name, sizeof p->name, "%s", pe.szExeFile);
    else
        snprintf(p->name, sizeof p->name, "?");
}

static void read_limits(struct rasleak_proc *p)
{
    MEMORYSTATUSEX ms;

    p->limits.handles = HANDLE_LIMIT;
    p->limits.memory_bytes = p->limits.vm_bytes = NAN;
    ms.dwLength = sizeof ms;
    if (GlobalMemoryStatusEx(&ms)) {
        p->limits.memory_bytes = (double)ms.ullTotalPhys;
        /* ullTotalPageFile is the system's commit limit, which bounds a
         * process's commit charge (vm_bytes). */
        p->limits.vm_bytes = (double)ms.ullTotalPageFile;
    }
}

static int open_error(long pid, DWORD e, struct rasleak_error *err)
{
    char text[256], name[MAX_PATH] = "?";
    PROCESSENTRY32 pe;
    DWORD sys;

    win_text(e, text, sizeof text);
    if (e == ERROR_INVALID_PARAMETER)
        return rasleak_error_set(err, RASLEAK_ENOENT, (int)e, "no process with id %ld", pid);
    if (find_entry((DWORD)pid, &pe, &sys) == 0)
        snprintf(name, sizeof name, "%s", pe.szExeFile);
    if (e == ERROR_ACCESS_DENIED)
        return rasleak_error_set(err, RASLEAK_EACCES, (int)e,
            "cannot open process %ld '%s': %s; run rasleak from an elevated prompt "
            "(Run as administrator)", pid, name, text);
    return rasleak_error_set(err, RASLEAK_ESAMPLE, (int)e, "cannot open process %ld '%s': %s",
                             pid, name, text);
}

static int proc_open(struct rasleak_proc **out, long pid, int self, struct rasleak_error *err)
{
    struct rasleak_proc *p = calloc(1, sizeof *p);

    *out = NULL;
    if (p == NULL)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ERROR_OUTOFMEMORY, "out of memory");
    p->pid = pid;
    p->self = self;
    p->wine = rasleak__is_wine(NULL);
    if (self) {
        p->h = GetCurrentProcess();
    } else {
        p->h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, (DWORD)pid);
        p->can_wait = p->h != NULL;
        if (p->h == NULL && GetLastError() == ERROR_ACCESS_DENIED)
            p->h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
        if (p->h == NULL) {
            int rc = open_error(pid, GetLastError(), err);
            free(p);
            return rc;
        }
    }
    read_name(p);
    if (exited(p)) {
        int rc = rasleak_error_set(err, RASLEAK_ENOENT, 0, "process %ld '%s' has exited",
                                   pid, p->name);
        rasleak_proc_close(p);
        return rc;
    }
    read_limits(p);
    *out = p;
    return 0;
}

int rasleak_proc_open_self(struct rasleak_proc **out, struct rasleak_error *err)
{
    if (out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no output pointer");
    return proc_open(out, (long)GetCurrentProcessId(), 1, err);
}

int rasleak_proc_open_pid(struct rasleak_proc **out, long pid, struct rasleak_error *err)
{
    if (out == NULL)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no output pointer");
    *out = NULL;
    /* Ids are DWORDs and multiples of 4; 0 is the idle process, which
     * cannot be opened. */
    if (pid <= 0 || (unsigned long long)pid > 0xFFFFFFFFull)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "invalid process id %ld", pid);
    return proc_open(out, pid, pid == (long)GetCurrentProcessId(), err);
}

/* ---- finding a process -------------------------------------------------- */

int rasleak_proc_find_name(const char *name, long *pid, struct rasleak_error *err)
{
    HANDLE snap;
    PROCESSENTRY32 pe;
    long found[RASLEAK__NAMED_MAX];
    size_t n = 0;
    char exe[MAX_PATH], text[256];

    if (name == NULL || pid == NULL || name[0] == '\0')
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no process name");
    /* "rasman" finds "rasman.exe" as well. */
    snprintf(exe, sizeof exe, "%s.exe", name);
    snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE) {
        DWORD e = GetLastError();
        return rasleak_error_set(err, RASLEAK_ESAMPLE, (int)e, "cannot list processes: %s",
                                 win_text(e, text, sizeof text));
    }
    pe.dwSize = sizeof pe;
    for (BOOL ok = Process32First(snap, &pe); ok; ok = Process32Next(snap, &pe)) {
        if (lstrcmpiA(pe.szExeFile, name) != 0 && lstrcmpiA(pe.szExeFile, exe) != 0)
            continue;
        if (n < RASLEAK__NAMED_MAX)
            found[n] = (long)pe.th32ProcessID;
        n++;
    }
    CloseHandle(snap);
    return rasleak__pick_named(name, found, n, pid, err);
}

static const char *state_name(DWORD s)
{
    switch (s) {
    case SERVICE_STOPPED: return "stopped";
    case SERVICE_START_PENDING: return "starting";
    case SERVICE_STOP_PENDING: return "stopping";
    case SERVICE_CONTINUE_PENDING: return "continuing";
    case SERVICE_PAUSE_PENDING: return "pausing";
    case SERVICE_PAUSED: return "paused";
    default: return "running";
    }
}

int rasleak_proc_find_service(const char *name, struct rasleak_service *out,
                              struct rasleak_error *err)
{
    SC_HANDLE scm, svc;
    SERVICE_STATUS_PROCESS st;
    DWORD need = 0, e;
    char text[256];
    int rc = 0;

    if (name == NULL || out == NULL || name[0] == '\0')
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "no service name");
    scm = OpenSCManagerA(NULL, NULL, SC_MANAGER_CONNECT);
    if (scm == NULL) {
        e = GetLastError();
        return rasleak_error_set(err, e == ERROR_ACCESS_DENIED ? RASLEAK_EACCES : RASLEAK_ESAMPLE,
                                 (int)e, "cannot connect to the service manager: %s",
                                 win_text(e, text, sizeof text));
    }
    svc = OpenServiceA(scm, name, SERVICE_QUERY_STATUS);
    if (svc == NULL) {
        e = GetLastError();
        win_text(e, text, sizeof text);
        if (e == ERROR_SERVICE_DOES_NOT_EXIST || e == ERROR_INVALID_NAME)
            rc = rasleak_error_set(err, RASLEAK_ENOENT, (int)e,
                                   "no service named '%s' on this system (error %lu: %s); "
                                   "'sc query' lists the services by their key names",
                                   name, (unsigned long)e, text);
        else if (e == ERROR_ACCESS_DENIED)
            rc = rasleak_error_set(err, RASLEAK_EACCES, (int)e,
                                   "cannot query service '%s': %s; run rasleak from an "
                                   "elevated prompt (Run as administrator)", name, text);
        else
            rc = rasleak_error_set(err, RASLEAK_ESAMPLE, (int)e,
                                   "cannot open service '%s': %s", name, text);
        CloseServiceHandle(scm);
        return rc;
    }
    if (!QueryServiceStatusEx(svc, SC_STATUS_PROCESS_INFO, (BYTE *)&st, sizeof st, &need)) {
        e = GetLastError();
        rc = rasleak_error_set(err, RASLEAK_ESAMPLE, (int)e, "cannot query service '%s': %s",
                               name, win_text(e, text, sizeof text));
    } else if (st.dwCurrentState != SERVICE_RUNNING || st.dwProcessId == 0) {
        /* The id is only valid while the service runs. */
        rc = rasleak_error_set(err, RASLEAK_ENOENT, 0,
                               "service '%s' is not running (it is %s); start it with "
                               "'sc start %s' and try again", name,
                               state_name(st.dwCurrentState), name);
    } else {
        out->pid = (long)st.dwProcessId;
        out->shared = (st.dwServiceType & SERVICE_WIN32_SHARE_PROCESS) != 0;
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return rc;
}

/* ---- the rest ------------------------------------------------------------ */

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
    if (p == NULL) {
        out->handles = out->memory_bytes = out->vm_bytes = NAN;
        return;
    }
    *out = p->limits;
}

void rasleak_proc_close(struct rasleak_proc *p)
{
    if (p == NULL)
        return;
    if (!p->self && p->h != NULL)
        CloseHandle(p->h);
    free(p);
}

void rasleak_host_info(struct rasleak_host *out)
{
    typedef LONG (WINAPI *rtl_get_version_fn)(OSVERSIONINFOW *);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    FARPROC fp = ntdll ? GetProcAddress(ntdll, "RtlGetVersion") : NULL;
    OSVERSIONINFOW vi;
    DWORD n = sizeof out->hostname;
    const char *wine = NULL;

    memset(out, 0, sizeof *out);
    snprintf(out->os, sizeof out->os, "windows");
    /* GetVersionEx answers what the manifest claims; RtlGetVersion does not lie. */
    memset(&vi, 0, sizeof vi);
    vi.dwOSVersionInfoSize = sizeof vi;
    if (fp) {
        rtl_get_version_fn fn;
        memcpy(&fn, &fp, sizeof fn);
        if (fn(&vi) == 0)
            snprintf(out->os_release, sizeof out->os_release, "%lu.%lu.%lu",
                     (unsigned long)vi.dwMajorVersion, (unsigned long)vi.dwMinorVersion,
                     (unsigned long)vi.dwBuildNumber);
    }
    if (rasleak__is_wine(&wine)) {
        size_t len = strlen(out->os_release);
        snprintf(out->os_release + len, sizeof out->os_release - len, "%s(Wine %s)",
                 len ? " " : "", wine ? wine : "?");
    }
    if (!GetComputerNameExA(ComputerNameDnsHostname, out->hostname, &n))
        out->hostname[0] = '\0';
    out->cpus = (int)GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
}

/* ---- watching more closely ---------------------------------------------- */

/*
 * Handle types and memory maps are read from /proc on Linux; Windows has
 * no cheap per-process equivalent (NtQuerySystemInformation's handle table
 * is system-wide and needs the object types resolved one by one), so they
 * are refused here with a clear word rather than reported empty.
 */
int rasleak_proc_want(struct rasleak_proc *p, unsigned what, struct rasleak_error *err)
{
    (void)p;
    if (what == 0)
        return 0;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "--handle-types and --maps are not available on Windows yet");
}

int rasleak_proc_handle_types(struct rasleak_proc *p, uint64_t iter, double *counts,
                              struct rasleak_error *err)
{
    (void)p;
    (void)iter;
    (void)counts;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0, "handle types cannot be read on Windows");
}

int rasleak_proc_suspects(struct rasleak_proc *p, uint64_t since,
                          struct rasleak_handle_info **out, size_t *n,
                          struct rasleak_error *err)
{
    (void)p;
    (void)since;
    *out = NULL;
    *n = 0;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0, "handles cannot be listed on Windows");
}

int rasleak_handle_type_of(const char *link)
{
    (void)link;
    return RASLEAK_HTYPE_OTHER;
}

/*
 * The process handle rasleak holds keeps its object, and so its id,
 * from being reused while the run lasts: a process that ended is told by
 * its handle, never confused with a newcomer.
 */
int rasleak_proc_check(struct rasleak_proc *p, struct rasleak_error *err)
{
    return exited(p) ? gone(p, err) : 0;
}

unsigned long long rasleak_proc_start_time(const struct rasleak_proc *p)
{
    FILETIME created, ended, kernel, user;
    if (!GetProcessTimes(p->h, &created, &ended, &kernel, &user))
        return 0;
    return ((unsigned long long)created.dwHighDateTime << 32) | created.dwLowDateTime;
}
