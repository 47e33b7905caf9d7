/*
 * rasleak/plugin.h - the plugin ABI: drive your own code with rasleak.
 *
 * A plugin is a shared library (a .so, later a .dll) that exports one
 * function, rasleak_plugin_entry(), returning a `struct rasleak_plugin`:
 * what "connect" and "disconnect" mean for the code under test, and
 * optionally numbers that only the plugin can see.  rasleak loads it with
 *
 *     rasleak run -b plugin -O path=./libmine.so [-O key=value ...]
 *
 * This header is all a plugin needs: it includes nothing but <stddef.h>,
 * compiles as C89 and later and as C++, and does not require linking with
 * rasleak.  docs/plugins.md explains the rules; examples/plugin/ holds a
 * complete example.
 *
 * Ownership, in short: strings rasleak passes in (options) are valid only
 * during the call; strings a plugin hands out (name, description, metric
 * names) must stay valid until the plugin's next function is called, and
 * name and description until close().  Threading: rasleak calls every
 * function on one thread, one call at a time; close() must stop whatever
 * threads the plugin started, because the library is unloaded after it.
 *
 * The ABI only grows at the end of struct rasleak_plugin, with a new
 * RASLEAK_PLUGIN_ABI_VERSION; rasleak refuses a version it does not speak.
 */
#ifndef RASLEAK_PLUGIN_H
#define RASLEAK_PLUGIN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RASLEAK_PLUGIN_ABI_VERSION 1

/* The name of the one symbol rasleak looks up. */
#define RASLEAK_PLUGIN_ENTRY_SYMBOL "rasleak_plugin_entry"

/* Marks rasleak_plugin_entry() as exported from the shared library. */
#if defined(_WIN32) || defined(__CYGWIN__)
#define RASLEAK_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define RASLEAK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define RASLEAK_PLUGIN_EXPORT
#endif

/* One -O KEY=VALUE, other than path=, in command-line order. */
struct rasleak_plugin_option { const char *key; const char *value; };

/*
 * One number the plugin reports.  `value` must be finite and >= 0; any
 * other value is recorded as "not available" for that sample.
 */
struct rasleak_plugin_metric { const char *name; double value; };

struct rasleak_plugin {
    unsigned abi_version;        /* RASLEAK_PLUGIN_ABI_VERSION */
    /* Short, [A-Za-z0-9_.-], not "self": the trend file's target id. */
    const char *name;
    const char *description;     /* one line */
    /*
     * Set up: parse options, allocate *state.  Returns 0 on success; on
     * failure writes a message into err (NUL-terminated, at most errlen
     * bytes) and returns non-zero, and close() is not called.
     */
    int  (*open)(void **state, const struct rasleak_plugin_option *opts, size_t nopts,
                 char *err, size_t errlen);          /* 0 = ok */
    /*
     * One dial.  Non-zero is a failed dial: rasleak records the message
     * and the returned number as the event's code, and goes on.
     */
    int  (*connect)(void *state, char *err, size_t errlen);     /* 0 = ok */
    /* Called after every connect() that returned 0. */
    int  (*disconnect)(void *state, char *err, size_t errlen);  /* 0 = ok */
    /*
     * Optional: write at most `max` metrics to `out` and return how many.
     * Called after every sampled iteration.  Keep the set of names the
     * same for the whole run: the names of the first call are the ones
     * recorded, later unknown names are ignored.
     */
    int  (*metrics)(void *state, struct rasleak_plugin_metric *out, size_t max); /* may be NULL; returns count */
    /* Free everything open() allocated and stop the plugin's threads. */
    void (*close)(void *state);
};

typedef const struct rasleak_plugin *(*rasleak_plugin_entry_fn)(void);

RASLEAK_PLUGIN_EXPORT const struct rasleak_plugin *rasleak_plugin_entry(void);   /* the one exported symbol */

#ifdef __cplusplus
}
#endif
#endif
