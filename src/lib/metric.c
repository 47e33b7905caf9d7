/*
 * metric.c - names and units of the built-in metrics.
 *
 * The names are the keys of the trend file, so they are part of the file
 * format: rename one only together with docs/ and the reader.
 */
#include <stddef.h>
#include <string.h>

#include "rasleak/sampler.h"

static const struct {
    const char *name;
    enum rasleak_unit unit;
} metrics[RASLEAK_METRIC_COUNT] = {
    [RASLEAK_METRIC_HANDLES]       = { "handles",       RASLEAK_UNIT_COUNT },
    [RASLEAK_METRIC_RSS_BYTES]     = { "rss_bytes",     RASLEAK_UNIT_BYTES },
    [RASLEAK_METRIC_VM_BYTES]      = { "vm_bytes",      RASLEAK_UNIT_BYTES },
    [RASLEAK_METRIC_PRIVATE_BYTES] = { "private_bytes", RASLEAK_UNIT_BYTES },
    [RASLEAK_METRIC_THREADS]       = { "threads",       RASLEAK_UNIT_COUNT },
    [RASLEAK_METRIC_HEAP_BYTES]    = { "heap_bytes",    RASLEAK_UNIT_BYTES },
    [RASLEAK_METRIC_GDI_OBJECTS]   = { "gdi_objects",   RASLEAK_UNIT_COUNT },
    [RASLEAK_METRIC_USER_OBJECTS]  = { "user_objects",  RASLEAK_UNIT_COUNT },
    [RASLEAK_METRIC_MAPS]          = { "maps",          RASLEAK_UNIT_COUNT },
};

const char *rasleak_metric_name(int metric)
{
    if (metric < 0 || metric >= RASLEAK_METRIC_COUNT)
        return NULL;
    return metrics[metric].name;
}

int rasleak_metric_lookup(const char *name)
{
    if (name == NULL)
        return -1;
    for (int m = 0; m < RASLEAK_METRIC_COUNT; m++)
        if (strcmp(metrics[m].name, name) == 0)
            return m;
    return -1;
}

enum rasleak_unit rasleak_metric_unit(const char *name)
{
    static const char suffix[] = "_bytes";
    size_t n, s = sizeof suffix - 1;
    int m = rasleak_metric_lookup(name);

    if (m >= 0)
        return metrics[m].unit;
    if (name == NULL)
        return RASLEAK_UNIT_COUNT;
    /*
     * Custom metrics (from backends) carry their unit in the name, the
     * same convention the built-in ones follow, so the analyzer can print
     * "KiB per iteration" without a separate unit field in the trend file.
     */
    n = strlen(name);
    if (n > s && strcmp(name + n - s, suffix) == 0)
        return RASLEAK_UNIT_BYTES;
    return RASLEAK_UNIT_COUNT;
}

/* Handle types, the same names on every system (rasleak/sampler.h). */
static const char *const type_names[RASLEAK_HTYPE_COUNT] = {
    "socket", "pipe", "file", "dev", "eventfd", "eventpoll", "timerfd", "signalfd",
    "inotify", "anon_inode", "other",
};

static const char *const type_metrics[RASLEAK_HTYPE_COUNT] = {
    "handles.socket", "handles.pipe", "handles.file", "handles.dev", "handles.eventfd",
    "handles.eventpoll", "handles.timerfd", "handles.signalfd", "handles.inotify",
    "handles.anon_inode", "handles.other",
};

const char *rasleak_handle_type_name(int type)
{
    return type >= 0 && type < RASLEAK_HTYPE_COUNT ? type_names[type] : NULL;
}

const char *rasleak_handle_type_metric(int type)
{
    return type >= 0 && type < RASLEAK_HTYPE_COUNT ? type_metrics[type] : NULL;
}
