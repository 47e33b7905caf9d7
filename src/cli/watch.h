/*
 * watch.h - the options of 'rasleak run' that say which processes to
 * sample (docs/watching.md): --watch, --watch-all, --spawn,
 * --spawn-wait-ms, --no-self, --keep-going, --handle-types, --maps.
 */
#ifndef RASLEAK_CLI_WATCH_H
#define RASLEAK_CLI_WATCH_H

#include <getopt.h>
#include <stddef.h>

#include "rasleak/run.h"
#include "rasleak/targets.h"

/* getopt_long values of these options: above every short option. */
enum {
    CLI_OPT_WATCH = 0x200,
    CLI_OPT_WATCH_ALL,
    CLI_OPT_SPAWN,
    CLI_OPT_SPAWN_WAIT_MS,
    CLI_OPT_NO_SELF,
    CLI_OPT_KEEP_GOING,
    CLI_OPT_HANDLE_TYPES,
    CLI_OPT_MAPS
};

/* Entries for the longopts table of 'rasleak run'. */
#define CLI_WATCH_LONGOPTS                                                  \
    {"watch", required_argument, NULL, CLI_OPT_WATCH},                      \
    {"watch-all", no_argument, NULL, CLI_OPT_WATCH_ALL},                    \
    {"spawn", required_argument, NULL, CLI_OPT_SPAWN},                      \
    {"spawn-wait-ms", required_argument, NULL, CLI_OPT_SPAWN_WAIT_MS},      \
    {"no-self", no_argument, NULL, CLI_OPT_NO_SELF},                        \
    {"keep-going", no_argument, NULL, CLI_OPT_KEEP_GOING},                  \
    {"handle-types", no_argument, NULL, CLI_OPT_HANDLE_TYPES},              \
    {"maps", no_argument, NULL, CLI_OPT_MAPS}

/* Their lines of 'rasleak run --help'. */
#define CLI_WATCH_USAGE                                                                       \
    "      --watch PID        also sample process PID (id 'pid:PID'), repeatable\n"             \
    "      --watch name=NAME  also sample the process named NAME (id NAME); none or\n"          \
    "                         several of that name is an error that lists them\n"              \
    "      --watch service=NAME  also sample the process of Windows service NAME\n"         \
    "                         (RasMan for KB Q168348; id NAME)\n"                              \
    "      --watch-all        --watch name=NAME takes every process of that name\n"            \
    "      --spawn \"PROG ARGS\" start PROG for the run (split without a shell), wait\n"         \
    "                         until it listens on a TCP port or --spawn-wait-ms, sample\n"    \
    "                         it, and stop it at the end (SIGTERM, then SIGKILL)\n"           \
    "      --spawn-wait-ms MS longest wait for a spawned program (default 2000)\n"            \
    "      --no-self          do not sample rasleak's own process\n"                          \
    "      --keep-going       a watched process that exits is an event; go on with\n"         \
    "                         the others (default: the run stops)\n"                          \
    "      --handle-types     also count handles by type (handles.socket, ...), list\n"       \
    "                         the handles still open at the end, and count mappings\n"        \
    "      --maps             count memory mappings (metric maps)\n"

struct cli_watch {
    const char **watch;        /* --watch values, as given */
    size_t nwatch;
    const char **spawn;        /* --spawn command lines */
    size_t nspawn;
    int watch_all, no_self, keep_going, handle_types, maps;
    double spawn_wait_ms;
    /* resolved by cli_watch_prepare() */
    struct rasleak_target_spec *specs;
    char **ids;
    size_t nspecs;
    struct rasleak_child **children;
    const char **child_ids;
    size_t nchildren;
    struct rasleak_watch_config cfg;
};

void cli_watch_init(struct cli_watch *w);

/* Take one of the options above; NULL, or what is wrong with `arg`. */
const char *cli_watch_option(struct cli_watch *w, int opt, const char *arg);

/*
 * Resolve --watch into processes and start every --spawn program.  Returns
 * -1 to go on (w->cfg is then what rasleak_run_watch() takes), or the exit
 * code after printing why not.
 */
int cli_watch_prepare(struct cli_watch *w);

/* Stop the spawned programs (telling how those that exited on their own
 * ended, unless quiet) and free everything. */
void cli_watch_release(struct cli_watch *w, int quiet);

#endif
