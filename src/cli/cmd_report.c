/*
 * cmd_report.c - rasleak report: a trend file as one self-contained HTML page.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "sys.h"
#include "rasleak/report.h"

static const char usage_text[] =
    "usage: rasleak report [-o FILE] [--title TEXT] [--width PIXELS] [--warmup N]\n"
    "                      [--alpha A] [--min-rate METRIC=RATE]... [--quiet]\n"
    "                      [--[no-]progress] TRENDFILE\n"
    "\n"
    "Writes one self-contained HTML file (inline SVG charts, no script, nothing\n"
    "fetched) with the verdict and why, the run's facts, and a chart of every\n"
    "target and metric: samples, warm-up, Sen's line with its confidence band,\n"
    "failed dials, and where the resource runs out.  TRENDFILE may be '-' for stdin.\n"
    "\n"
    "  -o, --output FILE      the report (default: TRENDFILE with .html for .jsonl/.json,\n"
    "                         rasleak-report.html for stdin; '-' for stdout); replaced\n"
    "                         whole, never left half-written\n"
    "      --title TEXT       the page's title (default 'rasleak report: TRENDFILE')\n"
    "      --width PIXELS     pixel columns of a chart's plot area (default 860)\n"
    "      --warmup N         ignore samples up to iteration N (default: the file's)\n"
    "      --alpha A          significance level of the trend test (default 0.01)\n"
    "      --min-rate METRIC=RATE growth per iteration below RATE is not a leak\n"
    "  -q, --quiet            do not say where the report went\n"
    CLI_PROGRESS_USAGE
    "  -h, --help             this help\n"
    "\n"
    "exit: 0 no leak (or inconclusive), 1 leak, 2 usage, 3 invalid input file,\n"
    "      4 the report could not be written\n";

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Write straight into an open stream: stdout, a device, a pipe, a symlink. */
static int write_direct(FILE *fp, const char *trend, const struct rasleak_analysis *a,
                        const struct rasleak_report_config *cfg)
{
    struct rasleak_error err;
    rasleak_error_clear(&err);
    if (rasleak_report_write(fp, trend, a, cfg, &err) < 0) {
        cli_print_error(&err);
        return err.path[0] ? cli_input_exit(&err) : EXIT_RUN;
    }
    return 0;
}

int cli_write_report(const char *out, const char *trend, const struct rasleak_analysis *a,
                     const struct rasleak_report_config *cfg, int quiet)
{
    struct rasleak_error err;
    rasleak_error_clear(&err);
    if (strcmp(out, "-") == 0)
        return write_direct(stdout, trend, a, cfg);
    if (same_file(out, trend)) {
        cli_error("the report '%s' would replace the trend file; name another with -o", out);
        return EXIT_USAGE;
    }
    struct stat st;
    if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_error("cannot write '%s': it is a directory", out);
        return EXIT_RUN;
    }
    if (cli_is_special(out)) {
        /* Renaming over a device or a symlink would replace it, not write
         * to it: such an output is opened and written as it is. */
        FILE *fp = fopen(out, "w");
        if (!fp) {
            cli_error("cannot write '%s': %s", out, strerror(errno));
            return EXIT_RUN;
        }
        int rc = write_direct(fp, trend, a, cfg);
        errno = 0;
        if (fclose(fp) != 0 && rc == 0) {
            cli_error("cannot write '%s': %s", out, strerror(errno ? errno : EIO));
            rc = EXIT_RUN;
        }
        return rc;
    }
    /* Written beside its final name and renamed over it: a reader sees the
     * old report or the new one, never half of one. */
    size_t n = strlen(out) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        cli_error("out of memory");
        return EXIT_RUN;
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", out);
    int fd = cli_mkstemp(tmp);
    if (fd < 0) {
        cli_error("cannot create '%s': %s", out, strerror(errno));
        free(tmp);
        return EXIT_RUN;
    }
    FILE *fp = fdopen(fd, "w");
    int rc = 0;
    if (!fp) {
        cli_error("cannot write '%s': %s", out, strerror(errno));
        close(fd);
        rc = EXIT_RUN;
    } else {
        int wr = rasleak_report_write(fp, trend, a, cfg, &err);
        errno = 0;
        int closed = fclose(fp);
        if (wr < 0) {
            cli_print_error(&err);
            rc = err.path[0] ? cli_input_exit(&err) : EXIT_RUN;
        } else if (closed != 0) {
            cli_error("cannot write '%s': %s", out, strerror(errno ? errno : EIO));
            rc = EXIT_RUN;
        } else if (rename(tmp, out) != 0) {
            cli_error("cannot write '%s': %s", out, strerror(errno));
            rc = EXIT_RUN;
        }
    }
    if (rc != 0)
        unlink(tmp);
    else if (!quiet && stat(out, &st) == 0)
        fprintf(stderr, "rasleak: report in '%s' (%lld KiB)\n", out,
                (long long)((st.st_size + 1023) / 1024));
    free(tmp);
    return rc;
}

/* Standard input, copied to a file the report can read twice; NULL on failure. */
static char *spool_stdin(void)
{
    const char *dir = getenv("TMPDIR");
    size_t n = strlen(dir && *dir ? dir : "/tmp") + 32;
    char *path = malloc(n);
    if (!path)
        return NULL;
    snprintf(path, n, "%s/rasleak-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = cli_mkstemp(path);
    if (fd < 0) {
        cli_error("cannot create a temporary file for stdin: %s", strerror(errno));
        free(path);
        return NULL;
    }
    char buf[1 << 16];
    ssize_t got;
    while ((got = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        ssize_t off = 0;
        while (got > 0 && off < got) {
            ssize_t w = write(fd, buf + off, (size_t)(got - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                got = -1;
                break;
            }
            off += w;
        }
        if (got < 0) {
            cli_error("cannot copy stdin: %s", strerror(errno));
            close(fd);
            unlink(path);
            free(path);
            return NULL;
        }
    }
    close(fd);
    return path;
}

/* "x/trend.jsonl" -> "x/trend.html"; "trend" -> "trend.html". */
static char *default_output(const char *trend)
{
    if (strcmp(trend, "-") == 0)
        return strdup("rasleak-report.html");
    size_t n = strlen(trend);
    const char *slash = strrchr(trend, '/');
    const char *dot = strrchr(trend, '.');
    if (dot && (!slash || dot > slash) && (strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0))
        n = (size_t)(dot - trend);
    char *out = malloc(n + 6);
    if (out) {
        memcpy(out, trend, n);
        memcpy(out + n, ".html", 6);
    }
    return out;
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"title", required_argument, NULL, 't'},
        {"width", required_argument, NULL, 'w'},
        CLI_ANALYZE_LONGOPTS,
        CLI_PROGRESS_LONGOPTS,
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct rasleak_analyze_config acfg;
    rasleak_analyze_config_init(&acfg);
    struct rasleak_report_config rcfg;
    rasleak_report_config_init(&rcfg);
    struct rasleak_min_rate *rates = NULL;
    size_t nrates = 0;
    const char *output = NULL;
    char *spooled = NULL, *defout = NULL;
    int quiet = 0, c, rc = EXIT_USAGE, progress = CLI_PROGRESS_AUTO;
    unsigned long long u;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        int taken = cli_judging_option(&acfg, &rates, &nrates, &progress, c, optarg);
        if (taken < 0)
            goto out;
        if (taken)
            continue;
        switch (c) {
        case 'o': output = optarg; break;
        case 't': rcfg.title = optarg; break;
        case 'w':
            if (cli_parse_u64(optarg, &u) < 0 || u < 100 || u > 8192) {
                cli_error("--width takes a number of pixels from 100 to 8192, not '%s'", optarg);
                goto out;
            }
            rcfg.plot_width = (unsigned)u;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(usage_text, stdout);
            rc = 0;
            goto out;
        default:
            cli_bad_option("report", c, argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc - 1) {
        cli_error(optind == argc ? "report needs a trend file" : "report takes one trend file");
        fputs(usage_text, stderr);
        goto out;
    }
    const char *trend = argv[optind];
    if (!output && !(output = defout = default_output(trend))) {
        rc = EXIT_RUN;
        goto out;
    }
    acfg.min_rates = rates;
    acfg.nmin_rates = nrates;
    const char *path = trend;
    if (strcmp(trend, "-") == 0) {
        if (!(path = spooled = spool_stdin())) {
            rc = EXIT_INPUT;
            goto out;
        }
    }
    struct rasleak_analysis *a;
    struct rasleak_error err;
    /* One line for both passes: the analysis, then the drawing. */
    struct cli_analysis_progress pr;
    cli_analysis_progress_attach(&pr, progress, trend, &acfg);
    rcfg.progress = acfg.progress;
    rcfg.progress_ud = acfg.progress_ud;
    if (rasleak_analyze_file(path, &acfg, &a, &err) < 0) {
        cli_analysis_progress_end(&pr, &acfg);
        if (spooled && strcmp(err.path, spooled) == 0)
            snprintf(err.path, sizeof err.path, "(stdin)");
        cli_print_error(&err);
        rc = cli_input_exit(&err);
        goto out;
    }
    if (spooled)
        snprintf(a->path, sizeof a->path, "(stdin)");
    if ((rc = cli_check_warmup(a, &acfg)) != 0) {
        cli_analysis_progress_end(&pr, &acfg);
        rasleak_analysis_free(a);
        goto out;
    }
    char n[32];
    if (a->truncated)
        cli_warn("'%s' was cut short: the report shows the %s samples that were complete",
                 trend, cli_grouped((double)a->samples, n, sizeof n));
    cli_warn_unmatched_rates("--min-rate", rates, nrates, cli_analysis_metric, a, a->nseries);
    rc = cli_write_report(output, path, a, &rcfg, quiet);
    cli_analysis_progress_end(&pr, &acfg);
    if (rc == 0)
        rc = cli_verdict_exit(a);
    rasleak_analysis_free(a);
out:
    if (spooled) {
        unlink(spooled);
        free(spooled);
    }
    free(defout);
    free(rates);
    return rc;
}
