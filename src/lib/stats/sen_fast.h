/*
 * sen_fast.h - internal: what sen.c, sen_band.c (the fast method's search)
 * and sen_pass.c (its passes) share.
 */
#ifndef RASLEAK_SEN_FAST_H
#define RASLEAK_SEN_FAST_H

#include "stats/sen_internal.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
 * A pair kept by a pass is stored as its two indices in the slot of its
 * slope, and turned into the slope after the pass
 * (rasleak__sen_pairs_to_slopes): the points of a pair are anywhere in
 * memory, and computing the slopes in one loop, loading a few pairs ahead,
 * overlaps the cache misses that one at a time inside the merge would wait
 * for in turn.
 */
static inline double pack_pair(uint32_t a, uint32_t b)
{
    uint64_t u = (uint64_t)a << 32 | b;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

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

/*
 * Bernoulli sampling of the inversions a pass finds.  Every inversion is
 * kept with probability p, by skipping geometric gaps, so the cost is
 * proportional to the samples, not to the inversions.  When the buffer
 * fills, it is thinned to half at random and p halves: the result is still
 * a Bernoulli(p) sample.  p = 1 and never thinned means a complete list.
 */
#define SAMPLER_GAPS 64
#define SAMPLER_PEND 32
struct sampler {
    double *buf;     /* pairs as pack_pair(), slopes after the pass */
    size_t len, cap;
    ptrdiff_t step;  /* sample i is buf[i * step]: 1, or -1 from the top down */
    double p, ilg;   /* ilg = 1 / log(1 - p) */
    uint64_t skip;   /* inversions still to skip before the next sample */
    unsigned halvings;  /* times thinned: 0, a complete list at p = 1 */
    uint64_t *rng;
    /* ln u of uniforms drawn ahead, lnu[nlnu..GAPS): one gap costs a
     * logarithm, and drawn in a batch the logarithms overlap instead of
     * each waiting for the one before. */
    unsigned nlnu;
    double lnu[SAMPLER_GAPS];
    /* Samples drawn but not yet stored: the left element of each is
     * *pa[i], somewhere in a block that can be megabytes long, so reading
     * it at once waits for a cache miss per sample.  They are read in a
     * batch, loaded ahead, before the block changes (sampler_flush). */
    unsigned npend;
    const uint32_t *pa[SAMPLER_PEND];
    uint32_t pb[SAMPLER_PEND];
    /* Nonzero: the pass has at most this many inversions (a band whose
     * size is known, listed with p = 1), and the halves of a two-thread
     * pass may fill the buffer from its two ends without counting. */
    uint64_t known;
    /* A half of a two-thread pass of unknown size: the slots of the
     * shared buffer both halves have taken so far, of room_cap, and how
     * many it takes when its own are full (sampler_grow). */
    atomic_size_t *room;
    size_t room_cap, room_step;
};

/*
 * The points.  xlin: x[i] is x0 + i exactly (the iterations of a run that
 * sampled every one, the usual case), so a slope's run is the difference
 * of its indices and a key needs y alone: one scattered load fewer per
 * point in the passes, two per pair turned into a slope.
 */
struct points {
    const double *x, *y;
    double x0;
    int xlin;
};

/* Everything a pass needs: the data, the threshold, the scratch. */
struct pass {
    const struct points *pt;
    size_t npoints;
    const struct thr *th;
    double *key, *tkey;
    uint32_t *tid;
    /* The low part of each point's key, by point: filled in runs over the
     * points when the pass first meets two equal high parts, which most
     * passes never do (lo_less(), sen_pass.c).  lo_next, lo_done: the
     * runs taken and finished, shared by a two-thread pass's halves. */
    double *klo;
    atomic_size_t *lo_next, *lo_done;
    struct sampler *sm;  /* NULL: count only */
    int has_lo;          /* keys may have nonzero low parts */
    unsigned long falls; /* runs of falling keys reversed (reverse_falls()) */
};

struct fast {
    struct points pt;     /* x and y, with what is known of x */
    size_t n;
    uint64_t npairs;
    void *work;           /* the block of the arrays below (rasleak__sen_work_alloc) */
    uint32_t *ord[3];     /* point orders: at lo, and two to work in */
    /* key, tkey, klo: 3n doubles in a row, free between passes (the
     * selections' room) */
    double *key, *tkey;
    uint32_t *tid;
    double *klo;          /* struct pass */
    atomic_size_t lo_next, lo_done;  /* struct pass */
    double *s0;           /* uniform sample of all slopes, shared by the groups */
    size_t s0n;
    double *buf;          /* sample of the current band, or the whole band */
    size_t cap;
    size_t m;             /* sample size aimed at in a band */
    uint64_t rng;
    int two;               /* passes on two threads (sort_pass_two) */
    struct rasleak__sen_counts counts;  /* for the tests */
    int last;              /* the ord[] the latest pass sorted, -1: none yet */
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
    void *kept;           /* the block of s0 and base[] (rasleak__sen_fast_init) */
    uint32_t *base[2];
    struct thr base_thr[2];
    uint64_t base_below[2];
    int nbase;
    double *bsmp;
    size_t bsn;
};

/* sen.c: selection in an array of slopes. */
double rasleak__sen_select_k(double *a, size_t n, size_t k, uint64_t *rng);
void rasleak__sen_select_ranks(double *s, size_t len, const uint64_t *k, double *out,
                               size_t m, uint64_t *rng, int two, double *room, size_t nroom);

/* sen_band.c: the fast method, and the threshold next to slope c on
 * side -1 (just below c) or +1 (just above). */
struct thr rasleak__sen_thr_at(double c, int side);
int rasleak__sen_fast_init(struct fast *f, const double *x, const double *y, size_t n,
                           int two);
void rasleak__sen_fast_free(struct fast *f);
int rasleak__sen_work_alloc(struct fast *f);
void rasleak__sen_work_free(struct fast *f);
int rasleak__sen_fast_ranks(struct fast *f, const uint64_t *k, double *out, size_t m);

/* sen_pass.c: the passes. */
void rasleak__sen_pairs_to_slopes(const struct points *pt, double *buf, size_t len, int two);
void rasleak__sen_sampler_init(struct sampler *sm, double *buf, size_t cap, double p,
                               uint64_t *rng);
uint64_t rasleak__sen_run_pass(struct fast *f, int from, int to, const struct thr *th,
                               struct sampler *sm, struct pass *ps);

#endif
