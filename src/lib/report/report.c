/*
 * report.c - a trend file and its analysis as one self-contained HTML page.
 *
 * The analysis (passed in) holds the verdicts and the fitted lines; the
 * samples are read once more through the public trend reader and streamed
 * into per-pixel-column bins (bins.h), so the page costs a fixed amount of
 * memory and a few hundred kilobytes whether the run had a thousand samples
 * or ten million.  A chart's iteration axis is decided before the samples
 * are read: the run's length, stretched to the projected exhaustion when
 * that falls within PROJECTION_SPAN times the run, so each chart's bins
 * match the pixel columns its samples will occupy.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/report.h"
#include "rasleak/trend.h"
#include "report/page.h"
#include "report/text.h"
#include "trend/reader_split.h"

#define DEFAULT_PLOT_W 860
#define MIN_PLOT_W 100
#define MAX_PLOT_W 8192
#define PROJECTION_SPAN 10.0

void rasleak_report_config_init(struct rasleak_report_config *c)
{
    memset(c, 0, sizeof *c);
    c->plot_width = DEFAULT_PLOT_W;
}

static int nomem(struct rasleak_error *err)
{
    return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
}

/* Whether the chart of `r` runs on to the point where the resource runs out. */
static int shows_projection(const struct rasleak_series_result *r, double run_end)
{
    return r && r->verdict == RASLEAK_LEAK && isfinite(r->limit) &&
           isfinite(r->exhausted_at_iter) && r->exhausted_at_iter > 0 &&
           r->exhausted_at_iter <= PROJECTION_SPAN * run_end;
}

static struct rasleak__chart *add_chart(struct rasleak__page *p, const char *target,
                                        const char *metric,
                                        const struct rasleak_series_result *res)
{
    if (p->ncharts == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 16;
        struct rasleak__chart *n = realloc(p->charts, ncap * sizeof *n);
        if (!n)
            return NULL;
        p->charts = n;
        p->cap = ncap;
    }
    struct rasleak__chart *c = &p->charts[p->ncharts];
    memset(c, 0, sizeof *c);
    char *t = strdup(target), *m = strdup(metric);
    double run_end = p->axes.run_end;
    c->res = res;
    c->x_end = run_end;
    if (shows_projection(res, run_end)) {
        c->projection = 1;
        /* A little room past the point, so its mark is not on the edge. */
        c->x_end = fmax(run_end, res->exhausted_at_iter * 1.04);
    }
    size_t ncols = (size_t)llround(p->axes.plot_w * run_end / c->x_end);
    if (!t || !m || rasleak__bins_init(&c->bins, 0, run_end, ncols ? ncols : 1) < 0) {
        free(t);
        free(m);
        return NULL;
    }
    c->target = t;
    c->metric = m;
    p->ncharts++;
    return c;
}

static struct rasleak__chart *find_chart(struct rasleak__page *p, const char *target,
                                         const char *metric)
{
    /* Metrics come in the same order in every sample: start where the
     * last look-up ended. */
    for (size_t k = 0; k < p->ncharts; k++) {
        size_t i = (p->hint + k) % p->ncharts;
        struct rasleak__chart *c = &p->charts[i];
        if (strcmp(c->metric, metric) == 0 && strcmp(c->target, target) == 0) {
            p->hint = i + 1;
            return c;
        }
    }
    return NULL;
}

static int add_sample(struct rasleak__page *p, const struct rasleak_trend_reader *r)
{
    struct rasleak_trend_sample smp;
    rasleak_trend_sample(r, &smp);
    double iter = (double)smp.iter;
    rasleak__bins_add(&p->times, iter, smp.t);
    p->t_last = smp.t;
    p->samples++;
    for (size_t c = 0; c < smp.n; c++) {
        if (isnan(smp.value[c]))
            continue;   /* a compact row's null: not measured in this sample */
        struct rasleak__chart *ch = find_chart(p, smp.target[c], smp.metric[c]);
        if (!ch && !(ch = add_chart(p, smp.target[c], smp.metric[c], NULL)))
            return RASLEAK_ENOMEM;
        rasleak__bins_add(&ch->bins, iter, smp.value[c]);
    }
    return 0;
}

static void add_event(struct rasleak__page *p, json_t *rec)
{
    const char *kind = json_string_value(json_object_get(rec, "kind"));
    const char *msg = json_string_value(json_object_get(rec, "message"));
    double iter = (double)json_integer_value(json_object_get(rec, "iter"));
    p->events++;
    if (!kind)
        kind = "?";
    if (strcmp(kind, "dial_failed") == 0)
        rasleak__bins_add(&p->fails, iter, 1);
    struct rasleak__evkind *e = NULL;
    for (size_t i = 0; i < p->nev; i++)
        if (strcmp(p->ev[i].kind, kind) == 0)
            e = &p->ev[i];
    if (!e) {
        /* Past the table's size, the rest are counted under the last kind. */
        e = &p->ev[p->nev < RASLEAK__EVKINDS ? p->nev++ : RASLEAK__EVKINDS - 1];
        if (e->count == 0) {
            snprintf(e->kind, sizeof e->kind, "%s", kind);
            e->first_iter = iter;
            snprintf(e->first_message, sizeof e->first_message, "%s", msg ? msg : "");
        }
    }
    e->count++;
    e->last_iter = iter;
}

/* The second pass: samples into bins, events counted, the last records kept. */
static int gather(struct rasleak__page *p, const struct rasleak_report_config *cfg,
                  struct rasleak_error *err)
{
    struct rasleak_trend_reader *r;
    int rc = rasleak_trend_open(&r, p->path, err);
    if (rc < 0)
        return rc;
    json_t *rec;
    int type;
    size_t size = rasleak__trend_size(r);
    unsigned long nrec = 0;
    while ((type = rasleak_trend_next(r, &rec, err)) > 0) {
        if (cfg->progress && ++nrec % RASLEAK__PROGRESS_EVERY == 0)
            cfg->progress(cfg->progress_ud, "drawing", rasleak__trend_pos(r), size);
        switch (type) {
        case RASLEAK_REC_SAMPLE:
            if (add_sample(p, r) < 0) {
                rasleak_trend_close(r);
                return nomem(err);
            }
            break;
        case RASLEAK_REC_EVENT:
            add_event(p, rec);
            break;
        case RASLEAK_REC_SUSPECTS:
            /* The record is the reader's until the next call: keep a copy. */
            json_decref(p->suspects);
            p->suspects = json_deep_copy(rec);
            p->nsuspects++;
            break;
        case RASLEAK_REC_SUMMARY:
            json_decref(p->summary);
            p->summary = json_deep_copy(rec);
            break;
        default:
            break;
        }
    }
    if (type == 0 && cfg->progress)
        cfg->progress(cfg->progress_ud, "drawing", size, size);
    rasleak_trend_close(r);
    return type < 0 ? type : 0;
}

static void chart_section(struct rasleak__page *p, size_t ci, unsigned id)
{
    FILE *fp = p->fp;
    const struct rasleak__chart *c = &p->charts[ci];
    const struct rasleak_series_result *r = c->res;
    const char *verdict = r ? rasleak_verdict_name(r->verdict) : "not judged";
    fprintf(fp, "<section class=\"series\" id=\"s%zu\">\n<h3>", ci);
    rasleak__html(fp, c->target);
    fputs(" &#183; ", fp);
    rasleak__html(fp, c->metric);
    fprintf(fp, " <span class=\"pill %s\">%s</span></h3>\n", r ? verdict : "none", verdict);
    fputs("<p class=\"why\">", fp);
    if (r)
        rasleak__html(fp, r->reason);
    else
        fputs("only in the warm-up, or not a number the analyzer judges", fp);
    fputs("</p>\n", fp);
    if (r && isfinite(r->slope_per_iter)) {
        char b[8][48];
        fprintf(fp, "<p class=\"stats\">Sen's slope %s per iteration (95%% interval %s to %s), "
                    "%s per 1,000 iterations &#183; Mann-Kendall p = %.2g &#183; R&#178; %.3f "
                    "&#183; %s to %s over iterations %s to %s",
                rasleak__fmt_amount(b[0], sizeof b[0], r->slope_per_iter, r->metric, 1),
                rasleak__fmt_amount(b[1], sizeof b[1], r->slope_lo, r->metric, 1),
                rasleak__fmt_amount(b[2], sizeof b[2], r->slope_hi, r->metric, 1),
                rasleak__fmt_amount(b[3], sizeof b[3], r->slope_per_iter * 1000, r->metric, 1),
                r->mk_p, r->r2, rasleak__fmt_amount(b[4], sizeof b[4], r->first_value, r->metric, 0),
                rasleak__fmt_amount(b[5], sizeof b[5], r->last_value, r->metric, 0),
                rasleak__fmt_grouped(b[6], sizeof b[6], r->first_iter),
                rasleak__fmt_grouped(b[7], sizeof b[7], r->last_iter));
        if (isfinite(r->limit))
            fprintf(fp, " &#183; limit %s",
                    rasleak__fmt_amount(b[0], sizeof b[0], r->limit, r->metric, 0));
        fputs("</p>\n", fp);
    }
    rasleak__svg_series(fp, c, &p->axes, id);
    fputs("<p class=\"legend\"><span><i class=\"sw\" style=\"background:#1f77b4\"></i>samples",
          fp);
    if (c->bins.n > c->bins.ncols) {
        char a[32], b[32];
        fprintf(fp, " (%s, drawn as the minimum and maximum of each of %s pixel columns)",
                rasleak__fmt_grouped(a, sizeof a, (double)c->bins.n),
                rasleak__fmt_grouped(b, sizeof b, (double)c->bins.ncols));
    }
    fputs("</span>", fp);
    if (p->axes.warmup > 0)
        fputs("<span><i class=\"sw box\" style=\"background:#ececec\"></i>warm-up</span>", fp);
    if (r && isfinite(r->slope_per_iter) && r->n >= 2)
        fputs("<span><i class=\"sw\" style=\"background:#ff7f0e\"></i>Sen's line</span>"
              "<span><i class=\"sw box\" style=\"background:#ffd8b3\"></i>95% interval of the "
              "slope</span>", fp);
    if (p->fails.n)
        fputs("<span style=\"color:#d62728\">&#9650;</span> failed dial ", fp);
    if (c->projection)
        fputs("<span><i class=\"sw\" style=\"background:#d62728\"></i>limit, and where the "
              "line reaches it</span>", fp);
    fputs("</p>\n", fp);
    if (r)
        rasleak__page_series_details(p, (size_t)(r - p->a->series));
    fputs("</section>\n", fp);
}

static int is_type_metric(const char *m)
{
    return strncmp(m, "handles.", 8) == 0 && m[8];
}

static void stacked_sections(struct rasleak__page *p, unsigned *id)
{
    const struct rasleak__chart **parts = malloc((p->ncharts ? p->ncharts : 1) * sizeof *parts);
    if (!parts)
        return;
    int heading = 0;
    for (size_t i = 0; i < p->ncharts; i++) {
        const char *target = p->charts[i].target;
        if (!is_type_metric(p->charts[i].metric))
            continue;
        /* One stacked chart per target, at its first handle type. */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = is_type_metric(p->charts[j].metric) && strcmp(p->charts[j].target, target) == 0;
        if (seen)
            continue;
        size_t n = 0;
        for (size_t j = i; j < p->ncharts; j++)
            if (is_type_metric(p->charts[j].metric) && strcmp(p->charts[j].target, target) == 0)
                parts[n++] = &p->charts[j];
        if (!heading) {
            fputs("<h2 id=\"handle-types\">Handle types</h2>\n<p class=\"note\">The mean of "
                  "each pixel column, stacked.</p>\n", p->fp);
            heading = 1;
        }
        fputs("<section class=\"series stacked\">\n<h3>", p->fp);
        rasleak__html(p->fp, target);
        fputs(" &#183; handles by type</h3>\n", p->fp);
        rasleak__svg_stacked(p->fp, target, parts, n, &p->axes, (*id)++);
        fputs("<p class=\"legend\">", p->fp);
        for (size_t k = n; k-- > 0;) {
            fprintf(p->fp, "<span><i class=\"sw box\" style=\"background:%s\"></i>",
                    rasleak__svg_color(k));
            rasleak__html(p->fp, parts[k]->metric + 8);
            fputs("</span>", p->fp);
        }
        fputs("</p>\n</section>\n", p->fp);
    }
    free(parts);
}

static void charts(struct rasleak__page *p)
{
    FILE *fp = p->fp;
    fputs("<h2 id=\"series\">Series</h2>\n", fp);
    if (p->ncharts == 0) {
        fputs("<p>The file holds no samples to draw.</p>\n", fp);
        return;
    }
    unsigned id = 0;
    /* Leaks first: they are what the reader came for. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < p->ncharts; i++) {
            int leak = p->charts[i].res && p->charts[i].res->verdict == RASLEAK_LEAK;
            if (leak == (pass == 0))
                chart_section(p, i, id++);
        }
    /* All series in one table, linked to their charts. */
    fputs("<h2 id=\"all-series\">All series</h2>\n", fp);
    fputs("<table class=\"index\"><tr><th>target</th><th>metric</th><th>verdict</th>"
          "<th>per 1,000 iterations</th><th>last value</th></tr>\n", fp);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < p->ncharts; i++) {
            const struct rasleak__chart *c = &p->charts[i];
            int leak = c->res && c->res->verdict == RASLEAK_LEAK;
            if (leak != (pass == 0))
                continue;
            char a[48], b[48];
            const char *v = c->res ? rasleak_verdict_name(c->res->verdict) : "not judged";
            fprintf(fp, "<tr><td><a href=\"#s%zu\">", i);
            rasleak__html(fp, c->target);
            fputs("</a></td><td>", fp);
            rasleak__html(fp, c->metric);
            fprintf(fp, "</td><td><span class=\"pill %s\">%s</span></td><td class=\"num\">%s</td>"
                        "<td class=\"num\">%s</td></tr>\n",
                    c->res ? v : "none", v,
                    c->res ? rasleak__fmt_amount(a, sizeof a, c->res->slope_per_iter * 1000,
                                                 c->metric, 1) : "",
                    c->bins.n ? rasleak__fmt_amount(b, sizeof b,
                                                    c->bins.col[c->bins.ncols - 1].n
                                                        ? c->bins.col[c->bins.ncols - 1].ylast
                                                        : c->res ? c->res->last_value : NAN,
                                                    c->metric, 0) : "");
        }
    fputs("</table>\n", fp);
    stacked_sections(p, &id);
}

int rasleak_report_write(FILE *out, const char *path, const struct rasleak_analysis *a,
                         const struct rasleak_report_config *cfg, struct rasleak_error *err)
{
    struct rasleak_report_config defaults;
    if (!cfg) {
        rasleak_report_config_init(&defaults);
        cfg = &defaults;
    }
    if (!out || !path || !a)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "report: no output, file or analysis");
    if (strcmp(path, "-") == 0)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0,
                                 "a report reads its trend file twice: it cannot be stdin");
    struct rasleak__page p;
    memset(&p, 0, sizeof p);
    p.fp = out;
    p.path = path;
    p.a = a;
    unsigned w = cfg->plot_width ? cfg->plot_width : DEFAULT_PLOT_W;
    p.axes.plot_w = w < MIN_PLOT_W ? MIN_PLOT_W : w > MAX_PLOT_W ? MAX_PLOT_W : w;
    p.axes.warmup = (double)a->warmup;
    p.axes.run_end = a->iterations_done ? (double)a->iterations_done : 1;
    p.axes.sec_per_iter = a->seconds_per_iter;
    p.axes.times = &p.times;
    p.axes.fails = &p.fails;

    char title[600];
    /* The name the analysis gives the file (a caller may have read it
     * from a spooled copy of stdin). */
    const char *base = strrchr(a->path, '/');
    snprintf(title, sizeof title, "rasleak report: %s", base ? base + 1 : a->path);
    p.title = cfg->title ? cfg->title : title;

    int rc = RASLEAK_ENOMEM;
    p.aj = rasleak_analysis_to_json(a);
    if (!p.aj || rasleak__bins_init(&p.times, 0, p.axes.run_end, p.axes.plot_w) < 0 ||
        rasleak__bins_init(&p.fails, 0, p.axes.run_end, p.axes.plot_w) < 0) {
        nomem(err);
        goto out;
    }
    for (size_t i = 0; i < a->nseries; i++)
        if (!add_chart(&p, a->series[i].target, a->series[i].metric, &a->series[i])) {
            nomem(err);
            goto out;
        }
    if ((rc = gather(&p, cfg, err)) < 0)
        goto out;

    rasleak__page_head(&p);
    rasleak__page_verdict(&p);
    rasleak__page_summary(&p);
    charts(&p);
    rasleak__page_extras(&p);
    rasleak__page_foot(&p);
    errno = 0;
    if (fflush(out) != 0 || ferror(out))
        rc = rasleak_error_set(err, RASLEAK_EIO, errno, "cannot write the report: %s",
                               strerror(errno ? errno : EIO));
out:
    for (size_t i = 0; i < p.ncharts; i++) {
        free((char *)p.charts[i].target);
        free((char *)p.charts[i].metric);
        rasleak__bins_free(&p.charts[i].bins);
    }
    free(p.charts);
    rasleak__bins_free(&p.times);
    rasleak__bins_free(&p.fails);
    json_decref(p.suspects);
    json_decref(p.summary);
    json_decref(p.aj);
    return rc;
}
