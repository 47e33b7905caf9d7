/*
 * cli.h - what the subcommands share.  src/cli is the only code that
 * prints or exits; it uses only what include/rasleak/ declares.
 */
#ifndef RASLEAK_CLI_H
#define RASLEAK_CLI_H

#include <stdio.h>
#include "rasleak/analysis.h"
#include "rasleak/error.h"

/* Exit codes, the same for every command (docs/cli.md). */
enum {
    EXIT_NO_LEAK = 0,   /* also: inconclusive, or a listing command succeeded */
    EXIT_LEAK = 1,
    EXIT_USAGE = 2,
    EXIT_INPUT = 3,     /* unreadable or invalid input file */
    EXIT_RUN = 4        /* the run could not start, the backend failed to open,
                           or the output could not be written */
};

struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_backends(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);

/* "rasleak: error: <message>" on stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(RASLEAK_PRINTF_ARCHETYPE, 1, 2)))
#endif
    ;
void cli_warn(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(RASLEAK_PRINTF_ARCHETYPE, 1, 2)))
#endif
    ;

/* A library error, with "file:line:column: " in front when it has a position. */
void cli_print_error(const struct rasleak_error *e);

/*
 * A getopt_long result that no case of `command` took, with `arg` the word
 * it came from: a missing value (':', for an option string that starts
 * with ':') or an unknown option.  Says which; the caller exits with
 * EXIT_USAGE.
 */
void cli_bad_option(const char *command, int c, const char *arg);

/* Exit code for an error from reading or analyzing an input file. */
int cli_input_exit(const struct rasleak_error *e);

/* Parse a whole number / a real; 0 on success. */
int cli_parse_u64(const char *s, unsigned long long *out);
int cli_parse_double(const char *s, double *out);

/*
 * The options every judging command takes (analyze, compare, report), as
 * getopt_long values: above every short option and below the watch
 * options (watch.h) and the CI options (ci_outputs.h).  run takes --alpha
 * and --min-rate alike, but its --warmup is the run's own.
 */
enum cli_analyze_opt { CLI_AOPT_WARMUP = 0x100, CLI_AOPT_ALPHA, CLI_AOPT_MIN_RATE };

/* Entries for the longopts tables of analyze, compare and report. */
#define CLI_ANALYZE_LONGOPTS                                                \
    {"warmup", required_argument, NULL, CLI_AOPT_WARMUP},                   \
    {"alpha", required_argument, NULL, CLI_AOPT_ALPHA},                     \
    {"min-rate", required_argument, NULL, CLI_AOPT_MIN_RATE}

/*
 * A getopt result: take it into `cfg` (min-rates into *rates, grown with
 * realloc).  1 when it was one of them, 0 when not, -1 after saying what
 * is wrong with `arg` (a usage error).
 */
int cli_analyze_option(struct rasleak_analyze_config *cfg, struct rasleak_min_rate **rates,
                       size_t *nrates, int c, const char *arg);

/*
 * A --warmup that leaves no measured sample in the file analyzed as `a` is
 * a mistake a CI job would otherwise pass on for ever: EXIT_USAGE after
 * saying so, else 0.
 */
int cli_check_warmup(const struct rasleak_analysis *a, const struct rasleak_analyze_config *cfg);

/*
 * Warn about each of `rates`, given with `option` ("--min-rate",
 * "--tolerance"), whose metric is none of the `n` that metric_at(ctx, i)
 * gives: a misspelt metric would otherwise change nothing, unnoticed.
 */
void cli_warn_unmatched_rates(const char *option, const struct rasleak_min_rate *rates,
                              size_t nrates, const char *(*metric_at)(const void *ctx, size_t i),
                              const void *ctx, size_t n);

/* The metric of series i of a struct rasleak_analysis, for the above. */
const char *cli_analysis_metric(const void *analysis, size_t i);

/*
 * Warn that the trend file `path` was cut short (a killed run, a copy
 * taken while it was written), so that what was judged is the `samples`
 * records that were complete, not the whole run.
 */
void cli_warn_cut_short(const char *path, uint64_t samples);

/* The same, or --progress / --no-progress into *progress (progress.h):
 * what analyze, compare and report take. */
int cli_judging_option(struct rasleak_analyze_config *cfg, struct rasleak_min_rate **rates,
                       size_t *nrates, int *progress, int c, const char *arg);

/* Parse METRIC=RATE into the array (grown with realloc); 0 or -1. */
int cli_add_min_rate(struct rasleak_min_rate **arr, size_t *n, const char *spec);

/*
 * Widen the "target" and "metric" columns that the tables of an analysis
 * and of a comparison start with, *tw and *mw, to fit one row's names.
 * Start them at the headings' width.
 */
void cli_fit_columns(size_t *tw, size_t *mw, const char *target, const char *metric);

/* The analysis for people, and the exit code that goes with its verdict. */
void cli_print_analysis(FILE *fp, const struct rasleak_analysis *a, int color);
int cli_verdict_exit(const struct rasleak_analysis *a);

/*
 * Write the HTML report of `trend` (analysed as `a`) to the file `out`, or
 * stdout for "-": beside it first, then renamed over it.  0, or the exit code.
 */
struct rasleak_report_config;
int cli_write_report(const char *out, const char *trend, const struct rasleak_analysis *a,
                     const struct rasleak_report_config *cfg, int quiet);

/* A whole number with thousands separators: 1234567 -> "1,234,567"; returns buf. */
const char *cli_grouped(double v, char *buf, size_t len);

/* Bytes in B to TiB, with a "+" before a positive amount when `sign` (a
 * change): "+512 B", "-1.5 MiB", "830.1 MiB"; returns buf. */
const char *cli_bytes(double v, int sign, char *buf, size_t len);

/* CLOCK_MONOTONIC in seconds: for the pace of progress lines and JUnit's time. */
double cli_mono_s(void);

/* An amount in the metric's natural unit, with a sign: "+1.5 MiB", "+12
 * handles"; "n/a" for NAN.  Writes into buf and returns it. */
const char *cli_amount(double v, const char *metric, char *buf, size_t len);

/* Whether to colour output on `fp` (a TTY and NO_COLOR unset). */
int cli_use_color(FILE *fp);

#endif
