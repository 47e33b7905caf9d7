/*
 * dl_win.c - rasleak__dl_* with LoadLibraryExW.
 */
#include <windows.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/dl.h"

struct rasleak__dl {
    HMODULE module;
};

/* The system's text for `code`, without its trailing line break. */
static void system_text(DWORD code, char *buf, DWORD len)
{
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             code, 0, buf, len, NULL);
    if (n == 0)
        snprintf(buf, len, "error %lu", (unsigned long)code);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == '.'))
        buf[--n] = '\0';
}

int rasleak__dl_open(struct rasleak__dl **out, const char *path, struct rasleak_error *err)
{
    *out = NULL;
    struct rasleak__dl *dl = malloc(sizeof *dl);
    if (!dl)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    /* The path as given is UTF-8; Windows wants UTF-16. */
    int wn = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
    wchar_t *wpath = wn > 0 ? malloc((size_t)wn * sizeof *wpath) : NULL;
    if (!wpath || MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, wn) <= 0) {
        free(wpath);
        free(dl);
        return rasleak_error_set(err, RASLEAK_ENOENT, 0, "cannot load '%s': not a valid path",
                                 path);
    }
    /* The DLL's own folder first for its dependencies, as a plugin expects. */
    dl->module = LoadLibraryExW(wpath, NULL, LOAD_WITH_ALTERED_SEARCH_PATH);
    DWORD code = GetLastError();
    free(wpath);
    if (!dl->module) {
        char why[256];
        system_text(code, why, sizeof why);
        free(dl);
        return rasleak_error_set(err, RASLEAK_ENOENT, (int)code, "cannot load '%s': %s", path,
                                 why);
    }
    *out = dl;
    return 0;
}

rasleak__dl_fn rasleak__dl_sym(struct rasleak__dl *dl, const char *name)
{
    FARPROC p = GetProcAddress(dl->module, name);
    rasleak__dl_fn fn;
    _Static_assert(sizeof fn == sizeof p, "function pointer sizes differ");
    memcpy(&fn, &p, sizeof fn);
    return fn;
}

void rasleak__dl_close(struct rasleak__dl *dl)
{
    if (!dl)
        return;
    FreeLibrary(dl->module);
    free(dl);
}
