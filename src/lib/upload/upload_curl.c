/*
 * upload_curl.c - POST a result document, and the compressed trend file,
 * with libcurl (rasleak/upload.h).
 *
 * TLS verification is libcurl's default (peer and host) and nothing here
 * turns it off.  The token travels in a header only and no message
 * carries it; URLs in messages lose their user, password and query.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>

#include "rasleak/upload.h"
#include "rasleak_config.h"

int rasleak_upload_available(void)
{
    return 1;
}

/* The first bytes of the service's answer, for the message. */
struct answer {
    char text[200];
    size_t len;
};

static size_t keep_answer(char *data, size_t size, size_t n, void *ctx)
{
    struct answer *a = ctx;
    size_t total = size * n;
    for (size_t i = 0; i < total && a->len < sizeof a->text - 1; i++)
        a->text[a->len++] = isprint((unsigned char)data[i]) ? data[i] : ' ';
    a->text[a->len] = '\0';
    return total;
}

static size_t read_file(char *buf, size_t size, size_t n, void *ctx)
{
    return fread(buf, size, n, (FILE *)ctx);
}

static int seek_file(void *ctx, curl_off_t off, int origin)
{
    return fseek((FILE *)ctx, (long)off, origin) == 0 ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* scheme://host:port/path, without anything secret. */
static void safe_url(const char *url, char *buf, size_t len)
{
    CURLU *u = curl_url();
    char *s = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        snprintf(buf, len, "%s", s);
    else
        snprintf(buf, len, "(the --upload URL)");
    curl_free(s);
    curl_url_cleanup(u);
}

static int retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return 1;
    default:
        return 0;
    }
}

static int tls_failure(CURLcode rc)
{
    return rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CONNECT_ERROR ||
           rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CERTPROBLEM ||
           rc == CURLE_SSL_ISSUER_ERROR || rc == CURLE_SSL_CRL_BADFILE;
}

static void pause_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Everything a transfer needs, built once and reused by every attempt. */
struct request {
    CURL *easy;
    struct curl_slist *headers;
    curl_mime *mime;
    FILE *gz;
    char errbuf[CURL_ERROR_SIZE];
    struct answer answer;
};

static int prepare(struct request *q, const struct rasleak_upload_config *c,
                   struct rasleak_error *err)
{
    char auth[4096];
    q->easy = curl_easy_init();
    if (!q->easy)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "cannot start libcurl");
    if (c->token && *c->token) {
        if (strlen(c->token) > sizeof auth - 32 || strpbrk(c->token, "\r\n"))
            return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                     "RASLEAK_UPLOAD_TOKEN is not a usable token "
                                     "(too long, or it has a line break)");
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
        q->headers = curl_slist_append(q->headers, auth);
        memset(auth, 0, sizeof auth);
    }
    /* No "Expect: 100-continue" round trip before the body. */
    q->headers = curl_slist_append(q->headers, "Expect:");
    if (c->trend_path) {
        q->gz = tmpfile();
        if (!q->gz)
            return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot create a temporary file "
                                     "for the compressed trend: %s", strerror(errno));
        int rc = rasleak_gzip_file(c->trend_path, q->gz, err);
        if (rc < 0)
            return rc;
        long size = ftell(q->gz);
        rewind(q->gz);
        char fname[512];
        snprintf(fname, sizeof fname, "%s.gz", base_name(c->trend_path));
        q->mime = curl_mime_init(q->easy);
        curl_mimepart *p = curl_mime_addpart(q->mime);
        curl_mime_name(p, "analysis");
        curl_mime_filename(p, "analysis.json");
        curl_mime_type(p, "application/json");
        curl_mime_data(p, c->document, c->document_len);
        p = curl_mime_addpart(q->mime);
        curl_mime_name(p, "trend");
        curl_mime_filename(p, fname);
        curl_mime_type(p, "application/gzip");
        curl_mime_data_cb(p, (curl_off_t)size, read_file, seek_file, NULL, q->gz);
        curl_easy_setopt(q->easy, CURLOPT_MIMEPOST, q->mime);
    } else {
        q->headers = curl_slist_append(q->headers, "Content-Type: application/json");
        curl_easy_setopt(q->easy, CURLOPT_POSTFIELDS, c->document);
        curl_easy_setopt(q->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->document_len);
    }
    if (!q->headers)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    long timeout = c->timeout_ms > 0 ? c->timeout_ms : 60000;
    curl_easy_setopt(q->easy, CURLOPT_URL, c->url);
    curl_easy_setopt(q->easy, CURLOPT_HTTPHEADER, q->headers);
    curl_easy_setopt(q->easy, CURLOPT_USERAGENT, "rasleak/" RASLEAK_VERSION);
    curl_easy_setopt(q->easy, CURLOPT_ERRORBUFFER, q->errbuf);
    curl_easy_setopt(q->easy, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(q->easy, CURLOPT_WRITEDATA, &q->answer);
    curl_easy_setopt(q->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(q->easy, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(q->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
    return 0;
}

static void release(struct request *q)
{
    curl_mime_free(q->mime);
    curl_slist_free_all(q->headers);   /* the Authorization line goes with it */
    if (q->easy)
        curl_easy_cleanup(q->easy);
    if (q->gz)
        fclose(q->gz);
}

int rasleak_upload(const struct rasleak_upload_config *c, struct rasleak_upload_result *res,
                   struct rasleak_error *err)
{
    rasleak_error_clear(err);
    memset(res, 0, sizeof *res);
    if (strncasecmp(c->url, "http://", 7) != 0 && strncasecmp(c->url, "https://", 8) != 0)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "--upload takes an http:// or https:// URL, not '%s'", c->url);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return rasleak_error_set(err, RASLEAK_EIO, 0, "cannot start libcurl");
    char where[600];
    safe_url(c->url, where, sizeof where);
    struct request q;
    memset(&q, 0, sizeof q);
    int rc = prepare(&q, c, err);
    int attempts = c->attempts > 0 ? c->attempts : 3;
    double wait = c->backoff_s >= 0 ? c->backoff_s : 0.5;
    for (int i = 0; rc == 0 && i < attempts; i++) {
        if (i > 0) {
            pause_s(wait);
            wait *= 2;
        }
        q.errbuf[0] = '\0';
        q.answer.len = 0;
        q.answer.text[0] = '\0';
        res->attempts = i + 1;
        CURLcode cr = curl_easy_perform(q.easy);
        res->http_status = 0;
        if (cr == CURLE_OK)
            curl_easy_getinfo(q.easy, CURLINFO_RESPONSE_CODE, &res->http_status);
        if (cr == CURLE_OK && res->http_status >= 200 && res->http_status < 300)
            break;
        int again = cr == CURLE_OK ? res->http_status == 429 || res->http_status >= 500
                                   : retryable(cr);
        int last = !again || i + 1 == attempts;
        if (!last)
            continue;
        char tries[48] = "";
        if (i > 0)
            snprintf(tries, sizeof tries, " after %d attempts", i + 1);
        if (cr == CURLE_OK)
            rc = rasleak_error_set(err, RASLEAK_EIO, 0, "upload to '%s' failed%s: HTTP %ld%s%s",
                                   where, tries, res->http_status, q.answer.len ? ": " : "",
                                   q.answer.text);
        else if (tls_failure(cr))
            rc = rasleak_error_set(err, RASLEAK_EIO, (int)cr,
                                   "upload to '%s' failed: TLS handshake or certificate "
                                   "verification failed (verification stays on): curl: (%d) %s",
                                   where, (int)cr, q.errbuf[0] ? q.errbuf : curl_easy_strerror(cr));
        else
            rc = rasleak_error_set(err, cr == CURLE_URL_MALFORMAT ? RASLEAK_EINVAL : RASLEAK_EIO,
                                   (int)cr, "upload to '%s' failed%s: curl: (%d) %s", where, tries,
                                   (int)cr, q.errbuf[0] ? q.errbuf : curl_easy_strerror(cr));
        break;
    }
    release(&q);
    curl_global_cleanup();
    return rc;
}
