/*
 * upload_none.c - builds without libcurl cannot upload (rasleak/upload.h).
 */
#include "rasleak/upload.h"

int rasleak_upload_available(void)
{
    return 0;
}

int rasleak_upload(const struct rasleak_upload_config *c, struct rasleak_upload_result *res,
                   struct rasleak_error *err)
{
    (void)c;
    res->attempts = 0;
    res->http_status = 0;
    return rasleak_error_set(err, RASLEAK_ENOTSUP, 0,
                             "this rasleak was built without libcurl and cannot upload");
}
