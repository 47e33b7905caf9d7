/*
 * CLI tests of what CI jobs use: compare against a baseline, JUnit XML
 * (validated against tests/fixtures/junit.xsd with libxml2), GitHub
 * annotations, --json-file, allowances, and uploads to a receiver on
 * 127.0.0.1 (tests/fixtures/receiver.c) that this test starts.
 *
 * Two trend files are made once (a clean run and one that leaks a handle
 * per iteration) and reused by the tests, which is what a CI job does too.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <zlib.h>

#include "cli_util.h"
#include "../fixtures/fixture_ctl.h"

static char dir[64];
static char out_path[128], err_path[128];
static char clean[128], leak[128], leak2[128], base_json[128];
static long nser;   /* series per run: 6, or 5 where heap_bytes is not available (valgrind) */

static char *path_in(const char *name)
{
    static char bufs[8][160];
    static int k;
    char *b = bufs[k++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

static int run_args(const char *const *args)
{
    struct cli_proc p = {.dir = dir, .out = out_path, .err = err_path, .uid = -1};
    return cli_wait(cli_start(&p, RASLEAK_BIN, args));
}

#define RUN(...) run_args((const char *const[]){__VA_ARGS__, NULL})

static void expect_not_in(const char *p, const char *needle)
{
    char *s = cli_slurp(p);
    if (strstr(s, needle))
        fail_msg("'%s' unexpectedly in %s:\n%s", needle, p, s);
    free(s);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "(none)";
}

static void write_file(const char *p, const char *text)
{
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/rasleak-ci-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(out_path, sizeof out_path, "%s/stdout", dir);
    snprintf(err_path, sizeof err_path, "%s/stderr", dir);
    snprintf(clean, sizeof clean, "%s/clean.jsonl", dir);
    snprintf(leak, sizeof leak, "%s/leak.jsonl", dir);
    snprintf(leak2, sizeof leak2, "%s/leak2.jsonl", dir);
    snprintf(base_json, sizeof base_json, "%s/baseline.json", dir);
    /* The baseline as a CI job stores it: the analysis JSON of a clean run. */
    if (RUN("run", "-n", "600", "-o", clean, "-q", "--json-file", base_json) != 0 ||
        RUN("run", "-n", "600", "-O", "leak_handles=1", "-o", leak, "-q") != 1 ||
        RUN("run", "-n", "600", "-O", "leak_handles=2", "-o", leak2, "-q") != 1)
        return -1;
    json_t *b = json_load_file(base_json, 0, NULL);
    nser = (long)json_array_size(json_object_get(b, "series"));
    json_decref(b);
    return nser >= 5 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- compare -------------------------------------------------------------- */

static void test_compare_regression(void **state)
{
    (void)state;
    assert_int_equal(RUN("compare", "--json", base_json, leak), 1);
    json_t *c = cli_load_json(out_path, err_path);
    assert_string_equal(str(c, "format"), "rasleak-comparison");
    assert_string_equal(str(c, "verdict"), "regression");
    assert_int_equal(json_integer_value(json_object_get(c, "regressions")), 1);
    json_t *h = cli_series(c, "self", "handles");
    assert_string_equal(str(h, "verdict"), "regression");
    assert_true(fabs(json_number_value(json_object_get(h, "diff_per_1000")) - 1000) < 1);
    json_t *cur = json_object_get(h, "current");
    assert_true(fabs(json_number_value(json_object_get(cur, "slope_per_iter")) - 1) < 0.01);
    assert_string_equal(str(json_object_get(c, "baseline"), "kind"), "analysis");
    assert_string_equal(str(json_object_get(c, "current"), "kind"), "trend");
    assert_string_equal(str(cli_series(c, "self", "threads"), "verdict"), "unchanged");
    /* the same mock backend, but with another leak_handles: warned about */
    assert_true(json_array_size(json_object_get(c, "warnings")) >= 1);
    assert_non_null(strstr(json_string_value(json_array_get(json_object_get(c, "warnings"), 0)),
                           "options differ: leak_handles"));
    json_decref(c);
    /* and for people */
    assert_int_equal(RUN("compare", base_json, leak), 1);
    cli_expect_in(out_path, "regression");
    cli_expect_in(out_path, "warning: mock options differ: leak_handles");
    cli_expect_in(out_path, "result: regression (1 of");
    expect_not_in(out_path, "\033[");
}

static void test_compare_unchanged(void **state)
{
    (void)state;
    assert_int_equal(RUN("compare", "--json", clean, clean), 0);
    json_t *c = cli_load_json(out_path, err_path);
    assert_string_equal(str(c, "verdict"), "no_regression");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(c, "series"), i, s) {
        assert_string_equal(str(s, "verdict"), "unchanged");
        assert_true(fabs(json_number_value(json_object_get(s, "diff_per_1000"))) < 1e-9);
    }
    assert_int_equal(json_array_size(json_object_get(c, "warnings")), 0);
    json_decref(c);
    assert_int_equal(RUN("compare", base_json, clean), 0);
    cli_expect_in(out_path, "result: no regression");
    /* leak against leak: unchanged too */
    assert_int_equal(RUN("compare", "--json", leak, leak), 0);
    json_t *l = cli_load_json(out_path, err_path);
    assert_string_equal(str(cli_series(l, "self", "handles"), "verdict"), "unchanged");
    json_decref(l);
}

static void test_compare_improved(void **state)
{
    (void)state;
    assert_int_equal(RUN("compare", "--json", leak, clean), 0);
    json_t *c = cli_load_json(out_path, err_path);
    json_t *h = cli_series(c, "self", "handles");
    assert_string_equal(str(h, "verdict"), "improved");
    assert_true(fabs(json_number_value(json_object_get(h, "diff_per_1000")) + 1000) < 1);
    json_decref(c);
    /* leaking slower is improved too */
    assert_int_equal(RUN("compare", "--json", leak2, leak), 0);
    c = cli_load_json(out_path, err_path);
    assert_string_equal(str(cli_series(c, "self", "handles"), "verdict"), "improved");
    json_decref(c);
}

/* The stored baseline with one series taken out, or renamed. */
static const char *edited_baseline(const char *name, const char *drop_metric,
                                   const char *backend, const char *os, int version)
{
    json_t *b = cli_load_json(base_json, err_path);
    json_t *series = json_object_get(b, "series");
    for (size_t i = 0; drop_metric && i < json_array_size(series); i++)
        if (strcmp(str(json_array_get(series, i), "metric"), drop_metric) == 0)
            json_array_remove(series, i--);
    if (backend)
        json_object_set_new(json_object_get(b, "backend"), "name", json_string(backend));
    if (os)
        json_object_set_new(json_object_get(b, "platform"), "os", json_string(os));
    if (version)
        json_object_set_new(b, "version", json_integer(version));
    const char *p = path_in(name);
    assert_int_equal(json_dump_file(b, p, JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
    json_decref(b);
    return p;
}

static void test_compare_new_and_missing(void **state)
{
    (void)state;
    const char *less = edited_baseline("less.json", "threads", NULL, NULL, 0);
    assert_int_equal(RUN("compare", "--json", less, clean), 0);
    json_t *c = cli_load_json(out_path, err_path);
    json_t *t = cli_series(c, "self", "threads");
    assert_string_equal(str(t, "verdict"), "new");
    assert_true(json_is_null(json_object_get(t, "baseline")));
    assert_true(json_is_null(json_object_get(t, "diff_per_1000")));
    json_decref(c);
    assert_int_equal(RUN("compare", "--json", clean, less), 0);
    c = cli_load_json(out_path, err_path);
    t = cli_series(c, "self", "threads");
    assert_string_equal(str(t, "verdict"), "missing");
    assert_true(json_is_null(json_object_get(t, "current")));
    json_decref(c);
    /* a series the baseline lacks that leaks now is a regression */
    const char *nohandles = edited_baseline("nohandles.json", "handles", NULL, NULL, 0);
    assert_int_equal(RUN("compare", "--json", nohandles, leak), 1);
    c = cli_load_json(out_path, err_path);
    assert_string_equal(str(cli_series(c, "self", "handles"), "verdict"), "regression");
    assert_non_null(strstr(str(cli_series(c, "self", "handles"), "reason"), "not in the baseline"));
    json_decref(c);
}

static void test_compare_tolerance(void **state)
{
    (void)state;
    /* 2 per iteration against 1: leaks faster, unless 1.5 per iteration is tolerated */
    assert_int_equal(RUN("compare", "--json", leak, leak2), 1);
    json_t *c = cli_load_json(out_path, err_path);
    json_t *h = cli_series(c, "self", "handles");
    assert_string_equal(str(h, "verdict"), "regression");
    assert_non_null(strstr(str(h, "reason"), "leaks faster"));
    json_decref(c);
    /* Two leaked descriptors an iteration also cost the mock's bookkeeping
     * memory, which AddressSanitizer's allocator shows as growth of rss:
     * tolerated here, where the handles are the point. */
    int rc = RUN("compare", "--json", "--tolerance", "handles=1.5", "--tolerance",
                 "rss_bytes=1000", "--tolerance", "private_bytes=1000", leak, leak2);
    if (rc != 0) {
        char *o = cli_slurp(out_path);
        fail_msg("compare with tolerance: exit %d\n%s", rc, o);
    }
    c = cli_load_json(out_path, err_path);
    h = cli_series(c, "self", "handles");
    assert_string_equal(str(h, "verdict"), "unchanged");
    assert_true(fabs(json_number_value(json_object_get(h, "tolerance")) - 1.5) < 1e-12);
    json_decref(c);
    /* a tolerance for another metric changes nothing */
    assert_int_equal(RUN("compare", "--tolerance", "rss_bytes=1000", leak, leak2), 1);
    /* newly leaking within the tolerance */
    assert_int_equal(RUN("compare", "--tolerance", "handles=3", "--tolerance", "rss_bytes=1000",
                         "--tolerance", "private_bytes=1000", base_json, leak2), 0);
    cli_expect_in(out_path, "no more than the baseline plus the tolerance");
    assert_int_equal(RUN("compare", "--tolerance", "handles", leak, leak2), 2);
    cli_expect_in(err_path, "--tolerance takes METRIC=RATE");
}

static void test_compare_mismatch_warnings(void **state)
{
    (void)state;
    const char *other = edited_baseline("other.json", NULL, "curl", "windows", 0);
    assert_int_equal(RUN("compare", other, clean), 0);
    cli_expect_in(out_path, "warning: backends differ: baseline 'curl', current 'mock'");
    cli_expect_in(out_path, "warning: platforms differ: baseline 'windows', current 'linux'");
    assert_int_equal(RUN("compare", "--json", other, clean), 0);
    json_t *c = cli_load_json(out_path, err_path);
    assert_int_equal(json_array_size(json_object_get(c, "warnings")), 2);
    json_decref(c);
    cli_expect_in(err_path, "backends differ");
}

/* `src` copied to `name` and cut in the middle of its last sample, as a
 * killed run leaves it: the summary and half a record gone. */
static const char *cut_copy(const char *src, const char *name)
{
    char *t = cli_slurp(src);
    size_t n = strlen(t);
    assert_true(n > 2 && t[n - 1] == '\n');
    char *summary = t + n - 2;
    while (summary > t && summary[-1] != '\n')
        summary--;
    char *last = summary - 1;
    while (last > t && last[-1] != '\n')
        last--;
    assert_non_null(strstr(summary, "\"summary\""));
    last[(summary - last) / 2] = '\0';
    const char *p = path_in(name);
    write_file(p, t);
    free(t);
    return p;
}

static void test_compare_partial_runs(void **state)
{
    (void)state;
    /* A current run cut short: warned about as analyze does, exit unchanged. */
    const char *cut = cut_copy(clean, "cut.jsonl");
    char want[256];
    snprintf(want, sizeof want, "rasleak: warning: '%s' was cut short: analyzed the 599 "
                                "samples that were complete\n", cut);
    assert_int_equal(RUN("compare", base_json, cut), 0);
    cli_expect_in(err_path, want);
    cli_expect_in(out_path, "result: no regression");
    /* either side, and with --json too (stdout stays one document) */
    assert_int_equal(RUN("compare", "--json", cut, clean), 0);
    cli_expect_in(err_path, want);
    json_t *c = cli_load_json(out_path, err_path);
    json_t *b = json_object_get(c, "baseline");
    assert_true(json_is_true(json_object_get(b, "truncated")));
    assert_true(json_is_null(json_object_get(b, "stop_reason")));
    assert_string_equal(str(json_object_get(c, "current"), "stop_reason"), "completed");
    json_decref(c);
    /* a stored analysis of a file cut short says so too */
    const char *cut_json = path_in("cut-analysis.json");
    assert_int_equal(RUN("analyze", "--json-file", cut_json, cut), 0);
    assert_int_equal(RUN("compare", cut_json, clean), 0);
    cli_expect_in(err_path, "cut-analysis.json' was made from a trend file that was cut short: "
                            "it judged the 599 samples that were complete");
    /* whole files: no such warning */
    assert_int_equal(RUN("compare", base_json, clean), 0);
    expect_not_in(err_path, "cut short");

    /* A run that gave up after failed dials, against a completed baseline. */
    const char *failed = path_in("failed.jsonl");
    assert_int_equal(RUN("run", "-n", "600", "-O", "fail_after=300", "-o", failed, "-q"), 0);
    assert_int_equal(RUN("compare", base_json, failed), 0);
    cli_expect_in(out_path, "warning: the runs stopped for different reasons: baseline "
                            "'completed', current 'max_failures'");
    assert_int_equal(RUN("compare", "--json", base_json, failed), 0);
    cli_expect_in(err_path, "rasleak: warning: the runs stopped for different reasons");
    c = cli_load_json(out_path, err_path);
    /* beside the backend option that made the difference */
    json_t *w = json_object_get(c, "warnings");
    assert_int_equal(json_array_size(w), 2);
    assert_string_equal(json_string_value(json_array_get(w, 0)),
                        "mock options differ: fail_after");
    assert_string_equal(json_string_value(json_array_get(w, 1)),
                        "the runs stopped for different reasons: baseline 'completed', current "
                        "'max_failures'");
    assert_string_equal(str(json_object_get(c, "current"), "stop_reason"), "max_failures");
    assert_false(json_is_true(json_object_get(json_object_get(c, "current"), "truncated")));
    json_decref(c);
}

static void test_compare_bad_input(void **state)
{
    (void)state;
    const char *newer = edited_baseline("newer.json", NULL, NULL, NULL, 7);
    assert_int_equal(RUN("compare", newer, clean), 3);
    cli_expect_in(err_path, "version 7, newer than this rasleak reads (1)");
    const char *broken = path_in("broken.json");
    write_file(broken, "{\"format\": \"rasleak-analysis\",\n \"version\": 1,\n \"series\": [,]}\n");
    assert_int_equal(RUN("compare", broken, clean), 3);
    cli_expect_in(err_path, "broken.json:3:");
    const char *noverdict = path_in("noverdict.json");
    write_file(noverdict, "{\"format\": \"rasleak-analysis\", \"version\": 1, \"series\": "
                          "[{\"target\": \"self\", \"metric\": \"handles\", \"n\": 5}]}\n");
    assert_int_equal(RUN("compare", noverdict, clean), 3);
    cli_expect_in(err_path, "/series/0 has no 'verdict'");
    assert_int_equal(RUN("compare", path_in("absent.json"), clean), 3);
    cli_expect_in(err_path, "cannot open");
    assert_int_equal(RUN("compare", clean), 2);
}

/* ---- JUnit, annotations, --json-file ------------------------------------- */

static xmlNode *child(xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

static long attr_long(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    assert_non_null(v);
    long r = strtol((const char *)v, NULL, 10);
    xmlFree(v);
    return r;
}

/* Parse and validate against the schema; the number of <testcase> and of <failure>. */
static void check_junit(const char *p, long want_cases, long want_failures,
                        const char *failure_needle)
{
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(RASLEAK_FIXTURES "/junit.xsd");
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlDocPtr doc = xmlReadFile(p, NULL, XML_PARSE_NONET);
    if (!doc) {
        char *s = cli_slurp(p);
        fail_msg("%s is not XML:\n%s", p, s);
    }
    assert_int_equal(xmlSchemaValidateDoc(vc, doc), 0);
    xmlNode *root = xmlDocGetRootElement(doc);
    assert_string_equal((const char *)root->name, "testsuites");
    xmlNode *suite = child(root, "testsuite");
    assert_non_null(suite);
    long cases = 0, failures = 0;
    int found = failure_needle == NULL;
    for (xmlNode *c = suite->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "testcase") != 0)
            continue;
        cases++;
        xmlNode *f = child(c, "failure");
        if (f) {
            failures++;
            xmlChar *m = xmlGetProp(f, (const xmlChar *)"message");
            found |= failure_needle && m && strstr((const char *)m, failure_needle) != NULL;
            xmlFree(m);
        }
    }
    assert_int_equal(cases, want_cases);
    assert_int_equal(failures, want_failures);
    assert_int_equal(attr_long(suite, "tests"), want_cases);
    assert_int_equal(attr_long(suite, "failures"), want_failures);
    assert_int_equal(attr_long(root, "tests"), want_cases);
    assert_int_equal(attr_long(root, "failures"), want_failures);
    assert_true(found);
    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
}

static void test_junit(void **state)
{
    (void)state;
    const char *j = path_in("analyze.xml");
    assert_int_equal(RUN("analyze", "--junit", j, leak), 1);
    check_junit(j, nser, 1, "self/handles leak: +1000 per 1000 iterations");
    assert_int_equal(RUN("analyze", "--junit", j, clean), 0);
    check_junit(j, nser, 0, NULL);
    const char *c = path_in("compare.xml");
    assert_int_equal(RUN("compare", "--junit", c, base_json, leak), 1);
    check_junit(c, nser, 1, "self/handles regression: leaks now");
    const char *r = path_in("run.xml");
    assert_int_equal(RUN("run", "-n", "400", "-O", "leak_handles=1", "-o", path_in("r.jsonl"),
                         "-q", "--junit", r), 1);
    check_junit(r, nser, 1, "+1000");
    /* an output that cannot be written: exit 4, and the verdict still printed */
    assert_int_equal(RUN("analyze", "--junit", path_in("no/such/dir.xml"), clean), 4);
    cli_expect_in(err_path, "cannot write");
    cli_expect_in(out_path, "verdict: no_leak");
}

static void test_annotations(void **state)
{
    (void)state;
    assert_int_equal(RUN("analyze", "--annotations", "github", leak), 1);
    cli_expect_in(out_path,
                  "::error title=rasleak%3A self/handles leaks::+1000 per 1000 iterations");
    cli_expect_in(out_path, "verdict: leak");   /* the human output stays */
    expect_not_in(out_path, "::error title=rasleak%3A self/threads");
    /* with --json the lines go to stderr and stdout stays one document */
    assert_int_equal(RUN("analyze", "--json", "--annotations", "github", leak), 1);
    json_decref(cli_load_json(out_path, err_path));
    cli_expect_in(err_path, "::error title=rasleak%3A self/handles leaks::");
    assert_int_equal(RUN("compare", "--annotations", "github", base_json, leak), 1);
    cli_expect_in(out_path, "::error title=rasleak%3A self/handles regression::leaks now");
    cli_expect_in(out_path, "::warning title=rasleak compare::mock options differ");
    assert_int_equal(RUN("analyze", "--annotations", "gitlab", leak), 2);
    cli_expect_in(err_path, "--annotations takes github");
    /* plain text by default: no workflow commands */
    assert_int_equal(RUN("analyze", leak), 1);
    expect_not_in(out_path, "::error");
}

static void test_json_file(void **state)
{
    (void)state;
    const char *f = path_in("analysis.json");
    assert_int_equal(RUN("analyze", "--json-file", f, leak), 1);
    cli_expect_in(out_path, "verdict: leak (1 of ");
    json_t *a = cli_load_json(f, err_path);
    assert_string_equal(str(a, "format"), "rasleak-analysis");
    assert_string_equal(str(a, "verdict"), "leak");
    assert_string_equal(str(json_object_get(a, "platform"), "os"), "linux");
    assert_string_equal(str(cli_series(a, "self", "handles"), "verdict"), "leak");
    json_decref(a);
    /* --json alone still prints the JSON on stdout */
    assert_int_equal(RUN("analyze", "--json", leak), 1);
    json_decref(cli_load_json(out_path, err_path));
    const char *cf = path_in("comparison.json");
    assert_int_equal(RUN("compare", "--json-file", cf, base_json, leak), 1);
    cli_expect_in(out_path, "result: regression");
    json_t *c = cli_load_json(cf, err_path);
    assert_string_equal(str(c, "format"), "rasleak-comparison");
    json_decref(c);
    /* CI outputs need an analysis */
    assert_int_equal(RUN("run", "-n", "50", "-o", path_in("x.jsonl"), "--no-analyze",
                         "--junit", path_in("x.xml")), 2);
    cli_expect_in(err_path, "need the analysis");
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* run with `opt out` exits 4 saying why `out` cannot be written, and
 * writes no trend file `t`: it never started. */
static void refused_before_the_run(const char *t, const char *opt, const char *out,
                                   const char *why)
{
    char want[512];
    snprintf(want, sizeof want, "rasleak: error: cannot write '%s': %s\n", out, why);
    assert_int_equal(RUN("run", "-n", "100000000", "--duration", "60", "-o", t, "-q", opt, out),
                     4);
    cli_expect_in(err_path, want);
    assert_false(exists(t));
}

static void test_run_checks_outputs_first(void **state)
{
    (void)state;
    /* An output that cannot be written stops run before it dials: no
     * trend file, and no minute spent on a run that could not be kept. */
    /* Paths kept across many path_in() calls (it rotates 8 buffers). */
    char t[160], j[160], f[160], h[160];
    snprintf(t, sizeof t, "%s", path_in("early.jsonl"));
    snprintf(j, sizeof j, "%s", path_in("early.xml"));
    snprintf(f, sizeof f, "%s", path_in("early.json"));
    snprintf(h, sizeof h, "%s", path_in("early.html"));
    refused_before_the_run(t, "--junit", path_in("no/such/j.xml"), "No such file or directory");
    refused_before_the_run(t, "--json-file", dir, "it is a directory");
    /* --report too: it is written last, after the analysis. */
    refused_before_the_run(t, "--report", path_in("no/such/r.html"),
                           "No such file or directory");

    /* A run that fails for another reason leaves no empty output behind... */
    write_file(t, "keep me\n");
    assert_int_equal(RUN("run", "-n", "50", "-o", t, "-q", "--junit", j, "--json-file", f,
                         "--report", h), 4);
    cli_expect_in(err_path, "exists; use --force");
    assert_false(exists(j));
    assert_false(exists(f));
    assert_false(exists(h));
    assert_int_equal(RUN("run", "-b", "nosuch", "-o", path_in("x.jsonl"), "--junit", j), 2);
    assert_false(exists(j));
    /* ...and an output that was there is kept as it was */
    write_file(j, "an older report\n");
    assert_int_equal(RUN("run", "-n", "50", "-o", t, "-q", "--junit", j), 4);
    cli_expect_in(j, "an older report");
    /* a run that goes through writes them */
    assert_int_equal(RUN("run", "-n", "600", "-o", t, "--force", "-q", "--junit", j,
                         "--json-file", f), 0);
    check_junit(j, nser, 0, NULL);
    json_decref(cli_load_json(f, err_path));
}

static void test_no_colour_when_not_a_tty(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-n", "300", "-O", "leak_handles=1", "-o", path_in("c.jsonl")), 1);
    expect_not_in(out_path, "\033");
    expect_not_in(err_path, "\033");
    expect_not_in(err_path, "\r");
    assert_int_equal(RUN("compare", base_json, leak), 1);
    expect_not_in(out_path, "\033");
}

/* What `rasleak compare` prints on a terminal (a pseudo-terminal), with NO_COLOR as given. */
static char *on_a_tty(const char *no_color)
{
    int master;
    fflush(NULL);
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0) {
        if (no_color)
            setenv("NO_COLOR", no_color, 1);
        else
            unsetenv("NO_COLOR");
        execl(RASLEAK_BIN, RASLEAK_BIN, "compare", base_json, leak, (char *)NULL);
        _exit(127);
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap + 1);
    ssize_t n;
    while (len < cap && (n = read(master, buf + len, cap - len)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;   /* EIO: the child closed the terminal */
        len += (size_t)n;
    }
    buf[len] = '\0';
    close(master);
    assert_int_equal(cli_wait(pid), 1);
    return buf;
}

static void test_no_color_on_a_tty(void **state)
{
    (void)state;
    char *coloured = on_a_tty(NULL);
    assert_non_null(strstr(coloured, "\033["));
    assert_non_null(strstr(coloured, "regression"));
    free(coloured);
    char *plain = on_a_tty("1");
    assert_null(strstr(plain, "\033"));
    assert_non_null(strstr(plain, "result: regression"));
    free(plain);
}

/* ---- allowances ------------------------------------------------------------ */

static const char *allow_file(const char *name, const char *max_rate, const char *expires)
{
    char text[512];
    snprintf(text, sizeof text,
             "[\n  {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": %s,\n"
             "   \"reason\": \"known leak in the dialer, ticket 42\"%s%s%s}\n]\n",
             max_rate, expires ? ", \"expires\": \"" : "", expires ? expires : "",
             expires ? "\"" : "");
    const char *p = path_in(name);
    write_file(p, text);
    return p;
}

static void test_allowance_allowed(void **state)
{
    (void)state;
    const char *ok = allow_file("allow-ok.json", "1.5", "2999-12-31");
    assert_int_equal(RUN("analyze", "--json", "--allow", ok, leak), 0);
    json_t *a = cli_load_json(out_path, err_path);
    assert_string_equal(str(a, "verdict"), "allowed");
    json_t *h = cli_series(a, "self", "handles");
    assert_string_equal(str(h, "verdict"), "allowed");
    assert_non_null(strstr(str(h, "reason"), "known leak in the dialer, ticket 42"));
    json_t *al = json_object_get(h, "allowance");
    assert_string_equal(str(al, "state"), "allowed");
    assert_true(fabs(json_number_value(json_object_get(al, "max_rate")) - 1.5) < 1e-12);
    assert_string_equal(str(al, "expires"), "2999-12-31");
    assert_int_equal(json_integer_value(json_object_get(al, "line")), 2);
    json_decref(a);
    /* for people, in JUnit (passes), and for run and compare as well */
    assert_int_equal(RUN("analyze", "--allow", ok, leak), 0);
    cli_expect_in(out_path, "allowed");
    cli_expect_in(out_path, "ticket 42");
    const char *j = path_in("allowed.xml");
    assert_int_equal(RUN("analyze", "--allow", ok, "--junit", j, leak), 0);
    check_junit(j, nser, 0, NULL);
    assert_int_equal(RUN("run", "-n", "300", "-O", "leak_handles=1", "-o", path_in("a.jsonl"),
                         "-q", "--allow", ok), 0);
    assert_int_equal(RUN("compare", "--json", "--allow", ok, base_json, leak), 0);
    a = cli_load_json(out_path, err_path);
    assert_string_equal(str(cli_series(a, "self", "handles"), "verdict"), "allowed");
    assert_string_equal(str(a, "verdict"), "no_regression");
    json_decref(a);
    /* an allowance without expiry */
    assert_int_equal(RUN("analyze", "--allow", allow_file("allow-forever.json", "1", NULL), leak), 0);
}

static void test_allowance_exceeded_and_expired(void **state)
{
    (void)state;
    const char *small = allow_file("allow-small.json", "0.5", NULL);
    assert_int_equal(RUN("analyze", "--json", "--allow", small, leak), 1);
    json_t *a = cli_load_json(out_path, err_path);
    json_t *h = cli_series(a, "self", "handles");
    assert_string_equal(str(h, "verdict"), "leak");
    assert_string_equal(str(json_object_get(h, "allowance"), "state"), "exceeded");
    json_decref(a);
    cli_expect_in(err_path, "more than its allowance of 0.5");
    const char *old = allow_file("allow-old.json", "1.5", "2000-01-31");
    assert_int_equal(RUN("analyze", "--allow", old, leak), 1);
    cli_expect_in(err_path, "expired on 2000-01-31, so its leak fails again");
    cli_expect_in(out_path, "allowance expired on 2000-01-31");
    const char *j = path_in("expired.xml");
    assert_int_equal(RUN("analyze", "--allow", old, "--junit", j, leak), 1);
    check_junit(j, nser, 1, "allowance expired");
    assert_int_equal(RUN("compare", "--allow", old, base_json, leak), 1);
    cli_expect_in(err_path, "expired on 2000-01-31");
    /* expired but not needed: a warning to remove it, exit 0 */
    assert_int_equal(RUN("analyze", "--allow", old, clean), 0);
    cli_expect_in(err_path, "does not leak now, so remove it");
}

static void test_unmatched_names_warn(void **state)
{
    (void)state;
    /* An allowance, --tolerance or --min-rate that names no series of the
     * analysis is a typo to point out; the exit code stays the verdict's. */
    const char *p = path_in("allow-typo.json");
    write_file(p, "[\n  {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": 1.5,\n"
                  "   \"reason\": \"known\"},\n"
                  "  {\"target\": \"self\", \"metric\": \"bogus\", \"max_rate\": 1,\n"
                  "   \"reason\": \"typo\"},\n"
                  "  {\"target\": \"rasman\", \"metric\": \"handles\", \"max_rate\": 1,\n"
                  "   \"reason\": \"another process\"}\n]\n");
    char bogus[256], rasman[256];
    snprintf(bogus, sizeof bogus,
             "rasleak: warning: allowance for 'self/bogus' (%s:4) matches no series\n", p);
    snprintf(rasman, sizeof rasman,
             "rasleak: warning: allowance for 'rasman/handles' (%s:6) matches no series\n", p);
    assert_int_equal(RUN("analyze", "--allow", p, leak), 0);
    cli_expect_in(err_path, bogus);
    cli_expect_in(err_path, rasman);
    expect_not_in(err_path, "'self/handles'");
    assert_int_equal(RUN("compare", "--allow", p, base_json, leak), 0);
    cli_expect_in(err_path, bogus);
    cli_expect_in(err_path, rasman);
    assert_int_equal(RUN("run", "-n", "300", "-O", "leak_handles=1", "-o", path_in("t.jsonl"),
                         "-q", "--allow", p), 0);
    cli_expect_in(err_path, bogus);

    assert_int_equal(RUN("compare", "--tolerance", "handels=1.5", leak, leak2), 1);
    cli_expect_in(err_path, "rasleak: warning: --tolerance for 'handels' matches no series\n");
    assert_int_equal(RUN("compare", "--min-rate", "handels=5", leak, leak2), 1);
    cli_expect_in(err_path, "rasleak: warning: --min-rate for 'handels' matches no series\n");
    assert_int_equal(RUN("analyze", "--min-rate", "handels=5", leak), 1);
    cli_expect_in(err_path, "rasleak: warning: --min-rate for 'handels' matches no series\n");
    assert_int_equal(RUN("report", "-q", "-o", path_in("r.html"), "--min-rate", "rss=1", leak),
                     1);
    cli_expect_in(err_path, "rasleak: warning: --min-rate for 'rss' matches no series\n");
    assert_int_equal(RUN("run", "-n", "300", "-o", path_in("t.jsonl"), "--force", "-q",
                         "--min-rate", "thread=1"), 0);
    cli_expect_in(err_path, "rasleak: warning: --min-rate for 'thread' matches no series\n");
    /* names that match say nothing, and do their work */
    assert_int_equal(RUN("analyze", "--min-rate", "handles=5", leak), 0);
    expect_not_in(err_path, "matches no series");
    assert_int_equal(RUN("compare", "--tolerance", "handles=1.5", "--tolerance",
                         "rss_bytes=1000", "--tolerance", "private_bytes=1000", leak, leak2), 0);
    expect_not_in(err_path, "matches no series");
}

static void test_allowance_invalid(void **state)
{
    (void)state;
    static const struct { const char *text, *message; } bad[] = {
        {"[\n {\"target\": \"self\", \"metric\": \"handles\",\n  \"max_rate\": 1}\n]\n",
         "allow.json:2: allowance has no 'reason'"},
        {"[\n {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": 1, \"reason\": \"r\","
         "\n  \"expires\": \"2026-02-30\"}]", "allow.json:2: 'expires' of an allowance must be a "
         "date YYYY-MM-DD, not '2026-02-30'"},
        {"[\n {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": -1, \"reason\": \"r\"}]",
         "allow.json:2: 'max_rate' of an allowance must be a number >= 0"},
        {"[\n {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": 1, \"reason\": \"r\",\n"
         "  \"max-rate\": 2}]", "unknown field 'max-rate'"},
        {"[\n {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": 1, \"reason\": \"r\"},\n"
         "\n {\"target\": \"self\", \"metric\": \"handles\", \"max_rate\": 2, \"reason\": \"s\"}\n]",
         "allow.json:4: a second allowance for self/handles (the first is at line 2)"},
        {"[\n {\"target\": \"self\",\n", "allow.json:3:"},
        {"{\"target\": \"self\"}", "allow.json:1: an allowance file is a JSON array"},
    };
    const char *p = path_in("allow.json");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(p, bad[i].text);
        assert_int_equal(RUN("analyze", "--allow", p, leak), 3);
        cli_expect_in(err_path, bad[i].message);
    }
    /* for run it is checked before the run starts */
    assert_int_equal(RUN("run", "-n", "100", "-o", path_in("never.jsonl"), "--allow", p), 3);
    struct stat st;
    assert_int_not_equal(stat(path_in("never.jsonl"), &st), 0);
    assert_int_equal(RUN("analyze", "--allow", path_in("nope.json"), leak), 3);
    cli_expect_in(err_path, "cannot open allowance file");
}

/* ---- upload ---------------------------------------------------------------- */

struct receiver {
    pid_t pid;
    int port;
    char dir[160];
    char url[96];
};

static int receiver_start(struct receiver *r, const char *name, const char *const *extra)
{
    snprintf(r->dir, sizeof r->dir, "%s", path_in(name));
    if (mkdir(r->dir, 0755) < 0 && errno != EEXIST)
        return -1;
    const char *argv[16];
    size_t n = 0;
    argv[n++] = RECEIVER_BIN;
    argv[n++] = "--record";
    argv[n++] = r->dir;
    for (size_t i = 0; extra && extra[i] && n < 15; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    r->port = fixture_start(argv, &r->pid);
    snprintf(r->url, sizeof r->url, "http://127.0.0.1:%d/results", r->port);
    return r->port > 0 ? 0 : -1;
}

static int receiver_stop(struct receiver *r)
{
    kill(r->pid, SIGTERM);
    cli_wait(r->pid);
    char p[200];
    snprintf(p, sizeof p, "%s/0.count", r->dir);
    char *s = cli_slurp(p);
    int n = atoi(s);
    free(s);
    return n;
}

/* A whole file with its length. */
static char *slurp_n(const char *p, size_t *len)
{
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    b[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return b;
}

static void test_upload_success(void **state)
{
    (void)state;
    struct receiver r;
    assert_int_equal(receiver_start(&r, "recv-ok", NULL), 0);
    setenv("RASLEAK_UPLOAD_TOKEN", "s3cret-token", 1);
    int rc = RUN("analyze", "--upload", r.url, leak);
    unsetenv("RASLEAK_UPLOAD_TOKEN");
    assert_int_equal(rc, 1);   /* the verdict's code */
    assert_int_equal(receiver_stop(&r), 1);
    cli_expect_in(err_path, "uploaded the results (HTTP 200)");
    expect_not_in(err_path, "s3cret");
    expect_not_in(out_path, "s3cret");
    char p[200];
    snprintf(p, sizeof p, "%s/1.head", r.dir);
    cli_expect_in(p, "POST /results HTTP/1.1");
    cli_expect_in(p, "Authorization: Bearer s3cret-token");
    cli_expect_in(p, "Content-Type: application/json");
    cli_expect_in(p, "User-Agent: rasleak/");
    snprintf(p, sizeof p, "%s/1.body", r.dir);
    json_t *a = cli_load_json(p, err_path);
    assert_string_equal(str(a, "format"), "rasleak-analysis");
    assert_string_equal(str(a, "verdict"), "leak");
    assert_string_equal(str(cli_series(a, "self", "handles"), "verdict"), "leak");
    json_decref(a);
    /* compare uploads the comparison; no token, no Authorization */
    assert_int_equal(receiver_start(&r, "recv-cmp", NULL), 0);
    assert_int_equal(RUN("compare", "--upload", r.url, base_json, leak), 1);
    assert_int_equal(receiver_stop(&r), 1);
    snprintf(p, sizeof p, "%s/1.head", r.dir);
    expect_not_in(p, "Authorization");
    snprintf(p, sizeof p, "%s/1.body", r.dir);
    a = cli_load_json(p, err_path);
    assert_string_equal(str(a, "format"), "rasleak-comparison");
    json_decref(a);
}

static void test_upload_trend_gzip(void **state)
{
    (void)state;
    struct receiver r;
    assert_int_equal(receiver_start(&r, "recv-gz", NULL), 0);
    const char *t = path_in("up.jsonl");
    assert_int_equal(RUN("run", "-n", "300", "-O", "leak_handles=1", "-o", t, "-q",
                         "--upload", r.url, "--upload-trend"), 1);
    assert_int_equal(receiver_stop(&r), 1);
    char p[200];
    snprintf(p, sizeof p, "%s/1.head", r.dir);
    char *head = cli_slurp(p);
    char *b = strstr(head, "boundary=");
    assert_non_null(strstr(head, "Content-Type: multipart/form-data"));
    assert_non_null(b);
    char boundary[128];
    size_t bl = strcspn(b + 9, "\r\n");
    snprintf(boundary, sizeof boundary, "\r\n--%.*s", (int)bl, b + 9);
    free(head);
    size_t len;
    snprintf(p, sizeof p, "%s/1.body", r.dir);
    char *body = slurp_n(p, &len);
    /* the analysis part */
    char *ap = memmem(body, len, "name=\"analysis\"", 15);
    assert_non_null(ap);
    char *adata = strstr(ap, "\r\n\r\n") + 4;
    char *aend = memmem(adata, len - (size_t)(adata - body), boundary, strlen(boundary));
    assert_non_null(aend);
    json_t *a = json_loadb(adata, (size_t)(aend - adata), 0, NULL);
    assert_non_null(a);
    assert_string_equal(str(a, "verdict"), "leak");
    json_decref(a);
    /* the trend part: gzip that inflates to the trend file, byte for byte */
    char *tp = memmem(body, len, "name=\"trend\"; filename=\"up.jsonl.gz\"", 36);
    assert_non_null(tp);
    assert_non_null(strstr(tp, "Content-Type: application/gzip"));
    unsigned char *gz = (unsigned char *)strstr(tp, "\r\n\r\n") + 4;
    char *gend = memmem(gz, len - (size_t)((char *)gz - body), boundary, strlen(boundary));
    assert_non_null(gend);
    size_t tlen;
    char *trend = slurp_n(t, &tlen);
    char *plain = malloc(tlen + 16);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = gz;
    z.avail_in = (uInt)((unsigned char *)gend - gz);
    z.next_out = (unsigned char *)plain;
    z.avail_out = (uInt)(tlen + 16);
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, tlen);
    assert_memory_equal(plain, trend, tlen);
    inflateEnd(&z);
    free(plain);
    free(trend);
    free(body);
}

static void test_upload_retries(void **state)
{
    (void)state;
    struct receiver r;
    setenv("RASLEAK_UPLOAD_BACKOFF_MS", "20", 1);
    /* fails twice with 503, then stores */
    assert_int_equal(receiver_start(&r, "recv-flaky", (const char *const[]){"--fail", "2", NULL}),
                     0);
    assert_int_equal(RUN("analyze", "--upload", r.url, "--upload-required", clean), 0);
    assert_int_equal(receiver_stop(&r), 3);
    cli_expect_in(err_path, "uploaded the results (HTTP 200, attempt 3 of 3)");
    char p[200];
    snprintf(p, sizeof p, "%s/3.body", r.dir);
    json_decref(cli_load_json(p, err_path));
    /* always fails: a warning, and the verdict's exit code */
    assert_int_equal(receiver_start(&r, "recv-down", (const char *const[]){"--fail", "99", NULL}),
                     0);
    assert_int_equal(RUN("analyze", "--upload", r.url, leak), 1);
    cli_expect_in(err_path, "warning: upload to 'http://127.0.0.1:");
    cli_expect_in(err_path, "failed after 3 attempts: HTTP 503: unavailable");
    assert_int_equal(RUN("analyze", "--upload", r.url, "--upload-required", clean), 4);
    cli_expect_in(err_path, "error: upload to");
    assert_int_equal(receiver_stop(&r), 6);
    /* a 4xx is final: no retry */
    assert_int_equal(receiver_start(&r, "recv-403",
                                    (const char *const[]){"--fail", "99", "--fail-status", "403",
                                                          NULL}), 0);
    assert_int_equal(RUN("analyze", "--upload", r.url, clean), 0);
    assert_int_equal(receiver_stop(&r), 1);
    cli_expect_in(err_path, "HTTP 403");
    /* nobody listening: connection errors are retried, then a warning */
    assert_int_equal(RUN("analyze", "--upload", r.url, clean), 0);
    cli_expect_in(err_path, "failed after 3 attempts: curl: (7)");
    setenv("RASLEAK_UPLOAD_ATTEMPTS", "1", 1);
    assert_int_equal(RUN("analyze", "--upload", r.url, clean), 0);
    expect_not_in(err_path, "attempts");
    unsetenv("RASLEAK_UPLOAD_ATTEMPTS");
    unsetenv("RASLEAK_UPLOAD_BACKOFF_MS");
}

static void test_upload_tls_and_usage(void **state)
{
    (void)state;
    struct receiver r;
    assert_int_equal(receiver_start(&r, "recv-tls", NULL), 0);
    char url[96];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/results", r.port);
    assert_int_equal(RUN("analyze", "--upload", url, "--upload-required", clean), 4);
    assert_int_equal(receiver_stop(&r), 0);   /* nothing got through */
    cli_expect_in(err_path, "TLS handshake or certificate verification failed");
    expect_not_in(err_path, "attempts");   /* not retried */
    assert_int_equal(RUN("analyze", "--upload", "ftp://127.0.0.1/x", clean), 0);
    cli_expect_in(err_path, "takes an http:// or https:// URL");
    assert_int_equal(RUN("analyze", "--upload-required", clean), 2);
    cli_expect_in(err_path, "--upload-required goes with --upload URL");
    setenv("RASLEAK_UPLOAD_BACKOFF_MS", "soon", 1);
    assert_int_equal(RUN("analyze", "--upload", url, clean), 2);
    unsetenv("RASLEAK_UPLOAD_BACKOFF_MS");
    cli_expect_in(err_path, "RASLEAK_UPLOAD_BACKOFF_MS takes a number");
    assert_int_equal(RUN("compare", "--upload", url, "--upload-trend", clean, base_json), 2);
    cli_expect_in(err_path, "--upload-trend needs CURRENT to be a trend file");
}

int main(void)
{
    xmlInitParser();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_regression),
        cmocka_unit_test(test_compare_unchanged),
        cmocka_unit_test(test_compare_improved),
        cmocka_unit_test(test_compare_new_and_missing),
        cmocka_unit_test(test_compare_tolerance),
        cmocka_unit_test(test_compare_mismatch_warnings),
        cmocka_unit_test(test_compare_partial_runs),
        cmocka_unit_test(test_compare_bad_input),
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_annotations),
        cmocka_unit_test(test_json_file),
        cmocka_unit_test(test_run_checks_outputs_first),
        cmocka_unit_test(test_no_colour_when_not_a_tty),
        cmocka_unit_test(test_no_color_on_a_tty),
        cmocka_unit_test(test_allowance_allowed),
        cmocka_unit_test(test_allowance_exceeded_and_expired),
        cmocka_unit_test(test_unmatched_names_warn),
        cmocka_unit_test(test_allowance_invalid),
        cmocka_unit_test(test_upload_success),
        cmocka_unit_test(test_upload_trend_gzip),
        cmocka_unit_test(test_upload_retries),
        cmocka_unit_test(test_upload_tls_and_usage),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    xmlCleanupParser();
    return rc;
}
