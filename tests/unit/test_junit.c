/* Unit tests: JUnit XML and GitHub workflow commands (src/lib/ci/junit.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rasleak/ci.h"

/* What `fn` writes to a memory stream, as a string to free(). */
#define CAPTURE(out, call)                                  \
    do {                                                    \
        size_t len_;                                        \
        FILE *fp = open_memstream(&(out), &len_);           \
        call;                                               \
        fclose(fp);                                         \
    } while (0)

static void test_escape(void **state)
{
    (void)state;
    char *s;
    CAPTURE(s, rasleak_xml_escape(fp, "a<b>&\"c' \n\t", 1));
    assert_string_equal(s, "a&lt;b&gt;&amp;&quot;c&apos; &#10;&#9;");
    free(s);
    CAPTURE(s, rasleak_xml_escape(fp, "a<b>\"c'\n", 0));
    assert_string_equal(s, "a&lt;b&gt;\"c'\n");
    free(s);
    /* control characters, invalid and overlong UTF-8, surrogates, U+FFFE: '?' each byte */
    CAPTURE(s, rasleak_xml_escape(fp, "x\x01y\xff\xc0\xaf\xed\xa0\x80\xef\xbf\xbez", 0));
    assert_string_equal(s, "x?y?????????z");
    free(s);
    /* valid multibyte characters pass */
    CAPTURE(s, rasleak_xml_escape(fp, "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0));
    assert_string_equal(s, "r\xc3\xa9sum\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    free(s);
    CAPTURE(s, rasleak_xml_escape(fp, "cut \xe2\x82", 0));
    assert_string_equal(s, "cut ??");
    free(s);
}

static void test_suite(void **state)
{
    (void)state;
    struct rasleak_junit_case cases[] = {
        {"rasleak.analyze", "self/handles", RASLEAK_JUNIT_FAIL, "leak", "grows +1 per <iter>",
         "details & more"},
        {"rasleak.analyze", "self/rss_bytes", RASLEAK_JUNIT_PASS, NULL, "fine", "no_leak"},
        {"rasleak.analyze", "self/threads", RASLEAK_JUNIT_SKIP, NULL, "only 3 samples", NULL},
    };
    const char *props[] = {"file", "t.jsonl", NULL};
    struct rasleak_junit_suite s = {"rasleak analyze t.jsonl", "2026-01-02T03:04:05", 1.5, props,
                                    cases, 3};
    char *x;
    struct rasleak_error err;
    int rc;
    CAPTURE(x, rc = rasleak_junit_write(fp, &s, &err));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "
                              "name=\"rasleak\" tests=\"3\" failures=\"1\" errors=\"0\" "
                              "skipped=\"1\" time=\"1.500\">"));
    assert_non_null(strstr(x, "<testsuite name=\"rasleak analyze t.jsonl\" tests=\"3\" "
                              "failures=\"1\" errors=\"0\" skipped=\"1\" time=\"1.500\" "
                              "timestamp=\"2026-01-02T03:04:05\">"));
    assert_non_null(strstr(x, "<property name=\"file\" value=\"t.jsonl\"/>"));
    assert_non_null(strstr(x, "<testcase classname=\"rasleak.analyze\" name=\"self/handles\" "
                              "time=\"0\">\n      <failure message=\"grows +1 per &lt;iter&gt;\" "
                              "type=\"leak\">details &amp; more</failure>"));
    assert_non_null(strstr(x, "<system-out>no_leak</system-out>"));
    assert_non_null(strstr(x, "<skipped message=\"only 3 samples\"/>"));
    assert_non_null(strstr(x, "</testsuite>\n</testsuites>\n"));
    free(x);
    /* no cases: still a valid, empty suite */
    struct rasleak_junit_suite empty = {"e", NULL, 0, NULL, NULL, 0};
    CAPTURE(x, rc = rasleak_junit_write(fp, &empty, &err));
    assert_int_equal(rc, 0);
    assert_non_null(strstr(x, "tests=\"0\" failures=\"0\""));
    free(x);
}

static void test_github(void **state)
{
    (void)state;
    char *s;
    CAPTURE(s, rasleak_github_annotation(fp, "error", "rasleak: a, b", "50% more\nline 2\r"));
    assert_string_equal(s, "::error title=rasleak%3A a%2C b::50%25 more%0Aline 2%0D\n");
    free(s);
    CAPTURE(s, rasleak_github_annotation(fp, "notice", NULL, "a: b, c"));
    assert_string_equal(s, "::notice::a: b, c\n");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_suite),
        cmocka_unit_test(test_github),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
