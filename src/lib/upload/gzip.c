/*
 * gzip.c - a file into gzip format with zlib (rasleak/upload.h).
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "rasleak/upload.h"

int rasleak_gzip_file(const char *path, FILE *out, struct rasleak_error *err)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return rasleak_error_set(err, errno == ENOENT ? RASLEAK_ENOENT : RASLEAK_EIO, errno,
                                 "cannot open '%s': %s", path, strerror(errno));
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 window bits + 16: a gzip header and trailer instead of zlib's. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        fclose(in);
        return rasleak_error_set(err, RASLEAK_ENOMEM, 0, "cannot start zlib");
    }
    static unsigned char ibuf[1 << 16], obuf[1 << 16];
    int rc = 0, flush;
    do {
        size_t n = fread(ibuf, 1, sizeof ibuf, in);
        if (ferror(in)) {
            rc = rasleak_error_set(err, RASLEAK_EIO, errno, "cannot read '%s': %s", path,
                                   strerror(errno));
            break;
        }
        flush = feof(in) ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = ibuf;
        z.avail_in = (uInt)n;
        do {
            z.next_out = obuf;
            z.avail_out = sizeof obuf;
            deflate(&z, flush);   /* Z_STREAM_ERROR cannot happen with this state */
            size_t have = sizeof obuf - z.avail_out;
            if (fwrite(obuf, 1, have, out) != have) {
                rc = rasleak_error_set(err, RASLEAK_EIO, errno,
                                       "cannot write the compressed trend: %s", strerror(errno));
                break;
            }
        } while (z.avail_out == 0);
    } while (rc == 0 && flush != Z_FINISH);
    deflateEnd(&z);
    fclose(in);
    if (rc == 0 && fflush(out) != 0)
        rc = rasleak_error_set(err, RASLEAK_EIO, errno, "cannot write the compressed trend: %s",
                               strerror(errno));
    return rc;
}
