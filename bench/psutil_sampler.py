#!/usr/bin/env python3
"""psutil_sampler.py - cost of one psutil sample of the own process.

    /usr/bin/python3 bench/psutil_sampler.py [N]     (default N = 50000)

The comparison for bench/bench_sampler.c: what a Python harness built on
psutil (as psleak and dask's leak checker are) pays per sample for the
descriptor count and the memory counters, p.num_fds() + p.memory_info(),
timed one call pair at a time like the C benchmark.  Prints the same
"key value" lines, which bench/run_sampler.sh reads.
"""
import sys
import time

import psutil


def quantile(sorted_values, q):
    """Nearest-rank quantile, as in bench_sampler.c."""
    i = min(int(q * len(sorted_values)), len(sorted_values) - 1)
    return sorted_values[i]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    p = psutil.Process()
    clock = time.perf_counter_ns
    for _ in range(2000):  # warm up, as the C benchmark does
        p.num_fds()
        p.memory_info()
    times = [0] * n
    for i in range(n):
        t0 = clock()
        p.num_fds()
        p.memory_info()
        times[i] = clock() - t0
    times.sort()
    print("samples", n)
    print("psutil_version", psutil.__version__)
    print("psutil_median_us %.3f" % (quantile(times, 0.5) / 1e3))
    print("psutil_p99_us %.3f" % (quantile(times, 0.99) / 1e3))


if __name__ == "__main__":
    main()
