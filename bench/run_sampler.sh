#!/bin/sh
# run_sampler.sh - rasleak's sampler against a naive C sampler and psutil.
#
#   bench/run_sampler.sh [path/to/bench_sampler] [rounds]
#
# Runs bench_sampler (rasleak and the naive sampler, interleaved in one
# process) and then bench/psutil_sampler.py, `rounds` times (default 3).  The
# machine this is meant for is small and shared, so absolute figures drift
# between runs; each ratio is therefore taken within one round, and the
# summary is the median of the rounds.  Environment: PYTHON (default
# /usr/bin/python3, which must have psutil), N_C (default 200000 samples),
# N_PY (default 50000 samples).
set -eu

bench=${1:-build/bench/bench_sampler}
rounds=${2:-3}
py=${PYTHON:-/usr/bin/python3}
n_c=${N_C:-200000}
n_py=${N_PY:-50000}
here=$(dirname "$0")

if [ ! -x "$bench" ]; then
    echo "run_sampler: cannot run '$bench'; build it first (cmake --build build)" >&2
    exit 1
fi
# Debian's python3-psutil, for the default interpreter, when it is missing.
[ -n "${PYTHON:-}" ] || "$here/../scripts/bootstrap" --bench
if ! "$py" -c 'import psutil' 2>/dev/null; then
    echo "run_sampler: '$py' has no psutil; set PYTHON to an interpreter that has it" >&2
    exit 1
fi

# value KEY FILE: the number after KEY in a "key value" output file.
value() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "uname -r: $(uname -r), cpus: $(getconf _NPROCESSORS_ONLN)"
printf '%-6s %12s %12s %12s %12s %14s %14s\n' round rasleak_us rasleak_p99 naive_us psutil_us naive/rasleak psutil/rasleak
i=1
while [ "$i" -le "$rounds" ]; do
    "$bench" "$n_c" > "$tmp/c"
    "$py" "$here/psutil_sampler.py" "$n_py" > "$tmp/py"
    r=$(value rasleak_median_us "$tmp/c")
    r99=$(value rasleak_p99_us "$tmp/c")
    n=$(value naive_median_us "$tmp/c")
    p=$(value psutil_median_us "$tmp/py")
    echo "$i $r $r99 $n $p" >> "$tmp/rounds"
    awk -v i="$i" -v r="$r" -v r99="$r99" -v n="$n" -v p="$p" 'BEGIN {
        printf "%-6s %12.3f %12.3f %12.3f %12.3f %13.1fx %13.1fx\n", i, r, r99, n, p, n / r, p / r }'
    i=$((i + 1))
done

# Median over rounds of each column and of each per-round ratio.
awk '{ r[NR] = $2; r99[NR] = $3; n[NR] = $4; p[NR] = $5; rn[NR] = $4 / $2; rp[NR] = $5 / $2 }
function median(a, k,    i, j, t) {
    for (i = 2; i <= k; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END {
    printf "%-6s %12.3f %12.3f %12.3f %12.3f %13.1fx %13.1fx\n", "median",
        median(r, NR), median(r99, NR), median(n, NR), median(p, NR), median(rn, NR), median(rp, NR)
}' "$tmp/rounds"
