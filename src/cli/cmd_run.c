/*
 * cmd_run.c - rasleak run: repeat dial/hang-up, write the trend, judge it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ci_outputs.h"
#include "cli.h"
#include "progress.h"
#include "rasleak/report.h"
#include "rasleak/run.h"
#include "sys.h"
#include "watch.h"

static const char usage_text[] =
    "usage: rasleak run [-b BACKEND] [-O KEY=VALUE]... [-n ITERATIONS] [--warmup N]\n"
    "                   [--interval-ms MS] [--sample-every K] [--max-failures K]\n"
    "                   [--duration SECONDS] [-o FILE] [--format jsonl|json|compact] [--force]\n"
    "                   [--quiet] [--no-analyze] [--json] [--alpha A]\n"
    "                   [--min-rate METRIC=RATE]... [--report FILE]\n"
    "                   [--watch PID|name=NAME|service=NAME]... [--watch-all]\n"
    "                   [--spawn \"PROGRAM ARGS\"]... [--spawn-wait-ms MS]\n"
    "                   [--no-self] [--keep-going] [--handle-types] [--maps] [CI outputs]\n"
    "\n"
    "Repeats dial and hang-up through a backend, samples handles and memory after\n"
    "each iteration, streams them to a trend file, then analyzes it.\n"
    "\n"
    "  -b, --backend NAME     backend to drive (default: mock; see 'rasleak backends')\n"
    "  -O, --option KEY=VALUE backend option, repeatable\n"
    "  -n, --iterations N     iterations in all, warm-up included (default 1000)\n"
    "      --warmup N         the first N iterations settle and are not judged\n"
    "                         (default: a tenth of -n, at most 1000)\n"
    "      --interval-ms MS   pause after each iteration (default 0)\n"
    "      --sample-every K   sample every K-th iteration (default 1; at most -n)\n"
    "      --max-failures K   stop after K consecutive failed dials (default 10; 0 never)\n"
    "      --duration SECONDS stop after this long, whatever -n says\n"
    "  -o, --output FILE      trend file (default rasleak-trend.jsonl; '-' stdout,\n"
    "                         which implies --no-analyze)\n"
    "      --format FMT       jsonl (default), json (default for a .json FILE) or\n"
    "                         compact (JSON Lines, samples as rows: for long runs)\n"
    "      --force            overwrite an existing FILE\n"
    "  -q, --quiet            no progress line and no closing message; on a terminal\n"
    "                         the progress line shows iteration, rate, time left and\n"
    "                         the growth of handles and memory since the warm-up\n"
    "      --no-analyze       write the trend file only; exit 0 when it was written\n"
    "      --json             print the analysis as JSON\n"
    "      --alpha A          significance level of the trend test (default 0.01)\n"
    "      --min-rate M=RATE  growth of metric M per iteration below RATE is not a leak\n"
    "      --report FILE      also write the HTML report of the run (see 'rasleak report')\n"
    CLI_WATCH_USAGE
    "  -h, --help             this help\n"
    "\n"
    "Ctrl-C finishes the current iteration (never leaving a connection dialed),\n"
    "writes the summary and analyzes what was collected; a second Ctrl-C exits at once.\n";
static const char exit_text[] =
    "\nexit: 0 no leak (or inconclusive, or only allowed leaks), 1 leak, 2 usage,\n"
    "      3 invalid input or allowance file, 4 the run could not start or an output\n"
    "      could not be written (or a required upload failed)\n";

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    if (stop_requested) {
        /* A second signal: leave now; the file holds every flushed record. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  /* no SA_RESTART: a sleeping dial wakes up */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/*
 * The progress line.  The driver calls at most every 0.1 s; the line is
 * drawn again only when that much time has passed here too, fits the
 * terminal's width (a wrapped line cannot be redrawn with \r), and says
 * what the struct carries: position, pace, time left, failures, and the
 * growth of each target since the warm-up ended.
 */
struct progress_state {
    double duration_s;     /* the run's time limit; 0 none */
    double last_draw;      /* monotonic time of the last line */
    int drawn;
};

static void progress(void *ctx, const struct rasleak_progress *p)
{
    struct progress_state *st = ctx;
    double now = cli_mono_s();
    if (st->drawn && now - st->last_draw < 0.1 && p->iter < p->total)
        return;
    st->drawn = 1;
    st->last_draw = now;

    char line[512], a[32], b[32], c[32], d[32];
    double rate = p->elapsed_s > 0 ? (double)p->iter / p->elapsed_s : 0;
    double eta = rate > 0 ? (double)(p->total - p->iter) / rate : NAN;
    if (st->duration_s > 0 && !(eta <= st->duration_s - p->elapsed_s))
        eta = fmax(0, st->duration_s - p->elapsed_s);
    int n = snprintf(line, sizeof line, "%s/%s %3.0f%%  %s it/s  eta %s",
                     cli_grouped((double)p->iter, a, sizeof a),
                     cli_grouped((double)p->total, b, sizeof b),
                     p->total ? 100.0 * (double)p->iter / (double)p->total : 0.0,
                     cli_grouped(floor(rate + 0.5), c, sizeof c),
                     rasleak_format_clock(d, sizeof d, eta, "--:--"));
    if (p->dial_failures && n > 0 && (size_t)n < sizeof line)
        n += snprintf(line + n, sizeof line - (size_t)n, "  failed dials %s",
                      cli_grouped((double)p->dial_failures, a, sizeof a));
    if (n > 0 && (size_t)n < sizeof line) {
        if (isnan(p->handles_delta))
            n += snprintf(line + n, sizeof line - (size_t)n, "  warm-up");
        else
            n += snprintf(line + n, sizeof line - (size_t)n, "  self: handles %+.0f  rss %s",
                          p->handles_delta,
                          isnan(p->rss_delta_bytes)
                              ? "n/a"
                              : cli_bytes(p->rss_delta_bytes, 1, a, sizeof a));
    }
    cli_progress_draw(line);
}

struct run_args {
    const char *backend, *output, *format, *report;
    struct rasleak_kv *opts;
    size_t nopts;
    unsigned long long iterations, warmup, sample_every, max_failures;
    int warmup_set, force, quiet, no_analyze, json;
    double interval_ms, duration_s;
    struct ci_opts ci;
    struct rasleak_analyze_config acfg;
    struct rasleak_min_rate *rates;
    size_t nrates;
    struct cli_watch watch;
};

static int add_opt(struct run_args *a, char *spec)
{
    char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return -1;
    struct rasleak_kv *n = realloc(a->opts, (a->nopts + 1) * sizeof *n);
    if (!n)
        return -1;
    a->opts = n;
    *eq = '\0';   /* argv is ours to split */
    n[a->nopts].key = spec;
    n[a->nopts].value = eq + 1;
    a->nopts++;
    return 0;
}

/* Parse the command line; returns -1 to go on, else the exit code. */
static int parse(struct run_args *a, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backend", required_argument, NULL, 'b'},
        {"option", required_argument, NULL, 'O'},
        {"iterations", required_argument, NULL, 'n'},
        {"warmup", required_argument, NULL, 'W'},
        {"interval-ms", required_argument, NULL, 'I'},
        {"sample-every", required_argument, NULL, 'S'},
        {"max-failures", required_argument, NULL, 'F'},
        {"duration", required_argument, NULL, 'D'},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"force", no_argument, NULL, 'x'},
        {"quiet", no_argument, NULL, 'q'},
        {"no-analyze", no_argument, NULL, 'N'},
        {"json", no_argument, NULL, 'j'},
        {"alpha", required_argument, NULL, CLI_AOPT_ALPHA},
        {"min-rate", required_argument, NULL, CLI_AOPT_MIN_RATE},
        {"report", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        CLI_WATCH_LONGOPTS,
        CI_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":b:O:n:o:qh", longopts, NULL)) != -1) {
        const char *bad = NULL;
        int taken = ci_opt(&a->ci, c, optarg);
        if (taken == 0)
            taken = cli_analyze_option(&a->acfg, &a->rates, &a->nrates, c, optarg);
        if (taken < 0)
            return EXIT_USAGE;
        if (taken)
            continue;
        if (c >= CLI_OPT_WATCH)
            bad = cli_watch_option(&a->watch, c, optarg);
        else switch (c) {
        case 'b': a->backend = optarg; break;
        case 'O':
            if (add_opt(a, optarg) < 0)
                bad = "-O takes KEY=VALUE";
            break;
        case 'n':
            if (cli_parse_u64(optarg, &a->iterations) < 0 || a->iterations == 0)
                bad = "-n takes a whole number >= 1";
            break;
        case 'W':
            if (cli_parse_u64(optarg, &a->warmup) < 0)
                bad = "--warmup takes a whole number";
            a->warmup_set = 1;
            break;
        case 'I':
            if (cli_parse_double(optarg, &a->interval_ms) < 0 || a->interval_ms < 0)
                bad = "--interval-ms takes a number >= 0";
            break;
        case 'S':
            if (cli_parse_u64(optarg, &a->sample_every) < 0 || a->sample_every == 0)
                bad = "--sample-every takes a whole number >= 1";
            break;
        case 'F':
            if (cli_parse_u64(optarg, &a->max_failures) < 0)
                bad = "--max-failures takes a whole number";
            break;
        case 'D':
            if (cli_parse_double(optarg, &a->duration_s) < 0 || a->duration_s <= 0)
                bad = "--duration takes a number of seconds > 0";
            break;
        case 'o': a->output = optarg; break;
        case 'f':
            if (strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "json") != 0 &&
                strcmp(optarg, "compact") != 0)
                bad = "--format takes jsonl, json or compact";
            a->format = optarg;
            break;
        case 'x': a->force = 1; break;
        case 'q': a->quiet = 1; break;
        case 'N': a->no_analyze = 1; break;
        case 'j': a->json = 1; break;
        case 'R': a->report = optarg; break;
        case 'h':
            fputs(usage_text, stdout);
            fputs(ci_usage_text, stdout);
            fputs(exit_text, stdout);
            return 0;
        default:
            cli_bad_option("run", c, argv[optind - 1]);
            return EXIT_USAGE;
        }
        if (bad) {
            cli_error("%s, not '%s'", bad, optarg);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error("run takes no arguments, not '%s' (backend options go with -O)", argv[optind]);
        return EXIT_USAGE;
    }
    if (a->report && strcmp(a->output, "-") == 0) {
        cli_error("--report reads the trend file again: write it to a file with -o");
        return EXIT_USAGE;
    }
    if (!a->warmup_set)
        a->warmup = a->iterations / 10 > 1000 ? 1000 : a->iterations / 10;
    if (a->warmup >= a->iterations) {
        cli_error("--warmup (%llu) must be less than -n (%llu)", a->warmup, a->iterations);
        return EXIT_USAGE;
    }
    if (a->sample_every > a->iterations) {
        /* The last iteration is always sampled, so such a run would take
         * one sample and end inconclusive: most likely a slip of -n. */
        cli_error("--sample-every (%llu) must not be more than -n (%llu): the run would take "
                  "a single sample", a->sample_every, a->iterations);
        return EXIT_USAGE;
    }
    return ci_prepare(&a->ci, !a->no_analyze && strcmp(a->output, "-") != 0);
}

static FILE *open_output(const struct run_args *a)
{
    if (strcmp(a->output, "-") == 0)
        return stdout;
    struct stat st;
    if (stat(a->output, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("cannot write '%s': it is a directory", a->output);
        return NULL;
    }
    int flags = O_WRONLY | O_CREAT | (a->force ? O_TRUNC : O_EXCL);
    int fd = open(a->output, flags, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            cli_error("'%s' exists; use --force to overwrite it or -o to name another file",
                      a->output);
        else
            cli_error("cannot create '%s': %s", a->output, strerror(errno));
        return NULL;
    }
    FILE *fp = fdopen(fd, "w");
    if (!fp) {
        cli_error("cannot write '%s': %s", a->output, strerror(errno));
        close(fd);
    }
    return fp;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int analyze_and_print(struct run_args *a)
{
    struct rasleak_analysis *an;
    struct rasleak_error err;
    /* The analysis of a long run takes a while: the same line as the run's
     * (on a terminal, unless --quiet), cleared before the result. */
    int mode = a->quiet ? CLI_PROGRESS_NEVER : CLI_PROGRESS_AUTO;
    struct cli_analysis_progress pr;
    cli_analysis_progress_attach(&pr, mode, a->output, &a->acfg);
    int arc = rasleak_analyze_file(a->output, &a->acfg, &an, &err);
    cli_analysis_progress_end(&pr, &a->acfg);
    if (arc < 0) {
        cli_print_error(&err);
        return cli_input_exit(&err);
    }
    cli_warn_unmatched_rates("--min-rate", a->rates, a->nrates, cli_analysis_metric, an,
                             an->nseries);
    int rc = a->no_analyze ? EXIT_NO_LEAK   /* only here for the report */
                           : ci_finish_analysis(&a->ci, an, "run", a->json, a->output);
    if (a->report) {
        /* and the report's pass over the file, which draws it */
        struct rasleak_analyze_config draw = a->acfg;
        cli_analysis_progress_attach(&pr, mode, a->output, &draw);
        struct rasleak_report_config rcfg;
        rasleak_report_config_init(&rcfg);
        rcfg.progress = draw.progress;
        rcfg.progress_ud = draw.progress_ud;
        int wrc = cli_write_report(a->report, a->output, an, &rcfg, a->quiet);
        cli_analysis_progress_end(&pr, &draw);
        if (wrc != 0)
            rc = wrc;
    }
    rasleak_analysis_free(an);
    return rc;
}

static int execute(struct run_args *a)
{
    const struct rasleak_backend *be = rasleak_backend_find(a->backend);
    if (!be) {
        char names[256] = "";
        for (const struct rasleak_backend *const *b = rasleak_backends(); *b; b++) {
            strncat(names, names[0] ? ", " : "", sizeof names - strlen(names) - 1);
            strncat(names, (*b)->name, sizeof names - strlen(names) - 1);
        }
        cli_error("no backend '%s' in this build (available: %s)", a->backend, names);
        return EXIT_USAGE;
    }
    struct rasleak_options opts = {a->opts, a->nopts};
    struct rasleak_error err;
    if (rasleak_options_validate(be->options, be->noptions, &opts, be->name, &err) < 0) {
        cli_print_error(&err);
        return EXIT_USAGE;
    }
    int to_stdout = strcmp(a->output, "-") == 0;
    enum rasleak_trend_layout layout =
        a->format ? (strcmp(a->format, "json") == 0      ? RASLEAK_TREND_JSON
                     : strcmp(a->format, "compact") == 0 ? RASLEAK_TREND_COMPACT
                                                         : RASLEAK_TREND_JSONL)
                  : has_suffix(a->output, ".json") ? RASLEAK_TREND_JSON : RASLEAK_TREND_JSONL;
    if (!a->quiet && !a->format && layout == RASLEAK_TREND_JSONL && a->iterations >= 1000000) {
        char its[32];
        fprintf(stderr, "rasleak: hint: for %s iterations, --format compact writes about a fifth "
                        "of the bytes and is read 3.5 times faster\n",
                cli_grouped((double)a->iterations, its, sizeof its));
    }
    /* From here on a signal is a request to stop: the file about to be
     * created must end with a summary, however early the signal comes. */
    install_signals();
    FILE *fp = open_output(a);
    if (!fp)
        return EXIT_RUN;
    /* The buffer is touched once now, so that its pages do not become
     * resident one by one while the run measures its own memory. */
    static char buf[1 << 16];
    memset(buf, ' ', sizeof buf);
    setvbuf(fp, buf, _IOFBF, sizeof buf);

    struct rasleak_trend_writer *w;
    if (rasleak_trend_writer_open(&w, fp, to_stdout ? "(stdout)" : a->output, layout, &err) < 0) {
        cli_print_error(&err);
        if (!to_stdout)
            fclose(fp);
        return EXIT_RUN;
    }
    int show_progress = !a->quiet && isatty(STDERR_FILENO);
    struct progress_state pst = {a->duration_s, 0, 0};
    struct rasleak_run_config cfg = {
        be, opts, a->iterations, a->warmup, a->interval_ms, a->sample_every, a->max_failures,
        a->duration_s, w, &stop_requested, show_progress ? progress : NULL, &pst,
    };
    struct rasleak_run_result res;
    int rc = rasleak_run_watch(&cfg, &a->watch.cfg, &res, &err);
    if (show_progress)
        cli_progress_clear();
    rasleak_trend_writer_free(w);
    int close_failed = 0;
    if (!to_stdout) {
        errno = 0;
        close_failed = fclose(fp) != 0;
    } else {
        close_failed = fflush(stdout) != 0;
    }
    if (rc < 0) {
        cli_print_error(&err);
        /* A file that never got its header holds nothing: do not leave it.
         * (A process that cannot be watched fails before the header too.) */
        struct stat st;
        int before_header = rc == RASLEAK_EBACKEND ||
                            ((rc == RASLEAK_EACCES || rc == RASLEAK_ENOENT || rc == RASLEAK_EINVAL ||
                              rc == RASLEAK_ESAMPLE) &&
                             stat(a->output, &st) == 0 && S_ISREG(st.st_mode) &&
                             st.st_size == 0);
        if (before_header && !to_stdout)
            unlink(a->output);
        return rc == RASLEAK_EINVAL ? EXIT_USAGE : EXIT_RUN;
    }
    if (close_failed) {
        cli_error("cannot write '%s': %s", a->output, strerror(errno ? errno : EIO));
        return EXIT_RUN;
    }
    char n[32];
    if (!a->quiet)
        fprintf(stderr, "rasleak: %s iterations, stopped: %s; trend in '%s'\n",
                cli_grouped((double)res.iterations_done, n, sizeof n),
                rasleak_stop_reason_name(res.stop_reason), to_stdout ? "-" : a->output);
    if ((a->no_analyze && !a->report) || to_stdout)
        return EXIT_NO_LEAK;
    return analyze_and_print(a);
}

int cmd_run(int argc, char **argv)
{
    struct run_args a;
    memset(&a, 0, sizeof a);
    a.backend = rasleak_backend_default();
    a.output = "rasleak-trend.jsonl";
    a.iterations = 1000;
    a.sample_every = 1;
    a.max_failures = 10;
    rasleak_analyze_config_init(&a.acfg);
    cli_watch_init(&a.watch);
    ci_opts_init(&a.ci);
    int rc = parse(&a, argc, argv);
    if (rc < 0)
        rc = ci_claim_outputs(&a.ci);       /* not after a whole run */
    int report_claimed = 0;
    if (rc < 0 && a.report && strcmp(a.report, "-") != 0 && strcmp(a.report, a.output) != 0 &&
        cli_claim_output(a.report, &report_claimed) < 0)
        rc = EXIT_RUN;                      /* nor the report */
    if (rc < 0)
        rc = cli_watch_prepare(&a.watch);   /* the processes, before the trend file */
    if (rc < 0) {
        a.acfg.min_rates = a.rates;
        a.acfg.nmin_rates = a.nrates;
        rc = execute(&a);
    }
    cli_watch_release(&a.watch, a.quiet);
    if (report_claimed)
        cli_unclaim_output(a.report, &report_claimed);
    free(a.opts);
    free(a.rates);
    ci_opts_free(&a.ci);
    return rc;
}
