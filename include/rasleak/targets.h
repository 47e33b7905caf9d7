/*
 * rasleak/targets.h - finding the processes to watch, and starting one for
 * a run (docs/watching.md).
 *
 * The driver samples process ids (rasleak_run_watch() in run.h); these
 * helpers turn what a user says, a name or a command line, into ids.
 */
#ifndef RASLEAK_TARGETS_H
#define RASLEAK_TARGETS_H

#include <stddef.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One running process, as listed. */
struct rasleak_proc_entry {
    long pid;
    long uid;               /* real user id; -1 unknown */
    char name[64];          /* image name (Linux: comm, at most 15 characters) */
    char cmdline[256];      /* the command line, arguments separated by blanks */
};

/*
 * Every process this user can see, rasleak's own left out.  *out is a new
 * array of *n entries owned by the caller (free()).
 */
int rasleak_proc_list(struct rasleak_proc_entry **out, size_t *n, struct rasleak_error *err);

/*
 * Whether `e` is a process named exactly `name`: its image name, or, for a
 * name longer than the kernel keeps, the last part of its program's path.
 */
int rasleak_proc_name_matches(const struct rasleak_proc_entry *e, const char *name);

/*
 * Split a command line into arguments without a shell: blanks separate,
 * '...' and "..." group, a backslash escapes the next character (not
 * inside '...').  *argv is a new NULL-terminated array owned by the
 * caller: rasleak_argv_free().  RASLEAK_EINVAL for an open quote or an
 * empty command.
 */
int rasleak_split_command(const char *cmd, char ***argv, struct rasleak_error *err);
void rasleak_argv_free(char **argv);

/* A program started for a run. */
struct rasleak_child;

/*
 * Start argv[0] (looked up in PATH) with `argv`, in its own process group
 * (a Ctrl-C at the terminal reaches rasleak, which stops it in order),
 * with standard input from /dev/null and standard output to rasleak's
 * standard error (rasleak's own output may be the trend file or JSON);
 * it is sent SIGTERM should rasleak die.  RASLEAK_ENOENT / RASLEAK_EACCES
 * when it cannot be run.  *out is owned by the caller: rasleak_child_stop()
 * then rasleak_child_free().
 */
int rasleak_spawn(char *const *argv, struct rasleak_child **out, struct rasleak_error *err);

long rasleak_child_pid(const struct rasleak_child *c);

/*
 * Wait until the program is ready: it listens on a TCP port, or `ms` have
 * passed.  0 when it runs; RASLEAK_EGONE with how it ended (its exit status
 * or signal) when it exited meanwhile.
 */
int rasleak_child_wait_ready(struct rasleak_child *c, double ms, struct rasleak_error *err);

/*
 * Stop it: SIGTERM to its process group, then SIGKILL after `grace_ms`;
 * reaps it.  Returns 1 when it had already exited before (how it ended is
 * in `how`), also when it was on its way out and died of a signal other
 * than the SIGTERM sent here; 0 when it was stopped here.
 */
int rasleak_child_stop(struct rasleak_child *c, double grace_ms, char *how, size_t len);

void rasleak_child_free(struct rasleak_child *c);

#ifdef __cplusplus
}
#endif
#endif
