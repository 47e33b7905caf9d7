/*
 * os_posix.c - platform/os.h with POSIX clocks, nanosleep and /dev/null.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform/os.h"

double rasleak__mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rasleak__utc_now(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    char base[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    time_t secs = ts.tv_sec;
    gmtime_r(&secs, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

void rasleak__sleep_ms(double ms, volatile sig_atomic_t *stop)
{
    if (ms <= 0 || (stop && *stop))
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000.0) * 1e6)};
    /* A signal cuts it short, which is wanted: the stop flag is then set.
     * Any other interruption sleeps on for what is left. */
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        if (stop && *stop)
            break;
}

int rasleak__kobj_open(intptr_t *out, struct rasleak_error *err)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return rasleak_error_set(err, RASLEAK_EBACKEND, e, "cannot open a handle: %s",
                                 strerror(e));
    }
    *out = fd;
    return 0;
}

void rasleak__kobj_close(intptr_t h)
{
    close((int)h);
}

int rasleak__is_wine(const char **version)
{
    if (version)
        *version = NULL;
    return 0;
}
