/*
 * rasleak/report.h - a trend file and its analysis as one HTML page.
 *
 * The report is a single self-contained HTML file: inline CSS and inline
 * SVG charts written by rasleak, no script, no external asset, so it can be
 * attached to a support case and opened anywhere.  It is computed from the
 * trend file alone: the analysis (rasleak_analyze_file) gives the verdicts
 * and fitted lines, and one more pass of the trend reader streams the raw
 * samples into per-pixel-column bins that keep each column's minimum and
 * maximum, so spikes survive and memory stays bounded however long the run.
 * What the page holds is described in docs/report.md.
 */
#ifndef RASLEAK_REPORT_H
#define RASLEAK_REPORT_H

#include <stdio.h>
#include "rasleak/analysis.h"
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rasleak_report_config {
    const char *title;      /* page title; NULL: "rasleak report: <file name>" */
    unsigned plot_width;    /* pixel columns of a chart's plot area; 0: the default */
    /* Progress of reading the file again to draw it, on the caller's
     * thread, as rasleak_analyze_config's (stage "drawing", in bytes of
     * the file); NULL: none. */
    rasleak_progress_fn progress;
    void *progress_ud;
};

/* Defaults as documented. */
void rasleak_report_config_init(struct rasleak_report_config *c);

/*
 * Write the report of the trend file `path` to `out` (opened and owned by
 * the caller, flushed but not closed).  `a` is the analysis of the same file
 * from rasleak_analyze_file(), borrowed; the file is read once more to draw
 * its samples, so `path` must be a file that can be opened again (not "-").
 * `cfg` may be NULL for the defaults.
 *
 * Returns 0; RASLEAK_EFORMAT or RASLEAK_EIO with the position in `err` when
 * the trend file cannot be read again; RASLEAK_EIO when writing `out`
 * failed; RASLEAK_ENOMEM.
 */
int rasleak_report_write(FILE *out, const char *path, const struct rasleak_analysis *a,
                         const struct rasleak_report_config *cfg, struct rasleak_error *err);

/*
 * Elapsed time as a clock, the way the report's time axis shows it:
 * "0:42", "12:05", "1:05:00", "3d 04h" (rounded to the second; from a day
 * on, days and hours).  When `seconds` is not a finite number >= 0 (a time
 * not known yet), `unknown` is written instead.
 *
 * Writes into `buf`, `len` bytes owned by the caller, cut short as
 * snprintf() does when it does not fit (16 bytes hold any clock of less
 * than a million days), and returns `buf`.
 */
const char *rasleak_format_clock(char *buf, size_t len, double seconds, const char *unknown);

#ifdef __cplusplus
}
#endif
#endif
