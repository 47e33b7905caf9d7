/*
 * bins.c - per-pixel-column reduction of a series (see bins.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rasleak/error.h"
#include "report/bins.h"

int rasleak__bins_init(struct rasleak__bins *b, double x0, double x1, size_t ncols)
{
    memset(b, 0, sizeof *b);
    if (ncols == 0)
        ncols = 1;
    b->col = calloc(ncols, sizeof *b->col);
    if (!b->col)
        return RASLEAK_ENOMEM;
    b->x0 = x0;
    b->x1 = x1 > x0 ? x1 : x0 + 1;
    b->ncols = ncols;
    b->ymin = b->ymax = NAN;
    return 0;
}

size_t rasleak__bins_column(const struct rasleak__bins *b, double x)
{
    double f = (x - b->x0) / (b->x1 - b->x0) * (double)b->ncols;
    if (!(f > 0))
        return 0;
    if (f >= (double)b->ncols)
        return b->ncols - 1;
    return (size_t)f;
}

void rasleak__bins_add(struct rasleak__bins *b, double x, double y)
{
    struct rasleak__bin *c = &b->col[rasleak__bins_column(b, x)];
    if (c->n == 0) {
        c->xfirst = c->xmin = c->xmax = x;
        c->yfirst = c->ymin = c->ymax = y;
    } else if (y < c->ymin) {
        c->ymin = y;
        c->xmin = x;
    } else if (y > c->ymax) {
        c->ymax = y;
        c->xmax = x;
    }
    c->xlast = x;
    c->ylast = y;
    c->sum += y;
    c->n++;
    if (b->n == 0 || y < b->ymin)
        b->ymin = y;
    if (b->n == 0 || y > b->ymax)
        b->ymax = y;
    b->n++;
}

size_t rasleak__bins_points(const struct rasleak__bins *b, size_t c, double x[4], double y[4])
{
    if (c >= b->ncols || b->col[c].n == 0)
        return 0;
    const struct rasleak__bin *k = &b->col[c];
    double px[4] = {k->xfirst, k->xmin, k->xmax, k->xlast};
    double py[4] = {k->yfirst, k->ymin, k->ymax, k->ylast};
    if (px[2] < px[1]) {   /* the maximum came first */
        double t = px[1]; px[1] = px[2]; px[2] = t;
        t = py[1]; py[1] = py[2]; py[2] = t;
    }
    size_t n = 0;
    for (size_t i = 0; i < 4; i++) {
        /* x does not decrease and each x holds one point, so a repeat is
         * the same point as the one before. */
        if (n && px[i] == x[n - 1])
            continue;
        x[n] = px[i];
        y[n] = py[i];
        n++;
    }
    return n;
}

void rasleak__bins_free(struct rasleak__bins *b)
{
    free(b->col);
    b->col = NULL;
    b->ncols = 0;
}
