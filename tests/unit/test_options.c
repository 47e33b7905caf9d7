/* Unit tests: backend option validation and typed look-ups (src/lib/options.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "rasleak/backend.h"

static const struct rasleak_option_spec table[] = {
    {"url", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_REQUIRED, "where"},
    {"rate", RASLEAK_OPT_DOUBLE, "0.5", 0, 10, NULL, 0, "how fast"},
    {"count", RASLEAK_OPT_INT, "3", 1, 100, NULL, 0, "how many"},
    {"mode", RASLEAK_OPT_CHOICE, "request", 0, 0, "request|connect", 0, "what"},
    {"tls", RASLEAK_OPT_BOOL, "1", 0, 0, NULL, 0, "verify"},
    {"header", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_REPEATABLE, "extra"},
};
#define N (sizeof table / sizeof table[0])

static int validate(const struct rasleak_kv *kv, size_t n, struct rasleak_error *err)
{
    struct rasleak_options o = {kv, n};
    return rasleak_options_validate(table, N, &o, "test", err);
}

static void test_valid_set(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"url", "http://x"}, {"rate", "2.5"}, {"count", "100"},
                              {"mode", "connect"}, {"tls", "off"}, {"header", "A: 1"},
                              {"header", "B: 2"}};
    struct rasleak_error err;
    assert_int_equal(validate(kv, 7, &err), 0);
    struct rasleak_options o = {kv, 7};
    assert_true(fabs(rasleak_opt_double(&o, table, N, "rate") - 2.5) < 1e-12);
    assert_true(rasleak_opt_double(&o, table, N, "count") == 100);
    assert_int_equal(rasleak_opt_bool(&o, table, N, "tls"), 0);
    assert_string_equal(rasleak_opt_get(&o, table, N, "mode"), "connect");
    assert_string_equal(rasleak_opt_get(&o, table, N, "header"), "B: 2");
}

static void test_defaults(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"url", "u"}};
    struct rasleak_options o = {kv, 1};
    assert_true(rasleak_opt_double(&o, table, N, "rate") == 0.5);
    assert_true(rasleak_opt_double(&o, table, N, "count") == 3);
    assert_int_equal(rasleak_opt_bool(&o, table, N, "tls"), 1);
    assert_null(rasleak_opt_get(&o, table, N, "header"));
}

static void expect_error(struct rasleak_kv *kv, size_t n, const char *needle)
{
    struct rasleak_error err;
    assert_int_equal(validate(kv, n, &err), RASLEAK_EINVAL);
    if (!strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"bogus", "1"}}, 2,
                 "has no option 'bogus' (valid: url, rate, count, mode, tls, header)");
    expect_error((struct rasleak_kv[]){{"rate", "1"}}, 1, "needs option 'url'");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"rate", "abc"}}, 2, "takes a number");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"rate", "11"}}, 2, "between 0 and 10");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"rate", "nan"}}, 2, "takes a number");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"count", "1.5"}}, 2, "whole number");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"count", "0"}}, 2, "between 1 and 100");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"mode", "stream"}}, 2,
                 "one of request|connect");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"mode", "req"}}, 2, "one of");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"tls", "maybe"}}, 2, "takes 0 or 1");
    expect_error((struct rasleak_kv[]){{"url", "u"}, {"url", "v"}}, 2, "more than once");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_set),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
