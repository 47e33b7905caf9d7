/*
 * text.h - internal: escaping and numbers in natural units, for the report.
 */
#ifndef RASLEAK_REPORT_TEXT_H
#define RASLEAK_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Write `s` as HTML/XML text or attribute value: & < > " ' escaped, and the
 * characters XML 1.0 does not allow at all (C0 controls other than tab and
 * newline, U+FFFE, U+FFFF) and bytes that are not UTF-8 replaced by U+FFFD,
 * so that anything a trend file holds keeps the page well-formed.
 */
void rasleak__html(FILE *fp, const char *s);

/* 1234567 -> "1,234,567" (rounded to a whole number). */
const char *rasleak__fmt_grouped(char *buf, size_t len, double v);

/* A number for people: whole numbers grouped, others with 3-4 significant digits. */
const char *rasleak__fmt_num(char *buf, size_t len, double v);

/*
 * An amount of `metric` in its natural unit: "1.5 MiB", "12 handles".
 * `sign` puts "+" before positive amounts.  NAN gives "n/a".
 */
const char *rasleak__fmt_amount(char *buf, size_t len, double v, const char *metric, int sign);

/* A span of time: "42.0 s", "12 min 5 s", "3 h 20 min", "2.5 days". */
const char *rasleak__fmt_duration(char *buf, size_t len, double s);

/* Elapsed time on an axis: rasleak_format_clock() with "?" for a time not known. */
const char *rasleak__fmt_clock(char *buf, size_t len, double s);

/* Iterations on an axis: "750", "2,500", "25k", "1.5M". */
const char *rasleak__fmt_iter_tick(char *buf, size_t len, double v);

/*
 * The display unit for values of `metric` up to `maxabs`: bytes in B, KiB,
 * MiB, GiB or TiB (returns the divisor and sets *suffix), counts as they are
 * (divisor 1, suffix "").
 */
double rasleak__axis_unit(const char *metric, double maxabs, const char **suffix);

/* A "nice" step (1, 2 or 5 times a power of ten) for about `nticks` ticks over `range`. */
double rasleak__nice_step(double range, int nticks);

#endif
