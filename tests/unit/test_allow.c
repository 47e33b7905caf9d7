/* Unit tests: allowance files, their errors and their effect (src/lib/allow/allow.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rasleak/allow.h"

static int parse(const char *text, struct rasleak_allow_list **l, struct rasleak_error *err)
{
    return rasleak_allow_parse(text, strlen(text), "a.json", l, err);
}

static void test_valid_file(void **state)
{
    (void)state;
    struct rasleak_allow_list *l;
    struct rasleak_error err;
    assert_int_equal(rasleak_allow_load(RASLEAK_FIXTURES "/allow/valid.json", &l, &err), 0);
    assert_int_equal(l->n, 2);
    assert_string_equal(l->entries[0].target, "self");
    assert_string_equal(l->entries[0].metric, "handles");
    assert_true(l->entries[0].max_rate == 0.01);
    assert_string_equal(l->entries[0].expires, "2027-01-31");
    assert_int_equal(l->entries[0].line, 2);
    assert_string_equal(l->entries[1].metric, "pool_size");
    assert_string_equal(l->entries[1].expires, "");
    assert_int_equal(l->entries[1].line, 5);
    assert_ptr_equal(rasleak_allow_find(l, "curl", "pool_size"), &l->entries[1]);
    assert_null(rasleak_allow_find(l, "self", "pool_size"));
    rasleak_allow_free(l);
    assert_int_equal(rasleak_allow_load(RASLEAK_FIXTURES "/allow/leap-day.json", &l, &err), 0);
    assert_string_equal(l->entries[0].expires, "2024-02-29");
    rasleak_allow_free(l);
    assert_int_equal(rasleak_allow_load(RASLEAK_FIXTURES "/allow/empty.json", &l, &err), 0);
    assert_int_equal(l->n, 0);
    rasleak_allow_free(l);
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    static const struct { const char *text; long line; const char *msg; } bad[] = {
        {"", 1, "not valid JSON"},
        {"[1,\n 2]", 1, "must be an object"},
        {"[\n\n  {\"target\": \"t\", \"metric\": \"m\", \"max_rate\": \"1\", \"reason\": \"r\"}]",
         3, "'max_rate' of an allowance must be a number >= 0"},
        {"[{\"target\": \"t\", \"metric\": \"m\", \"max_rate\": 1, \"reason\": \"r\"},\n"
         " {\"target\": \"t\", \"metric\": \"\", \"max_rate\": 1, \"reason\": \"r\"}]",
         2, "'metric' of an allowance must be a non-empty string"},
        {"[{\"target\": \"t\", \"metric\": \"m\", \"max_rate\": 1, \"reason\": \"r\", "
         "\"expires\": \"2026-13-01\"}]", 1, "not '2026-13-01'"},
        {"[{\"target\": \"t\", \"metric\": \"m\", \"max_rate\": 1, \"reason\": \"r\", "
         "\"expires\": \"26-01-01\"}]", 1, "must be a date YYYY-MM-DD"},
        {"[{\"target\": \"t\", \"metric\": \"m\", \"max_rate\": 1, \"reason\": \"r\", "
         "\"expires\": \"2026-01-01T00:00\"}]", 1, "must be a date"},
        {"[{\"target\": \"t\", \"target\": \"u\", \"metric\": \"m\", \"max_rate\": 1}]", 1,
         "duplicate"},
        {"[{\"target\": 5, \"metric\": \"m\", \"max_rate\": 1, \"reason\": \"r\"}]", 1,
         "'target' of an allowance must be a non-empty string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rasleak_allow_list *l = (void *)1;
        struct rasleak_error err;
        assert_int_equal(parse(bad[i].text, &l, &err), RASLEAK_EFORMAT);
        assert_null(l);
        if (err.line != bad[i].line || !strstr(err.message, bad[i].msg))
            fail_msg("case %zu: line %ld, '%s'", i, err.line, err.message);
        assert_string_equal(err.path, "a.json");
    }
    struct rasleak_allow_list *l;
    struct rasleak_error err;
    assert_int_equal(rasleak_allow_load(RASLEAK_FIXTURES "/allow/bad-date.json", &l, &err),
                     RASLEAK_EFORMAT);
    assert_int_equal(err.line, 2);
    assert_int_equal(rasleak_allow_load(RASLEAK_FIXTURES "/allow/none.json", &l, &err),
                     RASLEAK_ENOENT);
}

static void test_judge(void **state)
{
    (void)state;
    struct rasleak_allowance e = {"self", "handles", 0.5, "r", "2026-06-30", 1};
    assert_int_equal(rasleak_allow_judge(NULL, 1, "2026-01-01"), RASLEAK_ALLOW_NONE);
    assert_int_equal(rasleak_allow_judge(&e, 0.5, "2026-06-30"), RASLEAK_ALLOW_ACCEPTED);
    assert_int_equal(rasleak_allow_judge(&e, 0.51, "2026-06-30"), RASLEAK_ALLOW_EXCEEDED);
    assert_int_equal(rasleak_allow_judge(&e, NAN, "2026-06-30"), RASLEAK_ALLOW_EXCEEDED);
    assert_int_equal(rasleak_allow_judge(&e, 0.1, "2026-07-01"), RASLEAK_ALLOW_EXPIRED);
    e.expires[0] = '\0';
    assert_int_equal(rasleak_allow_judge(&e, 0.1, "9999-12-31"), RASLEAK_ALLOW_ACCEPTED);
    char today[16];
    rasleak_allow_today(today, sizeof today);
    assert_int_equal(strlen(today), 10);
    assert_true(strcmp(today, "2024-01-01") > 0);
}

static void test_apply(void **state)
{
    (void)state;
    const char *text =
        "[{\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": 1, \"reason\": \"known\"},"
        " {\"target\": \"self\", \"metric\": \"rss_bytes\", \"max_rate\": 10, \"reason\": \"old\","
        "  \"expires\": \"2020-01-01\"},"
        " {\"target\": \"self\", \"metric\": \"threads\", \"max_rate\": 0.001, \"reason\": \"x\"}]";
    struct rasleak_allow_list *l;
    struct rasleak_error err;
    assert_int_equal(parse(text, &l, &err), 0);
    struct rasleak_series_result s[4];
    memset(s, 0, sizeof s);
    const char *metrics[] = {"handles", "rss_bytes", "threads", "vm_bytes"};
    for (int i = 0; i < 4; i++) {
        strcpy(s[i].target, "self");
        strcpy(s[i].metric, metrics[i]);
        strcpy(s[i].reason, "grows");
        s[i].verdict = i == 3 ? RASLEAK_NO_LEAK : RASLEAK_LEAK;
        s[i].slope_per_iter = i == 0 ? 0.5 : i == 1 ? 4 : 0.01;
    }
    struct rasleak_analysis a;
    memset(&a, 0, sizeof a);
    a.series = s;
    a.nseries = 4;
    struct rasleak_allow_outcome out[4];
    assert_int_equal(rasleak_allow_apply(l, &a, "2026-01-01", out), 1);
    assert_int_equal(s[0].verdict, RASLEAK_ALLOWED);
    assert_non_null(strstr(s[0].reason, "known"));
    assert_int_equal(out[0].state, RASLEAK_ALLOW_ACCEPTED);
    assert_int_equal(s[1].verdict, RASLEAK_LEAK);
    assert_int_equal(out[1].state, RASLEAK_ALLOW_EXPIRED);
    assert_non_null(strstr(s[1].reason, "allowance expired on 2020-01-01; grows"));
    assert_int_equal(s[2].verdict, RASLEAK_LEAK);
    assert_int_equal(out[2].state, RASLEAK_ALLOW_EXCEEDED);
    assert_int_equal(out[3].state, RASLEAK_ALLOW_NONE);
    assert_int_equal(a.verdict, RASLEAK_LEAK);
    json_t *j = rasleak_allow_outcome_json(l, &out[1]);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "expired");
    assert_string_equal(json_string_value(json_object_get(j, "expires")), "2020-01-01");
    assert_string_equal(json_string_value(json_object_get(j, "file")), "a.json");
    json_decref(j);
    assert_null(rasleak_allow_outcome_json(l, &out[3]));
    /* only accepted leaks left: the analysis is "allowed" */
    s[1].verdict = s[2].verdict = RASLEAK_NO_LEAK;
    rasleak_allow_apply(l, &a, "2026-01-01", NULL);
    assert_int_equal(a.verdict, RASLEAK_ALLOWED);
    assert_string_equal(rasleak_verdict_name(RASLEAK_ALLOWED), "allowed");
    rasleak_allow_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_file),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
