/*
 * bench_curl.c - what rasleak adds per iteration on top of libcurl.
 *
 *   bench_curl URL [N] [ROUNDS]
 *
 * For each combination of mode (request, connect) and handle (fresh,
 * reuse), it times N iterations of a plain libcurl loop making exactly the
 * calls the curl backend makes, and N iterations of rasleak_run() with the
 * curl backend (sampling every iteration, writing the trend file to a
 * temporary file), alternating the two in the same process, ROUNDS times.
 * It prints the medians over the rounds of: microseconds per iteration of
 * each loop and their ratio; the time the backend itself spent in dial and
 * hang-up inside rasleak's run (from the trend file); and the rest of
 * rasleak's iteration, which is rasleak's own cost (driver wrappers,
 * sampler, trend writer).
 * bench/run_curl.sh starts the fixture server and runs this.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "rasleak/run.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *d, size_t s, size_t n, void *c)
{
    (void)d, (void)c;
    return s * n;
}

static size_t no_upload(char *b, size_t s, size_t n, void *c)
{
    (void)b, (void)s, (void)n, (void)c;
    return 0;
}

/* The backend's calls, nothing else: see src/lib/backend/curl.c. */
static double plain_loop(const char *url, int connect_only, int reuse, long n)
{
    char errbuf[CURL_ERROR_SIZE];
    CURL *h = reuse ? curl_easy_init() : NULL;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        if (reuse)
            curl_easy_reset(h);
        else
            h = curl_easy_init();
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, no_upload);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
        if (connect_only)
            curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
        if (reuse)
            curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
        if (!connect_only)
            curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
        CURLcode rc = curl_easy_perform(h);
        if (rc != CURLE_OK) {
            fprintf(stderr, "bench_curl: plain loop: %s\n", curl_easy_strerror(rc));
            exit(1);
        }
        if (!reuse)
            curl_easy_cleanup(h);
    }
    double t = now_s() - t0;
    if (reuse)
        curl_easy_cleanup(h);
    return t / (double)n * 1e6;
}

/*
 * One rasleak run; returns microseconds per iteration and, in *backend_us,
 * the mean time the backend itself spent in dial and hang-up (the trend
 * file's dial_us + hangup_us), so that the rest is rasleak's own cost.
 */
static double rasleak_loop(const char *url, const char *mode, const char *handle, long n,
                           double *backend_us)
{
    char o_url[512], path[] = "/tmp/rasleak-bench-curl-XXXXXX";
    snprintf(o_url, sizeof o_url, "%s", url);
    struct rasleak_kv kv[] = {{"url", o_url}, {"mode", mode}, {"handle", handle}};
    int fd = mkstemp(path);
    FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    if (!fp || rasleak_trend_writer_open(&w, fp, path, RASLEAK_TREND_JSONL, &err) < 0) {
        fprintf(stderr, "bench_curl: cannot open a trend file\n");
        exit(1);
    }
    struct rasleak_run_config cfg = {
        rasleak_backend_find("curl"), {kv, 3}, (uint64_t)n, (uint64_t)n / 10, 0, 1, 1, 0, w,
        NULL, NULL, NULL,
    };
    struct rasleak_run_result res;
    double t0 = now_s();
    int rc = rasleak_run(&cfg, &res, &err);
    double t = now_s() - t0;
    rasleak_trend_writer_free(w);
    fclose(fp);
    if (rc < 0 || res.dial_failures) {
        fprintf(stderr, "bench_curl: rasleak run: %s\n", rc < 0 ? err.message : "dials failed");
        exit(1);
    }
    struct rasleak_trend_reader *r;
    json_t *rec;
    double sum = 0;
    if (rasleak_trend_open(&r, path, &err) < 0)
        exit(1);
    while ((rc = rasleak_trend_next(r, &rec, &err)) > 0)
        if (rc == RASLEAK_REC_SAMPLE)
            sum += json_number_value(json_object_get(rec, "dial_us")) +
                   json_number_value(json_object_get(rec, "hangup_us"));
    rasleak_trend_close(r);
    unlink(path);
    *backend_us = sum / (double)n;
    return t / (double)n * 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_curl URL [N] [ROUNDS]\n");
        return 2;
    }
    const char *url = argv[1];
    long n = argc > 2 ? atol(argv[2]) : 5000;
    int rounds = argc > 3 ? atoi(argv[3]) : 3;
    if (n < 10 || rounds < 1 || rounds > 99)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *modes[] = {"request", "connect"}, *handles[] = {"fresh", "reuse"};
    printf("%-8s %-6s %11s %11s %11s %11s %7s\n", "mode", "handle", "libcurl", "rasleak",
           "ratio", "backend", "added");
    for (int m = 0; m < 2; m++)
        for (int h = 0; h < 2; h++) {
            double plain[99], ras[99], be[99], added[99], ratio[99];
            plain_loop(url, m, h, n / 10);   /* warm caches and the server */
            for (int r = 0; r < rounds; r++) {
                plain[r] = plain_loop(url, m, h, n);
                ras[r] = rasleak_loop(url, modes[m], handles[h], n, &be[r]);
                added[r] = ras[r] - be[r];
                ratio[r] = ras[r] / plain[r];
            }
            printf("%-8s %-6s %9.1fus %9.1fus %10.3fx %9.1fus %5.2fus\n", modes[m], handles[h],
                   median(plain, rounds), median(ras, rounds), median(ratio, rounds),
                   median(be, rounds), median(added, rounds));
        }
    curl_global_cleanup();
    return 0;
}
