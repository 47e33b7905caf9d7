/*
 * targets_win.c - rasleak/targets.h on Windows: listing processes with
 * Toolhelp32, starting one with CreateProcess.
 */
#include <windows.h>
#include <tlhelp32.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/targets.h"

struct rasleak_child {
    PROCESS_INFORMATION pi;
    int done;
    DWORD code;
};

int rasleak_proc_list(struct rasleak_proc_entry **out, size_t *n, struct rasleak_error *err)
{
    *out = NULL;
    *n = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE)
        return rasleak_error_set(err, RASLEAK_ESAMPLE, (int)GetLastError(),
                                 "cannot list processes (error %lu)",
                                 (unsigned long)GetLastError());
    size_t cap = 0, cnt = 0;
    struct rasleak_proc_entry *v = NULL;
    PROCESSENTRY32 pe;
    pe.dwSize = sizeof pe;
    DWORD self = GetCurrentProcessId();
    for (BOOL ok = Process32First(snap, &pe); ok; ok = Process32Next(snap, &pe)) {
        if (pe.th32ProcessID == self || pe.th32ProcessID == 0)
            continue;
        if (cnt == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct rasleak_proc_entry *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                free(v);
                CloseHandle(snap);
                return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
            }
            v = nv;
            cap = ncap;
        }
        struct rasleak_proc_entry *e = &v[cnt++];
        memset(e, 0, sizeof *e);
        e->pid = (long)pe.th32ProcessID;
        e->uid = -1;
        snprintf(e->name, sizeof e->name, "%s", pe.szExeFile);
        snprintf(e->cmdline, sizeof e->cmdline, "%s", pe.szExeFile);
    }
    CloseHandle(snap);
    *out = v;
    *n = cnt;
    return 0;
}

/* Image names compare without case, and "rasman" names "rasman.exe" too. */
int rasleak_proc_name_matches(const struct rasleak_proc_entry *e, const char *name)
{
    char exe[sizeof e->name + 8];
    snprintf(exe, sizeof exe, "%s.exe", name);
    return lstrcmpiA(e->name, name) == 0 || lstrcmpiA(e->name, exe) == 0;
}

/* Append `arg` quoted as CommandLineToArgvW reads it back. */
static int quote_arg(char *buf, size_t len, size_t *used, const char *arg)
{
    size_t u = *used;
#define PUT(c) do { if (u + 1 >= len) return -1; buf[u++] = (c); } while (0)
    if (u)
        PUT(' ');
    PUT('"');
    for (const char *c = arg;; c++) {
        size_t slashes = 0;
        while (*c == '\\') {
            slashes++;
            c++;
        }
        if (!*c) {
            for (size_t i = 0; i < slashes * 2; i++)
                PUT('\\');
            break;
        }
        if (*c == '"') {
            for (size_t i = 0; i < slashes * 2 + 1; i++)
                PUT('\\');
        } else {
            for (size_t i = 0; i < slashes; i++)
                PUT('\\');
        }
        PUT(*c);
    }
    PUT('"');
#undef PUT
    buf[u] = '\0';
    *used = u;
    return 0;
}

int rasleak_spawn(char *const *argv, struct rasleak_child **out, struct rasleak_error *err)
{
    char cmd[32768];
    size_t used = 0;
    cmd[0] = '\0';
    for (size_t i = 0; argv[i]; i++)
        if (quote_arg(cmd, sizeof cmd, &used, argv[i]) < 0)
            return rasleak_error_set(err, RASLEAK_EINVAL, 0, "command line too long");
    struct rasleak_child *c = calloc(1, sizeof *c);
    if (!c)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    STARTUPINFOA si;
    memset(&si, 0, sizeof si);
    si.cb = sizeof si;
    /* Its own process group, so that Ctrl-C at the console reaches
     * rasleak, which then stops the program in order. */
    if (!CreateProcessA(NULL, cmd, NULL, NULL, FALSE, CREATE_NEW_PROCESS_GROUP, NULL, NULL, &si,
                        &c->pi)) {
        DWORD e = GetLastError();
        free(c);
        return rasleak_error_set(err, e == ERROR_ACCESS_DENIED ? RASLEAK_EACCES : RASLEAK_ENOENT,
                                 (int)e, "cannot run '%s' (error %lu)", argv[0],
                                 (unsigned long)e);
    }
    *out = c;
    return 0;
}

long rasleak_child_pid(const struct rasleak_child *c)
{
    return (long)c->pi.dwProcessId;
}

static int ended(struct rasleak_child *c, DWORD wait_ms)
{
    if (!c->done && WaitForSingleObject(c->pi.hProcess, wait_ms) == WAIT_OBJECT_0) {
        GetExitCodeProcess(c->pi.hProcess, &c->code);
        c->done = 1;
    }
    return c->done;
}

/* Windows has no portable "listening" test for another process: wait the time. */
int rasleak_child_wait_ready(struct rasleak_child *c, double ms, struct rasleak_error *err)
{
    if (ended(c, ms > 0 ? (DWORD)ms : 0))
        return rasleak_error_set(err, RASLEAK_EGONE, 0, "process %lu exited with code %lu",
                                 (unsigned long)c->pi.dwProcessId, (unsigned long)c->code);
    return 0;
}

int rasleak_child_stop(struct rasleak_child *c, double grace_ms, char *how, size_t len)
{
    if (ended(c, 0)) {
        snprintf(how, len, "exited with code %lu", (unsigned long)c->code);
        return 1;
    }
    /* A console program gets Ctrl-Break first (its SIGTERM), then the end. */
    GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, c->pi.dwProcessId);
    if (!ended(c, grace_ms > 0 ? (DWORD)grace_ms : 0)) {
        TerminateProcess(c->pi.hProcess, 1);
        ended(c, INFINITE);
    }
    snprintf(how, len, "stopped");
    return 0;
}

void rasleak_child_free(struct rasleak_child *c)
{
    if (!c)
        return;
    CloseHandle(c->pi.hProcess);
    CloseHandle(c->pi.hThread);
    free(c);
}
