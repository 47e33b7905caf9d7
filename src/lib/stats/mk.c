/*
 * mk.c - the Mann-Kendall trend test and its corrections for serial
 * correlation (Hamed & Rao 1998, Yue & Wang 2004).
 *
 * S = sum_{i<j} sign(y[j] - y[i]) is counted in O(n log n) as Knight (1966)
 * counts Kendall's tau: a stable merge sort of y counts the strictly
 * discordant pairs D (inversions, y[j] < y[i] for i < j); after sorting,
 * equal values are adjacent and the tied pairs T = sum t(t-1)/2 fall out
 * of one scan; the concordant pairs are the rest, so
 *     S = (N - T - D) - D,   N = n(n-1)/2.
 * The same scan gives the tie term of Var(S).  Formulas and references are
 * in docs/analysis.md.
 */
#include "rasleak/stats.h"
#include "rasleak/error.h"
#include "platform/threads.h"
#include "platform/scratch.h"
#include "stats/mk_internal.h"
#include "stats/x_index.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Hamed-Rao from a hinted order: points loaded this far ahead, and the
 * moves a key on average after which the hint is given up. */
#define HINT_AHEAD 32
#define HINT_MOVES 8

/* From this many values on, `two` splits the work over two threads. */
#define THREAD_MIN_N ((size_t)1000000)
static size_t thread_min_n = THREAD_MIN_N;

void rasleak__mk_set_thread_min_n(size_t n)
{
    thread_min_n = n ? n : THREAD_MIN_N;
}

/* Blocks this small are insertion-sorted: fewer passes over memory. */
#define MK_RUN 32

/*
 * Merge the sorted runs src[lo..mid) and src[mid..hi) into dst[lo..hi),
 * stably; returns the strict inversions between them.  Take from the right
 * only when strictly smaller: stable.  No branch on the comparison, whose
 * outcome is random: the loop would spend more on mispredictions than on
 * the merge.
 */
static uint64_t merge_count(const double *src, size_t lo, size_t mid, size_t hi, double *dst)
{
    uint64_t inv = 0;
    size_t l = lo, r = mid, o = lo;
    while (l < mid && r < hi) {
        size_t right = src[r] < src[l];
        inv += (mid - l) & (0 - right);
        dst[o++] = src[right ? r : l];
        r += right;
        l += right ^ 1;
    }
    memcpy(dst + o, src + l, (mid - l) * sizeof *dst);
    o += mid - l;
    memcpy(dst + o, src + r, (hi - r) * sizeof *dst);
    return inv;
}

/*
 * Where the sorted runs v[lo..mid) and v[mid..hi), v[mid] < v[mid-1],
 * overlap: *p is the first left value above v[mid] (those before it are
 * <= every right one), *q the first right value not below v[mid-1] (those
 * from it on are >= every left one).  Both found by galloping away from
 * mid: a few probes where the runs barely overlap, as in a series that
 * grows, where each value is out of place only by its noise.
 */
static void overlap(const double *v, size_t lo, size_t mid, size_t hi, size_t *p, size_t *q)
{
    size_t b = mid - 1, step = 1;
    while (b >= lo + step && v[mid] < v[b - step]) {
        b -= step;
        step *= 2;
    }
    size_t a = b >= lo + step ? b - step + 1 : lo;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (v[mid] < v[m])
            b = m;
        else
            a = m + 1;
    }
    *p = a;
    a = mid;
    step = 1;
    while (a + step < hi && v[a + step] < v[mid - 1]) {
        a += step;
        step *= 2;
    }
    b = a + step < hi ? a + step : hi;
    a++;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (!(v[m] < v[mid - 1]))
            b = m;
        else
            a = m + 1;
    }
    *q = a;
}

/*
 * Merge the runs src[lo..mid) and src[mid..hi) and count the strict
 * inversions between them, adding the values that moved to *moved.  With
 * dst, into dst[lo..hi) (the values outside the overlap copied as they
 * are); without, in place, through the scratch tv, touching only the
 * overlap.
 */
static uint64_t merge_runs(double *src, size_t lo, size_t mid, size_t hi, double *dst,
                           double *tv, size_t *moved)
{
    if (!(src[mid] < src[mid - 1])) {
        if (dst)
            memcpy(dst + lo, src + lo, (hi - lo) * sizeof *dst);
        return 0;  /* already in order */
    }
    size_t p, q;
    overlap(src, lo, mid, hi, &p, &q);
    *moved += q - p;
    if (dst) {
        memcpy(dst + lo, src + lo, (p - lo) * sizeof *dst);
        memcpy(dst + q, src + q, (hi - q) * sizeof *dst);
        return merge_count(src, p, mid, q, dst);
    }
    memcpy(tv, src + p, (q - p) * sizeof *tv);
    return merge_count(tv, 0, mid - p, q - p, src + p);
}

/*
 * Stable ascending sort of v[0..n), returning the number of strict
 * inversions (pairs i<j with v[j] < v[i]).  tv is scratch of the same
 * length.  Bottom-up, so no recursion depth to worry about at n = 1e7.
 * A level merges from one array into the other, as long as the runs
 * overlap much; once they overlap in less than a quarter of the values
 * (a growing series: values out of place only by their noise), the levels
 * above merge in place, moving only the overlaps, so that they cost about
 * what their inversions do instead of a pass over every value each.  The
 * sorted values end in v.
 */
static uint64_t sort_count(double *v, double *tv, size_t n)
{
    uint64_t inv = 0;

    for (size_t b = 0; b < n; b += MK_RUN) {
        size_t e = b + MK_RUN < n ? b + MK_RUN : n;
        for (size_t i = b + 1; i < e; i++) {
            double key = v[i];
            size_t j = i;
            while (j > b && key < v[j - 1]) {
                v[j] = v[j - 1];
                j--;
            }
            inv += i - j;
            v[j] = key;
        }
    }

    double *src = v, *oth = tv;
    int in_place = 0;
    for (size_t w = MK_RUN; w < n; w *= 2) {
        size_t moved = 0;
        for (size_t lo = 0; lo + w < n; lo += 2 * w) {
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            inv += merge_runs(src, lo, lo + w, hi, in_place ? NULL : oth, oth, &moved);
        }
        if (!in_place) {
            /* A last run without a partner is copied as it is. */
            size_t tail = n % (2 * w) > w ? 0 : n % (2 * w);
            memcpy(oth + n - tail, src + n - tail, tail * sizeof *oth);
            double *t = src;
            src = oth;
            oth = t;
            in_place = moved < n / 4;
        }
    }
    if (src != v)
        memcpy(v, src, n * sizeof *v);
    return inv;
}

struct sort_half {
    double *v, *tv;
    size_t n;
    uint64_t inv;
};

static void *sort_half(void *arg)
{
    struct sort_half *h = arg;
    h->inv = sort_count(h->v, h->tv, h->n);
    return NULL;
}

/*
 * sort_count() of v[0..n) with each half sorted on its own thread
 * and the two merged on the calling one; the inversions are a count, so
 * the result is the same however the work is cut.  The sorted values end
 * in v.
 */
static uint64_t sort_count_two(double *v, double *tv, size_t n)
{
    size_t mid = n / 2, moved = 0;
    struct sort_half h[2] = {{v, tv, mid, 0}, {v + mid, tv + mid, n - mid, 0}};
    rasleak__run_two(sort_half, &h[0], &h[1]);
    return h[0].inv + h[1].inv + merge_runs(v, 0, mid, n, NULL, tv, &moved);
}

/* Continuity-corrected score and two-sided p-value for S with variance var. */
static void mk_score(double s, double var, double *z, double *p)
{
    if (!(var > 0.0) || s == 0.0) {
        *z = 0.0;
        *p = 1.0;
        return;
    }
    *z = s > 0.0 ? (s - 1.0) / sqrt(var) : (s + 1.0) / sqrt(var);
    *p = erfc(fabs(*z) / sqrt(2.0));
}

static int check_series(const double *x, const double *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return RASLEAK_EINVAL;
        if (x && (!isfinite(x[i]) || (i > 0 && !(x[i] > x[i - 1]))))
            return RASLEAK_EINVAL;
    }
    return 0;
}

int rasleak_mk(const double *y, size_t n, struct rasleak_mk *out)
{
    return rasleak__mk(y, n, 0, out);
}

int rasleak__mk(const double *y, size_t n, int two, struct rasleak_mk *out)
{
    if (!y || !out || n < 2 || n > RASLEAK_STATS_MAX_N)
        return RASLEAK_EINVAL;
    if (check_series(NULL, y, n) < 0)
        return RASLEAK_EINVAL;

    double *v = rasleak__scratch_get(2 * n * sizeof *v);
    if (!v)
        return RASLEAK_ENOMEM;
    memcpy(v, y, n * sizeof *v);
    uint64_t disc;
    const double *sv = v;
    if (two && n >= thread_min_n)
        disc = sort_count_two(v, v + n, n);
    else
        disc = sort_count(v, v + n, n);

    /*
     * Tie groups of the sorted copy.  -0.0 and 0.0 compare equal here as in
     * sign(), so they tie, which is what S counts.
     */
    uint64_t tied = 0;
    double tie_term = 0.0;  /* sum t(t-1)(2t+5) */
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && sv[j] == sv[i])
            j++;
        uint64_t t = j - i;
        if (t > 1) {
            tied += t * (t - 1) / 2;
            tie_term += (double)t * (double)(t - 1) * (double)(2 * t + 5);
        }
        i = j;
    }
    rasleak__scratch_put(v);

    uint64_t pairs = (uint64_t)n * (n - 1) / 2;
    uint64_t conc = pairs - tied - disc;
    double dn = (double)n;
    out->n = n;
    out->s = (double)conc - (double)disc;
    out->tied = (double)tied;
    out->var = (dn * (dn - 1.0) * (2.0 * dn + 5.0) - tie_term) / 18.0;
    if (out->var < 0.0)
        out->var = 0.0;  /* only rounding can bring it below; all tied is 0 */
    mk_score(out->s, out->var, &out->z, &out->p);
    return 0;
}

/* Validate the arguments the two corrections share. */
static int check_corrected(const double *x, const double *y, size_t n,
                           const struct rasleak_mk *mk, double sen_slope,
                           const struct rasleak_mk_corrected *out)
{
    if (!x || !y || !mk || !out || n < 2 || n > RASLEAK_STATS_MAX_N)
        return RASLEAK_EINVAL;
    if (mk->n != n || !isfinite(sen_slope) || !(mk->var >= 0.0))
        return RASLEAK_EINVAL;
    return check_series(x, y, n);
}

static void finish(const struct rasleak_mk *mk, double ratio, size_t lags,
                   const char *method, struct rasleak_mk_corrected *out)
{
    if (ratio < RASLEAK_MK_MIN_RATIO)
        ratio = RASLEAK_MK_MIN_RATIO;
    out->ratio = ratio;
    out->n_eff = (double)mk->n / ratio;
    out->var_corrected = mk->var * ratio;
    out->lags_used = lags;
    out->method = method;
    mk_score(mk->s, out->var_corrected, &out->z, &out->p);
}

/*
 * Default lag bound for Hamed-Rao: ceil(10 log10 n), the default maximum lag
 * of R's acf() (Venables & Ripley).  Autocorrelation estimates at larger lags
 * rest on fewer products and are screened against a band that does not
 * narrow with the lag, so each extra lag mostly adds screening noise
 * weighted by (n-k)^3; bounding L also keeps the cost O(n L).
 */
/* Terms of the lag sums taken per lag before the next lag (8 KiB of c). */
#define LAG_BLOCK 1024

/*
 * A double as an unsigned key in the same order: the sign bit flipped for
 * positive values, every bit for negative ones.  -0 sorts just below +0;
 * they are told apart from other values, and treated as one, by
 * key_value().
 */
static inline uint64_t order_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | (uint64_t)1 << 63;
}

static inline double key_value(uint64_t k)
{
    uint64_t u = k >> 63 ? k & ~((uint64_t)1 << 63) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/*
 * Ascending LSD radix sort of key[0..n) with the parallel ids, 11 bits a
 * pass; tk/tid are scratch of the same length.  A pass in which every key
 * has the same digit (the sign and exponent of residuals of one size, as a
 * rule) is skipped.  The ranks need only the order, not the inversions:
 * this is several times cheaper than the merge sort at n = 1e7.
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)

#define RADIX_PASSES ((64 + RADIX_BITS - 1) / RADIX_BITS)

/*
 * One half of the input of a radix pass, on its own thread: counting its
 * digits, then moving its keys to where the counts of both halves put
 * them (the first half's before the second's in each digit: stable).
 */
struct radix_half {
    const uint64_t *src;
    const uint32_t *sid;
    uint64_t *dst;
    uint32_t *did;
    size_t n;
    unsigned shift;
    size_t count[RADIX_SIZE];
    int scatter;
};

static void *radix_half(void *arg)
{
    struct radix_half *h = arg;
    if (!h->scatter) {
        memset(h->count, 0, sizeof h->count);
        for (size_t i = 0; i < h->n; i++)
            h->count[(h->src[i] >> h->shift) & (RADIX_SIZE - 1)]++;
        return NULL;
    }
    for (size_t i = 0; i < h->n; i++) {
        size_t o = h->count[(h->src[i] >> h->shift) & (RADIX_SIZE - 1)]++;
        h->dst[o] = h->src[i];
        h->did[o] = h->sid[i];
    }
    return NULL;
}

/* Both halves' step, on two threads or, the second empty, on this one. */
static void radix_halves(struct radix_half *h, int two)
{
    if (two) {
        rasleak__run_two(radix_half, &h[0], &h[1]);
    } else {
        radix_half(&h[0]);
        radix_half(&h[1]);
    }
}

/*
 * Ascending LSD radix sort of key[0..n) with the parallel ids; tk/tid are
 * scratch of the same length.  With two, each pass counts and moves the
 * two halves of its input on two threads; the order is the same.
 */
static int radix_sort(uint64_t *key, uint32_t *id, uint64_t *tk, uint32_t *tid, size_t n,
                      int two)
{
    struct radix_half *h = malloc(2 * sizeof *h);
    if (!h)
        return RASLEAK_ENOMEM;
    uint64_t *src = key, *dst = tk;
    uint32_t *sid = id, *did = tid;
    size_t mid = two ? n / 2 : n;
    for (unsigned p = 0; p < RADIX_PASSES; p++) {
        for (int i = 0; i < 2; i++) {
            h[i].src = src + (i ? mid : 0);
            h[i].sid = sid + (i ? mid : 0);
            h[i].dst = dst;
            h[i].did = did;
            h[i].n = i ? n - mid : mid;
            h[i].shift = p * RADIX_BITS;
            h[i].scatter = 0;
        }
        radix_halves(h, two);
        unsigned d0 = (unsigned)((src[0] >> h[0].shift) & (RADIX_SIZE - 1));
        if (h[0].count[d0] + h[1].count[d0] == n)
            continue;  /* one digit for all: the order stays */
        size_t sum = 0;
        for (unsigned d = 0; d < RADIX_SIZE; d++) {
            size_t c0 = h[0].count[d], c1 = h[1].count[d];
            h[0].count[d] = sum;
            h[1].count[d] = sum + c0;
            sum += c0 + c1;
        }
        h[0].scatter = h[1].scatter = 1;
        radix_halves(h, two);
        uint64_t *t = src; src = dst; dst = t;
        uint32_t *ti = sid; sid = did; did = ti;
    }
    free(h);
    if (src != key) {
        memcpy(key, src, n * sizeof *key);
        memcpy(id, sid, n * sizeof *id);
    }
    return 0;
}

/*
 * Insertion sort of key[0..n) with the ids, for an input that is nearly
 * sorted already: 0 once sorted, or -1 as soon as more than `limit` keys
 * have been moved past (the input was not that near; the arrays still
 * hold every key once, partly sorted).  Stable.
 */
static int sort_near(uint64_t *key, uint32_t *id, size_t n, uint64_t limit)
{
    uint64_t moved = 0;
    for (size_t i = 1; i < n; i++) {
        uint64_t k = key[i];
        if (!(k < key[i - 1]))
            continue;
        uint32_t d = id[i];
        size_t j = i;
        do {
            key[j] = key[j - 1];
            id[j] = id[j - 1];
            j--;
        } while (j > 0 && k < key[j - 1]);
        key[j] = k;
        id[j] = d;
        moved += i - j;
        if (moved > limit)
            return -1;
    }
    return 0;
}

/* The residual keys of hint[0..n), in that order; on a thread of its own
 * for half of them.  The points are read scattered, so each is loaded
 * well ahead. */
struct hint_job {
    const double *x, *y;
    double slope;
    double x0;  /* x[i] is x0 + i exactly: x need not be read */
    int xlin;
    const uint32_t *hint;
    uint64_t *key;
    uint32_t *id;
    size_t n;
};

static void *hint_keys(void *arg)
{
    const struct hint_job *h = arg;
    const double *x = h->x, *y = h->y;
    if (h->xlin) {
        for (size_t i = 0; i < h->n; i++) {
            if (i + HINT_AHEAD < h->n)
                PREFETCH(&y[h->hint[i + HINT_AHEAD]]);
            uint32_t a = h->hint[i];
            h->key[i] = order_key(y[a] - h->slope * (h->x0 + (double)a));
            h->id[i] = a;
        }
        return NULL;
    }
    for (size_t i = 0; i < h->n; i++) {
        if (i + HINT_AHEAD < h->n) {
            PREFETCH(&x[h->hint[i + HINT_AHEAD]]);
            PREFETCH(&y[h->hint[i + HINT_AHEAD]]);
        }
        uint32_t a = h->hint[i];
        h->key[i] = order_key(y[a] - h->slope * x[a]);
        h->id[i] = a;
    }
    return NULL;
}

/* Residual ranks sorted from a hint (for the tests): sorts that finished,
 * and hints too far from sorted, given up for the radix sort. */
static atomic_ulong hint_sorted, hint_given_up;

void rasleak__mk_hint_counts(unsigned long *sorted, unsigned long *given_up)
{
    *sorted = atomic_load(&hint_sorted);
    *given_up = atomic_load(&hint_given_up);
}

/* Give back a block of scratch, unless it is the caller's room. */
static void put_scratch(void *p, void *room)
{
    if (p != room)
        rasleak__scratch_put(p);
}

static size_t default_lags(size_t n)
{
    size_t l = (size_t)ceil(10.0 * log10((double)n));
    return l < n - 1 ? l : n - 1;
}

/*
 * The lag sums ck[k] = sum_t c[t] c[t+k] for k in [k0, k1], a block of t
 * at a time for every lag, so that the block stays in cache across the
 * lags instead of the whole series being read once per lag.  Each sum
 * still adds its terms in the order of t: the same numbers as one lag at
 * a time, and whichever thread sums which lags.
 */
struct lag_job {
    const double *c;
    size_t n, k0, k1;
    double *ck;
};

/* The end of block [b, e) for lag k: t + k must stay below n. */
static inline size_t lag_end(size_t b, size_t e, size_t n, size_t k)
{
    size_t end = e + k <= n ? e : (n > k ? n - k : 0);
    return end > b ? end : b;
}

static void *lag_sums(void *arg)
{
    struct lag_job *j = arg;
    const double *c = j->c;
    size_t n = j->n;
    for (size_t b = 0; b < n; b += LAG_BLOCK) {
        size_t e = b + LAG_BLOCK < n ? b + LAG_BLOCK : n;
        size_t k = j->k0;
        /*
         * Four lags in one loop: each sum is a chain of dependent additions,
         * and four chains side by side keep the adder busy where one waits
         * on its own latency.  Each still adds in the order of t.
         */
        for (; k + 3 <= j->k1; k += 4) {
            double s0 = j->ck[k], s1 = j->ck[k + 1], s2 = j->ck[k + 2], s3 = j->ck[k + 3];
            size_t end4 = lag_end(b, e, n, k + 3);
            for (size_t t = b; t < end4; t++) {
                double ct = c[t];
                s0 += ct * c[t + k];
                s1 += ct * c[t + k + 1];
                s2 += ct * c[t + k + 2];
                s3 += ct * c[t + k + 3];
            }
            /* The shorter lags go on past where the longest one stops. */
            for (size_t t = end4, end = lag_end(b, e, n, k + 2); t < end; t++)
                s2 += c[t] * c[t + k + 2];
            for (size_t t = end4, end = lag_end(b, e, n, k + 1); t < end; t++)
                s1 += c[t] * c[t + k + 1];
            for (size_t t = end4, end = lag_end(b, e, n, k); t < end; t++)
                s0 += c[t] * c[t + k];
            j->ck[k] = s0;
            j->ck[k + 1] = s1;
            j->ck[k + 2] = s2;
            j->ck[k + 3] = s3;
        }
        for (; k <= j->k1; k++) {
            double sk = j->ck[k];
            for (size_t t = b, end = lag_end(b, e, n, k); t < end; t++)
                sk += c[t] * c[t + k];
            j->ck[k] = sk;
        }
    }
    return NULL;
}

int rasleak_mk_hamed_rao(const double *x, const double *y, size_t n,
                         const struct rasleak_mk *mk, double sen_slope,
                         double alpha_lags, size_t max_lag,
                         struct rasleak_mk_corrected *out)
{
    return rasleak__mk_hamed_rao(x, y, n, mk, sen_slope, alpha_lags, max_lag, 0, NULL, NULL, 0,
                                 out);
}

int rasleak__mk_hamed_rao(const double *x, const double *y, size_t n,
                          const struct rasleak_mk *mk, double sen_slope, double alpha_lags,
                          size_t max_lag, int two, const uint32_t *hint, void *room,
                          size_t room_bytes, struct rasleak_mk_corrected *out)
{
    int rc = check_corrected(x, y, n, mk, sen_slope, out);
    if (rc < 0)
        return rc;
    if (!(alpha_lags > 0.0 && alpha_lags < 1.0))
        return RASLEAK_EINVAL;
    if (n < 3) {
        finish(mk, 1.0, 0, "hamed-rao", out);  /* no lag can be estimated */
        return 0;
    }

    /* Residuals as sortable keys, their ids, and scratch for both: one
     * block, the caller's room if it is large enough. */
    size_t bytes = 2 * n * (sizeof(uint64_t) + sizeof(uint32_t));
    uint64_t *key = room && room_bytes >= bytes ? room : rasleak__scratch_get(bytes);
    uint32_t *id = key ? (uint32_t *)(void *)(key + 2 * n) : NULL;
    if (!key)
        return RASLEAK_ENOMEM;
    int sorted = 0;
    if (hint) {
        /*
         * The points in the hinted order, nearly that of their residuals:
         * sorted from there by insertion, each key moving past about as
         * many as the orders differ in, where the radix sort would move
         * every key once per digit.  A hint much further from sorted is
         * given up after a few moves a key, for the radix sort; the ranks
         * are the same either way.
         */
        struct hint_job h[2] = {
            {x, y, sen_slope, x[0], rasleak__x_is_index(x, n), hint, key, id, n}};
        if (two && n >= thread_min_n) {
            h[1] = h[0];
            h[0].n = n / 2;
            h[1].hint += n / 2;
            h[1].key += n / 2;
            h[1].id += n / 2;
            h[1].n = n - n / 2;
            rasleak__run_two(hint_keys, &h[0], &h[1]);
        } else {
            hint_keys(&h[0]);
        }
        sorted = sort_near(key, id, n, (uint64_t)HINT_MOVES * n) == 0;
        atomic_fetch_add(sorted ? &hint_sorted : &hint_given_up, 1);
    } else {
        for (size_t i = 0; i < n; i++) {
            key[i] = order_key(y[i] - sen_slope * x[i]);
            id[i] = (uint32_t)i;
        }
    }
    if (!sorted && (rc = radix_sort(key, id, key + n, id + n, n, two && n >= thread_min_n)) < 0) {
        put_scratch(key, room);
        return rc;
    }

    /* Average ranks (1-based), centred on their mean (n+1)/2, by time.  The
     * ranks overwrite the scratch half of the keys, as doubles. */
    double *c = (double *)(void *)(key + n);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        double vi = key_value(key[i]);
        while (j < n && key_value(key[j]) == vi)   /* -0 and +0 are one value */
            j++;
        double rank = ((double)i + 1.0 + (double)j) / 2.0;
        for (size_t t = i; t < j; t++)
            c[id[t]] = rank - ((double)n + 1.0) / 2.0;
        i = j;
    }

    double c0 = 0.0;
    for (size_t t = 0; t < n; t++)
        c0 += c[t] * c[t];

    size_t lmax = max_lag ? (max_lag < n - 1 ? max_lag : n - 1) : default_lags(n);
    double *ck = calloc(lmax + 1, sizeof *ck);
    if (!ck) {
        put_scratch(key, room);
        return RASLEAK_ENOMEM;
    }
    if (c0 > 0.0 && lmax >= 1) {
        /* The upper half of the lags on a second thread, for a long series. */
        struct lag_job lo = {c, n, 1, lmax, ck}, hi = lo;
        if (two && n >= thread_min_n && lmax >= 2) {
            lo.k1 = lmax / 2;
            hi.k0 = lmax / 2 + 1;
            rasleak__run_two(lag_sums, &lo, &hi);
        } else {
            lag_sums(&lo);
        }
    }
    double bound = rasleak_norm_ppf(1.0 - alpha_lags / 2.0) / sqrt((double)n);
    double sum = 0.0, dn = (double)n;
    size_t used = 0;
    for (size_t k = 1; c0 > 0.0 && k <= lmax; k++) {
        double rho = ck[k] / c0;
        if (rho >= -bound && rho <= bound)
            continue;  /* not significant at alpha_lags: left out */
        double m = (double)(n - k);
        sum += m * (m - 1.0) * (m - 2.0) * rho;
        used++;
    }
    free(ck);
    put_scratch(key, room);

    double ratio = 1.0 + 2.0 / (dn * (dn - 1.0) * (dn - 2.0)) * sum;
    finish(mk, ratio, used, "hamed-rao", out);
    return 0;
}

int rasleak_mk_yue_wang(const double *x, const double *y, size_t n,
                        const struct rasleak_mk *mk, double sen_slope,
                        struct rasleak_mk_corrected *out)
{
    int rc = check_corrected(x, y, n, mk, sen_slope, out);
    if (rc < 0)
        return rc;

    /* Lag-1 autocorrelation of the detrended series, same estimator as above. */
    double mean = 0.0;
    for (size_t t = 0; t < n; t++)
        mean += y[t] - sen_slope * x[t];
    mean /= (double)n;
    double c0 = 0.0, c1 = 0.0, prev = 0.0;
    for (size_t t = 0; t < n; t++) {
        double r = (y[t] - sen_slope * x[t]) - mean;
        c0 += r * r;
        if (t > 0)
            c1 += prev * r;
        prev = r;
    }
    double r1 = c0 > 0.0 ? c1 / c0 : 0.0;

    /* AR(1): rho_k = r1^k; stop once the terms can no longer move the sum. */
    double sum = 0.0, pk = 1.0, dn = (double)n;
    for (size_t k = 1; k < n; k++) {
        pk *= r1;
        if (fabs(pk) < 1e-17)
            break;
        sum += (1.0 - (double)k / dn) * pk;
    }
    finish(mk, 1.0 + 2.0 * sum, 1, "yue-wang", out);
    return 0;
}
