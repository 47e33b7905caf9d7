/*
 * reader_split.h - internal: reading one JSON Lines trend file on several
 * threads.
 *
 * After rasleak_trend_open(), the rest of the file is cut at a newline
 * into a first part (the reader itself) and a second part (a new reader
 * over the same bytes); each is read with rasleak_trend_next() on its own
 * thread; then rasleak__trend_join() checks what neither part could check
 * alone (iterations increasing across the cut, nothing after a summary)
 * and folds the second part's state into the first.  Every record is
 * checked as by one reader, with the same messages and line numbers.
 */
#ifndef RASLEAK_READER_SPLIT_H
#define RASLEAK_READER_SPLIT_H

#include "rasleak/trend.h"

/*
 * Cut `r` (just opened) in two.  *second is NULL (and 0 returned) when the
 * file is not worth cutting: the document layout, or under `min_bytes`
 * left.  *second borrows r's bytes: close it before r.
 */
int rasleak__trend_split(struct rasleak_trend_reader *r, size_t min_bytes,
                         struct rasleak_trend_reader **second, struct rasleak_error *err);

/* After both parts returned RASLEAK_REC_END: check the cut, merge state. */
int rasleak__trend_join(struct rasleak_trend_reader *first,
                        struct rasleak_trend_reader *second, struct rasleak_error *err);

/*
 * Release the record rasleak_trend_next() last returned, now rather than
 * at the next call: for a caller that reuses the memory jansson parsed it
 * into (analyze/json_arena.h) and must know nothing of it is left.
 */
void rasleak__trend_release(struct rasleak_trend_reader *r);

/*
 * Where reading stands, as byte offsets into the file, for progress: the
 * next record starts at rasleak__trend_pos(); rasleak__trend_size() is
 * the end of this reader's bytes (the whole file before a split, the cut
 * for a first part after it).
 */
size_t rasleak__trend_pos(const struct rasleak_trend_reader *r);
size_t rasleak__trend_size(const struct rasleak_trend_reader *r);

/* Records between two looks at the position, for a caller's progress. */
#define RASLEAK__PROGRESS_EVERY 4096

#endif
