/*
 * dl_posix.c - rasleak__dl_* with dlopen(3).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "platform/dl.h"

struct rasleak__dl {
    void *handle;
};

int rasleak__dl_open(struct rasleak__dl **out, const char *path, struct rasleak_error *err)
{
    *out = NULL;
    struct rasleak__dl *dl = malloc(sizeof *dl);
    if (!dl)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    dlerror();
    /* RTLD_NOW: a plugin with a missing symbol fails here, with its name,
     * rather than crashing in the middle of a run. */
    dl->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl->handle) {
        const char *why = dlerror();
        free(dl);
        return rasleak_error_set(err, RASLEAK_ENOENT, 0, "cannot load '%s': %s", path,
                                 why ? why : "unknown error");
    }
    *out = dl;
    return 0;
}

rasleak__dl_fn rasleak__dl_sym(struct rasleak__dl *dl, const char *name)
{
    void *p = dlsym(dl->handle, name);
    rasleak__dl_fn fn;
    /* POSIX guarantees that a function's address survives this trip; the
     * copy keeps ISO C's object/function pointer distinction quiet. */
    _Static_assert(sizeof fn == sizeof p, "function and object pointers differ in size");
    memcpy(&fn, &p, sizeof fn);
    return fn;
}

void rasleak__dl_close(struct rasleak__dl *dl)
{
    if (!dl)
        return;
    dlclose(dl->handle);
    free(dl);
}
