/*
 * sen_internal.h - internal: what the tests of the fast slope selection
 * look at besides its results.
 */
#ifndef RASLEAK_SEN_INTERNAL_H
#define RASLEAK_SEN_INTERNAL_H

#include "rasleak/stats.h"

/* Counting passes the fast method has run on the context so far (0 for
 * the direct method): how the tests tell which way a search went. */
unsigned long rasleak__sen_ctx_passes(const struct rasleak_sen_ctx *c);

#endif
