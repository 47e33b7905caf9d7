/*
 * fuzz_allow.c - libFuzzer target over the allowance file parser.
 *
 * Whatever the bytes, rasleak_allow_parse() must return a list or an error
 * with a line, never crash, hang or leak; a list it returns is applied to
 * a small analysis so that the matching and the JSON of the outcome run too.
 *
 *   build-fuzz/tests/fuzz_allow -max_total_time=20 CORPUS_DIR SEED_DIR...
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/allow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rasleak_allow_list *l;
    struct rasleak_error err;
    if (rasleak_allow_parse((const char *)data, size, "fuzz.json", &l, &err) < 0)
        return 0;
    struct rasleak_series_result s[2];
    memset(s, 0, sizeof s);
    for (int i = 0; i < 2; i++) {
        strcpy(s[i].target, "self");
        strcpy(s[i].metric, i ? "rss_bytes" : "handles");
        s[i].verdict = RASLEAK_LEAK;
        s[i].slope_per_iter = i ? 64 : 0.5;
    }
    struct rasleak_analysis a;
    memset(&a, 0, sizeof a);
    a.series = s;
    a.nseries = 2;
    struct rasleak_allow_outcome out[2];
    rasleak_allow_apply(l, &a, "2026-06-15", out);
    for (int i = 0; i < 2; i++)
        json_decref(rasleak_allow_outcome_json(l, &out[i]));
    rasleak_allow_free(l);
    return 0;
}
