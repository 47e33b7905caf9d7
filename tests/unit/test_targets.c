/* Unit tests: spawned targets (src/lib/targets.c), how their end is told. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "rasleak/error.h"
#include "rasleak/targets.h"

static struct rasleak_child *spawn(const char *cmd)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    struct rasleak_child *c = NULL;
    struct rasleak_error err;
    if (rasleak_spawn(argv, &c, &err) < 0)
        fail_msg("spawn '%s': %s", cmd, err.message);
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A child that ended on its own before the stop: 1, and how it ended. */
static void test_ended_before(void **state)
{
    (void)state;
    struct rasleak_child *c = spawn("exit 3");
    sleep_ms(300);
    char how[128];
    assert_int_equal(rasleak_child_stop(c, 1000, how, sizeof how), 1);
    assert_string_equal(how, "exited with status 3");
    rasleak_child_free(c);
}

/* A child still running is stopped here: 0, by the SIGTERM sent. */
static void test_stopped_here(void **state)
{
    (void)state;
    struct rasleak_child *c = spawn("exec sleep 30");
    char how[128];
    assert_int_equal(rasleak_child_stop(c, 2000, how, sizeof how), 0);
    assert_non_null(strstr(how, "killed by signal 15"));
    rasleak_child_free(c);
}

/*
 * A child killed by someone else just before the stop may not be reapable
 * yet at the first look: it still ended before the run did (1), whenever
 * the stop finds it dead of a signal it did not send.  Many times, since
 * which look finds it depends on timing.
 */
static void test_killed_just_before(void **state)
{
    (void)state;
    for (int i = 0; i < 20; i++) {
        struct rasleak_child *c = spawn("exec sleep 30");
        sleep_ms(20);
        assert_int_equal(kill((pid_t)rasleak_child_pid(c), SIGKILL), 0);
        char how[128];
        assert_int_equal(rasleak_child_stop(c, 2000, how, sizeof how), 1);
        assert_non_null(strstr(how, "killed by signal 9"));
        rasleak_child_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ended_before),
        cmocka_unit_test(test_stopped_here),
        cmocka_unit_test(test_killed_just_before),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
