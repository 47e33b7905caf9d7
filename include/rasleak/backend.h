/*
 * rasleak/backend.h - the backend seam: what "dial" and "hang up" mean.
 *
 * A backend is one `const struct rasleak_backend`: a name, a description, a
 * table of the options it accepts, and function pointers.  The driver calls
 * a backend only through its own wrappers (src/lib/driver.c), where per-call
 * timing and error capture live, so a backend does just its work.
 *
 * Threading: all calls happen on the thread that runs rasleak_run().
 */
#ifndef RASLEAK_BACKEND_H
#define RASLEAK_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RASLEAK_BACKEND_VERSION 1

enum rasleak_opt_type {
    RASLEAK_OPT_STRING,
    RASLEAK_OPT_INT,     /* whole number within [min, max] */
    RASLEAK_OPT_DOUBLE,  /* finite real number within [min, max] */
    RASLEAK_OPT_BOOL,    /* 0/1, true/false, yes/no, on/off */
    RASLEAK_OPT_CHOICE   /* one of `choices`, separated by '|' */
};

/* Flags of an option. */
#define RASLEAK_OPTF_REQUIRED   0x1  /* must be given */
#define RASLEAK_OPTF_REPEATABLE 0x2  /* may be given more than once */
#define RASLEAK_OPTF_SECRET     0x4  /* value is redacted in the trend file */
/*
 * A catch-all entry (conventionally with key "*"): it accepts every key that
 * no other entry of the table names, checks the value by its type, and is
 * never required.  The plugin backend uses it to hand arbitrary options on.
 */
#define RASLEAK_OPTF_ANY        0x8

/* One entry of a backend's option table. */
struct rasleak_option_spec {
    const char *key;
    enum rasleak_opt_type type;
    const char *default_value; /* as text; NULL when there is none */
    double min, max;           /* bounds for INT and DOUBLE */
    const char *choices;       /* for CHOICE: "request|connect" */
    unsigned flags;
    const char *help;
};

/* A validated KEY=VALUE option, in the order given on the command line. */
struct rasleak_kv {
    const char *key;
    const char *value;
};

/* The options handed to a backend's open(): validated against its table. */
struct rasleak_options {
    const struct rasleak_kv *items;
    size_t count;
};

/*
 * The option's value: the last one given, else the table default, else NULL.
 * Values were validated before open(), so the typed getters cannot fail on
 * a key from the backend's own table.
 */
const char *rasleak_opt_get(const struct rasleak_options *o,
                            const struct rasleak_option_spec *table, size_t n,
                            const char *key);
double rasleak_opt_double(const struct rasleak_options *o,
                          const struct rasleak_option_spec *table, size_t n,
                          const char *key);
int rasleak_opt_bool(const struct rasleak_options *o,
                     const struct rasleak_option_spec *table, size_t n,
                     const char *key);

/*
 * Check `given` against `table`: every key known, every value well-formed
 * and in range, every required key present, no repeats of a key that is not
 * repeatable.  Returns 0 or RASLEAK_EINVAL with a message that names the key
 * and lists the valid ones.
 */
int rasleak_options_validate(const struct rasleak_option_spec *table, size_t n,
                             const struct rasleak_options *given,
                             const char *backend_name,
                             struct rasleak_error *err);

/* A number a backend can report about itself after each iteration. */
struct rasleak_backend_metric {
    const char *name;   /* e.g. "pool_size"; owned by the backend */
    double value;
};

struct rasleak_backend {
    unsigned version;            /* RASLEAK_BACKEND_VERSION */
    const char *name;            /* "mock", "curl", ... */
    const char *description;     /* one line */
    const struct rasleak_option_spec *options;
    size_t noptions;

    /* Set up; *state is the backend's own.  0 or a negative code. */
    int (*open)(void **state, const struct rasleak_options *opts,
                struct rasleak_error *err);
    /*
     * Connect.  A failure is not fatal to the run: the driver records it
     * as a dial_failed event with err's message and code.
     */
    int (*dial)(void *state, uint64_t iter, struct rasleak_error *err);
    /* Disconnect; called after every dial that succeeded. */
    int (*hangup)(void *state, uint64_t iter, struct rasleak_error *err);
    /*
     * Optional (may be NULL): numbers only the backend can see.  Writes at
     * most `max` entries and returns how many.  The set of names must not
     * change during a run.
     */
    int (*metrics)(void *state, struct rasleak_backend_metric *out, size_t max);
    /*
     * Optional: connections the backend believes are still open; the driver
     * checks this is 0 when the run ends.
     */
    long (*open_connections)(void *state);
    /* Tear down; frees everything open() allocated. */
    void (*close)(void *state);
    /*
     * Optional: the target id under which metrics() are written, called
     * once after open().  NULL (the member) means the backend's name; a NULL
     * result means this run reports no metrics.  The string is owned by the
     * backend and must live until close().
     */
    const char *(*metrics_target)(void *state);
};

/* All backends built into this binary, NULL-terminated. */
const struct rasleak_backend *const *rasleak_backends(void);

/* A built-in backend by name, or NULL. */
const struct rasleak_backend *rasleak_backend_find(const char *name);

/* The default backend of this platform's build. */
const char *rasleak_backend_default(void);

#ifdef __cplusplus
}
#endif
#endif
