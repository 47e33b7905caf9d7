/*
 * scratch.c - large scratch blocks kept for reuse while a hold is on
 * (scratch.h).
 *
 * A few blocks at most are alive at a time (a judging thread uses one,
 * and the two-thread passes share their caller's), so a small table
 * searched under a lock is all the bookkeeping there is.  Small requests
 * are plain malloc: their pages are few, and reuse would only hold memory.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "platform/scratch.h"

#define SCRATCH_MIN ((size_t)8 << 20)  /* smaller requests: plain malloc */
#define SLOTS 8                        /* blocks tracked at once */
#define KEEP_FREE 2                    /* unused blocks kept while held */

struct slot {
    void *p;
    size_t cap;
    int busy;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot slots[SLOTS];
static int holds;
static unsigned long reused;

/*
 * A new block of `bytes`, from malloc and left to the system's default
 * page size.  Blocks were once advised huge pages (MADV_HUGEPAGE), for
 * the selection's scattered reads; the passes measured no faster with
 * them, and where the kernel compacts memory to find huge pages for a
 * region so advised (transparent_hugepage/defrag "madvise", a common
 * default), the first series' 690 MB block took 2.0-2.5 s to fault on
 * one thread where 4 KiB pages took 0.5 s (docs/performance.md).
 */
static void *block_new(size_t bytes, size_t *cap)
{
    *cap = bytes;
    return malloc(bytes);
}

/* Free every unused block; with `fewer`, only down to KEEP_FREE of them,
 * the smallest first.  Called with the lock held. */
static void drop_unused(int fewer)
{
    for (;;) {
        int unused = 0, small = -1;
        for (int i = 0; i < SLOTS; i++)
            if (slots[i].p && !slots[i].busy) {
                unused++;
                if (small < 0 || slots[i].cap < slots[small].cap)
                    small = i;
            }
        if (small < 0 || (fewer && unused <= KEEP_FREE))
            return;
        free(slots[small].p);
        slots[small].p = NULL;
    }
}

void *rasleak__scratch_get(size_t bytes)
{
    if (bytes < SCRATCH_MIN)
        return malloc(bytes ? bytes : 1);
    pthread_mutex_lock(&lock);
    int best = -1;
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].p && !slots[i].busy && slots[i].cap >= bytes &&
            (best < 0 || slots[i].cap < slots[best].cap))
            best = i;
    if (best >= 0) {
        slots[best].busy = 1;
        reused++;
        pthread_mutex_unlock(&lock);
        return slots[best].p;
    }
    /* None is large enough: the unused ones would only add to the peak. */
    drop_unused(0);
    pthread_mutex_unlock(&lock);

    size_t cap;
    void *p = block_new(bytes, &cap);
    if (!p)
        return NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < SLOTS; i++)
        if (!slots[i].p) {
            slots[i].p = p;
            slots[i].cap = cap;
            slots[i].busy = 1;
            break;
        }
    /* No free slot: untracked, and freed when given back. */
    pthread_mutex_unlock(&lock);
    return p;
}

void rasleak__scratch_put(void *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].p == p) {
            if (holds > 0) {
                slots[i].busy = 0;
                drop_unused(1);
            } else {
                slots[i].p = NULL;
                free(p);
            }
            pthread_mutex_unlock(&lock);
            return;
        }
    pthread_mutex_unlock(&lock);
    free(p);  /* a small block, or one the table had no room for */
}

void rasleak__scratch_hold(void)
{
    pthread_mutex_lock(&lock);
    holds++;
    pthread_mutex_unlock(&lock);
}

void rasleak__scratch_release(void)
{
    pthread_mutex_lock(&lock);
    if (holds > 0 && --holds == 0)
        drop_unused(0);
    pthread_mutex_unlock(&lock);
}

unsigned long rasleak__scratch_reused(void)
{
    pthread_mutex_lock(&lock);
    unsigned long r = reused;
    pthread_mutex_unlock(&lock);
    return r;
}
