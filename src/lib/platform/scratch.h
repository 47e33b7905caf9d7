/*
 * scratch.h - internal: large scratch blocks, kept for the next user while
 * a hold is on.
 *
 * Judging a series of millions of values takes several scratch arrays of
 * hundreds of megabytes in turn (Mann-Kendall's sort, each search of the
 * slope selection, Hamed-Rao's ranks), and the next series takes them
 * again.  Each fresh block costs the kernel a fault and a zeroed page for
 * every 4 KiB of it; a block handed on costs nothing.
 *
 * Without a hold, get and put are malloc and free (the public statistics
 * keep no memory after they return).  Contents are never cleared.
 */
#ifndef RASLEAK_SCRATCH_H
#define RASLEAK_SCRATCH_H

#include <stddef.h>

/* A block of at least `bytes`, aligned for any type, or NULL. */
void *rasleak__scratch_get(size_t bytes);

/* Give a block back (NULL is ignored). */
void rasleak__scratch_put(void *p);

/*
 * While at least one hold is on, blocks given back are kept (at most two
 * unused at a time: one per judging thread) and handed out again to a
 * request they are large enough for.  The last release frees what is kept.
 */
void rasleak__scratch_hold(void);
void rasleak__scratch_release(void);

/* Blocks handed out again so far (for the tests). */
unsigned long rasleak__scratch_reused(void);

#endif
