/*
 * ci_outputs.c - the CI options run, analyze and compare share: the
 * allowance file, JUnit XML, GitHub Actions annotations, the result JSON
 * in a file, and the upload (docs/ci.md).
 *
 * Order at the end of a command: allowances change verdicts first, so
 * that every output tells the same story; then stdout, the annotations,
 * the files, the upload.  A requested output that cannot be written, or a
 * failed upload under --upload-required, exits 4 whatever the verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ci_outputs.h"
#include "cli.h"
#include "rasleak/ci.h"
#include "rasleak/sampler.h"
#include "rasleak/upload.h"
#include "rasleak_config.h"

const char ci_usage_text[] =
    "\n"
    "CI outputs (docs/ci.md):\n"
    "      --junit FILE       write JUnit XML: one test case per target and metric\n"
    "      --annotations github  print GitHub Actions ::error/::warning lines\n"
    "      --json-file FILE   write the result JSON to FILE; stdout stays for people\n"
    "                         (run checks that both files can be written before it\n"
    "                         dials, and leaves no empty one behind if it fails)\n"
    "      --allow FILE       accepted leaks: [{\"target\",\"metric\",\"max_rate\",\"reason\",\n"
    "                         \"expires\"}]; allowed ones do not fail, expired ones do;\n"
    "                         an entry that matches no series is warned about\n"
    "      --upload URL       POST the result JSON (token from RASLEAK_UPLOAD_TOKEN)\n"
    "      --upload-trend     with it, the gzip-compressed trend file (multipart)\n"
    "      --upload-required  a failed upload exits 4 (default: a warning)\n";

/* snprintf that may cut the text short, on purpose: messages have a fixed size. */
static void fit(char *dst, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

void ci_opts_init(struct ci_opts *o)
{
    memset(o, 0, sizeof *o);
    rasleak_allow_today(o->today, sizeof o->today);
    o->started = cli_mono_s();
    o->attempts = 3;
    o->backoff_s = 0.5;
}

void cli_unclaim_output(const char *path, int *claimed)
{
    struct stat st;
    if (*claimed && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
        remove(path);
    *claimed = 0;
}

void ci_opts_free(struct ci_opts *o)
{
    rasleak_allow_free(o->allow);
    o->allow = NULL;
    cli_unclaim_output(o->junit, &o->junit_claimed);
    cli_unclaim_output(o->json_file, &o->json_file_claimed);
}

int ci_opt(struct ci_opts *o, int c, const char *arg)
{
    switch (c) {
    case CI_OPT_JUNIT: o->junit = arg; return 1;
    case CI_OPT_JSON_FILE: o->json_file = arg; return 1;
    case CI_OPT_ALLOW: o->allow_path = arg; return 1;
    case CI_OPT_UPLOAD: o->upload = arg; return 1;
    case CI_OPT_UPLOAD_TREND: o->upload_trend = 1; return 1;
    case CI_OPT_UPLOAD_REQUIRED: o->upload_required = 1; return 1;
    case CI_OPT_ANNOTATIONS:
        if (strcmp(arg, "github") == 0) {
            o->github = 1;
        } else if (strcmp(arg, "none") == 0) {
            o->github = 0;
        } else {
            cli_error("--annotations takes github (or none), not '%s'", arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

static int env_number(const char *name, double lo, double hi, double *out)
{
    const char *v = getenv(name);
    double d;
    if (!v || !*v)
        return 0;
    if (cli_parse_double(v, &d) < 0 || d < lo || d > hi) {
        cli_error("%s takes a number from %g to %g, not '%s'", name, lo, hi, v);
        return -1;
    }
    *out = d;
    return 0;
}

int ci_prepare(struct ci_opts *o, int analyzes)
{
    if (!analyzes && (o->junit || o->json_file || o->allow_path || o->upload || o->github)) {
        cli_error("--junit, --annotations, --json-file, --allow and --upload need the analysis "
                  "(not with --no-analyze or -o -)");
        return EXIT_USAGE;
    }
    if ((o->upload_trend || o->upload_required) && !o->upload) {
        cli_error("%s goes with --upload URL", o->upload_trend ? "--upload-trend"
                                                               : "--upload-required");
        return EXIT_USAGE;
    }
    if (o->upload) {
        if (!rasleak_upload_available()) {
            cli_error("this rasleak was built without libcurl: --upload is not available");
            return EXIT_USAGE;
        }
        double attempts = o->attempts, backoff_ms = o->backoff_s * 1000;
        if (env_number("RASLEAK_UPLOAD_ATTEMPTS", 1, 10, &attempts) < 0 ||
            env_number("RASLEAK_UPLOAD_BACKOFF_MS", 0, 600000, &backoff_ms) < 0)
            return EXIT_USAGE;
        o->attempts = (int)attempts;
        o->backoff_s = backoff_ms / 1000;
    }
    if (o->allow_path) {
        struct rasleak_error err;
        if (rasleak_allow_load(o->allow_path, &o->allow, &err) < 0) {
            cli_print_error(&err);
            return cli_input_exit(&err);
        }
    }
    return -1;
}

int cli_claim_output(const char *path, int *claimed)
{
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        cli_error("cannot write '%s': it is a directory", path);
        return -1;
    }
    /* Opening a FIFO would wait for a reader, and a device may act on
     * being opened: those are only opened to be written, at the end. */
    if (exists && !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
    if (fd >= 0)
        *claimed = 1;
    else if (errno == EEXIST)
        fd = open(path, O_WRONLY | O_APPEND);   /* writable, and left as it is */
    if (fd < 0) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

int ci_claim_outputs(struct ci_opts *o)
{
    if ((o->junit && cli_claim_output(o->junit, &o->junit_claimed) < 0) ||
        (o->json_file && cli_claim_output(o->json_file, &o->json_file_claimed) < 0))
        return EXIT_RUN;
    return -1;
}

/* ---- helpers ---------------------------------------------------------- */

static const char *unit_of(const char *metric)
{
    return rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES ? " B" : "";
}

/* "+12.5 per 1000 iterations (95% interval +12 .. +13)" */
static const char *rate_text(double slope, double lo, double hi, const char *metric, char *buf,
                             size_t len)
{
    const char *u = unit_of(metric);
    if (isnan(slope))
        snprintf(buf, len, "slope unknown");
    else
        fit(buf, len, "%+.4g%s per 1000 iterations (95%% interval %+.4g%s .. %+.4g%s)",
                 slope * 1000, u, lo * 1000, u, hi * 1000, u);
    return buf;
}

static void junit_timestamp(char *buf, size_t len)
{
    time_t t = time(NULL);
    const struct tm *tm = gmtime(&t);
    if (!tm || strftime(buf, len, "%Y-%m-%dT%H:%M:%S", tm) == 0)
        snprintf(buf, len, "1970-01-01T00:00:00");
}

static int write_junit(const struct ci_opts *o, struct rasleak_junit_suite *suite)
{
    char ts[32];
    junit_timestamp(ts, sizeof ts);
    suite->timestamp = ts;
    suite->time_s = cli_mono_s() - o->started;
    FILE *fp = fopen(o->junit, "w");
    if (!fp) {
        cli_error("cannot write '%s': %s", o->junit, strerror(errno));
        return -1;
    }
    struct rasleak_error err;
    int rc = rasleak_junit_write(fp, suite, &err);
    if (fclose(fp) != 0 || rc < 0) {
        cli_error("cannot write '%s': %s", o->junit, rc < 0 ? err.message : strerror(errno));
        return -1;
    }
    return 0;
}

static int write_json_file(const char *path, json_t *doc)
{
    FILE *fp = fopen(path, "w");
    if (!fp) {
        cli_error("cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    int bad = json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0;
    bad |= fputc('\n', fp) == EOF;
    if (fclose(fp) != 0 || bad) {
        cli_error("cannot write '%s': %s", path, strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

/* Returns 0, or -1 when the upload failed and was required. */
static int upload(const struct ci_opts *o, json_t *doc, const char *trend)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        cli_error("out of memory");
        return -1;
    }
    struct rasleak_upload_config cfg = {
        o->upload, getenv("RASLEAK_UPLOAD_TOKEN"), text, strlen(text),
        o->upload_trend ? trend : NULL, o->attempts, o->backoff_s, 0,
    };
    struct rasleak_upload_result res;
    struct rasleak_error err;
    int rc = rasleak_upload(&cfg, &res, &err);
    free(text);
    if (rc == 0) {
        fprintf(stderr, "rasleak: uploaded the results (HTTP %ld", res.http_status);
        if (res.attempts > 1)
            fprintf(stderr, ", attempt %d of %d", res.attempts, o->attempts);
        fprintf(stderr, ")\n");
        return 0;
    }
    if (o->upload_required) {
        cli_error("%s", err.message);
        return -1;
    }
    cli_warn("%s (the exit code does not change; --upload-required makes it fail)", err.message);
    return 0;
}

/* ---- run and analyze -------------------------------------------------- */

static void series_detail(const struct rasleak_series_result *s, char *buf, size_t len)
{
    char r[200];
    int n = snprintf(buf, len, "verdict: %s\nwhy: %s\ngrowth: %s\nsamples: %zu, iterations "
                     "%.0f to %.0f, value %g to %g\nMann-Kendall p (corrected): %g\n",
                     rasleak_verdict_name(s->verdict), s->reason,
                     rate_text(s->slope_per_iter, s->slope_lo, s->slope_hi, s->metric, r, sizeof r),
                     s->n, s->first_iter, s->last_iter, s->first_value, s->last_value,
                     s->mk_p_corrected);
    if (n > 0 && (size_t)n < len && !isnan(s->exhausted_at_iter))
        fit(buf + n, len - (size_t)n, "projected to reach its limit %g at iteration %.0f\n",
                 s->limit, s->exhausted_at_iter);
}

static void annotate_analysis(FILE *fp, const struct rasleak_analysis *a,
                              const struct rasleak_allow_outcome *out)
{
    for (size_t i = 0; i < a->nseries; i++) {
        const struct rasleak_series_result *s = &a->series[i];
        char title[256], msg[768], r[200];
        rate_text(s->slope_per_iter, s->slope_lo, s->slope_hi, s->metric, r, sizeof r);
        const char *level = NULL;
        if (s->verdict == RASLEAK_LEAK) {
            level = "error";
            fit(title, sizeof title, "rasleak: %s/%s leaks%s", s->target, s->metric,
                     out && out[i].state == RASLEAK_ALLOW_EXPIRED ? " (allowance expired)" : "");
        } else if (s->verdict == RASLEAK_ALLOWED) {
            level = "warning";
            fit(title, sizeof title, "rasleak: %s/%s leaks (allowed)", s->target, s->metric);
        } else if (s->verdict == RASLEAK_INCONCLUSIVE) {
            level = "warning";
            fit(title, sizeof title, "rasleak: %s/%s inconclusive", s->target, s->metric);
        }
        if (!level)
            continue;
        fit(msg, sizeof msg, "%s; %s (%s)", r, s->reason, a->path);
        rasleak_github_annotation(fp, level, title, msg);
    }
}

static int junit_analysis(const struct ci_opts *o, const struct rasleak_analysis *a,
                          const struct rasleak_allow_outcome *out, const char *command)
{
    size_t n = a->nseries;
    struct rasleak_junit_case *cases = calloc(n ? n : 1, sizeof *cases);
    char (*names)[200] = calloc(n ? n : 1, sizeof *names);
    char (*msgs)[640] = calloc(n ? n : 1, sizeof *msgs);
    char (*texts)[1024] = calloc(n ? n : 1, sizeof *texts);
    int rc = -1;
    if (!cases || !names || !msgs || !texts) {
        cli_error("out of memory");
        goto out;
    }
    char classname[64], suite[640];
    fit(classname, sizeof classname, "rasleak.%s", command);
    fit(suite, sizeof suite, "rasleak %s %s", command, a->path);
    for (size_t i = 0; i < n; i++) {
        const struct rasleak_series_result *s = &a->series[i];
        char r[200];
        fit(names[i], sizeof names[i], "%s/%s", s->target, s->metric);
        rate_text(s->slope_per_iter, s->slope_lo, s->slope_hi, s->metric, r, sizeof r);
        fit(msgs[i], sizeof msgs[i], "%s %s: %s; %s", names[i],
                 rasleak_verdict_name(s->verdict), r, s->reason);
        series_detail(s, texts[i], sizeof texts[i]);
        cases[i].classname = classname;
        cases[i].name = names[i];
        cases[i].message = msgs[i];
        cases[i].text = texts[i];
        cases[i].result = s->verdict == RASLEAK_LEAK ? RASLEAK_JUNIT_FAIL
                        : s->verdict == RASLEAK_INCONCLUSIVE ? RASLEAK_JUNIT_SKIP
                        : RASLEAK_JUNIT_PASS;
        cases[i].type = out && out[i].state == RASLEAK_ALLOW_EXPIRED ? "expired-allowance"
                      : "leak";
    }
    const char *backend = json_string_value(
        json_object_get(json_object_get(a->header, "backend"), "name"));
    const char *props[] = {"rasleak.version", RASLEAK_VERSION, "file", a->path,
                           "backend", backend ? backend : "", "verdict",
                           rasleak_verdict_name(a->verdict), NULL};
    struct rasleak_junit_suite js = {suite, NULL, 0, props, cases, n};
    rc = write_junit(o, &js);
out:
    free(cases);
    free(names);
    free(msgs);
    free(texts);
    return rc;
}

/* A misspelt target or metric would leave an allowance unused, unnoticed. */
static void warn_unmatched_allowance(const struct ci_opts *o, const struct rasleak_allowance *e)
{
    cli_warn("allowance for '%s/%s' (%s:%ld) matches no series", e->target, e->metric,
             o->allow->path, e->line);
}

/* Tell about allowances that expired or are exceeded, and those that match nothing. */
static void report_allowances(const struct ci_opts *o, const struct rasleak_analysis *a,
                              const struct rasleak_allow_outcome *out)
{
    for (size_t i = 0; i < a->nseries; i++) {
        const struct rasleak_allowance *e = out[i].entry;
        if (out[i].state == RASLEAK_ALLOW_EXPIRED)
            cli_error("the allowance for %s/%s ('%s' line %ld) expired on %s, so its leak "
                      "fails again: %s", e->target, e->metric, o->allow->path, e->line,
                      e->expires, e->reason);
        else if (out[i].state == RASLEAK_ALLOW_EXCEEDED)
            cli_error("%s/%s grows %g per iteration, more than its allowance of %g ('%s' "
                      "line %ld)", e->target, e->metric, a->series[i].slope_per_iter,
                      e->max_rate, o->allow->path, e->line);
    }
    for (size_t k = 0; k < o->allow->n; k++) {
        const struct rasleak_allowance *e = &o->allow->entries[k];
        int used = 0, matched = 0;
        for (size_t i = 0; i < a->nseries; i++) {
            used |= out[i].entry == e;
            matched |= strcmp(a->series[i].target, e->target) == 0 &&
                       strcmp(a->series[i].metric, e->metric) == 0;
        }
        if (!matched)
            warn_unmatched_allowance(o, e);
        else if (!used && e->expires[0] && strcmp(o->today, e->expires) > 0)
            cli_warn("the allowance for %s/%s ('%s' line %ld) expired on %s; the series does "
                     "not leak now, so remove it", e->target, e->metric, o->allow->path,
                     e->line, e->expires);
    }
}

int ci_finish_analysis(struct ci_opts *o, struct rasleak_analysis *a, const char *command,
                       int json, const char *trend)
{
    struct rasleak_allow_outcome *out = NULL;
    if (o->allow) {
        out = calloc(a->nseries ? a->nseries : 1, sizeof *out);
        if (!out) {
            cli_error("out of memory");
            return EXIT_RUN;
        }
        rasleak_allow_apply(o->allow, a, o->today, out);
        report_allowances(o, a, out);
    }
    json_t *doc = rasleak_analysis_to_json(a);
    json_t *series = json_object_get(doc, "series");
    for (size_t i = 0; out && i < a->nseries; i++) {
        json_t *aj = rasleak_allow_outcome_json(o->allow, &out[i]);
        if (aj)
            json_object_set_new(json_array_get(series, i), "allowance", aj);
    }
    if (json) {
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        cli_print_analysis(stdout, a, cli_use_color(stdout));
    }
    if (o->github) {
        /* With --json, stdout is one JSON document: the lines go to stderr. */
        annotate_analysis(json ? stderr : stdout, a, out);
    }
    fflush(stdout);
    int rc = cli_verdict_exit(a);
    /* From here the outputs are the result's, written or not. */
    o->junit_claimed = o->json_file_claimed = 0;
    if (o->junit && junit_analysis(o, a, out, command) < 0)
        rc = EXIT_RUN;
    if (o->json_file && write_json_file(o->json_file, doc) < 0)
        rc = EXIT_RUN;
    if (o->upload) {
        if (o->upload_trend && strcmp(trend, "-") == 0)
            cli_warn("--upload-trend: the trend came from standard input; sending the "
                     "analysis alone");
        if (upload(o, doc, strcmp(trend, "-") == 0 ? NULL : trend) < 0)
            rc = EXIT_RUN;
    }
    json_decref(doc);
    free(out);
    return rc;
}

/* ---- compare ---------------------------------------------------------- */

static void row_rates(const struct rasleak_cmp_row *r, char *buf, size_t len)
{
    char b[200] = "absent", c[200] = "absent";
    if (r->base)
        rate_text(r->base->slope, r->base->lo, r->base->hi, r->metric, b, sizeof b);
    if (r->cur)
        rate_text(r->cur->slope, r->cur->lo, r->cur->hi, r->metric, c, sizeof c);
    fit(buf, len, "baseline: %s; current: %s", b, c);
}

static void annotate_comparison(FILE *fp, const struct rasleak_comparison *c)
{
    for (size_t i = 0; i < c->nwarnings; i++)
        rasleak_github_annotation(fp, "warning", "rasleak compare", c->warnings[i]);
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rasleak_cmp_row *r = &c->rows[i];
        const char *level = r->verdict == RASLEAK_CMP_REGRESSION ? "error"
                          : r->verdict == RASLEAK_CMP_ALLOWED ? "warning"
                          : r->verdict == RASLEAK_CMP_UNCHANGED ? NULL : "notice";
        if (!level)
            continue;
        char title[256], msg[1024], rates[420];
        row_rates(r, rates, sizeof rates);
        fit(title, sizeof title, "rasleak: %s/%s %s", r->target, r->metric,
                 rasleak_cmp_verdict_name(r->verdict));
        fit(msg, sizeof msg, "%s (%s)", r->reason, rates);
        rasleak_github_annotation(fp, level, title, msg);
    }
}

static int junit_comparison(const struct ci_opts *o, const struct rasleak_comparison *c)
{
    size_t n = c->nrows;
    struct rasleak_junit_case *cases = calloc(n ? n : 1, sizeof *cases);
    char (*names)[200] = calloc(n ? n : 1, sizeof *names);
    char (*msgs)[1024] = calloc(n ? n : 1, sizeof *msgs);
    int rc = -1;
    if (!cases || !names || !msgs) {
        cli_error("out of memory");
        goto out;
    }
    char suite[1100];
    fit(suite, sizeof suite, "rasleak compare %s %s", c->base->path, c->cur->path);
    for (size_t i = 0; i < n; i++) {
        const struct rasleak_cmp_row *r = &c->rows[i];
        char rates[420];
        row_rates(r, rates, sizeof rates);
        fit(names[i], sizeof names[i], "%s/%s", r->target, r->metric);
        fit(msgs[i], sizeof msgs[i], "%s %s: %s (%s)", names[i],
                 rasleak_cmp_verdict_name(r->verdict), r->reason, rates);
        cases[i].classname = "rasleak.compare";
        cases[i].name = names[i];
        cases[i].message = msgs[i];
        cases[i].text = msgs[i];
        cases[i].result = r->verdict == RASLEAK_CMP_REGRESSION ? RASLEAK_JUNIT_FAIL
                                                               : RASLEAK_JUNIT_PASS;
        cases[i].type = r->allow.state == RASLEAK_ALLOW_EXPIRED ? "expired-allowance"
                                                                : "regression";
    }
    const char *props[] = {"rasleak.version", RASLEAK_VERSION, "baseline", c->base->path,
                           "current", c->cur->path, "verdict",
                           c->regressions ? "regression" : "no_regression", NULL};
    struct rasleak_junit_suite js = {suite, NULL, 0, props, cases, n};
    rc = write_junit(o, &js);
out:
    free(cases);
    free(names);
    free(msgs);
    return rc;
}

int ci_finish_comparison(struct ci_opts *o, const struct rasleak_comparison *c, int json,
                         const char *trend)
{
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rasleak_cmp_row *r = &c->rows[i];
        if (r->allow.state == RASLEAK_ALLOW_EXPIRED)
            cli_error("the allowance for %s/%s ('%s' line %ld) expired on %s, so its "
                      "regression fails again: %s", r->target, r->metric, o->allow->path,
                      r->allow.entry->line, r->allow.entry->expires, r->allow.entry->reason);
    }
    for (size_t k = 0; o->allow && k < o->allow->n; k++) {
        const struct rasleak_allowance *e = &o->allow->entries[k];
        size_t i = 0;
        while (i < c->nrows && !(strcmp(c->rows[i].target, e->target) == 0 &&
                                 strcmp(c->rows[i].metric, e->metric) == 0))
            i++;
        if (i == c->nrows)
            warn_unmatched_allowance(o, e);
    }
    json_t *doc = rasleak_comparison_to_json(c);
    if (json) {
        json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
    } else {
        cli_print_comparison(stdout, c, cli_use_color(stdout));
    }
    if (o->github)
        annotate_comparison(json ? stderr : stdout, c);
    fflush(stdout);
    int rc = c->regressions ? EXIT_LEAK : EXIT_NO_LEAK;
    o->junit_claimed = o->json_file_claimed = 0;
    if (o->junit && junit_comparison(o, c) < 0)
        rc = EXIT_RUN;
    if (o->json_file && write_json_file(o->json_file, doc) < 0)
        rc = EXIT_RUN;
    if (o->upload && upload(o, doc, trend) < 0)
        rc = EXIT_RUN;
    json_decref(doc);
    return rc;
}
