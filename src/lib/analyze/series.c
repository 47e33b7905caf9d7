/*
 * series.c - gathering the series of every target and metric.
 *
 * The reader hands out each sample as columns (target, metric, value) that
 * stay the same from sample to sample until a full sample brings others:
 * a metric may appear late (a plugin's counter) or vanish.  Each (target,
 * metric) pair is its own series with its own x values; which series each
 * column feeds is looked up once per change of the columns.  Records list
 * their metrics in the same order every time, so the next series is almost
 * always the one after the last found: the look-up tries that first.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/series.h"
#include "platform/threads.h"

static struct rasleak__series *find(struct rasleak__series_set *set, const char *target,
                                    const char *metric)
{
    for (size_t k = 0; k < set->n; k++) {
        size_t i = (set->hint + k) % set->n;
        struct rasleak__series *s = &set->items[i];
        if (strcmp(s->metric, metric) == 0 && strcmp(s->target, target) == 0) {
            set->hint = i + 1;
            return s;
        }
    }
    if (set->n == set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 16;
        struct rasleak__series *ni = realloc(set->items, ncap * sizeof *ni);
        if (!ni)
            return NULL;
        set->items = ni;
        set->cap = ncap;
    }
    struct rasleak__series *s = &set->items[set->n];
    memset(s, 0, sizeof *s);
    s->target = strdup(target);
    s->metric = strdup(metric);
    if (!s->target || !s->metric) {
        free(s->target);
        free(s->metric);
        return NULL;
    }
    set->n++;
    set->hint = set->n;
    return s;
}

/* From float to double storage, for the first value a float cannot hold. */
static int widen(struct rasleak__series *s)
{
    double *d = malloc((s->cap ? s->cap : 1) * sizeof *d);
    if (!d)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        d[i] = s->yf[i];
    free(s->yf);
    s->yf = NULL;
    s->yd = d;
    return 0;
}

static int reserve(struct rasleak__series *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    size_t ncap = s->cap ? s->cap : 256;
    while (ncap < want)
        ncap *= 2;
    uint32_t *nx = realloc(s->xi, ncap * sizeof *nx);
    if (!nx)
        return -1;
    s->xi = nx;
    if (s->yd) {
        double *ny = realloc(s->yd, ncap * sizeof *ny);
        if (!ny)
            return -1;
        s->yd = ny;
    } else {
        float *ny = realloc(s->yf, ncap * sizeof *ny);
        if (!ny)
            return -1;
        s->yf = ny;
    }
    s->cap = ncap;
    return 0;
}

static int push(struct rasleak__series *s, uint32_t xi, double y)
{
    if (reserve(s, s->n + 1) < 0)
        return -1;
    if (!s->yd && (double)(float)y != y && widen(s) < 0)
        return -1;
    s->xi[s->n] = xi;
    if (s->yd)
        s->yd[s->n] = y;
    else
        s->yf[s->n] = (float)y;
    s->n++;
    return 0;
}

/* Map each column of `s` to its series (by index: items[] moves as it grows). */
static int map_columns(struct rasleak__series_set *set, const struct rasleak_trend_sample *s)
{
    size_t *m = realloc(set->colmap, (s->n ? s->n : 1) * sizeof *m);
    if (!m)
        return -1;
    set->colmap = m;
    set->have_colmap = 0;
    for (size_t c = 0; c < s->n; c++) {
        struct rasleak__series *ser = find(set, s->target[c], s->metric[c]);
        if (!ser)
            return -1;
        m[c] = (size_t)(ser - set->items);
    }
    set->colmap_for = s->columns;
    set->have_colmap = 1;
    return 0;
}

int rasleak__series_add_sample(struct rasleak__series_set *set,
                               const struct rasleak_trend_sample *s)
{
    if (set->niters == set->iters_cap) {
        size_t ncap = set->iters_cap ? set->iters_cap * 2 : 1024;
        if (set->niters >= UINT32_MAX)
            return -1;
        double *ni = realloc(set->iters, ncap * sizeof *ni);
        if (!ni)
            return -1;
        set->iters = ni;
        set->iters_cap = ncap;
    }
    if ((!set->have_colmap || set->colmap_for != s->columns) && map_columns(set, s) < 0)
        return -1;
    uint32_t xi = (uint32_t)set->niters;
    set->iters[set->niters++] = (double)s->iter;
    for (size_t c = 0; c < s->n; c++)
        if (!isnan(s->value[c]) && push(&set->items[set->colmap[c]], xi, s->value[c]) < 0)
            return -1;
    return 0;
}

/*
 * Appending the series of a later part to their own in the first: each
 * pair is apart from the others, so the pairs are shared out between two
 * threads, their values about even.  The copies, and the pages they fault
 * in, are most of what merging costs: hundreds of megabytes at 10^7
 * samples, on one thread while the other waited.
 */
struct merge_job {
    struct rasleak__series *const *into;  /* into[k] takes from[k] */
    struct rasleak__series *from;
    const size_t *k;                      /* the pairs of this job */
    size_t n;
    uint32_t off;                         /* iterations before b's */
    int rc;
};

static void *merge_pairs(void *arg)
{
    struct merge_job *j = arg;
    for (size_t q = 0; q < j->n; q++) {
        struct rasleak__series *s = j->into[j->k[q]], *t = &j->from[j->k[q]];
        if (reserve(s, s->n + t->n) < 0 || (!s->yd && t->yd && widen(s) < 0)) {
            j->rc = -1;
            return NULL;
        }
        for (size_t i = 0; i < t->n; i++) {
            s->xi[s->n + i] = t->xi[i] + j->off;
            if (s->yd)
                s->yd[s->n + i] = t->yd ? t->yd[i] : t->yf[i];
            else
                s->yf[s->n + i] = t->yf[i];
        }
        s->n += t->n;
        rasleak__series_release(t);
    }
    return NULL;
}

int rasleak__series_merge(struct rasleak__series_set *a, struct rasleak__series_set *b)
{
    if ((uint64_t)a->niters + b->niters > UINT32_MAX)
        return -1;
    size_t nb = b->n ? b->n : 1;
    struct rasleak__series **into = malloc(nb * sizeof *into);
    size_t *k = malloc(nb * sizeof *k);
    int rc = into && k ? 0 : -1;
    /* Each of b's series' own in a first (found, or added, which may move
     * a's items), then the copies.  Each pair goes to the job with fewer
     * values so far: job 0 lists its pairs from the front of k[], job 1
     * from the back. */
    size_t load[2] = {0, 0}, n[2] = {0, 0};
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        struct rasleak__series *t = &b->items[i];
        if (!(into[i] = find(a, t->target, t->metric)))
            rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < b->n; i++) {
        int g = load[1] < load[0];
        load[g] += b->items[i].n;
        if (g == 0)
            k[n[0]++] = i;
        else
            k[nb - ++n[1]] = i;
    }
    if (rc == 0) {
        struct merge_job j[2] = {{into, b->items, k, n[0], (uint32_t)a->niters, 0},
                                 {into, b->items, k + nb - n[1], n[1], (uint32_t)a->niters, 0}};
        rasleak__run_two(merge_pairs, &j[0], &j[1]);
        rc = j[0].rc < 0 || j[1].rc < 0 ? -1 : 0;
    }
    free(into);
    free(k);
    if (rc < 0)
        return -1;
    if (b->niters) {
        double *ni = realloc(a->iters, (a->niters + b->niters) * sizeof *ni);
        if (!ni)
            return -1;
        memcpy(ni + a->niters, b->iters, b->niters * sizeof *ni);
        a->iters = ni;
        a->niters += b->niters;
        a->iters_cap = a->niters;
    }
    rasleak__series_free(b);
    return 0;
}

/*
 * Widen n values of 4 bytes at p, in a block already grown to 8n bytes, to
 * doubles in place: from the last down, each double is written over values
 * already read (value i lands on values 2i and 2i+1, and 2i >= i).
 */
static void widen_floats(void *p, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        float v;
        memcpy(&v, (char *)p + 4 * i, sizeof v);
        double d = v;
        memcpy((char *)p + 8 * i, &d, sizeof d);
    }
}

static void widen_indices(void *p, size_t n, const double *iters)
{
    for (size_t i = n; i-- > 0;) {
        uint32_t k;
        memcpy(&k, (char *)p + 4 * i, sizeof k);
        double d = iters[k];
        memcpy((char *)p + 8 * i, &d, sizeof d);
    }
}

int rasleak__series_take_arrays(const struct rasleak__series_set *set,
                                struct rasleak__series *s, const double **x,
                                double **x_owned, double **y)
{
    size_t n = s->n ? s->n : 1;
    /* x indices strictly increase, so n of them below niters ending at
     * niters - 1 are all of them: x is the shared array itself. */
    int all = s->n > 0 && s->n == set->niters && s->xi[s->n - 1] == s->n - 1;
    /* The values: the doubles as they are, or the floats widened where
     * they lie (realloc moves pages, it does not copy them). */
    double *yv;
    if (s->yd) {
        yv = realloc(s->yd, n * sizeof *yv);
        if (!yv)
            return -1;
        s->yd = NULL;
    } else {
        void *g = realloc(s->yf, n * sizeof(double));
        if (!g)
            return -1;
        s->yf = NULL;
        widen_floats(g, s->n);
        yv = g;
    }
    double *xv = NULL;
    if (!all) {
        void *g = realloc(s->xi, n * sizeof(double));
        if (!g) {
            s->yd = yv;  /* still a valid series, now in doubles */
            return -1;
        }
        s->xi = NULL;
        widen_indices(g, s->n, set->iters);
        xv = g;
    }
    free(s->xi);
    s->xi = NULL;
    *x_owned = xv;
    *x = all ? set->iters : xv;
    *y = yv;
    return 0;
}

static double value_at(const struct rasleak__series *s, size_t i)
{
    return s->yd ? s->yd[i] : s->yf[i];
}

int rasleak__series_shifted(const struct rasleak__series *a, const struct rasleak__series *b,
                            double *offset)
{
    if (a->n == 0 || a->n != b->n)
        return 0;
    /* One loop that stops at the first difference: most pairs of series
     * of a target differ at once. */
    const double whole = 0x1p53;
    double d = value_at(b, 0) - value_at(a, 0);
    for (size_t i = 0; i < a->n; i++) {
        double va = value_at(a, i), vb = value_at(b, i);
        if (a->xi[i] != b->xi[i] || vb - va != d || !(fabs(va) < whole) ||
            !(fabs(vb) < whole) || floor(va) != va || floor(vb) != vb)
            return 0;
    }
    *offset = d;
    return 1;
}

int rasleak__series_constant(const struct rasleak__series *s)
{
    for (size_t i = 1; i < s->n; i++)
        if (s->yd ? s->yd[i] != s->yd[0] : s->yf[i] != s->yf[0])
            return 0;
    return 1;
}

void rasleak__series_release(struct rasleak__series *s)
{
    free(s->xi);
    free(s->yf);
    free(s->yd);
    s->xi = NULL;
    s->yf = NULL;
    s->yd = NULL;
}

void rasleak__series_free(struct rasleak__series_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i].target);
        free(set->items[i].metric);
        rasleak__series_release(&set->items[i]);
    }
    free(set->items);
    free(set->iters);
    free(set->colmap);
    memset(set, 0, sizeof *set);
}
