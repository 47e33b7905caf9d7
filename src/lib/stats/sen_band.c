/*
 * sen_band.c - the fast method of sen.c: exact selection of the k-th
 * smallest slope without listing all N = n(n-1)/2 of them.
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
 * half of the points each, merged at the end (sort_pass_two(),
 * sen_pass.c).
 */
#include "rasleak/error.h"
#include "platform/scratch.h"
#include "stats/sen_fast.h"
#include "stats/x_index.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* No fused multiply-adds in this file either, as before the split into
 * files: the same roundings with every compiler (see sen_pass.c). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define BAND_Z 2.5       /* half-width of a band, in binomial standard deviations */
#define MAX_ROUNDS 200   /* a bound on the loop, never reached in practice */

static double band_z = BAND_Z;

void rasleak__sen_set_band_z(double z)
{
    band_z = z >= 0.0 ? z : BAND_Z;
}

/* ------------------------------------------------------------- thresholds */

/* Thresholds (struct thr, sen_fast.h) made from a slope, and compared. */

struct thr rasleak__sen_thr_at(double c, int side)
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

/* ------------------------------------------------------------ fast method */

/* The band of slopes, [lo, hi), the wanted ranks are known to lie in. */
struct band {
    struct thr lo, hi;
    uint64_t below, size; /* pairs below the band, pairs in it */
    int plo;              /* which f->ord[] is the order at lo */
};

/*
 * The arrays one search works in, about 72 bytes a point, in one scratch
 * block: taken for each call on a context and given back after it, so
 * that a caller's own work between the slope and the interval (the
 * serial-correlation correction) does not add to them, and, while the
 * analyzer holds scratch blocks, takes the same block instead of new
 * pages (platform/scratch.h).  What the calls share (the samples, the kept
 * orders) is kept.
 */
void rasleak__sen_work_free(struct fast *f)
{
    rasleak__scratch_put(f->work);
    f->work = NULL;
    for (int i = 0; i < 3; i++)
        f->ord[i] = NULL;
    f->key = f->tkey = f->klo = f->buf = NULL;
    f->tid = NULL;
}

/* One block: the doubles first, then the 32-bit point ids. */
int rasleak__sen_work_alloc(struct fast *f)
{
    size_t n = f->n;
    size_t doubles = 3 * n + f->cap, ids = 4 * n;
    char *w = rasleak__scratch_get(doubles * sizeof(double) + ids * sizeof(uint32_t));
    if (!w)
        return RASLEAK_ENOMEM;
    f->work = w;
    double *d = (double *)(void *)w;
    f->key = d;
    f->tkey = d + n;
    f->klo = d + 2 * n;
    f->buf = d + 3 * n;
    uint32_t *u = (uint32_t *)(void *)(d + doubles);
    for (int i = 0; i < 3; i++)
        f->ord[i] = u + (size_t)i * n;
    f->tid = u + 3 * n;
    return 0;
}

void rasleak__sen_fast_free(struct fast *f)
{
    rasleak__sen_work_free(f);
    rasleak__scratch_put(f->kept);
    free(f->bsmp);
}

/*
 * Memory versus rounds: a sample of m slopes narrows a band to about
 * BAND_Z / sqrt(m) of it, so the uniform round-0 sample (m = n) and a
 * sampled pass of n would leave about BAND_Z^2 n / 2 = 3.1n pairs, which a
 * band of cap = 4n lists outright; whether a smaller sample and a further
 * round cost less is sample_size()'s to weigh.  About 90 bytes per point:
 * 72 only while a search runs (rasleak__sen_work_alloc), 16 kept (the
 * round-0 sample and the kept band's orders), and the kept band's sample,
 * up to 8 where it is drawn at n, far less where the plan samples it small.
 */
static void set_sizes(struct fast *f, size_t n)
{
    f->n = n;
    f->cap = 4 * n > 4096 ? 4 * n : 4096;
    f->m = n > 2048 ? n : 2048;
}

int rasleak__sen_fast_init(struct fast *f, const double *x, const double *y, size_t n,
                           int two)
{
    memset(f, 0, sizeof *f);
    f->pt.x = x;
    f->pt.y = y;
    f->pt.x0 = n ? x[0] : 0.0;
    f->pt.xlin = rasleak__x_is_index(x, n);
    f->npairs = (uint64_t)n * (n - 1) / 2;
    f->two = two;
    f->rng = 0x243f6a8885a308d3u;  /* fixed: same data, same passes, same time */
    set_sizes(f, n);
    f->s0n = (size_t)(f->npairs < f->m ? f->npairs : f->m);
    /*
     * The round-0 sample and the two orders kept for the later searches,
     * in one scratch block: 16 bytes a point, as large as Mann-Kendall's
     * scratch, which the analyzer has just given back, so that each
     * series takes the block the one before it used instead of faulting
     * in fresh pages.
     */
    f->kept = rasleak__scratch_get(f->s0n * sizeof *f->s0 + 2 * n * sizeof *f->base[0]);
    if (!f->kept) {
        rasleak__sen_fast_free(f);
        return RASLEAK_ENOMEM;
    }
    f->s0 = f->kept;
    f->base[0] = (uint32_t *)(void *)(f->s0 + f->s0n);
    f->base[1] = f->base[0] + n;
    /* Round 0: pairs drawn uniformly, with replacement, from all N. */
    for (size_t s = 0; s < f->s0n; s++) {
        uint32_t i = (uint32_t)(rng_next(&f->rng) % n);
        uint32_t j = (uint32_t)(rng_next(&f->rng) % (n - 1));
        j += j >= i;
        f->s0[s] = pack_pair(i, j);
    }
    rasleak__sen_pairs_to_slopes(&f->pt, f->s0, f->s0n, two);
    return 0;
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
    memcpy(f->base[0], f->ord[b->plo], f->n * sizeof *f->base[0]);
    f->base_thr[0] = b->lo;
    f->base_below[0] = b->below;
    f->nbase = 1;
}

/* Keep ord[i], sorted at th with `below` slopes below it, as base j. */
static void keep_order(struct fast *f, int j, int i, const struct thr *th, uint64_t below)
{
    memcpy(f->base[j], f->ord[i], f->n * sizeof *f->base[j]);
    f->base_thr[j] = *th;
    f->base_below[j] = below;
}

/*
 * The first search has just sampled band b (the order at its lower bound
 * in ord[b->plo], at its upper bound in ord[phi], sn sampled slopes in
 * f->buf): keep all three for the next searches.  Copied, not swapped in:
 * this search goes on from them.
 */
static int keep_band(struct fast *f, const struct band *b, int phi, size_t sn)
{
    if (!(f->bsmp = malloc((sn ? sn : 1) * sizeof *f->bsmp)))
        return RASLEAK_ENOMEM;
    keep_order(f, 0, b->plo, &b->lo, b->below);
    keep_order(f, 1, phi, &b->hi, b->below + b->size);
    memcpy(f->bsmp, f->buf, sn * sizeof *f->bsmp);
    f->bsn = sn;
    f->nbase = 2;
    return 0;
}

/*
 * How many of a band's est pairs to take: est itself to list them all,
 * or a sample of m.  Costs are counted in listed pairs (storing one,
 * turning it into a slope, selecting among them; a sampled pair costs
 * about the same).  A sample of m leaves a band of about
 * BAND_Z est / sqrt(m) for the next round, which costs two more passes (a
 * count at its lower bound and the pass that lists or samples it), and a
 * pass over orders that near sorted costs about PASS_PAIRS pairs a point.
 * The plan is the cheapest of listing now (a band of at most cap pairs),
 * or sampling m and going on as cheaply from the band it leaves, over
 * samples a factor sqrt(2) apart and up to PLAN_ROUNDS rounds ahead.  A
 * band the plan will list later must be guessed at half of cap at most:
 * its size is a guess (a sample's span around a rank, and slopes that
 * many pairs share, as a staircase series has, can make it several times
 * larger), and one that does not fit is thinned and costs another round.
 * With one round ahead the best sample is about (est)^(2/3): about 2.5
 * million pairs of the interval's bands at 10^7 points.  The median's
 * first band there (4 10^10 pairs) is best sampled at about 3 10^5 and
 * its next band (2 10^8) sampled again, not at 10^7, which leave 3 10^7
 * pairs to list: two more passes of nearly sorted orders cost less than
 * 3 10^7 pairs and 10^7 samples.
 */
#define PASS_PAIRS 1.0
#define PLAN_ROUNDS 3
#define PLAN_MIN_SAMPLE 1024.0

static double pass_pairs = PASS_PAIRS;

void rasleak__sen_set_pass_cost(double pairs_per_point)
{
    pass_pairs = pairs_per_point >= 0.0 ? pairs_per_point : PASS_PAIRS;
}

static double plan(size_t n, double cap, double most, double est, int rounds, double *take)
{
    double best = est <= cap ? est : INFINITY, bm = est;
    if (rounds > 0) {
        double passes = 2.0 * pass_pairs * (double)n;
        double top = est / 2.0 < most ? est / 2.0 : most;
        for (double m = top; m >= PLAN_MIN_SAMPLE; m /= 1.4142135623730951) {
            double c = m + passes;
            if (c >= best)
                continue;
            /* The next band's size is a guess: listed, it should have
             * room to come out twice as large. */
            c += plan(n, cap / 2.0, most, BAND_Z * est / sqrt(m), rounds - 1, NULL);
            if (c < best) {
                best = c;
                bm = m;
            }
        }
    }
    if (take)
        *take = bm;
    return best;
}

/* Pairs to take of a band of est: est to list it, fewer to sample it. */
static double sample_size(const struct fast *f, double est)
{
    double m;
    if (plan(f->n, (double)f->cap, (double)f->m, est, PLAN_ROUNDS, &m) == INFINITY)
        m = (double)f->m;  /* too wide to plan for: as large a sample as there is room for */
    return m;
}

double rasleak__sen_sample_size(size_t n, double est)
{
    struct fast f;
    memset(&f, 0, sizeof f);
    set_sizes(&f, n);
    return sample_size(&f, est);
}

/* The ranks k[0..m) do not share a band any more: one band each. */
static int split(struct fast *f, const uint64_t *k, double *out, size_t m)
{
    for (size_t r = 0; r < m; r++) {
        int rc = rasleak__sen_fast_ranks(f, &k[r], &out[r], 1);
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
    rasleak__sen_select_ranks(f->buf, len, rk, out, m, &f->rng, f->two, f->key, 3 * f->n);
}

/*
 * Ranks k[0..m) (ascending, m <= 4, close together) of all slopes into
 * out[].  Invariant: the ranks lie in [b.below, b.below + b.size), and the
 * first sn values of f->buf are a sample of the band (sn = 0: none yet).
 */
int rasleak__sen_fast_ranks(struct fast *f, const uint64_t *k, double *out, size_t m)
{
    struct band b = {{0.0, 0, -1, 0.0}, {0.0, 0, 1, 0.0}, 0, f->npairs, 0};
    uint64_t ka = k[0], kb = k[m - 1];
    size_t sn;
    /* at_base: ord[b.plo] is base order j, not the order at b.lo = -inf;
     * only a count below a new lower bound may start from it. */
    int at_base = 0, j = 0;
    int refill = 1;  /* the round-0 sample may stand in once after a miss */
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
             * Small enough: list the whole band and select in it.  Its size
             * is known, so the halves of a two-thread pass share the buffer
             * (sort_pass_two()) and neither thins, however the band's
             * pairs fall between them.
             */
            rasleak__sen_sampler_init(&sm, f->buf, f->cap, 1.0, &f->rng);
            sm.known = b.size;
            uint64_t got = rasleak__sen_run_pass(f, b.plo, pb, &b.hi, &sm, &ps);
            if (got != b.size || sm.len != b.size)
                return RASLEAK_EINVAL;  /* counts disagree: see check_xy() */
            select_listed(f, sm.len, b.below, k, out, m);
            keep_base(f, &b);
            return 0;
        }
        if (sn < 64) {
            /* No usable sample of this band: draw one. */
            rasleak__sen_sampler_init(&sm, f->buf, f->cap, (double)f->m / (double)b.size,
                                      &f->rng);
            if (rasleak__sen_run_pass(f, b.plo, pb, &b.hi, &sm, &ps) != b.size)
                return RASLEAK_EINVAL;
            sn = sm.len >= 64 ? sm.len : 0;  /* unlucky: draw again */
            continue;
        }

        /* Sample positions of the ranks, widened by BAND_Z deviations. */
        double qa = ((double)(ka - b.below) + 0.5) / (double)b.size;
        double qb = ((double)(kb - b.below) + 0.5) / (double)b.size;
        double fa, fb;
        if (!at_base) {
            fa = qa * (double)sn - band_z * sqrt((double)sn * qa * (1.0 - qa)) - 2.0;
            fb = qb * (double)sn + band_z * sqrt((double)sn * qb * (1.0 - qb)) + 2.0;
        } else {
            /*
             * The round-0 sample, from a threshold whose count is exact:
             * the ranks sit about (k - below) / N of the sample away from
             * the sample's own count below it, a binomial with that small
             * a rate.  So a sample that happens to sit off the true
             * quantiles (it is shared by every search) does not put the
             * band beside the ranks, and the band is narrower.
             */
            struct thr none = {0.0, 0, -1, 0.0};
            const struct thr *t = &f->base_thr[j];
            size_t at = 0;
            for (size_t i = 0; i < sn; i++)
                at += in_band(f->buf[i], &none, t);
            double da = ((double)ka - (double)f->base_below[j] + 0.5) / (double)b.size;
            double db = ((double)kb - (double)f->base_below[j] + 0.5) / (double)b.size;
            double pa_ = fabs(da) < 1.0 ? fabs(da) : 1.0, pb_ = fabs(db) < 1.0 ? fabs(db) : 1.0;
            fa = (double)at + da * (double)sn - band_z * sqrt((double)sn * pa_ * (1.0 - pa_)) - 2.0;
            fb = (double)at + db * (double)sn + band_z * sqrt((double)sn * pb_ * (1.0 - pb_)) + 2.0;
            /* Ranks below every sampled slope: the band ends at the least. */
            if (fb < 0.0)
                fb = 0.0;
        }
        double span = (fb < (double)sn ? fb : (double)sn) - (fa > 0.0 ? fa : 0.0);
        struct thr nlo = b.lo, nhi = b.hi;
        /* The sample's values at fa and at fb, the ones of them inside it. */
        int has_a = fa >= 0.0 && fa < (double)sn, has_b = ceil(fb) < (double)sn;
        uint64_t rk[2];
        double rv[2];
        size_t nr = 0;
        if (has_a)
            rk[nr++] = (uint64_t)fa;
        if (has_b)
            rk[nr++] = (uint64_t)ceil(fb);
        if (nr)
            rasleak__sen_select_ranks(f->buf, sn, rk, rv, nr, &f->rng, f->two, f->key,
                                      3 * f->n);
        if (has_a) {
            struct thr t = rasleak__sen_thr_at(rv[0], -1);
            if (thr_cmp(&t, &b.lo) > 0 && thr_cmp(&t, &b.hi) < 0)
                nlo = t;
        }
        if (has_b) {
            struct thr t = rasleak__sen_thr_at(rv[nr - 1], 1);
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
            double c = rasleak__sen_select_k(f->buf, sn, qm < (double)sn ? (size_t)qm : sn - 1,
                                             &f->rng);
            struct thr tl = rasleak__sen_thr_at(c, -1), th = rasleak__sen_thr_at(c, 1);
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
            uint64_t inv = rasleak__sen_run_pass(f, b.plo, pa, &nlo, NULL, &ps);
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
        double p = sample_size(f, est) / est;
        int pout = moved_lo ? pb : pa;
        rasleak__sen_sampler_init(&sm, f->buf, f->cap, p, &f->rng);
        uint64_t size = rasleak__sen_run_pass(f, plo, pout, &nhi, one_value ? NULL : &sm, &ps);
        uint64_t end = b.below + b.size;

        if (ka >= below + size) {
            /*
             * Missed above: the band starts at nhi now.  The pass sampled
             * the band below, so this band has no sample of its own; the
             * round-0 sample's part in it is one, and as the count at nhi
             * is exact and the ranks are most likely just above it, the
             * next band is narrow: far cheaper than a pass to draw one.
             * Once per search, so that a sample that keeps missing gives
             * way to a drawn one.
             */
            b.lo = nhi;
            b.below = below + size;
            b.size = end - b.below;
            b.plo = pout;
            sn = 0;
            if (refill) {
                memcpy(f->buf, f->s0, f->s0n * sizeof *f->buf);
                sn = filter_sample(f->buf, f->s0n, &b.lo, &b.hi);
                refill = 0;
                f->counts.refilled++;
            }
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
        if (sm.p >= 1.0 && !sm.halvings) {
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
