/*
 * output.c - messages, number parsing and the human form of an analysis.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "rasleak/sampler.h"

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "rasleak: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("error", fmt, ap);
    va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vmsg("warning", fmt, ap);
    va_end(ap);
}

void cli_print_error(const struct rasleak_error *e)
{
    if (e->path[0] && e->line > 0 && e->column > 0)
        cli_error("%s:%ld:%ld: %s", e->path, e->line, e->column, e->message);
    else if (e->path[0] && e->line > 0)
        cli_error("%s:%ld: %s", e->path, e->line, e->message);
    else
        cli_error("%s", e->message[0] ? e->message : rasleak_strerror(e->code));
}

void cli_bad_option(const char *command, int c, const char *arg)
{
    if (c == ':')
        cli_error("option '%s' needs a value", arg);
    else
        cli_error("unknown option '%s' for %s (see 'rasleak %s --help')", arg, command, command);
}

int cli_input_exit(const struct rasleak_error *e)
{
    return e->code == RASLEAK_ENOMEM ? EXIT_RUN : EXIT_INPUT;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int cli_add_min_rate(struct rasleak_min_rate **arr, size_t *n, const char *spec)
{
    const char *eq = strchr(spec, '=');
    double rate;
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof((*arr)->metric) ||
        cli_parse_double(eq + 1, &rate) < 0 || rate < 0)
        return -1;
    struct rasleak_min_rate *na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na)
        return -1;
    *arr = na;
    memcpy(na[*n].metric, spec, (size_t)(eq - spec));
    na[*n].metric[eq - spec] = '\0';
    na[*n].rate = rate;
    (*n)++;
    return 0;
}

int cli_analyze_option(struct rasleak_analyze_config *cfg, struct rasleak_min_rate **rates,
                       size_t *nrates, int c, const char *arg)
{
    unsigned long long u;
    switch (c) {
    case CLI_AOPT_WARMUP:
        if (cli_parse_u64(arg, &u) < 0) {
            cli_error("--warmup takes a whole number, not '%s'", arg);
            return -1;
        }
        cfg->warmup = (long)u;
        return 1;
    case CLI_AOPT_ALPHA:
        if (cli_parse_double(arg, &cfg->alpha) < 0 || cfg->alpha <= 0 || cfg->alpha >= 1) {
            cli_error("--alpha takes a number between 0 and 1, not '%s'", arg);
            return -1;
        }
        return 1;
    case CLI_AOPT_MIN_RATE:
        if (cli_add_min_rate(rates, nrates, arg) < 0) {
            cli_error("--min-rate takes METRIC=RATE with RATE >= 0, not '%s'", arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int cli_judging_option(struct rasleak_analyze_config *cfg, struct rasleak_min_rate **rates,
                       size_t *nrates, int *progress, int c, const char *arg)
{
    int taken = cli_analyze_option(cfg, rates, nrates, c, arg);
    return taken ? taken : cli_progress_option(progress, c);
}

int cli_check_warmup(const struct rasleak_analysis *a, const struct rasleak_analyze_config *cfg)
{
    if (cfg->warmup < 0 || a->samples == 0)
        return 0;
    for (size_t i = 0; i < a->nseries; i++)
        if (a->series[i].n > 0)
            return 0;
    char n1[32], n2[32];
    cli_error("--warmup %s leaves no sample to judge: the last of '%s' is at iteration %s",
              cli_grouped((double)cfg->warmup, n1, sizeof n1), a->path,
              cli_grouped((double)a->iterations_done, n2, sizeof n2));
    return EXIT_USAGE;
}

void cli_warn_unmatched_rates(const char *option, const struct rasleak_min_rate *rates,
                              size_t nrates, const char *(*metric_at)(const void *ctx, size_t i),
                              const void *ctx, size_t n)
{
    for (size_t r = 0; r < nrates; r++) {
        size_t i = 0;
        while (i < n && strcmp(metric_at(ctx, i), rates[r].metric) != 0)
            i++;
        if (i == n)
            cli_warn("%s for '%s' matches no series", option, rates[r].metric);
    }
}

const char *cli_analysis_metric(const void *analysis, size_t i)
{
    return ((const struct rasleak_analysis *)analysis)->series[i].metric;
}

void cli_warn_cut_short(const char *path, uint64_t samples)
{
    char n[32];
    cli_warn("'%s' was cut short: analyzed the %s sample%s that %s complete", path,
             cli_grouped((double)samples, n, sizeof n), samples == 1 ? "" : "s",
             samples == 1 ? "was" : "were");
}

int cli_use_color(FILE *fp)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fileno(fp)) && !(nc && *nc);
}

const char *cli_grouped(double v, char *buf, size_t len)
{
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", fabs(v));
    size_t nd = strlen(digits), o = 0;
    if (v < 0 && o < len - 1)
        buf[o++] = '-';
    for (size_t i = 0; i < nd && o < len - 2; i++) {
        if (i && (nd - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

double cli_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *cli_bytes(double v, int sign, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double a = fabs(v);
    int u = 0;
    while (a >= 1024 && u < 4) {
        a /= 1024;
        u++;
    }
    const char *pm = v < 0 ? "-" : sign ? "+" : "";
    if (u == 0 && a != floor(a) && a < 1)
        snprintf(buf, len, "%s%.3g B", pm, a);  /* a slow growth: 0.00345 B, not 0 B */
    else
        snprintf(buf, len, "%s%.*f %s", pm,
                 u ? 1 : a == floor(a) ? 0 : a < 10 ? 2 : a < 100 ? 1 : 0, a, units[u]);
    return buf;
}

const char *cli_amount(double v, const char *metric, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    if (rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES) {
        cli_bytes(v, 1, buf, len);
    } else {
        const char *noun = strcmp(metric, "handles") == 0 ||
                           strncmp(metric, "handles.", 8) == 0 ? " handles"
                         : strcmp(metric, "threads") == 0 ? " threads" : "";
        snprintf(buf, len, "%s%.*f%s", v < 0 ? "-" : "+", fabs(v) >= 100 ? 0 : 2, fabs(v),
                 noun);
    }
    return buf;
}

static const char *duration(double s, char *buf, size_t len)
{
    if (isnan(s))
        snprintf(buf, len, "unknown time");
    else if (s < 120)
        snprintf(buf, len, "%.1f s", s);
    else if (s < 7200)
        snprintf(buf, len, "%.0f min", s / 60);
    else if (s < 172800)
        snprintf(buf, len, "%.1f h", s / 3600);
    else
        snprintf(buf, len, "%.1f days", s / 86400);
    return buf;
}

/* What running out of this metric's resource means, in words. */
static const char *runs_out(const char *metric)
{
    if (strcmp(metric, "handles") == 0)
        return "dialing fails";
    if (strcmp(metric, "vm_bytes") == 0)
        return "address space runs out";
    return rasleak_metric_unit(metric) == RASLEAK_UNIT_BYTES ? "memory runs out"
                                                             : "the limit is reached";
}

static void print_projection(FILE *fp, const struct rasleak_series_result *s)
{
    char a[32], b[32], c[32], d[32];
    if (isnan(s->exhausted_at_iter))
        return;
    if (!isnan(s->reached_limit_iter)) {
        fprintf(fp, "      projected to reach its limit (%s) at iteration %s; "
                    "reached it at iteration %s\n",
                cli_grouped(s->limit, a, sizeof a), cli_grouped(s->exhausted_at_iter, b, sizeof b),
                cli_grouped(s->reached_limit_iter, c, sizeof c));
    } else {
        double more = s->exhausted_at_iter - s->last_iter;
        fprintf(fp, "      at this rate %s after about %s more iterations (limit %s, "
                    "at iteration %s, %s from the last sample)\n",
                runs_out(s->metric), cli_grouped(more > 0 ? more : 0, b, sizeof b),
                cli_grouped(s->limit, a, sizeof a), cli_grouped(s->exhausted_at_iter, c, sizeof c),
                duration(s->exhausted_in_s, d, sizeof d));
    }
}

/* The header's entry of target `id`, or NULL. */
static json_t *header_target(const struct rasleak_analysis *a, const char *id)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(a->header, "targets"), i, t) {
        const char *tid = json_string_value(json_object_get(t, "id"));
        if (tid && strcmp(tid, id) == 0)
            return t;
    }
    return NULL;
}

/* "handles of pid 4242 'rasman': +1.00 per iteration, all of them sockets" */
static void print_attribution(FILE *fp, const struct rasleak_analysis *a,
                              const struct rasleak_series_result *s)
{
    json_t *t = header_target(a, s->target);
    json_t *pid = json_object_get(t, "pid");
    const char *name = json_string_value(json_object_get(t, "name"));
    if (json_is_integer(pid))
        fprintf(fp, "      handles of pid %lld%s%s%s: %+.2f per iteration, %s\n",
                (long long)json_integer_value(pid), name ? " '" : "", name ? name : "",
                name ? "'" : "", s->slope_per_iter, s->attribution);
    else
        fprintf(fp, "      handles of %s: %+.2f per iteration, %s\n", s->target,
                s->slope_per_iter, s->attribution);
}

/* What a suspect handle points to: "tcp 127.0.0.1:80 -> 127.0.0.1:5000 CLOSE_WAIT". */
static void print_suspect(FILE *fp, json_t *h)
{
    const char *proto = json_string_value(json_object_get(h, "proto"));
    const char *local = json_string_value(json_object_get(h, "local"));
    const char *remote = json_string_value(json_object_get(h, "remote"));
    const char *state = json_string_value(json_object_get(h, "state"));
    char it[32];
    fprintf(fp, "    fd %-5lld %-10s first seen at iteration %-8s %s",
            (long long)json_integer_value(json_object_get(h, "fd")),
            json_string_value(json_object_get(h, "type")),
            cli_grouped((double)json_integer_value(json_object_get(h, "first_iter")), it, sizeof it),
            json_string_value(json_object_get(h, "link")));
    if (proto)
        fprintf(fp, " %s", proto);
    if (local && local[0])
        fprintf(fp, " %s", local);
    if (remote && remote[0])
        fprintf(fp, " -> %s", remote);
    if (state && state[0])
        fprintf(fp, " %s", state);
    fputc('\n', fp);
}

#define SUSPECTS_SHOWN 5

/* Per target, the handles opened in the measured phase and still open at the end. */
static void print_suspects(FILE *fp, const struct rasleak_analysis *a)
{
    size_t i, k;
    json_t *rec, *bt, *h;
    json_array_foreach(a->suspects, i, rec) {
        json_int_t total = json_integer_value(json_object_get(rec, "total"));
        char n1[32], n2[32], n3[32];
        if (total == 0)
            continue;
        fprintf(fp, "\nleak suspects of %s (pid %lld): %s handles opened after iteration %s "
                    "and still open at iteration %s\n  by type:",
                json_string_value(json_object_get(rec, "target")),
                (long long)json_integer_value(json_object_get(rec, "pid")),
                cli_grouped((double)total, n1, sizeof n1),
                cli_grouped((double)json_integer_value(json_object_get(rec, "since_iter")), n2,
                        sizeof n2),
                cli_grouped((double)json_integer_value(json_object_get(rec, "iter")), n3,
                        sizeof n3));
        json_array_foreach(json_object_get(rec, "by_type"), k, bt)
            fprintf(fp, "%s %s %s", k ? "," : "",
                    json_string_value(json_object_get(bt, "type")),
                    cli_grouped((double)json_integer_value(json_object_get(bt, "count")), n1,
                            sizeof n1));
        fputc('\n', fp);
        json_array_foreach(json_object_get(rec, "handles"), k, h) {
            if (k == SUSPECTS_SHOWN)
                break;
            print_suspect(fp, h);
        }
        if ((size_t)total > SUSPECTS_SHOWN)
            fprintf(fp, "    ... and %s more in the trend file\n",
                    cli_grouped((double)total - SUSPECTS_SHOWN, n1, sizeof n1));
    }
}

void cli_fit_columns(size_t *tw, size_t *mw, const char *target, const char *metric)
{
    size_t l = strlen(target);
    *tw = l > *tw ? l : *tw;
    l = strlen(metric);
    *mw = l > *mw ? l : *mw;
}

void cli_print_analysis(FILE *fp, const struct rasleak_analysis *a, int color)
{
    const char *red = color ? "\033[1;31m" : "", *green = color ? "\033[32m" : "",
               *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
    const char *backend = json_string_value(
        json_object_get(json_object_get(a->header, "backend"), "name"));
    char n1[32], n2[32];
    fprintf(fp, "%s: %s iterations, %s sample%s (warm-up %ld), backend %s, stopped: %s\n",
            a->path, cli_grouped((double)a->iterations_done, n1, sizeof n1),
            cli_grouped((double)a->samples, n2, sizeof n2), a->samples == 1 ? "" : "s",
            a->warmup, backend ? backend : "?",
            a->stop_reason[0] ? a->stop_reason : "no summary (cut short)");
    if (a->warmup_planned >= 0)
        fprintf(fp, "the run stopped before its warm-up of %s iterations was over: judged "
                    "from iteration %s on, a tenth of what it ran\n",
                cli_grouped((double)a->warmup_planned, n1, sizeof n1),
                cli_grouped((double)a->warmup + 1, n2, sizeof n2));
    if (a->dial_failures || !isnan(a->first_failure_iter))
        fprintf(fp, "dial failed %s times, first at iteration %s: %s\n",
                cli_grouped((double)a->dial_failures, n1, sizeof n1),
                cli_grouped(a->first_failure_iter, n2, sizeof n2), a->first_failure);
    if (!isnan(a->exit_iter))
        fprintf(fp, "target '%s' exited at iteration %s: %s; its series end there\n",
                a->exit_target, cli_grouped(a->exit_iter, n1, sizeof n1), a->exit_message);

    size_t tw = strlen("target"), mw = strlen("metric");
    for (size_t i = 0; i < a->nseries; i++)
        cli_fit_columns(&tw, &mw, a->series[i].target, a->series[i].metric);
    fprintf(fp, "\n  %-*s  %-*s  %-12s  %20s  %s\n", (int)tw, "target", (int)mw, "metric",
            "verdict", "per 1000 iterations", "95% interval per 1000");
    for (size_t i = 0; i < a->nseries; i++) {
        const struct rasleak_series_result *s = &a->series[i];
        const char *col = s->verdict == RASLEAK_LEAK ? red
                        : s->verdict == RASLEAK_NO_LEAK ? green : yellow;
        char per[48], lo[48], hi[48];
        cli_amount(s->slope_per_iter * 1000, s->metric, per, sizeof per);
        cli_amount(s->slope_lo * 1000, s->metric, lo, sizeof lo);
        cli_amount(s->slope_hi * 1000, s->metric, hi, sizeof hi);
        fprintf(fp, "  %-*s  %-*s  %s%-12s%s  %20s  %s .. %s\n", (int)tw, s->target, (int)mw,
                s->metric, col, rasleak_verdict_name(s->verdict), off, per, lo, hi);
        fprintf(fp, "      why: %s", s->reason);
        if (s->settling && !strstr(s->reason, "settling"))
            fprintf(fp, " (note: still settling after the warm-up; try a longer --warmup)");
        fputc('\n', fp);
        if (s->verdict == RASLEAK_LEAK && s->attribution[0])
            print_attribution(fp, a, s);
        if (s->verdict == RASLEAK_LEAK)
            print_projection(fp, s);
    }
    print_suspects(fp, a);
    size_t leaks = 0;
    for (size_t i = 0; i < a->nseries; i++)
        leaks += a->series[i].verdict == RASLEAK_LEAK;
    const char *vcol = a->verdict == RASLEAK_LEAK ? red
                     : a->verdict == RASLEAK_NO_LEAK ? green : yellow;
    fprintf(fp, "\nverdict: %s%s%s", vcol, rasleak_verdict_name(a->verdict), off);
    if (a->verdict == RASLEAK_LEAK)
        fprintf(fp, " (%zu of %zu series grow)", leaks, a->nseries);
    fputc('\n', fp);
}

int cli_verdict_exit(const struct rasleak_analysis *a)
{
    return a->verdict == RASLEAK_LEAK ? EXIT_LEAK : EXIT_NO_LEAK;
}
