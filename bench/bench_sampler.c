/*
 * bench_sampler.c - cost of one sample of the own process.
 *
 *   bench_sampler [N]      N samples of each sampler (default 200000)
 *
 * Two samplers run in the same process and are interleaved in blocks of
 * 1,000 samples, so that a noisy neighbour or a frequency change hits both
 * alike and the ratio stays meaningful on a shared machine:
 *
 *   rasleak  rasleak_proc_sample() on rasleak_proc_open_self()
 *   naive    what a first attempt would do: opendir/readdir /proc/self/fd,
 *            then open/read/close /proc/self/statm
 *
 * Each sample is timed on its own with CLOCK_MONOTONIC (~20 ns of overhead,
 * included in the figures).  Then the kernel calls the rasleak sampler is
 * made of are timed one by one, to show where the time goes.  Output is
 * "key value" lines; bench/run_sampler.sh reads them.
 */
#include <stdio.h>

#ifndef __linux__
int main(void)
{
    puts("bench_sampler: the comparison reads /proc, so it runs on Linux only");
    return 0;
}
#else

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "bench_util.h"

#define BLOCK 1000

/* The naive sampler: handles and the statm fields, opened every time. */
static int naive_sample(double *handles, double *rss)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    unsigned long size, resident, shared;
    char buf[128];
    ssize_t n;
    int fd, count = 0;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL)
        count += e->d_name[0] != '.';
    closedir(d);
    fd = open("/proc/self/statm", O_RDONLY);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    if (sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) != 3)
        return -1;
    *handles = count - 1; /* the DIR's own descriptor */
    *rss = (double)resident * (double)sysconf(_SC_PAGESIZE);
    return 0;
}

/* fstat() the way src/lib/sampler/linux.c makes it (see fstat_fd there). */
static int fstat_fd(int fd, struct stat *st)
{
#if defined(__x86_64__) && defined(SYS_fstat)
    return (int)syscall(SYS_fstat, fd, st);
#else
    return fstat(fd, st);
#endif
}

/* Median cost of one call of each kernel step the sampler makes. */
static void breakdown(size_t n)
{
    int fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
    int task = open("/proc/self/task", O_RDONLY | O_DIRECTORY);
    int statm = open("/proc/self/statm", O_RDONLY);
    double *t = malloc(n * sizeof *t);
    const char *names[] = { "fstat_fd_dir", "pread_statm", "fstat_task_dir", "mallinfo2" };
    char buf[128];
    struct stat st;
    volatile size_t keep = 0;

    if (fd_dir < 0 || task < 0 || statm < 0 || t == NULL) {
        fprintf(stderr, "bench_sampler: cannot set up the breakdown\n");
        exit(1);
    }
    for (int step = 0; step < 4; step++) {
        for (size_t i = 0; i < n; i++) {
            double t0 = now_us();
            switch (step) {
            case 0: keep += fstat_fd(fd_dir, &st) == 0 ? (size_t)st.st_size : 0; break;
            case 1: keep += (size_t)pread(statm, buf, sizeof buf, 0); break;
            case 2: keep += fstat_fd(task, &st) == 0 ? (size_t)st.st_nlink : 0; break;
            case 3:
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
                keep += mallinfo2().uordblks;
#endif
                break;
            }
            t[i] = now_us() - t0;
        }
        printf("step_%s_median_us %.3f\n", names[step], quantile(t, n, 0.5));
    }
    (void)keep;
    free(t);
    close(fd_dir);
    close(task);
    close(statm);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
    struct rasleak_proc *p = NULL;
    struct rasleak_error err;
    struct rasleak_sample s;
    double *tr, *tn, handles, rss, t0;

    n = (n + BLOCK - 1) / BLOCK * BLOCK;
    if (n == 0)
        n = BLOCK;
    tr = malloc(n * sizeof *tr);
    tn = malloc(n * sizeof *tn);
    if (tr == NULL || tn == NULL || rasleak_proc_open_self(&p, &err) != 0) {
        fprintf(stderr, "bench_sampler: cannot set up: %s\n", err.message);
        return 1;
    }
    /* Warm up caches and the CPU clock before anything is recorded. */
    for (int i = 0; i < 2 * BLOCK; i++) {
        rasleak_proc_sample(p, &s, &err);
        naive_sample(&handles, &rss);
    }
    for (size_t b = 0; b < n; b += BLOCK) {
        for (size_t i = b; i < b + BLOCK; i++) {
            t0 = now_us();
            if (rasleak_proc_sample(p, &s, &err) != 0) {
                fprintf(stderr, "bench_sampler: %s\n", err.message);
                return 1;
            }
            tr[i] = now_us() - t0;
        }
        for (size_t i = b; i < b + BLOCK; i++) {
            t0 = now_us();
            if (naive_sample(&handles, &rss) != 0) {
                fprintf(stderr, "bench_sampler: naive sampler failed\n");
                return 1;
            }
            tn[i] = now_us() - t0;
        }
    }
    printf("samples %zu\n", n);
    printf("rasleak_median_us %.3f\n", quantile(tr, n, 0.5));
    printf("rasleak_p99_us %.3f\n", quantile(tr, n, 0.99));
    printf("naive_median_us %.3f\n", quantile(tn, n, 0.5));
    printf("naive_p99_us %.3f\n", quantile(tn, n, 0.99));
    printf("ratio_naive_over_rasleak %.1f\n", tn[n / 2] / tr[n / 2]);
    breakdown(n / 4);
    free(tr);
    free(tn);
    rasleak_proc_close(p);
    return 0;
}
#endif /* __linux__ */
