/*
 * watch.c - which processes 'rasleak run' samples: --watch, --spawn and
 * their friends (docs/watching.md).  Turns names and command lines into
 * process ids and target ids for rasleak_run_watch().
 *
 * Target ids are stable across runs, so that two trend files of the same
 * setup compare: "self", the process's name for --watch name=NAME and
 * --spawn, "pid:N" for --watch N; a name that would repeat gets ":PID".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "rasleak/sampler.h"
#include "watch.h"

#define SPAWN_GRACE_MS 2000.0

void cli_watch_init(struct cli_watch *w)
{
    memset(w, 0, sizeof *w);
    w->spawn_wait_ms = 2000;
}

static int push(const char ***arr, size_t *n, const char *v)
{
    const char **na = realloc(*arr, (*n + 1) * sizeof *na);
    if (!na)
        return -1;
    na[(*n)++] = v;
    *arr = na;
    return 0;
}

const char *cli_watch_option(struct cli_watch *w, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_WATCH: {
        unsigned long long pid;
        int is_pid = cli_parse_u64(arg, &pid) == 0 && pid > 0 && pid <= 0x7fffffff;
        if (!is_pid && !((strncmp(arg, "name=", 5) == 0 && arg[5]) ||
                         (strncmp(arg, "service=", 8) == 0 && arg[8])))
            return "--watch takes a process id, name=NAME or service=NAME";
        return push(&w->watch, &w->nwatch, arg) < 0 ? "out of memory" : NULL;
    }
    case CLI_OPT_WATCH_ALL: w->watch_all = 1; return NULL;
    case CLI_OPT_SPAWN:
        if (!*arg)
            return "--spawn takes a command line";
        return push(&w->spawn, &w->nspawn, arg) < 0 ? "out of memory" : NULL;
    case CLI_OPT_SPAWN_WAIT_MS:
        if (cli_parse_double(arg, &w->spawn_wait_ms) < 0 || w->spawn_wait_ms < 0)
            return "--spawn-wait-ms takes a number >= 0";
        return NULL;
    case CLI_OPT_NO_SELF: w->no_self = 1; return NULL;
    case CLI_OPT_KEEP_GOING: w->keep_going = 1; return NULL;
    case CLI_OPT_HANDLE_TYPES: w->handle_types = 1; return NULL;
    case CLI_OPT_MAPS: w->maps = 1; return NULL;
    default: return "unknown option";
    }
}

/* Add a target; its id made unique with ":PID" when taken.  0 or -1. */
static int add_target(struct cli_watch *w, const char *id, long pid, const char *command)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s", id);
    int taken = strcmp(buf, "self") == 0;
    for (size_t i = 0; i < w->nspecs; i++)
        taken |= strcmp(w->ids[i], buf) == 0;
    if (taken)
        snprintf(buf, sizeof buf, "%s:%ld", id, pid);
    struct rasleak_target_spec *ns = realloc(w->specs, (w->nspecs + 1) * sizeof *ns);
    if (ns)
        w->specs = ns;
    char **ni = realloc(w->ids, (w->nspecs + 1) * sizeof *ni);
    if (ni)
        w->ids = ni;
    if (!ns || !ni || !(w->ids[w->nspecs] = strdup(buf)))
        return -1;
    w->specs[w->nspecs] = (struct rasleak_target_spec){w->ids[w->nspecs], pid, command};
    w->nspecs++;
    return 0;
}

/* Case-insensitive substring, for "did you mean". */
static int similar(const char *name, const char *want)
{
    size_t n = strlen(want);
    for (const char *c = name; *c; c++)
        if (strncasecmp(c, want, n) == 0)
            return 1;
    size_t m = strlen(name);
    for (const char *c = want; m && *c; c++)
        if (strncasecmp(c, name, m) == 0)
            return 1;
    return 0;
}

/* --watch name=NAME: the process(es) of that name; -1 to go on, else an exit code. */
static int resolve_name(struct cli_watch *w, const char *name, const struct rasleak_proc_entry *all,
                        size_t nall)
{
    size_t hits = 0;
    for (size_t i = 0; i < nall; i++)
        hits += rasleak_proc_name_matches(&all[i], name);
    if (hits == 1 || (hits > 1 && w->watch_all)) {
        for (size_t i = 0; i < nall; i++)
            if (rasleak_proc_name_matches(&all[i], name) &&
                add_target(w, name, all[i].pid, NULL) < 0) {
                cli_error("out of memory");
                return EXIT_RUN;
            }
        return -1;
    }
    char list[1024] = "";
    size_t shown = 0, len = 0;
    for (size_t i = 0; i < nall && shown < 8; i++) {
        int match = hits ? rasleak_proc_name_matches(&all[i], name) : similar(all[i].name, name);
        if (!match)
            continue;
        int k = snprintf(list + len, sizeof list - len, "\n  pid %ld  %s  (%s)", all[i].pid,
                         all[i].name, all[i].cmdline[0] ? all[i].cmdline : "no command line");
        if (k < 0 || (size_t)k >= sizeof list - len)
            break;
        len += (size_t)k;
        shown++;
    }
    if (hits == 0) {
        cli_error("no process named '%s'%s%s", name,
                  shown ? "; processes with similar names:" : " (watch one by id: --watch PID)",
                  list);
        return EXIT_RUN;
    }
    cli_error("%zu processes are named '%s'; watch one with --watch PID, or all of them with "
              "--watch-all:%s", hits, name, list);
    return EXIT_USAGE;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int spawn_one(struct cli_watch *w, const char *cmd)
{
    struct rasleak_error err;
    char **argv;
    if (rasleak_split_command(cmd, &argv, &err) < 0) {
        cli_error("--spawn: %s", err.message);
        return EXIT_USAGE;
    }
    struct rasleak_child *c;
    int rc = rasleak_spawn(argv, &c, &err);
    if (rc == 0) {
        struct rasleak_child **nc = realloc(w->children, (w->nchildren + 1) * sizeof *nc);
        const char **nid = realloc(w->child_ids, (w->nchildren + 1) * sizeof *nid);
        if (nc)
            w->children = nc;
        if (nid)
            w->child_ids = nid;
        if (!nc || !nid) {
            char how[128];
            rasleak_child_stop(c, SPAWN_GRACE_MS, how, sizeof how);
            rasleak_child_free(c);
            rasleak_argv_free(argv);
            cli_error("out of memory");
            return EXIT_RUN;
        }
        w->children[w->nchildren] = c;
        w->child_ids[w->nchildren++] = cmd;
        rc = rasleak_child_wait_ready(c, w->spawn_wait_ms, &err);
    }
    if (rc == 0 && add_target(w, base_name(argv[0]), rasleak_child_pid(c), cmd) < 0) {
        cli_error("out of memory");
        rasleak_argv_free(argv);
        return EXIT_RUN;
    }
    if (rc == 0)
        w->child_ids[w->nchildren - 1] = w->ids[w->nspecs - 1];
    rasleak_argv_free(argv);
    if (rc < 0) {
        cli_error("--spawn '%s': %s", cmd, err.message);
        return EXIT_RUN;
    }
    return -1;
}

/*
 * --watch service=NAME: the process the service runs in (Windows; RasMan
 * for KB Q168348).  Its id is the service's name; the header records the
 * process's image name, an svchost.exe on current Windows.
 */
static int resolve_service(struct cli_watch *w, const char *name)
{
    struct rasleak_service svc;
    struct rasleak_error err;
    if (rasleak_proc_find_service(name, &svc, &err) < 0) {
        cli_print_error(&err);
        return EXIT_RUN;
    }
    if (svc.shared)
        cli_warn("service '%s' runs in a process shared with other services (pid %ld): "
                 "its counters are theirs too", name, svc.pid);
    if (add_target(w, name, svc.pid, NULL) < 0) {
        cli_error("out of memory");
        return EXIT_RUN;
    }
    return -1;
}

int cli_watch_prepare(struct cli_watch *w)
{
    struct rasleak_proc_entry *all = NULL;
    size_t nall = 0;
    int rc = -1;
    for (size_t i = 0; rc < 0 && i < w->nwatch; i++) {
        const char *v = w->watch[i];
        if (strncmp(v, "name=", 5) == 0) {
            struct rasleak_error err;
            if (!all && rasleak_proc_list(&all, &nall, &err) < 0) {
                cli_print_error(&err);
                rc = EXIT_RUN;
                break;
            }
            rc = resolve_name(w, v + 5, all, nall);
        } else if (strncmp(v, "service=", 8) == 0) {
            rc = resolve_service(w, v + 8);
        } else {
            char id[48];
            long pid = strtol(v, NULL, 10);
            snprintf(id, sizeof id, "pid:%ld", pid);
            if (add_target(w, id, pid, NULL) < 0) {
                cli_error("out of memory");
                rc = EXIT_RUN;
            }
        }
    }
    free(all);
    for (size_t i = 0; rc < 0 && i < w->nspawn; i++)
        rc = spawn_one(w, w->spawn[i]);
    if (rc < 0 && w->no_self && w->nspecs == 0) {
        cli_error("--no-self needs a process to watch (--watch or --spawn)");
        rc = EXIT_USAGE;
    }
    w->cfg = (struct rasleak_watch_config){
        w->specs, w->nspecs, w->no_self, w->keep_going,
        (w->handle_types ? RASLEAK_WATCH_HANDLE_TYPES | RASLEAK_WATCH_MAPS : 0) |
            (w->maps ? RASLEAK_WATCH_MAPS : 0),
    };
    return rc;
}

void cli_watch_release(struct cli_watch *w, int quiet)
{
    for (size_t i = 0; i < w->nchildren; i++) {
        char how[128];
        if (rasleak_child_stop(w->children[i], SPAWN_GRACE_MS, how, sizeof how) == 1 && !quiet)
            cli_warn("spawned '%s' (pid %ld) ended before the run did: %s", w->child_ids[i],
                     rasleak_child_pid(w->children[i]), how);
        rasleak_child_free(w->children[i]);
    }
    for (size_t i = 0; i < w->nspecs; i++)
        free(w->ids[i]);
    free(w->ids);
    free(w->specs);
    free(w->children);
    free(w->child_ids);
    free(w->watch);
    free(w->spawn);
    memset(w, 0, sizeof *w);
}
