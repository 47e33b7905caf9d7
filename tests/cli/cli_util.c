/* cli_util.c - helpers of the CLI tests; see cli_util.h. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

#include "cli_util.h"

int cli_wrapped(void)
{
    const char *w = getenv("RASLEAK_TEST_WRAPPER");
    return w && *w;
}

pid_t cli_start(const struct cli_proc *p, const char *bin, const char *const *args)
{
    const char *argv[64];
    size_t n = 0;
    char *wcopy = cli_wrapped() ? strdup(getenv("RASLEAK_TEST_WRAPPER")) : NULL;
    if (wcopy)
        for (char *tok = strtok(wcopy, " "); tok && n < 32; tok = strtok(NULL, " "))
            argv[n++] = tok;
    argv[n++] = bin;
    for (size_t i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        int o = p->out_fd > 0 ? p->out_fd : open(p->out, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int e = p->err_fd > 0 ? p->err_fd : open(p->err, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (p->in_fd > 0)
            dup2(p->in_fd, 0);
        dup2(o, 1);
        dup2(e, 2);
        if (o != p->out_fd)
            close(o);
        if (e != p->err_fd)
            close(e);
        if (p->dir && chdir(p->dir) != 0)
            _exit(126);
        if (p->nofile > 0) {
            struct rlimit rl;
            getrlimit(RLIMIT_NOFILE, &rl);
            rl.rlim_cur = (rlim_t)p->nofile;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
        unsetenv("NO_COLOR");
        if (p->env)
            putenv((char *)p->env);
        if (p->uid >= 0 && (setgid((gid_t)p->uid) != 0 || setuid((uid_t)p->uid) != 0))
            _exit(125);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    free(wcopy);
    return pid;
}

int cli_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

char *cli_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return strdup("");
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)(n > 0 ? n : 0) + 1);
    size_t got = n > 0 ? fread(b, 1, (size_t)n, fp) : 0;
    b[got] = '\0';
    fclose(fp);
    return b;
}

void cli_expect_in(const char *path, const char *needle)
{
    char *s = cli_slurp(path);
    if (!strstr(s, needle))
        fail_msg("'%s' not in %s:\n%s", needle, path, s);
    free(s);
}

json_t *cli_load_json(const char *path, const char *err_path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j) {
        char *s = cli_slurp(path), *er = cli_slurp(err_path);
        fail_msg("%s is not JSON (%s): %s\nstderr: %s", path, e.text, s, er);
    }
    return j;
}

json_t *cli_last_record(const char *path)
{
    char *s = cli_slurp(path);
    size_t n = strlen(s);
    while (n && s[n - 1] == '\n')
        s[--n] = '\0';
    char *last = strrchr(s, '\n');
    json_t *j = json_loads(last ? last + 1 : s, 0, NULL);
    free(s);
    return j;
}

void cli_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

json_t *cli_find_series(json_t *analysis, const char *target, const char *metric)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(analysis, "series"), i, s) {
        const char *t = json_string_value(json_object_get(s, "target"));
        const char *m = json_string_value(json_object_get(s, "metric"));
        if (t && m && strcmp(t, target) == 0 && strcmp(m, metric) == 0)
            return s;
    }
    return NULL;
}

json_t *cli_series(json_t *analysis, const char *target, const char *metric)
{
    json_t *s = cli_find_series(analysis, target, metric);
    if (!s)
        fail_msg("no series %s/%s", target, metric);
    return s;
}

json_t *cli_summary(const char *trend)
{
    json_t *j = cli_last_record(trend);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "summary");
    return j;
}

int cli_make_dir(const char *tag, unsigned mode, char *dir, char *out, char *err, char *trend)
{
    snprintf(dir, 64, "/tmp/rasleak-%s-XXXXXX", tag);
    if (!mkdtemp(dir) || chmod(dir, (mode_t)mode) != 0)
        return -1;
    snprintf(out, 128, "%s/stdout", dir);
    snprintf(err, 128, "%s/stderr", dir);
    snprintf(trend, 128, "%s/trend.jsonl", dir);
    return 0;
}

int cli_remove_dir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", dir, dir);
    return system(cmd) == 0 ? 0 : -1;
}
