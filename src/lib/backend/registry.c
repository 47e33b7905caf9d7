/*
 * registry.c - the backends built into this binary.
 *
 * One entry per backend, each behind the build condition it needs, the way
 * curl lists its TLS backends.  Nothing else in rasleak names a backend.
 */
#include <string.h>

#include "rasleak_config.h"
#include "backend/backends.h"

static const struct rasleak_backend *const available[] = {
    &rasleak__backend_mock,
#ifdef RASLEAK_HAVE_CURL
    &rasleak__backend_curl,
#endif
    &rasleak__backend_plugin,
#ifdef RASLEAK_HAVE_RAS
    &rasleak__backend_ras,
#endif
    NULL
};

const struct rasleak_backend *const *rasleak_backends(void)
{
    return available;
}

const struct rasleak_backend *rasleak_backend_find(const char *name)
{
    for (size_t i = 0; available[i]; i++)
        if (strcmp(available[i]->name, name) == 0)
            return available[i];
    return NULL;
}

const char *rasleak_backend_default(void)
{
    return "mock";
}
