/*
 * bench_handles.c - what --handle-types costs per sample.
 *
 *   bench_handles [N]      N samples of each kind at each size (default 20000)
 *
 * For 10, 100 and 1,000 open descriptors in the own process (a third each
 * sockets, pipe ends and files), times, interleaved in blocks of 500 so
 * that a noisy neighbour hits both alike:
 *
 *   plain   rasleak_proc_sample(): what every run pays
 *   types   rasleak_proc_sample() + rasleak_proc_handle_types(): one
 *           getdents64 pass and one readlink per descriptor
 *
 * and prints the median and p99 of each and their ratio, as "key value"
 * lines.  The plain figure is the baseline: --handle-types must not change
 * it, since a run without the option does not call the classification.
 */
#include <stdio.h>

#ifndef __linux__
int main(void)
{
    puts("bench_handles: reads /proc, so it runs on Linux only");
    return 0;
}
#else

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rasleak/sampler.h"
#include "bench_util.h"

#define BLOCK 500

/* Open descriptors until the process has `total`: sockets, pipes, files in turn. */
static void fill_to(int total)
{
    int kind = 0;
    for (;;) {
        int n = 0;
        for (int fd = 0; fd < 65536 && n <= total; fd++)
            n += fcntl(fd, F_GETFD) != -1;
        if (n >= total)
            return;
        int p[2];
        switch (kind++ % 3) {
        case 0:
            if (socket(AF_INET, SOCK_DGRAM, 0) < 0)
                exit(1);
            break;
        case 1:
            if (n + 2 <= total) {
                if (pipe(p) < 0)
                    exit(1);
            } else if (open("/dev/null", O_RDONLY) < 0) {
                exit(1);
            }
            break;
        default:
            if (open("/etc/hostname", O_RDONLY) < 0 && open("/dev/null", O_RDONLY) < 0)
                exit(1);
        }
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 20000;
    static const int sizes[] = {10, 100, 1000};
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
        rl.rlim_cur = 2048;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    struct rasleak_proc *p;
    struct rasleak_error err;
    if (rasleak_proc_open_self(&p, &err) < 0 ||
        rasleak_proc_want(p, RASLEAK_PROC_HANDLE_TYPES, &err) < 0) {
        fprintf(stderr, "bench_handles: %s\n", err.message);
        return 1;
    }
    double *plain = malloc(n * sizeof *plain), *types = malloc(n * sizeof *types);
    if (!plain || !types)
        return 1;
    printf("samples %zu\n", n);
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        fill_to(sizes[s]);
        struct rasleak_sample smp;
        double counts[RASLEAK_HTYPE_COUNT];
        uint64_t iter = 1;
        for (size_t done = 0; done < n; done += BLOCK) {
            size_t m = n - done < BLOCK ? n - done : BLOCK;
            for (size_t i = 0; i < m; i++) {
                double t0 = now_us();
                rasleak_proc_sample(p, &smp, &err);
                plain[done + i] = now_us() - t0;
            }
            for (size_t i = 0; i < m; i++) {
                double t0 = now_us();
                rasleak_proc_sample(p, &smp, &err);
                rasleak_proc_handle_types(p, iter++, counts, &err);
                types[done + i] = now_us() - t0;
            }
        }
        double total = 0;
        for (int t = 0; t < RASLEAK_HTYPE_COUNT; t++)
            total += counts[t];
        double pm = quantile(plain, n, 0.5), pp = quantile(plain, n, 0.99);
        double tm = quantile(types, n, 0.5), tp = quantile(types, n, 0.99);
        printf("fds_%d_open %.0f\n", sizes[s], total);
        printf("fds_%d_plain_median_us %.3f\n", sizes[s], pm);
        printf("fds_%d_plain_p99_us %.3f\n", sizes[s], pp);
        printf("fds_%d_types_median_us %.3f\n", sizes[s], tm);
        printf("fds_%d_types_p99_us %.3f\n", sizes[s], tp);
        printf("fds_%d_types_per_fd_us %.3f\n", sizes[s], (tm - pm) / total);
        printf("fds_%d_ratio %.1f\n", sizes[s], tm / pm);
    }
    free(plain);
    free(types);
    rasleak_proc_close(p);
    return 0;
}
#endif
