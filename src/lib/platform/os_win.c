/*
 * os_win.c - platform/os.h with the Win32 API: QueryPerformanceCounter,
 * GetSystemTimePreciseAsFileTime, Sleep and events.
 */
#include <windows.h>
#include <stdio.h>
#include <string.h>

#include "platform/os.h"

double rasleak__mono_s(void)
{
    static LARGE_INTEGER freq; /* fixed at boot: reading it once is enough */
    LARGE_INTEGER now;
    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

void rasleak__utc_now(char *buf, size_t len)
{
    FILETIME ft;
    SYSTEMTIME st;
    GetSystemTimePreciseAsFileTime(&ft);
    if (!FileTimeToSystemTime(&ft, &st))
        GetSystemTime(&st);
    snprintf(buf, len, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", st.wYear, st.wMonth,
             st.wDay, st.wHour, st.wMinute, st.wSecond, st.wMilliseconds);
}

/* Short enough that Ctrl-C feels immediate, long enough to cost nothing. */
#define SLICE_MS 50.0

void rasleak__sleep_ms(double ms, volatile sig_atomic_t *stop)
{
    double end = rasleak__mono_s() + ms / 1000.0;
    for (;;) {
        if (stop && *stop)
            return;
        double left = (end - rasleak__mono_s()) * 1000.0;
        if (left <= 0)
            return;
        Sleep((DWORD)(left < SLICE_MS ? left + 0.5 : SLICE_MS));
    }
}

/* The system's text for a GetLastError() code, without the trailing CR LF. */
static void win_text(DWORD code, char *buf, size_t len)
{
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, 0, buf, (DWORD)len, NULL);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '.'))
        buf[--n] = '\0';
    if (n == 0)
        snprintf(buf, len, "error %lu", (unsigned long)code);
}

int rasleak__kobj_open(intptr_t *out, struct rasleak_error *err)
{
    HANDLE h = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (h == NULL) {
        DWORD e = GetLastError();
        char text[256];
        win_text(e, text, sizeof text);
        return rasleak_error_set(err, RASLEAK_EBACKEND, (int)e, "cannot create an event: %s",
                                 text);
    }
    *out = (intptr_t)h;
    return 0;
}

void rasleak__kobj_close(intptr_t h)
{
    CloseHandle((HANDLE)h);
}

int rasleak__is_wine(const char **version)
{
    /* Wine's ntdll exports wine_get_version; Windows' never has. */
    typedef const char *(__cdecl *get_version_fn)(void);
    static int known, wine;
    static const char *text;
    if (!known) {
        HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
        FARPROC fp = ntdll ? GetProcAddress(ntdll, "wine_get_version") : NULL;
        if (fp) {
            get_version_fn fn;
            memcpy(&fn, &fp, sizeof fn);
            text = fn();
            wine = 1;
        }
        known = 1;
    }
    if (version)
        *version = text;
    return wine;
}
