#!/usr/bin/python3
"""The baseline for bench/run_analyze.sh: the same statistics in Python.

    /usr/bin/python3 bench/analyze_scipy.py FILE METRIC

Reads a rasleak trend file (JSON Lines) with the json module, takes the
measured values of METRIC of the first target, and computes what
rasleak's analyzer computes on it with scipy: Kendall's tau
(scipy.stats.kendalltau, from which the Mann-Kendall S follows), Sen's
slope with its 95% interval (scipy.stats.theilslopes, which builds all
n(n-1)/2 slopes) and least squares (scipy.stats.linregress).  Prints the
numbers in the form bench_analyze prints them, and the seconds taken.
Needs Debian's python3-scipy (use /usr/bin/python3).
"""
import json
import math
import sys
import time

import numpy as np
from scipy import stats


def main():
    path, metric = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    xs, ys = [], []
    warmup = 0
    with open(path) as fp:
        for line in fp:
            if not line.strip():
                continue
            rec = json.loads(line)
            kind = rec.get("type")
            if kind == "header":
                warmup = rec.get("run", {}).get("warmup", 0) or 0
            elif kind == "sample" and rec["iter"] > warmup:
                for values in rec["targets"].values():
                    if metric in values:
                        xs.append(float(rec["iter"]))
                        ys.append(float(values[metric]))
                    break
    t_read = time.perf_counter() - t0
    x, y = np.array(xs), np.array(ys)
    n = len(y)
    t1 = time.perf_counter()
    tau = stats.kendalltau(x, y)
    ts = stats.theilslopes(y, x, 0.95, method="joint")
    lr = stats.linregress(x, y)
    t_stats = time.perf_counter() - t1
    # S from tau-b: x has no ties, so S = tau_b * sqrt(N (N - T_y)).
    npairs = n * (n - 1) / 2
    _, counts = np.unique(y, return_counts=True)
    ties = float(sum(c * (c - 1) / 2 for c in counts))
    s = tau.statistic * math.sqrt(npairs * (npairs - ties))
    print(f"scipy {metric} n={n}: mk_s={s:.0f} tau_p={tau.pvalue:.6g} "
          f"sen={ts.slope:.10g} lo={ts.low_slope:.10g} hi={ts.high_slope:.10g} "
          f"intercept={ts.intercept:.10g} ols={lr.slope:.10g} se={lr.stderr:.6g} "
          f"r2={lr.rvalue ** 2:.6g}")
    print(f"python: read {t_read:.3f} s, statistics {t_stats:.3f} s, "
          f"total {t_read + t_stats:.3f} s (one metric)")


if __name__ == "__main__":
    main()
