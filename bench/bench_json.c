/*
 * bench_json.c - what jansson alone costs to parse a trend file's lines.
 *
 *   bench_json FILE [LINES]
 *
 * Loads FILE (JSON Lines: either layout of a trend file) into memory and
 * parses each of its first LINES lines (default: all) with json_loadb(),
 * freeing each at once, as the reader does; prints the processor time per
 * line and per byte.  The floor under `rasleak analyze`, which must parse
 * every byte with jansson: the reader's own work comes on top.  A
 * benchmark, not a test: it checks only that every line parses.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_s(void)
{
    return (double)clock() / CLOCKS_PER_SEC;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_json FILE [LINES]\n");
        return 2;
    }
    unsigned long max = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    FILE *fp = fopen(argv[1], "rb");
    if (!fp) {
        perror(argv[1]);
        return 1;
    }
    size_t cap = 1 << 20, len = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - len, fp)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(fp);
    if (!buf) {
        fprintf(stderr, "bench_json: out of memory\n");
        return 1;
    }
    unsigned long lines = 0;
    size_t bytes = 0;
    double t0 = cpu_s();
    for (char *p = buf, *end = buf + len; p < end && (!max || lines < max);) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_error_t err;
        json_t *j = json_loadb(p, n, 0, &err);
        if (!j) {
            fprintf(stderr, "bench_json: line %lu: %s\n", lines + 1, err.text);
            free(buf);
            return 1;
        }
        json_decref(j);
        lines++;
        bytes += n + 1;
        p += n + 1;
    }
    double t = cpu_s() - t0;
    printf("%lu lines, %zu bytes (%.0f a line): %.3f s of processor time, %.0f ns a line, "
           "%.1f ns a byte\n",
           lines, bytes, lines ? (double)bytes / (double)lines : 0.0, t,
           lines ? t * 1e9 / (double)lines : 0.0, bytes ? t * 1e9 / (double)bytes : 0.0);
    free(buf);
    return 0;
}
