"""psutil_loop.py - the loop a user would write without rasleak.

A psrecord-style baseline for bench/run_rate.sh: N iterations of an empty
connect/disconnect, each followed by a psutil sample of the own process
(descriptors, memory, threads) written as one JSON line, as rasleak writes
its trend file.

    python3 bench/psutil_loop.py N OUTPUT
"""
import json
import sys
import time

import psutil


def main():
    n = int(sys.argv[1])
    p = psutil.Process()
    t0 = time.monotonic()
    with open(sys.argv[2], "w") as out:
        for i in range(1, n + 1):
            mem = p.memory_info()
            rec = {"type": "sample", "iter": i, "t": time.monotonic() - t0,
                   "targets": {"self": {"handles": p.num_fds(), "rss_bytes": mem.rss,
                                        "vm_bytes": mem.vms, "threads": p.num_threads()}}}
            out.write(json.dumps(rec) + "\n")
    elapsed = time.monotonic() - t0
    print(f"psutil_loop_iter_per_s {n / elapsed:.0f}")


if __name__ == "__main__":
    main()
