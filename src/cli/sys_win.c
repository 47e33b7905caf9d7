/*
 * sys_win.c - sys.h on Windows.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <fcntl.h>
#include <io.h>
#include <string.h>
#include <sys/stat.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>

#include "sys.h"

#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

void cli_sys_init(void)
{
    DWORD mode;
    HANDLE err = GetStdHandle(STD_ERROR_HANDLE);

    /* No CR LF translation: trend files and JSON are byte for byte the
     * same as on Linux, and "-" (standard input or output) too. */
    _fmode = _O_BINARY;
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    /* The progress line redraws itself with "\r\033[K"; Windows 10's
     * console understands that once asked to.  Older consoles show the
     * escape as text, which is harmless. */
    if (err != INVALID_HANDLE_VALUE && GetConsoleMode(err, &mode))
        SetConsoleMode(err, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

int cli_term_columns(void)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (GetConsoleScreenBufferInfo(GetStdHandle(STD_ERROR_HANDLE), &info)) {
        int w = info.srWindow.Right - info.srWindow.Left + 1;
        if (w > 0)
            return w;
    }
    return 80;
}

int cli_is_special(const char *path)
{
    struct _stat st;
    return _stat(path, &st) == 0 && !(st.st_mode & _S_IFREG);
}

int cli_mkstemp(char *tmpl)
{
    /* _mktemp_s picks a name that does not exist; O_EXCL makes sure. */
    for (int tries = 0; tries < 100; tries++) {
        size_t n = strlen(tmpl);
        char *x = tmpl + n - 6;
        memcpy(x, "XXXXXX", 6);
        if (_mktemp_s(tmpl, n + 1) != 0)
            return -1;
        int fd = _open(tmpl, _O_CREAT | _O_EXCL | _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1;
}

/* ---- sigaction() over console control events --------------------------- */

static void (*volatile on_int)(int);
static void (*volatile on_term)(int);

/*
 * Runs on a thread of its own that the system starts for each event.
 * Returning TRUE tells the system the event was handled; a handler that
 * wants to die (the second Ctrl-C) calls raise() with the default action.
 */
static BOOL WINAPI console_event(DWORD type)
{
    void (*h)(int) = NULL;
    int sig = SIGINT;

    switch (type) {
    case CTRL_C_EVENT:
    case CTRL_BREAK_EVENT:
        h = on_int;
        break;
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        h = on_term;
        sig = SIGTERM;
        break;
    default:
        break;
    }
    if (h == NULL || h == SIG_DFL || h == SIG_IGN)
        return h == SIG_IGN;
    h(sig);
    if (sig == SIGTERM) {
        /* After a close event the system ends the process once the
         * handler returns: give the loop time to finish the iteration and
         * write the summary (the system allows about 5 s). */
        Sleep(4000);
    }
    return TRUE;
}

int sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
    static int installed;
    void (*volatile *slot)(int) = sig == SIGINT ? &on_int : sig == SIGTERM ? &on_term : NULL;

    if (slot == NULL)
        return -1;
    if (old) {
        old->sa_handler = *slot ? *slot : SIG_DFL;
        old->sa_mask = 0;
        old->sa_flags = 0;
    }
    if (sa) {
        *slot = sa->sa_handler;
        if (!installed)
            installed = SetConsoleCtrlHandler(console_event, TRUE) != 0;
    }
    return 0;
}
