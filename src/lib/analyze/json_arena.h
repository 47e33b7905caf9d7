/*
 * json_arena.h - internal: jansson's allocations of one record at a time
 * from a per-thread bump arena.
 *
 * Parsing a sample record with jansson makes about twenty small
 * allocations (a hashtable and its pairs per object, a json_t per value,
 * the lexer's buffer) that are all freed again before the next record is
 * parsed.  While a thread has an arena active, those come from one block
 * that is reset after each record; free() of an arena pointer does
 * nothing.  Everything else (other threads, other times, allocations
 * larger than what is left) goes to the allocation functions that were
 * installed before, so pointers from either side are freed by their own
 * allocator.
 *
 * jansson's allocation functions are process-wide: rasleak__json_arena_install()
 * sets them (counted, so that concurrent analyses nest) and
 * rasleak__json_arena_uninstall() puts the previous ones back when the
 * last user is done.  The rule that keeps this safe: a json_t parsed while
 * an arena is active must be released by the same thread before the arena
 * is reset or ended; json kept beyond is parsed before (the trend header)
 * or deep-copied with the arena suspended (the suspects records).
 */
#ifndef RASLEAK_JSON_ARENA_H
#define RASLEAK_JSON_ARENA_H

#include <stddef.h>

struct rasleak__json_arena {
    char *base;
    size_t size, used;
};

/* Route jansson's allocations through the arena functions; 0 or -1. */
int rasleak__json_arena_install(void);
void rasleak__json_arena_uninstall(void);

/* Make a new arena of `size` bytes the calling thread's; 0, or -1 when it
 * could not be allocated (jansson then simply keeps using malloc). */
int rasleak__json_arena_begin(struct rasleak__json_arena *a, size_t size);

/*
 * Set the arena aside for a while (json built now is kept beyond the
 * record, e.g. a deep copy of it) and take it up again.  Nothing from the
 * arena may be freed in between.
 */
void rasleak__json_arena_suspend(struct rasleak__json_arena *a);
void rasleak__json_arena_resume(struct rasleak__json_arena *a);

/* Everything allocated from the arena is dead: start it again. */
void rasleak__json_arena_reset(struct rasleak__json_arena *a);

/* The thread has no arena any more; its block is freed. */
void rasleak__json_arena_end(struct rasleak__json_arena *a);

#endif
