/*
 * rasleak/allow.h - allowances: known leaks a team accepts for now.
 *
 * An allowance file is a JSON array of entries
 *
 *   {"target": "self", "metric": "handles", "max_rate": 0.01,
 *    "reason": "libfoo keeps a cache entry per dial, ticket 123",
 *    "expires": "2027-01-31"}
 *
 * ("expires" optional).  A leaking series that an entry names, growing no
 * faster than max_rate (per iteration, in the metric's unit), becomes
 * RASLEAK_ALLOWED.  Expiry is checked against the caller's date: an entry
 * is in force up to and including its "expires" day.  docs/ci.md.
 */
#ifndef RASLEAK_ALLOW_H
#define RASLEAK_ALLOW_H

#include <stddef.h>
#include <jansson.h>
#include "rasleak/analysis.h"
#include "rasleak/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rasleak_allowance {
    char target[128];
    char metric[64];
    double max_rate;       /* per iteration, in the metric's unit, >= 0 */
    char reason[512];
    char expires[11];      /* "YYYY-MM-DD", "" when it never expires */
    long line;             /* where the entry starts in its file */
};

struct rasleak_allow_list {
    char path[512];
    struct rasleak_allowance *entries;
    size_t n;
};

/*
 * Parse an allowance file held in memory; `name` is used in messages.  On
 * success *out is the caller's (rasleak_allow_free()).  RASLEAK_EFORMAT
 * with the file, line and what is wrong in `err` when the text is not
 * valid JSON, not an array of entries, an entry lacks a field or has one
 * it should not, a value has the wrong type or range, a date is not a real
 * YYYY-MM-DD day, or two entries name the same target and metric.
 */
int rasleak_allow_parse(const char *text, size_t len, const char *name,
                        struct rasleak_allow_list **out, struct rasleak_error *err);

/* The same, reading `path`; RASLEAK_EIO when it cannot be read. */
int rasleak_allow_load(const char *path, struct rasleak_allow_list **out,
                       struct rasleak_error *err);

void rasleak_allow_free(struct rasleak_allow_list *l);

/* The entry for target/metric, or NULL. */
const struct rasleak_allowance *rasleak_allow_find(const struct rasleak_allow_list *l,
                                                   const char *target, const char *metric);

/* What an allowance did to a leaking series. */
enum rasleak_allow_state {
    RASLEAK_ALLOW_NONE = 0,     /* no entry, or the series does not leak */
    RASLEAK_ALLOW_ACCEPTED,     /* in force and the rate is within max_rate */
    RASLEAK_ALLOW_EXCEEDED,     /* in force, but the series grows faster */
    RASLEAK_ALLOW_EXPIRED       /* the entry's day has passed */
};

/*
 * Judge one leaking series growing `rate` per iteration against `entry`
 * (NULL: none) on day `today` ("YYYY-MM-DD").
 */
enum rasleak_allow_state rasleak_allow_judge(const struct rasleak_allowance *entry,
                                             double rate, const char *today);

/* "allowed", "exceeded", "expired" ("none" for NONE). */
const char *rasleak_allow_state_name(enum rasleak_allow_state s);

/* The outcome of applying a list to one series of an analysis. */
struct rasleak_allow_outcome {
    enum rasleak_allow_state state;
    const struct rasleak_allowance *entry;   /* borrowed from the list; NULL: none */
};

/*
 * Apply `l` to every leaking series of `a` on day `today`: an accepted one
 * becomes RASLEAK_ALLOWED with the allowance's reason as its reason; an
 * expired or exceeded one stays a leak and its reason says why.  Then the
 * analysis' verdict is recomputed: leak if any series still leaks, else
 * allowed if any is, else inconclusive if any is, else no_leak.
 * outcomes[i] (an array of a->nseries, caller-owned, may be NULL) receives
 * what happened to series i.  Returns the number of expired allowances
 * that a leak needed.
 */
size_t rasleak_allow_apply(const struct rasleak_allow_list *l, struct rasleak_analysis *a,
                           const char *today, struct rasleak_allow_outcome *outcomes);

/*
 * {"state", "reason", "max_rate", "expires", "file", "line"} for an
 * outcome (new reference), NULL for RASLEAK_ALLOW_NONE.
 */
json_t *rasleak_allow_outcome_json(const struct rasleak_allow_list *l,
                                   const struct rasleak_allow_outcome *o);

/* Today's date in UTC as "YYYY-MM-DD" (buf of at least 11 bytes). */
const char *rasleak_allow_today(char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
