/*
 * error.c - error codes and the caller-owned error struct.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rasleak/error.h"

const char *rasleak_strerror(int code)
{
    switch (code) {
    case RASLEAK_OK:
        return "success";
#define RASLEAK__ERRTEXT(name, val, text) case RASLEAK_##name: return text;
    RASLEAK_ERROR_MAP(RASLEAK__ERRTEXT)
#undef RASLEAK__ERRTEXT
    }
    return "unknown error";
}

void rasleak_error_clear(struct rasleak_error *err)
{
    /* Called before every backend call: reset what is read, not 1.5 KiB. */
    if (!err)
        return;
    err->code = err->sys = 0;
    err->line = err->column = 0;
    err->path[0] = err->message[0] = '\0';
}

static void set_message(struct rasleak_error *err, const char *fmt, va_list ap)
{
    vsnprintf(err->message, sizeof err->message, fmt, ap);
}

int rasleak_error_set(struct rasleak_error *err, int code, int sys, const char *fmt, ...)
{
    if (!err)
        return code;
    rasleak_error_clear(err);
    err->code = code;
    err->sys = sys;
    va_list ap;
    va_start(ap, fmt);
    set_message(err, fmt, ap);
    va_end(ap);
    return code;
}

int rasleak_error_at(struct rasleak_error *err, int code, const char *path,
                     long line, long column, const char *fmt, ...)
{
    if (!err)
        return code;
    rasleak_error_clear(err);
    err->code = code;
    err->line = line;
    err->column = column;
    if (path)
        snprintf(err->path, sizeof err->path, "%s", path);
    va_list ap;
    va_start(ap, fmt);
    set_message(err, fmt, ap);
    va_end(ap);
    return code;
}
