/*
 * sen_pass.c - the passes of the fast method of Sen's slope (sen_band.c):
 * at a threshold t, a stable merge sort of the keys y - t x that counts,
 * and samples or lists, the pairs whose order it changes.  Also the two-
 * thread pass and the turning of the pairs a pass kept into slopes.
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
#include "stats/sen_fast.h"
#include "platform/threads.h"
#include "stats/sen_internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* y - t*x must not be fused into one fma: the key arithmetic below is exact
 * only with the roundings it spells out.  GCC does not contract in ISO C mode. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#define RARELY(c) __builtin_expect(!!(c), 0)
#else
#define NOINLINE
#define RARELY(c) (c)
#endif

#define RUN 16           /* insertion-sorted block size of the merge sort */

/*
 * A pass sorts the order a chunk at a time, every merge level inside it,
 * before the levels across chunks: a chunk of keys, ids and the scratch
 * for its left halves (16 bytes a point) stays in the core's own cache
 * while it is sorted, where level by level over all the points each level
 * would stream them from memory again.  The merges are the same ones, so
 * the counts and the order are too.
 */
#define CHUNK ((size_t)RUN << 10)
static size_t chunk = CHUNK;

/* RUN times a power of two, so that a chunk's blocks are the blocks of
 * the levels across all the points. */
void rasleak__sen_set_chunk(size_t n)
{
    chunk = RUN;
    while (chunk < (n ? n : CHUNK))
        chunk *= 2;
}

/* ---------------------------------------------------------------- helpers */

/* One slope as every method here and scipy computes it. */
static inline double slope_of(const double *x, const double *y, uint32_t a, uint32_t b)
{
    uint32_t i = a < b ? a : b, j = a < b ? b : a;
    return (y[j] - y[i]) / (x[j] - x[i]);
}

/* The same when x[i] = x0 + i (struct fast, xlin): x[j] - x[i] is j - i
 * exactly, with no x to load. */
static inline double slope_lin(const double *y, uint32_t a, uint32_t b)
{
    uint32_t i = a < b ? a : b, j = a < b ? b : a;
    return (y[j] - y[i]) / (double)(j - i);
}

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define AHEAD 16
#define KEY_AHEAD 32  /* points ahead whose x, y a key pass loads early */

static void pairs_to_slopes_one(const struct points *pt, double *buf, size_t len)
{
    const double *x = pt->x, *y = pt->y;
    if (pt->xlin) {
        for (size_t i = 0; i < len; i++) {
            uint64_t u;
            if (i + AHEAD < len) {
                memcpy(&u, &buf[i + AHEAD], sizeof u);
                PREFETCH(&y[u >> 32]);
                PREFETCH(&y[(uint32_t)u]);
            }
            memcpy(&u, &buf[i], sizeof u);
            buf[i] = slope_lin(y, (uint32_t)(u >> 32), (uint32_t)u);
        }
        return;
    }
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

struct slopes_job {
    const struct points *pt;
    double *buf;
    size_t len;
};

static void *pairs_to_slopes_job(void *arg)
{
    struct slopes_job *j = arg;
    pairs_to_slopes_one(j->pt, j->buf, j->len);
    return NULL;
}

/*
 * With two, the second half of the pairs on a second thread: a pass of a
 * large series keeps millions of pairs, each waiting for the points of a
 * random pair, and the two halves wait side by side.  Each slope depends
 * on its own pair only, so the result is the same.
 */
void rasleak__sen_pairs_to_slopes(const struct points *pt, double *buf, size_t len, int two)
{
    if (two && len >= 2) {
        size_t mid = len / 2;
        struct slopes_job j[2] = {{pt, buf, mid}, {pt, buf + mid, len - mid}};
        rasleak__run_two(pairs_to_slopes_job, &j[0], &j[1]);
        return;
    }
    pairs_to_slopes_one(pt, buf, len);
}

/* ----------------------------------------------------------- key passes */

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
 * (struct pass, klo), read only on ties of hi.  Most passes meet none,
 * and storing lo as each key is made cost a second scattered access a
 * point; so lo is filled in by point order, one sequential run over the
 * points, when a pass first meets a tie (lo_less()).  In tied data
 * (integer values, steps) ties are frequent, and computing lo again for
 * both points of each would cost scattered loads and the arithmetic.
 */
static inline double key_hi(const struct thr *th, double x, double y, double *lo)
{
    /* y - (c + t_lo) x: c x exactly, t_lo x (already ~u^2 of it) rounded */
    double p, e, s1, t1, hi;
    two_prod(th->c, x, &p, &e);
    double q = th->t_lo * x;
    two_sum(y, -p, &s1, &t1);
    two_sum(s1, (t1 - e) - q, &hi, lo);
    return hi;
}

/*
 * ln u for u = rng_unit(), in [2^-53, 1], to about 1e-7: u = m 2^e with m
 * in [sqrt(1/2), sqrt(2)), and ln m = 2 atanh(f), f = (m - 1)/(m + 1),
 * |f| < 0.172, by its series to f^7 (the rest is below 1e-7 of ln m).
 * libm's log costs several times this, and a pass that samples draws one
 * gap per sample: tens of millions at 10^7 points.  The gaps only decide
 * which pairs are sampled, and a rate off by 1e-7 changes nothing a band
 * is chosen by; every count and every selected slope is exact whatever
 * they are.  Plain arithmetic, so every platform draws the same gaps.
 */
static inline double log_unit(double u)
{
    uint64_t b;
    memcpy(&b, &u, sizeof b);
    int e = (int)(b >> 52) - 1023;  /* u > 0: no sign bit */
    b = (b & 0xfffffffffffffu) | 0x3ff0000000000000u;
    double m;
    memcpy(&m, &b, sizeof m);
    int up = m > 1.4142135623730951;
    m *= up ? 0.5 : 1.0;
    e += up;
    double f = (m - 1.0) / (m + 1.0), f2 = f * f;
    double s = (1.0 / 7.0) * f2 + 1.0 / 5.0;
    s = s * f2 + 1.0 / 3.0;
    s = s * f2 + 1.0;
    return (double)e * 0.6931471805599453 + 2.0 * f * s;
}

double rasleak__sen_log_unit(double u)
{
    return log_unit(u);
}

/* The next SAMPLER_GAPS values of ln u, the uniforms drawn first. */
static NOINLINE void draw_logs(struct sampler *sm)
{
    uint64_t r = *sm->rng;
    double *v = sm->lnu;
    for (unsigned i = 0; i < SAMPLER_GAPS; i++)
        v[i] = rng_unit(&r);
    *sm->rng = r;
    for (unsigned i = 0; i < SAMPLER_GAPS; i++)
        v[i] = log_unit(v[i]);
    sm->nlnu = 0;
}

/* Inversions to skip before the next sample: geometric, P(g) = (1-p)^g p. */
static uint64_t geom_gap(struct sampler *sm)
{
    if (sm->p >= 1.0)
        return 0;
    if (sm->nlnu == SAMPLER_GAPS)
        draw_logs(sm);
    double g = sm->lnu[sm->nlnu++] * sm->ilg;  /* >= 0 */
    return g < 0x1p62 ? (uint64_t)g : (uint64_t)1 << 62;
}

void rasleak__sen_sampler_init(struct sampler *sm, double *buf, size_t cap, double p,
                               uint64_t *rng)
{
    sm->buf = buf;
    sm->len = 0;
    sm->cap = cap;
    sm->step = 1;
    sm->p = p >= 1.0 ? 1.0 : p;
    sm->ilg = sm->p < 1.0 ? 1.0 / log1p(-sm->p) : 0.0;
    sm->rng = rng;
    sm->nlnu = SAMPLER_GAPS;
    sm->npend = 0;
    sm->halvings = 0;
    sm->known = 0;
    sm->room = NULL;
    sm->skip = geom_gap(sm);
}

/*
 * A half of a two-thread pass whose slots are full takes more from the
 * shared buffer, up to what the other half left: the first half fills it
 * from the bottom up, the second from the top down, and what both took is
 * one count, so they never meet however unevenly the pairs fall.  Zero
 * when the buffer is full: then the half thins.
 */
static NOINLINE int sampler_grow(struct sampler *sm)
{
    size_t cur = atomic_load_explicit(sm->room, memory_order_relaxed), take;
    do {
        take = sm->room_cap - cur < sm->room_step ? sm->room_cap - cur : sm->room_step;
        if (take == 0)
            return 0;
    } while (!atomic_compare_exchange_weak_explicit(sm->room, &cur, cur + take,
                                                    memory_order_relaxed, memory_order_relaxed));
    sm->cap += take;
    return 1;
}

/* Keep each sample with probability 1/2: a Bernoulli sample at p / 2. */
static void sampler_halve(struct sampler *sm)
{
    size_t o = 0;
    for (size_t i = 0; i < sm->len; i++)
        if (rng_next(sm->rng) >> 63)
            sm->buf[(ptrdiff_t)o++ * sm->step] = sm->buf[(ptrdiff_t)i * sm->step];
    sm->len = o;
    sm->p *= 0.5;
    sm->ilg = 1.0 / log1p(-sm->p);
    sm->halvings++;
}

/* Store a sample drawn at the rate before `late` halvings. */
static void sampler_put(struct sampler *sm, uint32_t a, uint32_t b, unsigned late)
{
    for (; late; late--)
        if (rng_next(sm->rng) >> 63)
            return;
    while (sm->len == sm->cap && !(sm->room && sampler_grow(sm))) {
        sampler_halve(sm);
        if (rng_next(sm->rng) >> 63)
            return;  /* this one was drawn at the old rate */
    }
    sm->buf[(ptrdiff_t)sm->len++ * sm->step] = pack_pair(a, b);
}

/*
 * Store the samples drawn since the last flush.  All were drawn at the
 * rate before this flush; one stored after the buffer thinned (here) is
 * kept with probability 1/2 per halving since, so that every sample is
 * still one of a Bernoulli sample at the final rate.
 */
static NOINLINE void sampler_flush(struct sampler *sm)
{
    unsigned n = sm->npend;
    for (unsigned i = 0; i < n; i++)
        PREFETCH(sm->pa[i]);
    unsigned g0 = sm->halvings;
    for (unsigned i = 0; i < n; i++)
        sampler_put(sm, *sm->pa[i], sm->pb[i], sm->halvings - g0);
    sm->npend = 0;
}

/* Right element w jumped over the r left elements left[0..r): r inversions. */
static void sampler_batch_slow(struct sampler *sm, const uint32_t *left, size_t r,
                               uint32_t w)
{
    uint64_t t = sm->skip;
    /* Listing (p = 1): every one, left[] in order; no miss to hide. */
    while (t < r && sm->p >= 1.0) {
        sampler_put(sm, left[t], w, 0);
        t += sm->p >= 1.0 ? 1 : 1 + geom_gap(sm);  /* thinned: sampling from here */
    }
    while (t < r) {
        sm->pa[sm->npend] = left + t;
        sm->pb[sm->npend] = w;
        if (++sm->npend == SAMPLER_PEND)
            sampler_flush(sm);
        t += 1 + geom_gap(sm);
    }
    sm->skip = t - r;
}

/* One inversion, (a, w), stored at once if drawn. */
static inline void sampler_one(struct sampler *sm, uint32_t a, uint32_t w)
{
    if (sm->skip) {
        sm->skip--;
        return;
    }
    if (sm->npend)
        sampler_flush(sm);
    sampler_put(sm, a, w, 0);
    sm->skip = geom_gap(sm);
}

static inline void sampler_batch(struct sampler *sm, const uint32_t *left, size_t r,
                                 uint32_t w)
{
    if (sm->skip >= r)
        sm->skip -= r;  /* the common case when sampling sparsely */
    else
        sampler_batch_slow(sm, left, r, w);
}

/*
 * The low part of every point's key at the pass's threshold, by point, in
 * runs of LO_RUN points.  Both halves of a two-thread pass that need them
 * take runs until none is left, then wait for the other's last one.
 */
#define LO_RUN ((size_t)1 << 16)

static size_t lo_runs(const struct pass *ps)
{
    return (ps->npoints + LO_RUN - 1) / LO_RUN;
}

static NOINLINE void fill_lo(const struct pass *ps)
{
    const struct thr *th = ps->th;
    const double *x = ps->pt->x, *y = ps->pt->y;
    double *klo = ps->klo;
    size_t n = ps->npoints, runs = lo_runs(ps), r;
    while ((r = atomic_fetch_add(ps->lo_next, 1)) < runs) {
        size_t b = r * LO_RUN, e = b + LO_RUN < n ? b + LO_RUN : n;
        if (ps->pt->xlin)
            for (size_t a = b; a < e; a++)
                (void)key_hi(th, ps->pt->x0 + (double)a, y[a], &klo[a]);
        else
            for (size_t a = b; a < e; a++)
                (void)key_hi(th, x[a], y[a], &klo[a]);
        atomic_fetch_add_explicit(ps->lo_done, 1, memory_order_release);
    }
    while (atomic_load_explicit(ps->lo_done, memory_order_acquire) < runs)
        ;
}

/*
 * Equal high parts: the low parts decide.  Out of line: inlined, its key
 * arithmetic took the registers of the merge and sort loops around it,
 * which then kept their state on the stack on every element.
 */
static NOINLINE int lo_less(const struct pass *ps, uint32_t w, uint32_t u)
{
    if (RARELY(atomic_load_explicit(ps->lo_done, memory_order_acquire) < lo_runs(ps)))
        fill_lo(ps);
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
 * One step of a merge from both ends.  The front takes the least of L[l],
 * R[r] (the right one only when strictly less: stable) and counts the
 * left elements it jumps, L[l..nl); the back takes the greatest of
 * L[l2-1], R[r2-1] (the left one only when strictly greater) and counts,
 * for a right element, the left elements the back has taken, L[l2..nl):
 * exactly the left elements greater than it that the front will not
 * meet.  Each jump is sampled when SAMPLE.  The two chains of loads and
 * compares do not wait for each other, so a core overlaps them: from one
 * end only, each element waits for the comparison before it.
 */
#define MERGE_STEP_TWO_ENDS(LESS, SAMPLE)                                           \
    do {                                                                            \
        size_t right = LESS(R[r], RI[r], L[l], LI[l]);                              \
        size_t run = (nl - l) & (0 - right);                                        \
        inv += run;                                                                 \
        if (SAMPLE)                                                                 \
            SKIP_OR_SAMPLE(LI + l, run, RI[r]);                                     \
        out[s] = pick_d(right, R[r], L[l]);                                         \
        oid[s] = pick_u(right, RI[r], LI[l]);                                       \
        r += right;                                                                 \
        l += right ^ 1;                                                             \
        size_t left = LESS(R[r2 - 1], RI[r2 - 1], L[l2 - 1], LI[l2 - 1]);           \
        size_t back = lb & (0 - (left ^ 1));                                        \
        inv += back;                                                                \
        if (SAMPLE)                                                                 \
            SKIP_OR_SAMPLE(LI + l2, back, RI[r2 - 1]);                              \
        out[nw - 1 - s] = pick_d(left, L[l2 - 1], R[r2 - 1]);                       \
        oid[nw - 1 - s] = pick_u(left, LI[l2 - 1], RI[r2 - 1]);                     \
        lb += left;                                                                 \
        l2 -= left;                                                                 \
        r2 -= left ^ 1;                                                             \
    } while (0)

/*
 * sampler_batch() for the loops from both ends, with the skip in the local
 * sk: most steps only subtract (0 for a left element taken), and the rare
 * draw is the one branch that is not predicted.
 */
#define SKIP_OR_SAMPLE(left, cnt, w)                      \
    do {                                                  \
        if (RARELY((cnt) > sk)) {                         \
            sm->skip = sk;                                \
            sampler_batch_slow(sm, (left), (cnt), (w));   \
            sk = sm->skip;                                \
        } else {                                          \
            sk -= (cnt);                                  \
        }                                                 \
    } while (0)

/* Strictly less on one double, and on (hi, lo) with lo looked up on ties. */
#define LESS_HI(kr, ir, kl, il) ((size_t)((kr) < (kl)))
#define LESS_HILO(kr, ir, kl, il) \
    ((kr) != (kl) ? (size_t)((kr) < (kl)) : (size_t)lo_less(ps, (ir), (il)))

/*
 * Merge L[0..nl) and R[0..nr) (sorted, out of place) into out[0..nl+nr),
 * counting (and with ps->sm sampling) the inversions: from both ends
 * until one has taken half the output or a side could run out, then
 * forwards for the middle.  The four loops are one each so that the
 * compiler keeps the sampler and the low parts out of the loops without
 * them.
 */
static uint64_t merge_two_ends(const struct pass *ps, const double *L, const uint32_t *LI,
                               size_t nl, const double *R, const uint32_t *RI, size_t nr,
                               double *out, uint32_t *oid)
{
    struct sampler *sm = ps->sm;
    size_t nw = nl + nr, steps = nw / 2;
    if (steps > nl)
        steps = nl;
    if (steps > nr)
        steps = nr;
    size_t l = 0, r = 0, l2 = nl, r2 = nr, lb = 0, s;
    uint64_t inv = 0;
    uint64_t sk = sm ? sm->skip : 0;  /* sm->skip, kept in a register */
    if (ps->has_lo && sm)
        for (s = 0; s < steps; s++)
            MERGE_STEP_TWO_ENDS(LESS_HILO, 1);
    else if (ps->has_lo)
        for (s = 0; s < steps; s++)
            MERGE_STEP_TWO_ENDS(LESS_HILO, 0);
    else if (sm)
        for (s = 0; s < steps; s++)
            MERGE_STEP_TWO_ENDS(LESS_HI, 1);
    else
        for (s = 0; s < steps; s++)
            MERGE_STEP_TWO_ENDS(LESS_HI, 0);
    if (sm)
        sm->skip = sk;
    /* The middle, forwards: a right element still jumps every left one
     * the front has not taken, the back's too. */
    size_t o = steps;
    while (l < l2 && r < r2) {
        size_t right = R[r] < L[l];
        if (R[r] == L[l] && ps->has_lo)
            right = (size_t)lo_less(ps, RI[r], LI[l]);
        size_t run = (nl - l) & (0 - right);
        inv += run;
        if (sm && run)
            sampler_batch(sm, LI + l, run, RI[r]);
        out[o] = pick_d(right, R[r], L[l]);
        oid[o] = pick_u(right, RI[r], LI[l]);
        o++;
        r += right;
        l += right ^ 1;
    }
    /* Right elements left over jump the back's left ones. */
    inv += (uint64_t)(r2 - r) * (nl - l);
    for (size_t i = r; sm && nl > l && i < r2; i++)
        sampler_batch(sm, LI + l, nl - l, RI[i]);
    memcpy(out + o, R + r, (r2 - r) * sizeof *out);
    memcpy(oid + o, RI + r, (r2 - r) * sizeof *oid);
    o += r2 - r;
    memcpy(out + o, L + l, (l2 - l) * sizeof *out);
    memcpy(oid + o, LI + l, (l2 - l) * sizeof *oid);
    if (sm && sm->npend)
        sampler_flush(sm);  /* before the next merge reuses LI */
    return inv;
}
#undef MERGE_STEP_TWO_ENDS
#undef SKIP_OR_SAMPLE
#undef LESS_HI
#undef LESS_HILO

/*
 * Merge the sorted blocks k[lo, mid) and k[mid, hi) in place, counting
 * (and sampling) the inversions: each right element taken before left
 * ones jumps over all that are left.  Only the window [p, q) where the
 * blocks overlap is touched: it is moved to the scratch tk/tid and merged
 * back, so a pass over nearly sorted keys costs about what its inversions
 * cost, not n per level.
 */
static uint64_t merge_blocks(struct pass *ps, double *k, uint32_t *id, double *tk,
                             uint32_t *tid, size_t lo, size_t mid, size_t hi)
{
    size_t p, q;
    merge_window(ps, k, id, lo, mid, hi, &p, &q);
    if (p >= mid || q <= mid)
        return 0;  /* already in order */
    memcpy(tk, k + p, (q - p) * sizeof *tk);
    memcpy(tid, id + p, (q - p) * sizeof *tid);
    size_t nl = mid - p;
    return merge_two_ends(ps, tk, tid, nl, tk + nl, tid + nl, q - mid, k + p, id + p);
}

/*
 * Reverse each strictly falling run of at least MIN_FALL keys in k[b, e),
 * counting (and sampling) its pairs, every one an inversion.  A counter
 * that steps (pages of memory, handles) between flat stretches has, at a
 * threshold near its slope, keys that fall along each stretch: the first
 * pass, from the order of the samples, would otherwise undo each stretch
 * one insertion and one merge level at a time.  Strictly falling keys
 * have no ties, so reversing them keeps the sort stable; a pair with one
 * point inside the run and one outside keeps its order, so the count adds
 * up.  Keys in no order fall at every other step, in runs too short to
 * matter, and a branch on each step mispredicts half the time: a chunk
 * is searched for runs only if at least FALLS_PER_4 steps in 4 fall,
 * which a branch-free count tells first.
 */
#define MIN_FALL 8
#define FALLS_PER_4 3

static uint64_t reverse_falls(struct pass *ps, double *k, uint32_t *id, size_t b, size_t e)
{
    size_t falls = 0;
    for (size_t t = b; t + 1 < e; t++)
        falls += k[t + 1] < k[t];
    if (falls * 4 < (e - b) * FALLS_PER_4)
        return 0;
    struct sampler *sm = ps->sm;
    uint64_t inv = 0;
    size_t i = b;
    while (i + 1 < e) {
        if (!key_less(ps, k[i + 1], id[i + 1], k[i], id[i])) {
            i++;
            continue;
        }
        size_t s = i++;
        while (i + 1 < e && key_less(ps, k[i + 1], id[i + 1], k[i], id[i]))
            i++;
        size_t len = i - s + 1; /* the run is [s, i] */
        if (len >= MIN_FALL) {
            ps->falls++;
            inv += (uint64_t)len * (len - 1) / 2;
            if (sm) {
                /* Each point jumps over every one before it in the run. */
                for (size_t t = s + 1; t <= i; t++)
                    sampler_batch(sm, id + s, t - s, id[t]);
                if (sm->npend)
                    sampler_flush(sm); /* before the run's ids move */
            }
            for (size_t a = s, z = i; a < z; a++, z--) {
                double kt = k[a];
                k[a] = k[z];
                k[z] = kt;
                uint32_t it = id[a];
                id[a] = id[z];
                id[z] = it;
            }
        }
        i++;
    }
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
         * misses in turn.  The low parts are left to lo_less().
         */
        const double *x = ps->pt->x, *y = ps->pt->y;
        double lo;
        if (ps->pt->xlin) {
            /* x is x0 + the index: one array fewer to wait for. */
            double x0 = ps->pt->x0;
            for (size_t i = 0; i < n; i++) {
                if (i + KEY_AHEAD < n)
                    PREFETCH(&y[id[i + KEY_AHEAD]]);
                uint32_t a = id[i];
                k[i] = key_hi(th, x0 + (double)a, y[a], &lo);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                if (i + KEY_AHEAD < n) {
                    uint32_t a = id[i + KEY_AHEAD];
                    PREFETCH(&x[a]);
                    PREFETCH(&y[a]);
                }
                uint32_t a = id[i];
                k[i] = key_hi(th, x[a], y[a], &lo);
            }
        }
        /* A finite threshold lies between two doubles (t_lo is never 0,
         * rasleak__sen_thr_at()), so any key may have a low part. */
        ps->has_lo = 1;
    }

    uint64_t inv = 0;
    for (size_t cb = 0; cb < n; cb += chunk) {
        size_t ce = cb + chunk < n ? cb + chunk : n;
        inv += reverse_falls(ps, k, id, cb, ce);
        for (size_t b = cb; b < ce; b += RUN) {
            size_t e = b + RUN < ce ? b + RUN : ce;
            for (size_t i = b + 1; i < e; i++) {
                double kv = k[i];
                uint32_t w = id[i];
                size_t j = i;
                while (j > b && key_less(ps, kv, w, k[j - 1], id[j - 1])) {
                    if (ps->sm)
                        sampler_one(ps->sm, id[j - 1], w);
                    k[j] = k[j - 1];
                    id[j] = id[j - 1];
                    j--;
                }
                inv += i - j;
                k[j] = kv;
                id[j] = w;
            }
        }
        for (size_t w = RUN; w < ce - cb; w *= 2)
            for (size_t lo_ = cb; lo_ + w < ce; lo_ += 2 * w)
                inv += merge_blocks(ps, k, id, ps->tkey, ps->tid, lo_, lo_ + w,
                                    lo_ + 2 * w < ce ? lo_ + 2 * w : ce);
    }
    for (size_t w = chunk; w < n; w *= 2)
        for (size_t lo_ = 0; lo_ + w < n; lo_ += 2 * w)
            inv += merge_blocks(ps, k, id, ps->tkey, ps->tid, lo_, lo_ + w,
                                lo_ + 2 * w < n ? lo_ + 2 * w : n);
    return inv;
}

/* ------------------------------------------------------------ two threads */

/* One half of a pass on two threads: its own keys, scratch and sampler. */
struct half {
    struct pass ps;
    struct sampler sm;
    const uint32_t *from;  /* the order to start from, when not id's own */
    uint32_t *id;
    size_t n;
    uint64_t inv;
};

static void *sort_half(void *arg)
{
    struct half *h = arg;
    if (h->from)
        memcpy(h->id, h->from, h->n * sizeof *h->id);
    h->inv = sort_pass(&h->ps, h->id, h->n);
    return NULL;
}

/*
 * sort_pass() with the work split over two threads: each sorts one half
 * of the order (keys, runs and all merge levels inside it) in its own part
 * of the key and scratch arrays, and this thread then merges the two.  The
 * count is the same: the inversions within each half plus those between
 * them, which the last merge finds.  Sampling, each half has its own random
 * stream, and the two fill the buffer from its two ends.  Listing a band
 * whose size is known (sm->known), they never meet.  Otherwise each starts
 * with a quarter of it and takes more of the rest as it needs it
 * (sampler_grow): with half of it each, a band listed or sampled whose
 * pairs fall mostly in one half of the order thinned there, and was
 * listed again, while the other half's slots stayed empty.  If one half
 * thinned all the same (the buffer was full), the other is thinned to the
 * same rate, so that the union is still a Bernoulli sample of all the
 * inversions so far, and the last merge samples on at that rate into the
 * whole buffer.  The sorted order is the same too: the sort is stable,
 * and a stable sort has only one result.
 */
static uint64_t sort_pass_two(struct fast *f, struct pass *ps, const uint32_t *from,
                              uint32_t *id)
{
    size_t n = f->n, mid = n / 2;
    uint64_t *rng = &f->rng;
    struct sampler *sm = ps->sm;
    uint64_t rng1 = rng_next(rng);
    /* Unless the size is known, each half starts with a quarter of the
     * buffer, so that one that thins has room to, and takes more as it
     * needs it, a 64th at a time. */
    int shared = sm && sm->p >= 1.0 && sm->known && sm->known <= sm->cap;
    size_t first = !sm ? 0 : shared ? (size_t)sm->known : sm->cap / 4;
    size_t room_step = sm ? (sm->cap / 64 > 4096 ? sm->cap / 64 : 4096) : 0;
    atomic_size_t room;
    atomic_init(&room, 2 * first);
    struct half h[2];
    for (int i = 0; i < 2; i++) {
        size_t o = i ? mid : 0;
        h[i].ps = *ps;
        h[i].ps.key = ps->key + o;
        h[i].ps.tkey = ps->tkey + o;
        h[i].ps.tid = ps->tid + o;
        h[i].from = from != id ? from + o : NULL;
        h[i].id = id + o;
        h[i].n = i ? n - mid : mid;
        if (sm) {
            /* The first half fills the buffer from the bottom up, the
             * second from the top down. */
            rasleak__sen_sampler_init(&h[i].sm, sm->buf + (i ? sm->cap - 1 : 0), first, sm->p,
                                      i ? &rng1 : rng);
            h[i].sm.step = i ? -1 : 1;
            h[i].sm.room = shared ? NULL : &room;
            h[i].sm.room_cap = sm->cap;
            h[i].sm.room_step = room_step;
            h[i].ps.sm = &h[i].sm;
        }
    }
    rasleak__run_two(sort_half, &h[0], &h[1]);

    if (sm) {
        struct sampler *a = &h[0].sm, *b = &h[1].sm;
        f->counts.evened += a->p != b->p;
        f->counts.shared += shared;
        f->counts.grown += !shared && (a->cap > sm->cap / 2 || b->cap > sm->cap / 2);
        while (a->p > b->p)
            sampler_halve(a);
        while (b->p > a->p)
            sampler_halve(b);
        /* The second half's samples start at b->buf, or end there, top down. */
        const double *from = b->step > 0 ? b->buf : b->buf - (b->len ? b->len - 1 : 0);
        memmove(sm->buf + a->len, from, b->len * sizeof *sm->buf);
        sm->len = a->len + b->len;
        sm->p = a->p;
        sm->ilg = a->ilg;
        sm->halvings = a->halvings;  /* = b's: both went from sm->p to a->p */
        sm->skip = geom_gap(sm);
    }
    ps->has_lo = h[0].ps.has_lo || h[1].ps.has_lo;
    ps->falls = h[0].ps.falls + h[1].ps.falls;
    return h[0].inv + h[1].inv + merge_blocks(ps, ps->key, id, ps->tkey, ps->tid, 0, mid, n);
}

/* One counting (and, with sm, sampling) pass: ord[from] -> ord[to] at th. */
uint64_t rasleak__sen_run_pass(struct fast *f, int from, int to, const struct thr *th,
                               struct sampler *sm, struct pass *ps)
{
    ps->pt = &f->pt;
    ps->th = th;
    ps->key = f->key;
    ps->tkey = f->tkey;
    ps->klo = f->klo;
    ps->lo_next = &f->lo_next;
    ps->lo_done = &f->lo_done;
    atomic_store(&f->lo_next, 0);
    atomic_store(&f->lo_done, 0);
    ps->npoints = f->n;
    ps->tid = f->tid;
    ps->sm = sm;
    ps->falls = 0;
    f->counts.passes++;
    f->last = to;
    uint64_t inv;
    if (f->two) {
        /* Each half copies its part of the order it starts from. */
        inv = sort_pass_two(f, ps, f->ord[from], f->ord[to]);
    } else {
        if (from != to)
            memcpy(f->ord[to], f->ord[from], f->n * sizeof *f->ord[to]);
        inv = sort_pass(ps, f->ord[to], f->n);
    }
    f->counts.falls += ps->falls;
    f->counts.lo_fills += atomic_load(&f->lo_done) != 0;
    if (sm) {
        /* A thread is worth it from a quarter as many pairs as points (a
         * two-thread pass has a million points or more). */
        rasleak__sen_pairs_to_slopes(&f->pt, sm->buf, sm->len,
                                     f->two && sm->len >= f->n / 4);
        f->counts.thinned += sm->halvings != 0;
    }
    return inv;
}

