/*
 * rasleak/upload.h - send a result document (and the trend file) to a
 * results service with an HTTP POST, through libcurl.
 *
 * Without a trend file the body is the document itself,
 * Content-Type: application/json.  With one it is multipart/form-data:
 * part "analysis" (application/json, the document) and part "trend"
 * (application/gzip, the trend file compressed with zlib, filename the
 * trend file's base name plus ".gz").  TLS peer and host verification
 * stay on.  Connection errors, timeouts, HTTP 429 and 5xx are retried up
 * to `attempts` times in all, waiting backoff_s, then twice that, and so
 * on; any other failure is final.  docs/ci.md.
 */
#ifndef RASLEAK_UPLOAD_H
#define RASLEAK_UPLOAD_H

#include <stddef.h>
#include <stdio.h>
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rasleak_upload_config {
    const char *url;
    const char *token;          /* sent as "Authorization: Bearer <token>"; NULL: none */
    const char *document;       /* the JSON text to send */
    size_t document_len;
    const char *trend_path;     /* NULL: the document alone */
    int attempts;               /* in all, >= 1; 0: 3 */
    double backoff_s;           /* before the second attempt, doubling; < 0: 0.5 */
    long timeout_ms;            /* each attempt; 0: 60000 */
};

struct rasleak_upload_result {
    int attempts;               /* made */
    long http_status;           /* of the last attempt; 0 when none came */
};

/* Whether this build can upload (libcurl was found). */
int rasleak_upload_available(void);

/*
 * POST as `c` says.  0 when the service answered 2xx; else
 * RASLEAK_EIO with what went wrong last ("... HTTP 503: <start of the
 * answer>", libcurl's message, TLS failures named as such), RASLEAK_ENOTSUP
 * without libcurl, RASLEAK_EINVAL for a URL libcurl refuses.  The token is
 * never part of a message.
 */
int rasleak_upload(const struct rasleak_upload_config *c, struct rasleak_upload_result *res,
                   struct rasleak_error *err);

/*
 * Compress the file at `path` into `out` (gzip format, with zlib).
 * Returns 0 or RASLEAK_EIO / RASLEAK_ENOENT.
 */
int rasleak_gzip_file(const char *path, FILE *out, struct rasleak_error *err);

#ifdef __cplusplus
}
#endif
#endif
