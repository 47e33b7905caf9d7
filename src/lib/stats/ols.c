/*
 * ols.c - ordinary least squares line y = a + b x with the standard error
 * of b and R^2.
 *
 * Two passes over the data: means first, then centred sums of squares and
 * products.  The one-pass textbook formula sum(x y) - n mean(x) mean(y)
 * cancels catastrophically when x is an iteration number in the millions
 * and y a memory size in the billions, which is exactly our data.
 *
 * The standard error comes from the residual sum of squares computed
 * directly, sqrt(SSE / (n - 2) / Sxx).  scipy.stats.linregress uses the
 * algebraically equal sqrt((1 - r^2) Syy / Sxx / (n - 2)); the direct form
 * keeps its relative accuracy when the fit is nearly perfect (r^2 -> 1),
 * where 1 - r^2 has none left.
 */
#include "rasleak/stats.h"
#include "rasleak/error.h"

#include <math.h>

/* Mean with Neumaier's compensated sum, so that n = 1e7 costs no digits. */
static double mean(const double *v, size_t n)
{
    double s = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double t = s + v[i];
        if (fabs(s) >= fabs(v[i]))
            c += (s - t) + v[i];
        else
            c += (v[i] - t) + s;
        s = t;
    }
    return (s + c) / (double)n;
}

int rasleak_ols(const double *x, const double *y, size_t n, struct rasleak_ols *out)
{
    if (!x || !y || !out || n < 2 || n > RASLEAK_STATS_MAX_N)
        return RASLEAK_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return RASLEAK_EINVAL;
        if (i > 0 && !(x[i] > x[i - 1]))
            return RASLEAK_EINVAL;
    }

    double mx = mean(x, n), my = mean(y, n);
    double sxx = 0.0, sxy = 0.0, syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    /* Strictly increasing x has a positive spread unless it underflowed. */
    if (!(sxx > 0.0))
        return RASLEAK_EINVAL;

    double b = sxy / sxx;
    double a = my - b * mx;
    out->slope = b;
    out->intercept = a;

    if (syy > 0.0) {
        double r2 = (sxy / sxx) * (sxy / syy);
        out->r2 = r2 > 1.0 ? 1.0 : r2;
    } else {
        out->r2 = 0.0;  /* constant y: no variation to explain */
    }

    if (n < 3) {
        out->slope_se = NAN;  /* two points: no residual degree of freedom */
        return 0;
    }
    double sse = 0.0;
    for (size_t i = 0; i < n; i++) {
        double r = (y[i] - my) - b * (x[i] - mx);
        sse += r * r;
    }
    out->slope_se = sqrt(sse / (double)(n - 2) / sxx);
    return 0;
}
