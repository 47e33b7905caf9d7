/*
 * CLI tests of watching other processes (docs/watching.md): --spawn of the
 * fixture server (tests/fixtures/server.c) driven by the curl backend,
 * --watch by id and by name, a target killed mid-run, a target rasleak
 * may not read, and, with the argument "daemon", a real daemon from the
 * distribution (memcached) as the negative control.
 *
 *   test_cli_watch            the fixture tests
 *   test_cli_watch daemon     memcached; exit 77 (skipped) when it is not installed
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <jansson.h>

#include "cli_util.h"
#include "../fixtures/server_ctl.h"

static char dir[64], out_path[128], err_path[128], trend[128];

static int setup(void **state)
{
    (void)state;
    return cli_make_dir("cli-watch", 0777, dir, out_path, err_path, trend);   /* the permission test runs rasleak as another user */
}

static int teardown(void **state)
{
    (void)state;
    return cli_remove_dir(dir);
}

static pid_t start_as(long uid, const char *const *args)
{
    struct cli_proc p = {.dir = dir, .out = out_path, .err = err_path, .uid = uid};
    fflush(NULL);
    return cli_start(&p, RASLEAK_BIN, args);
}

#define RUN(...) cli_wait(start_as(-1, (const char *const[]){__VA_ARGS__, NULL}))

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double slope(json_t *s)
{
    return json_number_value(json_object_get(s, "slope_per_iter"));
}

/*
 * Every series no_leak except "target/metric" ones in `leaking`, which leak,
 * and those in `either`, which are not checked.
 */
static void expect_verdicts(json_t *a, const char *const *leaking, const char *const *either)
{
    size_t i, nleak = 0, want = 0;
    json_t *s;
    json_array_foreach(json_object_get(a, "series"), i, s) {
        char id[160];
        snprintf(id, sizeof id, "%s/%s", str(s, "target"), str(s, "metric"));
        int want_leak = 0, skip_it = 0;
        for (size_t k = 0; leaking && leaking[k]; k++)
            want_leak |= strcmp(leaking[k], id) == 0;
        for (size_t k = 0; either && either[k]; k++)
            skip_it |= strcmp(either[k], id) == 0;
        if (skip_it)
            continue;
        if (strcmp(str(s, "verdict"), want_leak ? "leak" : "no_leak") != 0)
            fail_msg("series %s: %s (%s), expected %s", id, str(s, "verdict"), str(s, "reason"),
                     want_leak ? "leak" : "no_leak");
        nleak += want_leak;
    }
    while (leaking && leaking[want])
        want++;
    assert_int_equal(nleak, want);
}

static void expect_only_leaks(json_t *a, const char *const *leaking)
{
    expect_verdicts(a, leaking, NULL);
}

/* The records of a JSON Lines trend file of the given type, as an array. */
static json_t *records(const char *path, const char *type)
{
    char *s = cli_slurp(path), *save = NULL;
    json_t *arr = json_array();
    for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *j = json_loads(line, 0, NULL);
        if (j && strcmp(str(j, "type"), type) == 0)
            json_array_append(arr, j);
        json_decref(j);
    }
    free(s);
    return arr;
}

/* The suspects record of `target` in the analysis, or NULL. */
static json_t *suspects_of(json_t *a, const char *target)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(a, "suspects"), i, r)
        if (strcmp(str(r, "target"), target) == 0)
            return r;
    return NULL;
}

static long long integer(json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* "--port N ..." command line of the fixture server on a free port. */
static int server_command(char *cmd, size_t len, const char *extra, int *port)
{
    *port = closed_port();
    assert_true(*port > 0);
    return snprintf(cmd, len, "%s --port %d --lifetime 300 %s", SERVER_BIN, *port, extra);
}

/* ---- a leaking server, a clean one --------------------------------------- */

static void test_leaking_server_named(void **state)
{
    (void)state;
    char cmd[512], url[96], local[64];
    int port;
    server_command(cmd, sizeof cmd, "--leak-fd-every 1", &port);
    snprintf(url, sizeof url, "url=http://127.0.0.1:%d/", port);
    assert_int_equal(RUN("run", "-b", "curl", "-O", url, "-O", "mode=connect", "--spawn", cmd,
                         "--handle-types", "-n", "600", "-o", trend, "--json", "-q"), 1);
    json_t *a = cli_load_json(out_path, err_path);
    const char *leaks[] = {"fixture_server/handles", "fixture_server/handles.socket", NULL};
    /* The server's memory grows a little with what it leaks (its list of
     * leaked sockets); under AddressSanitizer that can be judged a leak. */
    const char *either[] = {"fixture_server/rss_bytes", "fixture_server/private_bytes",
                            "fixture_server/vm_bytes", "fixture_server/maps", NULL};
    expect_verdicts(a, leaks, either);   /* self, and the server's other series, clean */
    json_t *h = cli_series(a, "fixture_server", "handles");
    assert_true(fabs(slope(h) - 1.0) < 0.01);
    assert_true(fabs(slope(cli_series(a, "fixture_server", "handles.socket")) - 1.0) < 0.01);
    json_t *attr = json_object_get(h, "attribution");
    assert_string_equal(str(attr, "text"), "all of them sockets");
    json_t *share = json_array_get(json_object_get(attr, "types"), 0);
    assert_string_equal(str(share, "type"), "socket");
    assert_true(fabs(json_number_value(json_object_get(share, "share")) - 1.0) < 0.02);
    assert_true(json_is_null(json_object_get(cli_series(a, "self", "handles"), "attribution")));

    /* the suspects: one socket per measured iteration, to the server's port */
    json_t *sus = suspects_of(a, "fixture_server");
    assert_non_null(sus);
    assert_int_equal(integer(sus, "since_iter"), 60);
    long long total = integer(sus, "total");
    /* 540 measured connections, within 5%: the server accepts on its own
     * time, so under load some may still wait in its backlog at the end,
     * or a few from the warm-up be accepted only after it ended (546 was
     * seen on a loaded machine). */
    if (total < 513 || total > 567)
        fail_msg("%lld suspects, want about 540", total);
    assert_string_equal(str(json_array_get(json_object_get(sus, "by_type"), 0), "type"),
                        "socket");
    snprintf(local, sizeof local, "127.0.0.1:%d", port);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(sus, "handles"), i, e) {
        assert_string_equal(str(e, "type"), "socket");
        assert_true(integer(e, "first_iter") > 60 && integer(e, "first_iter") <= 600);
        assert_string_equal(str(e, "proto"), "tcp");
        assert_string_equal(str(e, "local"), local);
        assert_true(strncmp(str(e, "remote"), "127.0.0.1:", 10) == 0);
        assert_true(integer(e, "inode") > 0);
    }
    assert_int_equal(i, (size_t)total);
    assert_int_equal(integer(suspects_of(a, "self"), "total"), 0);
    json_decref(a);

    /* the header: the spawned target with its pid, start time and command */
    json_t *hdrs = records(trend, "header"), *hdr = json_array_get(hdrs, 0);
    json_t *tg = json_array_get(json_object_get(hdr, "targets"), 1);
    assert_string_equal(str(tg, "id"), "fixture_server");
    assert_string_equal(str(tg, "kind"), "spawned");
    assert_string_equal(str(tg, "command"), cmd);
    assert_true(integer(tg, "start_time") > 0);
    assert_true(json_is_true(json_object_get(json_object_get(hdr, "run"), "handle_types")));

    /* the sentence and the suspects, for people */
    assert_int_equal(RUN("analyze", trend), 1);
    char want[128];
    snprintf(want, sizeof want, "handles of pid %lld 'fixture_server': +1.00 per iteration, "
                                "all of them sockets", integer(tg, "pid"));
    cli_expect_in(out_path, want);
    cli_expect_in(out_path, "leak suspects of fixture_server (pid ");
    cli_expect_in(out_path, "  by type: socket ");
    json_decref(hdrs);
}

static void test_clean_server_clean(void **state)
{
    (void)state;
    char cmd[512], url[96];
    int port;
    server_command(cmd, sizeof cmd, "", &port);
    snprintf(url, sizeof url, "url=http://127.0.0.1:%d/", port);
    int rc = RUN("run", "-b", "curl", "-O", url, "-O", "mode=connect", "--spawn", cmd,
                 "--handle-types", "-n", "600", "-o", trend, "--json", "-q");
    json_t *a = cli_load_json(out_path, err_path);
    /* The fixture's own memory (and, under AddressSanitizer, its mappings)
     * follows how many connections wait at once, which a loaded machine (CI
     * runs tests in parallel) lets pile up in bursts; its handles, and
     * rasleak's every series, must be clean. */
    const char *either[] = {"fixture_server/rss_bytes", "fixture_server/private_bytes",
                            "fixture_server/vm_bytes", "fixture_server/maps", NULL};
    expect_verdicts(a, NULL, either);   /* first: it names a series that is not clean */
    if (rc != 0) {
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(a, "series"), i, s)
            if (strcmp(str(s, "verdict"), "leak") == 0 &&
                strcmp(str(s, "target"), "fixture_server") != 0)
                fail_msg("exit %d: %s/%s leaks", rc, str(s, "target"), str(s, "metric"));
    }
    assert_true(slope(cli_series(a, "fixture_server", "handles")) == 0);
    /* at most the connection of the last iteration, not yet closed by the server */
    assert_true(integer(suspects_of(a, "fixture_server"), "total") <= 1);
    json_decref(a);
}

/* ---- a target that exits ------------------------------------------------- */

/* Start a run against a spawned server, kill the server mid-run; rasleak's exit code. */
static int run_and_kill(const char *const *extra, long long *killed_pid)
{
    char cmd[512], url[96];
    int port;
    server_command(cmd, sizeof cmd, "", &port);
    snprintf(url, sizeof url, "url=http://127.0.0.1:%d/", port);
    const char *args[32] = {"run", "-b", "curl", "-O", url, "-O", "mode=connect", "--spawn", cmd,
                            "--interval-ms", "1", "--warmup", "10", "-o", trend};
    size_t n = 15;
    for (size_t i = 0; extra[i]; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    pid_t pid = start_as(-1, args);
    /* wait for the header and a hundred samples */
    *killed_pid = 0;
    for (int tries = 0; tries < 1000; tries++) {
        cli_sleep_ms(10);
        json_t *last = cli_last_record(trend);
        long long iter = integer(last, "iter");
        json_decref(last);
        if (iter >= 100)
            break;
    }
    json_t *hdrs = records(trend, "header");
    json_t *tg = json_array_get(json_object_get(json_array_get(hdrs, 0), "targets"), 1);
    *killed_pid = integer(tg, "pid");
    assert_true(*killed_pid > 0);
    assert_int_equal(kill((pid_t)*killed_pid, SIGKILL), 0);
    json_decref(hdrs);
    return cli_wait(pid);
}

static void test_target_killed_mid_run(void **state)
{
    (void)state;
    long long spid;
    const char *extra[] = {"-n", "1000000", NULL};
    int rc = run_and_kill(extra, &spid);
    assert_true(rc == 0 || rc == 1);   /* the run was analyzed */
    json_t *sum = cli_summary(trend);
    assert_string_equal(str(sum, "stop_reason"), "target_exited");
    assert_true(integer(sum, "iterations_done") < 1000000);
    json_decref(sum);
    json_t *evs = records(trend, "event");
    size_t i, exits = 0;
    json_t *e;
    json_array_foreach(evs, i, e) {
        if (strcmp(str(e, "kind"), "target_exited") != 0)
            continue;
        exits++;
        assert_string_equal(str(e, "target"), "fixture_server");
        assert_int_equal(integer(e, "pid"), spid);
        char want[96];
        snprintf(want, sizeof want, "process %lld 'fixture_server' has exited", spid);
        assert_true(strstr(str(e, "message"), want) != NULL);
    }
    assert_int_equal(exits, 1);
    json_decref(evs);
    cli_expect_in(err_path, "stopped: target_exited");
    cli_expect_in(err_path, "ended before the run did: killed by signal 9");
    /* and the file reads */
    assert_true(RUN("analyze", "--json", trend) <= 1);
    json_t *a = cli_load_json(out_path, err_path);
    assert_string_equal(str(json_object_get(a, "run"), "stop_reason"), "target_exited");
    json_decref(a);
}

static void test_keep_going(void **state)
{
    (void)state;
    long long spid;
    const char *extra[] = {"-n", "1500", "--keep-going", "--max-failures", "0", "-q",
                           "--no-analyze", NULL};
    assert_int_equal(run_and_kill(extra, &spid), 0);
    json_t *sum = cli_last_record(trend);
    assert_string_equal(str(sum, "stop_reason"), "completed");
    assert_int_equal(integer(sum, "iterations_done"), 1500);
    json_decref(sum);
    /* after the exit, samples go on with self alone */
    json_t *samples = records(trend, "sample");
    json_t *last = json_array_get(samples, json_array_size(samples) - 1);
    json_t *targets = json_object_get(last, "targets");
    assert_non_null(json_object_get(targets, "self"));
    assert_null(json_object_get(targets, "fixture_server"));
    json_t *first = json_array_get(samples, 0);
    assert_non_null(json_object_get(json_object_get(first, "targets"), "fixture_server"));
    json_decref(samples);
}

/* ---- who may be watched ------------------------------------------------- */

static void test_permission_denied(void **state)
{
    (void)state;
    struct fixture_server s = {0, 0, ""};
    long uid = -1, target = 1;
    if (geteuid() == 0) {
        /* root reads every /proc entry: watch a root process as 'nobody' */
        assert_int_equal(server_start(&s, NULL), 0);
        target = s.pid;
        uid = 65534;
    } else {
        struct stat st;
        if (stat("/proc/1", &st) != 0 || st.st_uid == geteuid())
            skip();
    }
    char pid[32], want[256];
    snprintf(pid, sizeof pid, "%ld", target);
    int rc = cli_wait(start_as(uid, (const char *const[]){"run", "--watch", pid, "-n", "10",
                                                          "-o", trend, NULL}));
    if (s.pid)
        json_decref(server_stop(&s));
    assert_int_equal(rc, 4);
    snprintf(want, sizeof want, "rasleak: error: cannot watch 'pid:%ld': cannot open "
             "'/proc/%ld/fd' of process %ld '", target, target, target);
    cli_expect_in(err_path, want);
    cli_expect_in(err_path, "': Permission denied; run rasleak as the user that owns the process, "
                        "or as root");
    struct stat st;
    assert_int_equal(stat(trend, &st), -1);   /* nothing written before the first iteration */
}

/*
 * Start the fixture server under a name no other process has (other tests
 * run servers at the same time): a copy of it named `name`.
 */
static pid_t start_named(const char *name)
{
    char copy[160], cmd[400];
    snprintf(copy, sizeof copy, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", SERVER_BIN, copy);
    if (access(copy, X_OK) != 0)
        assert_int_equal(system(cmd), 0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(copy, copy, "--lifetime", "300", (char *)NULL);
        _exit(127);
    }
    /* running as itself once /proc says its name */
    for (int i = 0; i < 500; i++) {
        char path[64], comm[64] = "";
        snprintf(path, sizeof path, "/proc/%ld/comm", (long)pid);
        FILE *fp = fopen(path, "r");
        if (fp && fgets(comm, sizeof comm, fp) && strncmp(comm, name, strlen(name)) == 0) {
            fclose(fp);
            return pid;
        }
        if (fp)
            fclose(fp);
        cli_sleep_ms(10);
    }
    fail_msg("'%s' did not start", name);
    return -1;
}

static void stop_named(pid_t pid)
{
    kill(pid, SIGTERM);
    cli_wait(pid);
}

static void test_watch_by_name(void **state)
{
    (void)state;
    char name[16], opt[32], near[32], pa[48], pb[48], want[160];
    snprintf(name, sizeof name, "wsrv%ld", (long)getpid() % 1000000);
    pid_t a = start_named(name), b = start_named(name);
    snprintf(opt, sizeof opt, "name=%s", name);
    snprintf(near, sizeof near, "name=%.*s", (int)strlen(name) - 1, name);
    snprintf(pa, sizeof pa, "pid %ld  %s", (long)a, name);
    snprintf(pb, sizeof pb, "pid %ld  %s", (long)b, name);

    assert_int_equal(RUN("run", "--watch", opt, "-n", "20", "-o", trend), 2);
    snprintf(want, sizeof want, "2 processes are named '%s'; watch one with --watch PID, "
                                "or all of them with --watch-all:", name);
    cli_expect_in(err_path, want);
    cli_expect_in(err_path, pa);
    cli_expect_in(err_path, pb);
    assert_int_equal(RUN("run", "--watch", near, "-n", "20", "-o", trend), 4);
    snprintf(want, sizeof want, "no process named '%s'; processes with similar names:", near + 5);
    cli_expect_in(err_path, want);
    cli_expect_in(err_path, pa);

    assert_int_equal(RUN("run", "--watch", opt, "--watch-all", "--no-self", "-n", "50", "-o",
                         trend, "-q", "--json"), 0);
    json_t *hdrs = records(trend, "header");
    json_t *t = json_object_get(json_array_get(hdrs, 0), "targets");
    assert_int_equal(json_array_size(t), 2);
    char second[64];
    snprintf(second, sizeof second, "%s:%lld", name, integer(json_array_get(t, 1), "pid"));
    assert_string_equal(str(json_array_get(t, 0), "id"), name);
    assert_string_equal(str(json_array_get(t, 1), "id"), second);
    assert_string_equal(str(json_array_get(t, 0), "kind"), "watched");
    json_decref(hdrs);
    json_t *an = cli_load_json(out_path, err_path);
    cli_series(an, second, "handles");
    json_decref(an);

    /* by id */
    char id[32], tid[40];
    snprintf(id, sizeof id, "%ld", (long)a);
    snprintf(tid, sizeof tid, "pid:%ld", (long)a);
    assert_int_equal(RUN("run", "--watch", id, "--maps", "-n", "50", "-o", trend, "--force",
                         "-q", "--json"), 0);
    an = cli_load_json(out_path, err_path);
    assert_true(json_number_value(json_object_get(cli_series(an, tid, "maps"), "first_value")) > 0);
    json_decref(an);
    assert_int_equal(RUN("run", "--watch", id, "--watch", id, "-n", "5", "-o", trend, "--force"),
                     2);
    cli_expect_in(err_path, "is watched twice");
    stop_named(a);
    stop_named(b);

    assert_int_equal(RUN("run", "--no-self", "-n", "5", "-o", trend, "--force"), 2);
    cli_expect_in(err_path, "--no-self needs a process to watch");
    assert_int_equal(RUN("run", "--watch", "x", "-o", trend), 2);
    cli_expect_in(err_path, "--watch takes a process id, name=NAME or service=NAME");
    /* services are Windows's (the Wine stage checks them there) */
    unlink(trend);
    assert_int_equal(RUN("run", "--watch", "service=RasMan", "-n", "5", "-o", trend), 4);
    cli_expect_in(err_path, "cannot find service 'RasMan': services are Windows services");
    struct stat st;
    assert_int_equal(stat(trend, &st), -1);   /* refused before any file */
    assert_int_equal(RUN("run", "--spawn", "./no-such-program --x", "-o", trend, "--force"), 4);
    cli_expect_in(err_path, "--spawn './no-such-program --x': cannot run './no-such-program': "
                        "No such file or directory");
    assert_int_equal(RUN("run", "--spawn", "sh -c 'exit 3'", "-o", trend, "--force"), 4);
    cli_expect_in(err_path, "exited with status 3 before it was ready");
}

/* ---- a real daemon: the negative control ------------------------------- */

static char memcached_bin[256];

/* Is something accepting connections on 127.0.0.1:port? */
static int accepting(int port)
{
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int up = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return up;
}

/*
 * Start memcached on a free port; its pid, or -1.  The port was free a
 * moment ago, but a test running beside this one may have been given it
 * since: then memcached exits at once (and a connection would reach the
 * other test's server), so a memcached that died is started again on
 * another port.
 */
static pid_t start_memcached(int *port_out)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int port = closed_port();
        char p[16];
        snprintf(p, sizeof p, "%d", port);
        /* One worker thread: with several, each worker's connection caches
         * fill page by page over the first thousands of connections, which
         * is growth that stops, not a leak, and needs a longer warm-up than
         * a test has. */
        const char *argv[] = {memcached_bin, "-l", "127.0.0.1", "-p", p, "-U", "0", "-t", "1",
                              geteuid() == 0 ? "-u" : NULL, "nobody", NULL};
        fflush(NULL);
        pid_t mc = fork();
        if (mc == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
        int exited = 0;
        for (int i = 0; i < 500; i++) {
            if (waitpid(mc, NULL, WNOHANG) == mc) {
                exited = 1;
                break;
            }
            if (accepting(port)) {
                /* ... and still memcached that accepts, not a neighbour */
                if (waitpid(mc, NULL, WNOHANG) == mc) {
                    exited = 1;
                    break;
                }
                *port_out = port;
                return mc;
            }
            cli_sleep_ms(10);
        }
        if (!exited) {
            kill(mc, SIGKILL);
            cli_wait(mc);
        }
    }
    return -1;
}

static void test_memcached_clean(void **state)
{
    (void)state;
    int port = 0;
    pid_t mc = start_memcached(&port);
    assert_true(mc > 0);
    char url[64], pid[24], tid[32];
    snprintf(url, sizeof url, "url=telnet://127.0.0.1:%d", port);
    snprintf(pid, sizeof pid, "%ld", (long)mc);
    snprintf(tid, sizeof tid, "pid:%ld", (long)mc);
    int rc = RUN("run", "-b", "curl", "-O", url, "-O", "mode=connect", "--watch", pid,
                 "--handle-types", "-n", "2500", "--warmup", "500", "-o", trend, "--json", "-q");
    kill(mc, SIGTERM);
    cli_wait(mc);
    json_t *a = cli_load_json(out_path, err_path);
    expect_only_leaks(a, NULL);
    assert_int_equal(rc, 0);
    json_t *run = json_object_get(a, "run");
    assert_int_equal(integer(run, "iterations_done"), 2500);
    assert_int_equal(integer(run, "dial_failures"), 0);
    /* memcached's series are there, socket counts included */
    assert_int_equal(json_integer_value(json_object_get(cli_series(a, tid, "handles"), "n")), 2000);
    cli_series(a, tid, "handles.socket");
    cli_series(a, tid, "rss_bytes");
    /* memcached closes a connection when a worker thread reads the
     * client's close: on a loaded machine the last few may still be open
     * at the final snapshot (more than one seen with the tests two at a time).
     * A leak of them would leave about 2,000. */
    long long total = integer(suspects_of(a, tid), "total");
    if (total > 4)
        fail_msg("%lld suspects in memcached, want at most 4", total);
    json_decref(a);
}

static int find_memcached(void)
{
    const char *dirs[] = {"/usr/bin", "/usr/sbin", "/usr/local/bin", NULL};
    for (size_t i = 0; dirs[i]; i++) {
        snprintf(memcached_bin, sizeof memcached_bin, "%s/memcached", dirs[i]);
        if (access(memcached_bin, X_OK) == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    (void)server_url;   /* of server_ctl.h, unused here */
    (void)stat_of;
    if (argc > 1 && strcmp(argv[1], "daemon") == 0) {
        if (!find_memcached()) {
            fprintf(stderr, "test_cli_watch: memcached is not installed "
                            "(scripts/bootstrap --extra installs it): skipped\n");
            return 77;
        }
        const struct CMUnitTest daemon[] = {T(test_memcached_clean)};
        return cmocka_run_group_tests(daemon, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        T(test_leaking_server_named), T(test_clean_server_clean), T(test_target_killed_mid_run),
        T(test_keep_going), T(test_permission_denied), T(test_watch_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
