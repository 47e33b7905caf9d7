/*
 * threads.h - internal: one piece of work cut in two halves, on two threads.
 */
#ifndef RASLEAK_THREADS_H
#define RASLEAK_THREADS_H

/*
 * fn(here) on the calling thread and fn(there) on a second one; both have
 * finished on return.  When no thread can be started, fn(there) runs after
 * fn(here) on the calling thread: the halves must need nothing from each
 * other, so the result is the same either way.
 */
void rasleak__run_two(void *(*fn)(void *), void *here, void *there);

#endif
