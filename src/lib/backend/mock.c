/*
 * mock.c - a backend that leaks for real, on request.
 *
 * Like SQLite's test VFS it is a fault injector: it dials nothing, but when
 * asked it leaks real handles (descriptors; events on Windows) and real
 * resident memory, so that the
 * sampler sees exactly what a leaking client would show, and it fails dials
 * on demand.  When a leaked descriptor cannot be created because the
 * process has reached its limit, the dial fails with that error: this is
 * how KB Q168348's "RAS can no longer dial out" is reproduced.
 *
 * Everything leaked is remembered and released in close(), so the harness
 * itself stays clean under AddressSanitizer and valgrind.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backends.h"
#include "platform/os.h"

static const struct rasleak_option_spec mock_options[] = {
    {"leak_handles", RASLEAK_OPT_DOUBLE, "0", 0, 1e6, NULL, 0,
     "descriptors leaked per iteration; fractions spread them (0.1 = one every 10)"},
    {"leak_bytes", RASLEAK_OPT_INT, "0", 0, 1 << 30, NULL, 0,
     "heap bytes leaked per iteration, touched so that they are resident"},
    {"plateau", RASLEAK_OPT_INT, NULL, 1, 1e15, NULL, 0,
     "leaking stops after this iteration (a cache filling up: not a leak)"},
    {"fail_after", RASLEAK_OPT_INT, NULL, 1, 1e15, NULL, 0,
     "every dial fails from this iteration on"},
    {"latency_ms", RASLEAK_OPT_DOUBLE, "0", 0, 600000, NULL, 0,
     "time spent in each dial, in milliseconds"},
    {"noise_bytes", RASLEAK_OPT_INT, "0", 0, 1 << 30, NULL, 0,
     "random allocate/free churn up to this many bytes per iteration, no net growth"},
    {"seed", RASLEAK_OPT_INT, "1", 0, 4294967295.0, NULL, 0,
     "seed of the noise generator"},
};
#define NOPTS (sizeof mock_options / sizeof mock_options[0])

#define NOISE_SLOTS 16

struct mock {
    double leak_handles;
    size_t leak_bytes;
    uint64_t plateau;       /* 0 = never */
    uint64_t fail_after;    /* 0 = never */
    double latency_ms;
    size_t noise_bytes;
    uint64_t rng;

    uint64_t handles_leaked;
    intptr_t *fds;          /* descriptors (POSIX) or events (Windows) */
    size_t nfds, capfds;
    void **blocks;
    size_t nblocks, capblocks;
    void *noise[NOISE_SLOTS];
    long connected;
};

static uint64_t next_random(struct mock *m)
{
    /* xorshift64*: enough for noise, and reproducible from `seed`. */
    m->rng ^= m->rng >> 12;
    m->rng ^= m->rng << 25;
    m->rng ^= m->rng >> 27;
    return m->rng * 2685821657736338717ULL;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

static int mock_open(void **state, const struct rasleak_options *o, struct rasleak_error *err)
{
    struct mock *m = calloc(1, sizeof *m);
    if (!m)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    m->leak_handles = rasleak_opt_double(o, mock_options, NOPTS, "leak_handles");
    m->leak_bytes = (size_t)rasleak_opt_double(o, mock_options, NOPTS, "leak_bytes");
    m->plateau = (uint64_t)rasleak_opt_double(o, mock_options, NOPTS, "plateau");
    m->fail_after = (uint64_t)rasleak_opt_double(o, mock_options, NOPTS, "fail_after");
    m->latency_ms = rasleak_opt_double(o, mock_options, NOPTS, "latency_ms");
    m->noise_bytes = (size_t)rasleak_opt_double(o, mock_options, NOPTS, "noise_bytes");
    m->rng = (uint64_t)rasleak_opt_double(o, mock_options, NOPTS, "seed") * 2 + 0x9E3779B97F4A7C15ULL;
    *state = m;
    return 0;
}

static int leak_one_handle(struct mock *m, struct rasleak_error *err)
{
    if (grow((void **)&m->fds, &m->capfds, m->nfds + 1, sizeof *m->fds) < 0)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    intptr_t h;
    int rc = rasleak__kobj_open(&h, err);
    if (rc < 0)
        return rc;
    m->fds[m->nfds++] = h;
    return 0;
}

static int leak_memory(struct mock *m, struct rasleak_error *err)
{
    if (grow((void **)&m->blocks, &m->capblocks, m->nblocks + 1, sizeof *m->blocks) < 0)
        return rasleak_error_set(err, RASLEAK_ENOMEM, ENOMEM, "out of memory");
    void *b = malloc(m->leak_bytes);
    if (!b)
        return rasleak_error_set(err, RASLEAK_EBACKEND, ENOMEM,
                                 "cannot allocate %zu bytes", m->leak_bytes);
    memset(b, 0xA5, m->leak_bytes);   /* touched, so resident */
    m->blocks[m->nblocks++] = b;
    return 0;
}

static int churn(struct mock *m, struct rasleak_error *err)
{
    size_t slot = (size_t)(next_random(m) % NOISE_SLOTS);
    size_t size = 1 + (size_t)(next_random(m) % m->noise_bytes);
    free(m->noise[slot]);
    m->noise[slot] = malloc(size);
    if (!m->noise[slot])
        return rasleak_error_set(err, RASLEAK_EBACKEND, ENOMEM,
                                 "cannot allocate %zu bytes", size);
    memset(m->noise[slot], 0x5A, size);
    return 0;
}

static void sleep_ms(double ms)
{
    rasleak__sleep_ms(ms, NULL);  /* the whole latency, signals or not */
}

static int mock_dial(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct mock *m = state;
    int rc;
    if (m->latency_ms > 0)
        sleep_ms(m->latency_ms);
    if (m->noise_bytes && (rc = churn(m, err)) < 0)
        return rc;
    if (m->fail_after && iter >= m->fail_after)
        return rasleak_error_set(err, RASLEAK_EBACKEND, 0,
                                 "dial refused (mock fail_after=%llu)",
                                 (unsigned long long)m->fail_after);
    int leaking = !m->plateau || iter <= m->plateau;
    if (leaking && m->leak_handles > 0) {
        /* The total owed by now, so fractional rates never drift. */
        uint64_t owed = (uint64_t)floor((double)iter * m->leak_handles + 1e-9);
        while (m->handles_leaked < owed) {
            if ((rc = leak_one_handle(m, err)) < 0)
                return rc;
            m->handles_leaked++;
        }
    }
    if (leaking && m->leak_bytes && (rc = leak_memory(m, err)) < 0)
        return rc;
    m->connected++;
    return 0;
}

static int mock_hangup(void *state, uint64_t iter, struct rasleak_error *err)
{
    struct mock *m = state;
    (void)iter;
    if (m->connected <= 0)
        return rasleak_error_set(err, RASLEAK_EBACKEND, 0, "hang-up without a connection");
    m->connected--;
    return 0;
}

static long mock_open_connections(void *state)
{
    return ((struct mock *)state)->connected;
}

static void mock_close(void *state)
{
    struct mock *m = state;
    if (!m)
        return;
    for (size_t i = 0; i < m->nfds; i++)
        rasleak__kobj_close(m->fds[i]);
    for (size_t i = 0; i < m->nblocks; i++)
        free(m->blocks[i]);
    for (size_t i = 0; i < NOISE_SLOTS; i++)
        free(m->noise[i]);
    free(m->fds);
    free(m->blocks);
    free(m);
}

const struct rasleak_backend rasleak__backend_mock = {
    RASLEAK_BACKEND_VERSION,
    "mock",
    "leaks real handles and memory on request; dials nothing",
    mock_options,
    NOPTS,
    mock_open,
    mock_dial,
    mock_hangup,
    NULL,
    mock_open_connections,
    mock_close,
    NULL,
};
