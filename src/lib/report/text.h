/*
 * text.h - internal: escaping, and the clock and ticks of the report's axes.
 * Numbers in their metric's unit are in units/units.h.
 */
#ifndef RASLEAK_REPORT_TEXT_H
#define RASLEAK_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "units/units.h"

/*
 * Write `s` as HTML/XML text or attribute value: & < > " ' escaped, and the
 * characters XML 1.0 does not allow at all (C0 controls other than tab and
 * newline, U+FFFE, U+FFFF) and bytes that are not UTF-8 replaced by U+FFFD,
 * so that anything a trend file holds keeps the page well-formed.
 */
void rasleak__html(FILE *fp, const char *s);

/* Elapsed time on an axis: rasleak_format_clock() with "?" for a time not known. */
const char *rasleak__fmt_clock(char *buf, size_t len, double s);

/* Iterations on an axis: "750", "2,500", "25k", "1.5M". */
const char *rasleak__fmt_iter_tick(char *buf, size_t len, double v);

/* A "nice" step (1, 2 or 5 times a power of ten) for about `nticks` ticks over `range`. */
double rasleak__nice_step(double range, int nticks);

#endif
