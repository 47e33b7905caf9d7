/*
 * schedule.h - internal: judging every series of an analysis (schedule.c).
 */
#ifndef RASLEAK_SCHEDULE_H
#define RASLEAK_SCHEDULE_H

#include "rasleak/analysis.h"
#include "analyze/series.h"

/*
 * Judge every series of `set` into a->series[] (as many as set->n, same
 * order), on two threads unless cfg->threads is 1, reporting "judging"
 * progress through cfg.  Frees each series' values once judged.  0, or -1
 * when memory ran out for a series (its result is then left as it was).
 */
int rasleak__judge_all(const struct rasleak_analyze_config *cfg, struct rasleak_analysis *a,
                       struct rasleak__series_set *set);

#endif
