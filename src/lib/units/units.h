/*
 * units.h - internal: numbers for people, in the natural unit of their
 * metric, for the analysis's reasons and the report.
 */
#ifndef RASLEAK_UNITS_H
#define RASLEAK_UNITS_H

#include <stddef.h>

/* 1234567 -> "1,234,567" (rounded to a whole number). */
const char *rasleak__fmt_grouped(char *buf, size_t len, double v);

/* A number for people: whole numbers grouped, others with 3-4 significant digits. */
const char *rasleak__fmt_num(char *buf, size_t len, double v);

/*
 * An amount of `metric` in its natural unit: "1.5 MiB", "12 handles".
 * `sign` puts "+" before positive amounts.  NAN gives "n/a".
 */
const char *rasleak__fmt_amount(char *buf, size_t len, double v, const char *metric, int sign);

/* The noun after a plain number of `metric`: " bytes", " handles",
 * " threads" (" byte", ... when `one`), or "" for a count of something
 * else. */
const char *rasleak__unit_noun(const char *metric, int one);

/* A span of time: "42.0 s", "12 min 5 s", "3 h 20 min", "2.5 days". */
const char *rasleak__fmt_duration(char *buf, size_t len, double s);

/*
 * The display unit for values of `metric` up to `maxabs`: bytes in B, KiB,
 * MiB, GiB or TiB (returns the divisor and sets *suffix), counts as they are
 * (divisor 1, suffix "").
 */
double rasleak__axis_unit(const char *metric, double maxabs, const char **suffix);

#endif
