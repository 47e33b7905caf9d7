/*
 * progress.h - the progress line on standard error (progress.c).
 */
#ifndef RASLEAK_CLI_PROGRESS_H
#define RASLEAK_CLI_PROGRESS_H

#include <stdint.h>

/* --progress / --no-progress / neither: on a terminal, after a second. */
enum { CLI_PROGRESS_AUTO, CLI_PROGRESS_ALWAYS, CLI_PROGRESS_NEVER };

/* getopt values and entries for the longopts tables of the commands that
 * analyze a file (analyze, compare, report). */
enum { CLI_OPT_PROGRESS = 0x180, CLI_OPT_NO_PROGRESS };
#define CLI_PROGRESS_LONGOPTS                                        \
    {"progress", no_argument, NULL, CLI_OPT_PROGRESS},               \
    {"no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS}

/* A getopt result: 1 when it was one of them (taken into *mode), else 0. */
int cli_progress_option(int *mode, int c);

/* Whether to show progress at all in this mode. */
int cli_progress_wanted(int mode);

/* The usage lines of the two options, to be pasted into a usage text. */
#define CLI_PROGRESS_USAGE                                                          \
    "  --progress             show progress on standard error even when it is not\n" \
    "                         a terminal (default: on a terminal, after a second)\n" \
    "  --no-progress          never show progress\n"

/* Draw `line` over the last one, cut to the terminal's width; clear it. */
void cli_progress_draw(const char *line);
void cli_progress_clear(void);

/* The progress of rasleak_analyze_file() on `path`, and of a report's
 * drawing pass over it, as a line. */
struct cli_analysis_progress {
    const char *path;
    double start, delay, last_draw;
    int drawn;            /* a line is on the terminal */
    char stage[16];       /* of the last call */
    int stage_drawn;      /* a line of this stage was drawn */
    double stage_start;   /* its pace is measured from its first call */
    uint64_t stage_from;
};

/*
 * Start the line for analyzing `path` and, when `mode` wants progress at
 * all, point cfg's callback at it.  Called again for each file of a
 * command that analyzes two.
 */
struct rasleak_analyze_config;
void cli_analysis_progress_attach(struct cli_analysis_progress *p, int mode, const char *path,
                                  struct rasleak_analyze_config *cfg);
/* Clear the line, if one was drawn, and detach cfg's callback from it. */
void cli_analysis_progress_end(struct cli_analysis_progress *p,
                               struct rasleak_analyze_config *cfg);

#endif
