/*
 * CLI tests: run the real rasleak binary and check exit codes, files and
 * numbers.  RASLEAK_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99 ...")
 * runs every invocation under a tool.
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "cli_util.h"

static char dir[64];
static char out_path[128], err_path[128], trend[128];

static int setup(void **state)
{
    (void)state;
    return cli_make_dir("cli", 0700, dir, out_path, err_path, trend);
}

static int teardown(void **state)
{
    (void)state;
    return cli_remove_dir(dir);
}

struct limits { long nofile; };

static pid_t start(const char *const *args, const struct limits *lim)
{
    struct cli_proc p = {.dir = dir, .out = out_path, .err = err_path,
                         .nofile = lim ? lim->nofile : 0, .uid = -1};
    return cli_start(&p, RASLEAK_BIN, args);
}


static int run_lim(const struct limits *lim, const char *const *args)
{
    return cli_wait(start(args, lim));
}

#define RUN(...) run_lim(NULL, (const char *const[]){__VA_ARGS__, NULL})

static const char *verdict_of(json_t *s)
{
    return json_string_value(json_object_get(s, "verdict"));
}

/* ---- tests -------------------------------------------------------------- */

static void test_version_and_help(void **state)
{
    (void)state;
    assert_int_equal(RUN("--version"), 0);
    cli_expect_in(out_path, "rasleak 0.");
    assert_int_equal(RUN("--help"), 0);
    cli_expect_in(out_path, "analyze");
    assert_int_equal(RUN("run", "--help"), 0);
    cli_expect_in(out_path, "--max-failures");
    assert_int_equal(RUN("analyze", "--help"), 0);
    cli_expect_in(out_path, "--alpha");
    assert_int_equal(RUN("frobnicate"), 2);
    cli_expect_in(err_path, "'frobnicate' is not a rasleak command");
}

static void test_backends_listing(void **state)
{
    (void)state;
    assert_int_equal(RUN("backends"), 0);
    cli_expect_in(out_path, "mock (default)");
    cli_expect_in(out_path, "leak_handles");
    cli_expect_in(out_path, "fail_after");
}

static void test_leak_run_exits_1(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "leak_handles=1", "-n", "400", "--json", "-q"), 1);
    json_t *a = cli_load_json(out_path, err_path);
    assert_string_equal(json_string_value(json_object_get(a, "verdict")), "leak");
    json_t *h = cli_series(a, "self", "handles");
    assert_string_equal(verdict_of(h), "leak");
    assert_true(fabs(json_number_value(json_object_get(h, "slope_per_iter")) - 1.0) < 0.01);
    assert_int_equal(json_integer_value(json_object_get(h, "n")), 360);
    /* only handles leak: memory stays judged clean */
    assert_string_equal(verdict_of(cli_series(a, "self", "threads")), "no_leak");
    json_decref(a);
    /* the default trend file was written and is complete */
    char def[160];
    snprintf(def, sizeof def, "%s/rasleak-trend.jsonl", dir);
    json_t *s = cli_summary(def);
    assert_string_equal(json_string_value(json_object_get(s, "stop_reason")), "completed");
    assert_int_equal(json_integer_value(json_object_get(s, "iterations_done")), 400);
    json_decref(s);
}

static void test_clean_run_exits_0(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-n", "2000", "-o", trend, "--json", "-q"), 0);
    json_t *a = cli_load_json(out_path, err_path);
    assert_string_equal(json_string_value(json_object_get(a, "verdict")), "no_leak");
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(a, "series"), i, s)
        assert_string_equal(verdict_of(s), "no_leak");
    assert_true(json_array_size(json_object_get(a, "series")) >= 5);
    json_decref(a);
}

static void test_plateau_exits_0(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "leak_handles=1", "-O", "plateau=150", "-n", "1500",
                         "--warmup", "50", "-o", trend, "--json", "-q"), 0);
    json_t *a = cli_load_json(out_path, err_path);
    json_t *h = cli_series(a, "self", "handles");
    assert_string_equal(verdict_of(h), "no_leak");
    assert_non_null(strstr(json_string_value(json_object_get(h, "reason")), "plateau"));
    json_decref(a);
}

static void test_memory_leak_flagged(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "leak_bytes=4096", "-n", "1000", "-o", trend, "--json",
                         "-q"), 1);
    json_t *a = cli_load_json(out_path, err_path);
    if (cli_wrapped()) {
        /* valgrind's malloc keeps no glibc books: not available, not 0 */
        assert_null(cli_find_series(a, "self", "heap_bytes"));
    } else {
        json_t *heap = cli_series(a, "self", "heap_bytes");
        assert_string_equal(verdict_of(heap), "leak");
        double slope = json_number_value(json_object_get(heap, "slope_per_iter"));
        assert_true(slope >= 4096 && slope < 4096 * 1.1);
    }
    assert_string_equal(verdict_of(cli_series(a, "self", "rss_bytes")), "leak");
    assert_string_equal(verdict_of(cli_series(a, "self", "handles")), "no_leak");
    json_decref(a);
}

/* How many times `needle` occurs in the file. */
static int count_in(const char *path, const char *needle)
{
    char *t = cli_slurp(path);
    int k = 0;
    for (const char *p = t; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        k++;
    free(t);
    return k;
}

/*
 * The human report: one row and one "why" line per series, the leak's
 * reason naming the test, its correction and the slope interval, and the
 * projection in words for a limit not yet reached.
 */
static void test_why_lines_and_projection(void **state)
{
    (void)state;
    struct limits lim = {4096};
    assert_int_equal(run_lim(&lim, (const char *const[]){"run", "-O", "leak_handles=1", "-n",
                                                         "500", "--warmup", "20", "-o", trend,
                                                         NULL}), 1);
    cli_expect_in(out_path, "why: grows steadily (p=");
    cli_expect_in(out_path, "slope interval ");
    cli_expect_in(out_path, " handles per iteration");
    cli_expect_in(out_path, "why: constant at 1");  /* threads */
    /* 4,096 descriptors, about 500 in use, one more a dial */
    cli_expect_in(out_path, "at this rate dialing fails after about 3,");
    cli_expect_in(out_path, "more iterations (limit 4,096, at iteration ");
    assert_int_equal(RUN("analyze", "--json", trend), 1);
    json_t *a = cli_load_json(out_path, err_path);
    size_t nseries = json_array_size(json_object_get(a, "series"));
    json_t *h = cli_series(a, "self", "handles");
    double more = json_number_value(json_object_get(h, "exhausted_at_iter")) -
                  json_number_value(json_object_get(h, "last_iter"));
    assert_true(more > 3000 && more < 4000);
    json_decref(a);
    assert_int_equal(RUN("analyze", trend), 1);
    assert_true(nseries >= 5);
    assert_int_equal(count_in(out_path, "\n      why: "), (int)nseries);
    assert_int_equal(count_in(out_path, "\n  self  "), (int)nseries);
}

/*
 * --alpha decides: a leak whose corrected p is p is judged no_leak at
 * alpha p/2, with the reason and exit code that say so, and a leak again
 * at the default 0.01.
 */
static void test_alpha_decides(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "leak_bytes=64", "-O", "noise_bytes=4096", "-n", "300",
                         "--warmup", "20", "--no-analyze", "-o", trend, "-q"), 0);
    assert_int_equal(RUN("analyze", "--json", trend), 1);
    json_t *a = cli_load_json(out_path, err_path);
    double pmin = 1;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(a, "series"), i, s)
        if (strcmp(verdict_of(s), "leak") == 0 &&
            json_number_value(json_object_get(s, "mk_p_corrected")) < pmin)
            pmin = json_number_value(json_object_get(s, "mk_p_corrected"));
    json_decref(a);
    /* a short run: the correction leaves p small but far from underflow */
    assert_true(pmin > 0 && pmin < 0.01);
    char alpha[32];
    snprintf(alpha, sizeof alpha, "%.17g", pmin / 2);
    assert_int_equal(RUN("analyze", "--json", "--alpha", alpha, trend), 0);
    a = cli_load_json(out_path, err_path);
    assert_string_equal(json_string_value(json_object_get(a, "verdict")), "no_leak");
    json_t *rss = cli_series(a, "self", "rss_bytes");
    assert_string_equal(verdict_of(rss), "no_leak");
    assert_non_null(strstr(json_string_value(json_object_get(rss, "reason")),
                           "no significant upward trend (p="));
    json_decref(a);
    assert_int_equal(RUN("analyze", "--alpha", alpha, trend), 0);
    cli_expect_in(out_path, "why: no significant upward trend (p=");
    cli_expect_in(out_path, "verdict: no_leak");
    assert_int_equal(RUN("analyze", "--alpha", "0.01", trend), 1);
    cli_expect_in(out_path, "verdict: leak");
}

static void test_fail_after_records_failures(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "fail_after=100", "-n", "1000", "-o", trend, "-q"), 0);
    json_t *s = cli_summary(trend);
    assert_string_equal(json_string_value(json_object_get(s, "stop_reason")), "max_failures");
    assert_int_equal(json_integer_value(json_object_get(s, "dial_failures")), 10);
    assert_int_equal(json_integer_value(json_object_get(s, "iterations_done")), 109);
    json_decref(s);
    cli_expect_in(out_path, "dial failed 10 times, first at iteration 100: dial refused");
    cli_expect_in(out_path, "stopped: max_failures");
    char *t = cli_slurp(trend);
    assert_non_null(strstr(t, "\"kind\":\"dial_failed\""));
    free(t);
}

static void test_kb_symptom_under_low_limit(void **state)
{
    (void)state;
    /* KB Q168348 in miniature: handles leak until dialing fails. */
    struct limits lim = {64};
    assert_int_equal(run_lim(&lim, (const char *const[]){"run", "-O", "leak_handles=1", "-n",
                                                         "500", "--warmup", "5", "-o", trend,
                                                         "--json", "-q", NULL}), 1);
    json_t *a = cli_load_json(out_path, err_path);
    json_t *h = cli_series(a, "self", "handles");
    assert_string_equal(verdict_of(h), "leak");
    assert_int_equal(json_integer_value(json_object_get(h, "limit")), 64);
    double reached = json_number_value(json_object_get(h, "reached_limit_iter"));
    double projected = json_number_value(json_object_get(h, "exhausted_at_iter"));
    assert_true(reached > 40 && reached < 64);
    assert_true(fabs(projected - reached) <= 2);
    json_t *run = json_object_get(a, "run");
    assert_string_equal(json_string_value(json_object_get(run, "stop_reason")), "max_failures");
    assert_non_null(strstr(json_string_value(json_object_get(run, "first_failure")),
                           "Too many open files"));
    json_decref(a);
}

static void test_json_layout(void **state)
{
    (void)state;
    char doc[160];
    snprintf(doc, sizeof doc, "%s/trend.json", dir);
    assert_int_equal(RUN("run", "-O", "leak_handles=0.1", "-n", "1100", "-o", doc, "-q",
                         "--no-analyze"), 0);
    json_error_t e;
    json_t *d = json_load_file(doc, 0, &e);   /* one valid document */
    assert_non_null(d);
    assert_int_equal(json_array_size(json_object_get(d, "samples")), 1100);
    json_decref(d);
    assert_int_equal(RUN("analyze", "--json", doc), 1);
    json_t *a = cli_load_json(out_path, err_path);
    json_t *h = cli_series(a, "self", "handles");
    assert_true(fabs(json_number_value(json_object_get(h, "slope_per_iter")) - 0.1) < 0.005);
    json_decref(a);
}

/* A long run in the default layout is told about the compact one, once,
 * on stderr; not when a layout was chosen, nor with --quiet. */
static void test_compact_hint(void **state)
{
    (void)state;
    static const char hint[] = "--format compact writes about a fifth of the bytes";
    assert_int_equal(RUN("run", "-n", "2000000", "--duration", "0.05", "--no-analyze", "-o", trend,
                         "--force"), 0);
    cli_expect_in(err_path, "rasleak: hint: for 2,000,000 iterations, --format compact");
    char *text = cli_slurp(err_path);
    assert_null(strstr(strstr(text, hint) + 1, hint));  /* once */
    free(text);
    for (int i = 0; i < 3; i++) {
        int rc = i == 0   ? RUN("run", "-n", "2000000", "--duration", "0.05", "--no-analyze", "-o",
                                trend, "--force", "--format", "jsonl")
                 : i == 1 ? RUN("run", "-n", "2000000", "--duration", "0.05", "--no-analyze",
                                "-o", trend, "--force", "-q")
                          : RUN("run", "-n", "3000", "--no-analyze", "-o", trend, "--force");
        assert_int_equal(rc, 0);
        text = cli_slurp(err_path);
        if (strstr(text, hint))
            fail_msg("case %d: a hint where none belongs: %s", i, text);
        free(text);
    }
}

static void test_compact_layout(void **state)
{
    (void)state;
    /* Full samples and rows; the report and the verdict as from jsonl. */
    assert_int_equal(RUN("run", "-O", "leak_handles=0.1", "-n", "2500", "-o", trend, "-q",
                         "--format", "compact", "--json"), 1);
    json_t *a = cli_load_json(out_path, err_path);
    json_t *h = cli_series(a, "self", "handles");
    assert_string_equal(verdict_of(h), "leak");
    assert_true(fabs(json_number_value(json_object_get(h, "slope_per_iter")) - 0.1) < 0.005);
    assert_int_equal(json_integer_value(json_object_get(h, "n")), 2250);
    json_decref(a);
    FILE *fp = fopen(trend, "r");
    assert_non_null(fp);
    char line[4096];
    long objects = 0, rows = 0, last_full = 0, max_gap = 0;
    int first = 0, measured = 0;
    while (fgets(line, sizeof line, fp)) {
        rows += line[0] == '[';
        if (strncmp(line, "{\"type\":\"sample\",\"iter\":", 24) != 0)
            continue;
        long it = strtol(line + 24, NULL, 10);
        objects++;
        first += it == 1;
        measured += it == 251 && strstr(line, "\"phase\":\"measure\"") != NULL;
        if (it - last_full > max_gap)
            max_gap = it - last_full;
        last_full = it;
    }
    fclose(fp);
    /* Full at iteration 1, at the first of the measured phase (the warm-up
     * is a tenth, 250), and at least every 1,000th sample.  heap_bytes is
     * left out of a sample when the heap is slow to read, which a loaded
     * machine can make it: null in a row, but a full sample that lacks it
     * makes the next sample that has it a full one too. */
    assert_int_equal(first, 1);
    assert_int_equal(measured, 1);
    assert_true(max_gap <= 1000);
    assert_int_equal(objects + rows, 2500);
    assert_true(rows >= 2400);
    json_t *s = cli_summary(trend);
    assert_string_equal(json_string_value(json_object_get(s, "stop_reason")), "completed");
    json_decref(s);
    assert_int_equal(RUN("analyze", trend), 1);
    assert_int_equal(RUN("run", "--format", "csv", "-o", trend, "--force"), 2);
    cli_expect_in(err_path, "--format takes jsonl, json or compact");
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "bogus=1", "-o", trend), 2);
    cli_expect_in(err_path, "backend 'mock' has no option 'bogus' (valid: leak_handles");
    assert_int_equal(RUN("run", "-O", "leak_handles=abc", "-o", trend), 2);
    cli_expect_in(err_path, "option 'leak_handles' takes a number, not 'abc'");
    assert_int_equal(RUN("run", "--bogus"), 2);
    cli_expect_in(err_path, "unknown option '--bogus'");
    assert_int_equal(RUN("run", "-b", "nosuch"), 2);
    cli_expect_in(err_path, "no backend 'nosuch'");
    assert_int_equal(RUN("run", "-n", "0"), 2);
    assert_int_equal(RUN("run", "-n", "10", "--warmup", "10"), 2);
    assert_int_equal(RUN("analyze"), 2);
    assert_int_equal(RUN("analyze", "--alpha", "2", trend), 2);
    struct stat st;
    assert_int_equal(stat(trend, &st), -1);   /* nothing was written */
}

static void test_missing_value_is_named(void **state)
{
    (void)state;
    /* Every command names the option that lacks its value, the same way,
     * wherever it stands; none of them answers with its whole usage. */
    static const struct { const char *args[5]; const char *opt; } cases[] = {
        {{"analyze", "t.jsonl", "--alpha"}, "--alpha"},
        {{"analyze", "--min-rate"}, "--min-rate"},
        {{"report", "t.jsonl", "--alpha"}, "--alpha"},
        {{"compare", "a.json", "b.json", "--tolerance"}, "--tolerance"},
        {{"run", "--alpha"}, "--alpha"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(run_lim(NULL, cases[i].args), 2);
        char want[96];
        snprintf(want, sizeof want, "rasleak: error: option '%s' needs a value\n", cases[i].opt);
        char *e = cli_slurp(err_path);
        if (strcmp(e, want) != 0)
            fail_msg("rasleak %s: stderr is\n%s\nnot\n%s", cases[i].args[0], e, want);
        free(e);
    }
    /* an unknown option points at the command's help */
    assert_int_equal(RUN("analyze", "--alfa", "0.1", trend), 2);
    cli_expect_in(err_path, "unknown option '--alfa' for analyze (see 'rasleak analyze --help')");
}

static void test_sample_every_fits_the_run(void **state)
{
    (void)state;
    /* More than -n would sample the last iteration alone: refused before
     * anything is written. */
    assert_int_equal(RUN("run", "-n", "1000", "--sample-every", "5000", "-o", trend, "-q"), 2);
    cli_expect_in(err_path, "--sample-every (5000) must not be more than -n (1000)");
    struct stat st;
    assert_int_equal(stat(trend, &st), -1);
    /* As many as -n is allowed; its one measured sample is inconclusive,
     * and said in the singular. */
    assert_int_equal(RUN("run", "-n", "20", "--warmup", "10", "--sample-every", "20", "-o",
                         trend, "-q"), 0);
    cli_expect_in(out_path, "20 iterations, 1 sample (warm-up 10)");
    cli_expect_in(out_path, "why: only 1 measured sample (at least 8 needed)");
    cli_expect_in(out_path, "verdict: inconclusive");
}

static void write_file(const char *p, const char *text)
{
    FILE *fp = fopen(p, "w");
    fputs(text, fp);
    fclose(fp);
}

static void test_malformed_file_exits_3(void **state)
{
    (void)state;
    write_file(trend,
               "{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":1,\"targets\":[]}\n"
               "{\"type\":\"sample\",\"iter\":1,\"t\":0,\"targets\":{}}\n"
               "{\"type\":\"sample\",\"iter\":2,\"t\":0,\"targets\":{\"self\":{\"handles\":-1}}}\n");
    assert_int_equal(RUN("analyze", trend), 3);
    char want[200];
    snprintf(want, sizeof want, "%s:3: metric 'handles' of target 'self' must be a number", trend);
    cli_expect_in(err_path, want);
    char *o = cli_slurp(out_path);
    assert_string_equal(o, "");    /* nothing a script could take for a result */
    free(o);
    assert_int_equal(RUN("analyze", "nonexistent.jsonl"), 3);
    cli_expect_in(err_path, "cannot open 'nonexistent.jsonl'");
}

static void test_existing_output_needs_force(void **state)
{
    (void)state;
    write_file(trend, "keep me\n");
    assert_int_equal(RUN("run", "-n", "20", "-o", trend, "-q"), 4);
    cli_expect_in(err_path, "exists; use --force");
    cli_expect_in(trend, "keep me");
    assert_int_equal(RUN("run", "-n", "20", "-o", trend, "-q", "--force", "--no-analyze"), 0);
    json_t *s = cli_summary(trend);
    json_decref(s);
}

static void test_unwritable_output_exits_4(void **state)
{
    (void)state;
    struct stat dev;
    if (stat("/dev/full", &dev) != 0 || !S_ISCHR(dev.st_mode))
        fail_msg("/dev/full is not the full device: something replaced it");
    assert_int_equal(RUN("run", "-n", "2000", "-o", "/dev/full", "--force", "-q"), 4);
    /* --force truncates and writes; it must never replace the device */
    assert_int_equal(stat("/dev/full", &dev), 0);
    assert_true(S_ISCHR(dev.st_mode));
    cli_expect_in(err_path, "cannot write '/dev/full'");
    char *o = cli_slurp(out_path);
    assert_string_equal(o, "");
    free(o);
    assert_int_equal(RUN("run", "-n", "20", "-o", dir, "-q"), 4);
    cli_expect_in(err_path, "is a directory");
}

static void test_stdout_and_stdin(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-n", "50", "-o", "-", "-q"), 0);
    cli_expect_in(out_path, "\"type\":\"header\"");
    cli_expect_in(out_path, "\"type\":\"summary\"");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' analyze --json - < '%s' > '%s/a.json'", RASLEAK_BIN,
             out_path, dir);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_sigint_finishes_cleanly(void **state)
{
    (void)state;
    pid_t pid = start((const char *const[]){"run", "-O", "latency_ms=2", "-n", "100000", "-o",
                                            trend, "-q", NULL}, NULL);
    /* Interrupt once the run is under way (a tool may slow its start). */
    struct timespec ts = {0, 20 * 1000000L};
    struct stat st;
    for (int i = 0; i < 1000 && !(stat(trend, &st) == 0 && st.st_size > 2000); i++)
        nanosleep(&ts, NULL);
    nanosleep(&ts, NULL);
    kill(pid, SIGINT);
    int rc = cli_wait(pid);
    assert_int_equal(rc, 0);      /* analyzed what it had: clean */
    json_t *s = cli_summary(trend);
    assert_string_equal(json_string_value(json_object_get(s, "stop_reason")), "interrupted");
    assert_int_equal(json_integer_value(json_object_get(s, "connections_left_open")), 0);
    assert_true(json_integer_value(json_object_get(s, "iterations_done")) > 10);
    json_decref(s);
    cli_expect_in(out_path, "verdict:");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_version_and_help), T(test_backends_listing), T(test_leak_run_exits_1),
        T(test_clean_run_exits_0), T(test_plateau_exits_0), T(test_memory_leak_flagged),
        T(test_why_lines_and_projection), T(test_alpha_decides),
        T(test_fail_after_records_failures), T(test_kb_symptom_under_low_limit),
        T(test_json_layout), T(test_compact_hint), T(test_compact_layout), T(test_usage_errors_exit_2),
        T(test_missing_value_is_named), T(test_sample_every_fits_the_run),
        T(test_malformed_file_exits_3),
        T(test_existing_output_needs_force), T(test_unwritable_output_exits_4),
        T(test_stdout_and_stdin), T(test_sigint_finishes_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
