/*
 * sen.c - Sen's slope, its confidence interval, and exact selection of the
 * k-th smallest of the N = n(n-1)/2 pairwise slopes.
 *
 * The direct method computes all N slopes and selects; it is kept for small
 * n and as the reference the fast method is tested against.
 *
 * The fast method is in sen_band.c (the search for the band of slopes
 * that holds the wanted ranks) and sen_pass.c (the counting and sampling
 * passes that search runs); sen_fast.h is what they share.
 */
#include "rasleak/stats.h"
#include "rasleak/error.h"
#include "platform/scratch.h"
#include "platform/threads.h"
#include "stats/sen_fast.h"
#include "stats/sen_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* No fused multiply-adds in this file either, as before the split into
 * files: the same roundings with every compiler (see sen_pass.c). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define DIRECT_MAX_N 64  /* AUTO uses the direct method up to here */
/* From this many points on, each pass sorts the two halves of the order on
 * two threads (see sort_pass_two(), sen_pass.c); below, a thread costs more
 * than the half pass it would take over. */
#define THREAD_MIN_N 1000000

/* ---------------------------------------------------------------- helpers */

/*
 * The k-th smallest of a[0..n), reordering a so that a[k] holds it, a[<k]
 * are <= and a[>k] are >=.  Quickselect with a three-way split, so that a
 * sample full of equal slopes (a step series) costs O(n), not O(n^2); the
 * split is two branch-free Lomuto passes (below the pivot, then equal to
 * it), since on random slopes a branch per element mispredicts half the
 * time.
 */
double rasleak__sen_select_k(double *a, size_t n, size_t k, uint64_t *rng)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 16) {
        double p0 = a[lo + rng_next(rng) % (hi - lo)];
        double p1 = a[lo + rng_next(rng) % (hi - lo)];
        double p2 = a[lo + rng_next(rng) % (hi - lo)];
        double p = p0 < p1 ? (p1 < p2 ? p1 : (p0 < p2 ? p2 : p0))
                           : (p0 < p2 ? p0 : (p1 < p2 ? p2 : p1));
        size_t lt = lo;
        for (size_t i = lo; i < hi; i++) {
            double v = a[i];
            a[i] = a[lt];
            a[lt] = v;
            lt += v < p;
        }
        if (k < lt) {
            hi = lt;
            continue;
        }
        size_t eq = lt;
        for (size_t i = lt; i < hi; i++) {
            double v = a[i];
            a[i] = a[eq];
            a[eq] = v;
            eq += !(p < v);
        }
        if (k < eq)
            return p;
        lo = eq;
    }
    for (size_t i = lo + 1; i < hi; i++) {
        double v = a[i];
        size_t j = i;
        while (j > lo && v < a[j - 1]) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
    return a[k];
}

/*
 * Checks shared by every entry point.  Besides finite, strictly increasing
 * x, the keys y - t x must stay far from overflow for every slope t the
 * search can try; |t| <= 2 max|y| / min(dx), so bound that times max|x|.
 */
static int check_xy(const double *x, const double *y, size_t n)
{
    if (!x || !y || n < 2 || n > RASLEAK_STATS_MAX_N)
        return RASLEAK_EINVAL;
    double xmax = 0.0, ymax = 0.0, dxmin = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return RASLEAK_EINVAL;
        if (i > 0) {
            if (!(x[i] > x[i - 1]))
                return RASLEAK_EINVAL;
            double dx = x[i] - x[i - 1];
            if (dx < dxmin)
                dxmin = dx;
        }
        if (fabs(x[i]) > xmax)
            xmax = fabs(x[i]);
        if (fabs(y[i]) > ymax)
            ymax = fabs(y[i]);
    }
    const double limit = 0x1p900;
    if (!(dxmin > 0.0) || ymax > limit || xmax > limit)
        return RASLEAK_EINVAL;
    if (ymax > 0.0 && (2.0 * ymax / dxmin) * (xmax + 1.0) > limit)
        return RASLEAK_EINVAL;
    return 0;
}

/* --------------------------------------------------------- direct method */

/* Fill s with all N slopes.  Caller owns s. */
static double *all_slopes(const double *x, const double *y, size_t n)
{
    size_t npairs = n * (n - 1) / 2;
    double *s = malloc(npairs * sizeof *s);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            s[o++] = (y[j] - y[i]) / (x[j] - x[i]);
    return s;
}

/*
 * Selection by brackets, for long arrays: the values at the ranks are read
 * off one pass over the array that moves nothing in it, where quickselect's
 * partitions move most of what they read, level after level.  A uniform
 * sample of BRACKET_SAMPLE values places each rank; the sample's values
 * BRACKET_Z standard deviations either side of where the rank falls in it
 * bound a bracket [lo, hi] (ranks whose brackets overlap share one).  The
 * pass counts, for each bracket, the values below lo and those equal to lo
 * or to hi, and copies those strictly between; a rank is then lo, hi, or
 * selected among the copies, a few percent of the array.  A rank outside
 * its bracket (the sample was off by more than BRACKET_Z deviations), or
 * more copies than the room for them, is a miss, and the caller falls
 * back to quickselect.  With two, each half of the array is read on its
 * own thread into copies of its own.
 */
#define BRACKET_MIN ((size_t)1 << 18)
#define BRACKET_SAMPLE 32768
#define BRACKET_Z 4.0
#define BRACKET_MAX 4

#define BRACKET_ROOM 2.0  /* room for copies, times as many as expected */

static double bracket_z = BRACKET_Z, bracket_room = BRACKET_ROOM;
static atomic_ulong brackets_used, brackets_missed;

void rasleak__sen_set_brackets(double z, double room)
{
    bracket_z = z >= 0.0 ? z : BRACKET_Z;
    bracket_room = room >= 0.0 ? room : BRACKET_ROOM;
}

void rasleak__sen_bracket_counts(unsigned long *used, unsigned long *missed)
{
    *used = atomic_load(&brackets_used);
    *missed = atomic_load(&brackets_missed);
}

struct bracket {
    double lo, hi;       /* lo <= hi; -inf / +inf: no bound on that side */
    size_t below, eq_lo, eq_hi;
    double *in;          /* values strictly between lo and hi */
    size_t nin, cap;
};

struct bracket_scan {
    const double *a;
    size_t n, nb;
    struct bracket b[BRACKET_MAX];
    int full;
};

static void *bracket_scan(void *arg)
{
    struct bracket_scan *sc = arg;
    for (size_t j = 0; j < sc->nb; j++) {
        struct bracket *b = &sc->b[j];
        const double lo = b->lo, hi = b->hi;
        const int two_ends = lo != hi;
        size_t below = 0, eq_lo = 0, eq_hi = 0, nin = 0, i = 0;
        double *in = b->in;
        for (; i < sc->n && nin < b->cap; i++) {
            double v = sc->a[i];
            below += v < lo;
            eq_lo += v == lo;
            eq_hi += (v == hi) & two_ends;
            in[nin] = v;  /* kept only if it counts: the room has one spare */
            nin += (v > lo) & (v < hi);
        }
        /* No room left: the rest is counted, for a full count, not kept. */
        sc->full |= i < sc->n;
        for (; i < sc->n; i++) {
            double v = sc->a[i];
            below += v < lo;
            eq_lo += v == lo;
            eq_hi += (v == hi) & two_ends;
            nin += (v > lo) & (v < hi);
        }
        b->below = below;
        b->eq_lo = eq_lo;
        b->eq_hi = eq_hi;
        b->nin = nin;
    }
    return NULL;
}

/*
 * The ranks k[0..m) (ascending, < len, m <= BRACKET_MAX) of s[0..len)
 * into out[], by brackets; room (spare doubles, or NULL) holds the copies
 * when it is large enough.  0, or -1 for a miss (s unchanged either way).
 */
static int select_by_brackets(const double *s, size_t len, const uint64_t *k, double *out,
                              size_t m, uint64_t *rng, int two, double *room, size_t nroom)
{
    double *smp = malloc(BRACKET_SAMPLE * sizeof *smp);
    if (!smp)
        return -1;
    /* Each rank's place in the sample, widened; overlapping ones merged. */
    size_t rlo[BRACKET_MAX], rhi[BRACKET_MAX], nb = 0, of[BRACKET_MAX];
    for (size_t r = 0; r < m; r++) {
        double q = ((double)k[r] + 0.5) / (double)len;
        double at = q * BRACKET_SAMPLE;
        double w = bracket_z * sqrt(BRACKET_SAMPLE * q * (1.0 - q)) + 2.0;
        double a = floor(at - w), b = ceil(at + w);
        size_t lo_ = a < 0.0 ? SIZE_MAX : (size_t)a;  /* SIZE_MAX: no lower bound */
        size_t hi_ = b >= BRACKET_SAMPLE ? BRACKET_SAMPLE : (size_t)b;
        if (nb > 0 && (lo_ == SIZE_MAX || lo_ <= rhi[nb - 1])) {
            rhi[nb - 1] = hi_;  /* ascending ranks: only the last can overlap */
        } else {
            rlo[nb] = lo_;
            rhi[nb] = hi_;
            nb++;
        }
        of[r] = nb - 1;
    }
    for (size_t i = 0; i < BRACKET_SAMPLE; i++)
        smp[i] = s[rng_next(rng) % len];
    struct bracket_scan sc[2];
    memset(sc, 0, sizeof sc);
    size_t need = 0, caps[BRACKET_MAX];
    for (size_t j = 0; j < nb; j++) {
        /* The sample's order statistics at the bounds, lowest first. */
        size_t from = 0;
        double lo = -INFINITY, hi = INFINITY;
        if (rlo[j] != SIZE_MAX) {
            lo = rasleak__sen_select_k(smp, BRACKET_SAMPLE, rlo[j], rng);
            from = rlo[j];
        }
        if (rhi[j] < BRACKET_SAMPLE)
            hi = rasleak__sen_select_k(smp + from, BRACKET_SAMPLE - from, rhi[j] - from, rng);
        size_t span = (rlo[j] == SIZE_MAX ? rhi[j] : rhi[j] - rlo[j]) + 1;
        /* Twice the copies expected, in each half: one may hold them all. */
        caps[j] = (size_t)(bracket_room * (double)span / BRACKET_SAMPLE * (double)len) + 1024;
        need += 2 * (caps[j] + 1);
        for (int h = 0; h < 2; h++) {
            sc[h].b[j].lo = lo;
            sc[h].b[j].hi = hi;
        }
    }
    free(smp);
    double *mem = need <= nroom ? room : malloc(need * sizeof *mem);
    if (!mem)
        return -1;
    /* Each bracket's room for the first half, then for the second, so
     * that the second's copies can be moved up behind the first's. */
    double *p = mem;
    size_t mid = two ? len / 2 : len;
    for (size_t j = 0; j < nb; j++)
        for (int h = 0; h < 2; h++) {
            sc[h].b[j].in = p;
            sc[h].b[j].cap = caps[j] + 1;
            p += caps[j] + 1;
        }
    for (int h = 0; h < 2; h++) {
        sc[h].a = s + (h ? mid : 0);
        sc[h].n = h ? len - mid : mid;
        sc[h].nb = nb;
    }
    if (two) {
        rasleak__run_two(bracket_scan, &sc[0], &sc[1]);
    } else {
        bracket_scan(&sc[0]);
        bracket_scan(&sc[1]);
    }
    int rc = sc[0].full || sc[1].full ? -1 : 0;
    for (size_t j = 0; rc == 0 && j < nb; j++) {
        struct bracket *a = &sc[0].b[j], *b = &sc[1].b[j];
        /* The second half's copies follow the first's. */
        memmove(a->in + a->nin, b->in, b->nin * sizeof *a->in);
        size_t below = a->below + b->below, eq_lo = a->eq_lo + b->eq_lo;
        size_t nin = a->nin + b->nin, eq_hi = a->eq_hi + b->eq_hi;
        for (size_t r = 0; rc == 0 && r < m; r++) {
            if (of[r] != j)
                continue;
            uint64_t x = k[r];
            if (x < below) {
                rc = -1;
            } else if (x < below + eq_lo) {
                out[r] = a->lo;
            } else if (x < below + eq_lo + nin) {
                out[r] = rasleak__sen_select_k(a->in, nin, (size_t)(x - below - eq_lo), rng);
            } else if (x < below + eq_lo + nin + eq_hi) {
                out[r] = a->hi;
            } else {
                rc = -1;
            }
        }
    }
    if (mem != room)
        free(mem);
    atomic_fetch_add(rc == 0 ? &brackets_used : &brackets_missed, 1);
    return rc;
}

/*
 * The ranks k[0..m) (ascending, < len) of s[0..len) into out[0..m), s
 * reordered.  A long array is read by brackets (select_by_brackets(), on
 * two threads with `two`, its copies in room[0..nroom) if they fit);
 * otherwise, or when a bracket misses, quickselect: after selecting rank
 * k, everything right of it is >= it, so the next rank is selected in
 * that part only.
 */
void rasleak__sen_select_ranks(double *s, size_t len, const uint64_t *k, double *out,
                               size_t m, uint64_t *rng, int two, double *room, size_t nroom)
{
    if (len >= BRACKET_MIN && m <= BRACKET_MAX &&
        select_by_brackets(s, len, k, out, m, rng, two, room, nroom) == 0)
        return;
    size_t base = 0;
    for (size_t r = 0; r < m; r++) {
        if (r > 0 && k[r] == k[r - 1]) {
            out[r] = out[r - 1];
            continue;
        }
        out[r] = rasleak__sen_select_k(s + base, len - base, (size_t)k[r] - base, rng);
        base = (size_t)k[r] + 1;
    }
}

static int direct_ranks(const double *x, const double *y, size_t n,
                        const uint64_t *k, double *out, size_t m)
{
    double *s = all_slopes(x, y, n);
    if (!s)
        return RASLEAK_ENOMEM;
    uint64_t rng = 0x5eed5eedu;
    rasleak__sen_select_ranks(s, n * (n - 1) / 2, k, out, m, &rng, 0, NULL, 0);
    free(s);
    return 0;
}

/* ---------------------------------------------------------- entry points */

/* The work kept between the calls on one series: the fast method's
 * uniform sample of all slopes and what its first search kept (struct
 * fast, nbase), and the last interval's ranks and slopes. */
struct rasleak_sen_ctx {
    const double *x, *y;
    size_t n;
    enum rasleak_slope_method method;  /* DIRECT or FAST */
    int threads;                       /* 1: one thread; 0: two from thread_min_n on */
    int ready;                         /* f is initialised */
    struct fast f;
    int have_ci;                       /* ci_k, ci_v hold the last interval */
    uint64_t ci_k[2];
    double ci_v[2];
    /* Ranks [zero_from, zero_from + zeros) are slopes of exactly 0
     * (rasleak_sen_ctx_set_mk); zeros 0: not known. */
    uint64_t zero_from, zeros;
    /* keep_order: the next search keeps its work block, and in it the
     * point order its last pass sorted, `order`, until
     * rasleak__sen_ctx_drop_order (rasleak__sen_ctx_keep_order). */
    int keep_order;
    const uint32_t *order;
};

static size_t thread_min_n = THREAD_MIN_N;

void rasleak__sen_set_thread_min_n(size_t n)
{
    thread_min_n = n ? n : THREAD_MIN_N;
}

static void ctx_setup(struct rasleak_sen_ctx *c, const double *x, const double *y, size_t n,
                      enum rasleak_slope_method method)
{
    memset(c, 0, sizeof *c);
    c->x = x;
    c->y = y;
    c->n = n;
    if (method == RASLEAK_SLOPE_AUTO)
        method = n <= DIRECT_MAX_N ? RASLEAK_SLOPE_DIRECT : RASLEAK_SLOPE_FAST;
    c->method = method;
}

static void ctx_release(struct rasleak_sen_ctx *c)
{
    if (c->ready)
        rasleak__sen_fast_free(&c->f);
    c->ready = 0;
    c->order = NULL;
}

/*
 * Ranks k[0..m) (ascending, m <= 4) of all slopes into out[].  Ranks within
 * one of each other share a band: the two middle slopes of the median.
 * The group nearest the middle goes first, so that what its search keeps
 * (its first band, with the sample and the orders at its bounds) is where
 * the others start from.
 */
static int ctx_search(struct rasleak_sen_ctx *c, const uint64_t *k, double *out, size_t m);

static int ctx_ranks(struct rasleak_sen_ctx *c, const uint64_t *k, double *out, size_t m)
{
    /* Ranks among the known zeros need no search; the rest keep their order. */
    uint64_t rest[4];
    size_t where[4], nr = 0;
    for (size_t i = 0; i < m; i++) {
        if (k[i] - c->zero_from < c->zeros) {
            out[i] = 0.0;
        } else {
            where[nr] = i;
            rest[nr++] = k[i];
        }
    }
    if (nr == m)
        return ctx_search(c, k, out, m);
    double v[4];
    int rc = nr ? ctx_search(c, rest, v, nr) : 0;
    for (size_t i = 0; i < nr && rc == 0; i++)
        out[where[i]] = v[i];
    return rc;
}

static int ctx_search(struct rasleak_sen_ctx *c, const uint64_t *k, double *out, size_t m)
{
    if (c->method == RASLEAK_SLOPE_DIRECT)
        return direct_ranks(c->x, c->y, c->n, k, out, m);
    int rc;
    int two = c->threads != 1 && c->n >= thread_min_n;
    if (!c->ready) {
        if ((rc = rasleak__sen_fast_init(&c->f, c->x, c->y, c->n, two)) < 0)
            return rc;
        c->ready = 1;
    }
    c->f.two = two;
    size_t start[4] = {0}, len[4] = {0}, ng = 0;
    for (size_t r = 0; r < m; r = start[ng] + len[ng], ng++) {
        size_t e = r + 1;
        while (e < m && k[e] - k[e - 1] <= 1)
            e++;
        start[ng] = r;
        len[ng] = e - r;
    }
    uint64_t half = c->f.npairs / 2;
    size_t first = 0;
    for (size_t g = 1; g < ng; g++) {
        uint64_t d0 = k[start[first]] > half ? k[start[first]] - half : half - k[start[first]];
        uint64_t d1 = k[start[g]] > half ? k[start[g]] - half : half - k[start[g]];
        if (d1 < d0)
            first = g;
    }
    c->order = NULL;  /* a block still kept is this search's now */
    if (!c->f.work && (rc = rasleak__sen_work_alloc(&c->f)) < 0)
        return rc;
    c->f.last = -1;
    rc = rasleak__sen_fast_ranks(&c->f, &k[start[first]], &out[start[first]], len[first]);
    for (size_t g = 0; g < ng && rc == 0; g++)
        if (g != first)
            rc = rasleak__sen_fast_ranks(&c->f, &k[start[g]], &out[start[g]], len[g]);
    if (rc == 0 && c->keep_order && c->f.last >= 0) {
        c->order = c->f.ord[c->f.last];
        c->keep_order = 0;
        return 0;  /* the block stays, with the order in it */
    }
    rasleak__sen_work_free(&c->f);
    return rc;
}

static int slope_ranks(const double *x, const double *y, size_t n,
                       enum rasleak_slope_method method, const uint64_t *k,
                       double *out, size_t m)
{
    struct rasleak_sen_ctx c;
    ctx_setup(&c, x, y, n, method);
    int rc = ctx_ranks(&c, k, out, m);
    ctx_release(&c);
    return rc;
}

int rasleak_slope_select_method(const double *x, const double *y, size_t n,
                                double k, enum rasleak_slope_method method,
                                double *out)
{
    if (!out || check_xy(x, y, n) < 0)
        return RASLEAK_EINVAL;
    if (method != RASLEAK_SLOPE_AUTO && method != RASLEAK_SLOPE_DIRECT &&
        method != RASLEAK_SLOPE_FAST)
        return RASLEAK_EINVAL;
    double npairs = (double)((uint64_t)n * (n - 1) / 2);
    if (!(k >= 0.0 && k < npairs) || k != floor(k))
        return RASLEAK_EINVAL;
    uint64_t kk = (uint64_t)k;
    return slope_ranks(x, y, n, method, &kk, out, 1);
}

int rasleak_slope_select(const double *x, const double *y, size_t n, double k,
                         double *out)
{
    return rasleak_slope_select_method(x, y, n, k, RASLEAK_SLOPE_AUTO, out);
}

/* Median of v[0..n) as numpy computes it (mean of the middle two if n even). */
static double median(double *v, size_t n, uint64_t *rng)
{
    uint64_t k[2] = {(n - 1) / 2, n / 2};
    double m[2];
    rasleak__sen_select_ranks(v, n, k, m, 2, rng, 0, NULL, 0);
    return n % 2 ? m[0] : (m[0] + m[1]) / 2.0;
}

/*
 * Confidence-interval ranks as scipy.stats.theilslopes computes them
 * (0-based): with C = z_{1-(1-conf)/2} sqrt(mk_var),
 *     lo = round((N - C) / 2) - 1,  hi = round((N + C) / 2),
 * round half to even as np.round, clamped to [0, N-1].  In 1-based terms:
 * lo is the M1-th and hi the (M2+1)-th slope of Gilbert (1987), with
 * M1 = (N - C)/2 and M2 = (N + C)/2 rounded to the nearest integer.
 */
static void ci_ranks(uint64_t npairs, double mk_var, double confidence,
                     uint64_t *lo, uint64_t *hi)
{
    double c = rasleak_norm_ppf(1.0 - (1.0 - confidence) / 2.0) * sqrt(mk_var);
    double dn = (double)npairs;
    double rl = nearbyint((dn - c) / 2.0) - 1.0;
    double ru = nearbyint((dn + c) / 2.0);
    if (rl < 0.0)
        rl = 0.0;
    if (ru > dn - 1.0)
        ru = dn - 1.0;
    if (rl > dn - 1.0)
        rl = dn - 1.0;
    *lo = (uint64_t)rl;
    *hi = (uint64_t)ru;
}

int rasleak_sen_slope(const double *x, const double *y, size_t n, double *slope)
{
    if (!slope || check_xy(x, y, n) < 0)
        return RASLEAK_EINVAL;
    uint64_t npairs = (uint64_t)n * (n - 1) / 2;
    uint64_t k[2] = {(npairs - 1) / 2, npairs / 2};
    double v[2];
    int rc = slope_ranks(x, y, n, RASLEAK_SLOPE_AUTO, k, v, k[0] == k[1] ? 1 : 2);
    if (rc < 0)
        return rc;
    *slope = k[0] == k[1] ? v[0] : (v[0] + v[1]) / 2.0;
    return 0;
}

int rasleak_sen_interval(const double *x, const double *y, size_t n, double mk_var,
                         double confidence, double *lo, double *hi)
{
    if (!lo || !hi || check_xy(x, y, n) < 0)
        return RASLEAK_EINVAL;
    if (!(mk_var >= 0.0) || !isfinite(mk_var) || !(confidence > 0.0 && confidence < 1.0))
        return RASLEAK_EINVAL;
    uint64_t k[2];
    double v[2];
    ci_ranks((uint64_t)n * (n - 1) / 2, mk_var, confidence, &k[0], &k[1]);
    int rc = slope_ranks(x, y, n, RASLEAK_SLOPE_AUTO, k, v, k[0] == k[1] ? 1 : 2);
    if (rc < 0)
        return rc;
    *lo = v[0];
    *hi = k[0] == k[1] ? v[0] : v[1];
    return 0;
}

int rasleak_sen_intercept(const double *x, const double *y, size_t n, double slope,
                          double *out)
{
    if (!x || !y || !out || n < 1 || !isfinite(slope))
        return RASLEAK_EINVAL;
    double *r = rasleak__scratch_get(n * sizeof *r);
    if (!r)
        return RASLEAK_ENOMEM;
    for (size_t i = 0; i < n; i++)
        r[i] = y[i] - slope * x[i];
    uint64_t rng = 0x13198a2e03707344u;
    *out = median(r, n, &rng);
    rasleak__scratch_put(r);
    return 0;
}

int rasleak_sen(const double *x, const double *y, size_t n, double mk_var,
                double confidence, struct rasleak_sen *out)
{
    if (!out || check_xy(x, y, n) < 0)
        return RASLEAK_EINVAL;
    if (!(mk_var >= 0.0) || !isfinite(mk_var) || !(confidence > 0.0 && confidence < 1.0))
        return RASLEAK_EINVAL;

    uint64_t npairs = (uint64_t)n * (n - 1) / 2;
    uint64_t want[4];
    size_t m = 0;
    ci_ranks(npairs, mk_var, confidence, &want[0], &want[1]);
    want[2] = (npairs - 1) / 2;
    want[3] = npairs / 2;  /* == want[2] when npairs is odd */

    /* Sorted, distinct ranks; remember where each wanted one went. */
    uint64_t k[4];
    double v[4];
    for (int i = 0; i < 4; i++) {
        size_t j = 0;
        while (j < m && k[j] < want[i])
            j++;
        if (j < m && k[j] == want[i])
            continue;
        memmove(&k[j + 1], &k[j], (m - j) * sizeof *k);
        k[j] = want[i];
        m++;
    }
    int rc = slope_ranks(x, y, n, RASLEAK_SLOPE_AUTO, k, v, m);
    if (rc < 0)
        return rc;
    double got[4];
    for (int i = 0; i < 4; i++)
        for (size_t j = 0; j < m; j++)
            if (k[j] == want[i])
                got[i] = v[j];

    out->slope = want[2] == want[3] ? got[2] : (got[2] + got[3]) / 2.0;
    out->lo = got[0];
    out->hi = got[1];

    return rasleak_sen_intercept(x, y, n, out->slope, &out->intercept);
}

/* ------------------------------------------------------- shared context */

int rasleak_sen_ctx_new(const double *x, const double *y, size_t n,
                        struct rasleak_sen_ctx **out)
{
    if (!out || check_xy(x, y, n) < 0)
        return RASLEAK_EINVAL;
    struct rasleak_sen_ctx *c = malloc(sizeof *c);
    if (!c)
        return RASLEAK_ENOMEM;
    ctx_setup(c, x, y, n, RASLEAK_SLOPE_AUTO);
    *out = c;
    return 0;
}

int rasleak_sen_ctx_slope(struct rasleak_sen_ctx *c, double *slope)
{
    if (!c || !slope)
        return RASLEAK_EINVAL;
    uint64_t npairs = (uint64_t)c->n * (c->n - 1) / 2;
    uint64_t k[2] = {(npairs - 1) / 2, npairs / 2};
    double v[2];
    int rc = ctx_ranks(c, k, v, k[0] == k[1] ? 1 : 2);
    if (rc < 0)
        return rc;
    *slope = k[0] == k[1] ? v[0] : (v[0] + v[1]) / 2.0;
    return 0;
}

int rasleak_sen_ctx_interval(struct rasleak_sen_ctx *c, double mk_var, double confidence,
                             double *lo, double *hi)
{
    if (!c || !lo || !hi)
        return RASLEAK_EINVAL;
    if (!(mk_var >= 0.0) || !isfinite(mk_var) || !(confidence > 0.0 && confidence < 1.0))
        return RASLEAK_EINVAL;
    uint64_t k[2];
    double v[2];
    ci_ranks((uint64_t)c->n * (c->n - 1) / 2, mk_var, confidence, &k[0], &k[1]);
    /* The same ranks again (a variance that differs in its last digits,
     * from a series that is this one shifted): the same slopes. */
    if (c->have_ci && k[0] == c->ci_k[0] && k[1] == c->ci_k[1]) {
        *lo = c->ci_v[0];
        *hi = c->ci_v[1];
        return 0;
    }
    int rc = ctx_ranks(c, k, v, k[0] == k[1] ? 1 : 2);
    if (rc < 0)
        return rc;
    *lo = v[0];
    *hi = k[0] == k[1] ? v[0] : v[1];
    c->have_ci = 1;
    memcpy(c->ci_k, k, sizeof k);
    c->ci_v[0] = *lo;
    c->ci_v[1] = *hi;
    return 0;
}

int rasleak_sen_ctx_set_threads(struct rasleak_sen_ctx *c, int threads)
{
    if (!c || threads < 0 || threads > 2)
        return RASLEAK_EINVAL;
    c->threads = threads;
    return 0;
}

int rasleak_sen_ctx_set_mk(struct rasleak_sen_ctx *c, const struct rasleak_mk *mk)
{
    if (!c || !mk || mk->n != c->n)
        return RASLEAK_EINVAL;
    uint64_t npairs = (uint64_t)c->n * (c->n - 1) / 2;
    double below = ((double)npairs - mk->tied - mk->s) / 2.0;
    if (!(mk->tied >= 0.0 && mk->tied <= (double)npairs && below >= 0.0 &&
          below + mk->tied <= (double)npairs && below == floor(below) &&
          mk->tied == floor(mk->tied)))
        return RASLEAK_EINVAL;
    /* A tie of 0.0 with -0.0 is a slope of -0.0 there: leave such a
     * series to the search, which gives each zero the sign it has. */
    for (size_t i = 0; i < c->n; i++)
        if (c->y[i] == 0.0 && signbit(c->y[i]))
            return 0;
    c->zero_from = (uint64_t)below;
    c->zeros = (uint64_t)mk->tied;
    return 0;
}

int rasleak__sen_ctx_rank(struct rasleak_sen_ctx *c, uint64_t k, double *out)
{
    if (!c || !out || k >= (uint64_t)c->n * (c->n - 1) / 2)
        return RASLEAK_EINVAL;
    return ctx_ranks(c, &k, out, 1);
}

void rasleak__sen_ctx_keep_order(struct rasleak_sen_ctx *c)
{
    if (c)
        c->keep_order = 1;
}

const uint32_t *rasleak__sen_ctx_order(struct rasleak_sen_ctx *c, void **room,
                                       size_t *room_bytes)
{
    *room = NULL;
    *room_bytes = 0;
    if (!c || !c->order)
        return NULL;
    /* key, tkey, klo and the band buffer: doubles in a row, before the
     * point orders (rasleak__sen_work_alloc). */
    *room = c->f.key;
    *room_bytes = (3 * c->n + c->f.cap) * sizeof(double);
    return c->order;
}

void rasleak__sen_ctx_drop_order(struct rasleak_sen_ctx *c)
{
    if (!c)
        return;
    c->keep_order = 0;
    if (c->order) {
        c->order = NULL;
        rasleak__sen_work_free(&c->f);
    }
}

struct rasleak__sen_counts rasleak__sen_ctx_counts(const struct rasleak_sen_ctx *c)
{
    struct rasleak__sen_counts none = {0, 0, 0, 0, 0, 0, 0, 0};
    return c->ready ? c->f.counts : none;
}

void rasleak_sen_ctx_free(struct rasleak_sen_ctx *c)
{
    if (!c)
        return;
    ctx_release(c);
    free(c);
}
