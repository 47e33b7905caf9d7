/*
 * curl.c - the libcurl backend: a dial is a connect or a transfer.
 *
 * It calls libcurl exactly as its options say and works around nothing:
 * if libcurl leaks under some combination of options, showing that is
 * rasleak's job.  What each option combination does:
 *
 *   handle=fresh  dial:    curl_easy_init, set options, curl_easy_perform
 *                 hang up: curl_easy_cleanup, which closes the connection
 *   handle=reuse  one easy handle from open() to close();
 *                 dial:    curl_easy_reset, set options with
 *                          CURLOPT_FORBID_REUSE, curl_easy_perform: libcurl
 *                          closes the connection when the transfer ends
 *                 hang up: nothing is left to close
 *   mode=request  the transfer is performed and the response checked: an
 *                 HTTP status below 400 (CURLOPT_FAILONERROR), or exactly
 *                 expect_status=
 *   mode=connect  CURLOPT_CONNECT_ONLY: connect (and TLS handshake), no
 *                 request; telnet://host:port connects to any TCP service
 *
 * Failures carry libcurl's code and its error buffer, worded like the curl
 * tool: "curl: (7) Failed to connect to 127.0.0.1 port 1 ...".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "backend/backends.h"

static const struct rasleak_option_spec curl_options[] = {
    {"url", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_REQUIRED,
     "what to connect to: http(s)://..., telnet://host:port for raw TCP, any scheme libcurl has"},
    {"mode", RASLEAK_OPT_CHOICE, "request", 0, 0, "request|connect", 0,
     "request: transfer and check the response; connect: connect only (CURLOPT_CONNECT_ONLY)"},
    {"handle", RASLEAK_OPT_CHOICE, "fresh", 0, 0, "fresh|reuse", 0,
     "fresh: a new easy handle per iteration; reuse: one handle, curl_easy_reset between"},
    {"timeout_ms", RASLEAK_OPT_INT, "10000", 0, 86400000, NULL, 0,
     "limit of each dial in milliseconds (CURLOPT_TIMEOUT_MS); 0 none"},
    {"insecure", RASLEAK_OPT_BOOL, "0", 0, 0, NULL, 0,
     "1 turns TLS peer and host verification off"},
    {"header", RASLEAK_OPT_STRING, NULL, 0, 0, NULL, RASLEAK_OPTF_REPEATABLE,
     "request header 'Name: value'"},
    {"cookies", RASLEAK_OPT_BOOL, "0", 0, 0, NULL, 0,
     "1 enables the cookie engine for each iteration (CURLOPT_COOKIEFILE \"\")"},
    {"expect_status", RASLEAK_OPT_INT, NULL, 100, 599, NULL, 0,
     "the HTTP status a request must get (default: any below 400)"},
};
#define NOPTS (sizeof curl_options / sizeof curl_options[0])

struct cb {
    char *url;
    int connect_only, reuse, insecure, cookies;
    long timeout_ms, expect_status;   /* expect_status 0: below 400 */
    struct curl_slist *headers;
    CURL *easy;            /* the reused handle, or this iteration's */
    long connected;
    char errbuf[CURL_ERROR_SIZE];
};

static int global_ready;

/* Once per process; curl_global_cleanup() at exit, after every handle is gone. */
static int global_init(struct rasleak_error *err)
{
    if (global_ready)
        return 0;
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        return rasleak_error_set(err, RASLEAK_EBACKEND, (int)rc, "curl_global_init: %s",
                                 curl_easy_strerror(rc));
    atexit(curl_global_cleanup);
    global_ready = 1;
    return 0;
}

static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
    (void)data;
    (void)ctx;
    return size * n;
}

static size_t no_upload(char *buf, size_t size, size_t n, void *ctx)
{
    /* Never read rasleak's standard input (telnet:// would). */
    (void)buf, (void)size, (void)n, (void)ctx;
    return 0;
}

static int fail(struct cb *c, CURLcode rc, struct rasleak_error *err)
{
    return rasleak_error_set(err, RASLEAK_EBACKEND, (int)rc, "curl: (%d) %s", (int)rc,
                             c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
}

static int curl_open(void **state, const struct rasleak_options *o, struct rasleak_error *err)
{
    int rc = global_init(err);
    if (rc < 0)
        return rc;
    struct cb *c = calloc(1, sizeof *c);
    const char *url = rasleak_opt_get(o, curl_options, NOPTS, "url");
    if (!c || !(c->url = strdup(url))) {
        free(c);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    c->connect_only = strcmp(rasleak_opt_get(o, curl_options, NOPTS, "mode"), "connect") == 0;
    c->reuse = strcmp(rasleak_opt_get(o, curl_options, NOPTS, "handle"), "reuse") == 0;
    c->timeout_ms = (long)rasleak_opt_double(o, curl_options, NOPTS, "timeout_ms");
    c->insecure = rasleak_opt_bool(o, curl_options, NOPTS, "insecure");
    c->cookies = rasleak_opt_bool(o, curl_options, NOPTS, "cookies");
    c->expect_status = (long)rasleak_opt_double(o, curl_options, NOPTS, "expect_status");
    for (size_t i = 0; i < o->count; i++) {
        if (strcmp(o->items[i].key, "header") != 0)
            continue;
        struct curl_slist *n = curl_slist_append(c->headers, o->items[i].value);
        if (!n) {
            curl_slist_free_all(c->headers);
            free(c->url);
            free(c);
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        }
        c->headers = n;
    }
    if (c->reuse && !(c->easy = curl_easy_init())) {
        curl_slist_free_all(c->headers);
        free(c->url);
        free(c);
        return rasleak_error_set(err, RASLEAK_EBACKEND, 0, "curl_easy_init failed");
    }
    *state = c;
    return 0;
}

/* Every option of an iteration; the first failing setopt is the error. */
static CURLcode set_options(struct cb *c)
{
    CURL *h = c->easy;
    CURLcode rc;
#define SET(opt, val) do { if ((rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) return rc; } while (0)
    SET(CURLOPT_ERRORBUFFER, c->errbuf);
    SET(CURLOPT_URL, c->url);
    SET(CURLOPT_WRITEFUNCTION, discard);
    SET(CURLOPT_READFUNCTION, no_upload);
    SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
    if (c->connect_only)
        SET(CURLOPT_CONNECT_ONLY, 1L);
    if (c->reuse)
        SET(CURLOPT_FORBID_REUSE, 1L);
    if (c->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->headers)
        SET(CURLOPT_HTTPHEADER, c->headers);
    if (c->cookies)
        SET(CURLOPT_COOKIEFILE, "");
    if (!c->connect_only && !c->expect_status)
        SET(CURLOPT_FAILONERROR, 1L);
#undef SET
    return CURLE_OK;
}

static int is_http(CURL *h)
{
    char *scheme = NULL;
    if (curl_easy_getinfo(h, CURLINFO_SCHEME, &scheme) != CURLE_OK || !scheme)
        return 0;
    return strncmp(scheme, "HTTP", 4) == 0 || strncmp(scheme, "http", 4) == 0;
}

static int check_status(struct cb *c, struct rasleak_error *err)
{
    long status = 0;
    if (c->connect_only || !c->expect_status || !is_http(c->easy))
        return 0;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status == c->expect_status)
        return 0;
    return rasleak_error_set(err, RASLEAK_EBACKEND, (int)CURLE_HTTP_RETURNED_ERROR,
                             "curl: (%d) HTTP status %ld from '%s', expected %ld",
                             (int)CURLE_HTTP_RETURNED_ERROR, status, c->url,
                             c->expect_status);
}

static int curl_dial(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct cb *c = state;
    (void)iter;
    if (c->reuse)
        curl_easy_reset(c->easy);
    else if (!(c->easy = curl_easy_init()))
        return rasleak_error_set(err, RASLEAK_EBACKEND, 0, "curl_easy_init failed");
    c->errbuf[0] = '\0';
    CURLcode rc = set_options(c);
    if (rc == CURLE_OK)
        rc = curl_easy_perform(c->easy);
    int r = rc != CURLE_OK ? fail(c, rc, err) : check_status(c, err);
    if (r < 0) {
        /* No hang-up follows a failed dial: a fresh handle ends here. */
        if (!c->reuse) {
            curl_easy_cleanup(c->easy);
            c->easy = NULL;
        }
        return r;
    }
    c->connected++;
    return 0;
}

static int curl_hangup(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct cb *c = state;
    (void)iter;
    (void)err;
    if (!c->reuse) {
        curl_easy_cleanup(c->easy);
        c->easy = NULL;
    }
    c->connected--;
    return 0;
}

static long curl_open_connections(void *state)
{
    return ((struct cb *)state)->connected;
}

static void curl_close(void *state)
{
    struct cb *c = state;
    if (!c)
        return;
    curl_easy_cleanup(c->easy);
    curl_slist_free_all(c->headers);
    free(c->url);
    free(c);
}

const struct rasleak_backend rasleak__backend_curl = {
    RASLEAK_BACKEND_VERSION,
    "curl",
    "connects or transfers with libcurl (any URL libcurl supports)",
    curl_options,
    NOPTS,
    curl_open,
    curl_dial,
    curl_hangup,
    NULL,
    curl_open_connections,
    curl_close,
    NULL,
};
