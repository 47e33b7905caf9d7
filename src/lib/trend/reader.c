/*
 * reader.c - reading a trend file back, record by record.
 *
 * The file is mapped (or, for a pipe, read) whole and walked record by
 * record, so memory holds one parsed record at a time however long the run
 * was.  Both layouts are recognised from their first key.  Every record is
 * checked before it is handed out, and every complaint names the file, the
 * line and what was expected there.
 *
 * A run that was killed leaves a partial last record: that is accepted,
 * and the caller is told through rasleak_trend_truncated().
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifndef _WIN32
#include <sys/mman.h>
#endif

#include "rasleak/trend.h"
#include "trend/reader_split.h"
#include "trend/sample_enc.h"

/* A mapped file is let go of behind the reader in steps of this size, so
 * that reading a file of gigabytes does not hold it all in memory. */
#define DROP_STEP ((size_t)64 << 20)

enum section { SEC_NONE, SEC_SAMPLES, SEC_EVENTS, SEC_DONE };

struct rasleak_trend_reader {
    char *path;
    const char *buf;
    size_t len;
    size_t pos;
    int mapped;            /* buf is a mapping, else malloc'd */
    int doc;               /* JSON-document layout */
    enum section sec;      /* document layout: which array we are in */
    size_t line_pos;       /* line counting has reached this offset ... */
    long line_no;          /* ... which is on this line */
    long rec_line;
    json_t *header;
    json_t *cur;
    int have_summary;
    int truncated;
    long records;
    json_int_t last_iter;
    int have_iter;
    /* A second part (rasleak__trend_split): its bytes are borrowed, it
     * counts its lines from the cut (line 1 there) and learns the cut's
     * own line number only when a message or the join needs it, and it
     * notes what rasleak__trend_join() must check. */
    int borrowed;
    int part2;
    size_t cut;               /* part 2: offset where it starts */
    long cut_line;            /* part 2: line number of the cut, 0 if not known yet */
    size_t drop_pos;          /* mapped bytes before this were let go of */
    long first_rec_line;
    char first_type[24];
    json_int_t first_iter;
    long first_iter_line;
    int have_first_iter;
    int partial;              /* ended in a partial line */
    /* The last sample as columns (rasleak_trend_sample).  The columns are
     * those of the last full sample; compact rows follow them. */
    struct rasleak_trend_sample smp;
    char **col_target, **col_metric;
    double *col_value;
    double *col_last;         /* the value a row's change is from: the last one read */
    size_t ncols, cols_cap;
    char **tg_id;             /* target k's id; its columns borrow it */
    size_t *tg_first;         /* target k has columns [tg_first[k], tg_first[k+1]) */
    size_t ntg, tg_cap;
    unsigned long cols_gen;
    int have_cols;            /* a full sample was read: rows may follow */
    json_int_t version;       /* the header's */
    double t_full;            /* version 2: t of the last full sample, */
    json_int_t t_us;          /* and a row's microseconds since it */
    json_int_t stride;        /* version 3: a row's iterations since the sample before */
    long cols_line;           /* its line (own count, see abs_line) */
};

/* ---- loading ----------------------------------------------------------- */

static int read_all(int fd, char **out, size_t *outlen)
{
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    if (!b)
        return -ENOMEM;
    for (;;) {
        if (len == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                return -ENOMEM;
            }
            b = nb;
        }
        ssize_t n = read(fd, b + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free(b);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *out = b;
    *outlen = len;
    return 0;
}

/* Windows opens files in text mode unless told: CR LF would be rewritten. */
#ifndef O_BINARY
#define O_BINARY 0
#endif

static int load(struct rasleak_trend_reader *r, const char *path, struct rasleak_error *err)
{
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_BINARY);
    if (fd < 0) {
        int e = errno;
        struct stat dst;
        if (stat(path, &dst) == 0 && S_ISDIR(dst.st_mode)) /* Windows will not open one */
            return rasleak_error_at(err, RASLEAK_EIO, path, 0, 0,
                                    "cannot read '%s': it is a directory", path);
        return rasleak_error_at(err, e == ENOENT ? RASLEAK_ENOENT : RASLEAK_EIO, path, 0, 0,
                                "cannot open '%s': %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (fd != STDIN_FILENO)
            close(fd);
        return rasleak_error_at(err, RASLEAK_EIO, path, 0, 0,
                                "cannot read '%s': it is a directory", path);
    }
#ifndef _WIN32
    if (fd != STDIN_FILENO && S_ISREG(st.st_mode) && st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            close(fd);
            r->buf = m;
            r->len = (size_t)st.st_size;
            r->mapped = 1;
            return 0;
        }
    }
#endif
    char *b = NULL;
    size_t n = 0;
    int rc = read_all(fd, &b, &n);
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc < 0)
        return rasleak_error_at(err, RASLEAK_EIO, path, 0, 0, "cannot read '%s': %s", path,
                                strerror(-rc));
    r->buf = b;
    r->len = n;
    return 0;
}

/* ---- positions --------------------------------------------------------- */

/*
 * Line number of byte offset `off`, offsets asked for in increasing order;
 * in a second part counted from its cut (line 1 there), see abs_line().
 */
static long line_of(struct rasleak_trend_reader *r, size_t off)
{
    if (off < r->line_pos) {
        r->line_pos = r->part2 ? r->cut : 0;
        r->line_no = 1;
    }
    while (r->line_pos < off && r->line_pos < r->len) {
        const char *nl = memchr(r->buf + r->line_pos, '\n', off - r->line_pos);
        if (!nl) {
            r->line_pos = off;
            break;
        }
        r->line_no++;
        r->line_pos = (size_t)(nl - r->buf) + 1;
    }
    return r->line_no;
}

/* Line 1 + the newlines in buf[0, end). */
static long count_lines(const char *buf, size_t end)
{
    long nl = 1;
    for (const char *p = buf, *e = buf + end;
         p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        nl++;
    return nl;
}

/*
 * The line number in the file of line `rel` of the reader's own count.
 * A second part counts the lines before its cut only here, when a message
 * needs it: counting them as it starts would read the whole first half of
 * a mapped file at once, and keep it in memory, while the first part is
 * still reading it.
 */
static long abs_line(struct rasleak_trend_reader *r, long rel)
{
    if (!r->part2)
        return rel;
    if (!r->cut_line)
        r->cut_line = count_lines(r->buf, r->cut);
    return rel + r->cut_line - 1;
}

static int fail(struct rasleak_trend_reader *r, size_t off, const char *fmt, const char *a,
                const char *b, struct rasleak_error *err)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return rasleak_error_at(err, RASLEAK_EFORMAT, r->path, abs_line(r, line_of(r, off)), 0,
                            "%s", msg);
}

static void skip_ws(struct rasleak_trend_reader *r)
{
    while (r->pos < r->len && strchr(" \t\r\n", r->buf[r->pos]) && r->buf[r->pos])
        r->pos++;
}

/* ---- record checks ----------------------------------------------------- */

static int is_count(json_t *v)
{
    return json_is_number(v) && json_number_value(v) >= 0 && isfinite(json_number_value(v));
}

static int check_header(struct rasleak_trend_reader *r, json_t *h, size_t off,
                        struct rasleak_error *err)
{
    const char *type = json_string_value(json_object_get(h, "type"));
    if (!type || strcmp(type, "header") != 0)
        return fail(r, off, "expected a header record first (\"type\":\"header\")%s%s", NULL,
                    NULL, err);
    const char *fmt = json_string_value(json_object_get(h, "format"));
    if (!fmt || strcmp(fmt, RASLEAK_TREND_FORMAT) != 0)
        return fail(r, off, "not a rasleak trend file: header format is '%s', expected '%s'",
                    fmt ? fmt : "(missing)", RASLEAK_TREND_FORMAT, err);
    json_t *ver = json_object_get(h, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) < 1)
        return fail(r, off, "header has no valid \"version\" (expected a whole number from 1)%s%s",
                    NULL, NULL, err);
    if (json_integer_value(ver) > RASLEAK_TREND_VERSION) {
        char v[32], w[32];
        snprintf(v, sizeof v, "%lld", (long long)json_integer_value(ver));
        snprintf(w, sizeof w, "%d", RASLEAK_TREND_VERSION);
        return fail(r, off,
                    "trend format version %s is newer than this rasleak reads (up to %s)", v,
                    w, err);
    }
    r->version = json_integer_value(ver);
    r->stride = rasleak__trend_row_stride(h);
    if (!json_is_array(json_object_get(h, "targets")))
        return fail(r, off, "header has no \"targets\" array%s%s", NULL, NULL, err);
    return 0;
}

/* The iteration of a sample: a whole number, above the one before. */
static int check_iter(struct rasleak_trend_reader *r, json_t *iter, size_t off,
                      struct rasleak_error *err)
{
    if (!json_is_integer(iter) || json_integer_value(iter) < 0)
        return fail(r, off, "sample needs \"iter\" as a whole number >= 0%s%s", NULL, NULL, err);
    json_int_t it = json_integer_value(iter);
    if (r->part2 && !r->have_first_iter) {
        /* The iteration before it is in the first part: checked at the join. */
        r->first_iter = it;
        r->first_iter_line = line_of(r, off);
        r->have_first_iter = 1;
    }
    if (r->have_iter && it <= r->last_iter) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%lld", (long long)it);
        snprintf(b, sizeof b, "%lld", (long long)r->last_iter);
        return fail(r, off, "sample iteration %s does not follow iteration %s "
                            "(iterations must increase)", a, b, err);
    }
    r->smp.iter = (uint64_t)it;
    return 0;
}

static void free_cols(struct rasleak_trend_reader *r)
{
    for (size_t i = 0; i < r->ncols; i++)
        free(r->col_metric[i]);
    for (size_t k = 0; k < r->ntg; k++)
        free(r->tg_id[k]);
    r->ncols = 0;
    r->ntg = 0;
}

/* Do the targets and metrics of a full sample match the columns held? */
static int same_cols(const struct rasleak_trend_reader *r, json_t *targets)
{
    if (!r->have_cols || json_object_size(targets) != r->ntg)
        return 0;
    size_t c = 0, k = 0;
    const char *id;
    json_t *tv;
    json_object_foreach(targets, id, tv) {
        if (json_object_size(tv) != r->tg_first[k + 1] - r->tg_first[k])
            return 0;
        const char *m;
        json_t *v;
        json_object_foreach(tv, m, v) {
            if (strcmp(r->col_metric[c], m) != 0 || strcmp(r->col_target[c], id) != 0)
                return 0;
            c++;
        }
        k++;
    }
    return 1;
}

/* realloc *p to hold `want` items of `size` bytes. */
static int grow(void **p, size_t want, size_t size)
{
    void *np = realloc(*p, (want ? want : 1) * size);
    if (!np)
        return -1;
    *p = np;
    return 0;
}

/* Take the targets and metrics of a full sample as the columns. */
static int set_cols(struct rasleak_trend_reader *r, json_t *targets)
{
    free_cols(r);
    r->have_cols = 0;
    size_t n = 0, ntg = json_object_size(targets);
    const char *id;
    json_t *tv;
    json_object_foreach(targets, id, tv)
        n += json_object_size(tv);
    if (n > r->cols_cap) {
        if (grow((void **)&r->col_target, n, sizeof *r->col_target) < 0 ||
            grow((void **)&r->col_metric, n, sizeof *r->col_metric) < 0 ||
            grow((void **)&r->col_value, n, sizeof *r->col_value) < 0 ||
            grow((void **)&r->col_last, n, sizeof *r->col_last) < 0)
            return -1;
        r->cols_cap = n;
    }
    if (ntg + 1 > r->tg_cap) {
        if (grow((void **)&r->tg_first, ntg + 1, sizeof *r->tg_first) < 0 ||
            grow((void **)&r->tg_id, ntg + 1, sizeof *r->tg_id) < 0)
            return -1;
        r->tg_cap = ntg + 1;
    }
    size_t c = 0;
    json_object_foreach(targets, id, tv) {
        char *tid = strdup(id);
        if (!tid)
            return -1;
        r->tg_id[r->ntg] = tid;
        r->tg_first[r->ntg++] = c;
        const char *m;
        json_t *v;
        json_object_foreach(tv, m, v) {
            char *name = strdup(m);
            if (!name)
                return -1;
            r->col_target[c] = tid;
            r->col_metric[c] = name;
            r->ncols = ++c;
        }
    }
    r->tg_first[r->ntg] = c;
    return 0;
}

static int check_sample(struct rasleak_trend_reader *r, json_t *s, size_t off,
                        struct rasleak_error *err)
{
    int rc = check_iter(r, json_object_get(s, "iter"), off, err);
    if (rc < 0)
        return rc;
    json_t *t = json_object_get(s, "t");
    if (!json_is_number(t) || !isfinite(json_number_value(t)))
        return fail(r, off, "sample needs \"t\" (seconds since start) as a number%s%s", NULL,
                    NULL, err);
    json_t *targets = json_object_get(s, "targets");
    if (!json_is_object(targets))
        return fail(r, off, "sample needs a \"targets\" object%s%s", NULL, NULL, err);
    const char *id;
    json_t *tv;
    json_object_foreach(targets, id, tv) {
        if (!json_is_object(tv))
            return fail(r, off, "target '%s' of a sample is not an object%s", id, NULL, err);
        const char *m;
        json_t *v;
        json_object_foreach(tv, m, v) {
            if (!is_count(v))
                return fail(r, off, "metric '%s' of target '%s' must be a number >= 0", m, id,
                            err);
        }
    }
    if (!same_cols(r, targets)) {
        if (set_cols(r, targets) < 0)
            return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
        r->cols_gen++;
    }
    r->have_cols = 1;
    r->cols_line = line_of(r, off);
    size_t c = 0;
    json_object_foreach(targets, id, tv) {
        const char *m;
        json_t *v;
        json_object_foreach(tv, m, v)
            r->col_last[c] = r->col_value[c] = json_number_value(v), c++;
    }
    json_t *d = json_object_get(s, "dial_us"), *h = json_object_get(s, "hangup_us");
    const char *phase = json_string_value(json_object_get(s, "phase"));
    r->smp.t = json_number_value(t);
    r->t_full = r->smp.t;
    r->t_us = 0;
    r->smp.measure = !phase || strcmp(phase, "warmup") != 0;
    r->smp.ok = !json_is_false(json_object_get(s, "ok"));
    r->smp.dial_us = json_is_number(d) ? json_number_value(d) : NAN;
    r->smp.hangup_us = json_is_number(h) ? json_number_value(h) : NAN;
    r->last_iter = (json_int_t)r->smp.iter;
    r->have_iter = 1;
    return 0;
}

/* Elements of a compact row before the targets' arrays (versions 1, 2)
 * and before the columns' changes (3). */
#define ROW_HEAD 5
#define ROW3_HEAD 3

/* A row's time: the microseconds since the sample before (versions 2, 3). */
static int row_us(struct rasleak_trend_reader *r, json_t *t, size_t off, const char *which,
                  struct rasleak_error *err)
{
    json_int_t dt = json_integer_value(t);
    if (!json_is_integer(t) || dt < 0 || dt > ((json_int_t)1 << 52) - r->t_us)
        return fail(r, off, "sample row needs the microseconds since the sample before, a "
                            "whole number >= 0, as its %s element%s", which, NULL, err);
    r->t_us += dt;
    r->smp.t = r->t_full + (double)r->t_us / 1e6;
    return 0;
}

/* A column's change in a row: its value now, from its last one. */
static int apply_change(struct rasleak_trend_reader *r, size_t col, json_t *v, size_t off,
                        struct rasleak_error *err)
{
    if (json_is_null(v)) {
        r->col_value[col] = NAN;  /* not measured in this sample */
        return 0;
    }
    double now = r->col_last[col] + json_number_value(v);
    if (!json_is_integer(v) || !(now >= 0) || !isfinite(now))
        return fail(r, off, "metric '%s' of target '%s' needs a whole-number change that "
                            "leaves it >= 0 (or null)",
                    r->col_metric[col], r->col_target[col], err);
    r->col_last[col] = r->col_value[col] = now;
    return 0;
}

/*
 * A compact row of version 3: [dt_us, dial_us, hangup_us, column, change,
 * ...], the iteration a stride after the sample before, which succeeded,
 * in the phase of the full sample before it.  Only the columns that differ
 * from the sample before are listed, in increasing order, numbered across
 * the targets of the full sample; the others keep their state.
 */
static int check_row3(struct rasleak_trend_reader *r, json_t *row, size_t off,
                      struct rasleak_error *err)
{
    size_t n = json_array_size(row);
    char a[32], b[96];
    if (n < ROW3_HEAD || (n - ROW3_HEAD) % 2 != 0) {
        snprintf(a, sizeof a, "%zu", n);
        return fail(r, off, "sample row has %s elements, expected 3 and then pairs of a "
                            "column and its change%s", a, "", err);
    }
    json_t *d = json_array_get(row, 1), *h = json_array_get(row, 2);
    if (!is_count(d) || !is_count(h))
        return fail(r, off, "sample row needs dial_us and hangup_us as its second and third "
                            "elements%s%s", NULL, NULL, err);
    if (r->last_iter > INT64_MAX - r->stride)
        return fail(r, off, "sample row's iteration is beyond the largest there can be%s%s",
                    NULL, NULL, err);
    json_int_t prev = -1;
    for (size_t i = ROW3_HEAD; i < n; i += 2) {
        json_t *c = json_array_get(row, i);
        json_int_t col = json_integer_value(c);
        if (!json_is_integer(c) || col <= prev || (size_t)col >= r->ncols) {
            snprintf(a, sizeof a, "%zu", r->ncols);
            snprintf(b, sizeof b, " (the columns of the full sample on line %ld)",
                     abs_line(r, r->cols_line));
            return fail(r, off, "sample row's columns must be whole numbers in increasing "
                                "order below %s%s", a, b, err);
        }
        prev = col;
        int rc = apply_change(r, (size_t)col, json_array_get(row, i + 1), off, err);
        if (rc < 0)
            return rc;
    }
    int rc = row_us(r, json_array_get(row, 0), off, "first", err);
    if (rc < 0)
        return rc;
    r->smp.iter = (uint64_t)(r->last_iter + r->stride);
    r->smp.ok = 1;
    r->smp.dial_us = json_number_value(d);
    r->smp.hangup_us = json_number_value(h);
    r->last_iter = (json_int_t)r->smp.iter;
    r->have_iter = 1;
    return 0;
}

/*
 * A compact row: [iter change, time, ok, dial_us, hangup_us, [value changes]...],
 * the time the microseconds since the sample before (version 2) or t (1),
 * in the phase of the full sample before it; each value is its column's
 * last value plus the change.
 */
static int check_row(struct rasleak_trend_reader *r, json_t *row, size_t off,
                     struct rasleak_error *err)
{
    if (!r->have_cols)
        return fail(r, off, "a sample row before any full sample: its columns are not "
                            "known%s%s", NULL, NULL, err);
    if (r->version >= 3)
        return check_row3(r, row, off, err);
    char a[32], b[80];
    if (json_array_size(row) != ROW_HEAD + r->ntg) {
        snprintf(b, sizeof b, "%zu (the columns of the full sample on line %ld)",
                 ROW_HEAD + r->ntg, abs_line(r, r->cols_line));
        snprintf(a, sizeof a, "%zu", json_array_size(row));
        return fail(r, off, "sample row has %s elements, expected %s", a, b, err);
    }
    json_t *di = json_array_get(row, 0), *t = json_array_get(row, 1),
           *ok = json_array_get(row, 2), *d = json_array_get(row, 3), *h = json_array_get(row, 4);
    json_int_t step = json_integer_value(di);
    if (!json_is_integer(di) || step < 1 || step > INT64_MAX - r->last_iter)
        return fail(r, off, "sample row needs the iterations since the sample before, a whole "
                            "number >= 1, as its first element%s%s", NULL, NULL, err);
    if (r->version < 2 && (!json_is_number(t) || !isfinite(json_number_value(t))))
        return fail(r, off, "sample row needs t (seconds since start) as its second "
                            "element%s%s", NULL, NULL, err);
    if (!json_is_boolean(ok) || !is_count(d) || !is_count(h))
        return fail(r, off, "sample row needs ok (true or false), dial_us and hangup_us as "
                            "its third to fifth elements%s%s", NULL, NULL, err);
    for (size_t k = 0; k < r->ntg; k++) {
        json_t *vals = json_array_get(row, ROW_HEAD + k);
        size_t first = r->tg_first[k], want = r->tg_first[k + 1] - first;
        const char *id = r->tg_id[k];
        if (!json_is_array(vals) || json_array_size(vals) != want) {
            snprintf(b, sizeof b, "%zu values (the columns of the full sample on line %ld)",
                     want, abs_line(r, r->cols_line));
            return fail(r, off, "target '%s' of a sample row needs an array of %s", id, b,
                        err);
        }
        for (size_t i = 0; i < want; i++) {
            int rc = apply_change(r, first + i, json_array_get(vals, i), off, err);
            if (rc < 0)
                return rc;
        }
    }
    /* the phase stays the full sample's */
    if (r->version >= 2) {
        int rc = row_us(r, t, off, "second", err);
        if (rc < 0)
            return rc;
    } else {
        r->smp.t = json_number_value(t);
    }
    r->smp.iter = (uint64_t)(r->last_iter + step);
    r->smp.ok = json_is_true(ok);
    r->smp.dial_us = json_number_value(d);
    r->smp.hangup_us = json_number_value(h);
    r->last_iter = (json_int_t)r->smp.iter;
    r->have_iter = 1;
    return 0;
}

/* Type of a record after the header, checked; negative on error. */
static int classify(struct rasleak_trend_reader *r, json_t *rec, size_t off,
                    const char *want, struct rasleak_error *err)
{
    if (json_is_array(rec) && !r->doc) {
        if (r->have_summary)
            return fail(r, off, "unexpected sample row after the summary%s%s", NULL, NULL, err);
        int rc = check_row(r, rec, off, err);
        return rc < 0 ? rc : RASLEAK_REC_SAMPLE;
    }
    if (!json_is_object(rec))
        return fail(r, off, "expected a JSON object record%s%s", NULL, NULL, err);
    const char *type = json_string_value(json_object_get(rec, "type"));
    if (!type)
        return fail(r, off, "record has no \"type\"%s%s", NULL, NULL, err);
    if (want && strcmp(type, want) != 0)
        return fail(r, off, "expected a '%s' record here, found '%s'", want, type, err);
    if (r->have_summary)
        return fail(r, off, "unexpected '%s' record after the summary%s", type, NULL, err);
    if (strcmp(type, "sample") == 0) {
        int rc = check_sample(r, rec, off, err);
        return rc < 0 ? rc : RASLEAK_REC_SAMPLE;
    }
    if (strcmp(type, "event") == 0) {
        if (!json_is_string(json_object_get(rec, "kind")))
            return fail(r, off, "event needs a \"kind\" string%s%s", NULL, NULL, err);
        return RASLEAK_REC_EVENT;
    }
    if (strcmp(type, "suspects") == 0)
        return RASLEAK_REC_SUSPECTS;
    if (strcmp(type, "summary") == 0) {
        if (!json_is_string(json_object_get(rec, "stop_reason")))
            return fail(r, off, "summary needs a \"stop_reason\" string%s%s", NULL, NULL, err);
        r->have_summary = 1;
        return RASLEAK_REC_SUMMARY;
    }
    if (strcmp(type, "header") == 0)
        return fail(r, off, "a second header record%s%s", NULL, NULL, err);
    return fail(r, off, "unknown record type '%s'%s", type, NULL, err);
}

/* ---- JSON Lines -------------------------------------------------------- */

/*
 * Parse the next non-blank line.  Returns 1 with *out set, 0 at the end
 * (setting r->truncated for an unparsable last line without a newline),
 * or a negative code.
 */
static int next_line(struct rasleak_trend_reader *r, json_t **out, size_t *at,
                     struct rasleak_error *err)
{
    for (;;) {
        if (r->pos >= r->len)
            return 0;
        size_t start = r->pos;
#ifndef _WIN32
        if (r->mapped && start - r->drop_pos >= 2 * DROP_STEP) {
            /* Let go of what is behind; it is read again only for a message. */
            size_t page = (size_t)sysconf(_SC_PAGESIZE);
            uintptr_t from = ((uintptr_t)(r->buf + r->drop_pos) + page - 1) / page * page;
            uintptr_t to = (uintptr_t)(r->buf + start - DROP_STEP) / page * page;
            if (to > from)
                madvise((void *)from, to - from, MADV_DONTNEED);
            r->drop_pos = start - DROP_STEP;
        }
#endif
        const char *nl = memchr(r->buf + start, '\n', r->len - start);
        size_t end = nl ? (size_t)(nl - r->buf) : r->len;
        r->pos = nl ? end + 1 : r->len;
        size_t e = end;
        while (e > start && strchr(" \t\r", r->buf[e - 1]))
            e--;
        size_t s = start;
        while (s < e && strchr(" \t", r->buf[s]))
            s++;
        if (s == e)
            continue;
        json_error_t jerr;
        json_t *j = json_loadb(r->buf + s, e - s, JSON_REJECT_DUPLICATES, &jerr);
        *at = s;
        if (!j) {
            if (!nl) {          /* a partial last line: the run was cut short */
                r->truncated = 1;
                r->partial = 1;
                return 0;
            }
            char col[32];
            snprintf(col, sizeof col, "%d", jerr.column);
            return rasleak_error_at(err, RASLEAK_EFORMAT, r->path, abs_line(r, line_of(r, s)),
                                    jerr.column,
                                    "invalid JSON at column %s: %s", col, jerr.text);
        }
        *out = j;
        return 1;
    }
}

/* ---- JSON document ----------------------------------------------------- */

/* Parse one JSON value at r->pos; returns 1, 0 if cut off, or < 0. */
static int parse_value(struct rasleak_trend_reader *r, json_t **out, struct rasleak_error *err)
{
    json_error_t jerr;
    size_t at = r->pos;
    json_t *j = json_loadb(r->buf + at, r->len - at,
                           JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        if ((size_t)jerr.position >= r->len - at) {
            r->truncated = 1;
            return 0;
        }
        return rasleak_error_at(err, RASLEAK_EFORMAT, r->path,
                                abs_line(r, line_of(r, at)) + jerr.line - 1,
                                jerr.column, "invalid JSON: %s", jerr.text);
    }
    r->pos = at + (size_t)jerr.position;
    *out = j;
    return 1;
}

/* Expect the character `c` (after white space); 1, 0 at the end, < 0 else. */
static int expect(struct rasleak_trend_reader *r, char c, const char *what,
                  struct rasleak_error *err)
{
    skip_ws(r);
    if (r->pos >= r->len) {
        r->truncated = 1;
        return 0;
    }
    if (r->buf[r->pos] != c)
        return fail(r, r->pos, "expected %s%s", what, NULL, err);
    r->pos++;
    return 1;
}

/* Read `"key":`; 1 with the key in `key`, 0 at the end, < 0 on error. */
static int read_key(struct rasleak_trend_reader *r, char *key, size_t len,
                    struct rasleak_error *err)
{
    skip_ws(r);
    if (r->pos >= r->len) {
        r->truncated = 1;
        return 0;
    }
    const char *q = r->buf + r->pos;
    if (*q != '"')
        return fail(r, r->pos, "expected a key (\"header\", \"samples\", \"events\" or "
                               "\"summary\")%s%s", NULL, NULL, err);
    const char *e = memchr(q + 1, '"', r->len - r->pos - 1);
    if (!e) {
        r->truncated = 1;
        return 0;
    }
    size_t n = (size_t)(e - q - 1);
    if (n >= len)
        n = len - 1;
    memcpy(key, q + 1, n);
    key[n] = '\0';
    r->pos = (size_t)(e - r->buf) + 1;
    return expect(r, ':', "':' after a key", err);
}

/* The next record of the document layout: 1, 0 at the end, or < 0. */
static int next_doc(struct rasleak_trend_reader *r, json_t **out, size_t *at, const char **want,
                    struct rasleak_error *err)
{
    int rc;
    for (;;) {
        if (r->sec == SEC_SAMPLES || r->sec == SEC_EVENTS) {
            skip_ws(r);
            if (r->pos >= r->len) {
                r->truncated = 1;
                return 0;
            }
            char c = r->buf[r->pos];
            if (c == ']') {
                r->pos++;
                r->sec = SEC_NONE;
                skip_ws(r);
                if (r->pos < r->len && r->buf[r->pos] == ',')
                    r->pos++;
                continue;
            }
            if (c == ',')
                r->pos++;
            skip_ws(r);
            *at = r->pos;
            *want = r->sec == SEC_SAMPLES ? "sample" : "event";
            return parse_value(r, out, err);
        }
        if (r->sec == SEC_DONE) {
            skip_ws(r);
            if (r->pos < r->len)
                return fail(r, r->pos, "unexpected data after the end of the document%s%s",
                            NULL, NULL, err);
            return 0;
        }
        skip_ws(r);
        if (r->pos < r->len && r->buf[r->pos] == '}') {
            r->pos++;
            r->sec = SEC_DONE;
            continue;
        }
        char key[32];
        if ((rc = read_key(r, key, sizeof key, err)) <= 0)
            return rc;
        if (strcmp(key, "samples") == 0 || strcmp(key, "events") == 0) {
            if ((rc = expect(r, '[', "'[' to open an array", err)) <= 0)
                return rc;
            r->sec = key[0] == 's' ? SEC_SAMPLES : SEC_EVENTS;
            continue;
        }
        if (strcmp(key, "summary") == 0) {
            skip_ws(r);
            *at = r->pos;
            *want = "summary";
            rc = parse_value(r, out, err);
            if (rc > 0) {
                /* The summary is the last member, but tolerate a comma. */
                skip_ws(r);
                if (r->pos < r->len && r->buf[r->pos] == ',')
                    r->pos++;
            }
            return rc;
        }
        return fail(r, r->pos, "unknown member '%s' in the trend document%s", key, NULL, err);
    }
}

/* ---- public ------------------------------------------------------------ */

int rasleak_trend_open(struct rasleak_trend_reader **out, const char *path,
                       struct rasleak_error *err)
{
    struct rasleak_trend_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    r->line_no = 1;
    int rc = load(r, path, err);
    if (rc < 0)
        goto fail;
    /* A byte-order mark, as some Windows editors write, is not content. */
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    skip_ws(r);
    if (r->pos >= r->len) {
        rc = rasleak_error_at(err, RASLEAK_EFORMAT, path, 1, 0,
                              "'%s' is empty: expected a rasleak trend header", path);
        goto fail;
    }
    if (r->buf[r->pos] != '{') {
        rc = fail(r, r->pos, "expected a JSON object (a rasleak trend header)%s%s", NULL, NULL,
                  err);
        goto fail;
    }
    /* Which layout: the document starts with the member "header". */
    size_t save = r->pos;
    r->pos++;
    skip_ws(r);
    r->doc = r->len - r->pos >= 9 && memcmp(r->buf + r->pos, "\"header\"", 8) == 0;
    r->pos = save;
    size_t at = r->pos;
    json_t *h = NULL;
    if (r->doc) {
        char key[32];
        r->pos++;
        rc = read_key(r, key, sizeof key, err);
        if (rc > 0) {
            skip_ws(r);
            at = r->pos;
            rc = parse_value(r, &h, err);
        }
        if (rc > 0) {
            skip_ws(r);
            if (r->pos < r->len && r->buf[r->pos] == ',')
                r->pos++;
        }
    } else {
        rc = next_line(r, &h, &at, err);
    }
    if (rc == 0) {
        rc = rasleak_error_at(err, RASLEAK_EFORMAT, path, line_of(r, at), 0,
                              "the header record is cut off");
        goto fail;
    }
    if (rc < 0)
        goto fail;
    r->header = h;
    if ((rc = check_header(r, h, at, err)) < 0)
        goto fail;
    r->rec_line = line_of(r, at);
    r->records = 1;
    *out = r;
    return 0;
fail:
    rasleak_trend_close(r);
    return rc;
}

json_t *rasleak_trend_header(const struct rasleak_trend_reader *r)
{
    return r->header;
}

int rasleak_trend_next(struct rasleak_trend_reader *r, json_t **rec, struct rasleak_error *err)
{
    json_decref(r->cur);
    r->cur = NULL;
    json_t *j = NULL;
    size_t at = r->pos;
    const char *want = NULL;
    int rc = r->doc ? next_doc(r, &j, &at, &want, err) : next_line(r, &j, &at, err);
    if (rc <= 0) {
        if (rc == 0 && !r->have_summary)
            r->truncated = 1;
        return rc;
    }
    r->cur = j;
    r->rec_line = line_of(r, at);
    if (r->part2 && r->records == 0) {
        const char *t = json_string_value(json_object_get(j, "type"));
        snprintf(r->first_type, sizeof r->first_type, "%s", t ? t : "");
        r->first_rec_line = r->rec_line;
    }
    int type = classify(r, j, at, want, err);
    if (type < 0)
        return type;
    r->records++;
    *rec = j;
    return type;
}

void rasleak_trend_sample(const struct rasleak_trend_reader *r, struct rasleak_trend_sample *s)
{
    *s = r->smp;
    s->n = r->ncols;
    s->target = (const char *const *)r->col_target;
    s->metric = (const char *const *)r->col_metric;
    s->value = r->col_value;
    s->columns = r->cols_gen;
}

void rasleak__trend_release(struct rasleak_trend_reader *r)
{
    json_decref(r->cur);
    r->cur = NULL;
}

size_t rasleak__trend_pos(const struct rasleak_trend_reader *r)
{
    return r->pos;
}

size_t rasleak__trend_size(const struct rasleak_trend_reader *r)
{
    return r->len;
}

long rasleak_trend_line(const struct rasleak_trend_reader *r)
{
    if (r->part2)
        return r->rec_line + (r->cut_line ? r->cut_line : count_lines(r->buf, r->cut)) - 1;
    return r->rec_line;
}

int rasleak_trend_truncated(const struct rasleak_trend_reader *r)
{
    return r->truncated;
}

long rasleak_trend_records(const struct rasleak_trend_reader *r)
{
    return r->records;
}

void rasleak_trend_close(struct rasleak_trend_reader *r)
{
    if (!r)
        return;
    json_decref(r->cur);
    json_decref(r->header);
    free_cols(r);
    free(r->col_target);
    free(r->col_metric);
    free(r->col_value);
    free(r->col_last);
    free(r->tg_first);
    free(r->tg_id);
    if (r->borrowed) {
        free(r->path);
        free(r);
        return;
    }
#ifndef _WIN32
    if (r->mapped)
        munmap((void *)r->buf, r->len);
    else
#endif
        free((void *)r->buf);
    free(r->path);
    free(r);
}

/* ---- reading in two parts ----------------------------------------------- */

int rasleak__trend_split(struct rasleak_trend_reader *r, size_t min_bytes,
                         struct rasleak_trend_reader **second, struct rasleak_error *err)
{
    *second = NULL;
    if (r->doc || r->len - r->pos < min_bytes || r->len - r->pos < 2)
        return 0;
    /*
     * The second part starts at a full sample, as the writer puts it: a
     * compact row after the cut could not be read without the columns of
     * the full sample before it.  A file with no such line after the
     * middle is read by one reader.
     */
    static const char full[] = "\n{\"type\":\"sample\"";
    size_t mid = r->pos + (r->len - r->pos) / 2;
    const char *nl = r->buf + mid, *end = r->buf + r->len;
    while ((nl = memchr(nl, '\n', (size_t)(end - nl))) != NULL &&
           ((size_t)(end - nl) < sizeof full - 1 || memcmp(nl, full, sizeof full - 1) != 0))
        nl++;
    if (!nl || (size_t)(nl - r->buf) + 1 >= r->len)
        return 0;
    size_t cut = (size_t)(nl - r->buf) + 1;
    struct rasleak_trend_reader *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(r->path))) {
        free(t);
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    }
    t->buf = r->buf;
    t->len = r->len;
    t->version = r->version;
    t->stride = r->stride;
    t->pos = cut;
    t->mapped = r->mapped;
    t->drop_pos = cut;
    t->borrowed = 1;
    t->part2 = 1;
    t->line_pos = cut;
    t->line_no = 1;
    t->cut = cut;
    r->len = cut;
    *second = t;
    return 0;
}

int rasleak__trend_join(struct rasleak_trend_reader *first,
                        struct rasleak_trend_reader *second, struct rasleak_error *err)
{
    /* The first part counted its lines up to near the cut: the rest of
     * the way gives the cut's line without reading the first half again. */
    if (!second->cut_line)
        second->cut_line = line_of(first, second->cut);
    if (second->first_rec_line > 0)
        second->first_rec_line = abs_line(second, second->first_rec_line);
    if (second->have_first_iter)
        second->first_iter_line = abs_line(second, second->first_iter_line);
    if (second->records > 0)
        second->rec_line = abs_line(second, second->rec_line);
    if (second->first_rec_line > 0 && first->have_summary)
        return rasleak_error_at(err, RASLEAK_EFORMAT, first->path, second->first_rec_line, 0,
                                "unexpected '%s' record after the summary", second->first_type);
    if (second->have_first_iter && first->have_iter && second->first_iter <= first->last_iter) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%lld", (long long)second->first_iter);
        snprintf(b, sizeof b, "%lld", (long long)first->last_iter);
        return rasleak_error_at(err, RASLEAK_EFORMAT, first->path, second->first_iter_line, 0,
                                "sample iteration %s does not follow iteration %s "
                                "(iterations must increase)", a, b);
    }
    first->records += second->records;
    first->have_summary |= second->have_summary;
    first->truncated = second->records ? second->truncated
                                       : second->partial || !first->have_summary;
    if (second->have_iter) {
        first->last_iter = second->last_iter;
        first->have_iter = 1;
    }
    if (second->records > 0)
        first->rec_line = second->rec_line;
    first->len = second->len;
    first->pos = second->pos;
    return 0;
}
