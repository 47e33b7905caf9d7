/*
 * scratch.h - the scratch file of a unit test program whose tests each
 * write a file and read it back: made empty before every test and removed
 * after it, so that no test reads what another left.  One copy here, so
 * that the programs that need one make and remove it the same way.
 *
 * Header-only (static functions), like tests/fixtures/server_ctl.h: each
 * test program is a single file.  RASLEAK_TEST_NAME, the module's name (a
 * compile definition of every unit test), names the file.
 *
 *   cmocka_unit_test_setup_teardown(test_x, scratch_setup, scratch_teardown)
 */
#ifndef RASLEAK_TEST_SCRATCH_H
#define RASLEAK_TEST_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The scratch file's path, set by scratch_setup. */
static char scratch_path[64];

static inline int scratch_setup(void **state)
{
    (void)state;
    snprintf(scratch_path, sizeof scratch_path, "/tmp/rasleak-test-%s-XXXXXX", RASLEAK_TEST_NAME);
    close(mkstemp(scratch_path));
    return 0;
}

static inline int scratch_teardown(void **state)
{
    (void)state;
    unlink(scratch_path);
    return 0;
}

#endif
