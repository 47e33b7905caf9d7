/*
 * junit.c - JUnit XML and GitHub Actions workflow commands (rasleak/ci.h).
 *
 * The JUnit form is the one Jenkins' junit plugin and GitLab's unit test
 * reports document: <testsuites> around <testsuite> elements with tests,
 * failures, errors, skipped and time, <testcase classname name time> with
 * at most one <failure message type> or <skipped message>, and
 * <system-out>.  tests/fixtures/junit.xsd is that structure as a schema;
 * the CLI tests validate what is written here against it with libxml2.
 */
#include <string.h>

#include "rasleak/ci.h"

/* Length of the valid UTF-8 sequence at s that XML 1.0 allows, else 0. */
static size_t xml_char(const unsigned char *s)
{
    unsigned cp;
    size_t n;
    if (s[0] < 0x80) {
        return s[0] >= 0x20 || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ? 1 : 0;
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        cp = s[0] & 0x1Fu;
        n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        cp = s[0] & 0x0Fu;
        n = 3;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        cp = s[0] & 0x07u;
        n = 4;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;   /* also stops at the NUL */
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
        cp == 0xFFFF)
        return 0;
    return n;
}

int rasleak_xml_escape(FILE *fp, const char *str, int attr)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    while (*s) {
        size_t n = xml_char(s);
        const char *ent = NULL;
        switch (n ? *s : 0) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = attr ? "&quot;" : NULL; break;
        case '\'': ent = attr ? "&apos;" : NULL; break;
        case '\n': ent = attr ? "&#10;" : NULL; break;
        case '\r': ent = "&#13;"; break;
        case '\t': ent = attr ? "&#9;" : NULL; break;
        default: break;
        }
        if (ent) {
            if (fputs(ent, fp) < 0)
                return -1;
        } else if (fwrite(n ? (const char *)s : "?", 1, n ? n : 1, fp) != (n ? n : 1)) {
            return -1;
        }
        s += n ? n : 1;
    }
    return 0;
}

static void attr(FILE *fp, const char *name, const char *value)
{
    fprintf(fp, " %s=\"", name);
    rasleak_xml_escape(fp, value, 1);
    fputc('"', fp);
}

int rasleak_junit_write(FILE *fp, const struct rasleak_junit_suite *s,
                        struct rasleak_error *err)
{
    size_t failures = 0, skipped = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        failures += s->cases[i].result == RASLEAK_JUNIT_FAIL;
        skipped += s->cases[i].result == RASLEAK_JUNIT_SKIP;
    }
    char counts[160];
    snprintf(counts, sizeof counts, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\""
             " time=\"%.3f\"", s->ncases, failures, skipped, s->time_s > 0 ? s->time_s : 0.0);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", fp);
    attr(fp, "name", "rasleak");
    fprintf(fp, "%s>\n  <testsuite", counts);
    attr(fp, "name", s->name);
    fputs(counts, fp);
    if (s->timestamp)
        attr(fp, "timestamp", s->timestamp);
    fputs(">\n", fp);
    if (s->properties && s->properties[0]) {
        fputs("    <properties>\n", fp);
        for (const char *const *p = s->properties; p[0] && p[1]; p += 2) {
            fputs("      <property", fp);
            attr(fp, "name", p[0]);
            attr(fp, "value", p[1]);
            fputs("/>\n", fp);
        }
        fputs("    </properties>\n", fp);
    }
    for (size_t i = 0; i < s->ncases; i++) {
        const struct rasleak_junit_case *c = &s->cases[i];
        fputs("    <testcase", fp);
        attr(fp, "classname", c->classname);
        attr(fp, "name", c->name);
        fputs(" time=\"0\">\n", fp);
        if (c->result == RASLEAK_JUNIT_FAIL) {
            fputs("      <failure", fp);
            attr(fp, "message", c->message);
            attr(fp, "type", c->type ? c->type : "failure");
            fputs(">", fp);
            rasleak_xml_escape(fp, c->text ? c->text : c->message, 0);
            fputs("</failure>\n", fp);
        } else if (c->result == RASLEAK_JUNIT_SKIP) {
            fputs("      <skipped", fp);
            attr(fp, "message", c->message);
            fputs("/>\n", fp);
        }
        if (c->result != RASLEAK_JUNIT_FAIL && c->text) {
            fputs("      <system-out>", fp);
            rasleak_xml_escape(fp, c->text, 0);
            fputs("</system-out>\n", fp);
        }
        fputs("    </testcase>\n", fp);
    }
    fputs("  </testsuite>\n</testsuites>\n", fp);
    if (ferror(fp) || fflush(fp) != 0)
        return rasleak_error_set(err, RASLEAK_EIO, 0, "cannot write the JUnit report");
    return 0;
}

/* '%', CR, LF (and in a property ':' and ','), as the runner unescapes them. */
static int gha_escape(FILE *fp, const char *s, int property)
{
    for (; *s; s++) {
        const char *e = NULL;
        switch (*s) {
        case '%': e = "%25"; break;
        case '\r': e = "%0D"; break;
        case '\n': e = "%0A"; break;
        case ':': e = property ? "%3A" : NULL; break;
        case ',': e = property ? "%2C" : NULL; break;
        default: break;
        }
        if (e ? fputs(e, fp) < 0 : fputc(*s, fp) == EOF)
            return -1;
    }
    return 0;
}

int rasleak_github_annotation(FILE *fp, const char *level, const char *title,
                              const char *message)
{
    fprintf(fp, "::%s", level);
    if (title && *title) {
        fputs(" title=", fp);
        gha_escape(fp, title, 1);
    }
    fputs("::", fp);
    gha_escape(fp, message ? message : "", 0);
    fputc('\n', fp);
    return ferror(fp) ? -1 : 0;
}
