/*
 * sampler/linux_heap.c - the in-use bytes of rasleak's own heap.
 *
 * Only the own process has a heap rasleak can read: the allocator is the
 * one linked into this program and is asked directly, through mallinfo2()
 * or, under AddressSanitizer, through ASan's allocator.  The reading is
 * kept apart from the procfs counters of linux.c because its cost behaves
 * differently.  Theirs is a few system calls that cost the same in every
 * sample; mallinfo2() walks the heap, and a leaking heap gets slower to
 * walk as the run goes on, so the read is timed and, once it is slow,
 * taken only every k-th sample.
 */
#include <malloc.h>
#include <math.h>

#include "platform/os.h"
#include "sampler/linux_proc.h"

#if defined(__SANITIZE_ADDRESS__)
#define RASLEAK__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RASLEAK__ASAN 1
#endif
#endif
#ifdef RASLEAK__ASAN
/* Public sanitizer interface; GCC 12 ships no header that declares it. */
extern size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/*
 * In-use bytes of the allocator, mmapped chunks included: uordblks alone
 * misses every allocation above the mmap threshold (128 KiB by default),
 * which is exactly the kind of buffer a connect loop may leak.  Free memory
 * the allocator keeps cached (fordblks) is left out, so the figure grows
 * with leaked blocks and not with fragmentation.  Under AddressSanitizer
 * glibc's heap is unused, so ask ASan's allocator instead.  Under valgrind
 * or a preloaded allocator (jemalloc, tcmalloc) mallinfo2() still answers,
 * for glibc's idle heap; rasleak__heap_usable() catches that at open.
 */
static double heap_bytes(void)
{
#if defined(RASLEAK__ASAN)
    return (double)__sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
#else
    return NAN; /* musl and old glibc: no exact in-use figure */
#endif
}

/*
 * mallinfo2() walks every free chunk of every arena, so on a fragmented
 * heap (leaked blocks left between freed ones, the usual way a leak looks)
 * its cost grows with the run: with the mock leaking 64 bytes among 4 KiB
 * of churn an iteration, 1 ms a call after 300,000 iterations, and the
 * harness crawled at a thousand iterations a second.  So the read is timed,
 * and when it costs more than HEAP_BUDGET_NS the heap is read only every
 * k-th sample, k = cost / HEAP_BUDGET_NS, keeping its average cost near
 * the budget; the samples between leave heap_bytes out, as a metric that
 * is not available.  A slow read is timed twice, so that a read that was
 * only interrupted does not count.  Every timed read sets k afresh: a heap
 * that is compact again is read every sample again.  While reads are cheap
 * only every HEAP_TIME_EVERY-th is timed, so that the clock does not add
 * to every sample.
 */
#define HEAP_BUDGET_NS 2000.0
#define HEAP_EVERY_MAX 100000u
#define HEAP_TIME_EVERY 16u

double rasleak__heap_sample(struct rasleak_proc *p)
{
    if (p->heap_wait > 0) {
        p->heap_wait--;
        return NAN;
    }
    if (p->heap_every <= 1 && ++p->heap_reads % HEAP_TIME_EVERY != 0)
        return heap_bytes();
    double t0 = rasleak__mono_s();
    double h = heap_bytes();
    double ns = (rasleak__mono_s() - t0) * 1e9;
    if (ns > HEAP_BUDGET_NS) {
        /* Slow, or only interrupted?  Once more, and the faster of the two. */
        t0 = rasleak__mono_s();
        h = heap_bytes();
        double again = (rasleak__mono_s() - t0) * 1e9;
        ns = again < ns ? again : ns;
    }
    double k = ns / HEAP_BUDGET_NS;
    p->heap_every = k <= 1.0 ? 1u : k >= HEAP_EVERY_MAX ? HEAP_EVERY_MAX : (unsigned)k;
    p->heap_wait = p->heap_every - 1;
    return h;
}

/*
 * Whether heap_bytes() sees the allocator that malloc() really uses: it
 * must account for `p`, which was just allocated.  A heap figure from an
 * allocator nobody uses would be a flat line, which reads as "no leak".
 */
int rasleak__heap_usable(const struct rasleak_proc *p)
{
    double h = heap_bytes();
    return !isnan(h) && h >= (double)sizeof *p;
}
