/*
 * json_arena.c - a per-thread bump arena behind jansson's allocations
 * (json_arena.h says when it is used and what keeps it safe).
 *
 * Under AddressSanitizer the arena poisons what it has not handed out and
 * everything on reset, so a json_t used after its record was consumed is
 * reported as it would be with malloc.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>

#include "analyze/json_arena.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN ((size_t)16)

static _Thread_local struct rasleak__json_arena *current;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int users;
static json_malloc_t prev_malloc;
static json_free_t prev_free;

static void *arena_malloc(size_t n)
{
    struct rasleak__json_arena *a = current;
    size_t need = (n + ALIGN - 1) & ~(ALIGN - 1);
    if (a && need >= n && need <= a->size - a->used) {
        void *p = a->base + a->used;
        a->used += need;
        UNPOISON(p, n);
        return p;
    }
    return prev_malloc(n);
}

static void arena_free(void *p)
{
    struct rasleak__json_arena *a = current;
    if (a && (uintptr_t)p >= (uintptr_t)a->base && (uintptr_t)p < (uintptr_t)a->base + a->size)
        return;  /* reclaimed all at once by the next reset */
    prev_free(p);
}

int rasleak__json_arena_install(void)
{
    pthread_mutex_lock(&lock);
    if (users++ == 0) {
        json_get_alloc_funcs(&prev_malloc, &prev_free);
        if (!prev_malloc || !prev_free) {
            prev_malloc = malloc;
            prev_free = free;
        }
        json_set_alloc_funcs(arena_malloc, arena_free);
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

void rasleak__json_arena_uninstall(void)
{
    pthread_mutex_lock(&lock);
    if (users > 0 && --users == 0)
        json_set_alloc_funcs(prev_malloc, prev_free);
    pthread_mutex_unlock(&lock);
}

int rasleak__json_arena_begin(struct rasleak__json_arena *a, size_t size)
{
    a->used = 0;
    a->size = 0;
    a->base = malloc(size);
    if (!a->base)
        return -1;
    a->size = size;
    POISON(a->base, a->size);
    current = a;
    return 0;
}

void rasleak__json_arena_suspend(struct rasleak__json_arena *a)
{
    if (current == a)
        current = NULL;
}

void rasleak__json_arena_resume(struct rasleak__json_arena *a)
{
    if (a->base)
        current = a;
}

void rasleak__json_arena_reset(struct rasleak__json_arena *a)
{
    POISON(a->base, a->used);
    a->used = 0;
}

void rasleak__json_arena_end(struct rasleak__json_arena *a)
{
    if (current == a)
        current = NULL;
    if (a->base) {
        UNPOISON(a->base, a->size);
        free(a->base);
    }
    a->base = NULL;
    a->size = a->used = 0;
}
