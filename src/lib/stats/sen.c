/*
 * sen.c - Sen's slope, its confidence interval, and exact selection of the
 * k-th smallest of the N = n(n-1)/2 pairwise slopes.
 *
 * The direct method computes all N slopes and selects; it is kept for small
 * n and as the reference the fast method is tested against.
 *
 * The fast method is randomized interval shrinking (Matousek 1991;
 * Dillencourt, Mount & Netanyahu 1992).  For a threshold t, a pair i<j has
 * slope < t exactly when key_t(j) < key_t(i) with key_t(i) = y[i] - t x[i]
 * (x increases), so a stable merge sort of the keys in index order counts
 * the slopes below t as inversions in O(n log n).  Sorting that order again
 * by the keys of a larger threshold u counts, and lists, exactly the pairs
 * with t <= slope < u: the inversions of the second sort.  Each round takes
 * a random sample of the slopes in the current band [lo, hi), picks from it
 * a narrower band that contains the wanted rank with high probability,
 * counts it, and samples it again (Bernoulli sampling of the inversions as
 * the merge finds them).  Once the band holds a few n pairs it is listed in
 * full and the rank is selected among its slopes.  Expected cost: a handful
 * of O(n log n) passes; memory: a few arrays of n.  The interval's ranks
 * start from the first band the median's search sampled when they lie in
 * it (struct fast, nbase).  For large n each pass runs on two threads, one
 * half of the points each, merged at the end (sort_pass_two()).
 *
 * Floating point.  The counting compares keys computed in double-double
 * (error about 1e-32 relative), so it orders pairs by their exact slope
 * (y[j]-y[i])/(x[j]-x[i]); the value returned for a pair is the rounded
 * quotient fl(fl(y[j]-y[i]) / fl(x[j]-x[i])), as scipy computes it.  When
 * the differences are exact (integer or Sterbenz-close data) the rounded
 * quotient is a monotone function of the exact slope and the result is
 * bit-identical to sorting the rounded slopes; otherwise the two can differ
 * only between slopes within a few ulp of each other.  A threshold that
 * many pairs meet exactly (a step or constant series, where most slopes are
 * 0) is handled by counting the equal keys, never by listing the pairs.
 * docs/analysis.md has the details.
 */
#include "rasleak/stats.h"
#include "rasleak/error.h"
#include "stats/sen_internal.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* y - t*x must not be fused into one fma: the key arithmetic below is exact
 * only with the roundings it spells out.  GCC does not contract in ISO C mode. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define DIRECT_MAX_N 64  /* AUTO uses the direct method up to here */
#define RUN 16           /* insertion-sorted block size of the merge sort */
#define BAND_Z 2.5       /* half-width of a band, in binomial standard deviations */
#define MAX_ROUNDS 200   /* a bound on the loop, never reached in practice */
/* From this many points on, each pass sorts the two halves of the order on
 * two threads (see sort_pass_two()); below, a thread costs more than the
 * half pass it would take over. */
#define THREAD_MIN_N 1000000

/* ---------------------------------------------------------------- helpers */

/* One slope as every method here and scipy computes it. */
static inline double slope_of(const double *x, const double *y, uint32_t a, uint32_t b)
{
    uint32_t i = a < b ? a : b, j = a < b ? b : a;
    return (y[j] - y[i]) / (x[j] - x[i]);
}

/*
 * A pair kept by a pass is stored as its two indices in the slot of its
 * slope, and turned into the slope after the pass (pairs_to_slopes): the
 * points of a pair are anywhere in memory, and computing the slopes in one
 * loop, loading a few pairs ahead, overlaps the cache misses that one at a
 * time inside the merge would wait for in turn.
 */
static inline double pack_pair(uint32_t a, uint32_t b)
{
    uint64_t u = (uint64_t)a << 32 | b;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define AHEAD 16
#define KEY_AHEAD 32  /* points ahead whose x, y a key pass loads early */

static void pairs_to_slopes(const double *x, const double *y, double *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint64_t u;
        if (i + AHEAD < len) {
            memcpy(&u, &buf[i + AHEAD], sizeof u);
            PREFETCH(&x[u >> 32]);
            PREFETCH(&y[u >> 32]);
            PREFETCH(&x[(uint32_t)u]);
            PREFETCH(&y[(uint32_t)u]);
        }
        memcpy(&u, &buf[i], sizeof u);
        buf[i] = slope_of(x, y, (uint32_t)(u >> 32), (uint32_t)u);
    }
}

/* splitmix64: small, fast, and good enough to pick samples and pivots. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static inline double rng_unit(uint64_t *s)
{
    return ((double)(rng_next(s) >> 11) + 1.0) * 0x1p-53;
}

/*
 * The k-th smallest of a[0..n), reordering a so that a[k] holds it, a[<k]
 * are <= and a[>k] are >=.  Quickselect with a three-way split, so that a
 * sample full of equal slopes (a step series) costs O(n), not O(n^2); the
 * split is two branch-free Lomuto passes (below the pivot, then equal to
 * it), since on random slopes a branch per element mispredicts half the
 * time.
 */
static double select_k(double *a, size_t n, size_t k, uint64_t *rng)
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
 * The ranks k[0..m) (ascending, < len) of s[0..len) into out[0..m).  After
 * selecting rank k, everything right of it is >= it, so the next rank is
 * selected in that part only.
 */
static void select_ranks(double *s, size_t len, const uint64_t *k, double *out,
                         size_t m, uint64_t *rng)
{
    size_t base = 0;
    for (size_t r = 0; r < m; r++) {
        if (r > 0 && k[r] == k[r - 1]) {
            out[r] = out[r - 1];
            continue;
        }
        out[r] = select_k(s + base, len - base, (size_t)k[r] - base, rng);
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
    select_ranks(s, n * (n - 1) / 2, k, out, m, &rng);
    free(s);
    return 0;
}

/* ----------------------------------------------------------- key passes */

/*
 * A threshold between doubles.  side = -1 is the midpoint between c and the
 * double below it, side = +1 the midpoint between c and the double above:
 * a pair with exact differences has rounded slope < c exactly when its
 * exact slope is below (c, -1), and <= c exactly when below (c, +1),
 * because a quotient of exact differences is never itself such a midpoint
 * (it would need a 54-bit odd part).  The midpoint c + t_lo is a
 * double-double.  inf = -1 / +1 stands for -inf / +inf, whose orders are
 * the index order and its reverse.
 */
struct thr {
    double c;
    int side;
    int inf;
    double t_lo;
};

static struct thr thr_at(double c, int side)
{
    struct thr t = {c, side, 0, 0.0};
    double gap = nextafter(c, side * INFINITY) - c;
    /* Half a gap underflows to 0 near 0 (c = 0 is common: flat series);
     * then the whole gap, which still separates c from its neighbour. */
    t.t_lo = gap / 2.0 != 0.0 ? gap / 2.0 : gap;
    return t;
}

static int thr_cmp(const struct thr *a, const struct thr *b)
{
    if (a->inf || b->inf)
        return (a->inf > b->inf) - (a->inf < b->inf);
    if (a->c != b->c)
        return a->c < b->c ? -1 : 1;
    return (a->side > b->side) - (a->side < b->side);
}

/* Would a pair with rounded slope v lie in [lo, hi)? */
static int in_band(double v, const struct thr *lo, const struct thr *hi)
{
    int above = lo->inf < 0 || (lo->side < 0 ? v >= lo->c : v > lo->c);
    int below = hi->inf > 0 || (hi->side < 0 ? v < hi->c : v <= hi->c);
    return above && below;
}

/* Exact products and sums (Dekker, Knuth) for the double-double keys. */
static inline void two_prod(double a, double b, double *p, double *e)
{
#ifdef FP_FAST_FMA
    *p = a * b;
    *e = fma(a, b, -*p);
#else
    const double split = 134217729.0;  /* 2^27 + 1 */
    double pp = a * b;
    double t = split * a;
    double ah = t - (t - a), al = a - ah;
    t = split * b;
    double bh = t - (t - b), bl = b - bh;
    *e = ((ah * bh - pp) + ah * bl + al * bh) + al * bl;
    *p = pp;
#endif
}

static inline void two_sum(double a, double b, double *s, double *e)
{
    double ss = a + b;
    double bb = ss - a;
    *e = (a - (ss - bb)) + (b - bb);
    *s = ss;
}

/*
 * key = y - t x as hi + lo, |lo| <= ulp(hi)/2, hi the rounded key: then
 * comparing (hi, lo) lexicographically compares the represented values
 * exactly.  hi is stored in key order, moved by the sort; lo by point
 * (struct pass, klo), read only on ties of hi: in tied data (integer
 * values, steps) they are frequent, and computing lo again for both points
 * of each cost four scattered loads and the arithmetic.
 */
static inline double key_hi(const struct thr *th, const double *x, const double *y,
                            uint32_t i, double *lo)
{
    if (th->inf) {
        *lo = 0.0;
        return th->inf < 0 ? (double)i : -(double)i;
    }
    /* y - (c + t_lo) x: c x exactly, t_lo x (already ~u^2 of it) rounded */
    double p, e, s1, t1, hi;
    two_prod(th->c, x[i], &p, &e);
    double q = th->t_lo * x[i];
    two_sum(y[i], -p, &s1, &t1);
    two_sum(s1, (t1 - e) - q, &hi, lo);
    return hi;
}

/*
 * Bernoulli sampling of the inversions a pass finds.  Every inversion is
 * kept with probability p, by skipping geometric gaps, so the cost is
 * proportional to the samples, not to the inversions.  When the buffer
 * fills, it is thinned to half at random and p halves: the result is still
 * a Bernoulli(p) sample.  p = 1 and never thinned means a complete list.
 */
struct sampler {
    double *buf;     /* pairs as pack_pair(), slopes after the pass */
    size_t len, cap;
    double p, lg;    /* lg = log(1 - p) */
    uint64_t skip;   /* inversions still to skip before the next sample */
    int thinned;
    uint64_t *rng;
};

static uint64_t geom_gap(struct sampler *sm)
{
    if (sm->p >= 1.0)
        return 0;
    double g = floor(log(rng_unit(sm->rng)) / sm->lg);
    return g < 0x1p62 ? (uint64_t)g : (uint64_t)1 << 62;
}

static void sampler_init(struct sampler *sm, double *buf, size_t cap, double p,
                         uint64_t *rng)
{
    sm->buf = buf;
    sm->len = 0;
    sm->cap = cap;
    sm->p = p >= 1.0 ? 1.0 : p;
    sm->lg = sm->p < 1.0 ? log1p(-sm->p) : 0.0;
    sm->thinned = 0;
    sm->rng = rng;
    sm->skip = geom_gap(sm);
}

/* Keep each sample with probability 1/2: a Bernoulli sample at p / 2. */
static void sampler_halve(struct sampler *sm)
{
    size_t o = 0;
    for (size_t i = 0; i < sm->len; i++)
        if (rng_next(sm->rng) >> 63)
            sm->buf[o++] = sm->buf[i];
    sm->len = o;
    sm->p *= 0.5;
    sm->lg = log1p(-sm->p);
    sm->thinned = 1;
}

static void sampler_put(struct sampler *sm, uint32_t a, uint32_t b)
{
    if (sm->len == sm->cap) {
        sampler_halve(sm);
        if (rng_next(sm->rng) >> 63)
            return;  /* this one was drawn at the old rate */
    }
    sm->buf[sm->len++] = pack_pair(a, b);
}

/* Right element w jumped over the r left elements left[0..r): r inversions. */
static void sampler_batch_slow(struct sampler *sm, const uint32_t *left, size_t r,
                               uint32_t w)
{
    uint64_t t = sm->skip;
    while (t < r) {
        sampler_put(sm, left[t], w);
        t += 1 + geom_gap(sm);
    }
    sm->skip = t - r;
}

static inline void sampler_batch(struct sampler *sm, const uint32_t *left, size_t r,
                                 uint32_t w)
{
    if (sm->skip >= r)
        sm->skip -= r;  /* the common case when sampling sparsely */
    else
        sampler_batch_slow(sm, left, r, w);
}

/* Everything a pass needs: the data, the threshold, the scratch. */
struct pass {
    const double *x, *y;
    const struct thr *th;
    double *key, *tkey;
    uint32_t *tid;
    double *klo;         /* low part of each point's key, by point */
    struct sampler *sm;  /* NULL: count only */
    int has_lo;          /* some key has a nonzero low part */
};

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/*
 * Equal high parts: the low parts decide.  Out of line: inlined, its key
 * arithmetic took the registers of the merge and sort loops around it,
 * which then kept their state on the stack on every element.
 */
static NOINLINE int lo_less(const struct pass *ps, uint32_t w, uint32_t u)
{
    return ps->klo[w] < ps->klo[u];
}

/* Strictly less, on (hi, lo) with lo recomputed only for equal hi. */
static inline int key_less(const struct pass *ps, double kw, uint32_t w, double ku,
                           uint32_t u)
{
    if (kw != ku)
        return kw < ku;
    if (!ps->has_lo)
        return 0;
    return lo_less(ps, w, u);
}

/*
 * a if c (0 or 1) else b, by masks: compilers turn `c ? a : b` into a
 * branch, which in a merge of random keys mispredicts half the time and
 * costs several times the merge itself.
 */
static inline double pick_d(size_t c, double a, double b)
{
    uint64_t ua, ub, m = (uint64_t)0 - (uint64_t)c;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    ua = (ua & m) | (ub & ~m);
    memcpy(&a, &ua, sizeof a);
    return a;
}

static inline uint32_t pick_u(size_t c, uint32_t a, uint32_t b)
{
    uint32_t m = (uint32_t)0 - (uint32_t)c;
    return (a & m) | (b & ~m);
}

/* src[a] < src[b] in key order. */
static inline int less_at(const struct pass *ps, const double *src, const uint32_t *sid,
                          size_t a, size_t b)
{
    return key_less(ps, src[a], sid[a], src[b], sid[b]);
}

/*
 * Where a merge of the sorted blocks [lo, mid) and [mid, hi) has work to
 * do.  The passes after the first start from the order sorted at a nearby
 * threshold, where an element moves only about as far as it has
 * inversions; on the wider levels most of each block is already in place.
 * *p: the left elements before it are <= the first right one, so they stay
 * first; *q: the right elements from it on are >= the last left one, so
 * they stay last.  Both found by galloping from their end of the block:
 * O(log distance), a probe or two on the narrow levels.
 */
static void merge_window(const struct pass *ps, const double *src, const uint32_t *sid,
                         size_t lo, size_t mid, size_t hi, size_t *p, size_t *q)
{
    /* First l in [lo, mid) with src[mid] < src[l]. */
    size_t a = lo, step = 1;
    while (a + step - 1 < mid && !less_at(ps, src, sid, mid, a + step - 1)) {
        a += step;
        step *= 2;
    }
    size_t b = a + step - 1 < mid ? a + step - 1 : mid;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (less_at(ps, src, sid, mid, m))
            b = m;
        else
            a = m + 1;
    }
    *p = a;
    /* First r in [mid, hi) with !(src[r] < src[mid - 1]). */
    b = hi;
    step = 1;
    while (b >= mid + step && !less_at(ps, src, sid, b - step, mid - 1)) {
        b -= step;
        step *= 2;
    }
    a = b >= mid + step ? b - step + 1 : mid;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (less_at(ps, src, sid, m, mid - 1))
            a = m + 1;
        else
            b = m;
    }
    *q = a;
}

/*
 * Merge the sorted blocks k[lo, mid) and k[mid, hi) in place, counting
 * (and sampling) the inversions: each right element taken before left
 * ones jumps over all that are left.  Only the window [p, q) where the
 * blocks overlap is touched: its left part is moved to the scratch tk/tid
 * and merged back with the right part, so a pass over nearly sorted keys
 * costs about what its inversions cost, not n per level.
 */
static uint64_t merge_blocks(struct pass *ps, double *k, uint32_t *id, double *tk,
                             uint32_t *tid, size_t lo, size_t mid, size_t hi)
{
    size_t p, q;
    merge_window(ps, k, id, lo, mid, hi, &p, &q);
    if (p >= mid || q <= mid)
        return 0;  /* already in order */
    size_t nl = mid - p;
    memcpy(tk, k + p, nl * sizeof *tk);
    memcpy(tid, id + p, nl * sizeof *tid);
    size_t l = 0, r = mid, o = p;
    uint64_t inv = 0;
    if (!ps->sm && !ps->has_lo) {
        /*
         * Count only, keys exact in one double: the common pass.  No test
         * for equal keys and no sampler in the loop, so the compiler keeps
         * it branch-free.
         */
        while (l < nl && r < q) {
            double kr = k[r], kl = tk[l];
            size_t right = kr < kl;
            inv += (nl - l) & (0 - right);
            k[o] = pick_d(right, kr, kl);
            id[o] = pick_u(right, id[r], tid[l]);
            o++;
            r += right;
            l += right ^ 1;
        }
    } else if (!ps->sm) {
        /*
         * Count only, keys in two doubles: the pass that counts below a
         * new lower bound.  As above, with equal high parts (rare except
         * in tied data) decided out of line.
         */
        while (l < nl && r < q) {
            double kr = k[r], kl = tk[l];
            uint32_t ir = id[r], il = tid[l];
            size_t right = kr < kl;
            if (kr == kl)
                right = (size_t)lo_less(ps, ir, il);
            inv += (nl - l) & (0 - right);
            k[o] = pick_d(right, kr, kl);
            id[o] = pick_u(right, ir, il);
            o++;
            r += right;
            l += right ^ 1;
        }
    } else {
        /*
         * The taken side is data-dependent and unpredictable, so the loop
         * is written without branches on it: a mispredicted branch per
         * element would cost more than the merge itself.  Equal high
         * parts, rare except in tied data, take the slow path.
         */
        struct sampler *sm = ps->sm;
        int has_lo = ps->has_lo;
        while (l < nl && r < q) {
            double kr = k[r], kl = tk[l];
            uint32_t ir = id[r], il = tid[l];
            size_t right = kr < kl;
            if (kr == kl && has_lo)
                right = (size_t)lo_less(ps, ir, il);
            size_t run = (nl - l) & (0 - right);
            inv += run;
            if (run)
                sampler_batch(sm, tid + l, run, ir);
            k[o] = pick_d(right, kr, kl);
            id[o] = pick_u(right, ir, il);
            o++;
            r += right;
            l += right ^ 1;
        }
    }
    /* What is left of the right part is in place already. */
    memcpy(k + o, tk + l, (nl - l) * sizeof *k);
    memcpy(id + o, tid + l, (nl - l) * sizeof *id);
    return inv;
}

/*
 * Stable sort of the points id[0..n) by key, counting (and sampling) the
 * inversions relative to the given order.  On return id holds the sorted
 * order and ps->key the sorted keys.
 */
static uint64_t sort_pass(struct pass *ps, uint32_t *id, size_t n)
{
    double *k = ps->key;
    const struct thr *th = ps->th;
    if (th->inf) {
        /* Keys are (minus) the indices: exact, no low parts. */
        for (size_t i = 0; i < n; i++)
            k[i] = th->inf < 0 ? (double)id[i] : -(double)id[i];
        ps->has_lo = 0;
    } else {
        /*
         * The order of a pass after the first is that of a nearby threshold,
         * so x[id[i]] and y[id[i]] are scattered over arrays much larger
         * than the cache: load them well ahead, or every key waits for its
         * two misses in turn.
         */
        const double *x = ps->x, *y = ps->y;
        double *klo = ps->klo;
        double lo, any = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (i + KEY_AHEAD < n) {
                uint32_t a = id[i + KEY_AHEAD];
                PREFETCH(&x[a]);
                PREFETCH(&y[a]);
                PREFETCH(&klo[a]);
            }
            k[i] = key_hi(th, x, y, id[i], &lo);
            klo[id[i]] = lo;
            any += fabs(lo);
        }
        ps->has_lo = any != 0.0;
    }

    uint64_t inv = 0;
    for (size_t b = 0; b < n; b += RUN) {
        size_t e = b + RUN < n ? b + RUN : n;
        for (size_t i = b + 1; i < e; i++) {
            double kv = k[i];
            uint32_t w = id[i];
            size_t j = i;
            while (j > b && key_less(ps, kv, w, k[j - 1], id[j - 1])) {
                if (ps->sm)
                    sampler_batch(ps->sm, &id[j - 1], 1, w);
                k[j] = k[j - 1];
                id[j] = id[j - 1];
                j--;
            }
            inv += i - j;
            k[j] = kv;
            id[j] = w;
        }
    }

    for (size_t w = RUN; w < n; w *= 2)
        for (size_t lo_ = 0; lo_ + w < n; lo_ += 2 * w)
            inv += merge_blocks(ps, k, id, ps->tkey, ps->tid, lo_, lo_ + w,
                                lo_ + 2 * w < n ? lo_ + 2 * w : n);
    return inv;
}

/* ------------------------------------------------------------ fast method */

struct fast {
    const double *x, *y;
    size_t n;
    uint64_t npairs;
    uint32_t *ord[3];     /* point orders: at lo, and two to work in */
    double *key, *tkey;
    uint32_t *tid;
    double *klo;          /* struct pass */
    double *s0;           /* uniform sample of all slopes, shared by the groups */
    size_t s0n;
    double *buf;          /* sample of the current band, or the whole band */
    size_t cap;
    size_t m;             /* sample size aimed at in a band */
    uint64_t rng;
    int two;               /* passes on two threads (sort_pass_two) */
    struct rasleak__sen_counts counts;  /* for the tests */
    /*
     * Kept from the first search (the median's) for the next ones (the
     * interval's, near it).  nbase = 2: the first band that search sampled,
     * [base_thr[0], base_thr[1]) with base_below[j] slopes below each bound,
     * the point orders sorted at both bounds, and the Bernoulli sample of
     * the band its pass drew (bsmp, bsn values).  The band is about
     * 2 BAND_Z / sqrt(m) of all pairs wide, and holds the interval's ranks
     * when the variance is at most about 7 times the plain one; a rank
     * inside starts from there, with the count at a new lower bound and the
     * listing pass of a second round, skipping the two passes that found
     * the band.  A rank outside starts its first count from the order at
     * the nearer bound.  nbase = 1: the first search listed its first band
     * outright; only the order at that band's lower bound is kept.
     */
    uint32_t *base[2];
    struct thr base_thr[2];
    uint64_t base_below[2];
    int nbase;
    double *bsmp;
    size_t bsn;
};

/* The band of slopes, [lo, hi), the wanted ranks are known to lie in. */
struct band {
    struct thr lo, hi;
    uint64_t below, size; /* pairs below the band, pairs in it */
    int plo;              /* which f->ord[] is the order at lo */
};

/*
 * The arrays one search works in, about 72 bytes a point: allocated for
 * each call on a context and freed after it, so that a caller's own work
 * between the slope and the interval (the serial-correlation correction)
 * does not add to them.  What the calls share (the samples, the kept
 * orders) is kept.
 */
static void work_free(struct fast *f)
{
    for (int i = 0; i < 3; i++) {
        free(f->ord[i]);
        f->ord[i] = NULL;
    }
    free(f->key);
    free(f->tkey);
    free(f->klo);
    free(f->tid);
    free(f->buf);
    f->key = f->tkey = f->klo = f->buf = NULL;
    f->tid = NULL;
}

static int work_alloc(struct fast *f)
{
    size_t n = f->n;
    for (int i = 0; i < 3; i++)
        f->ord[i] = malloc(n * sizeof *f->ord[i]);
    f->key = malloc(n * sizeof *f->key);
    f->tkey = malloc(n * sizeof *f->tkey);
    f->klo = malloc(n * sizeof *f->klo);
    f->tid = malloc(n * sizeof *f->tid);
    f->buf = malloc(f->cap * sizeof *f->buf);
    if (!f->ord[0] || !f->ord[1] || !f->ord[2] || !f->key || !f->tkey || !f->klo || !f->tid || !f->buf) {
        work_free(f);
        return RASLEAK_ENOMEM;
    }
    return 0;
}

static void fast_free(struct fast *f)
{
    work_free(f);
    free(f->s0);
    free(f->base[0]);
    free(f->base[1]);
    free(f->bsmp);
}

static int fast_init(struct fast *f, const double *x, const double *y, size_t n)
{
    memset(f, 0, sizeof *f);
    f->x = x;
    f->y = y;
    f->n = n;
    f->npairs = (uint64_t)n * (n - 1) / 2;
    f->rng = 0x243f6a8885a308d3u;  /* fixed: same data, same passes, same time */
    /*
     * Memory versus rounds: a sample of m slopes narrows a band to about
     * BAND_Z / sqrt(m) of it, so the uniform round-0 sample (m = n) and one
     * sampled pass (m = n) leave about BAND_Z^2 n / 2 = 3.1n pairs, which
     * a band of cap = 4n lists outright: two rounds of two passes per
     * rank (one round for a rank inside the kept band), in about 96 bytes
     * per point, 72 of them only while a search runs (work_alloc), 24
     * kept (the round-0 sample, the kept band's sample and its orders).
     */
    f->cap = 4 * n > 4096 ? 4 * n : 4096;
    f->m = n > 2048 ? n : 2048;
    f->s0n = (size_t)(f->npairs < f->m ? f->npairs : f->m);
    f->s0 = malloc(f->s0n * sizeof *f->s0);
    f->base[0] = malloc(n * sizeof *f->base[0]);
    if (!f->s0 || !f->base[0]) {
        fast_free(f);
        return RASLEAK_ENOMEM;
    }
    /* Round 0: pairs drawn uniformly, with replacement, from all N. */
    for (size_t s = 0; s < f->s0n; s++) {
        uint32_t i = (uint32_t)(rng_next(&f->rng) % n);
        uint32_t j = (uint32_t)(rng_next(&f->rng) % (n - 1));
        j += j >= i;
        f->s0[s] = pack_pair(i, j);
    }
    pairs_to_slopes(x, y, f->s0, f->s0n);
    return 0;
}

/* One half of a pass on two threads: its own keys, scratch and sampler. */
struct half {
    struct pass ps;
    struct sampler sm;
    uint32_t *id;
    size_t n;
    uint64_t inv;
};

static void *sort_half(void *arg)
{
    struct half *h = arg;
    h->inv = sort_pass(&h->ps, h->id, h->n);
    return NULL;
}

/*
 * sort_pass() with the work split over two threads: each sorts one half
 * of the order (keys, runs and all merge levels inside it) in its own part
 * of the key and scratch arrays, and this thread then merges the two.  The
 * count is the same: the inversions within each half plus those between
 * them, which the last merge finds.  Sampling, each half has its own random
 * stream and half the buffer; if one half filled its part and thinned, the
 * other is thinned to the same rate, so that the union is still a Bernoulli
 * sample of all the inversions so far, and the last merge samples on at
 * that rate into the whole buffer.  The sorted order is the same too: the
 * sort is stable, and a stable sort has only one result.
 */
static uint64_t sort_pass_two(struct fast *f, struct pass *ps, uint32_t *id)
{
    size_t n = f->n, mid = n / 2;
    uint64_t *rng = &f->rng;
    struct sampler *sm = ps->sm;
    uint64_t rng1 = rng_next(rng);
    struct half h[2];
    for (int i = 0; i < 2; i++) {
        size_t o = i ? mid : 0;
        h[i].ps = *ps;
        h[i].ps.key = ps->key + o;
        h[i].ps.tkey = ps->tkey + o;
        h[i].ps.tid = ps->tid + o;
        h[i].id = id + o;
        h[i].n = i ? n - mid : mid;
        if (sm) {
            size_t c = sm->cap / 2;
            sampler_init(&h[i].sm, sm->buf + (i ? c : 0), i ? sm->cap - c : c, sm->p,
                         i ? &rng1 : rng);
            h[i].ps.sm = &h[i].sm;
        }
    }
    pthread_t th;
    int threaded = pthread_create(&th, NULL, sort_half, &h[1]) == 0;
    sort_half(&h[0]);
    if (threaded)
        pthread_join(th, NULL);
    else
        sort_half(&h[1]);

    if (sm) {
        struct sampler *a = &h[0].sm, *b = &h[1].sm;
        f->counts.evened += a->p != b->p;
        while (a->p > b->p)
            sampler_halve(a);
        while (b->p > a->p)
            sampler_halve(b);
        memmove(sm->buf + a->len, b->buf, b->len * sizeof *sm->buf);
        sm->len = a->len + b->len;
        sm->p = a->p;
        sm->lg = a->lg;
        sm->thinned = a->thinned || b->thinned;
        sm->skip = geom_gap(sm);
    }
    ps->has_lo = h[0].ps.has_lo || h[1].ps.has_lo;
    return h[0].inv + h[1].inv + merge_blocks(ps, ps->key, id, ps->tkey, ps->tid, 0, mid, n);
}

/* One counting (and, with sm, sampling) pass: ord[from] -> ord[to] at th. */
static uint64_t run_pass(struct fast *f, int from, int to, const struct thr *th,
                         struct sampler *sm, struct pass *ps)
{
    ps->x = f->x;
    ps->y = f->y;
    ps->th = th;
    ps->key = f->key;
    ps->tkey = f->tkey;
    ps->klo = f->klo;
    ps->tid = f->tid;
    ps->sm = sm;
    f->counts.passes++;
    if (from != to)
        memcpy(f->ord[to], f->ord[from], f->n * sizeof *f->ord[to]);
    uint64_t inv = f->two ? sort_pass_two(f, ps, f->ord[to]) : sort_pass(ps, f->ord[to], f->n);
    if (sm) {
        pairs_to_slopes(f->x, f->y, sm->buf, sm->len);
        f->counts.thinned += sm->thinned;
    }
    return inv;
}

/* Keep the sample values that lie in [lo, hi); returns their count. */
static size_t filter_sample(double *s, size_t sn, const struct thr *lo, const struct thr *hi)
{
    size_t o = 0;
    for (size_t i = 0; i < sn; i++)
        if (in_band(s[i], lo, hi))
            s[o++] = s[i];
    return o;
}

static int fast_ranks(struct fast *f, const uint64_t *k, double *out, size_t m);

/* ord[i] := the index order, the order at -inf. */
static void index_order(struct fast *f, int i)
{
    for (size_t j = 0; j < f->n; j++)
        f->ord[i][j] = (uint32_t)j;
}

/* The ranks were found in band b: keep its order as the base, if none yet. */
static void keep_base(struct fast *f, const struct band *b)
{
    if (f->nbase || b->lo.inf)
        return;
    uint32_t *t = f->base[0];
    f->base[0] = f->ord[b->plo];
    f->ord[b->plo] = t;
    f->base_thr[0] = b->lo;
    f->base_below[0] = b->below;
    f->nbase = 1;
}

/* Keep ord[i], sorted at th with `below` slopes below it, as base j. */
static int keep_order(struct fast *f, int j, int i, const struct thr *th, uint64_t below)
{
    if (!f->base[j] && !(f->base[j] = malloc(f->n * sizeof *f->base[j])))
        return RASLEAK_ENOMEM;
    memcpy(f->base[j], f->ord[i], f->n * sizeof *f->base[j]);
    f->base_thr[j] = *th;
    f->base_below[j] = below;
    return 0;
}

/*
 * The first search has just sampled band b (the order at its lower bound
 * in ord[b->plo], at its upper bound in ord[phi], sn sampled slopes in
 * f->buf): keep all three for the next searches.  Copied, not swapped in:
 * this search goes on from them.
 */
static int keep_band(struct fast *f, const struct band *b, int phi, size_t sn)
{
    if (keep_order(f, 0, b->plo, &b->lo, b->below) < 0 ||
        keep_order(f, 1, phi, &b->hi, b->below + b->size) < 0 ||
        !(f->bsmp = malloc((sn ? sn : 1) * sizeof *f->bsmp)))
        return RASLEAK_ENOMEM;
    memcpy(f->bsmp, f->buf, sn * sizeof *f->bsmp);
    f->bsn = sn;
    f->nbase = 2;
    return 0;
}

/* The ranks k[0..m) do not share a band any more: one band each. */
static int split(struct fast *f, const uint64_t *k, double *out, size_t m)
{
    for (size_t r = 0; r < m; r++) {
        int rc = fast_ranks(f, &k[r], &out[r], 1);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Select the ranks (made relative to the band) in the listed band. */
static void select_listed(struct fast *f, size_t len, uint64_t below, const uint64_t *k,
                          double *out, size_t m)
{
    uint64_t rk[4];
    for (size_t r = 0; r < m; r++)
        rk[r] = k[r] - below;
    select_ranks(f->buf, len, rk, out, m, &f->rng);
}

/*
 * Ranks k[0..m) (ascending, m <= 4, close together) of all slopes into
 * out[].  Invariant: the ranks lie in [b.below, b.below + b.size), and the
 * first sn values of f->buf are a sample of the band (sn = 0: none yet).
 */
static int fast_ranks(struct fast *f, const uint64_t *k, double *out, size_t m)
{
    struct band b = {{0.0, 0, -1, 0.0}, {0.0, 0, 1, 0.0}, 0, f->npairs, 0};
    uint64_t ka = k[0], kb = k[m - 1];
    size_t sn;
    /* at_base: ord[b.plo] is base order j, not the order at b.lo = -inf;
     * only a count below a new lower bound may start from it. */
    int at_base = 0, j = 0;
    if (f->nbase == 2 && ka >= f->base_below[0] && kb < f->base_below[1]) {
        /* Inside the kept band: go on as its search did after sampling it. */
        b.lo = f->base_thr[0];
        b.hi = f->base_thr[1];
        b.below = f->base_below[0];
        b.size = f->base_below[1] - b.below;
        memcpy(f->ord[0], f->base[0], f->n * sizeof *f->ord[0]);
        memcpy(f->buf, f->bsmp, f->bsn * sizeof *f->buf);
        sn = f->bsn;
    } else {
        if (f->nbase) {
            at_base = 1;
            j = f->nbase == 2 && ka >= f->base_below[1];
            memcpy(f->ord[0], f->base[j], f->n * sizeof *f->ord[0]);
        } else {
            index_order(f, 0);
        }
        memcpy(f->buf, f->s0, f->s0n * sizeof *f->buf);
        sn = f->s0n;
    }
    struct pass ps;
    struct sampler sm;

    for (int round = 0; round < MAX_ROUNDS; round++) {
        int pa = (b.plo + 1) % 3, pb = (b.plo + 2) % 3;

        if (!b.lo.inf && !b.hi.inf && b.lo.c == b.hi.c) {
            /* [(c,-1), (c,+1)): every slope in the band rounds to c. */
            for (size_t r = 0; r < m; r++)
                out[r] = b.lo.c;
            keep_base(f, &b);
            return 0;
        }
        if (at_base && (b.size <= f->cap || sn < 64)) {
            index_order(f, b.plo);
            at_base = 0;
        }
        if (b.size <= f->cap) {
            /*
             * Small enough: list the whole band and select in it.  A half of
             * a two-thread pass has half the buffer, and could thin where
             * the whole pass would not: one thread, unless the band fits
             * half the buffer.
             */
            int two = f->two;
            f->two = two && b.size <= f->cap / 2;
            sampler_init(&sm, f->buf, f->cap, 1.0, &f->rng);
            uint64_t got = run_pass(f, b.plo, pb, &b.hi, &sm, &ps);
            f->two = two;
            if (got != b.size || sm.len != b.size)
                return RASLEAK_EINVAL;  /* counts disagree: see check_xy() */
            select_listed(f, sm.len, b.below, k, out, m);
            keep_base(f, &b);
            return 0;
        }
        if (sn < 64) {
            /* No usable sample of this band: draw one. */
            sampler_init(&sm, f->buf, f->cap, (double)f->m / (double)b.size, &f->rng);
            if (run_pass(f, b.plo, pb, &b.hi, &sm, &ps) != b.size)
                return RASLEAK_EINVAL;
            sn = sm.len >= 64 ? sm.len : 0;  /* unlucky: draw again */
            continue;
        }

        /* Sample positions of the ranks, widened by BAND_Z deviations. */
        double qa = ((double)(ka - b.below) + 0.5) / (double)b.size;
        double qb = ((double)(kb - b.below) + 0.5) / (double)b.size;
        double fa = qa * (double)sn - BAND_Z * sqrt((double)sn * qa * (1.0 - qa)) - 2.0;
        double fb = qb * (double)sn + BAND_Z * sqrt((double)sn * qb * (1.0 - qb)) + 2.0;
        double span = (fb < (double)sn ? fb : (double)sn) - (fa > 0.0 ? fa : 0.0);
        struct thr nlo = b.lo, nhi = b.hi;
        if (fa >= 0.0) {
            struct thr t = thr_at(select_k(f->buf, sn, (size_t)fa, &f->rng), -1);
            if (thr_cmp(&t, &b.lo) > 0 && thr_cmp(&t, &b.hi) < 0)
                nlo = t;
        }
        if (fb < (double)sn) {
            /* After the first selection everything from fa on is >= it. */
            size_t from = fa >= 0.0 ? (size_t)fa : 0;
            struct thr t = thr_at(select_k(f->buf + from, sn - from, (size_t)ceil(fb) - from,
                                           &f->rng), 1);
            if (thr_cmp(&t, &b.hi) < 0 && thr_cmp(&t, &nlo) > 0)
                nhi = t;
        }
        if (thr_cmp(&nlo, &b.lo) == 0 && thr_cmp(&nhi, &b.hi) == 0) {
            /*
             * The sample cannot narrow the band: the ranks sit at its edge,
             * in a run of slopes that round to one value c.  Try the band
             * of exactly c, with c the sample's value at the ranks.
             */
            double qm = (qa + qb) / 2.0 * (double)sn;
            double c = select_k(f->buf, sn, qm < (double)sn ? (size_t)qm : sn - 1, &f->rng);
            struct thr tl = thr_at(c, -1), th = thr_at(c, 1);
            if (thr_cmp(&tl, &b.lo) > 0 && thr_cmp(&tl, &b.hi) < 0)
                nlo = tl;
            if (thr_cmp(&th, &b.hi) < 0 && thr_cmp(&th, &nlo) > 0)
                nhi = th;
            span = 1.0;
            if (thr_cmp(&nlo, &b.lo) == 0 && thr_cmp(&nhi, &b.hi) == 0) {
                sn = 0;  /* the sample is no use at all: draw a fresh one */
                continue;
            }
        }

        /* Count below the new lower bound (from the order at the old one). */
        int plo = b.plo;
        uint64_t below = b.below;
        int moved_lo = thr_cmp(&nlo, &b.lo) != 0;
        if (moved_lo) {
            uint64_t inv = run_pass(f, b.plo, pa, &nlo, NULL, &ps);
            if (at_base) {
                /* From the base order the pass counts the pairs between
                 * the base threshold and nlo, on whichever side nlo is. */
                below = thr_cmp(&nlo, &f->base_thr[j]) >= 0 ? f->base_below[j] + inv
                                                            : f->base_below[j] - inv;
            } else {
                below += inv;
            }
            plo = pa;
            if (kb < below) {
                b.hi = nlo;
                b.size = below - b.below;
                sn = filter_sample(f->buf, sn, &b.lo, &b.hi);
                continue;
            }
            if (ka < below)
                return split(f, k, out, m);
            at_base = 0;
        } else if (at_base) {
            index_order(f, b.plo);
            at_base = 0;
        }

        /*
         * Count, and sample, the new band [nlo, nhi).  A band of one rounded
         * value needs counting only: if the ranks are in it, that is them.
         */
        int one_value = !nlo.inf && !nhi.inf && nlo.c == nhi.c;
        double est = span / (double)sn * (double)b.size;
        if (est < 1.0)
            est = 1.0;
        double p = est <= (double)f->cap ? 1.0 : (double)f->m / est;
        int pout = moved_lo ? pb : pa;
        sampler_init(&sm, f->buf, f->cap, p, &f->rng);
        uint64_t size = run_pass(f, plo, pout, &nhi, one_value ? NULL : &sm, &ps);
        uint64_t end = b.below + b.size;

        if (ka >= below + size) {
            /* Missed above: the band starts at nhi now; no sample of it yet. */
            b.lo = nhi;
            b.below = below + size;
            b.size = end - b.below;
            b.plo = pout;
            sn = 0;
            continue;
        }
        if (kb >= below + size)
            return split(f, k, out, m);

        b.lo = nlo;
        b.hi = nhi;
        b.below = below;
        b.size = size;
        b.plo = plo;
        if (one_value) {
            sn = 0;  /* caught by the check at the top */
            continue;
        }
        if (sm.p >= 1.0 && !sm.thinned) {
            /* The pass listed the whole band: select in it. */
            select_listed(f, sm.len, below, k, out, m);
            keep_base(f, &b);
            return 0;
        }
        sn = sm.len;
        if (f->nbase == 0 && !b.lo.inf && !b.hi.inf) {
            int rc = keep_band(f, &b, pout, sn);
            if (rc < 0)
                return rc;
        }
    }
    return RASLEAK_EINVAL;
}

/* ---------------------------------------------------------- entry points */

/* The work kept between the calls on one series: the fast method's
 * uniform sample of all slopes and what its first search kept (struct
 * fast, nbase). */
struct rasleak_sen_ctx {
    const double *x, *y;
    size_t n;
    enum rasleak_slope_method method;  /* DIRECT or FAST */
    int threads;                       /* 1: one thread; 0: two from thread_min_n on */
    int ready;                         /* f is initialised */
    struct fast f;
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
        fast_free(&c->f);
    c->ready = 0;
}

/*
 * Ranks k[0..m) (ascending, m <= 4) of all slopes into out[].  Ranks within
 * one of each other share a band: the two middle slopes of the median.
 * The group nearest the middle goes first, so that what its search keeps
 * (its first band, with the sample and the orders at its bounds) is where
 * the others start from.
 */
static int ctx_ranks(struct rasleak_sen_ctx *c, const uint64_t *k, double *out, size_t m)
{
    if (c->method == RASLEAK_SLOPE_DIRECT)
        return direct_ranks(c->x, c->y, c->n, k, out, m);
    int rc;
    if (!c->ready) {
        if ((rc = fast_init(&c->f, c->x, c->y, c->n)) < 0)
            return rc;
        c->ready = 1;
    }
    c->f.two = c->threads != 1 && c->n >= thread_min_n;
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
    if ((rc = work_alloc(&c->f)) < 0)
        return rc;
    rc = fast_ranks(&c->f, &k[start[first]], &out[start[first]], len[first]);
    for (size_t g = 0; g < ng && rc == 0; g++)
        if (g != first)
            rc = fast_ranks(&c->f, &k[start[g]], &out[start[g]], len[g]);
    work_free(&c->f);
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
    double a = select_k(v, n, (n - 1) / 2, rng);
    if (n % 2)
        return a;
    double b = select_k(v + n / 2, n - n / 2, 0, rng);
    return (a + b) / 2.0;
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
    double *r = malloc(n * sizeof *r);
    if (!r)
        return RASLEAK_ENOMEM;
    for (size_t i = 0; i < n; i++)
        r[i] = y[i] - slope * x[i];
    uint64_t rng = 0x13198a2e03707344u;
    *out = median(r, n, &rng);
    free(r);
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
    int rc = ctx_ranks(c, k, v, k[0] == k[1] ? 1 : 2);
    if (rc < 0)
        return rc;
    *lo = v[0];
    *hi = k[0] == k[1] ? v[0] : v[1];
    return 0;
}

int rasleak_sen_ctx_set_threads(struct rasleak_sen_ctx *c, int threads)
{
    if (!c || threads < 0 || threads > 2)
        return RASLEAK_EINVAL;
    c->threads = threads;
    return 0;
}

struct rasleak__sen_counts rasleak__sen_ctx_counts(const struct rasleak_sen_ctx *c)
{
    struct rasleak__sen_counts none = {0, 0, 0};
    return c->ready ? c->f.counts : none;
}

void rasleak_sen_ctx_free(struct rasleak_sen_ctx *c)
{
    if (!c)
        return;
    ctx_release(c);
    free(c);
}
