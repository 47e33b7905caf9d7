/*
 * platform/os.h - what the library needs from the operating system beyond
 * ISO C: a monotonic clock, the wall clock, sleeping, and a kernel object
 * to leak on purpose.
 *
 * One implementation per operating system, chosen in CMake (os_posix.c,
 * os_win.c), like libuv's src/unix and src/win, so that the driver and the
 * backends have no #ifdef.  Internal to the library.
 */
#ifndef RASLEAK_PLATFORM_OS_H
#define RASLEAK_PLATFORM_OS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "rasleak/error.h"

/* Seconds on a monotonic clock from an arbitrary origin. */
double rasleak__mono_s(void);

/*
 * The current UTC time as RFC 3339 with milliseconds,
 * "2024-05-01T12:00:00.123Z", into buf.
 */
void rasleak__utc_now(char *buf, size_t len);

/*
 * Sleep for `ms` milliseconds, returning early once *stop is set (stop may
 * be NULL).  On POSIX a signal also cuts the sleep short; on Windows the
 * console handler runs on another thread, so the sleep is taken in short
 * slices that look at *stop.
 */
void rasleak__sleep_ms(double ms, volatile sig_atomic_t *stop);

/*
 * A real kernel object that counts as one handle of this process: a
 * descriptor of the null device on POSIX, an event on Windows.  Returns 0
 * and the object in *out, or RASLEAK_EBACKEND with the system's reason
 * (EMFILE, ...) in err.  Give it back with rasleak__kobj_close().
 */
int rasleak__kobj_open(intptr_t *out, struct rasleak_error *err);
void rasleak__kobj_close(intptr_t h);

/*
 * Whether this process runs under Wine, whose stubs of some Windows APIs
 * return made-up values or abort the process.  *version (may be NULL) is
 * set to Wine's version text.  Always 0 on POSIX.
 */
int rasleak__is_wine(const char **version);

#endif
