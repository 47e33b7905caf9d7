/*
 * The bad-input corpus: `rasleak analyze` on every file listed in
 * tests/fixtures/trend/expect.txt gives the expected exit code, names the
 * file and line in its message, and prints nothing on stdout when it fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli_util.h"

static int analyze(const char *file, const char *out, const char *err)
{
    struct cli_proc p = {.dir = RASLEAK_FIXTURES "/trend", .out = out, .err = err, .uid = -1};
    return cli_wait(cli_start(&p, RASLEAK_BIN, (const char *const[]){"analyze", file, NULL}));
}

static void test_corpus(void **state)
{
    (void)state;
    char dir[] = "/tmp/rasleak-corpus-XXXXXX", out[64], err[64];
    assert_non_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    FILE *idx = fopen(RASLEAK_FIXTURES "/trend/expect.txt", "r");
    assert_non_null(idx);
    char line[1024];
    int files = 0, failures = 0, bad = 0;
    while (fgets(line, sizeof line, idx)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0] || line[0] == '#')
            continue;
        char *file = strtok(line, "|"), *code = strtok(NULL, "|"), *ln = strtok(NULL, "|"),
             *msg = strtok(NULL, "");
        assert_non_null(code);
        int want = atoi(code), rc = analyze(file, out, err);
        char *o = cli_slurp(out), *e = cli_slurp(err);
        char where[256];
        snprintf(where, sizeof where, "%s:%s:", file, ln);
        const char *problem = NULL;
        if (rc != want)
            problem = "exit code";
        else if (msg && *msg && !strstr(e, msg))
            problem = "message";
        else if (atoi(ln) > 0 && !strstr(e, where))
            problem = "file:line";
        else if (want == 3 && *o)
            problem = "stdout not empty";
        else if (want != 3 && !strstr(o, "verdict:"))
            problem = "no verdict";
        if (problem) {
            print_error("%s: %s: exit %d (want %d), stderr: %s\n", file, problem, rc, want, e);
            failures++;
        }
        bad += want == 3;
        files++;
        free(o);
        free(e);
    }
    fclose(idx);
    unlink(out);
    unlink(err);
    rmdir(dir);
    assert_true(bad >= 30);        /* the corpus is at least 30 bad files */
    assert_true(files >= 40);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_corpus)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
