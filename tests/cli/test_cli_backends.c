/*
 * CLI tests of the curl and plugin backends: the real rasleak binary
 * against the fixture server (tests/fixtures/server.c) and the fixture
 * plugins.  RASLEAK_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99 ...")
 * runs every rasleak invocation under a tool.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "rasleak_config.h"
#ifdef RASLEAK_HAVE_CURL
#include <curl/curl.h>
#endif
#include "../fixtures/server_ctl.h"
#include "cli_util.h"

static char dir[64];
static char out_path[128], err_path[128], trend[128];
/* "NAME=VALUE" set in the environment of the next rasleak only, or NULL. */
static const char *child_env;

static int setup(void **state)
{
    (void)state;
    return cli_make_dir("cli-be", 0700, dir, out_path, err_path, trend);
}

static int teardown(void **state)
{
    (void)state;
    return cli_remove_dir(dir);
}

/* Run rasleak with `args` (NULL-terminated); stdout/stderr to files; the exit code. */
static int run_args(const char *const *args)
{
    struct cli_proc p = {.dir = dir, .out = out_path, .err = err_path, .uid = -1, .env = child_env};
    fflush(NULL);
    return cli_wait(cli_start(&p, RASLEAK_BIN, args));
}

#define RUN(...) run_args((const char *const[]){__VA_ARGS__, NULL})

static const char *verdict_of(json_t *s)
{
    return json_string_value(json_object_get(s, "verdict"));
}

static int listed(const char *const *list, const char *id)
{
    for (size_t k = 0; list && list[k]; k++)
        if (strcmp(list[k], id) == 0)
            return 1;
    return 0;
}

/*
 * Every series is no_leak, except target/metric pairs listed in `leaking`
 * ("self/handles", ...), which must be leaks, and those in `unsure`, which
 * may also be inconclusive but never a leak.  Returns how many series.
 */
static size_t expect_verdicts(json_t *a, const char *const *leaking, const char *const *unsure)
{
    size_t i, nleak = 0;
    json_t *s;
    json_array_foreach(json_object_get(a, "series"), i, s) {
        char id[128];
        snprintf(id, sizeof id, "%s/%s", json_string_value(json_object_get(s, "target")),
                 json_string_value(json_object_get(s, "metric")));
        int want_leak = listed(leaking, id);
        const char *v = verdict_of(s);
        int ok = strcmp(v, want_leak ? "leak" : "no_leak") == 0 ||
                 (!want_leak && listed(unsure, id) && strcmp(v, "inconclusive") == 0);
        if (!ok)
            fail_msg("series %s: verdict %s (%s), expected %s", id, v,
                     json_string_value(json_object_get(s, "reason")),
                     want_leak ? "leak" : "no_leak");
        nleak += want_leak;
    }
    size_t want = 0;
    while (leaking && leaking[want])
        want++;
    assert_int_equal(nleak, want);
    return i;
}

static size_t expect_only_leaks(json_t *a, const char *const *leaking)
{
    return expect_verdicts(a, leaking, NULL);
}

/* The first event record of a trend file, or NULL. */
static json_t *first_event(const char *p)
{
    char *s = cli_slurp(p), *save = NULL;
    json_t *found = NULL;
    for (char *line = strtok_r(s, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && strcmp(json_string_value(json_object_get(j, "type")), "event") == 0)
            found = j;
        else
            json_decref(j);
    }
    free(s);
    return found;
}

/* ---- listing --------------------------------------------------------------- */

static void test_backends_listing(void **state)
{
    (void)state;
    assert_int_equal(RUN("backends"), 0);
#ifdef RASLEAK_HAVE_CURL
    const char *curl_words[] = {"\ncurl\n", "-O url", "(required)", "request|connect",
                                "fresh|reuse", "-O timeout_ms", "(default 10000)", "-O insecure",
                                "-O header", "(repeatable)", "-O cookies", "-O expect_status"};
    for (size_t i = 0; i < sizeof curl_words / sizeof curl_words[0]; i++)
        cli_expect_in(out_path, curl_words[i]);
#endif
    cli_expect_in(out_path, "\nplugin\n");
    cli_expect_in(out_path, "-O path");
    cli_expect_in(out_path, "passed to the plugin's open()");
}

/* ---- curl ------------------------------------------------------------------- */

#ifdef RASLEAK_HAVE_CURL
/* 2,000 iterations against the non-leaking fixture: rasleak's own libcurl use is clean. */
static void curl_clean(const char *mode, const char *handle)
{
    struct fixture_server s;
    assert_int_equal(server_start(&s, NULL), 0);
    char url[128], o_url[160], o_mode[32], o_handle[32];
    server_url(&s, "http", "/", url, sizeof url);
    snprintf(o_url, sizeof o_url, "url=%s", url);
    snprintf(o_mode, sizeof o_mode, "mode=%s", mode);
    snprintf(o_handle, sizeof o_handle, "handle=%s", handle);
    int rc = RUN("run", "-b", "curl", "-O", o_url, "-O", o_mode, "-O", o_handle, "-n", "2000",
                 "-o", trend, "--json", "-q");
    json_t *stats = server_stop(&s);
    json_t *a = cli_load_json(out_path, err_path);
    /* libcurl's own allocations over 2,000 iterations: on a loaded machine
     * the heap can show a significant trend whose interval reaches zero,
     * which is inconclusive (exit 0); it must never be called a leak. */
    static const char *const unsure[] = {"self/heap_bytes", NULL};
    size_t nseries = expect_verdicts(a, NULL, unsure);
    assert_true(nseries >= 5);
    assert_int_equal(rc, 0);
    assert_string_not_equal(verdict_of(a), "leak");
    json_t *run = json_object_get(a, "run");
    assert_int_equal(json_integer_value(json_object_get(run, "dial_failures")), 0);
    assert_int_equal(json_integer_value(json_object_get(run, "iterations_done")), 2000);
    json_decref(a);
    json_t *sum = cli_summary(trend);
    assert_string_equal(json_string_value(json_object_get(sum, "stop_reason")), "completed");
    assert_int_equal(json_integer_value(json_object_get(sum, "connections_left_open")), 0);
    json_decref(sum);
    /* every iteration was its own connection, and every one was closed */
    assert_int_equal(stat_of(stats, "accepted"), 2000);
    assert_int_equal(stat_of(stats, "requests"), strcmp(mode, "request") == 0 ? 2000 : 0);
    assert_int_equal(stat_of(stats, "open"), 0);
    json_decref(stats);
}

static void test_curl_request_fresh(void **state) { (void)state; curl_clean("request", "fresh"); }
static void test_curl_request_reuse(void **state) { (void)state; curl_clean("request", "reuse"); }
static void test_curl_connect_fresh(void **state) { (void)state; curl_clean("connect", "fresh"); }
static void test_curl_connect_reuse(void **state) { (void)state; curl_clean("connect", "reuse"); }

/* A run whose every dial fails: max_failures after 5, each an event with libcurl's words. */
static void expect_failing_run(const char *url, const char *timeout, int code,
                               const char *message)
{
    char o_url[200], o_timeout[40];
    snprintf(o_url, sizeof o_url, "url=%s", url);
    snprintf(o_timeout, sizeof o_timeout, "timeout_ms=%s", timeout);
    assert_int_equal(RUN("run", "-b", "curl", "-O", o_url, "-O", o_timeout, "-n", "100",
                         "--max-failures", "5", "-o", trend, "--force"), 0);
    json_t *sum = cli_summary(trend);
    assert_string_equal(json_string_value(json_object_get(sum, "stop_reason")), "max_failures");
    assert_int_equal(json_integer_value(json_object_get(sum, "dial_failures")), 5);
    assert_int_equal(json_integer_value(json_object_get(sum, "iterations_done")), 5);
    assert_int_equal(json_integer_value(json_object_get(sum, "connections_left_open")), 0);
    json_decref(sum);
    json_t *ev = first_event(trend);
    assert_non_null(ev);
    assert_string_equal(json_string_value(json_object_get(ev, "kind")), "dial_failed");
    assert_int_equal(json_integer_value(json_object_get(ev, "code")), code);
    const char *msg = json_string_value(json_object_get(ev, "message"));
    if (!strstr(msg, message))
        fail_msg("'%s' not in '%s'", message, msg);
    json_decref(ev);
    cli_expect_in(err_path, "stopped: max_failures");
    char first[300];
    snprintf(first, sizeof first, "dial failed 5 times, first at iteration 1: %s", message);
    cli_expect_in(out_path, first);
}

static void test_curl_failures(void **state)
{
    (void)state;
    char url[128], want[160];
    int port = closed_port();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    snprintf(want, sizeof want, "curl: (7) Failed to connect to 127.0.0.1 port %d", port);
    expect_failing_run(url, "1000", 7, want);

    struct fixture_server s;
    const char *slow[] = {"--delay-ms", "10000", NULL};
    assert_int_equal(server_start(&s, slow), 0);
    /* libcurl words it by phase ("Operation timed out after ...", or
     * "Connection time-out" when a slow start, as under valgrind, makes the
     * connect itself late): the code is what is certain. */
    expect_failing_run(server_url(&s, "http", "/", url, sizeof url), "100", 28, "curl: (28) ");
    json_decref(server_stop(&s));

    expect_failing_run("htp://127.0.0.1/", "1000", 1, "curl: (1) Protocol \"htp\" not supported");

    const char *err500[] = {"--status", "500", NULL};
    assert_int_equal(server_start(&s, err500), 0);
    expect_failing_run(server_url(&s, "http", "/", url, sizeof url), "1000", 22,
                       "curl: (22) The requested URL returned error: 500");
    json_t *stats = server_stop(&s);
    assert_int_equal(stat_of(stats, "requests"), 5);
    json_decref(stats);
}

/*
 * handle=reuse with cookies=1: the cookies survive curl_easy_reset (the
 * server gets them back), and libcurl before 8.0.0 leaks the cookie-file
 * list that CURLOPT_COOKIEFILE builds, at every reset (curl/curl#10694,
 * fixed by #10709).  rasleak must show that leak, not hide it.
 */
static void test_curl_reuse_cookies(void **state)
{
    (void)state;
    /* The leak is libcurl's own; under valgrind it is (rightly) an error
     * of the run, which the gcc and sanitizer stages already pin down. */
    if (cli_wrapped())
        skip();
    struct fixture_server s;
    const char *args[] = {"--set-cookie", NULL};
    assert_int_equal(server_start(&s, args), 0);
    char url[128], o_url[160];
    snprintf(o_url, sizeof o_url, "url=%s", server_url(&s, "http", "/", url, sizeof url));
    /* Under LeakSanitizer the leak is expected: tests/lsan-libcurl.supp, this run only. */
    child_env = "LSAN_OPTIONS=suppressions=" LSAN_LIBCURL_SUPP ":print_suppressions=0";
    int rc = RUN("run", "-b", "curl", "-O", o_url, "-O", "handle=reuse", "-O", "cookies=1", "-n",
                 "1500", "-o", trend, "--json", "-q");
    child_env = NULL;
    json_t *stats = server_stop(&s);
    assert_int_equal(stat_of(stats, "requests"), 1500);
    assert_int_equal(stat_of(stats, "requests_with_cookie"), 1499);
    json_decref(stats);
    json_t *a = cli_load_json(out_path, err_path);
    if (curl_version_info(CURLVERSION_NOW)->version_num < 0x080000) {
        assert_int_equal(rc, 1);
        assert_string_equal(verdict_of(a), "leak");
        json_t *heap = cli_series(a, "self", "heap_bytes");
        double slope = json_number_value(json_object_get(heap, "slope_per_iter"));
        assert_true(slope >= 17 && slope <= 256);   /* a list node and "" per reset */
        /* Which memory series crosses the growth threshold depends on the
         * allocator: glibc's 64-byte chunks show in heap_bytes; AddressSanitizer
         * counts the 17 bytes asked for, and its redzones show in rss_bytes. */
        assert_true(strcmp(verdict_of(heap), "leak") == 0 ||
                    strcmp(verdict_of(cli_series(a, "self", "rss_bytes")), "leak") == 0);
        assert_string_equal(verdict_of(cli_series(a, "self", "handles")), "no_leak");
    } else {
        assert_int_equal(rc, 0);
        expect_only_leaks(a, NULL);
    }
    json_decref(a);
}

static void test_curl_usage_errors(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-b", "curl", "-o", trend), 2);
    cli_expect_in(err_path, "backend 'curl' needs option 'url' (-O url=...)");
    assert_int_equal(RUN("run", "-b", "curl", "-O", "url=http://x/", "-O", "mode=ping", "-o",
                         trend), 2);
    cli_expect_in(err_path, "option 'mode' takes one of request|connect, not 'ping'");
    struct stat st;
    assert_int_equal(stat(trend, &st), -1);
}
#endif

/* ---- plugins ---------------------------------------------------------------- */

static void test_plugin_flags_exactly_the_leak(void **state)
{
    (void)state;
    const char *path = "path=" PLUGIN_LEAKY;
    /* objects left alive: never in RSS, only in the plugin's own metric */
    assert_int_equal(RUN("run", "-b", "plugin", "-O", path, "-O", "leak_objects=1", "-n", "600",
                         "-o", trend, "--force", "--json", "-q"), 1);
    json_t *a = cli_load_json(out_path, err_path);
    const char *objects[] = {"leaky/objects_alive", NULL};
    assert_true(expect_only_leaks(a, objects) >= 8);
    json_t *s = cli_series(a, "leaky", "objects_alive");
    assert_true(fabs(json_number_value(json_object_get(s, "slope_per_iter")) - 1.0) < 1e-9);
    json_decref(a);

    assert_int_equal(RUN("run", "-b", "plugin", "-O", path, "-O", "leak_handles=1", "-n", "600",
                         "-o", trend, "--force", "--json", "-q"), 1);
    a = cli_load_json(out_path, err_path);
    const char *handles[] = {"self/handles", NULL};
    expect_only_leaks(a, handles);
    s = cli_series(a, "self", "handles");
    assert_true(fabs(json_number_value(json_object_get(s, "slope_per_iter")) - 1.0) < 0.01);
    json_decref(a);

    assert_int_equal(RUN("run", "-b", "plugin", "-O", path, "-O", "leak_bytes=8192", "-n", "600",
                         "-o", trend, "--force", "--json", "-q"), 1);
    a = cli_load_json(out_path, err_path);
    if (cli_wrapped()) {
        /* valgrind's malloc keeps no glibc books: not available, not 0 */
        assert_null(cli_find_series(a, "self", "heap_bytes"));
    } else {
        s = cli_series(a, "self", "heap_bytes");
        assert_string_equal(verdict_of(s), "leak");
        double slope = json_number_value(json_object_get(s, "slope_per_iter"));
        assert_true(slope >= 8192 && slope < 8192 * 1.1);
    }
    assert_string_equal(verdict_of(cli_series(a, "self", "rss_bytes")), "leak");
    assert_string_equal(verdict_of(cli_series(a, "self", "handles")), "no_leak");
    assert_string_equal(verdict_of(cli_series(a, "leaky", "objects_alive")), "no_leak");
    json_decref(a);

    /* and nothing leaks when nothing is asked to */
    assert_int_equal(RUN("run", "-b", "plugin", "-O", path, "-n", "600", "-o", trend, "--force",
                         "--json", "-q"), 0);
    a = cli_load_json(out_path, err_path);
    expect_only_leaks(a, NULL);
    json_decref(a);
}

static void test_broken_plugins_exit_4(void **state)
{
    (void)state;
    struct { const char *path, *message; } cases[] = {
        {"path=./missing.so", "backend 'plugin' failed to open: cannot load './missing.so': "},
        {"path=" BROKEN_NO_SYMBOL, "' has no symbol rasleak_plugin_entry"},
        {"path=" BROKEN_ABI, "' speaks plugin ABI version 7, this rasleak speaks 1"},
        {"path=" BROKEN_NULL_CONNECT, "has no connect function"},
        {"path=" BROKEN_NULL_ENTRY, "rasleak_plugin_entry() returned NULL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(RUN("run", "-b", "plugin", "-O", cases[i].path, "-n", "10", "-o", trend),
                         4);
        cli_expect_in(err_path, "backend 'plugin' failed to open: ");
        cli_expect_in(err_path, cases[i].message);
        struct stat st;
        assert_int_equal(stat(trend, &st), -1);   /* no file without a run */
    }
    assert_int_equal(RUN("run", "-b", "plugin", "-O", "path=" PLUGIN_LEAKY, "-O", "fail_open=1",
                         "-o", trend), 4);
    cli_expect_in(err_path, "backend 'plugin' failed to open: plugin 'leaky' failed to open: "
                        "told to fail (fail_open=1)");
    assert_int_equal(RUN("run", "-b", "plugin", "-O", "leak_bytes=1", "-o", trend), 2);
    cli_expect_in(err_path, "backend 'plugin' needs option 'path' (-O path=...)");
}

static void test_plugin_dial_failures(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-b", "plugin", "-O", "path=" PLUGIN_LEAKY, "-O",
                         "fail_connect_after=40", "-n", "100", "--max-failures", "3", "-o", trend,
                         "-q", "--no-analyze"), 0);
    json_t *sum = cli_summary(trend);
    assert_string_equal(json_string_value(json_object_get(sum, "stop_reason")), "max_failures");
    assert_int_equal(json_integer_value(json_object_get(sum, "iterations_done")), 42);
    json_decref(sum);
    json_t *ev = first_event(trend);
    assert_int_equal(json_integer_value(json_object_get(ev, "iter")), 40);
    assert_int_equal(json_integer_value(json_object_get(ev, "code")), 111);
    assert_string_equal(json_string_value(json_object_get(ev, "message")),
                        "connection refused by the test plugin (call 40)");
    json_decref(ev);
}

static void test_example_plugin(void **state)
{
    (void)state;
    struct fixture_server s;
    const char *tcp[] = {"--mode", "tcp", NULL};
    assert_int_equal(server_start(&s, tcp), 0);
    char port[32];
    snprintf(port, sizeof port, "port=%d", s.port);
    assert_int_equal(RUN("run", "-b", "plugin", "-O", "path=" PLUGIN_EXAMPLE, "-O", port, "-n",
                         "500", "-o", trend, "--json", "-q"), 0);
    json_t *a = cli_load_json(out_path, err_path);
    expect_only_leaks(a, NULL);
    json_decref(a);
    /* its deliberate bug, every 2nd socket kept: both views see it */
    assert_int_equal(RUN("run", "-b", "plugin", "-O", "path=" PLUGIN_EXAMPLE, "-O", port, "-O",
                         "leak_every=2", "-n", "500", "-o", trend, "--force", "--json", "-q"), 1);
    a = cli_load_json(out_path, err_path);
    const char *both[] = {"self/handles", "tcp/open_sockets", NULL};
    expect_only_leaks(a, both);
    assert_true(fabs(json_number_value(json_object_get(cli_series(a, "tcp", "open_sockets"),
                                                       "slope_per_iter")) - 0.5) < 0.01);
    json_decref(a);
    json_t *stats = server_stop(&s);
    assert_int_equal(stat_of(stats, "accepted"), 1000);
    json_decref(stats);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_backends_listing),
#ifdef RASLEAK_HAVE_CURL
        T(test_curl_request_fresh), T(test_curl_request_reuse), T(test_curl_connect_fresh),
        T(test_curl_connect_reuse), T(test_curl_failures), T(test_curl_reuse_cookies),
        T(test_curl_usage_errors),
#endif
        T(test_plugin_flags_exactly_the_leak), T(test_broken_plugins_exit_4),
        T(test_plugin_dial_failures), T(test_example_plugin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
