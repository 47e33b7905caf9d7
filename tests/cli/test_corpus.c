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

static char *slurp(const char *p)
{
    FILE *fp = fopen(p, "rb");
    if (!fp)
        return strdup("");
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, fp);
    b[got] = '\0';
    fclose(fp);
    return b;
}

/* Run `rasleak analyze DIR/FILE`; stdout and stderr into files. */
static int analyze(const char *file, const char *out, const char *err)
{
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        if (chdir(RASLEAK_FIXTURES "/trend") != 0)
            _exit(126);
        /* RASLEAK_TEST_WRAPPER (e.g. valgrind) runs the binary under a tool. */
        char *argv[40];
        int n = 0;
        char *w = getenv("RASLEAK_TEST_WRAPPER");
        if (w && *w)
            for (char *tok = strtok(strdup(w), " "); tok && n < 32; tok = strtok(NULL, " "))
                argv[n++] = tok;
        argv[n++] = RASLEAK_BIN;
        argv[n++] = "analyze";
        argv[n++] = (char *)file;
        argv[n] = NULL;
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
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
        char *o = slurp(out), *e = slurp(err);
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
