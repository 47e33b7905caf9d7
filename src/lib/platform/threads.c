/*
 * threads.c - two halves of one piece of work at once (POSIX threads;
 * winpthreads in the Windows build).
 */
#include <pthread.h>

#include "platform/threads.h"

void rasleak__run_two(void *(*fn)(void *), void *here, void *there)
{
    pthread_t th;
    int threaded = pthread_create(&th, NULL, fn, there) == 0;
    fn(here);
    if (threaded)
        pthread_join(th, NULL);
    else
        fn(there);
}
