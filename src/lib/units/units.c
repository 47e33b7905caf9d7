/*
 * units.c - numbers for people, in the natural unit of their metric: the
 * analysis's reasons ("growth of 2.50 KiB ... below the minimum 32.0 KiB")
 * and every number of the report.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rasleak/sampler.h"
#include "units/units.h"

const char *rasleak__fmt_grouped(char *buf, size_t len, double v)
{
    char digits[64];
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t nd = strlen(digits), o = 0;
    if (v <= -0.5 && o + 1 < len)
        buf[o++] = '-';
    for (size_t i = 0; i < nd && o + 2 < len; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

const char *rasleak__fmt_num(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "n/a");
    else if (v == floor(v) && fabs(v) < 1e15)
        rasleak__fmt_grouped(buf, len, v);
    else if (fabs(v) >= 1e6 || fabs(v) < 1e-3)
        snprintf(buf, len, "%.3g", v);
    else
        snprintf(buf, len, "%.4g", v);
    return buf;
}

static const char *const byte_units[] = {"B", "KiB", "MiB", "GiB", "TiB"};

const char *rasleak__unit_noun(const char *metric, int one)
{
    if (rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES)
        return one ? " byte" : " bytes";
    /* "handles" and "threads" are their own nouns; handles.socket is a kind of handle. */
    if (strcmp(metric, "handles") == 0 || strncmp(metric, "handles.", 8) == 0)
        return one ? " handle" : " handles";
    if (strcmp(metric, "threads") == 0)
        return one ? " thread" : " threads";
    return "";
}

const char *rasleak__fmt_amount(char *buf, size_t len, double v, const char *metric, int sign)
{
    const char *plus = sign && v > 0 ? "+" : "";
    if (!isfinite(v)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    if (rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES) {
        const char *suffix;
        double div = rasleak__axis_unit(metric, fabs(v), &suffix);
        double a = v / div;
        if (div == 1 && a != floor(a) && fabs(a) < 1)
            snprintf(buf, len, "%s%.3g %s", plus, a, suffix);  /* 0.00345 B, not 0 B */
        else
            snprintf(buf, len, "%s%.*f %s", plus,
                     div == 1 ? (a == floor(a) ? 0 : fabs(a) < 10 ? 2 : fabs(a) < 100 ? 1 : 0)
                              : fabs(a) < 10 ? 2 : 1,
                     a, suffix);
    } else {
        char num[48];
        if (v == floor(v) || fabs(v) >= 100)
            rasleak__fmt_grouped(num, sizeof num, v);
        else
            snprintf(num, sizeof num, "%.3g", v);
        int one = strcmp(num, "1") == 0 || strcmp(num, "-1") == 0;
        snprintf(buf, len, "%s%s%s", plus, num, rasleak__unit_noun(metric, one));
    }
    return buf;
}

const char *rasleak__fmt_duration(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, len, "unknown");
    else if (s < 120)
        snprintf(buf, len, "%.1f s", s);
    else if (s < 3600)
        snprintf(buf, len, "%.0f min %.0f s", floor(s / 60), fmod(floor(s), 60));
    else if (s < 172800)
        snprintf(buf, len, "%.0f h %.0f min", floor(s / 3600), fmod(floor(s / 60), 60));
    else
        snprintf(buf, len, "%.1f days", s / 86400);
    return buf;
}

double rasleak__axis_unit(const char *metric, double maxabs, const char **suffix)
{
    if (rasleak_metric_unit(metric) != RASLEAK_UNIT_BYTES) {
        *suffix = "";
        return 1;
    }
    double div = 1;
    int u = 0;
    while (u < 4 && maxabs >= div * 1024) {
        div *= 1024;
        u++;
    }
    *suffix = byte_units[u];
    return div;
}
