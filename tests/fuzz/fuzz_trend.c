/*
 * fuzz_trend.c - libFuzzer target over the trend reader and the analyzer.
 *
 * Each input is handed to rasleak_analyze_file() as a file (a memfd, so
 * the reader maps it exactly as it maps a real trend file), and a
 * successful analysis is also turned into JSON.  Whatever the bytes, the
 * library must return a result or an error, never crash, hang or leak.
 *
 *   build-fuzz/tests/fuzz_trend -max_total_time=60 CORPUS_DIR SEED_DIR...
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rasleak/analysis.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-trend", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct rasleak_analysis *a = NULL;
    struct rasleak_error err;
    if (rasleak_analyze_file(path, NULL, &a, &err) == 0) {
        json_t *j = rasleak_analysis_to_json(a);
        char *text = json_dumps(j, JSON_COMPACT);
        free(text);
        json_decref(j);
        rasleak_analysis_free(a);
    }
    close(fd);
    return 0;
}
