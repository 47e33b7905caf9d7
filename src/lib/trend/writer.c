/*
 * writer.c - streaming the trend file as the run goes.
 *
 * Records are JSON produced by jansson: the header, events and summary are
 * dumped whole; samples, one per iteration, go through sample_enc.c, which
 * builds them from jansson's tokens without allocating.  Records are dumped
 * into a buffer the writer keeps.
 *
 * The JSON-document layout keeps samples and events in separate arrays, but
 * both arrive interleaved; events are therefore spooled to an anonymous
 * temporary file and copied behind the samples when the summary comes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/trend.h"
#include "trend/sample_enc.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

struct rasleak_trend_writer {
    FILE *fp;
    char *name;
    enum rasleak_trend_layout layout;
    int state;              /* 0 before header, 1 writing, 2 done */
    struct rasleak__sample_enc *enc;

    char *buf;              /* dump buffer for the other records */
    size_t cap;

    FILE *spool;            /* events, JSON layout only */
    uint64_t nsamples, nevents;
    uint64_t rows;          /* compact layout: rows since the last full sample */
};

static int write_failed(struct rasleak_trend_writer *w, struct rasleak_error *err)
{
    /* A compact row is a change from the samples before it, some of which
     * may not have reached the file: the next sample is written in full. */
    w->rows = RASLEAK_TREND_FULL_EVERY;
    int e = errno ? errno : EIO;
    return rasleak_error_set(err, RASLEAK_EIO, e, "cannot write '%s': %s", w->name,
                             strerror(e));
}

static int put(struct rasleak_trend_writer *w, FILE *fp, const char *s, size_t n,
               struct rasleak_error *err)
{
    errno = 0;
    if (n && fwrite(s, 1, n, fp) != n)
        return write_failed(w, err);
    return 0;
}

static int puts_(struct rasleak_trend_writer *w, FILE *fp, const char *s,
                 struct rasleak_error *err)
{
    return put(w, fp, s, strlen(s), err);
}

/* Dump `j` into w->buf; returns its length or -1. */
static long dump(struct rasleak_trend_writer *w, json_t *j, struct rasleak_error *err)
{
    for (;;) {
        size_t need = json_dumpb(j, w->buf, w->cap, DUMP_FLAGS);
        if (need == 0)
            return rasleak_error_set(err, RASLEAK_EINVAL, 0, "record cannot be written as JSON");
        if (need <= w->cap)
            return (long)need;
        size_t ncap = w->cap * 2;
        while (ncap < need)
            ncap *= 2;
        char *b = realloc(w->buf, ncap);
        if (!b)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        w->buf = b;
        w->cap = ncap;
    }
}

int rasleak_trend_writer_open(struct rasleak_trend_writer **out, FILE *fp, const char *name,
                              enum rasleak_trend_layout layout, struct rasleak_error *err)
{
    struct rasleak_trend_writer *w = calloc(1, sizeof *w);
    if (!w)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    w->fp = fp;
    w->layout = layout;
    w->name = strdup(name ? name : "(trend)");
    w->cap = 4096;
    w->buf = malloc(w->cap);
    if (!w->name || !w->buf || rasleak__sample_enc_new(&w->enc) < 0)
        goto nomem;
    if (layout == RASLEAK_TREND_JSON) {
        w->spool = tmpfile();
        if (!w->spool) {
            int e = errno;
            rasleak_trend_writer_free(w);
            return rasleak_error_set(err, RASLEAK_EIO, e,
                                     "cannot create a temporary file for events: %s",
                                     strerror(e));
        }
    }
    *out = w;
    return 0;
nomem:
    rasleak_trend_writer_free(w);
    return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
}

int rasleak_trend_write_header(struct rasleak_trend_writer *w, json_t *header,
                               struct rasleak_error *err)
{
    if (w->state != 0)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "header written twice");
    /* What follows is written in this version (compact rows: version 3). */
    if (!json_is_object(header))
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "header is not a JSON object");
    if (json_object_set_new(header, "version", json_integer(RASLEAK_TREND_VERSION)) < 0)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    rasleak__sample_enc_set_stride(w->enc, (uint64_t)rasleak__trend_row_stride(header));
    long n = dump(w, header, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON) {
        if ((rc = puts_(w, w->fp, "{\"header\":", err)) < 0 ||
            (rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
            (rc = puts_(w, w->fp, ",\n\"samples\":[", err)) < 0)
            return rc;
    } else if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
               (rc = puts_(w, w->fp, "\n", err)) < 0) {
        return rc;
    }
    w->state = 1;
    return rasleak_trend_writer_flush(w, err);
}

int rasleak_trend_write_sample(struct rasleak_trend_writer *w, const struct rasleak_sample_record *s,
                               struct rasleak_error *err)
{
    if (w->state != 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "sample written outside a run");
    const char *text;
    long n = 0;
    if (w->layout == RASLEAK_TREND_COMPACT && w->rows + 1 < RASLEAK_TREND_FULL_EVERY &&
        (n = rasleak__sample_enc_encode_row(w->enc, s, &text)) > 0)
        w->rows++;
    else if (n == 0) {
        n = rasleak__sample_enc_encode(w->enc, s, &text);
        w->rows = 0;
    }
    /* Encoding stopped halfway: the next sample is written in full. */
    if (n < 0) {
        w->rows = RASLEAK_TREND_FULL_EVERY;
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    int rc;
    if ((w->layout == RASLEAK_TREND_JSON &&
         (rc = puts_(w, w->fp, w->nsamples ? ",\n" : "\n", err)) < 0) ||
        (rc = put(w, w->fp, text, (size_t)n, err)) < 0 ||
        (w->layout != RASLEAK_TREND_JSON && (rc = puts_(w, w->fp, "\n", err)) < 0))
        return rc;
    w->nsamples++;
    return 0;
}

int rasleak_trend_write_record(struct rasleak_trend_writer *w, json_t *rec,
                               struct rasleak_error *err)
{
    if (w->state != 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "record written outside a run");
    long n = dump(w, rec, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON) {
        /* Events go to the spool and follow the samples at the end. */
        if ((rc = puts_(w, w->spool, w->nevents ? ",\n" : "\n", err)) < 0 ||
            (rc = put(w, w->spool, w->buf, (size_t)n, err)) < 0)
            return rc;
    } else if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
               (rc = puts_(w, w->fp, "\n", err)) < 0) {
        return rc;
    }
    w->nevents++;
    return 0;
}

static int copy_spool(struct rasleak_trend_writer *w, struct rasleak_error *err)
{
    char chunk[8192];
    size_t n;
    errno = 0;
    if (fflush(w->spool) != 0 || fseek(w->spool, 0, SEEK_SET) != 0)
        return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot read back the event spool");
    while ((n = fread(chunk, 1, sizeof chunk, w->spool)) > 0) {
        int rc = put(w, w->fp, chunk, n, err);
        if (rc < 0)
            return rc;
    }
    if (ferror(w->spool))
        return rasleak_error_set(err, RASLEAK_EIO, errno, "cannot read back the event spool");
    return 0;
}

int rasleak_trend_write_summary(struct rasleak_trend_writer *w, json_t *summary,
                                struct rasleak_error *err)
{
    if (w->state != 1)
        return rasleak_error_set(err, RASLEAK_EINVAL, 0, "summary written outside a run");
    long n = dump(w, summary, err);
    if (n < 0)
        return (int)n;
    int rc;
    if (w->layout == RASLEAK_TREND_JSON) {
        if ((rc = puts_(w, w->fp, "\n],\n\"events\":[", err)) < 0 ||
            (rc = copy_spool(w, err)) < 0 ||
            (rc = puts_(w, w->fp, "\n],\n\"summary\":", err)) < 0 ||
            (rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
            (rc = puts_(w, w->fp, "}\n", err)) < 0)
            return rc;
    } else if ((rc = put(w, w->fp, w->buf, (size_t)n, err)) < 0 ||
               (rc = puts_(w, w->fp, "\n", err)) < 0) {
        return rc;
    }
    w->state = 2;
    return rasleak_trend_writer_flush(w, err);
}

int rasleak_trend_writer_flush(struct rasleak_trend_writer *w, struct rasleak_error *err)
{
    errno = 0;
    if (fflush(w->fp) != 0 || ferror(w->fp))
        return write_failed(w, err);
    return 0;
}

void rasleak_trend_writer_free(struct rasleak_trend_writer *w)
{
    if (!w)
        return;
    rasleak__sample_enc_free(w->enc);
    if (w->spool)
        fclose(w->spool);
    free(w->buf);
    free(w->name);
    free(w);
}
