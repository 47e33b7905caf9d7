/* Unit tests: trend writer and reader (src/lib/trend/). */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "rasleak/trend.h"
#include "platform/os.h"
#include "trend/reader_split.h"
#include "scratch.h"

static json_t *header(void)
{
    return json_pack("{s:s,s:s,s:i,s:{s:I},s:[{s:s}]}", "type", "header", "format",
                     "rasleak-trend", "version", 1, "run", "warmup", (json_int_t)2, "targets",
                     "id", "self");
}

/* Write `n` samples (handles = 10 + iter, rss NAN on odd iterations), one
 * event at iteration 3, and a summary unless `cut`. */
static void write_file(enum rasleak_trend_layout layout, int n, int cut)
{
    FILE *fp = fopen(scratch_path, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, scratch_path, layout, &err), 0);
    json_t *h = header();
    assert_int_equal(rasleak_trend_write_header(w, h, &err), 0);
    json_decref(h);
    struct rasleak_metric_value mv[2] = {{"handles", 0}, {"rss_bytes", 0}};
    struct rasleak_target_values tv = {"self", mv, 2};
    for (int i = 1; i <= n; i++) {
        mv[0].value = 10 + i;
        mv[1].value = i % 2 ? NAN : 4096.0 * i;
        struct rasleak_sample_record s = {(uint64_t)i, i * 0.5, i > 2, i != 4, 1.4, 2.6, &tv, 1};
        assert_int_equal(rasleak_trend_write_sample(w, &s, &err), 0);
        if (i == 3) {
            json_t *ev = json_pack("{s:s,s:i,s:s,s:s}", "type", "event", "iter", 3, "kind",
                                   "dial_failed", "message", "refused");
            assert_int_equal(rasleak_trend_write_record(w, ev, &err), 0);
            json_decref(ev);
        }
    }
    if (!cut) {
        json_t *sum = json_pack("{s:s,s:s,s:i}", "type", "summary", "stop_reason", "completed",
                                "iterations_done", n);
        assert_int_equal(rasleak_trend_write_summary(w, sum, &err), 0);
        json_decref(sum);
    } else {
        rasleak_trend_writer_flush(w, &err);
    }
    rasleak_trend_writer_free(w);
    fclose(fp);
}

static void read_back(int n, int expect_summary, int expect_events)
{
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    assert_string_equal(json_string_value(json_object_get(rasleak_trend_header(r), "format")),
                        "rasleak-trend");
    json_t *rec;
    int type, samples = 0, events = 0, summaries = 0;
    while ((type = rasleak_trend_next(r, &rec, &err)) > 0) {
        if (type == RASLEAK_REC_SAMPLE) {
            samples++;
            json_t *self = json_object_get(json_object_get(rec, "targets"), "self");
            assert_int_equal(json_integer_value(json_object_get(rec, "iter")), samples);
            assert_int_equal(json_integer_value(json_object_get(self, "handles")), 10 + samples);
            json_t *rss = json_object_get(self, "rss_bytes");
            if (samples % 2)
                assert_null(rss);  /* not available: left out, never 0 */
            else
                assert_int_equal(json_integer_value(rss), 4096 * samples);
            assert_true(fabs(json_real_value(json_object_get(rec, "t")) - samples * 0.5) < 1e-9);
            assert_string_equal(json_string_value(json_object_get(rec, "phase")),
                                samples > 2 ? "measure" : "warmup");
            assert_true(json_is_boolean(json_object_get(rec, "ok")));
            assert_int_equal(json_is_true(json_object_get(rec, "ok")), samples != 4);
            assert_int_equal(json_integer_value(json_object_get(rec, "dial_us")), 1);
            assert_int_equal(json_integer_value(json_object_get(rec, "hangup_us")), 3);
        } else if (type == RASLEAK_REC_EVENT) {
            events++;
        } else if (type == RASLEAK_REC_SUMMARY) {
            summaries++;
        }
    }
    assert_int_equal(type, RASLEAK_REC_END);
    assert_int_equal(samples, n);
    assert_int_equal(events, expect_events);
    assert_int_equal(summaries, expect_summary);
    assert_int_equal(rasleak_trend_truncated(r), !expect_summary);
    rasleak_trend_close(r);
}

static void test_roundtrip_jsonl(void **state)
{
    (void)state;
    write_file(RASLEAK_TREND_JSONL, 100, 0);
    read_back(100, 1, 1);
}

static void test_roundtrip_json(void **state)
{
    (void)state;
    write_file(RASLEAK_TREND_JSON, 100, 0);
    read_back(100, 1, 1);
    /* The document layout is one valid JSON document. */
    json_error_t jerr;
    json_t *doc = json_load_file(scratch_path, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "samples")), 100);
    assert_int_equal(json_array_size(json_object_get(doc, "events")), 1);
    assert_non_null(json_object_get(doc, "summary"));
    json_decref(doc);
}

static void truncate_file(long drop)
{
    FILE *fp = fopen(scratch_path, "r+");
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fclose(fp);
    assert_int_equal(truncate(scratch_path, len - drop), 0);
}

static void test_killed_run_is_readable(void **state)
{
    (void)state;
    /* No summary (killed), and the last record cut in the middle. */
    write_file(RASLEAK_TREND_JSONL, 50, 1);
    truncate_file(20);
    read_back(49, 0, 1);
    /* The document layout keeps events back until the summary: a killed
     * run loses them, never its samples. */
    write_file(RASLEAK_TREND_JSON, 50, 1);
    truncate_file(20);
    read_back(49, 0, 0);
}

static void write_text(const char *text)
{
    FILE *fp = fopen(scratch_path, "w");
    fputs(text, fp);
    fclose(fp);
}

/* Reading `text` fails at `line` with a message containing `needle`. */
static void expect_bad(const char *text, long line, const char *needle)
{
    write_text(text);
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    int rc = rasleak_trend_open(&r, scratch_path, &err);
    if (rc == 0) {
        json_t *rec;
        while ((rc = rasleak_trend_next(r, &rec, &err)) > 0)
            ;
        rasleak_trend_close(r);
    }
    assert_int_equal(rc, RASLEAK_EFORMAT);
    assert_int_equal(err.line, line);
    assert_string_equal(err.path, scratch_path);
    if (!strstr(err.message, needle))
        fail_msg("message '%s' lacks '%s'", err.message, needle);
}

#define H "{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":1,\"targets\":[]}\n"
#define S(i) "{\"type\":\"sample\",\"iter\":" #i ",\"t\":0.1,\"targets\":{\"self\":{\"handles\":5}}}\n"

/*
 * The same samples to `file` in `layout`: targets "self" (handles,
 * rss_bytes) and "srv" (handles); rss_bytes not available at iterations
 * 1500-1502 and not a whole number at 2300-2302; "maps" added to self
 * from iteration 2000; the dial of iteration 2100 failed.
 */
static void write_varied(const char *file, enum rasleak_trend_layout layout, int n)
{
    FILE *fp = fopen(file, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, file, layout, &err), 0);
    json_t *h = header();
    assert_int_equal(rasleak_trend_write_header(w, h, &err), 0);
    json_decref(h);
    struct rasleak_metric_value self[3] = {{"handles", 0}, {"rss_bytes", 0}, {"maps", 0}};
    struct rasleak_metric_value srv[1] = {{"handles", 0}};
    struct rasleak_target_values tv[2] = {{"self", self, 2}, {"srv", srv, 1}};
    for (int i = 1; i <= n; i++) {
        self[0].value = 10 + i % 7;
        self[1].value = i >= 1500 && i <= 1502   ? NAN
                        : i >= 2300 && i <= 2302 ? 4096.0 * i + 0.25 * (i % 3 + 1)
                                                 : 4096.0 * i - 2048.0 * (i % 3);
        self[2].value = 100 + i / 10;
        tv[0].count = i >= 2000 ? 3 : 2;
        srv[0].value = i * 3;
        struct rasleak_sample_record s = {(uint64_t)i, i * 0.25, i > 2, i != 2100,
                                          (double)(i % 11), 2.0, tv, 2};
        assert_int_equal(rasleak_trend_write_sample(w, &s, &err), 0);
    }
    json_t *sum = json_pack("{s:s,s:s,s:i}", "type", "summary", "stop_reason", "completed",
                            "iterations_done", n);
    assert_int_equal(rasleak_trend_write_summary(w, sum, &err), 0);
    json_decref(sum);
    rasleak_trend_writer_free(w);
    fclose(fp);
}

static void test_compact_matches_jsonl(void **state)
{
    (void)state;
    char other[64];
    snprintf(other, sizeof other, "/tmp/rasleak-test-trend-XXXXXX");
    int fd = mkstemp(other);
    assert_true(fd >= 0);
    close(fd);
    enum { N = 2600 };
    write_varied(scratch_path, RASLEAK_TREND_COMPACT, N);
    write_varied(other, RASLEAK_TREND_JSONL, N);
    struct rasleak_trend_reader *c, *j;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&c, scratch_path, &err), 0);
    assert_int_equal(rasleak_trend_open(&j, other, &err), 0);
    json_t *rc_, *rj;
    int tc, tj, samples = 0;
    uint64_t full[16];
    size_t nfull = 0;
    unsigned long changes = 0, last = 0;
    while ((tc = rasleak_trend_next(c, &rc_, &err)) > 0) {
        tj = rasleak_trend_next(j, &rj, &err);
        assert_int_equal(tc, tj);
        if (tc != RASLEAK_REC_SAMPLE)
            continue;
        samples++;
        struct rasleak_trend_sample a, b;
        rasleak_trend_sample(c, &a);
        rasleak_trend_sample(j, &b);
        assert_true(json_is_object(rj));
        if (json_is_object(rc_) && nfull < 16)
            full[nfull++] = a.iter;
        assert_int_equal(a.iter, (uint64_t)samples);
        assert_int_equal(b.iter, a.iter);
        /* A row keeps its time to the microsecond. */
        if (!(fabs(a.t - b.t) <= 0.5e-6))
            fail_msg("sample %d: t %.17g in the compact file, %.17g in JSON Lines", samples,
                     a.t, b.t);
        assert_int_equal(a.measure, b.measure);
        assert_int_equal(a.measure, samples > 2);
        assert_int_equal(a.ok, b.ok);
        assert_int_equal(a.ok, samples != 2100);
        assert_true(a.dial_us == b.dial_us && a.dial_us == samples % 11);
        assert_true(a.hangup_us == b.hangup_us);
        /* The row keeps the columns where rss_bytes was not measured
         * (null, NAN here); the object leaves the metric out. */
        int gap = samples >= 1500 && samples <= 1502;
        assert_int_equal(b.n, gap ? 2 : samples >= 2000 ? 4 : 3);
        assert_int_equal(a.n, samples >= 2000 ? 4 : 3);
        if (a.columns != last)
            changes++;
        last = a.columns;
        size_t have = 0;
        for (size_t k = 0; k < a.n; k++) {
            if (isnan(a.value[k])) {
                assert_true(gap);
                assert_string_equal(a.metric[k], "rss_bytes");
                continue;
            }
            assert_true(have < b.n);
            assert_string_equal(a.target[k], b.target[have]);
            assert_string_equal(a.metric[k], b.metric[have]);
            assert_true(a.value[k] == b.value[have]);
            have++;
        }
        assert_int_equal(have, b.n);
    }
    assert_int_equal(tc, RASLEAK_REC_END);
    assert_int_equal(rasleak_trend_next(j, &rj, &err), RASLEAK_REC_END);
    assert_int_equal(samples, N);
    /* Full samples: the first, the first of the measured phase, every
     * RASLEAK_TREND_FULL_EVERY, where the columns change (a new metric), a
     * failed iteration, and where a value or the one before it is not a
     * whole number, whose change a row could not carry exactly; a metric
     * not measured for a while is null in the rows. */
    const uint64_t want[] = {1,    3,    3 + RASLEAK_TREND_FULL_EVERY,
                             2000, 2100, 2300, 2301, 2302, 2303};
    assert_int_equal(nfull, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < nfull; i++)
        assert_int_equal(full[i], want[i]);
    assert_int_equal(changes, 2);
    rasleak_trend_close(c);
    rasleak_trend_close(j);
    /* Cut for two readers, the second part starts at a full sample (the
     * first after the middle of the file), and the two read every sample. */
    assert_int_equal(rasleak_trend_open(&c, scratch_path, &err), 0);
    struct rasleak_trend_reader *second;
    assert_int_equal(rasleak__trend_split(c, 0, &second, &err), 0);
    assert_non_null(second);
    assert_int_equal(rasleak_trend_next(second, &rc_, &err), RASLEAK_REC_SAMPLE);
    assert_true(json_is_object(rc_));
    struct rasleak_trend_sample first2;
    rasleak_trend_sample(second, &first2);
    assert_int_equal(first2.iter, 2000);
    int parts = 1;
    while ((tc = rasleak_trend_next(second, &rc_, &err)) > 0) {
        if (tc != RASLEAK_REC_SAMPLE)
            continue;
        parts++;
        /* Rows after the cut take their time from the full sample there. */
        rasleak_trend_sample(second, &first2);
        if (!(fabs(first2.t - (double)first2.iter * 0.25) <= 0.5e-6))
            fail_msg("second part, iteration %llu: t %.17g", (unsigned long long)first2.iter,
                     first2.t);
    }
    assert_int_equal(tc, RASLEAK_REC_END);
    while ((tc = rasleak_trend_next(c, &rc_, &err)) > 0)
        parts += tc == RASLEAK_REC_SAMPLE;
    assert_int_equal(tc, RASLEAK_REC_END);
    assert_int_equal(rasleak__trend_join(c, second, &err), 0);
    assert_int_equal(parts, N);
    rasleak_trend_close(second);
    rasleak_trend_close(c);
    /* Rows are what makes the layout compact. */
    struct stat sc, sj;
    assert_int_equal(stat(scratch_path, &sc), 0);
    assert_int_equal(stat(other, &sj), 0);
    assert_true(sc.st_size * 2 < sj.st_size);
    unlink(other);
}

/*
 * A row carries changes: its iteration is the one before plus the first
 * element, each value its column's last value plus the change (a null in
 * between leaves the last value as it was), its phase is the full
 * sample's, and ok is its own.
 */
static void test_compact_rows_are_changes(void **state)
{
    (void)state;
    write_text(H "{\"type\":\"sample\",\"iter\":4,\"t\":0.1,\"phase\":\"warmup\","
                 "\"targets\":{\"self\":{\"handles\":5,\"rss_bytes\":8192}}}\n"
                 "[3,0.3,false,7,1,[3,4096]]\n"
                 "[1,0.4,true,0,2,[null,0]]\n"
                 "[10,0.5,true,0,0,[-2,-8192]]\n");
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    static const struct {
        uint64_t iter;
        double t, handles, rss, dial;
        int ok;
    } want[] = {{4, 0.1, 5, 8192, NAN, 1},
                {7, 0.3, 8, 12288, 7, 0},
                {8, 0.4, NAN, 12288, 0, 1},
                {18, 0.5, 6, 4096, 0, 1}};
    json_t *rec;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_SAMPLE);
        struct rasleak_trend_sample smp;
        rasleak_trend_sample(r, &smp);
        assert_int_equal(smp.iter, want[i].iter);
        assert_true(smp.t == want[i].t);
        assert_int_equal(smp.measure, 0);
        assert_int_equal(smp.ok, want[i].ok);
        assert_int_equal(smp.n, 2);
        assert_string_equal(smp.metric[0], "handles");
        if (isnan(want[i].handles))
            assert_true(isnan(smp.value[0]));
        else
            assert_true(smp.value[0] == want[i].handles);
        assert_true(smp.value[1] == want[i].rss);
        if (i > 0)
            assert_true(smp.dial_us == want[i].dial);
    }
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_END);
    rasleak_trend_close(r);
}

/* The next record of r, record i of a test: a sample of this iteration
 * and time (to 1e-12 s). */
static void next_sample_at(struct rasleak_trend_reader *r, size_t i, uint64_t iter, double t,
                           struct rasleak_trend_sample *smp)
{
    json_t *rec;
    struct rasleak_error err;
    memset(&err, 0, sizeof err);
    int rc = rasleak_trend_next(r, &rec, &err);
    if (rc != RASLEAK_REC_SAMPLE)
        fail_msg("record %zu: %d (%s)", i, rc, err.message);
    rasleak_trend_sample(r, smp);
    assert_int_equal(smp->iter, iter);
    if (!(fabs(smp->t - t) < 1e-12))
        fail_msg("record %zu: t %.17g, want %.17g", i, smp->t, t);
}

/*
 * Version 2: a row's time is the microseconds since the sample before, so
 * its t is the last full sample's plus all the rows' microseconds since
 * it; a full sample starts the count again.  Version 1 rows (above) give
 * t itself.
 */
static void test_compact_v2_row_time(void **state)
{
    (void)state;
    write_text("{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":2,"
               "\"targets\":[]}\n"
               "{\"type\":\"sample\",\"iter\":4,\"t\":0.1,\"phase\":\"warmup\","
               "\"targets\":{\"self\":{\"handles\":5}}}\n"
               "[3,200000,true,0,0,[1]]\n"
               "[1,0,true,0,0,[0]]\n"
               "[1,123457,true,0,0,[0]]\n"
               "{\"type\":\"sample\",\"iter\":10,\"t\":2.5,\"phase\":\"warmup\","
               "\"targets\":{\"self\":{\"handles\":6}}}\n"
               "[1,7,true,0,0,[1]]\n");
    static const struct {
        uint64_t iter;
        double t;
    } want[] = {{4, 0.1}, {7, 0.3}, {8, 0.3}, {9, 0.423457}, {10, 2.5}, {11, 2.500007}};
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    json_t *rec;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        struct rasleak_trend_sample smp;
        next_sample_at(r, i, want[i].iter, want[i].t, &smp);
    }
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_END);
    rasleak_trend_close(r);
}

#define H3 "{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":3," \
           "\"run\":{\"sample_every\":2},\"targets\":[]}\n"
#define F3(i, t, h, rss, srv) \
    "{\"type\":\"sample\",\"iter\":" #i ",\"t\":" #t ",\"phase\":\"measure\",\"targets\":" \
    "{\"self\":{\"handles\":" #h ",\"rss_bytes\":" #rss "},\"srv\":{\"handles\":" #srv "}}}\n"

/*
 * Version 3: a row is [dt_us, dial_us, hangup_us, column, change, ...], the
 * iteration run.sample_every after the sample before, which succeeded; it
 * lists only the columns (numbered across the full sample's targets) that
 * differ from the sample before, and the others keep their state, a value
 * or none (null).
 */
static void test_compact_v3_rows(void **state)
{
    (void)state;
    write_text(H3 F3(4, 0.1, 5, 8192, 7)
               "[200000,7,1,0,3]\n"
               "[0,0,2,1,null]\n"
               "[5,0,0]\n"
               "[5,0,0,1,-4096,2,3]\n"
               F3(20, 2.5, 6, 4096, 1)
               "[7,0,0,0,1]\n");
    static const struct {
        uint64_t iter;
        double t, handles, rss, srv, dial;
    } want[] = {{4, 0.1, 5, 8192, 7, NAN},      {6, 0.3, 8, 8192, 7, 7},
                {8, 0.3, 8, NAN, 7, 0},         {10, 0.300005, 8, NAN, 7, 0},
                {12, 0.30001, 8, 4096, 10, 0},  {20, 2.5, 6, 4096, 1, NAN},
                {22, 2.500007, 7, 4096, 1, 0}};
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    json_t *rec;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        struct rasleak_trend_sample smp;
        next_sample_at(r, i, want[i].iter, want[i].t, &smp);
        assert_int_equal(smp.measure, 1);
        assert_int_equal(smp.ok, 1);
        assert_int_equal(smp.n, 3);
        assert_string_equal(smp.target[2], "srv");
        assert_true(smp.value[0] == want[i].handles);
        if (isnan(want[i].rss))
            assert_true(isnan(smp.value[1]));
        else
            assert_true(smp.value[1] == want[i].rss);
        assert_true(smp.value[2] == want[i].srv);
        if (!isnan(want[i].dial))
            assert_true(smp.dial_us == want[i].dial);
    }
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_END);
    rasleak_trend_close(r);

    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0]\n", 3,
               "sample row has 2 elements, expected 3 and then pairs of a column");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,1]\n", 3, "sample row has 4 elements");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,1,1,0,1]\n", 3,
               "columns must be whole numbers in increasing order below 3 (the columns of the "
               "full sample on line 2)");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,1,1,1,1]\n", 3, "in increasing order");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,3,1]\n", 3, "in increasing order below 3");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,-1,1]\n", 3, "in increasing order below 3");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,2,-8]\n", 3,
               "metric 'handles' of target 'srv' needs a whole-number change that leaves it >= 0");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,0,0,0,0.5]\n", 3,
               "metric 'handles' of target 'self' needs a whole-number change");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[-1,0,0]\n", 3,
               "the microseconds since the sample before, a whole number >= 0, as its first");
    expect_bad(H3 F3(4, 0.1, 5, 8192, 7) "[1,\"0\",0]\n", 3, "needs dial_us and hangup_us");
    expect_bad(H3 "[1,0,0]\n", 2, "a sample row before any full sample");
}

/*
 * The writer writes a row only for the iteration a stride (the header's
 * sample_every) after the sample before, when it succeeded: another step
 * or a failed dial is a full sample, and all read back as written (a
 * value back after a sample without one, though unchanged, is listed).
 */
static void test_compact_v3_stride(void **state)
{
    (void)state;
    FILE *fp = fopen(scratch_path, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, scratch_path, RASLEAK_TREND_COMPACT,
                                               &err), 0);
    json_t *h = json_pack("{s:s,s:s,s:i,s:{s:I,s:I},s:[{s:s}]}", "type", "header", "format",
                          "rasleak-trend", "version", 1, "run", "warmup", (json_int_t)0,
                          "sample_every", (json_int_t)3, "targets", "id", "self");
    assert_int_equal(rasleak_trend_write_header(w, h, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(h, "version")), RASLEAK_TREND_VERSION);
    json_decref(h);
    static const struct {
        uint64_t iter;
        int ok;
        double handles, rss;
        char kind;   /* '{' full, '[' row */
    } s[] = {{3, 1, 10, 4096, '{'},  {6, 1, 11, 4096, '['}, {9, 1, 11, NAN, '['},
             {12, 1, 11, 4096, '['}, {15, 0, 12, 8192, '{'}, {18, 1, 12, 8192, '['},
             {20, 1, 13, 8192, '{'}, {23, 1, 13, 8192, '['}};
    const size_t n = sizeof s / sizeof *s;
    for (size_t i = 0; i < n; i++) {
        struct rasleak_metric_value mv[2] = {{"handles", s[i].handles}, {"rss_bytes", s[i].rss}};
        struct rasleak_target_values tv = {"self", mv, 2};
        struct rasleak_sample_record smp = {s[i].iter, (double)i, 1, s[i].ok, 1.0, 1.0, &tv, 1};
        assert_int_equal(rasleak_trend_write_sample(w, &smp, &err), 0);
    }
    rasleak_trend_writer_free(w);
    fclose(fp);
    FILE *in = fopen(scratch_path, "r");
    char line[512];
    assert_non_null(fgets(line, sizeof line, in));  /* the header */
    for (size_t i = 0; i < n; i++) {
        assert_non_null(fgets(line, sizeof line, in));
        if (line[0] != s[i].kind)
            fail_msg("iteration %llu written as %s", (unsigned long long)s[i].iter, line);
    }
    fclose(in);
    struct rasleak_trend_reader *r;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    json_t *rec;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_SAMPLE);
        struct rasleak_trend_sample smp;
        rasleak_trend_sample(r, &smp);
        assert_int_equal(smp.iter, s[i].iter);
        assert_int_equal(smp.ok, s[i].ok);
        assert_true(smp.value[0] == s[i].handles);
        if (isnan(s[i].rss))
            assert_true(isnan(smp.value[1]));
        else
            assert_true(smp.value[1] == s[i].rss);
    }
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_END);
    rasleak_trend_close(r);
}

#ifdef __GLIBC__
/* A stream whose writes fail while *fail is set. */
static ssize_t flaky_write(void *cookie, const char *buf, size_t n)
{
    if (*(int *)cookie)
        return 0;   /* fopencookie's "nothing written": an error */
    FILE *fp = fopen(scratch_path, "a");
    size_t w = fwrite(buf, 1, n, fp);
    fclose(fp);
    return (ssize_t)w;
}

/*
 * A row is a change from the sample before it: once a sample could not be
 * written, the next one is written in full, so that what is in the file
 * still reads back as what was measured.
 */
static void test_compact_after_failed_write(void **state)
{
    (void)state;
    fclose(fopen(scratch_path, "w"));
    int fail = 0;
    cookie_io_functions_t io = {NULL, flaky_write, NULL, NULL};
    FILE *fp = fopencookie(&fail, "w", io);
    assert_non_null(fp);
    setvbuf(fp, NULL, _IONBF, 0);
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, scratch_path, RASLEAK_TREND_COMPACT,
                                               &err), 0);
    json_t *h = header();
    assert_int_equal(rasleak_trend_write_header(w, h, &err), 0);
    json_decref(h);
    struct rasleak_metric_value mv[1] = {{"handles", 0}};
    struct rasleak_target_values tv = {"self", mv, 1};
    for (int i = 1; i <= 6; i++) {
        mv[0].value = 10 + i;
        struct rasleak_sample_record smp = {(uint64_t)i, i * 0.1, 1, 1, 1.0, 1.0, &tv, 1};
        fail = i == 4;
        assert_int_equal(rasleak_trend_write_sample(w, &smp, &err), i == 4 ? RASLEAK_EIO : 0);
    }
    fail = 0;
    rasleak_trend_writer_free(w);
    fclose(fp);
    /* header, 1 full, 2-3 rows, 5 full, 6 a row; and they read back */
    FILE *in = fopen(scratch_path, "r");
    char line[512];
    int n = 0, full = 0;
    while (fgets(line, sizeof line, in)) {
        n++;
        if (n == 2 || n == 5)
            assert_true(line[0] == '{');
        else if (n > 2)
            assert_true(line[0] == '[');
        full += line[0] == '{';
    }
    fclose(in);
    assert_int_equal(n, 6);
    assert_int_equal(full, 3);  /* the header too */
    struct rasleak_trend_reader *r;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    json_t *rec;
    static const int iters[] = {1, 2, 3, 5, 6};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_SAMPLE);
        struct rasleak_trend_sample smp;
        rasleak_trend_sample(r, &smp);
        assert_int_equal(smp.iter, iters[i]);
        assert_true(smp.value[0] == 10 + iters[i]);
    }
    rasleak_trend_close(r);
}
#endif

static void test_malformed(void **state)
{
    (void)state;
    expect_bad("", 1, "is empty");
    expect_bad("\n\n  \n", 1, "is empty");
    expect_bad(S(1), 1, "expected a header record first");
    expect_bad("{\"type\":\"header\",\"format\":\"other\",\"version\":1,\"targets\":[]}\n", 1,
               "not a rasleak trend file");
    expect_bad("{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":7,\"targets\":[]}\n",
               1, "version 7 is newer");
    expect_bad(H S(1) "[1,2]\n" S(3), 3, "sample row has 2 elements, expected 6");
    expect_bad(H "[1,0.1,true,1,1,[5]]\n", 2, "a sample row before any full sample");
    expect_bad(H S(1) "[1,0.1,true,1,1,[5,6]]\n", 3,
               "target 'self' of a sample row needs an array of 1 values");
    expect_bad(H S(1) "[1,0.1,1,1,1,[5]]\n", 3, "ok (true or false)");
    expect_bad(H S(1) "[1,0.1,true,1,1,[\"5\"]]\n", 3,
               "metric 'handles' of target 'self' needs a whole-number change that leaves it >= 0");
    expect_bad(H S(1) "[1,0.1,true,1,1,[-6]]\n", 3,
               "metric 'handles' of target 'self' needs a whole-number change that leaves it >= 0");
    expect_bad(H S(1) "[1,0.1,true,1,1,[0.5]]\n", 3,
               "metric 'handles' of target 'self' needs a whole-number change that leaves it >= 0");
    expect_bad(H S(2) "[0,0.1,true,1,1,[5]]\n", 3,
               "the iterations since the sample before, a whole number >= 1");
    expect_bad(H S(2) "[1.5,0.1,true,1,1,[5]]\n", 3,
               "the iterations since the sample before, a whole number >= 1");
    expect_bad(H S(1) "{\"type\":\"sample\",\"iter\":2,\"t\":1,\"targets\":{\"self\":{\"handles\":-3}}}\n",
               3, "must be a number >= 0");
    expect_bad(H S(1) "{\"type\":\"sample\",\"iter\":2,\"t\":1,\"targets\":{\"self\":{\"handles\":\"5\"}}}\n",
               3, "must be a number >= 0");
    expect_bad(H S(1) "{\"type\":\"sample\",\"iter\":2,\"t\":1,\"targets\":{\"self\":{\"handles\":NaN}}}\n",
               3, "invalid JSON");
    expect_bad(H S(1) "{\"type\":\"sample\",\"iter\":2,\"t\":1,\"targets\":{\"self\":{\"handles\":1e400}}}\n",
               3, "invalid JSON");
    expect_bad(H S(2) S(1), 3, "iteration 1 does not follow iteration 2");
    expect_bad(H S(2) S(2), 3, "iteration 2 does not follow iteration 2");
    expect_bad(H S(1) "{\"type\":\"summary\",\"stop_reason\":\"completed\"}\n" S(2), 4,
               "after the summary");
    expect_bad(H H, 2, "a second header");
    expect_bad(H "{\"type\":\"bogus\"}\n", 2, "unknown record type 'bogus'");
    expect_bad(H "{\"type\":\"sample\",\"t\":1,\"targets\":{}}\n", 2, "\"iter\"");
    expect_bad(H "{\"iter\":1}\n", 2, "no \"type\"");
    expect_bad(H "garbage\n" S(1), 2, "invalid JSON");
    expect_bad("{\"header\":" "{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":1,"
               "\"targets\":[]},\n\"samples\":[\n" "{\"type\":\"sample\",\"iter\":1,\"t\":0,"
               "\"targets\":{}},\n{\"type\":\"event\",\"iter\":2}\n]}\n", 4, "expected a 'sample'");
}

static void test_crlf_and_bom_accepted(void **state)
{
    (void)state;
    write_text("\xEF\xBB\xBF{\"type\":\"header\",\"format\":\"rasleak-trend\",\"version\":1,"
               "\"targets\":[]}\r\n"
               "{\"type\":\"sample\",\"iter\":1,\"t\":0.1,\"targets\":{}}\r\n"
               "{\"type\":\"summary\",\"stop_reason\":\"completed\"}\r\n");
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, scratch_path, &err), 0);
    json_t *rec;
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_SAMPLE);
    assert_int_equal(rasleak_trend_line(r), 2);
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_SUMMARY);
    assert_int_equal(rasleak_trend_next(r, &rec, &err), RASLEAK_REC_END);
    assert_int_equal(rasleak_trend_truncated(r), 0);
    assert_int_equal(rasleak_trend_records(r), 3);
    rasleak_trend_close(r);
}

static void test_missing_file(void **state)
{
    (void)state;
    struct rasleak_trend_reader *r;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_open(&r, "/nonexistent/x.jsonl", &err), RASLEAK_ENOENT);
    assert_non_null(strstr(err.message, "cannot open '/nonexistent/x.jsonl'"));
    assert_int_equal(rasleak_trend_open(&r, "/tmp", &err), RASLEAK_EIO);
    assert_non_null(strstr(err.message, "is a directory"));
}

static void test_writer_steady_state_does_not_allocate(void **state)
{
    (void)state;
    /* The same sample many times: the file grows, the heap does not. */
    FILE *fp = fopen(scratch_path, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    rasleak_trend_writer_open(&w, fp, scratch_path, RASLEAK_TREND_JSONL, &err);
    json_t *h = header();
    rasleak_trend_write_header(w, h, &err);
    json_decref(h);
    struct rasleak_metric_value mv[1] = {{"handles", 5}};
    struct rasleak_target_values tv = {"self", mv, 1};
    struct rasleak_sample_record s = {1, 0.1, 1, 1, 1, 1, &tv, 1};
    rasleak_trend_write_sample(w, &s, &err);
    for (int i = 2; i < 100000; i++) {
        s.iter = (uint64_t)i;
        mv[0].value = i;
        assert_int_equal(rasleak_trend_write_sample(w, &s, &err), 0);
    }
    rasleak_trend_writer_free(w);
    fclose(fp);
    /* Checked by the sanitizer and valgrind runs: nothing leaked. */
    FILE *in = fopen(scratch_path, "r");
    char line[256];
    long lines = 0;
    while (fgets(line, sizeof line, in))
        lines++;
    fclose(in);
    assert_int_equal(lines, 100000);
}

static void test_write_error_reported(void **state)
{
    (void)state;
    /* Under Wine the path reaches the host's device through drive Z:, but
     * not its "disk full" answer. */
    if (rasleak__is_wine(NULL))
        skip();
    /* Never fopen(.., "w"): where /dev/full is missing that would create
     * a plain file there, and every later test would write to it. */
    int fd = open("/dev/full", O_WRONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
        fail_msg("/dev/full is not the full device");
    FILE *fp = fdopen(fd, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, "/dev/full", RASLEAK_TREND_JSONL, &err), 0);
    json_t *h = header();
    assert_int_equal(rasleak_trend_write_header(w, h, &err), RASLEAK_EIO);
    assert_non_null(strstr(err.message, "cannot write '/dev/full'"));
    json_decref(h);
    rasleak_trend_writer_free(w);
    fclose(fp);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)
    const struct CMUnitTest tests[] = {
        T(test_roundtrip_jsonl),
        T(test_roundtrip_json),
        T(test_killed_run_is_readable),
        T(test_compact_matches_jsonl), T(test_compact_rows_are_changes),
        T(test_compact_v2_row_time),
        T(test_compact_v3_rows),
        T(test_compact_v3_stride),
#ifdef __GLIBC__
        T(test_compact_after_failed_write),
#endif
        T(test_malformed),
        T(test_crlf_and_bom_accepted),
        cmocka_unit_test(test_missing_file),
        T(test_writer_steady_state_does_not_allocate),
        cmocka_unit_test(test_write_error_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
