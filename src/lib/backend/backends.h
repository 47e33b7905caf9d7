/* Internal: the backend descriptors that registry.c lists. */
#ifndef RASLEAK_BACKENDS_H
#define RASLEAK_BACKENDS_H

#include "rasleak/backend.h"

extern const struct rasleak_backend rasleak__backend_mock;
extern const struct rasleak_backend rasleak__backend_plugin;
extern const struct rasleak_backend rasleak__backend_curl;   /* when RASLEAK_HAVE_CURL */
extern const struct rasleak_backend rasleak__backend_ras;    /* when RASLEAK_HAVE_RAS */

#endif
