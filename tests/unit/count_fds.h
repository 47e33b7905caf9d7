/*
 * count_fds.h - how many descriptors this process has open, for the unit
 * tests that check a backend or sampler gives back every descriptor it
 * takes.  One copy here, so that every test counts the same way.
 *
 * Header-only (static functions), like tests/fixtures/server_ctl.h: each
 * test program is a single file.  Reads /proc, so Linux only.
 */
#ifndef RASLEAK_TEST_COUNT_FDS_H
#define RASLEAK_TEST_COUNT_FDS_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

/* Open descriptors of this process, not counting the one the count opens. */
static inline long count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    long n = 0;
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;   /* the directory's own descriptor */
}

#endif
