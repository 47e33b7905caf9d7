/*
 * progress.c - the progress line on standard error: drawn over itself with
 * "\r" and cleared to the end of the line, never wider than the terminal
 * (a wrapped line cannot be redrawn), and gone when the work is done, so
 * that what follows on the terminal is only the result.
 *
 * The analysis reports through rasleak_progress_fn (rasleak/analysis.h):
 * reading the trend file, in bytes, then judging, in series.  On a
 * terminal the line appears only once the analysis has taken a second,
 * so that the common small file shows nothing, as git shows progress only
 * for work that takes a while.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "sys.h"

#define SHOW_AFTER_S 1.0   /* on a terminal: nothing for work shorter than this */
#define REDRAW_S 0.1       /* at most ten lines a second */

void cli_progress_draw(const char *line)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", line);
    int cols = cli_term_columns();
    size_t max = cols > 1 ? (size_t)cols - 1 : 1;
    if (strlen(buf) > max)
        buf[max] = '\0';
    fprintf(stderr, "\r%s\033[K", buf);
    fflush(stderr);
}

void cli_progress_clear(void)
{
    fputs("\r\033[K", stderr);
    fflush(stderr);
}

int cli_progress_option(int *mode, int c)
{
    if (c == CLI_OPT_PROGRESS)
        *mode = CLI_PROGRESS_ALWAYS;
    else if (c == CLI_OPT_NO_PROGRESS)
        *mode = CLI_PROGRESS_NEVER;
    else
        return 0;
    return 1;
}

int cli_progress_wanted(int mode)
{
    if (mode != CLI_PROGRESS_AUTO)
        return mode == CLI_PROGRESS_ALWAYS;
    return isatty(STDERR_FILENO);
}

static void analysis_progress(void *ud, const char *stage, uint64_t done, uint64_t total);

void cli_analysis_progress_attach(struct cli_analysis_progress *p, int mode, const char *path,
                                  struct rasleak_analyze_config *cfg)
{
    memset(p, 0, sizeof *p);
    p->path = path;
    p->start = cli_mono_s();
    p->delay = mode == CLI_PROGRESS_ALWAYS ? 0.0 : SHOW_AFTER_S;
    if (cli_progress_wanted(mode)) {
        cfg->progress = analysis_progress;
        cfg->progress_ud = p;
    }
}

static void analysis_progress(void *ud, const char *stage, uint64_t done, uint64_t total)
{
    struct cli_analysis_progress *p = ud;
    double now = cli_mono_s();
    int end = done >= total;
    if (strcmp(stage, p->stage) != 0) {
        /* A new stage: its pace is measured from here. */
        snprintf(p->stage, sizeof p->stage, "%s", stage);
        p->stage_start = now;
        p->stage_from = done;
        p->stage_drawn = 0;
    }
    if (end && strcmp(stage, "drawing") == 0) {
        /* The last pass of a report: what follows is where it went. */
        if (p->drawn)
            cli_progress_clear();
        p->drawn = 0;
        return;
    }
    if (now - p->start < p->delay)
        return;
    /* The first line of each stage is drawn, then ten a second at most. */
    if (p->stage_drawn && now - p->last_draw < REDRAW_S && !end)
        return;
    p->drawn = p->stage_drawn = 1;
    p->last_draw = now;

    char line[512], a[32], b[32];
    if (strcmp(stage, "judging") != 0) {
        /* reading, or drawing (a report's second pass): bytes of the file */
        double pct = total ? 100.0 * (double)done / (double)total : 100.0;
        double rate = now > p->stage_start
                          ? (double)(done - p->stage_from) / (now - p->stage_start)
                          : 0.0;
        char eta[32] = "";
        if (rate > 0 && !end)
            snprintf(eta, sizeof eta, ", %.0f s left", ceil((double)(total - done) / rate));
        snprintf(line, sizeof line, "%s '%s': %3.0f%% of %s%s", stage, p->path, floor(pct),
                 cli_bytes((double)total, 0, a, sizeof a), eta);
    } else {
        snprintf(line, sizeof line, "judging '%s': %s of %s series, %.0f s so far", p->path,
                 cli_grouped((double)done, a, sizeof a), cli_grouped((double)total, b, sizeof b),
                 floor(now - p->stage_start));
    }
    cli_progress_draw(line);
}

void cli_analysis_progress_end(struct cli_analysis_progress *p,
                               struct rasleak_analyze_config *cfg)
{
    if (p->drawn)
        cli_progress_clear();
    p->drawn = 0;
    if (cfg->progress_ud == p) {
        cfg->progress = NULL;
        cfg->progress_ud = NULL;
    }
}
