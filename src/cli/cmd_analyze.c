/*
 * cmd_analyze.c - rasleak analyze: judge a trend file.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ci_outputs.h"
#include "cli.h"
#include "progress.h"

static const char usage_text[] =
    "usage: rasleak analyze [--json] [--warmup N] [--alpha A] [--min-rate METRIC=RATE]...\n"
    "                       [--threads N] [--[no-]progress] [CI outputs] FILE\n"
    "\n"
    "Reads a trend file (any layout rasleak run writes; '-' for standard input)\n"
    "and judges, for every target and metric, whether it grows.\n"
    "\n"
    "  --json                 print the analysis as JSON (format rasleak-analysis v1)\n"
    "  --warmup N             ignore samples up to iteration N (default: the file's)\n"
    "  --alpha A              significance level of the trend test (default 0.01)\n"
    "  --min-rate METRIC=RATE growth per iteration below RATE is not a leak\n"
    "                         (defaults: 0.0001 for counts, 0.1 for bytes); a METRIC\n"
    "                         that no series has is warned about\n"
    "  --threads N            threads for reading and judging: 1, or 2 (default)\n"
    CLI_PROGRESS_USAGE
    "  -h, --help             this help\n";
static const char exit_text[] =
    "\nexit: 0 no leak (or inconclusive, or only allowed leaks), 1 leak, 2 usage,\n"
    "      3 invalid input or allowance file, 4 an output could not be written\n"
    "      (or a required upload failed)\n";

int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        CLI_ANALYZE_LONGOPTS,
        {"threads", required_argument, NULL, 't'},
        CLI_PROGRESS_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        CI_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct rasleak_analyze_config cfg;
    rasleak_analyze_config_init(&cfg);
    struct rasleak_min_rate *rates = NULL;
    size_t nrates = 0;
    int json = 0, c, rc = EXIT_USAGE, progress = CLI_PROGRESS_AUTO;
    unsigned long long u;
    struct ci_opts ci;
    ci_opts_init(&ci);

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        int taken = ci_opt(&ci, c, optarg);
        if (taken == 0)
            taken = cli_judging_option(&cfg, &rates, &nrates, &progress, c, optarg);
        if (taken < 0)
            goto out;
        if (taken)
            continue;
        switch (c) {
        case 'j':
            json = 1;
            break;
        case 't':
            if (cli_parse_u64(optarg, &u) < 0 || u < 1 || u > 2) {
                cli_error("--threads takes 1 or 2, not '%s'", optarg);
                goto out;
            }
            cfg.threads = (int)u;
            break;
        case 'h':
            fputs(usage_text, stdout);
            fputs(ci_usage_text, stdout);
            fputs(exit_text, stdout);
            rc = 0;
            goto out;
        default:
            cli_bad_option("analyze", c, argv[optind - 1]);
            goto out;
        }
    }
    if (optind != argc - 1) {
        cli_error(optind == argc ? "analyze needs a trend file" : "analyze takes one trend file");
        fputs(usage_text, stderr);
        goto out;
    }
    cfg.min_rates = rates;
    cfg.nmin_rates = nrates;
    if ((rc = ci_prepare(&ci, 1)) >= 0)
        goto out;

    struct rasleak_analysis *a;
    struct rasleak_error err;
    struct cli_analysis_progress pr;
    cli_analysis_progress_attach(&pr, progress, argv[optind], &cfg);
    int arc = rasleak_analyze_file(argv[optind], &cfg, &a, &err);
    cli_analysis_progress_end(&pr, &cfg);
    if (arc < 0) {
        cli_print_error(&err);
        rc = cli_input_exit(&err);
        goto out;
    }
    if ((rc = cli_check_warmup(a, &cfg)) != 0) {
        rasleak_analysis_free(a);
        goto out;
    }
    if (a->truncated)
        cli_warn_cut_short(argv[optind], a->samples);
    cli_warn_unmatched_rates("--min-rate", rates, nrates, cli_analysis_metric, a, a->nseries);
    rc = ci_finish_analysis(&ci, a, "analyze", json, argv[optind]);
    rasleak_analysis_free(a);
out:
    ci_opts_free(&ci);
    free(rates);
    return rc;
}
