/*
 * analysis_json.c - the analysis as a rasleak-analysis v1 document.
 *
 * Field meanings are in docs/trend-format.md ("Analysis output").  A number
 * that could not be computed is null, never a made-up 0.
 */
#include <math.h>

#include "rasleak/analysis.h"

static json_t *num(double v)
{
    if (isnan(v) || isinf(v))
        return json_null();
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *series_json(const struct rasleak_series_result *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "target", json_string(s->target));
    json_object_set_new(o, "metric", json_string(s->metric));
    json_object_set_new(o, "n", json_integer((json_int_t)s->n));
    json_object_set_new(o, "verdict", json_string(rasleak_verdict_name(s->verdict)));
    json_object_set_new(o, "reason", json_string(s->reason));
    json_object_set_new(o, "slope_per_iter", num(s->slope_per_iter));
    json_object_set_new(o, "sen_slope", num(s->slope_per_iter));
    json_object_set_new(o, "slope_ci", json_pack("[o,o]", num(s->slope_lo), num(s->slope_hi)));
    json_object_set_new(o, "ols_slope", num(s->ols_slope));
    json_object_set_new(o, "ols_slope_se", num(s->ols_se));
    json_object_set_new(o, "r2", num(s->r2));
    json_object_set_new(o, "mk_s", num(s->mk_s));
    json_object_set_new(o, "mk_var", num(s->mk_var));
    json_object_set_new(o, "mk_z", num(s->mk_z));
    json_object_set_new(o, "mk_p", num(s->mk_p));
    json_object_set_new(o, "correction", json_string(s->correction));
    json_object_set_new(o, "effective_n", num(s->effective_n));
    json_object_set_new(o, "mk_var_corrected", num(s->mk_var_corrected));
    json_object_set_new(o, "mk_z_corrected", num(s->mk_z_corrected));
    json_object_set_new(o, "mk_p_corrected", num(s->mk_p_corrected));
    json_object_set_new(o, "intercept", num(s->intercept));
    json_object_set_new(o, "tail_slope", num(s->tail_slope));
    json_object_set_new(o, "settling", json_boolean(s->settling));
    json_object_set_new(o, "settling_slope", num(s->settling_slope));
    json_object_set_new(o, "growth", num(s->growth));
    json_object_set_new(o, "first_iter", num(s->n ? s->first_iter : NAN));
    json_object_set_new(o, "last_iter", num(s->n ? s->last_iter : NAN));
    json_object_set_new(o, "first_value", num(s->n ? s->first_value : NAN));
    json_object_set_new(o, "last_value", num(s->n ? s->last_value : NAN));
    json_object_set_new(o, "limit", num(s->limit));
    json_object_set_new(o, "reached_limit_iter", num(s->reached_limit_iter));
    json_object_set_new(o, "exhausted_at_iter", num(s->exhausted_at_iter));
    json_object_set_new(o, "exhausted_in_s", num(s->exhausted_in_s));
    if (s->attribution[0]) {
        json_t *types = json_array();
        for (size_t i = 0; i < s->nshares; i++)
            json_array_append_new(types, json_pack("{s:s,s:o,s:o}", "type", s->shares[i].type,
                                                   "slope_per_iter",
                                                   num(s->shares[i].slope_per_iter), "share",
                                                   num(s->shares[i].share)));
        json_object_set_new(o, "attribution",
                            json_pack("{s:s,s:o}", "text", s->attribution, "types", types));
    } else {
        json_object_set_new(o, "attribution", json_null());
    }
    return o;
}

json_t *rasleak_analysis_to_json(const struct rasleak_analysis *a)
{
    json_t *series = json_array();
    for (size_t i = 0; i < a->nseries; i++)
        json_array_append_new(series, series_json(&a->series[i]));
    json_t *backend = json_object_get(a->header, "backend");
    json_t *run = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:o,s:b,s:o,s:s}",
        "file", a->path,
        "warmup", (json_int_t)a->warmup,
        "samples", (json_int_t)a->samples,
        "events", (json_int_t)a->events,
        "iterations_done", (json_int_t)a->iterations_done,
        "dial_failures", (json_int_t)a->dial_failures,
        "stop_reason", a->stop_reason[0] ? json_string(a->stop_reason) : json_null(),
        "truncated", a->truncated,
        "first_failure_iter", num(a->first_failure_iter),
        "first_failure", a->first_failure);
    json_object_set_new(run, "seconds_per_iter", num(a->seconds_per_iter));
    json_object_set_new(run, "target_exited",
                        isnan(a->exit_iter)
                            ? json_null()
                            : json_pack("{s:s,s:I,s:s}", "target", a->exit_target, "iter",
                                        (json_int_t)a->exit_iter, "message", a->exit_message));
    json_object_set_new(run, "warmup_planned", a->warmup_planned >= 0
                                                   ? json_integer(a->warmup_planned)
                                                   : json_null());
    /* The platform, without the host name, so that compare can warn. */
    json_t *host = json_object_get(a->header, "host");
    json_t *platform = json_pack("{s:O*,s:O*}", "os", json_object_get(host, "os"),
                                 "os_release", json_object_get(host, "os_release"));
    return json_pack("{s:s,s:i,s:s,s:O*,s:o*,s:o,s:o,s:o}",
                     "format", "rasleak-analysis", "version", 1,
                     "verdict", rasleak_verdict_name(a->verdict),
                     "backend", backend, "platform", platform, "run", run, "series", series,
                     "suspects", a->suspects ? json_incref(a->suspects) : json_array());
}
