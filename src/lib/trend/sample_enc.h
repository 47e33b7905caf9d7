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
 * Encode `s` as a row (docs/trend-format.md, "compact"): the change of its
 * iteration since the sample before, its time, ok and call durations, and
 * the change of each value in the columns of the last full sample encoded,
 * null where it has no value.  Returns 0, writing nothing, when `s` does
 * not fit those columns (a target came or went, a value the columns have
 * no place for or that is not a whole number, another phase than the full
 * sample's): then it must be written in full.
 */
long rasleak__sample_enc_encode_row(struct rasleak__sample_enc *e,
                                    const struct rasleak_sample_record *s, const char **text);

void rasleak__sample_enc_free(struct rasleak__sample_enc *e);

#endif
