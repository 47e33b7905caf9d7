/*
 * mk_internal.h - internal: Mann-Kendall and Hamed-Rao for the analyzer,
 * which may give a long series both CPUs.
 */
#ifndef RASLEAK_MK_INTERNAL_H
#define RASLEAK_MK_INTERNAL_H

#include "rasleak/stats.h"

#include <stdint.h>

/*
 * rasleak_mk() and rasleak_mk_hamed_rao() with `two`: from a million values
 * on, Mann-Kendall sorts the two halves of the series on two threads and
 * Hamed-Rao sums half of its lags on a second one.  The numbers are the
 * same as on one thread, bit for bit.
 */
int rasleak__mk(const double *y, size_t n, int two, struct rasleak_mk *out);
int rasleak__mk_hamed_rao(const double *x, const double *y, size_t n,
                          const struct rasleak_mk *mk, double sen_slope, double alpha_lags,
                          size_t max_lag, int two, const uint32_t *hint, void *room,
                          size_t room_bytes, struct rasleak_mk_corrected *out);

/*
 * hint (or NULL): a permutation of 0..n-1 that is nearly the order of the
 * residuals y - sen_slope x, such as the order the slope's search sorted
 * last (rasleak__sen_ctx_order).  The residuals are ranked by sorting
 * from it, far cheaper than from the start when it is near; the result is
 * the same whatever the hint.  room (or NULL): memory of the caller's to
 * work in, used when it holds room_bytes >= 24 n, so that none is taken.
 * How often a hint was used to the end, and given up as too far from
 * sorted, for the tests:
 */
void rasleak__mk_hint_counts(unsigned long *sorted, unsigned long *given_up);

/* Split from n values on (0: the default), for the tests. */
void rasleak__mk_set_thread_min_n(size_t n);

#endif
