/*
 * Unit tests: the curl backend (src/lib/backend/curl.c) against the fixture
 * server (tests/fixtures/server.c), one dial and hang-up at a time.  The
 * server's own counts say what really happened on the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rasleak/backend.h"
#include "../fixtures/server_ctl.h"
#include "count_fds.h"

static const struct rasleak_backend *be(void)
{
    const struct rasleak_backend *b = rasleak_backend_find("curl");
    assert_non_null(b);
    return b;
}

static void *open_curl(struct rasleak_kv *kv, size_t n)
{
    struct rasleak_options o = {kv, n};
    struct rasleak_error err;
    if (rasleak_options_validate(be()->options, be()->noptions, &o, "curl", &err) < 0)
        fail_msg("%s", err.message);
    void *st = NULL;
    assert_int_equal(be()->open(&st, &o, &err), 0);
    return st;
}

/* One dial; on success the hang-up too.  Returns the dial's code. */
static int cycle(void *st, uint64_t iter, struct rasleak_error *err)
{
    int rc = be()->dial(st, iter, err);
    if (rc == 0) {
        assert_int_equal(be()->open_connections(st), 1);
        struct rasleak_error e2;
        assert_int_equal(be()->hangup(st, iter, &e2), 0);
    }
    assert_int_equal(be()->open_connections(st), 0);
    return rc;
}

static void expect_has(const char *hay, const char *needle)
{
    if (!strstr(hay, needle))
        fail_msg("'%s' not in '%s'", needle, hay);
}

static void test_options(void **state)
{
    (void)state;
    struct rasleak_error err;
    struct rasleak_options none = {NULL, 0};
    assert_int_equal(rasleak_options_validate(be()->options, be()->noptions, &none, "curl", &err),
                     RASLEAK_EINVAL);
    assert_string_equal(err.message, "backend 'curl' needs option 'url' (-O url=...)");
    struct rasleak_kv bad[][2] = {
        {{"url", "http://x/"}, {"mode", "ping"}},
        {{"url", "http://x/"}, {"handle", "shared"}},
        {{"url", "http://x/"}, {"expect_status", "99"}},
        {{"url", "http://x/"}, {"timeout_ms", "-1"}},
        {{"url", "http://x/"}, {"insecure", "maybe"}},
    };
    const char *why[] = {"takes one of request|connect, not 'ping'",
                         "takes one of fresh|reuse, not 'shared'",
                         "'expect_status' must be between 100 and 599",
                         "'timeout_ms' must be between 0 and", "'insecure' takes 0 or 1"};
    for (size_t i = 0; i < 5; i++) {
        struct rasleak_options o = {bad[i], 2};
        assert_int_equal(rasleak_options_validate(be()->options, be()->noptions, &o, "curl",
                                                  &err), RASLEAK_EINVAL);
        expect_has(err.message, why[i]);
    }
    struct rasleak_kv two_headers[] = {{"url", "http://x/"}, {"header", "A: 1"},
                                       {"header", "B: 2"}};
    struct rasleak_options o = {two_headers, 3};
    assert_int_equal(rasleak_options_validate(be()->options, be()->noptions, &o, "curl", &err), 0);
}

/* Each combination: 20 cycles, each one connection the server accepted and saw closed. */
static void run_combination(const char *mode, const char *handle)
{
    struct fixture_server s;
    assert_int_equal(server_start(&s, NULL), 0);
    char url[128];
    struct rasleak_kv kv[] = {{"url", server_url(&s, "http", "/", url, sizeof url)},
                              {"mode", mode}, {"handle", handle}};
    void *st = open_curl(kv, 3);
    struct rasleak_error err;
    assert_int_equal(cycle(st, 1, &err), 0);
    long steady = count_fds();
    for (uint64_t i = 2; i <= 20; i++) {
        if (cycle(st, i, &err) != 0)
            fail_msg("%s/%s: %s", mode, handle, err.message);
        assert_int_equal(count_fds(), steady);   /* hung up: no socket left behind */
    }
    be()->close(st);
    json_t *stats = server_stop(&s);
    assert_int_equal(stat_of(stats, "accepted"), 20);    /* never a reused connection */
    assert_int_equal(stat_of(stats, "requests"), strcmp(mode, "request") == 0 ? 20 : 0);
    assert_int_equal(stat_of(stats, "open"), 0);
    json_decref(stats);
}

static void test_request_fresh(void **state) { (void)state; run_combination("request", "fresh"); }
static void test_request_reuse(void **state) { (void)state; run_combination("request", "reuse"); }
static void test_connect_fresh(void **state) { (void)state; run_combination("connect", "fresh"); }
static void test_connect_reuse(void **state) { (void)state; run_combination("connect", "reuse"); }

static void test_connect_holds_the_socket_until_hangup(void **state)
{
    (void)state;
    struct fixture_server s;
    const char *args[] = {"--mode", "tcp", NULL};
    assert_int_equal(server_start(&s, args), 0);
    char url[128];
    struct rasleak_kv kv[] = {{"url", server_url(&s, "telnet", "", url, sizeof url)},
                              {"mode", "connect"}};
    void *st = open_curl(kv, 2);
    struct rasleak_error err;
    long before = count_fds();
    assert_int_equal(be()->dial(st, 1, &err), 0);
    assert_true(count_fds() > before);              /* connected, and still so */
    assert_int_equal(be()->hangup(st, 1, &err), 0);
    assert_int_equal(count_fds(), before);
    be()->close(st);
    json_t *stats = server_stop(&s);
    assert_int_equal(stat_of(stats, "accepted"), 1);
    json_decref(stats);
}

static void test_http_status(void **state)
{
    (void)state;
    struct fixture_server s;
    const char *args[] = {"--status", "500", NULL};
    assert_int_equal(server_start(&s, args), 0);
    char url[128];
    server_url(&s, "http", "/boom", url, sizeof url);
    struct rasleak_kv kv[] = {{"url", url}, {"handle", "fresh"}, {"expect_status", "500"}};
    struct rasleak_error err;
    void *st = open_curl(kv, 2);                    /* default: below 400 */
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 22);
    assert_string_equal(err.message, "curl: (22) The requested URL returned error: 500");
    be()->close(st);
    kv[1].value = "reuse";
    st = open_curl(kv, 2);
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 22);
    be()->close(st);
    st = open_curl(kv, 3);                          /* expect_status=500: success */
    assert_int_equal(cycle(st, 1, &err), 0);
    assert_int_equal(cycle(st, 2, &err), 0);
    be()->close(st);
    json_decref(server_stop(&s));

    assert_int_equal(server_start(&s, NULL), 0);    /* 200 where 204 is expected */
    server_url(&s, "http", "/", url, sizeof url);
    kv[2].value = "204";
    st = open_curl(kv, 3);
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 22);
    char want[200];
    snprintf(want, sizeof want, "curl: (22) HTTP status 200 from '%s', expected 204", url);
    assert_string_equal(err.message, want);
    be()->close(st);
    json_decref(server_stop(&s));
}

static void test_refused_timeout_bad_url(void **state)
{
    (void)state;
    struct rasleak_error err;
    char url[128];
    int port = closed_port();
    assert_true(port > 0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    struct rasleak_kv kv[] = {{"url", url}, {"timeout_ms", "300"}};
    void *st = open_curl(kv, 1);
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 7);
    char want[100];
    snprintf(want, sizeof want, "curl: (7) Failed to connect to 127.0.0.1 port %d", port);
    expect_has(err.message, want);
    be()->close(st);

    struct fixture_server s;
    const char *slow[] = {"--delay-ms", "5000", NULL};
    assert_int_equal(server_start(&s, slow), 0);
    server_url(&s, "http", "/", url, sizeof url);
    st = open_curl(kv, 2);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(err.sys, 28);
    expect_has(err.message, "curl: (28) Operation timed out after");
    assert_true(t1.tv_sec - t0.tv_sec < 3);        /* timeout_ms, not the server, ended it */
    be()->close(st);
    json_decref(server_stop(&s));

    struct { const char *url; int code; const char *text; } bad[] = {
        {"htp://127.0.0.1/", 1, "curl: (1) Protocol \"htp\" not supported"},
        {"http://[::1/", 3, "curl: (3) "},
        {"http://no-such-host.invalid/", 6, "curl: (6) Could not resolve host: no-such-host.invalid"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rasleak_kv one[] = {{"url", bad[i].url}};
        st = open_curl(one, 1);
        assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
        assert_int_equal(err.sys, bad[i].code);
        expect_has(err.message, bad[i].text);
        be()->close(st);
    }
}

static void test_tls_is_verified_by_default(void **state)
{
    (void)state;
    struct fixture_server s;
    assert_int_equal(server_start(&s, NULL), 0);
    char url[128];
    /* https to a plain-HTTP server: the handshake fails whatever the verification */
    struct rasleak_kv kv[] = {{"url", server_url(&s, "https", "/", url, sizeof url)},
                              {"insecure", "1"}};
    struct rasleak_error err;
    void *st = open_curl(kv, 2);
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 35);
    expect_has(err.message, "curl: (35) ");
    be()->close(st);
    json_decref(server_stop(&s));
}

static void test_headers(void **state)
{
    (void)state;
    struct fixture_server s;
    const char *args[] = {"--require-header", "X-Rasleak: yes", NULL};
    assert_int_equal(server_start(&s, args), 0);
    char url[128];
    struct rasleak_kv kv[] = {{"url", server_url(&s, "http", "/", url, sizeof url)},
                              {"header", "X-Other: 1"}, {"header", "X-Rasleak: yes"}};
    struct rasleak_error err;
    void *st = open_curl(kv, 2);                    /* without the header: 403 */
    assert_int_equal(cycle(st, 1, &err), RASLEAK_EBACKEND);
    assert_string_equal(err.message, "curl: (22) The requested URL returned error: 403");
    be()->close(st);
    st = open_curl(kv, 3);                          /* both headers sent */
    assert_int_equal(cycle(st, 1, &err), 0);
    be()->close(st);
    struct rasleak_kv reuse[] = {kv[0], kv[1], kv[2], {"handle", "reuse"}};
    st = open_curl(reuse, 4);                       /* and again after curl_easy_reset */
    assert_int_equal(cycle(st, 1, &err), 0);
    assert_int_equal(cycle(st, 2, &err), 0);
    be()->close(st);
    json_decref(server_stop(&s));
}

/* Requests that carried a cookie back, out of 10. */
static long long cookies_sent(const char *handle, const char *cookies)
{
    struct fixture_server s;
    const char *args[] = {"--set-cookie", NULL};
    assert_int_equal(server_start(&s, args), 0);
    char url[128];
    struct rasleak_kv kv[] = {{"url", server_url(&s, "http", "/", url, sizeof url)},
                              {"handle", handle}, {"cookies", cookies}};
    void *st = open_curl(kv, 3);
    struct rasleak_error err;
    for (uint64_t i = 1; i <= 10; i++)
        assert_int_equal(cycle(st, i, &err), 0);
    be()->close(st);
    json_t *stats = server_stop(&s);
    long long n = stat_of(stats, "requests_with_cookie");
    assert_int_equal(stat_of(stats, "requests"), 10);
    json_decref(stats);
    return n;
}

static void test_cookies(void **state)
{
    (void)state;
    /* A fresh handle forgets its cookies; without the engine none are kept.
     * handle=reuse with cookies=1 (the cookies survive curl_easy_reset) is
     * tested end to end in tests/cli: libcurl before 8.0.0 leaks there. */
    assert_int_equal(cookies_sent("reuse", "0"), 0);
    assert_int_equal(cookies_sent("fresh", "1"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_request_fresh),
        cmocka_unit_test(test_request_reuse),
        cmocka_unit_test(test_connect_fresh),
        cmocka_unit_test(test_connect_reuse),
        cmocka_unit_test(test_connect_holds_the_socket_until_hangup),
        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_refused_timeout_bad_url),
        cmocka_unit_test(test_tls_is_verified_by_default),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_cookies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
