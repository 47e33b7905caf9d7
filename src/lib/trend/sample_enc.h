/*
 * sample_enc.h - internal: the sample record's JSON text, built fast.
 */
#ifndef RASLEAK_SAMPLE_ENC_H
#define RASLEAK_SAMPLE_ENC_H

#include "rasleak/trend.h"

struct rasleak__sample_enc;

int rasleak__sample_enc_new(struct rasleak__sample_enc **out);

/*
 * Encode `s` as one compact JSON object.  Returns its length and points
 * *text at it (owned by the encoder, valid until the next call), or -1 when
 * memory ran out.
 */
long rasleak__sample_enc_encode(struct rasleak__sample_enc *e,
                                const struct rasleak_sample_record *s, const char **text);

/*
 * Encode `s` as a row (docs/trend-format.md, "compact"): its time since the
 * sample before, its call durations, and the columns of the last full
 * sample encoded whose value differs from the sample before, each with its
 * change or null where it has no value.  Returns 0, writing nothing, when
 * `s` must be written in full: not the iteration a stride after the sample
 * before, a failed iteration, a target came or went, a value the columns
 * have no place for or that is not a whole number, another phase than the
 * full sample's.
 */
long rasleak__sample_enc_encode_row(struct rasleak__sample_enc *e,
                                    const struct rasleak_sample_record *s, const char **text);

/*
 * The iterations from one sample to the next that a row (version 3) takes
 * for granted: the header's run.sample_every, or 1 when it has none.  The
 * writer and the reader both take it from here.
 */
json_int_t rasleak__trend_row_stride(json_t *header);

void rasleak__sample_enc_set_stride(struct rasleak__sample_enc *e, uint64_t stride);

void rasleak__sample_enc_free(struct rasleak__sample_enc *e);

#endif
