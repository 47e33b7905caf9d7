/*
 * text.c - escaping, and the clock and ticks of the report's axes.
 *
 * Everything on the page that came from a trend file passes through
 * rasleak__html(): backend options, messages, host names and anything a
 * later record adds.  The page is also read as XML by its tests (and by
 * anyone who wants to), so escaping is not enough: characters that XML
 * forbids even as references are replaced.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rasleak/report.h"
#include "report/text.h"

/* Length of the UTF-8 sequence at s (1-4), or 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    size_t n;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xe0) == 0xc0) { n = 2; v = c & 0x1f; min = 0x80; }
    else if ((c & 0xf0) == 0xe0) { n = 3; v = c & 0x0f; min = 0x800; }
    else if ((c & 0xf8) == 0xf0) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

void rasleak__html(FILE *fp, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp;
        size_t n = utf8_len(p, &cp);
        if (n == 0) {
            fputs("&#65533;", fp);
            p++;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", fp); break;
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '"': fputs("&quot;", fp); break;
        case '\'': fputs("&#39;", fp); break;
        case '\t': case '\n': fputc((int)cp, fp); break;
        default:
            if (cp < 0x20 || cp == 0x7f || cp == 0xfffe || cp == 0xffff)
                fputs("&#65533;", fp);
            else
                fwrite(p, 1, n, fp);
        }
        p += n;
    }
}

const char *rasleak_format_clock(char *buf, size_t len, double s, const char *unknown)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "%s", unknown);
        return buf;
    }
    double t = floor(s + 0.5);
    if (t < 3600)
        snprintf(buf, len, "%.0f:%02.0f", floor(t / 60), fmod(t, 60));
    else if (t < 86400)
        snprintf(buf, len, "%.0f:%02.0f:%02.0f", floor(t / 3600), fmod(floor(t / 60), 60),
                 fmod(t, 60));
    else
        snprintf(buf, len, "%.0fd %02.0fh", floor(t / 86400), fmod(floor(t / 3600), 24));
    return buf;
}

const char *rasleak__fmt_clock(char *buf, size_t len, double s)
{
    return rasleak_format_clock(buf, len, s, "?");
}

const char *rasleak__fmt_iter_tick(char *buf, size_t len, double v)
{
    double a = fabs(v);
    if (a < 10000)
        return rasleak__fmt_grouped(buf, len, v);
    if (a < 1e6)
        snprintf(buf, len, "%gk", v / 1e3);
    else if (a < 1e9)
        snprintf(buf, len, "%gM", v / 1e6);
    else
        snprintf(buf, len, "%gG", v / 1e9);
    return buf;
}

double rasleak__nice_step(double range, int nticks)
{
    if (!(range > 0) || !isfinite(range))
        return 1;
    double raw = range / (nticks > 0 ? nticks : 5);
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nice * mag;
}
