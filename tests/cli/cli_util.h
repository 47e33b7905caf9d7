/*
 * cli_util.h - what the CLI tests share: starting the real binary (under
 * RASLEAK_TEST_WRAPPER, e.g. valgrind, when set), waiting for it, and
 * reading what it wrote.  The helpers that say they fail the test do so
 * through cmocka themselves, so that every CLI test checks the same way
 * and says the same on failure.
 */
#ifndef RASLEAK_CLI_UTIL_H
#define RASLEAK_CLI_UTIL_H

#include <jansson.h>
#include <sys/types.h>

struct cli_proc {
    const char *dir;      /* working directory of the child */
    const char *out;      /* file for its stdout */
    const char *err;      /* file for its stderr */
    long nofile;          /* > 0: soft descriptor limit for the child */
    long uid;             /* >= 0: run as this user (and group) */
    const char *env;      /* NAME=VALUE to add to the child's environment, or NULL */
    /* Descriptors (> 0) for the child's stdin, stdout and stderr in place of
     * the test's stdin and the files above: a file to read as stdin, or a
     * pseudo-terminal, for what rasleak does on a terminal.  0: the default. */
    int in_fd, out_fd, err_fd;
};

/*
 * Start `bin` with `args` (NULL-terminated) as `p` says; the child's pid.
 * The child never inherits NO_COLOR (`env` may set it), so that what the
 * tests see of colour does not depend on the shell they run from.
 */
pid_t cli_start(const struct cli_proc *p, const char *bin, const char *const *args);

/* Exit code of `pid`, or 128 + signal. */
int cli_wait(pid_t pid);

/* Whether the binary runs under a wrapper tool. */
int cli_wrapped(void);

/* The whole file as a string ("" when it cannot be read); free() it. */
char *cli_slurp(const char *path);

/* Fails the test, showing the file, when `needle` is not in it. */
void cli_expect_in(const char *path, const char *needle);

/* The file parsed as JSON; when it is not, fails the test, showing the file
 * and `err_path` (the stderr of the run that wrote it).  json_decref() it. */
json_t *cli_load_json(const char *path, const char *err_path);

/* The last line of a JSON Lines file, parsed; NULL if it is not JSON. */
json_t *cli_last_record(const char *path);

void cli_sleep_ms(long ms);

/*
 * A fresh directory /tmp/rasleak-TAG-XXXXXX, given `mode`, into `dir`
 * (64 bytes), and the paths of stdout, stderr and trend.jsonl in it into
 * `out`, `err` and `trend` (128 bytes each).  0, or -1.
 */
int cli_make_dir(const char *tag, unsigned mode, char *dir, char *out, char *err, char *trend);

/* Remove such a directory and everything in it, read-only parts too; 0 or -1. */
int cli_remove_dir(const char *dir);

/* The series of `target`'s `metric` in a rasleak-analysis or comparison
 * document, or NULL. */
json_t *cli_find_series(json_t *analysis, const char *target, const char *metric);

/* The same series; fails the test when there is none. */
json_t *cli_series(json_t *analysis, const char *target, const char *metric);

/* The summary record (the last line) of a JSON Lines trend file; fails the
 * test when that line is not one.  json_decref() it. */
json_t *cli_summary(const char *trend);

#endif
