/*
 * rasleak/ci.h - the formats CI systems read: JUnit XML and GitHub Actions
 * workflow commands.  The library writes to a FILE the caller owns and
 * never prints on its own.  docs/ci.md.
 */
#ifndef RASLEAK_CI_H
#define RASLEAK_CI_H

#include <stddef.h>
#include <stdio.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rasleak_junit_result {
    RASLEAK_JUNIT_PASS = 0,
    RASLEAK_JUNIT_FAIL,      /* <failure>: a leak, a regression, an expired allowance */
    RASLEAK_JUNIT_SKIP       /* <skipped>: could not be judged */
};

/* One <testcase>.  Strings are UTF-8; anything XML cannot carry is replaced. */
struct rasleak_junit_case {
    const char *classname;   /* e.g. "rasleak.analyze" */
    const char *name;        /* e.g. "self/handles" */
    enum rasleak_junit_result result;
    const char *type;        /* failure type, e.g. "leak"; NULL for PASS */
    const char *message;     /* one line: the failure's or skip's message */
    const char *text;        /* details (<failure> body, or <system-out> for PASS); may be NULL */
};

struct rasleak_junit_suite {
    const char *name;        /* e.g. "rasleak analyze trend.jsonl" */
    const char *timestamp;   /* "YYYY-MM-DDThh:mm:ss" (local form Jenkins reads), may be NULL */
    double time_s;           /* may be 0 */
    const char *const *properties;   /* name, value, name, value, ..., NULL; may be NULL */
    const struct rasleak_junit_case *cases;
    size_t ncases;
};

/*
 * Write one <testsuites> with one <testsuite> to `fp`, in the structure
 * Jenkins' JUnit plugin and GitLab's unit test reports read: tests,
 * failures, errors, skipped and time on both, one <testcase> per case.
 * Returns 0, or RASLEAK_EIO when writing fails.
 */
int rasleak_junit_write(FILE *fp, const struct rasleak_junit_suite *s,
                        struct rasleak_error *err);

/*
 * Write `s` to `fp` as XML character data (attr 0) or attribute value
 * (attr 1): markup characters as entities, invalid UTF-8 and characters
 * XML 1.0 forbids as '?'.  Returns 0, or -1 when writing fails.
 */
int rasleak_xml_escape(FILE *fp, const char *s, int attr);

/*
 * One GitHub Actions workflow command line,
 * "::<level> title=<title>::<message>\n", with '%', CR and LF escaped
 * (and ':' and ',' in the title) as the runner expects.  `level` is
 * "error", "warning" or "notice".  Returns 0, or -1 when writing fails.
 */
int rasleak_github_annotation(FILE *fp, const char *level, const char *title,
                              const char *message);

#ifdef __cplusplus
}
#endif
#endif
