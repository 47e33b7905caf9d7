/*
 * rasleak/error.h - error codes and the caller-owned error struct.
 *
 * Every library function that can fail returns 0 on success and one of the
 * negative RASLEAK_E* codes on failure.  Details go into a struct
 * rasleak_error that the caller owns; the library never prints and never
 * exits.
 */
#ifndef RASLEAK_ERROR_H
#define RASLEAK_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One list, expanded into the enum and into rasleak_strerror(). */
#define RASLEAK_ERROR_MAP(X)                                              \
    X(EINVAL,   -1, "invalid argument")                                    \
    X(ENOMEM,   -2, "out of memory")                                       \
    X(EIO,      -3, "input/output error")                                  \
    X(EFORMAT,  -4, "invalid trend file")                                  \
    X(EBACKEND, -5, "backend failed")                                      \
    X(ENOTSUP,  -6, "not supported on this platform")                      \
    X(ENOENT,   -7, "not found")                                           \
    X(EACCES,   -8, "permission denied")                                   \
    X(EEXIST,   -9, "already exists")                                      \
    X(ESAMPLE, -10, "sampling failed")                                     \
    X(EGONE,   -11, "process has exited")

enum rasleak_errcode {
    RASLEAK_OK = 0,
#define RASLEAK__ERRENUM(name, val, text) RASLEAK_##name = (val),
    RASLEAK_ERROR_MAP(RASLEAK__ERRENUM)
#undef RASLEAK__ERRENUM
};

/*
 * Filled in by a failing call.  `sys` is the errno (or GetLastError()) that
 * caused it, 0 when none.  `path`, `line` and `column` locate the failure in
 * an input file when it is about one (line and column count from 1; 0 means
 * unknown).  `message` is a complete, lowercase sentence fragment that says
 * what failed, e.g. "cannot open 'trend.jsonl': No such file or directory".
 */
struct rasleak_error {
    int code;
    int sys;
    long line;
    long column;
    char path[512];
    char message[1024];
};

/*
 * The format archetype of the printf-like functions below.  They format
 * inside the library, which mingw-w64 builds with its C99 printf, so the
 * GNU checks apply there too (plain "printf" means Microsoft's there).
 */
#if defined(__MINGW32__)
#define RASLEAK_PRINTF_ARCHETYPE gnu_printf
#else
#define RASLEAK_PRINTF_ARCHETYPE printf
#endif

/* Static text for a RASLEAK_E* code; never NULL. */
const char *rasleak_strerror(int code);

/* Reset `err` to "no error". */
void rasleak_error_clear(struct rasleak_error *err);

/*
 * Record an error and return `code`, so that callers can write
 * `return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot ...")`.
 * `err` may be NULL.
 */
int rasleak_error_set(struct rasleak_error *err, int code, int sys,
                      const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(RASLEAK_PRINTF_ARCHETYPE, 4, 5)))
#endif
    ;

/* Like rasleak_error_set(), also recording a position in an input file. */
int rasleak_error_at(struct rasleak_error *err, int code, const char *path,
                     long line, long column, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(RASLEAK_PRINTF_ARCHETYPE, 6, 7)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif
