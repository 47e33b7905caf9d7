/*
 * platform/dl.h - load a shared library and find a function in it.
 *
 * One implementation per operating system, chosen in CMake (dl_posix.c
 * with dlopen; dl_win.c with LoadLibraryW), so that the plugin backend
 * has no #ifdef.  Internal to the library.
 */
#ifndef RASLEAK_PLATFORM_DL_H
#define RASLEAK_PLATFORM_DL_H

#include "rasleak/error.h"

struct rasleak__dl;

/* Any function pointer: cast to the right type by the caller. */
typedef void (*rasleak__dl_fn)(void);

/*
 * Load `path` with all its symbols resolved now and kept local to it.
 * Returns 0, or RASLEAK_ENOENT with "cannot load 'PATH': <system text>" in
 * err.  The caller owns *out and gives it back with rasleak__dl_close().
 */
int rasleak__dl_open(struct rasleak__dl **out, const char *path, struct rasleak_error *err);

/* The function exported as `name`, or NULL when there is none. */
rasleak__dl_fn rasleak__dl_sym(struct rasleak__dl *dl, const char *name);

/* Unload; NULL is ignored. */
void rasleak__dl_close(struct rasleak__dl *dl);

#endif
