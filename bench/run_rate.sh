#!/bin/sh
# run_rate.sh - how many iterations per second `rasleak run` sustains.
#
#   bench/run_rate.sh [path/to/rasleak] [iterations] [rounds]
#
# Each round times, one after the other on the same machine:
#   full      rasleak run -b mock -n N --no-analyze --quiet (a sample and a
#             JSON line after every iteration: the figure the issue sets)
#   loop      the same with --sample-every N: the driver and mock alone,
#             the floor under "full"
#   psutil    bench/psutil_loop.py: a psrecord-style Python loop doing the
#             same sampling and JSON writing (N/20 iterations, scaled)
# and reports iterations per second and ratios within the round; the last
# line is the median of the rounds.  Output goes to a temporary directory.
set -eu
rasleak=${1:-build/rasleak}
n=${2:-1000000}
rounds=${3:-3}
py=${PYTHON:-/usr/bin/python3}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

secs() {  # secs CMD...: wall seconds of a command
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
}

echo "uname -r: $(uname -r), cpus: $(getconf _NPROCESSORS_ONLN), n=$n"
printf '%-6s %14s %14s %14s %12s %12s\n' round full_it/s loop_it/s psutil_it/s full/loop full/psutil
i=1
while [ "$i" -le "$rounds" ]; do
    f=$(secs "$rasleak" run -b mock -n "$n" --no-analyze --quiet -o "$tmp/full.jsonl" --force)
    l=$(secs "$rasleak" run -b mock -n "$n" --sample-every "$n" --no-analyze --quiet \
        -o "$tmp/loop.jsonl" --force)
    pn=$((n / 20))
    p=$("$py" "$here/psutil_loop.py" "$pn" "$tmp/py.jsonl" | awk '{print $2}')
    echo "$i $f $l $p" >> "$tmp/rounds"
    awk -v i="$i" -v n="$n" -v f="$f" -v l="$l" -v p="$p" 'BEGIN {
        printf "%-6s %14.0f %14.0f %14.0f %11.2fx %11.1fx\n", i, n/f, n/l, p, (n/f)/(n/l), (n/f)/p }'
    i=$((i + 1))
done
awk -v n="$n" '{ f[NR] = n/$2; l[NR] = n/$3; p[NR] = $4; fl[NR] = (n/$2)/(n/$3); fp[NR] = (n/$2)/$4 }
function median(a, k,    i, j, t) {
    for (i = 2; i <= k; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
END { printf "%-6s %14.0f %14.0f %14.0f %11.2fx %11.1fx\n", "median", median(f, NR),
      median(l, NR), median(p, NR), median(fl, NR), median(fp, NR) }' "$tmp/rounds"
