/*
 * CLI tests: the progress line of the commands that analyze a trend file
 * (analyze, compare, report).  It goes to standard error only, is drawn
 * with "\r" and cleared before anything else is said there, never changes
 * standard output or the exit code, and is off when standard error is not
 * a terminal unless --progress asks for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "cli_util.h"

static char dir[64];
static char out_path[128], err_path[128], trend[128];
static char trend2[160], bad[160], html[160];

/*
 * Two leaking mock runs, big enough that reading reports more than once
 * (a look every 4,096 records; the cut for two reading threads is the
 * unit tests' business), and a copy of the first with a malformed line in
 * the middle.
 */
static int setup(void **state)
{
    (void)state;
    if (cli_make_dir("progress", 0700, dir, out_path, err_path, trend) < 0)
        return -1;
    snprintf(trend2, sizeof trend2, "%s/second.jsonl", dir);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", dir);
    snprintf(html, sizeof html, "%s/report.html", dir);
    const char *files[2] = {trend, trend2};
    for (int i = 0; i < 2; i++) {
        struct cli_proc p = {.dir = dir, .out = out_path, .err = err_path, .uid = -1};
        const char *args[] = {"run", "-n", "12000", "--warmup", "1000", "-O", "leak_handles=1",
                              "--no-analyze", "-q", "-o", files[i], NULL};
        if (cli_wait(cli_start(&p, RASLEAK_BIN, args)) != 0)
            return -1;
    }
    char *s = cli_slurp(trend);
    FILE *fp = fopen(bad, "w");
    if (!fp)
        return -1;
    /* The line after the 8,000th newline becomes "not json". */
    size_t nl = 0, i = 0, len = strlen(s);
    for (; i < len && nl < 8000; i++)
        nl += s[i] == '\n';
    fwrite(s, 1, i, fp);
    fputs("not json\n", fp);
    fputs(s + i, fp);
    fclose(fp);
    free(s);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return cli_remove_dir(dir);
}

static int run(const char *const *args)
{
    struct cli_proc p = {.dir = dir, .out = out_path, .err = err_path, .uid = -1};
    return cli_wait(cli_start(&p, RASLEAK_BIN, args));
}

#define RUN(...) run((const char *const[]){__VA_ARGS__, NULL})

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* What follows the last "\r" of the progress: the line after it was cleared. */
static const char *after_progress(const char *s)
{
    const char *clear = NULL;
    for (const char *p = s; (p = strstr(p, "\r\033[K")); p += 4)
        clear = p + 4;
    return clear ? clear : s;
}

static void test_analyze_progress(void **state)
{
    (void)state;
    /* The result without progress, to compare with. */
    assert_int_equal(RUN("analyze", "--no-progress", trend), 1);
    char *plain = cli_slurp(out_path);
    char *err = cli_slurp(err_path);
    assert_string_equal(err, "");
    free(err);
    assert_non_null(strstr(plain, "handles"));

    for (int threads = 1; threads <= 2; threads++) {
        const char *t = threads == 1 ? "1" : "2";
        assert_int_equal(RUN("analyze", "--progress", "--threads", t, trend), 1);
        char *out = cli_slurp(out_path);
        assert_string_equal(out, plain);
        free(out);
        err = cli_slurp(err_path);
        char want[256];
        snprintf(want, sizeof want, "\rreading '%s': ", trend);
        assert_true(count(err, want) >= 2);
        snprintf(want, sizeof want, "\rreading '%s': 100%% of ", trend);
        assert_non_null(strstr(err, want));
        /* All series judged at the end: "N of N" (6 here, 5 under valgrind,
         * whose allocator gives no heap_bytes). */
        snprintf(want, sizeof want, "\rjudging '%s': ", trend);
        const char *j = strstr(err, want);
        assert_non_null(j);
        const char *last = j;
        while ((j = strstr(j + 1, want)))
            last = j;
        int done = -1, total = -2;
        assert_int_equal(sscanf(last + strlen(want), "%d of %d series", &done, &total), 2);
        assert_true(total >= 5);
        assert_int_equal(done, total);
        /* Reading comes before judging, and the line is cleared at the end. */
        assert_true(strstr(err, "\rreading") < strstr(err, "\rjudging"));
        assert_string_equal(after_progress(err), "");
        assert_int_equal(count(err, "\n"), 0);
        free(err);
    }

    /* Not a terminal, nothing asked: nothing. */
    assert_int_equal(RUN("analyze", trend), 1);
    err = cli_slurp(err_path);
    assert_string_equal(err, "");
    free(err);
    /* The JSON on stdout is untouched by the line on stderr. */
    assert_int_equal(RUN("analyze", "--json", "--progress", trend), 1);
    json_error_t je;
    json_t *j = json_load_file(out_path, 0, &je);
    assert_non_null(j);
    json_decref(j);
    free(plain);
}

/* A bad line: the line is cleared first, then the error, with its place. */
static void test_progress_then_error(void **state)
{
    (void)state;
    assert_int_equal(RUN("analyze", "--progress", bad), 3);
    char *err = cli_slurp(err_path);
    assert_non_null(strstr(err, "\rreading"));
    const char *rest = after_progress(err);
    char want[256];
    snprintf(want, sizeof want, "rasleak: error: %s:8001:", bad);
    if (strncmp(rest, want, strlen(want)) != 0)
        fail_msg("after the progress line: '%s', wanted it to start with '%s'", rest, want);
    assert_null(strstr(err, "\rjudging"));
    free(err);
}

static void test_compare_progress(void **state)
{
    (void)state;
    assert_int_equal(RUN("compare", "--no-progress", trend, trend2), 0);
    char *plain = cli_slurp(out_path);
    assert_int_equal(RUN("compare", "--progress", trend, trend2), 0);
    char *out = cli_slurp(out_path);
    assert_string_equal(out, plain);
    char *err = cli_slurp(err_path);
    char want[2][256];
    snprintf(want[0], sizeof want[0], "\rreading '%s': 100%%", trend);
    snprintf(want[1], sizeof want[1], "\rreading '%s': 100%%", trend2);
    const char *a = strstr(err, want[0]), *b = strstr(err, want[1]);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_string_equal(after_progress(err), "");
    free(err);
    free(out);
    free(plain);
}

/* A report reads the file twice: reading and judging, then drawing; the
 * line is gone before it says where the report went. */
static void test_report_progress(void **state)
{
    (void)state;
    assert_int_equal(RUN("report", "--progress", "-o", html, trend), 1);
    char *err = cli_slurp(err_path);
    char want[256];
    snprintf(want, sizeof want, "\rdrawing '%s': ", trend);
    const char *judging = strstr(err, "\rjudging"), *drawing = strstr(err, want);
    assert_non_null(judging);
    assert_non_null(drawing);
    assert_true(judging < drawing);
    snprintf(want, sizeof want, "rasleak: report in '%s'", html);
    const char *rest = after_progress(err);
    if (strncmp(rest, want, strlen(want)) != 0)
        fail_msg("after the progress line: '%s', wanted '%s'", rest, want);
    free(err);
    assert_int_equal(access(html, R_OK), 0);
}

static void test_progress_options(void **state)
{
    (void)state;
    assert_int_equal(RUN("analyze", "--progress=yes", trend), 2);
    char *err = cli_slurp(err_path);
    assert_non_null(strstr(err, "--progress"));
    free(err);
    assert_int_equal(RUN("analyze", "--help"), 0);
    char *out = cli_slurp(out_path);
    assert_non_null(strstr(out, "--no-progress"));
    free(out);
    /* The last of the two wins, as with git. */
    assert_int_equal(RUN("analyze", "--progress", "--no-progress", trend), 1);
    err = cli_slurp(err_path);
    assert_string_equal(err, "");
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze_progress),
        cmocka_unit_test(test_progress_then_error),
        cmocka_unit_test(test_compare_progress),
        cmocka_unit_test(test_report_progress),
        cmocka_unit_test(test_progress_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
