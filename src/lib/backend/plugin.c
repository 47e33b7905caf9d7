/*
 * plugin.c - the plugin backend: dial and hang up through a user's library.
 *
 * It loads the library named by -O path= through the platform layer
 * (platform/dl.h), checks the descriptor that rasleak_plugin_entry()
 * returns field by field before trusting any of it, and then forwards each
 * call.  Everything a plugin could get wrong without crashing is caught
 * here and said in words: a missing file, a missing symbol, an ABI version
 * from another rasleak, a NULL function, a name that is not a usable target
 * id, metric names that change during a run, values that are not numbers.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/plugin.h"
#include "backend/backends.h"
#include "platform/dl.h"

static const struct rasleak_option_spec plugin_options[] = {
    {"path", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_REQUIRED,
     "the plugin library (./libmine.so); see docs/plugins.md"},
    {"*", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_ANY | RASLEAK_OPTF_REPEATABLE,
     "every other KEY=VALUE is passed to the plugin's open()"},
};
#define NOPTS (sizeof plugin_options / sizeof plugin_options[0])

/* Matches the driver's limit; a plugin is told `max` and cannot exceed it. */
#define MAX_METRICS 64
#define ERRLEN 512

struct plugin {
    struct rasleak__dl *dl;
    const struct rasleak_plugin *p;
    void *state;
    long connected;
    /* The metric names of the first metrics() call, copied: the run's set. */
    int have_names;
    size_t nnames;
    char *names[MAX_METRICS];
    struct rasleak_plugin_metric raw[MAX_METRICS];
};

static int name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || strcmp(s, "self") == 0)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.' && *s != '-')
            return 0;
    return 1;
}

/* The plugin's message, or a generic one when it left err empty. */
static const char *msg_or(char *buf, const char *fallback)
{
    buf[ERRLEN - 1] = '\0';
    return buf[0] ? buf : fallback;
}

static void unload(struct plugin *pl)
{
    for (size_t i = 0; i < pl->nnames; i++)
        free(pl->names[i]);
    rasleak__dl_close(pl->dl);
    free(pl);
}

/* Check the descriptor; abi_version first, since the rest of the layout depends on it. */
static int check_descriptor(const struct rasleak_plugin *p, const char *path,
                            struct rasleak_error *err)
{
    if (!p)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "'%s': " RASLEAK_PLUGIN_ENTRY_SYMBOL "() returned NULL", path);
    if (p->abi_version != RASLEAK_PLUGIN_ABI_VERSION)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "'%s' speaks plugin ABI version %u, this rasleak speaks %d",
                                 path, p->abi_version, RASLEAK_PLUGIN_ABI_VERSION);
    if (!name_ok(p->name))
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "'%s': plugin name '%s' is not usable as a target id "
                                 "(1 to 64 of A-Z a-z 0-9 _ . -, and not 'self')",
                                 path, p->name ? p->name : "(null)");
    const char *missing = !p->open ? "open" : !p->connect ? "connect"
                        : !p->disconnect ? "disconnect" : !p->close ? "close" : NULL;
    if (missing)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "plugin '%s' in '%s' has no %s function (it is required)",
                                 p->name, path, missing);
    return 0;
}

static int plugin_open(void **state, const struct rasleak_options *o, struct rasleak_error *err)
{
    const char *path = rasleak_opt_get(o, plugin_options, NOPTS, "path");
    struct plugin *pl = calloc(1, sizeof *pl);
    if (!pl)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    int rc = rasleak__dl_open(&pl->dl, path, err);
    if (rc < 0) {
        free(pl);
        return rc;
    }
    rasleak_plugin_entry_fn entry =
        (rasleak_plugin_entry_fn)rasleak__dl_sym(pl->dl, RASLEAK_PLUGIN_ENTRY_SYMBOL);
    if (!entry) {
        unload(pl);
        return rasleak_error_set(err, RASLEAK_ENOENT, 0,
                                 "'%s' has no symbol " RASLEAK_PLUGIN_ENTRY_SYMBOL
                                 " (is it a rasleak plugin? see docs/plugins.md)", path);
    }
    pl->p = entry();
    if ((rc = check_descriptor(pl->p, path, err)) < 0) {
        unload(pl);
        return rc;
    }

    /* Every option but path, in order; the strings stay rasleak's. */
    struct rasleak_plugin_option *opts = calloc(o->count ? o->count : 1, sizeof *opts);
    if (!opts) {
        unload(pl);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; i < o->count; i++)
        if (strcmp(o->items[i].key, "path") != 0)
            opts[n++] = (struct rasleak_plugin_option){o->items[i].key, o->items[i].value};
    char msg[ERRLEN] = "";
    rc = pl->p->open(&pl->state, opts, n, msg, sizeof msg);
    free(opts);
    if (rc != 0) {
        rasleak_error_set(err, RASLEAK_EBACKEND, 0, "plugin '%s' failed to open: %s",
                          pl->p->name, msg_or(msg, "(no message)"));
        unload(pl);
        return RASLEAK_EBACKEND;
    }
    *state = pl;
    return 0;
}

static int plugin_dial(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct plugin *pl = state;
    char msg[ERRLEN] = "";
    (void)iter;
    int rc = pl->p->connect(pl->state, msg, sizeof msg);
    if (rc != 0)
        return rasleak_error_set(err, RASLEAK_EBACKEND, rc, "%s",
                                 msg_or(msg, "connect failed (the plugin gave no message)"));
    pl->connected++;
    return 0;
}

static int plugin_hangup(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct plugin *pl = state;
    char msg[ERRLEN] = "";
    (void)iter;
    /* The connection is over whatever disconnect() says: it was asked to end. */
    pl->connected--;
    int rc = pl->p->disconnect(pl->state, msg, sizeof msg);
    if (rc != 0)
        return rasleak_error_set(err, RASLEAK_EBACKEND, rc, "%s",
                                 msg_or(msg, "disconnect failed (the plugin gave no message)"));
    return 0;
}

static int index_of(const struct plugin *pl, const char *name)
{
    for (size_t i = 0; i < pl->nnames; i++)
        if (strcmp(pl->names[i], name) == 0)
            return (int)i;
    return -1;
}

/* The first call fixes the set of names; copies, so the plugin's may move. */
static void learn_names(struct plugin *pl, size_t n)
{
    pl->have_names = 1;
    for (size_t i = 0; i < n && pl->nnames < MAX_METRICS; i++) {
        const char *name = pl->raw[i].name;
        if (!name_ok(name) || index_of(pl, name) >= 0)
            continue;
        char *copy = malloc(strlen(name) + 1);
        if (!copy)
            return;
        strcpy(copy, name);
        pl->names[pl->nnames++] = copy;
    }
}

static int plugin_metrics(void *state, struct rasleak_backend_metric *out, size_t max)
{
    struct plugin *pl = state;
    if (!pl->p->metrics)
        return 0;
    size_t cap = max < MAX_METRICS ? max : MAX_METRICS;
    memset(pl->raw, 0, sizeof pl->raw);
    int got = pl->p->metrics(pl->state, pl->raw, cap);
    size_t n = got < 0 ? 0 : (size_t)got > cap ? cap : (size_t)got;
    if (!pl->have_names)
        learn_names(pl, n);
    /* Same names, same order, every sample; what the plugin left out is NAN. */
    for (size_t i = 0; i < pl->nnames; i++)
        out[i] = (struct rasleak_backend_metric){pl->names[i], NAN};
    for (size_t i = 0; i < n; i++) {
        int k = pl->raw[i].name ? index_of(pl, pl->raw[i].name) : -1;
        double v = pl->raw[i].value;
        if (k >= 0 && isfinite(v) && v >= 0)
            out[k].value = v;
    }
    return (int)(pl->nnames < cap ? pl->nnames : cap);
}

static const char *plugin_metrics_target(void *state)
{
    struct plugin *pl = state;
    return pl->p->metrics ? pl->p->name : NULL;
}

static long plugin_open_connections(void *state)
{
    return ((struct plugin *)state)->connected;
}

static void plugin_close(void *state)
{
    struct plugin *pl = state;
    if (!pl)
        return;
    pl->p->close(pl->state);
    unload(pl);
}

const struct rasleak_backend rasleak__backend_plugin = {
    RASLEAK_BACKEND_VERSION,
    "plugin",
    "loads a shared library that implements include/rasleak/plugin.h",
    plugin_options,
    NOPTS,
    plugin_open,
    plugin_dial,
    plugin_hangup,
    plugin_metrics,
    plugin_open_connections,
    plugin_close,
    plugin_metrics_target,
};
