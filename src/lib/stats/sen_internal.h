/*
 * sen_internal.h - internal: what the tests of the fast slope selection
 * look at besides its results.
 */
#ifndef RASLEAK_SEN_INTERNAL_H
#define RASLEAK_SEN_INTERNAL_H

#include "rasleak/stats.h"

#include <stddef.h>
#include <stdint.h>

/* What the fast method did on a context so far (zeros for the direct
 * method): how the tests tell which way a search went. */
struct rasleak__sen_counts {
    unsigned long passes;   /* counting passes */
    unsigned long thinned;  /* of them, sampling passes whose buffer filled */
    unsigned long evened;   /* two-thread passes whose halves thinned unevenly */
    unsigned long refilled; /* bands missed above that took the round-0 sample */
    unsigned long shared;   /* two-thread listings whose halves shared the buffer */
    unsigned long grown;    /* two-thread passes in which a half took over half of it */
    unsigned long falls;    /* runs of falling keys the passes reversed */
    unsigned long lo_fills; /* passes that met equal keys and filled the low parts */
};
struct rasleak__sen_counts rasleak__sen_ctx_counts(const struct rasleak_sen_ctx *c);

/*
 * Ask the next search on the context (the slope's, as a rule) to keep the
 * order of the points its last pass sorted: sorted by y - t x at a
 * threshold t next to the slope it found, which is nearly the order of
 * the residuals y - slope x that Hamed-Rao's correction ranks
 * (rasleak__mk_hamed_rao's hint).  The search keeps its work block for
 * it, so the order costs no memory, and the rest of the block (room,
 * room_bytes: at least 56 bytes a point) is free for the order's user
 * until rasleak__sen_ctx_drop_order, which gives the block back; the
 * next search on the context drops it too.  The fast method only; a
 * search that ran no pass keeps none (NULL).  One search: the interval's
 * after it keeps nothing.
 */
void rasleak__sen_ctx_keep_order(struct rasleak_sen_ctx *c);
const uint32_t *rasleak__sen_ctx_order(struct rasleak_sen_ctx *c, void **room,
                                       size_t *room_bytes);
void rasleak__sen_ctx_drop_order(struct rasleak_sen_ctx *c);

/* The k-th smallest slope (k from 0) as the context finds it. */
int rasleak__sen_ctx_rank(struct rasleak_sen_ctx *c, uint64_t k, double *out);

/* Split the passes over two threads from n points on (0: the default),
 * so that the tests reach the split at sizes the direct method can check.
 * Not for use while another thread computes slopes. */
void rasleak__sen_set_thread_min_n(size_t n);

/* Half-width of the bands the fast method picks from a sample, in binomial
 * standard deviations (< 0: the default).  Narrow bands miss the ranks
 * often, which is how the tests reach the searches' recovery from a miss. */
void rasleak__sen_set_band_z(double z);

/*
 * What a pass costs, in listed pairs a point (< 0: the default), which
 * weighs a further round of sampling against listing a band at once; and
 * the number of pairs the fast method takes of a band of about est pairs
 * among n points: est to list them all, fewer to sample them.  A pass
 * made cheap makes the searches take many rounds, which is how the tests
 * reach them at sizes the direct method can check.
 */
void rasleak__sen_set_pass_cost(double pairs_per_point);
double rasleak__sen_sample_size(size_t n, double est);

/* The brackets that select ranks in long arrays: their half-width in the
 * sample's standard deviations, and the room for the values they copy,
 * in times as many as expected (each < 0: the default).  A width of 0
 * makes them miss often and a room of 0 fill up, which is how the tests
 * reach the fall-back to quickselect.  And how many selections the
 * brackets answered, and how many missed or filled up. */
void rasleak__sen_set_brackets(double z, double room);
void rasleak__sen_bracket_counts(unsigned long *used, unsigned long *missed);

/* ln u as the passes' sampler computes it, for u in [2^-53, 1]. */
double rasleak__sen_log_unit(double u);

/* Sort each pass a chunk of this many points at a time (rounded up to 16
 * times a power of two; 0: the default), so that the tests reach the
 * merges across chunks at sizes the direct method can check.  Not for use
 * while another thread computes slopes. */
void rasleak__sen_set_chunk(size_t n);

#endif
