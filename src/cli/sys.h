/*
 * sys.h - what the command line needs from the operating system beyond
 * ISO C and POSIX: one file per OS, chosen in CMake (sys_posix.c,
 * sys_win.c), like the library's platform layer.
 *
 * On Windows it also supplies sigaction(): console control events (Ctrl-C,
 * Ctrl-Break, closing the window) arrive as SIGINT and SIGTERM, as git's
 * compat/mingw does, so that every command handles signals in one way.
 */
#ifndef RASLEAK_CLI_SYS_H
#define RASLEAK_CLI_SYS_H

/*
 * Called first in main(): on Windows, files and standard streams in binary
 * mode (the trend file is the same bytes everywhere) and escape sequences
 * on the console for the progress line; nothing elsewhere.
 */
void cli_sys_init(void);

/* Width of the terminal on standard error, or 80. */
int cli_term_columns(void);

/* Whether `path` exists and is not a regular file (a device, a symlink). */
int cli_is_special(const char *path);

/*
 * Create and open a new file from `tmpl` ending in XXXXXX (replaced in
 * place), readable as a file created by open() with the umask would be.
 * The descriptor, or -1 with errno.
 */
int cli_mkstemp(char *tmpl);

#ifdef _WIN32
#include <signal.h>
struct sigaction {
    void (*sa_handler)(int);
    unsigned long sa_mask;  /* kept for the callers; nothing is masked */
    int sa_flags;
};
static inline int sigemptyset(unsigned long *set)
{
    *set = 0;
    return 0;
}
/* SIGINT and SIGTERM only; other signals are left to signal(). */
int sigaction(int sig, const struct sigaction *sa, struct sigaction *old);
#endif

#endif
