/*
 * Unit tests: the HTML report (src/lib/report/): escaping and units, the
 * per-pixel-column reduction, and whole reports of synthetic trend files,
 * parsed as XML and checked point by point against the data they draw.
 */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "rasleak/analysis.h"
#include "rasleak/report.h"
#include "rasleak/trend.h"
#include "report/bins.h"
#include "report/text.h"

static char dir[64], trend[128], html[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/rasleak-test-report-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(trend, sizeof trend, "%s/trend.jsonl", dir);
    snprintf(html, sizeof html, "%s/report.html", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(trend);
    unlink(html);
    return rmdir(dir);
}

static char *slurp(const char *p)
{
    FILE *fp = fopen(p, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    size_t got = fread(b, 1, (size_t)n, fp);
    b[got] = '\0';
    fclose(fp);
    return b;
}

/* ---- text ----------------------------------------------------------------- */

static const char *escaped(const char *in)
{
    static char out[512];
    FILE *fp = fmemopen(out, sizeof out, "w");
    rasleak__html(fp, in);
    fclose(fp);
    return out;
}

static void test_escaping(void **state)
{
    (void)state;
    assert_string_equal(escaped("<a href=\"x\">&'</a>"),
                        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    /* controls XML forbids, and bytes that are not UTF-8, become U+FFFD */
    assert_string_equal(escaped("a\x01" "b\x7f" "c\xff" "d\xc3"), "a&#65533;b&#65533;c&#65533;d&#65533;");
    assert_string_equal(escaped("tab\tnl\n \xc3\xa9\xe2\x82\xac"), "tab\tnl\n \xc3\xa9\xe2\x82\xac");
    assert_string_equal(escaped("\xef\xbf\xbe"), "&#65533;");   /* U+FFFE */
    assert_string_equal(escaped("\xed\xa0\x80"), "&#65533;&#65533;&#65533;");  /* a surrogate */
}

static void test_units(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 1.5 * 1048576, "rss_bytes", 1), "+1.50 MiB");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 300 * 1024, "heap_bytes", 0), "300.0 KiB");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 512, "pool_bytes", 0), "512 B");
    /* a slow growth keeps its digits: not "0 B below the minimum 0 B" */
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 0.0034509, "rss_bytes", 0), "0.00345 B");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 0.1, "rss_bytes", 0), "0.1 B");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 3.4509, "rss_bytes", 1), "+3.45 B");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 45.61, "rss_bytes", 0), "45.6 B");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 512.4, "rss_bytes", 0), "512 B");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 1234, "handles", 1), "+1,234 handles");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 3, "handles.socket", 0), "3 handles");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 0.25, "threads", 0), "0.25 threads");
    /* One of a kind is singular; so is minus one. */
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 1, "handles", 1), "+1 handle");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, -1, "threads", 0), "-1 thread");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, 10, "handles", 0), "10 handles");
    assert_string_equal(rasleak__fmt_amount(b, sizeof b, NAN, "threads", 0), "n/a");
    assert_string_equal(rasleak__fmt_grouped(b, sizeof b, -1234567), "-1,234,567");
    assert_string_equal(rasleak__fmt_iter_tick(b, sizeof b, 2500), "2,500");
    assert_string_equal(rasleak__fmt_iter_tick(b, sizeof b, 250000), "250k");
    assert_string_equal(rasleak__fmt_iter_tick(b, sizeof b, 1500000), "1.5M");
    assert_string_equal(rasleak__fmt_clock(b, sizeof b, 65), "1:05");
    assert_string_equal(rasleak__fmt_clock(b, sizeof b, 3725), "1:02:05");
    assert_string_equal(rasleak__fmt_duration(b, sizeof b, 725), "12 min 5 s");
    const char *suffix;
    assert_true(rasleak__axis_unit("rss_bytes", 3.0 * 1048576, &suffix) == 1048576);
    assert_string_equal(suffix, "MiB");
    assert_true(rasleak__axis_unit("handles", 3e9, &suffix) == 1);
    assert_true(rasleak__nice_step(1000, 5) == 200);
    assert_true(rasleak__nice_step(7, 5) == 1);
    assert_true(fabs(rasleak__nice_step(0.37, 5) - 0.1) < 1e-12);
    assert_true(fabs(rasleak__nice_step(0.3, 5) - 0.05) < 1e-12);
}

/* ---- bins ----------------------------------------------------------------- */

static void test_bins_keep_spikes(void **state)
{
    (void)state;
    struct rasleak__bins b;
    assert_int_equal(rasleak__bins_init(&b, 0, 1000000, 50), 0);
    for (long i = 1; i <= 1000000; i++) {
        double y = (double)(i % 10);
        if (i == 123457)
            y = 1000;           /* one spike up */
        if (i == 876543)
            y = -1000;          /* one spike down */
        rasleak__bins_add(&b, (double)i, y);
    }
    assert_int_equal(b.n, 1000000);
    assert_true(b.ymax == 1000 && b.ymin == -1000);
    size_t total = 0, hi = 0, lo = 0;
    for (size_t c = 0; c < b.ncols; c++) {
        double x[4], y[4];
        size_t n = rasleak__bins_points(&b, c, x, y);
        assert_true(n >= 1 && n <= 4);
        for (size_t i = 1; i < n; i++)
            assert_true(x[i] > x[i - 1]);      /* in the order they occurred */
        for (size_t i = 0; i < n; i++) {
            if (y[i] == 1000) {
                assert_true(x[i] == 123457);
                hi++;
            }
            if (y[i] == -1000) {
                assert_true(x[i] == 876543);
                lo++;
            }
        }
        total += n;
    }
    assert_int_equal(hi, 1);
    assert_int_equal(lo, 1);
    assert_true(total <= 4 * b.ncols);
    /* column 0 holds [0, 20000): iterations 1..19999, whose i % 10 sum to 90000 */
    assert_true(b.col[0].xfirst == 1 && b.col[0].xlast == 19999 && b.col[0].n == 19999);
    assert_true(b.col[0].sum == 90000);
    assert_true(b.col[1].xfirst == 20000);
    rasleak__bins_free(&b);
}

static void test_bins_few_points_are_exact(void **state)
{
    (void)state;
    struct rasleak__bins b;
    assert_int_equal(rasleak__bins_init(&b, 0, 10, 100), 0);
    for (int i = 1; i <= 10; i++)
        rasleak__bins_add(&b, i, i * i);
    size_t seen = 0;
    for (size_t c = 0; c < b.ncols; c++) {
        double x[4], y[4];
        size_t n = rasleak__bins_points(&b, c, x, y);
        assert_true(n <= 1);
        if (n) {
            assert_true(y[0] == x[0] * x[0]);
            seen++;
        }
    }
    assert_int_equal(seen, 10);
    assert_int_equal(rasleak__bins_column(&b, 10), 99);
    assert_int_equal(rasleak__bins_column(&b, -5), 0);
    assert_int_equal(rasleak__bins_column(&b, 50), 99);
    rasleak__bins_free(&b);
}

/* ---- whole reports -------------------------------------------------------- */

#define MIB 1048576.0

static double rss_of(long i, long spike)
{
    return 8 * MIB + (double)(i % 7) * 4096 + (i == spike ? 64 * MIB : 0);
}

/*
 * A trend file: handles = 10 + i (a leak with a handle limit of 1000), an
 * rss with one spike, two handle types, a failed dial, a suspects record,
 * and backend options no page should show as they are.
 */
static void make_trend(long n, long warmup, long spike, long fail_iter)
{
    FILE *fp = fopen(trend, "w");
    struct rasleak_trend_writer *w;
    struct rasleak_error err;
    assert_int_equal(rasleak_trend_writer_open(&w, fp, trend, RASLEAK_TREND_JSONL, &err), 0);
    json_t *h = json_pack(
        "{s:s,s:s,s:i,s:s,s:s,"
        "s:{s:s,s:s,s:s,s:i},"
        "s:{s:s,s:{s:s,s:s,s:s,s:s,s:[s,s]}},"
        "s:{s:I,s:I,s:f,s:i,s:i,s:f},"
        "s:[{s:s,s:i,s:s,s:{s:i,s:n,s:n}}]}",
        "type", "header", "format", "rasleak-trend", "version", 1, "tool_version", "0.1.0",
        "started", "2026-01-01T00:00:00.000Z",
        "host", "os", "linux", "os_release", "6.1", "hostname", "<b>box&amp;</b>", "cpus", 2,
        "backend", "name", "mock", "options", "note", "<script>alert(1)</script> & \x01 ctl",
        "password", "hunter2", "url", "https://alice:s3cret@example.invalid/x", "leak_handles",
        "1", "hosts", "a", "b",
        "run", "iterations", (json_int_t)n, "warmup", (json_int_t)warmup, "interval_ms", 0.0,
        "sample_every", 1, "max_failures", 10, "duration_s", 0.0,
        "targets", "id", "self", "pid", 42, "name", "rasleak", "limits", "handles", 1000,
        "memory_bytes", "vm_bytes");
    assert_non_null(h);
    assert_int_equal(rasleak_trend_write_header(w, h, &err), 0);
    json_decref(h);
    struct rasleak_metric_value mv[4] = {
        {"handles", 0}, {"rss_bytes", 0}, {"handles.socket", 0}, {"handles.file", 0}};
    struct rasleak_target_values tv = {"self", mv, 4};
    for (long i = 1; i <= n; i++) {
        mv[0].value = 10 + (double)i;
        mv[1].value = rss_of(i, spike);
        mv[2].value = floor((double)i / 2);
        mv[3].value = 3;
        if (i == fail_iter) {
            json_t *ev = json_pack("{s:s,s:I,s:f,s:s,s:i,s:s}", "type", "event", "iter",
                                   (json_int_t)i, "t", i * 0.01, "kind", "dial_failed", "code",
                                   111, "message", "refused <b>by peer</b>");
            assert_int_equal(rasleak_trend_write_record(w, ev, &err), 0);
            json_decref(ev);
        }
        struct rasleak_sample_record s = {(uint64_t)i, i * 0.01, i > warmup, i != fail_iter,
                                          1, 1, &tv, 1};
        assert_int_equal(rasleak_trend_write_sample(w, &s, &err), 0);
    }
    json_t *sus = json_pack("{s:s,s:I,s:s,s:[{s:s,s:i,s:s}]}", "type", "suspects", "iter",
                            (json_int_t)n, "target", "self", "items", "kind", "socket",
                            "count", 5, "where", "dial()<x>");
    assert_int_equal(rasleak_trend_write_record(w, sus, &err), 0);
    json_decref(sus);
    json_t *sum = json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:f,s:I}", "type", "summary", "ended",
                            "2026-01-01T00:00:10.000Z", "iterations_done", (json_int_t)n,
                            "stop_reason", "completed", "dial_failures", (json_int_t)1,
                            "hangup_failures", (json_int_t)0, "duration_s", n * 0.01,
                            "connections_left_open", (json_int_t)0);
    assert_int_equal(rasleak_trend_write_summary(w, sum, &err), 0);
    json_decref(sum);
    rasleak_trend_writer_free(w);
    fclose(fp);
}

static struct rasleak_analysis *write_report(unsigned width)
{
    struct rasleak_analysis *a;
    struct rasleak_error err;
    if (rasleak_analyze_file(trend, NULL, &a, &err) < 0)
        fail_msg("analyze: %s", err.message);
    struct rasleak_report_config cfg;
    rasleak_report_config_init(&cfg);
    if (width)
        cfg.plot_width = width;
    FILE *fp = fopen(html, "w");
    assert_non_null(fp);
    if (rasleak_report_write(fp, trend, a, &cfg, &err) < 0)
        fail_msg("report: %s", err.message);
    fclose(fp);
    return a;
}

/* The page, parsed as XML; any error fails the test. */
static xmlDocPtr parse_xml(void)
{
    xmlResetLastError();
    xmlDocPtr doc = xmlReadFile(html, NULL, XML_PARSE_NONET);
    const xmlError *e = xmlGetLastError();
    if (!doc || e)
        fail_msg("report is not well-formed XML: %s (line %d)", e ? e->message : "?",
                 e ? e->line : 0);
    return doc;
}

static xmlXPathObjectPtr query(xmlDocPtr doc, const char *xpath)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
    xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
    xmlXPathFreeContext(ctx);
    assert_non_null(r);
    return r;
}

static int count(xmlDocPtr doc, const char *xpath)
{
    xmlXPathObjectPtr r = query(doc, xpath);
    int n = r->nodesetval ? r->nodesetval->nodeNr : 0;
    xmlXPathFreeObject(r);
    return n;
}

static double attr_num(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    assert_non_null(v);
    double d = strtod((const char *)v, NULL);
    xmlFree(v);
    return d;
}

/* The data points of one chart, turned back into (iteration, value). */
struct points {
    size_t n;
    double *x, *y;
    double tolx, toly;   /* what one tenth of a pixel is worth, doubled */
};

static struct points chart_points(xmlDocPtr doc, const char *title)
{
    char xp[256];
    snprintf(xp, sizeof xp, "//s:svg[s:title='%s']//s:polyline[@class='data']", title);
    xmlXPathObjectPtr r = query(doc, xp);
    if (!r->nodesetval || r->nodesetval->nodeNr != 1)
        fail_msg("no single data line in the chart '%s'", title);
    xmlNodePtr node = r->nodesetval->nodeTab[0];
    double x0 = attr_num(node, "data-x0"), x1 = attr_num(node, "data-x1");
    double y0 = attr_num(node, "data-y0"), y1 = attr_num(node, "data-y1");
    xmlChar *plot = xmlGetProp(node, BAD_CAST "data-plot");
    double left, top, w, h;
    assert_int_equal(sscanf((const char *)plot, "%lf %lf %lf %lf", &left, &top, &w, &h), 4);
    xmlFree(plot);
    xmlChar *pts = xmlGetProp(node, BAD_CAST "points");
    struct points p = {0, NULL, NULL, (x1 - x0) / w * 0.1, (y1 - y0) / h * 0.1};
    size_t cap = 0;
    const char *s = (const char *)pts;
    double px, py;
    int used;
    while (sscanf(s, "%lf,%lf%n", &px, &py, &used) == 2) {
        if (p.n == cap) {
            cap = cap ? cap * 2 : 256;
            p.x = realloc(p.x, cap * sizeof *p.x);
            p.y = realloc(p.y, cap * sizeof *p.y);
        }
        p.x[p.n] = x0 + (px - left) / w * (x1 - x0);
        p.y[p.n] = y0 + (top + h - py) / h * (y1 - y0);
        p.n++;
        s += used;
    }
    xmlFree(pts);
    xmlXPathFreeObject(r);
    return p;
}

static void free_points(struct points *p)
{
    free(p->x);
    free(p->y);
}

static void test_small_report(void **state)
{
    (void)state;
    make_trend(200, 20, 150, 120);
    struct rasleak_analysis *a = write_report(0);
    xmlDocPtr doc = parse_xml();

    /* four series charts and the stacked chart of handle types */
    assert_int_equal(count(doc, "//s:svg"), 5);
    assert_int_equal(count(doc, "//s:svg[s:title='self handles']//s:rect[@class='warmup']"), 1);

    /* every sample is a point, and each point is the sample it claims */
    struct points p = chart_points(doc, "self handles");
    assert_int_equal(p.n, 200);
    for (size_t i = 0; i < p.n; i++) {
        assert_true(fabs(p.x[i] - (double)(i + 1)) <= p.tolx * 1.5);
        assert_true(fabs(p.y[i] - (11 + (double)i)) <= p.toly * 1.5);
    }
    free_points(&p);
    p = chart_points(doc, "self rss_bytes");
    assert_int_equal(p.n, 200);
    for (size_t i = 0; i < p.n; i += 37)
        assert_true(fabs(p.y[i] - rss_of((long)i + 1, 150)) <= p.toly * 1.5);
    assert_true(fabs(p.y[149] - rss_of(150, 150)) <= p.toly * 1.5);   /* the spike */
    free_points(&p);

    /* Sen's line is the analyzer's, the band is there, the failed dial is marked */
    xmlXPathObjectPtr r = query(doc, "//s:svg[s:title='self handles']//s:line[@class='sen']");
    assert_int_equal(r->nodesetval->nodeNr, 1);
    assert_true(fabs(attr_num(r->nodesetval->nodeTab[0], "data-slope") - 1) < 1e-9);
    xmlXPathFreeObject(r);
    assert_int_equal(count(doc, "//s:svg[s:title='self handles']//s:polygon[@class='band']"), 1);
    assert_int_equal(count(doc, "//s:svg[s:title='self handles']//s:path[@data-iter='120']"), 1);

    /* limit 1000 is reached at iteration 990, within ten times the run: drawn */
    r = query(doc, "//s:svg[s:title='self handles']//s:circle[@class='exhaustion']");
    assert_int_equal(r->nodesetval->nodeNr, 1);
    assert_true(fabs(attr_num(r->nodesetval->nodeTab[0], "data-iter") - 990) <= 1);
    xmlXPathFreeObject(r);
    assert_int_equal(count(doc, "//s:svg[s:title='self handles']//s:line[@class='limit']"), 1);

    /* handle types stacked, suspects and events shown */
    assert_int_equal(count(doc, "//s:polygon[@class='layer']"), 2);
    assert_int_equal(count(doc, "//s:polygon[@data-metric='handles.socket']"), 1);
    assert_int_equal(count(doc, "//h:h2[@id='suspects']"), 1);
    assert_int_equal(count(doc, "//h:td[.='dial()<x>']"), 1);
    assert_int_equal(count(doc, "//h:h2[@id='events']"), 1);
    assert_int_equal(count(doc, "//h:div[@id='verdict' and contains(@class,'v-leak')]"), 1);
    /* nothing executable, nothing fetched */
    assert_int_equal(count(doc, "//h:script | //s:script | //*[@src] | //h:link"), 0);
    xmlFreeDoc(doc);

    char *text = slurp(html);
    assert_null(strstr(text, "<script"));
    assert_non_null(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#65533; ctl"));
    assert_non_null(strstr(text, "&lt;b&gt;box&amp;amp;&lt;/b&gt;"));
    assert_null(strstr(text, "hunter2"));
    assert_null(strstr(text, "s3cret"));
    assert_non_null(strstr(text, "https://alice:(redacted)@example.invalid/x"));
    assert_non_null(strstr(text, "refused &lt;b&gt;by peer&lt;/b&gt;"));
    assert_null(strstr(text, "http://") == NULL ? NULL : strstr(text, "src=\"http"));
    free(text);
    rasleak_analysis_free(a);
}

static void test_large_report_is_bounded(void **state)
{
    (void)state;
    const long n = 100000, spike = 77777;
    make_trend(n, 1000, spike, 50000);
    struct rasleak_analysis *a = write_report(0);
    struct stat st;
    assert_int_equal(stat(html, &st), 0);
    assert_true(st.st_size < 2 * 1024 * 1024);
    xmlDocPtr doc = parse_xml();

    struct points p = chart_points(doc, "self rss_bytes");
    assert_true(p.n > 860 && p.n <= 4 * 860);
    size_t top = 0;
    for (size_t i = 1; i < p.n; i++)
        if (p.y[i] > p.y[top])
            top = i;
    /* the one-sample spike survives the reduction, where it happened */
    assert_true(fabs(p.y[top] - rss_of(spike, spike)) <= p.toly * 1.5);
    assert_true(fabs(p.x[top] - (double)spike) <= p.tolx * 1.5);
    free_points(&p);

    p = chart_points(doc, "self handles");
    assert_true(p.n <= 4 * 860);
    for (size_t i = 0; i < p.n; i++)
        assert_true(fabs(p.y[i] - (10 + p.x[i])) <= p.toly * 1.5 + p.tolx * 1.5);
    free_points(&p);
    /* the line met the limit of 1000 at iteration 990, inside the run: marked there */
    xmlXPathObjectPtr r = query(doc, "//s:circle[@class='exhaustion']");
    assert_int_equal(r->nodesetval->nodeNr, 1);
    assert_true(fabs(attr_num(r->nodesetval->nodeTab[0], "data-iter") - 990) <= 1);
    xmlXPathFreeObject(r);
    xmlFreeDoc(doc);
    rasleak_analysis_free(a);
}

static void test_projection_within_ten_runs_only(void **state)
{
    (void)state;
    /* 50 iterations, limit 1000 met at about 990: past ten times the run */
    make_trend(50, 5, 0, 0);
    struct rasleak_analysis *a = write_report(0);
    const struct rasleak_series_result *h = NULL;
    for (size_t i = 0; i < a->nseries; i++)
        if (strcmp(a->series[i].metric, "handles") == 0)
            h = &a->series[i];
    assert_non_null(h);
    assert_int_equal(h->verdict, RASLEAK_LEAK);
    assert_true(h->exhausted_at_iter > 500);
    xmlDocPtr doc = parse_xml();
    assert_int_equal(count(doc, "//s:circle[@class='exhaustion']"), 0);
    assert_int_equal(count(doc, "//s:line[@class='projection']"), 0);
    /* the axis ends with the run */
    struct points p = chart_points(doc, "self handles");
    xmlXPathObjectPtr r = query(doc, "//s:svg[s:title='self handles']//s:polyline[@class='data']");
    assert_true(attr_num(r->nodesetval->nodeTab[0], "data-x1") == 50);
    xmlXPathFreeObject(r);
    free_points(&p);
    xmlFreeDoc(doc);
    /* the words still say when it runs out */
    char *text = slurp(html);
    assert_non_null(strstr(text, "At this rate it reaches its limit of 1,000 handles at iteration"));
    free(text);
    rasleak_analysis_free(a);
}

static void test_write_errors(void **state)
{
    (void)state;
    make_trend(50, 5, 0, 0);
    struct rasleak_analysis *a;
    struct rasleak_error err;
    assert_int_equal(rasleak_analyze_file(trend, NULL, &a, &err), 0);
    /* Opened without O_CREAT: a missing /dev/full must not become a file. */
    int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
        fail_msg("/dev/full is not the full device");
    FILE *full = fdopen(fd, "w");
    assert_non_null(full);
    assert_int_equal(rasleak_report_write(full, trend, a, NULL, &err), RASLEAK_EIO);
    assert_non_null(strstr(err.message, "cannot write the report"));
    fclose(full);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(rasleak_report_write(devnull, "-", a, NULL, &err), RASLEAK_EINVAL);
    unlink(trend);   /* gone between analysis and report */
    assert_int_equal(rasleak_report_write(devnull, trend, a, NULL, &err) < 0, 1);
    fclose(devnull);
    rasleak_analysis_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_bins_keep_spikes),
        cmocka_unit_test(test_bins_few_points_are_exact),
        cmocka_unit_test_setup_teardown(test_small_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_report_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projection_within_ten_runs_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    xmlCleanupParser();
    return rc;
}
