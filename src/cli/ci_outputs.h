/*
 * ci_outputs.h - what run, analyze and compare share for CI jobs:
 * --junit, --annotations, --json-file, --allow, --upload (docs/ci.md).
 */
#ifndef RASLEAK_CI_OUTPUTS_H
#define RASLEAK_CI_OUTPUTS_H

#include <getopt.h>
#include "rasleak/allow.h"
#include "rasleak/analysis.h"
#include "rasleak/compare.h"

enum {
    CI_OPT_JUNIT = 0x1000,
    CI_OPT_ANNOTATIONS,
    CI_OPT_JSON_FILE,
    CI_OPT_ALLOW,
    CI_OPT_UPLOAD,
    CI_OPT_UPLOAD_TREND,
    CI_OPT_UPLOAD_REQUIRED
};

/* Put into a command's struct option array, before the terminating entry. */
#define CI_LONGOPTS                                                         \
    {"junit", required_argument, NULL, CI_OPT_JUNIT},                       \
    {"annotations", required_argument, NULL, CI_OPT_ANNOTATIONS},           \
    {"json-file", required_argument, NULL, CI_OPT_JSON_FILE},               \
    {"allow", required_argument, NULL, CI_OPT_ALLOW},                       \
    {"upload", required_argument, NULL, CI_OPT_UPLOAD},                     \
    {"upload-trend", no_argument, NULL, CI_OPT_UPLOAD_TREND},               \
    {"upload-required", no_argument, NULL, CI_OPT_UPLOAD_REQUIRED}

/* The options' help, for each command's usage text. */
extern const char ci_usage_text[];

struct ci_opts {
    const char *junit, *json_file, *allow_path, *upload;
    int github, upload_trend, upload_required;
    /* --junit and --json-file files that ci_claim_outputs() created and
     * that nothing has written yet: ci_opts_free() removes them. */
    int junit_claimed, json_file_claimed;
    struct rasleak_allow_list *allow;   /* loaded by ci_prepare() */
    char today[16];
    double started;                     /* monotonic seconds, for JUnit's time */
    int attempts;
    double backoff_s;
};

void ci_opts_init(struct ci_opts *o);

/* Frees the allowances, and removes a claimed output that was never
 * written (the command failed before its end), so that no empty file is
 * left to pass for a result. */
void ci_opts_free(struct ci_opts *o);

/* A getopt result: 1 when it was a CI option, 0 when not, -1 on a bad value (said). */
int ci_opt(struct ci_opts *o, int c, const char *arg);

/*
 * After parsing, before any work: whether the options fit together, the
 * upload settings from the environment, and the allowance file loaded.
 * `analyzes`: the command will produce an analysis.  Returns -1 to go on,
 * else the exit code (2 usage, 3 bad allowance file).
 */
int ci_prepare(struct ci_opts *o, int analyzes);

/*
 * For a command whose work is long (run): check now that --junit and
 * --json-file can be written, rather than fail after the work.  A file
 * that is not there is created, empty, and removed again by
 * ci_opts_free() unless written; one that is there is opened for
 * appending and left as it is until the end; a device or a pipe is left
 * for the end.  Returns -1 to go on, else EXIT_RUN after saying why.
 */
int ci_claim_outputs(struct ci_opts *o);

/*
 * One output file a run writes only at its end, checked before it starts:
 * a missing file is created empty (*claimed set), an existing one opened
 * for appending and left as it is; a directory, or a file that cannot be
 * written, is refused.  0, or -1 after saying why.  A device or a pipe is
 * left to be opened at the end.  cli_unclaim_output() removes the file
 * again if it was created and is still empty (the run never wrote it).
 */
int cli_claim_output(const char *path, int *claimed);
void cli_unclaim_output(const char *path, int *claimed);

/*
 * Apply the allowances to `a`, print it on stdout (JSON when `json`, else
 * for people), write --junit, --annotations and --json-file, upload, and
 * return the exit code.  `command` is "run" or "analyze"; `trend` the
 * trend file analyzed (for --upload-trend).
 */
int ci_finish_analysis(struct ci_opts *o, struct rasleak_analysis *a, const char *command,
                       int json, const char *trend);

/* The same for compare; `trend` is the current side's trend file or NULL. */
int ci_finish_comparison(struct ci_opts *o, const struct rasleak_comparison *c, int json,
                         const char *trend);

/* The comparison for people (cmd_compare.c). */
void cli_print_comparison(FILE *fp, const struct rasleak_comparison *c, int color);

#endif
