/*
 * page.h - internal: what the report gathered from the trend file, and the
 * parts of the page that are not charts.
 */
#ifndef RASLEAK_REPORT_PAGE_H
#define RASLEAK_REPORT_PAGE_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "rasleak/analysis.h"
#include "rasleak/report.h"
#include "report/svg.h"

#define RASLEAK__EVKINDS 16

/* Events of one kind: how many, where, and what the first one said. */
struct rasleak__evkind {
    char kind[32];
    uint64_t count;
    double first_iter, last_iter;
    char first_message[256];
};

struct rasleak__page {
    FILE *fp;
    const char *path;
    const struct rasleak_analysis *a;
    json_t *aj;                       /* the analysis document, owned */
    const char *title;
    struct rasleak__run_axes axes;

    struct rasleak__chart *charts;    /* targets and metrics in file order */
    size_t ncharts, cap;
    size_t hint;

    struct rasleak__bins times, fails;
    struct rasleak__evkind ev[RASLEAK__EVKINDS];
    size_t nev;
    uint64_t samples, events;
    double t_last;
    json_t *suspects;                 /* the last suspects record, owned */
    uint64_t nsuspects;
    json_t *summary;                  /* the summary record, owned */
};

/* <!DOCTYPE>, <head> with the style sheet, and the page's heading. */
void rasleak__page_head(struct rasleak__page *p);

/* The verdict in plain words, and why. */
void rasleak__page_verdict(struct rasleak__page *p);

/* Backend and options (secrets redacted), host, run parameters, times. */
void rasleak__page_summary(struct rasleak__page *p);

/* The figures of one series, from the analysis document. */
void rasleak__page_series_details(struct rasleak__page *p, size_t series_index);

/* Leak suspects, members of the analysis later issues add, and events. */
void rasleak__page_extras(struct rasleak__page *p);

/* How to read the page, and the closing tags. */
void rasleak__page_foot(struct rasleak__page *p);

/* Any JSON value as HTML: tables for objects and arrays of objects. */
void rasleak__page_json(FILE *fp, json_t *v, int depth);

#endif
