/*
 * Unit tests: the plugin backend (src/lib/backend/plugin.c) and the
 * catch-all option entry it relies on (RASLEAK_OPTF_ANY in options.c).
 * The plugins are built from tests/fixtures/; their paths are compile
 * definitions.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rasleak/plugin.h"
#include "rasleak/run.h"
#include "rasleak/trend.h"
#include "count_fds.h"

static const struct rasleak_backend *be(void)
{
    const struct rasleak_backend *b = rasleak_backend_find("plugin");
    assert_non_null(b);
    return b;
}

static int validate(struct rasleak_kv *kv, size_t n, struct rasleak_error *err)
{
    struct rasleak_options o = {kv, n};
    return rasleak_options_validate(be()->options, be()->noptions, &o, "plugin", err);
}

/* Open the plugin backend with these options; returns the code, state in *st. */
static int open_with(struct rasleak_kv *kv, size_t n, void **st, struct rasleak_error *err)
{
    rasleak_error_clear(err);
    assert_int_equal(validate(kv, n, err), 0);
    struct rasleak_options o = {kv, n};
    *st = NULL;
    return be()->open(st, &o, err);
}

static void expect_open_error(struct rasleak_kv *kv, size_t n, int code, const char *needle)
{
    void *st;
    struct rasleak_error err;
    int rc = open_with(kv, n, &st, &err);
    assert_int_equal(rc, code);
    assert_null(st);
    if (!strstr(err.message, needle))
        fail_msg("'%s' not in '%s'", needle, err.message);
}

/* ---- options -------------------------------------------------------------- */

static void test_catch_all_options(void **state)
{
    (void)state;
    struct rasleak_error err;
    /* every key is accepted, repeats too, but path is still required */
    struct rasleak_kv ok[] = {{"path", "x.so"}, {"anything", "1"}, {"anything", "2"},
                              {"server", "a b c"}};
    assert_int_equal(validate(ok, 4, &err), 0);
    struct rasleak_kv nopath[] = {{"anything", "1"}};
    assert_int_equal(validate(nopath, 1, &err), RASLEAK_EINVAL);
    assert_string_equal(err.message, "backend 'plugin' needs option 'path' (-O path=...)");
    struct rasleak_kv twopaths[] = {{"path", "a"}, {"path", "b"}};
    assert_int_equal(validate(twopaths, 2, &err), RASLEAK_EINVAL);
    assert_non_null(strstr(err.message, "option 'path' given more than once"));
    /* a table without a catch-all still refuses unknown keys */
    const struct rasleak_backend *mock = rasleak_backend_find("mock");
    struct rasleak_kv bogus[] = {{"anything", "1"}};
    struct rasleak_options o = {bogus, 1};
    assert_int_equal(rasleak_options_validate(mock->options, mock->noptions, &o, "mock", &err),
                     RASLEAK_EINVAL);
    assert_non_null(strstr(err.message, "backend 'mock' has no option 'anything'"));
    /* a catch-all never answers for a key of its own table: the typed entry checks it */
    static const struct rasleak_option_spec t[] = {
        {"n", RASLEAK_OPT_INT, "1", 0, 10, NULL, 0, "typed"},
        {"*", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_ANY | RASLEAK_OPTF_REQUIRED, ""},
    };
    struct rasleak_kv badn[] = {{"n", "11"}};
    o = (struct rasleak_options){badn, 1};
    assert_int_equal(rasleak_options_validate(t, 2, &o, "t", &err), RASLEAK_EINVAL);
    assert_non_null(strstr(err.message, "option 'n' must be between 0 and 10"));
    o = (struct rasleak_options){NULL, 0};   /* a catch-all is never required */
    assert_int_equal(rasleak_options_validate(t, 2, &o, "t", &err), 0);
    assert_null(rasleak_opt_get(&o, t, 2, "*"));
}

/* ---- loading ------------------------------------------------------------- */

static void test_missing_file(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"path", "./no-such-plugin.so"}};
    expect_open_error(kv, 1, RASLEAK_ENOENT, "cannot load './no-such-plugin.so': ");
    expect_open_error(kv, 1, RASLEAK_ENOENT, "No such file or directory");
    /* a file that is not a library at all */
    struct rasleak_kv notlib[] = {{"path", "/etc/hostname"}};
    expect_open_error(notlib, 1, RASLEAK_ENOENT, "cannot load '/etc/hostname': ");
}

static void test_broken_plugins(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"path", BROKEN_NO_SYMBOL}};
    char want[512];
    snprintf(want, sizeof want, "'%s' has no symbol rasleak_plugin_entry", BROKEN_NO_SYMBOL);
    expect_open_error(kv, 1, RASLEAK_ENOENT, want);

    kv[0].value = BROKEN_ABI;
    snprintf(want, sizeof want, "'%s' speaks plugin ABI version 7, this rasleak speaks 1",
             BROKEN_ABI);
    expect_open_error(kv, 1, RASLEAK_EINVAL, want);

    kv[0].value = BROKEN_NULL_CONNECT;
    expect_open_error(kv, 1, RASLEAK_EINVAL,
                      "plugin 'broken' in '" BROKEN_NULL_CONNECT "' has no connect function");

    kv[0].value = BROKEN_NULL_ENTRY;
    expect_open_error(kv, 1, RASLEAK_EINVAL, "rasleak_plugin_entry() returned NULL");

    kv[0].value = BROKEN_NAME;
    expect_open_error(kv, 1, RASLEAK_EINVAL, "plugin name 'has space' is not usable");
}

static void test_open_failure_and_options(void **state)
{
    (void)state;
    struct rasleak_kv fail[] = {{"path", PLUGIN_LEAKY}, {"fail_open", "1"}};
    expect_open_error(fail, 2, RASLEAK_EBACKEND,
                      "plugin 'leaky' failed to open: told to fail (fail_open=1)");
    /* every option but path reaches open(), in order: the plugin names the unknown one */
    struct rasleak_kv unknown[] = {{"path", PLUGIN_LEAKY}, {"leak_objects", "1"},
                                   {"bogus", "x"}};
    expect_open_error(unknown, 3, RASLEAK_EBACKEND,
                      "plugin 'leaky' failed to open: unknown option 'bogus'");
}

/* ---- running ------------------------------------------------------------- */

static void cycle(void *st, uint64_t iter)
{
    struct rasleak_error err;
    assert_int_equal(be()->dial(st, iter, &err), 0);
    assert_int_equal(be()->open_connections(st), 1);
    assert_int_equal(be()->hangup(st, iter, &err), 0);
}

static double metric(const struct rasleak_backend_metric *m, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(m[i].name, name) == 0)
            return m[i].value;
    fail_msg("no metric '%s'", name);
    return NAN;
}

static void test_metrics_and_leaks(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"path", PLUGIN_LEAKY}, {"leak_objects", "2"},
                              {"leak_handles", "1"}};
    void *st;
    struct rasleak_error err;
    long before = count_fds();
    assert_int_equal(open_with(kv, 3, &st, &err), 0);
    assert_string_equal(be()->metrics_target(st), "leaky");
    for (uint64_t i = 1; i <= 25; i++)
        cycle(st, i);
    assert_int_equal(be()->open_connections(st), 0);
    assert_int_equal(count_fds() - before, 25);     /* one real descriptor per connect */
    struct rasleak_backend_metric m[64];
    int n = be()->metrics(st, m, 64);
    assert_int_equal(n, 3);
    assert_true(metric(m, n, "objects_alive") == 50.0);
    assert_true(metric(m, n, "sessions_open") == 0.0);
    assert_true(metric(m, n, "pool_bytes") == 65536.0);
    be()->close(st);
    assert_int_equal(count_fds(), before);          /* close() released them */
}

static void test_metric_set_is_fixed(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"path", PLUGIN_LEAKY}, {"name_changes", "1"}};
    void *st;
    struct rasleak_error err;
    assert_int_equal(open_with(kv, 2, &st, &err), 0);
    struct rasleak_backend_metric m[64];
    assert_int_equal(be()->metrics(st, m, 64), 3);
    const char *first = m[0].name;
    cycle(st, 1);
    /* the plugin now reports 5 entries: a new name, an empty one, a negative value */
    assert_int_equal(be()->metrics(st, m, 64), 3);
    assert_ptr_equal(m[0].name, first);             /* rasleak's copy, stable */
    assert_string_equal(m[0].name, "objects_alive");
    assert_string_equal(m[2].name, "pool_bytes");
    assert_true(isnan(m[2].value));                 /* -1 is "not available" */
    assert_true(m[0].value == 0.0);
    /* the driver's `max` is honoured */
    assert_int_equal(be()->metrics(st, m, 2), 2);
    be()->close(st);
}

static void test_connect_and_disconnect_failures(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"path", PLUGIN_LEAKY}, {"fail_connect_after", "3"},
                              {"fail_disconnect", "1"}};
    void *st;
    struct rasleak_error err;
    assert_int_equal(open_with(kv, 3, &st, &err), 0);
    assert_int_equal(be()->dial(st, 1, &err), 0);
    assert_int_equal(be()->hangup(st, 1, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 5);
    assert_string_equal(err.message, "disconnect failed on purpose");
    assert_int_equal(be()->open_connections(st), 0);   /* asked to end: ended */
    assert_int_equal(be()->dial(st, 2, &err), 0);
    be()->hangup(st, 2, &err);
    assert_int_equal(be()->dial(st, 3, &err), RASLEAK_EBACKEND);
    assert_int_equal(err.sys, 111);                     /* the plugin's number */
    assert_string_equal(err.message, "connection refused by the test plugin (call 3)");
    assert_int_equal(be()->open_connections(st), 0);
    be()->close(st);
}

/* A whole run into a trend file; returns rasleak_run's code. */
static int run_to(const char *path, struct rasleak_kv *kv, size_t n, uint64_t iters,
                  struct rasleak_run_result *res, struct rasleak_error *err)
{
    FILE *fp = fopen(path, "w");
    struct rasleak_trend_writer *w;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, path, RASLEAK_TREND_JSONL, err), 0);
    struct rasleak_run_config cfg = {
        be(), {kv, n}, iters, iters / 10, 0, 1, 10, 0, w, NULL, NULL, NULL,
    };
    int rc = rasleak_run(&cfg, res, err);
    rasleak_trend_writer_free(w);
    fclose(fp);
    return rc;
}

static void test_run_writes_plugin_target(void **state)
{
    (void)state;
    char path[] = "/tmp/rasleak-test-plugin-XXXXXX";
    close(mkstemp(path));
    struct rasleak_kv kv[] = {{"path", PLUGIN_LEAKY}, {"leak_objects", "1"}, {"tag", "a"},
                              {"tag", "b"}};
    /* "tag" is not the plugin's: it fails to open, and the driver says which backend */
    struct rasleak_run_result res;
    struct rasleak_error err;
    assert_int_equal(run_to(path, kv, 4, 50, &res, &err), RASLEAK_EBACKEND);
    assert_string_equal(err.message,
                        "backend 'plugin' failed to open: plugin 'leaky' failed to open: "
                        "unknown option 'tag'");

    struct rasleak_kv good[] = {{"path", PLUGIN_LEAKY}, {"leak_objects", "1"},
                                {"leak_bytes", "0"}, {"leak_bytes", "0"}};
    assert_int_equal(run_to(path, good, 4, 50, &res, &err), 0);
    assert_int_equal(res.iterations_done, 50);
    struct rasleak_trend_reader *r;
    assert_int_equal(rasleak_trend_open(&r, path, &err), 0);
    json_t *h = rasleak_trend_header(r);
    json_t *opts = json_object_get(json_object_get(h, "backend"), "options");
    assert_string_equal(json_string_value(json_object_get(opts, "path")), PLUGIN_LEAKY);
    assert_string_equal(json_string_value(json_object_get(opts, "leak_objects")), "1");
    assert_int_equal(json_array_size(json_object_get(opts, "leak_bytes")), 2);   /* repeated */
    assert_null(json_object_get(opts, "*"));
    json_t *targets = json_object_get(h, "targets");
    assert_int_equal(json_array_size(targets), 2);
    json_t *t1 = json_array_get(targets, 1);
    assert_string_equal(json_string_value(json_object_get(t1, "id")), "leaky");
    assert_string_equal(json_string_value(json_object_get(t1, "kind")), "backend");
    assert_string_equal(json_string_value(json_object_get(t1, "name")), "plugin");
    json_t *rec;
    int type;
    long samples = 0;
    double last = -1;
    while ((type = rasleak_trend_next(r, &rec, &err)) > 0) {
        if (type != RASLEAK_REC_SAMPLE)
            continue;
        json_t *lk = json_object_get(json_object_get(rec, "targets"), "leaky");
        last = json_number_value(json_object_get(lk, "objects_alive"));
        assert_true(json_number_value(json_object_get(lk, "sessions_open")) == 0);
        samples++;
    }
    assert_int_equal(type, RASLEAK_REC_END);
    assert_int_equal(samples, 50);
    assert_true(last == 50);    /* one object left alive per iteration */
    rasleak_trend_close(r);

    /* a plugin without metrics(): no backend target at all */
    struct rasleak_kv quiet[] = {{"path", PLUGIN_QUIET}};
    assert_int_equal(run_to(path, quiet, 1, 20, &res, &err), 0);
    assert_int_equal(rasleak_trend_open(&r, path, &err), 0);
    assert_int_equal(json_array_size(json_object_get(rasleak_trend_header(r), "targets")), 1);
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_SAMPLE);
    assert_int_equal(json_object_size(json_object_get(rec, "targets")), 1);
    rasleak_trend_close(r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catch_all_options),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_broken_plugins),
        cmocka_unit_test(test_open_failure_and_options),
        cmocka_unit_test(test_metrics_and_leaks),
        cmocka_unit_test(test_metric_set_is_fixed),
        cmocka_unit_test(test_connect_and_disconnect_failures),
        cmocka_unit_test(test_run_writes_plugin_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
