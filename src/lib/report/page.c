/*
 * page.c - the parts of the report that are not charts: the verdict in
 * words, the run's facts, the figures behind each verdict, and sections
 * for records and analysis members that later versions add.
 *
 * The page is polyglot: HTML5 that is also well-formed XML (every element
 * closed, only numeric character references), so it opens in any browser
 * and parses with any XML tool.  No script, no external reference.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak_config.h"
#include "report/page.h"
#include "report/text.h"

static const char style[] =
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif;"
    "color:#222;max-width:1040px;margin:0 auto;padding:10px 20px 40px}\n"
    "h1{font-size:20px;margin:4px 0 6px}\n"
    "h2{font-size:17px;margin:22px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}\n"
    "h3{font-size:15px;margin:0 0 2px}\n"
    ".verdict{padding:6px 12px;border-radius:4px;margin:4px 0 8px;border-left:6px solid #999}\n"
    ".verdict p,.verdict ul{margin:2px 0}\n"
    ".v-leak{background:#fdecea;border-color:#d62728}\n"
    ".v-no_leak{background:#eaf6ea;border-color:#2ca02c}\n"
    ".v-inconclusive{background:#fff6e0;border-color:#c08a00}\n"
    ".facts{display:grid;grid-template-columns:max-content 1fr max-content 1fr;"
    "gap:1px 14px;margin:0;font-size:13px}\n"
    ".facts dt{color:#666}\n.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "section.series{margin:12px 0 22px;break-inside:avoid}\n"
    "svg.chart{width:100%;height:auto;display:block}\n"
    ".pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;"
    "font-weight:normal;color:#fff;background:#888}\n"
    ".pill.leak{background:#d62728}\n.pill.no_leak{background:#2ca02c}\n"
    ".pill.inconclusive{background:#c08a00}\n"
    ".why,.stats{margin:0;font-size:13px}\n.stats{color:#555}\n"
    ".legend{font-size:12px;color:#555;margin:0}\n.legend span{margin-right:14px}\n"
    ".sw{display:inline-block;width:16px;height:3px;vertical-align:middle;margin-right:4px}\n"
    ".sw.box{height:10px}\n"
    "table{border-collapse:collapse;font-size:13px;margin:4px 0}\n"
    "td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}\n"
    "th{background:#f5f5f5;font-weight:600}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "details{font-size:13px;margin-top:3px}\n.note{color:#666;font-size:12px}\n"
    "@media print{body{max-width:none}section.series{page-break-inside:avoid}}\n";

void rasleak__page_head(struct rasleak__page *p)
{
    FILE *fp = p->fp;
    fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
          "<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"rasleak " RASLEAK_VERSION "\"/>\n<title>",
          fp);
    rasleak__html(fp, p->title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
    rasleak__html(fp, p->title);
    fputs("</h1>\n", fp);
}

static const char *stop_words(const char *reason)
{
    if (!reason || !*reason)
        return "the file was cut short: no summary";
    if (strcmp(reason, "completed") == 0)
        return "completed all iterations";
    if (strcmp(reason, "interrupted") == 0)
        return "interrupted (Ctrl-C or a termination signal)";
    if (strcmp(reason, "max_failures") == 0)
        return "stopped after too many failed dials in a row";
    if (strcmp(reason, "duration") == 0)
        return "stopped at its time limit";
    if (strcmp(reason, "error") == 0)
        return "stopped by an error";
    return reason;
}

static void series_name(FILE *fp, const struct rasleak_series_result *s)
{
    fputs("<b>", fp);
    rasleak__html(fp, s->target);
    fputc(' ', fp);
    rasleak__html(fp, s->metric);
    fputs("</b>", fp);
}

static void leak_sentence(FILE *fp, const struct rasleak_series_result *s)
{
    char b1[48], b2[48], b3[48], b4[48], b5[48], b6[48], b7[48];
    fputs("<li>", fp);
    series_name(fp, s);
    fprintf(fp, " grows by %s per iteration (95%% interval %s to %s), from %s to %s over "
                "iterations %s to %s. ",
            rasleak__fmt_amount(b1, sizeof b1, s->slope_per_iter, s->metric, 1),
            rasleak__fmt_amount(b2, sizeof b2, s->slope_lo, s->metric, 1),
            rasleak__fmt_amount(b3, sizeof b3, s->slope_hi, s->metric, 1),
            rasleak__fmt_amount(b4, sizeof b4, s->first_value, s->metric, 0),
            rasleak__fmt_amount(b5, sizeof b5, s->last_value, s->metric, 0),
            rasleak__fmt_grouped(b6, sizeof b6, s->first_iter),
            rasleak__fmt_grouped(b7, sizeof b7, s->last_iter));
    if (isfinite(s->reached_limit_iter))
        fprintf(fp, "It ran out: it reached its limit of %s at iteration %s.",
                rasleak__fmt_amount(b1, sizeof b1, s->limit, s->metric, 0),
                rasleak__fmt_grouped(b2, sizeof b2, s->reached_limit_iter));
    else if (isfinite(s->exhausted_at_iter))
        fprintf(fp, "At this rate it reaches its limit of %s at iteration %s, %s after the last "
                    "sample.",
                rasleak__fmt_amount(b1, sizeof b1, s->limit, s->metric, 0),
                rasleak__fmt_grouped(b2, sizeof b2, s->exhausted_at_iter),
                rasleak__fmt_duration(b3, sizeof b3, s->exhausted_in_s));
    else
        fputs("No limit is known for it, so no exhaustion is projected.", fp);
    fputs("</li>\n", fp);
}

void rasleak__page_verdict(struct rasleak__page *p)
{
    FILE *fp = p->fp;
    const struct rasleak_analysis *a = p->a;
    size_t leaks = 0, plateaus = 0;
    for (size_t i = 0; i < a->nseries; i++) {
        leaks += a->series[i].verdict == RASLEAK_LEAK;
        plateaus += a->series[i].verdict == RASLEAK_NO_LEAK &&
                    strncmp(a->series[i].reason, "plateau", 7) == 0;
    }
    char n1[32], n2[32], n3[32];
    fprintf(fp, "<div class=\"verdict v-%s\" id=\"verdict\">\n", rasleak_verdict_name(a->verdict));
    if (a->verdict == RASLEAK_LEAK) {
        fprintf(fp, "<p><b>Leak found.</b> %zu of %zu series grow steadily after the warm-up:"
                    "</p>\n<ul>\n", leaks, a->nseries);
        for (size_t i = 0; i < a->nseries; i++)
            if (a->series[i].verdict == RASLEAK_LEAK)
                leak_sentence(fp, &a->series[i]);
        fputs("</ul>\n", fp);
    } else if (a->verdict == RASLEAK_NO_LEAK) {
        fprintf(fp, "<p><b>No leak.</b> None of the %zu series grows over the %s measured "
                    "iterations (iterations %s to %s).</p>\n",
                a->nseries,
                rasleak__fmt_grouped(n1, sizeof n1, (double)a->iterations_done - (double)a->warmup),
                rasleak__fmt_grouped(n2, sizeof n2, (double)a->warmup + 1),
                rasleak__fmt_grouped(n3, sizeof n3, (double)a->iterations_done));
    } else {
        fprintf(fp, "<p><b>Inconclusive.</b> %s</p>\n",
                a->nseries ? "Some series could not be judged:"
                           : "The file holds no measured samples to judge.");
        fputs("<ul>\n", fp);
        for (size_t i = 0; i < a->nseries; i++)
            if (a->series[i].verdict == RASLEAK_INCONCLUSIVE) {
                fputs("<li>", fp);
                series_name(fp, &a->series[i]);
                fputs(": ", fp);
                rasleak__html(fp, a->series[i].reason);
                fputs("</li>\n", fp);
            }
        fputs("</ul>\n", fp);
    }
    if (plateaus) {
        fputs("<p>Growth that stopped is not a leak:</p>\n<ul>\n", fp);
        for (size_t i = 0; i < a->nseries; i++)
            if (a->series[i].verdict == RASLEAK_NO_LEAK &&
                strncmp(a->series[i].reason, "plateau", 7) == 0) {
                fputs("<li>", fp);
                series_name(fp, &a->series[i]);
                fputs(": ", fp);
                rasleak__html(fp, a->series[i].reason);
                fputs("</li>\n", fp);
            }
        fputs("</ul>\n", fp);
    }
    if (a->dial_failures || isfinite(a->first_failure_iter)) {
        fprintf(fp, "<p>Dialing failed %s times, first at iteration %s: ",
                rasleak__fmt_grouped(n1, sizeof n1, (double)a->dial_failures),
                rasleak__fmt_grouped(n2, sizeof n2, a->first_failure_iter));
        rasleak__html(fp, a->first_failure);
        fputs(".</p>\n", fp);
    }
    if (a->truncated)
        fprintf(fp, "<p>The trend file was cut short (the run was killed): this report shows "
                    "the %s samples that were complete.</p>\n",
                rasleak__fmt_grouped(n1, sizeof n1, (double)a->samples));
    fputs("</div>\n", fp);
}

/* Keys whose values are secrets even when a backend forgot to flag them. */
static int secret_key(const char *key)
{
    static const char *const words[] = {"pass", "secret", "token", "auth", "credential",
                                        "apikey", "api_key", "cookie", "private"};
    char low[128];
    size_t i;
    for (i = 0; key[i] && i + 1 < sizeof low; i++)
        low[i] = (char)tolower((unsigned char)key[i]);
    low[i] = '\0';
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
        if (strstr(low, words[w]))
            return 1;
    return 0;
}

/* A value, with the password of a URL's user information left out. */
static void option_value(FILE *fp, const char *key, const char *v)
{
    if (secret_key(key)) {
        fputs("(redacted)", fp);
        return;
    }
    const char *scheme = strstr(v, "://");
    if (scheme) {
        const char *auth = scheme + 3;
        size_t hostpart = strcspn(auth, "/?#");
        const char *at = memchr(auth, '@', hostpart);
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            char head[1024];
            snprintf(head, sizeof head, "%.*s", (int)(colon + 1 - v), v);
            rasleak__html(fp, head);
            fputs("(redacted)", fp);
            rasleak__html(fp, at);
            return;
        }
    }
    rasleak__html(fp, v);
}

static void options_list(FILE *fp, json_t *opts)
{
    const char *key;
    json_t *v;
    int first = 1;
    json_object_foreach(opts, key, v) {
        fputs(first ? "" : ", ", fp);
        first = 0;
        fputs("<code>", fp);
        rasleak__html(fp, key);
        fputs("=", fp);
        if (json_is_array(v)) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                fputs(i ? "," : "", fp);
                option_value(fp, key, json_is_string(e) ? json_string_value(e) : "?");
            }
        } else if (json_is_string(v)) {
            option_value(fp, key, json_string_value(v));
        } else {
            char *d = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            option_value(fp, key, d ? d : "?");
            free(d);
        }
        fputs("</code>", fp);
    }
    if (first)
        fputs("none", fp);
}

static void fact(FILE *fp, const char *name)
{
    fprintf(fp, "<dt>%s</dt><dd>", name);
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

void rasleak__page_summary(struct rasleak__page *p)
{
    FILE *fp = p->fp;
    const struct rasleak_analysis *a = p->a;
    json_t *h = a->header, *host = json_object_get(h, "host"), *run = json_object_get(h, "run");
    json_t *backend = json_object_get(h, "backend");
    char b1[64], b2[64], b3[64];

    fputs("<h2 id=\"summary\">Run</h2>\n<dl class=\"facts\">\n", fp);
    fact(fp, "backend");
    fputs("<b>", fp);
    rasleak__html(fp, str(backend, "name"));
    fputs("</b></dd>\n", fp);
    fact(fp, "host");
    rasleak__html(fp, str(host, "hostname"));
    fputs(" (", fp);
    rasleak__html(fp, str(host, "os"));
    fputc(' ', fp);
    rasleak__html(fp, str(host, "os_release"));
    if (isfinite(num(host, "cpus")))
        fprintf(fp, ", %.0f CPUs", num(host, "cpus"));
    fputs(")</dd>\n", fp);

    fact(fp, "started");
    rasleak__html(fp, str(h, "started"));
    fputs("</dd>\n", fp);
    fact(fp, "duration");
    double dur = p->summary ? num(p->summary, "duration_s") : p->t_last;
    fprintf(fp, "%s", rasleak__fmt_duration(b1, sizeof b1, dur));
    if (isfinite(a->seconds_per_iter) && a->seconds_per_iter > 0)
        fprintf(fp, " (%s iterations/s)",
                rasleak__fmt_num(b2, sizeof b2, floor(1 / a->seconds_per_iter + 0.5)));
    fputs("</dd>\n", fp);

    fact(fp, "iterations");
    fprintf(fp, "%s of %s, warm-up %s", rasleak__fmt_grouped(b1, sizeof b1, (double)a->iterations_done),
            rasleak__fmt_grouped(b2, sizeof b2, num(run, "iterations")),
            rasleak__fmt_grouped(b3, sizeof b3, (double)a->warmup));
    fputs("</dd>\n", fp);
    fact(fp, "stopped");
    rasleak__html(fp, stop_words(a->stop_reason));
    fputs("</dd>\n", fp);

    fact(fp, "samples");
    fprintf(fp, "%s, one every %s iteration(s); %s events",
            rasleak__fmt_grouped(b1, sizeof b1, (double)p->samples),
            rasleak__fmt_grouped(b2, sizeof b2, num(run, "sample_every")),
            rasleak__fmt_grouped(b3, sizeof b3, (double)p->events));
    fputs("</dd>\n", fp);
    fact(fp, "pacing");
    fprintf(fp, "pause %s ms; stop after %s failed dials in a row; time limit %s",
            rasleak__fmt_num(b1, sizeof b1, num(run, "interval_ms")),
            num(run, "max_failures") > 0 ? rasleak__fmt_grouped(b2, sizeof b2, num(run, "max_failures"))
                                         : "never",
            num(run, "duration_s") > 0 ? rasleak__fmt_duration(b3, sizeof b3, num(run, "duration_s"))
                                       : "none");
    fputs("</dd>\n", fp);

    fact(fp, "targets");
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(h, "targets"), i, t) {
        json_t *lim = json_object_get(t, "limits");
        fputs(i ? "; " : "", fp);
        fputs("<b>", fp);
        rasleak__html(fp, str(t, "id"));
        fputs("</b> ", fp);
        rasleak__html(fp, str(t, "name"));
        if (isfinite(num(t, "pid")))
            fprintf(fp, " (pid %.0f)", num(t, "pid"));
        if (isfinite(num(lim, "handles")))
            fprintf(fp, ", handle limit %s", rasleak__fmt_grouped(b1, sizeof b1, num(lim, "handles")));
        if (isfinite(num(lim, "memory_bytes")))
            fprintf(fp, ", memory %s",
                    rasleak__fmt_amount(b1, sizeof b1, num(lim, "memory_bytes"), "rss_bytes", 0));
    }
    fputs("</dd>\n", fp);
    fact(fp, "trend file");
    const char *base = strrchr(a->path, '/');
    fputs("<code>", fp);
    rasleak__html(fp, base ? base + 1 : a->path);
    fputs("</code>, rasleak ", fp);
    rasleak__html(fp, str(h, "tool_version"));
    fputs("</dd>\n", fp);
    fputs("</dl>\n<p class=\"facts-options\" style=\"font-size:13px;margin:3px 0\">"
          "<span style=\"color:#666\">backend options</span> ", fp);
    options_list(fp, json_object_get(backend, "options"));
    fputs("</p>\n", fp);
}

void rasleak__page_series_details(struct rasleak__page *p, size_t series_index)
{
    json_t *s = json_array_get(json_object_get(p->aj, "series"), series_index);
    if (!s)
        return;
    fputs("<details><summary>All figures of this series</summary>\n", p->fp);
    rasleak__page_json(p->fp, s, 0);
    fputs("</details>\n", p->fp);
}

static void scalar(FILE *fp, json_t *v)
{
    char b[64];
    if (!v || json_is_null(v))
        fputs("&#8211;", fp);
    else if (json_is_true(v))
        fputs("yes", fp);
    else if (json_is_false(v))
        fputs("no", fp);
    else if (json_is_integer(v))
        fputs(rasleak__fmt_grouped(b, sizeof b, (double)json_integer_value(v)), fp);
    else if (json_is_real(v))
        fputs(rasleak__fmt_num(b, sizeof b, json_real_value(v)), fp);
    else if (json_is_string(v))
        rasleak__html(fp, json_string_value(v));
}

#define MAX_ROWS 200
#define MAX_COLS 12

/* An array of objects: one row each, the columns the union of their keys. */
static void object_rows(FILE *fp, json_t *arr, int depth)
{
    const char *cols[MAX_COLS];
    size_t ncols = 0, i;
    json_t *row;
    json_array_foreach(arr, i, row) {
        if (i >= MAX_ROWS)
            break;
        const char *k;
        json_t *v;
        json_object_foreach(row, k, v) {
            size_t c = 0;
            while (c < ncols && strcmp(cols[c], k) != 0)
                c++;
            if (c == ncols && ncols < MAX_COLS)
                cols[ncols++] = k;
        }
    }
    fputs("<table><tr>", fp);
    for (size_t c = 0; c < ncols; c++) {
        fputs("<th>", fp);
        rasleak__html(fp, cols[c]);
        fputs("</th>", fp);
    }
    fputs("</tr>\n", fp);
    json_array_foreach(arr, i, row) {
        if (i >= MAX_ROWS) {
            fprintf(fp, "<tr><td colspan=\"%zu\">&#8230; %zu more</td></tr>\n", ncols,
                    json_array_size(arr) - MAX_ROWS);
            break;
        }
        fputs("<tr>", fp);
        for (size_t c = 0; c < ncols; c++) {
            json_t *v = json_object_get(row, cols[c]);
            fputs(json_is_number(v) ? "<td class=\"num\">" : "<td>", fp);
            rasleak__page_json(fp, v, depth + 1);
            fputs("</td>", fp);
        }
        fputs("</tr>\n", fp);
    }
    fputs("</table>\n", fp);
}

void rasleak__page_json(FILE *fp, json_t *v, int depth)
{
    if (depth > 4 && (json_is_object(v) || json_is_array(v))) {
        char *d = json_dumps(v, JSON_COMPACT);
        fputs("<code>", fp);
        if (d && strlen(d) > 400)
            strcpy(d + 397, "...");
        rasleak__html(fp, d ? d : "");
        fputs("</code>", fp);
        free(d);
        return;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *e;
        fputs("<table>\n", fp);
        json_object_foreach(v, k, e) {
            fputs("<tr><th>", fp);
            rasleak__html(fp, k);
            fputs(json_is_number(e) ? "</th><td class=\"num\">" : "</th><td>", fp);
            rasleak__page_json(fp, e, depth + 1);
            fputs("</td></tr>\n", fp);
        }
        fputs("</table>\n", fp);
    } else if (json_is_array(v)) {
        size_t i, objects = 0;
        json_t *e;
        json_array_foreach(v, i, e)
            objects += json_is_object(e);
        if (objects && objects == json_array_size(v)) {
            object_rows(fp, v, depth);
            return;
        }
        json_array_foreach(v, i, e) {
            if (i >= MAX_ROWS) {
                fprintf(fp, ", &#8230; %zu more", json_array_size(v) - MAX_ROWS);
                break;
            }
            fputs(i ? ", " : "", fp);
            rasleak__page_json(fp, e, depth + 1);
        }
    } else {
        scalar(fp, v);
    }
}

/* "leak_suspects" -> "Leak suspects" */
static void heading(FILE *fp, const char *key)
{
    fputs("<h2>", fp);
    char buf[128];
    snprintf(buf, sizeof buf, "%s", key);
    for (char *c = buf; *c; c++)
        if (*c == '_')
            *c = ' ';
    buf[0] = (char)toupper((unsigned char)buf[0]);
    rasleak__html(fp, buf);
    fputs("</h2>\n", fp);
}

void rasleak__page_extras(struct rasleak__page *p)
{
    FILE *fp = p->fp;
    char b1[32], b2[32];
    if (p->suspects) {
        fputs("<h2 id=\"suspects\">Leak suspects</h2>\n", fp);
        json_t *iter = json_object_get(p->suspects, "iter");
        fprintf(fp, "<p class=\"note\">%s suspects record%s in the file; ",
                rasleak__fmt_grouped(b1, sizeof b1, (double)p->nsuspects),
                p->nsuspects == 1 ? "" : "s");
        if (json_is_integer(iter))
            fprintf(fp, "the last, at iteration %s:</p>\n",
                    rasleak__fmt_grouped(b2, sizeof b2, (double)json_integer_value(iter)));
        else
            fputs("the last:</p>\n", fp);
        json_t *shown = json_copy(p->suspects);
        if (shown) {
            json_object_del(shown, "type");
            rasleak__page_json(fp, shown, 0);
            json_decref(shown);
        }
    }
    /* Members of the analysis document this version does not draw itself
     * (allowances, comparisons with a baseline): shown as they come.  The
     * suspects have their section above, from the trend file's records. */
    static const char *const known[] = {"format", "version", "verdict", "backend", "run", "series",
                                        "suspects"};
    const char *key;
    json_t *v;
    json_object_foreach(p->aj, key, v) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(known[k], key) != 0)
            k++;
        if (k < sizeof known / sizeof known[0] || json_is_null(v))
            continue;
        heading(fp, key);
        rasleak__page_json(fp, v, 0);
    }
    if (p->nev) {
        fputs("<h2 id=\"events\">Events</h2>\n<table><tr><th>kind</th><th>count</th>"
              "<th>first at iteration</th><th>last at iteration</th><th>first message</th></tr>\n",
              fp);
        for (size_t i = 0; i < p->nev; i++) {
            const struct rasleak__evkind *e = &p->ev[i];
            fputs("<tr><td>", fp);
            rasleak__html(fp, e->kind);
            fprintf(fp, "</td><td class=\"num\">%s</td>",
                    rasleak__fmt_grouped(b1, sizeof b1, (double)e->count));
            fprintf(fp, "<td class=\"num\">%s</td>", rasleak__fmt_grouped(b1, sizeof b1, e->first_iter));
            fprintf(fp, "<td class=\"num\">%s</td><td>", rasleak__fmt_grouped(b2, sizeof b2, e->last_iter));
            rasleak__html(fp, e->first_message);
            fputs("</td></tr>\n", fp);
        }
        fputs("</table>\n", fp);
    }
}

void rasleak__page_foot(struct rasleak__page *p)
{
    (void)p;
    fputs("<h2 id=\"reading\">Reading the charts</h2>\n<p class=\"note\">"
          "Each chart is one target's metric over the iterations of the run, with the elapsed "
          "time under the iteration axis. The grey band is the warm-up, which is not judged. "
          "The blue line is the samples; when there are more samples than pixel columns, each "
          "column shows the first, lowest, highest and last sample it covers, so short spikes "
          "stay visible. The orange line is Sen's slope over the judged samples (the median of "
          "all pairwise slopes), and the orange bow tie is the 95% confidence interval of that "
          "slope. Red triangles under the plot mark failed dials. When a leaking series has a "
          "known limit and the fitted line reaches it within ten times the run's length, the "
          "axis runs on to that point, the dashed line is the projection and the red circle "
          "is where the resource runs out. The method is described in rasleak's "
          "docs/analysis.md.</p>\n"
          "<p class=\"note\">Made by rasleak " RASLEAK_VERSION ".</p>\n</body>\n</html>\n",
          p->fp);
}
