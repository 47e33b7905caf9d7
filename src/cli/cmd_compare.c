/*
 * cmd_compare.c - rasleak compare: a run against an accepted baseline.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ci_outputs.h"
#include "cli.h"
#include "progress.h"
#include "rasleak/compare.h"
#include "rasleak/sampler.h"

static const char usage_text[] =
    "usage: rasleak compare [--json] [--tolerance METRIC=RATE]... [--warmup N] [--alpha A]\n"
    "                       [--min-rate METRIC=RATE]... [--[no-]progress] [CI outputs]\n"
    "                       BASELINE CURRENT\n"
    "\n"
    "Did CURRENT start to leak, or leak faster, than BASELINE?  Each is a trend file\n"
    "or a stored analysis ('rasleak analyze --json' output).  Series are matched by\n"
    "target and metric; each is a regression, improved, unchanged, new or missing.\n"
    "What makes the comparison doubtful is warned about: backends, their options or\n"
    "platforms that differ, runs that stopped for different reasons (completed,\n"
    "interrupted, max_failures, ...), and a side whose trend file was cut short.\n"
    "\n"
    "  --json                   print the comparison as JSON (rasleak-comparison v1)\n"
    "  --tolerance METRIC=RATE  growth per iteration by which CURRENT may exceed\n"
    "                           BASELINE before it counts (default 0); a METRIC\n"
    "                           that no series has is warned about\n"
    "  --warmup N, --alpha A, --min-rate METRIC=RATE\n"
    "                           how a trend file is analyzed (as for analyze)\n"
    "  --[no-]progress          progress of analyzing a trend file on standard error\n"
    "                           (as for analyze)\n"
    "  -h, --help               this help\n";

static const char exit_text[] =
    "\nexit: 0 no regression, 1 regression, 2 usage, 3 invalid input or allowance file,\n"
    "      4 an output could not be written (or a required upload failed)\n";

/* Per 1000 iterations in the metric's unit, as analyze shows it ("+8.2
 * KiB", "+1000 handles"), or "-" when unknown. */
static const char *per1000(double slope, const char *metric, char *buf, size_t len)
{
    if (isnan(slope))
        snprintf(buf, len, "-");
    else
        cli_amount(slope * 1000, metric, buf, len);
    return buf;
}

static const char *side_text(const struct rasleak_cmp_side *s, char *buf, size_t len)
{
    const char *backend = json_string_value(
        json_object_get(json_object_get(s->doc, "backend"), "name"));
    snprintf(buf, len, "%s (%s, backend %s, verdict %s)", s->path,
             s->kind == RASLEAK_CMP_ANALYSIS ? "stored analysis" : "trend file",
             backend ? backend : "?", json_string_value(json_object_get(s->doc, "verdict")));
    return buf;
}

/*
 * A side judged from a trend file cut short is a partial run: said as
 * analyze says it, on standard error, before the result.  A stored
 * analysis carries the same fact from when it was made.
 */
static void warn_cut_short(const struct rasleak_cmp_side *s)
{
    if (!s->truncated)
        return;
    if (s->kind == RASLEAK_CMP_TREND)
        cli_warn_cut_short(s->path, s->samples);
    else
        cli_warn("'%s' was made from a trend file that was cut short: it judged the %llu "
                 "sample%s that %s complete", s->path, (unsigned long long)s->samples,
                 s->samples == 1 ? "" : "s", s->samples == 1 ? "was" : "were");
}

static const char *row_metric(const void *cmp, size_t i)
{
    return ((const struct rasleak_comparison *)cmp)->rows[i].metric;
}

void cli_print_comparison(FILE *fp, const struct rasleak_comparison *c, int color)
{
    const char *red = color ? "\033[1;31m" : "", *green = color ? "\033[32m" : "",
               *yellow = color ? "\033[33m" : "", *off = color ? "\033[0m" : "";
    char buf[1200];
    fprintf(fp, "baseline: %s\n", side_text(c->base, buf, sizeof buf));
    fprintf(fp, "current:  %s\n", side_text(c->cur, buf, sizeof buf));
    for (size_t i = 0; i < c->nwarnings; i++)
        fprintf(fp, "%swarning:%s %s\n", yellow, off, c->warnings[i]);
    size_t tw = strlen("target"), mw = strlen("metric");
    for (size_t i = 0; i < c->nrows; i++)
        cli_fit_columns(&tw, &mw, c->rows[i].target, c->rows[i].metric);
    fprintf(fp, "\n  %-*s  %-*s  %-10s  %16s  %16s  %16s\n", (int)tw, "target", (int)mw, "metric",
            "verdict", "baseline", "current", "change");
    fprintf(fp, "  %-*s  %-*s  %-10s  %16s  %16s  %16s\n", (int)tw, "", (int)mw, "", "",
            "per 1000 iter", "per 1000 iter", "per 1000 iter");
    for (size_t i = 0; i < c->nrows; i++) {
        const struct rasleak_cmp_row *r = &c->rows[i];
        const char *col = r->verdict == RASLEAK_CMP_REGRESSION ? red
                        : r->verdict == RASLEAK_CMP_IMPROVED ? green
                        : r->verdict == RASLEAK_CMP_UNCHANGED ? "" : yellow;
        char b[48], cu[48], d[48];
        per1000(r->base ? r->base->slope : NAN, r->metric, b, sizeof b);
        per1000(r->cur ? r->cur->slope : NAN, r->metric, cu, sizeof cu);
        per1000(r->diff_per_1000 / 1000, r->metric, d, sizeof d);
        fprintf(fp, "  %-*s  %-*s  %s%-10s%s  %16s  %16s  %16s\n", (int)tw, r->target, (int)mw,
                r->metric, col, rasleak_cmp_verdict_name(r->verdict), *col ? off : "", b, cu, d);
        fprintf(fp, "      why: %s\n", r->reason);
    }
    fprintf(fp, "\nresult: %s%s%s", c->regressions ? red : green,
            c->regressions ? "regression" : "no regression", c->regressions || color ? off : "");
    if (c->regressions)
        fprintf(fp, " (%zu of %zu series)", c->regressions, c->nrows);
    fputc('\n', fp);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"tolerance", required_argument, NULL, 'T'},
        CLI_ANALYZE_LONGOPTS,
        CLI_PROGRESS_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        CI_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct rasleak_analyze_config acfg;
    rasleak_analyze_config_init(&acfg);
    struct rasleak_min_rate *rates = NULL, *tols = NULL;
    size_t nrates = 0, ntols = 0;
    struct ci_opts ci;
    ci_opts_init(&ci);
    struct rasleak_cmp_side *base = NULL, *cur = NULL;
    struct rasleak_comparison *cmp = NULL;
    int json = 0, c, rc = EXIT_USAGE, progress = CLI_PROGRESS_AUTO;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        int taken = ci_opt(&ci, c, optarg);
        if (taken == 0)
            taken = cli_judging_option(&acfg, &rates, &nrates, &progress, c, optarg);
        if (taken < 0)
            goto out;
        if (taken)
            continue;
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 'T':
            if (cli_add_min_rate(&tols, &ntols, optarg) < 0) {
                cli_error("--tolerance takes METRIC=RATE with RATE >= 0, not '%s'", optarg);
                goto out;
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            fputs(ci_usage_text, stdout);
            fputs(exit_text, stdout);
            rc = 0;
            goto out;
        default:
            cli_bad_option("compare", c, argv[optind - 1]);
            goto out;
        }
    }
    if (argc - optind != 2) {
        cli_error("compare takes two files, BASELINE and CURRENT");
        fputs(usage_text, stderr);
        goto out;
    }
    if ((rc = ci_prepare(&ci, 1)) >= 0)
        goto out;
    acfg.min_rates = rates;
    acfg.nmin_rates = nrates;
    struct rasleak_error err;
    const char *paths[2] = {argv[optind], argv[optind + 1]};
    struct rasleak_cmp_side **sides[2] = {&base, &cur};
    for (int i = 0; i < 2; i++) {
        struct cli_analysis_progress pr;
        cli_analysis_progress_attach(&pr, progress, paths[i], &acfg);
        int lrc = rasleak_cmp_side_load(paths[i], &acfg, sides[i], &err);
        cli_analysis_progress_end(&pr, &acfg);
        if (lrc < 0) {
            cli_print_error(&err);
            rc = cli_input_exit(&err);
            goto out;
        }
        warn_cut_short(*sides[i]);
    }
    if (ci.upload_trend && cur->kind != RASLEAK_CMP_TREND) {
        cli_error("--upload-trend needs CURRENT to be a trend file; '%s' is a stored analysis",
                  cur->path);
        rc = EXIT_USAGE;
        goto out;
    }
    struct rasleak_compare_config cfg = {tols, ntols, ci.allow, ci.today};
    if (rasleak_compare(base, cur, &cfg, &cmp, &err) < 0) {
        cli_print_error(&err);
        rc = EXIT_RUN;
        goto out;
    }
    if (json)
        for (size_t i = 0; i < cmp->nwarnings; i++)
            cli_warn("%s", cmp->warnings[i]);
    cli_warn_unmatched_rates("--tolerance", tols, ntols, row_metric, cmp, cmp->nrows);
    cli_warn_unmatched_rates("--min-rate", rates, nrates, row_metric, cmp, cmp->nrows);
    rc = ci_finish_comparison(&ci, cmp, json, cur->kind == RASLEAK_CMP_TREND ? cur->path : NULL);
out:
    rasleak_comparison_free(cmp);
    rasleak_cmp_side_free(base);
    rasleak_cmp_side_free(cur);
    ci_opts_free(&ci);
    free(rates);
    free(tols);
    return rc;
}
