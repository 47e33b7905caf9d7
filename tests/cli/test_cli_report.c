/*
 * CLI tests of what people look at: 'rasleak report' and 'run --report'
 * (the page parses as XML, a headless Chromium renders its charts), the
 * progress line of 'run' under a pseudo-terminal and its absence elsewhere,
 * the colour of 'analyze', and the man page and bash completion against
 * every --help.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <png.h>

#include "cli_util.h"

static char dir[64];
static char out_path[128], err_path[128], trend[128];

static int setup(void **state)
{
    (void)state;
    return cli_make_dir("clirep", 0700, dir, out_path, err_path, trend);
}

static int teardown(void **state)
{
    (void)state;
    return cli_remove_dir(dir);
}

/* Start rasleak with `args` (NULL-terminated) in the test's folder, stdout and
 * stderr to its files; `p` may add descriptors (a terminal) and environment. */
static pid_t start(struct cli_proc p, const char *const *args)
{
    p.dir = dir;
    p.out = out_path;
    p.err = err_path;
    p.uid = -1;
    return cli_start(&p, RASLEAK_BIN, args);
}

#define RUN(...) cli_wait(start((struct cli_proc){0}, (const char *const[]){__VA_ARGS__, NULL}))

static char *in_dir(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* ---- the page as XML -------------------------------------------------- */

static xmlDocPtr parse_page(const char *path)
{
    xmlResetLastError();
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    const xmlError *e = xmlGetLastError();
    if (!doc || e)
        fail_msg("'%s' is not well-formed XML: %s", path, e ? e->message : "?");
    return doc;
}

static int count(xmlDocPtr doc, const char *xpath)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
    xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    assert_non_null(r);
    int n = r->nodesetval ? r->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(ctx);
    return n;
}

static void check_page(const char *path, int min_charts)
{
    xmlDocPtr doc = parse_page(path);
    assert_true(count(doc, "//s:svg") >= min_charts);
    assert_int_equal(count(doc, "//h:script | //s:script | //*[@src] | //h:link"), 0);
    assert_int_equal(count(doc, "//s:svg[s:title='self handles']//s:polyline[@class='data']"), 1);
    xmlFreeDoc(doc);
}

/* ---- report and run --report ------------------------------------------ */

static void test_report_command(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "leak_handles=1", "-n", "400", "-o", trend, "-q",
                         "--no-analyze"), 0);
    /* default output: the trend file's name with .html; exit code is the verdict */
    assert_int_equal(RUN("report", trend), 1);
    cli_expect_in(err_path, "report in '");
    check_page(in_dir("trend.html"), 6);
    cli_expect_in(in_dir("trend.html"), "Leak found.");

    assert_int_equal(RUN("report", "-q", "--title", "Case <42>", "-o", "-", trend), 1);
    cli_expect_in(out_path, "<title>Case &lt;42&gt;</title>");
    char *err = cli_slurp(err_path);
    assert_string_equal(err, "");
    free(err);

    /* stdin, spooled: the page names it (stdin) */
    int in = open(trend, O_RDONLY);
    assert_int_equal(cli_wait(start((struct cli_proc){.in_fd = in},
                                    (const char *const[]){"report", "-q", "-", NULL})), 1);
    close(in);
    check_page(in_dir("rasleak-report.html"), 6);
    cli_expect_in(in_dir("rasleak-report.html"), "rasleak report: (stdin)");

    /* errors */
    assert_int_equal(RUN("report", "-o", trend, trend), 2);
    cli_expect_in(err_path, "would replace the trend file");
    assert_int_equal(RUN("report", "--width", "5", trend), 2);
    assert_int_equal(RUN("report"), 2);
    assert_int_equal(RUN("report", "--bogus", trend), 2);
    assert_int_equal(RUN("report", "nonexistent.jsonl"), 3);
    cli_expect_in(err_path, "cannot open 'nonexistent.jsonl'");
    assert_int_equal(RUN("report", "-o", "/nonexistent-dir/r.html", trend), 4);
    assert_int_equal(RUN("report", "-o", dir, trend), 4);
    /* a failed write leaves no temporary file behind */
    assert_int_equal(RUN("report", "-o", "/dev/full", trend), 4);
}

static void test_run_report(void **state)
{
    (void)state;
    char *rep = in_dir("run.html");
    assert_int_equal(RUN("run", "-O", "leak_handles=1", "-n", "300", "-o", trend, "-q",
                         "--report", rep), 1);
    cli_expect_in(out_path, "verdict: leak");
    check_page(rep, 6);
    /* only the report: nothing printed, exit 0 */
    char *rep2 = in_dir("run2.html");
    assert_int_equal(RUN("run", "-n", "100", "-o", trend, "--force", "-q", "--no-analyze",
                         "--report", rep2), 0);
    char *o = cli_slurp(out_path);
    assert_string_equal(o, "");
    free(o);
    check_page(rep2, 5);
    assert_int_equal(RUN("run", "-n", "100", "-o", "-", "--report", rep2), 2);
    cli_expect_in(err_path, "--report reads the trend file again");
}

/* ---- a pseudo-terminal ------------------------------------------------ */

/*
 * Run rasleak with stderr (which = 2) or stdout (which = 1) on a new
 * pseudo-terminal 120 columns wide, and `env` ("NO_COLOR=1") or NULL in its
 * environment; returns what the terminal received.
 */
static char *run_pty(const char *const *args, int which, const char *env, int *rc,
                     double *secs)
{
    int m, s;
    struct winsize ws = {40, 120, 0, 0};
    assert_int_equal(openpty(&m, &s, NULL, NULL, &ws), 0);
    fcntl(m, F_SETFD, FD_CLOEXEC);
    struct cli_proc io = {.env = env, .out_fd = which == 1 ? s : 0, .err_fd = which == 2 ? s : 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = start(io, args);
    close(s);
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = {m, POLLIN, 0};
        int r = poll(&p, 1, 60000);
        if (r <= 0)
            break;
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = read(m, buf + len, 4096);
        if (got <= 0)
            break;      /* EIO: the last holder of the terminal has gone */
        len += (size_t)got;
    }
    *rc = cli_wait(pid);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    close(m);
    buf[len] = '\0';
    return buf;
}

static size_t occurrences(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void test_progress_line_on_tty(void **state)
{
    (void)state;
    int rc;
    double secs;
    char *t = run_pty((const char *const[]){"run", "-O", "leak_handles=1", "-O",
                                            "latency_ms=1", "-n", "1500", "--warmup", "100",
                                            "-o", trend, "--no-analyze", NULL},
                      2, NULL, &rc, &secs);
    assert_int_equal(rc, 0);
    size_t lines = occurrences(t, "it/s");
    if (lines < 3 || !strstr(t, "/1,500 ") || !strstr(t, "eta ") ||
        !strstr(t, "self: handles +") || !strstr(t, "\033[K"))
        fail_msg("no progress line on the terminal:\n%s", t);
    /* at most ten a second, and the first before the warm-up ended */
    assert_true((double)lines <= secs * 10 + 3);
    assert_non_null(strstr(t, "warm-up"));
    /* the leak shows while it happens: the handle delta grows */
    const char *last = NULL;
    for (const char *p = t; (p = strstr(p, "handles +")) != NULL; p++)
        last = p;
    long delta = strtol(last + strlen("handles +"), NULL, 10);
    assert_true(delta > 500);
    /* never wider than the terminal */
    for (char *line = strtok(t, "\r\n"); line; line = strtok(NULL, "\r\n"))
        assert_true(strlen(line) < 120 + 8);   /* + the escape sequence */
    free(t);
}

static void test_no_progress_off_tty_or_quiet(void **state)
{
    (void)state;
    /* stderr a file: no progress */
    assert_int_equal(RUN("run", "-O", "latency_ms=1", "-n", "400", "-o", trend, "--no-analyze"),
                     0);
    char *e = cli_slurp(err_path);
    assert_null(strstr(e, "it/s"));
    assert_null(strchr(e, '\r'));
    assert_null(strchr(e, '\033'));
    assert_non_null(strstr(e, "400 iterations"));
    free(e);
    /* a terminal, but --quiet: nothing at all */
    int rc;
    double secs;
    char *t = run_pty((const char *const[]){"run", "-O", "latency_ms=1", "-n", "400", "-o",
                                            trend, "--force", "--no-analyze", "--quiet", NULL},
                      2, NULL, &rc, &secs);
    assert_int_equal(rc, 0);
    assert_string_equal(t, "");
    free(t);
}

static void test_analyze_colour(void **state)
{
    (void)state;
    assert_int_equal(RUN("run", "-O", "leak_handles=1", "-n", "300", "-o", trend, "-q",
                         "--no-analyze"), 0);
    int rc;
    double secs;
    char *t = run_pty((const char *const[]){"analyze", trend, NULL}, 1, NULL, &rc, &secs);
    assert_int_equal(rc, 1);
    if (!strstr(t, "\033[1;31mleak"))
        fail_msg("no colour on a terminal:\n%s", t);
    assert_non_null(strstr(t, "target"));
    free(t);
    t = run_pty((const char *const[]){"analyze", trend, NULL}, 1, "NO_COLOR=1", &rc, &secs);
    assert_int_equal(rc, 1);
    assert_null(strchr(t, '\033'));
    assert_non_null(strstr(t, "verdict: leak"));
    free(t);
    /* not a terminal: no colour */
    assert_int_equal(RUN("analyze", trend), 1);
    char *o = cli_slurp(out_path);
    assert_null(strchr(o, '\033'));
    /* the table is aligned: every series row has its verdict in one column */
    const char *hdr = strstr(o, "  target");
    assert_non_null(hdr);
    const char *vcol = strstr(hdr, "verdict");
    size_t col = (size_t)(vcol - hdr);
    for (const char *line = strchr(hdr, '\n') + 1; *line && *line != '\n';
         line = strchr(line, '\n') + 1) {
        if (strncmp(line, "  self", 6) != 0)
            continue;
        const char *v = line + col;
        assert_true(strncmp(v, "leak", 4) == 0 || strncmp(v, "no_leak", 7) == 0 ||
                    strncmp(v, "inconclusive", 12) == 0);
    }
    free(o);
}

/* ---- man page and completion ------------------------------------------- */

/* The man page with roff's "\-" as "-". */
static char *man_text(void)
{
    char *m = cli_slurp(RASLEAK_SOURCE_DIR "/docs/rasleak.1");
    char *w = m;
    for (const char *r = m; *r; r++) {
        if (r[0] == '\\' && r[1] == '-')
            continue;
        *w++ = *r;
    }
    *w = '\0';
    return m;
}

static void test_man_page_and_completion_match_help(void **state)
{
    (void)state;
    char *man = man_text();
    char *comp = cli_slurp(RASLEAK_SOURCE_DIR "/completions/rasleak.bash");
    assert_true(strlen(man) > 1000 && strlen(comp) > 500);
    assert_int_equal(RUN("--help"), 0);
    char *help = cli_slurp(out_path);
    char *cmds = strstr(help, "commands:\n");
    assert_non_null(cmds);
    size_t ncmd = 0;
    for (char *line = strchr(cmds, '\n') + 1; line[0] == ' '; line = strchr(line, '\n') + 1) {
        char name[32], want[64];
        assert_int_equal(sscanf(line, "%31s", name), 1);
        snprintf(want, sizeof want, ".SS \"rasleak %s", name);
        if (!strstr(man, want))
            fail_msg("the man page has no section for '%s'", name);
        if (!strstr(comp, name))
            fail_msg("the completion does not know '%s'", name);
        /* every long option of the command's --help is in both */
        assert_int_equal(RUN(name, "--help"), 0);
        char *sub = cli_slurp(out_path);
        for (char *p = sub; (p = strstr(p, "--")) != NULL;) {
            char opt[64];
            size_t k = 0;
            p += 2;
            while ((p[k] >= 'a' && p[k] <= 'z') || p[k] == '-')
                k++;
            if (k == 0 || k > 40)
                continue;
            snprintf(opt, sizeof opt, "--%.*s", (int)k, p);
            char bounded[80];
            snprintf(bounded, sizeof bounded, "%s", opt);
            if (!strstr(man, bounded))
                fail_msg("'%s' of 'rasleak %s --help' is not in docs/rasleak.1", opt, name);
            if (strcmp(name, "backends") != 0 && !strstr(comp, bounded))
                fail_msg("'%s' of 'rasleak %s --help' is not in the completion", opt, name);
            p += k;
        }
        free(sub);
        ncmd++;
    }
    assert_true(ncmd >= 4);
    free(help);

    /* man renders it without a warning, where man is installed */
    if (access("/usr/bin/man", X_OK) == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "MANWIDTH=80 man --warnings -l '%s/docs/rasleak.1' "
                                  ">/dev/null 2>'%s'", RASLEAK_SOURCE_DIR, err_path);
        assert_int_equal(system(cmd), 0);
        char *w = cli_slurp(err_path);
        if (*w)
            fail_msg("man warns:\n%s", w);
        free(w);
    }

    /* the completion completes: commands, options, backends, -O keys */
    if (access("/bin/bash", X_OK) == 0) {
        static const struct {
            const char *words, *expect;
            int cword;
        } cases[] = {
            {"r", "report run", 1},
            {"run --rep", "--report", 2},
            {"run -b ''", "curl mock plugin", 3},
            {"run -b mock -O leak_h", "leak_handles=", 5},
            {"report --ti", "--title", 2},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char cmd[1024];
            snprintf(cmd, sizeof cmd,
                     "bash -c 'source \"%s/completions/rasleak.bash\"; COMP_WORDS=(\"%s\" %s); "
                     "COMP_CWORD=%d; _rasleak; printf \"%%s\\n\" \"${COMPREPLY[@]}\" | sort | "
                     "tr \"\\n\" \" \"' > '%s'",
                     RASLEAK_SOURCE_DIR, RASLEAK_BIN, cases[i].words, cases[i].cword, out_path);
            assert_int_equal(system(cmd), 0);
            char *got = cli_slurp(out_path);
            size_t n = strlen(got);
            while (n && got[n - 1] == ' ')
                got[--n] = '\0';
            /* curl is there only when built with libcurl */
            if (i == 2 && strcmp(got, "mock plugin") == 0)
                got[0] = '\0', strcpy(got, cases[i].expect);
            if (strcmp(got, cases[i].expect) != 0)
                fail_msg("completing 'rasleak %s': got '%s', want '%s'", cases[i].words, got,
                         cases[i].expect);
            free(got);
        }
    }
    free(man);
    free(comp);
}

/* `s` with "--[no-]X" written out as "--X --no-X" and every run of white
 * space as one space, so that texts laid out differently compare. */
static char *normalized(const char *s)
{
    char *o = malloc(strlen(s) * 2 + 1), *w = o;
    assert_non_null(o);
    for (const char *r = s; *r;) {
        if (strncmp(r, "--[no-]", 7) == 0) {
            size_t k = 0;
            while ((r[7 + k] >= 'a' && r[7 + k] <= 'z') || r[7 + k] == '-')
                k++;
            w += sprintf(w, "--%.*s --no-%.*s", (int)k, r + 7, (int)k, r + 7);
            r += 7 + k;
        } else if (*r == ' ' || *r == '\n' || *r == '\t') {
            if (w > o && w[-1] != ' ')
                *w++ = ' ';
            r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return o;
}

/* Whether `text` has option `opt` ("--watch") as a whole word, not as the
 * start of another ("--watch-all"). */
static int has_option(const char *text, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = text; (p = strstr(p, opt)) != NULL; p += n)
        if (!((p[n] >= 'a' && p[n] <= 'z') || p[n] == '-'))
            return 1;
    return 0;
}

static void test_synopses_are_complete(void **state)
{
    (void)state;
    /* Each command's usage line names every option its --help describes,
     * and the README shows those usage lines as they are. */
    char *readme_raw = cli_slurp(RASLEAK_SOURCE_DIR "/README.md");
    char *readme = normalized(readme_raw);
    static const char *const cmds[] = {"run", "analyze", "compare", "report", "backends"};
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        assert_int_equal(RUN(cmds[c], "--help"), 0);
        char *help = cli_slurp(out_path);
        char *end = strstr(help, "\n\n");
        assert_true(strncmp(help, "usage: ", 7) == 0 && end);
        *end = '\0';
        char *syn = normalized(help + 7);
        char *ci = strstr(end + 2, "\nCI outputs (docs/ci.md):");
        if (ci) {
            *ci = '\0';
            if (!strstr(syn, "[CI outputs]"))
                fail_msg("'rasleak %s --help' has CI outputs; its usage does not say so",
                         cmds[c]);
        }
        char *body = normalized(end + 2);
        for (char *p = body; (p = strstr(p, "--")) != NULL;) {
            size_t k = 0;
            p += 2;
            while ((p[k] >= 'a' && p[k] <= 'z') || p[k] == '-')
                k++;
            char opt[64], shrt[3] = "";
            snprintf(opt, sizeof opt, "--%.*s", (int)k, p);
            /* "-b, --backend NAME": the usage may give either */
            if (p - body >= 6 && p[-6] == '-' && p[-4] == ',' && p[-3] == ' ')
                snprintf(shrt, sizeof shrt, "-%c", p[-5]);
            if (k > 0 && strcmp(opt, "--help") != 0 && !has_option(syn, opt) &&
                !(shrt[0] && has_option(syn, shrt)))
                fail_msg("'%s' is in 'rasleak %s --help' but not in its usage:\n%s", opt,
                         cmds[c], syn);
            /* "--watch service=NAME": the form too */
            const char *v = p + k;
            size_t f = 0;
            if (*v == ' ') {
                while (v[1 + f] >= 'a' && v[1 + f] <= 'z')
                    f++;
                char form[64];
                snprintf(form, sizeof form, "%.*s=", (int)f, v + 1);
                if (f > 0 && v[1 + f] == '=' && !strstr(syn, form))
                    fail_msg("'%s %s' is in 'rasleak %s --help' but not in its usage:\n%s",
                             opt, form, cmds[c], syn);
            }
            p += k;
        }
        if (!strstr(readme, syn))
            fail_msg("README.md does not show the usage of 'rasleak %s':\n%s", cmds[c], syn);
        free(body);
        free(syn);
        free(help);
    }
    free(readme);
    free(readme_raw);
}

/* ---- a real browser --------------------------------------------------- */

static int find_chromium(char *out, size_t len)
{
    static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
    const char *path = getenv("PATH");
    char *copy = strdup(path ? path : "/usr/bin:/bin");
    int found = 0;
    for (size_t i = 0; i < 3 && !found; i++)
        for (char *d = strtok(copy, ":"); d && !found; d = strtok(NULL, ":")) {
            snprintf(out, len, "%s/%s", d, names[i]);
            found = access(out, X_OK) == 0;
        }
    free(copy);
    if (!found)
        for (size_t i = 0; i < 3 && !found; i++) {
            snprintf(out, len, "/usr/bin/%s", names[i]);
            found = access(out, X_OK) == 0;
        }
    return found;
}

static int near(const unsigned char *p, int r, int g, int b, int tol)
{
    return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol;
}

static void test_chromium_renders_the_charts(void **state)
{
    (void)state;
    char chromium[512];
    if (!find_chromium(chromium, sizeof chromium)) {
        print_message("chromium is not installed (scripts/bootstrap --extra): skipped\n");
        skip();
    }
    char *rep = in_dir("view.html");
    assert_int_equal(RUN("run", "-O", "leak_handles=1", "-n", "400", "-o", trend, "-q",
                         "--no-analyze", "--report", rep), 0);
    char *png = in_dir("shot.png"), *profile = in_dir("profile");
    char shot_arg[300], profile_arg[300], url[300];
    snprintf(shot_arg, sizeof shot_arg, "--screenshot=%s", png);
    snprintf(profile_arg, sizeof profile_arg, "--user-data-dir=%s", profile);
    snprintf(url, sizeof url, "file://%s", rep);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
        setenv("HOME", dir, 1);
        execl(chromium, chromium, "--headless", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update",
              "--no-first-run", profile_arg, shot_arg, "--window-size=1200,900", url,
              (char *)NULL);
        _exit(127);
    }
    /* bounded: a browser that hangs fails the test instead of the suite */
    int st = 0;
    for (int waited = 0; waited < 1200; waited++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            break;
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        if (waited == 1199) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            fail_msg("chromium did not finish in 120 s");
        }
    }
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, png))
        fail_msg("no screenshot from chromium (exit %d): %s", WEXITSTATUS(st), img.message);
    img.format = PNG_FORMAT_RGB;
    unsigned char *px = malloc(PNG_IMAGE_SIZE(img));
    assert_true(png_image_finish_read(&img, NULL, px, 0, NULL));
    assert_true(img.width >= 1000 && img.height >= 800);
    /* The first chart is in view: the samples' blue line spans much of
     * the plot, the warm-up is shaded, and the page is not one colour. */
    size_t blue = 0, shade = 0, white = 0;
    unsigned minx = img.width, maxx = 0;
    for (unsigned y = 0; y < img.height; y++)
        for (unsigned x = 0; x < img.width; x++) {
            const unsigned char *p = px + 3 * ((size_t)y * img.width + x);
            if (near(p, 0x1f, 0x77, 0xb4, 40)) {
                blue++;
                minx = x < minx ? x : minx;
                maxx = x > maxx ? x : maxx;
            }
            shade += near(p, 0xec, 0xec, 0xec, 3);
            white += near(p, 0xff, 0xff, 0xff, 0);
        }
    free(px);
    png_image_free(&img);
    if (blue < 300 || maxx - minx < 300 || shade < 1000)
        fail_msg("the chart area looks blank: %zu blue pixels over %u..%u, %zu shaded", blue,
                 minx, maxx, shade);
    assert_true(white < (size_t)img.width * img.height);
}

int main(void)
{
    /* rasleak itself, never under RASLEAK_TEST_WRAPPER: the pages are
     * checked for the charts of a plain run, heap_bytes among them, which a
     * tool such as valgrind takes away (its malloc keeps no glibc books). */
    unsetenv("RASLEAK_TEST_WRAPPER");
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_report_command), T(test_run_report), T(test_progress_line_on_tty),
        T(test_no_progress_off_tty_or_quiet), T(test_analyze_colour),
        T(test_man_page_and_completion_match_help), T(test_synopses_are_complete),
        T(test_chromium_renders_the_charts),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
