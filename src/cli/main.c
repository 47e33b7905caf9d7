/*
 * main.c - rasleak's entry point: one table of subcommands, git style.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rasleak_config.h"
#include "sys.h"

static const struct cli_command commands[] = {
    {"run", cmd_run, "repeat dial/hang-up through a backend, sample, and judge"},
    {"analyze", cmd_analyze, "judge a trend file: which metric of which process grows"},
    {"backends", cmd_backends, "list the backends and their options"},
    {"report", cmd_report, "write a trend file as one HTML page with charts"},
    {"compare", cmd_compare, "a run against a baseline: did anything start to leak, or leak faster"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
    fprintf(fp, "usage: rasleak <command> [options]\n"
                "       rasleak --version | --help\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'rasleak <command> --help' tells more about each.\n"
                "exit codes: 0 no leak (compare: no regression), 1 leak found (compare: a\n"
                "            regression), 2 usage error, 3 invalid input or allowance file,\n"
                "            4 the run could not start or an output could not be written\n");
}

int main(int argc, char **argv)
{
    cli_sys_init();
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("rasleak %s\n", RASLEAK_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, cmd) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("'%s' is not a rasleak command (see 'rasleak --help')", cmd);
    return EXIT_USAGE;
}
