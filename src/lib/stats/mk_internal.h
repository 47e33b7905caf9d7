/*
 * mk_internal.h - internal: Mann-Kendall and Hamed-Rao for the analyzer,
 * which may give a long series both CPUs.
 */
#ifndef RASLEAK_MK_INTERNAL_H
#define RASLEAK_MK_INTERNAL_H

#include "rasleak/stats.h"

/*
 * rasleak_mk() and rasleak_mk_hamed_rao() with `two`: from a million values
 * on, Mann-Kendall sorts the two halves of the series on two threads and
 * Hamed-Rao sums half of its lags on a second one.  The numbers are the
 * same as on one thread, bit for bit.
 */
int rasleak__mk(const double *y, size_t n, int two, struct rasleak_mk *out);
int rasleak__mk_hamed_rao(const double *x, const double *y, size_t n,
                          const struct rasleak_mk *mk, double sen_slope, double alpha_lags,
                          size_t max_lag, int two, struct rasleak_mk_corrected *out);

/* Split from n values on (0: the default), for the tests. */
void rasleak__mk_set_thread_min_n(size_t n);

#endif
