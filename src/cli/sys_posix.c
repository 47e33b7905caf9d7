/*
 * sys_posix.c - sys.h on POSIX systems.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"

void cli_sys_init(void)
{
}

int cli_term_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

int cli_is_special(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

int cli_mkstemp(char *tmpl)
{
    int fd = mkstemp(tmpl);
    if (fd >= 0) {
        /* mkstemp makes it 0600; a report is as readable as any output. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    return fd;
}
