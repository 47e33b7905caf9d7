/* Unit tests: the run loop (src/lib/driver.c) with the mock backend. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rasleak/run.h"
#include "rasleak/trend.h"
#include "platform/os.h"
#include "scratch.h"

struct counts {
    long samples, warmup, events, dial_failed, summaries;
    long first_handles, last_handles;
    char stop_reason[32];
    long connections_left_open;
    json_t *header;
};

static void read_counts(struct counts *c)
{
    memset(c, 0, sizeof *c);
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    c->header = json_incref(rasleak_trend_header(r));
    json_t *rec;
    int type;
    while ((type = rasleak_trend_next(r, &rec, &err)) > 0) {
        if (type == RASLEAK_REC_SAMPLE) {
            json_t *self = json_object_get(json_object_get(rec, "targets"), "self");
            long h = (long)json_integer_value(json_object_get(self, "handles"));
            if (!c->samples)
                c->first_handles = h;
            c->last_handles = h;
            c->samples++;
            c->warmup += strcmp(json_string_value(json_object_get(rec, "phase")), "warmup") == 0;
        } else if (type == RASLEAK_REC_EVENT) {
            c->events++;
            c->dial_failed +=
                strcmp(json_string_value(json_object_get(rec, "kind")), "dial_failed") == 0;
        } else if (type == RASLEAK_REC_SUMMARY) {
            c->summaries++;
            snprintf(c->stop_reason, sizeof c->stop_reason, "%s",
                     json_string_value(json_object_get(rec, "stop_reason")));
            c->connections_left_open =
                (long)json_integer_value(json_object_get(rec, "connections_left_open"));
        }
    }
    assert_int_equal(type, RASLEAK_REC_END);
    rasleak_trend_close(r);
}

static int run(struct rasleak_kv *kv, size_t n, uint64_t iters, uint64_t warmup,
               uint64_t every, volatile sig_atomic_t *stop, struct rasleak_run_result *res,
               struct rasleak_error *err)
{
    FILE *fp = fopen(scratch_path, "w");
    struct rasleak_trend_writer *w;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, scratch_path, RASLEAK_TREND_JSONL, err), 0);
    struct rasleak_run_config cfg = {
        rasleak_backend_find("mock"), {kv, n}, iters, warmup, 0, every, 10, 0, w, stop, NULL,
        NULL,
    };
    int rc = rasleak_run(&cfg, res, err);
    rasleak_trend_writer_free(w);
    fclose(fp);
    return rc;
}

static void test_leaking_run(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"leak_handles", "1"}};
    struct rasleak_run_result res;
    struct rasleak_error err;
    assert_int_equal(run(kv, 1, 200, 20, 1, NULL, &res, &err), 0);
    assert_int_equal(res.iterations_done, 200);
    assert_int_equal(res.stop_reason, RASLEAK_STOP_COMPLETED);
    struct counts c;
    read_counts(&c);
    assert_int_equal(c.samples, 200);
    assert_int_equal(c.warmup, 20);
    assert_int_equal(c.summaries, 1);
    assert_string_equal(c.stop_reason, "completed");
    /* The sampler saw every one, where handles are counted (Wine counts none). */
    if (!rasleak__is_wine(NULL))
        assert_int_equal(c.last_handles - c.first_handles, 199);
    assert_int_equal(c.connections_left_open, 0);
    json_t *h = c.header;
    assert_string_equal(json_string_value(json_object_get(json_object_get(h, "backend"), "name")),
                        "mock");
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(h, "backend"), "options"),
                            "leak_handles")), "1");
    json_t *self = json_array_get(json_object_get(h, "targets"), 0);
    assert_string_equal(json_string_value(json_object_get(self, "id")), "self");
    assert_true(json_integer_value(json_object_get(self, "pid")) == getpid());
    assert_true(json_is_integer(json_object_get(json_object_get(self, "limits"), "handles")));
    json_decref(h);
}

static void test_sample_every(void **state)
{
    (void)state;
    struct rasleak_run_result res;
    struct rasleak_error err;
    assert_int_equal(run(NULL, 0, 1000, 100, 7, NULL, &res, &err), 0);
    struct counts c;
    read_counts(&c);
    assert_int_equal(c.samples, 1000 / 7 + 1);   /* every 7th, and the last */
    assert_int_equal(c.first_handles, c.last_handles);
    json_decref(c.header);
}

static void test_max_failures(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"fail_after", "50"}};
    struct rasleak_run_result res;
    struct rasleak_error err;
    assert_int_equal(run(kv, 1, 1000, 10, 1, NULL, &res, &err), 0);
    assert_int_equal(res.stop_reason, RASLEAK_STOP_MAX_FAILURES);
    assert_int_equal(res.iterations_done, 59);    /* 50..59 fail: ten in a row */
    assert_int_equal(res.dial_failures, 10);
    struct counts c;
    read_counts(&c);
    assert_int_equal(c.dial_failed, 10);
    assert_string_equal(c.stop_reason, "max_failures");
    assert_int_equal(c.samples, 59);
    json_decref(c.header);
}

static void test_stop_flag(void **state)
{
    (void)state;
    volatile sig_atomic_t stop = 1;
    struct rasleak_run_result res;
    struct rasleak_error err;
    assert_int_equal(run(NULL, 0, 1000, 10, 1, &stop, &res, &err), 0);
    assert_int_equal(res.stop_reason, RASLEAK_STOP_INTERRUPTED);
    struct counts c;
    read_counts(&c);
    assert_string_equal(c.stop_reason, "interrupted");
    assert_int_equal(c.summaries, 1);
    json_decref(c.header);
}

static void test_bad_option(void **state)
{
    (void)state;
    struct rasleak_kv kv[] = {{"nope", "1"}};
    struct rasleak_run_result res;
    struct rasleak_error err;
    assert_int_equal(run(kv, 1, 10, 1, 1, NULL, &res, &err), RASLEAK_EINVAL);
    assert_non_null(strstr(err.message, "no option 'nope'"));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_leaking_run), T(test_sample_every), T(test_max_failures), T(test_stop_flag),
        T(test_bad_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
