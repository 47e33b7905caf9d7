/*
 * fuzz_options.c - libFuzzer target over backend option validation.
 *
 * The input is a list of -O arguments, one per line ("KEY=VALUE", split at
 * the first '=' as the CLI does).  Every built-in backend's table, the
 * plugin's open one ("*") among them, must accept or refuse them with a
 * message, and the typed getters must then read any accepted key without
 * failing: never a crash, hang or leak.
 *
 *   build-fuzz/tests/fuzz_options -max_total_time=15 CORPUS_DIR
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/backend.h"

#define MAX_KV 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct rasleak_kv kv[MAX_KV];
    size_t n = 0;
    for (char *line = text; line && n < MAX_KV;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq && eq != line) {
            *eq = '\0';
            kv[n].key = line;
            kv[n].value = eq + 1;
            n++;
        }
        line = next;
    }
    struct rasleak_options opts = {kv, n};
    for (const struct rasleak_backend *const *b = rasleak_backends(); *b; b++) {
        struct rasleak_error err;
        if (rasleak_options_validate((*b)->options, (*b)->noptions, &opts, (*b)->name, &err) < 0)
            continue;
        for (size_t i = 0; i < (*b)->noptions; i++) {
            const char *key = (*b)->options[i].key;
            (void)rasleak_opt_get(&opts, (*b)->options, (*b)->noptions, key);
            (void)rasleak_opt_double(&opts, (*b)->options, (*b)->noptions, key);
            (void)rasleak_opt_bool(&opts, (*b)->options, (*b)->noptions, key);
        }
    }
    free(text);
    return 0;
}
