#!/bin/sh
# Side by side, in one run: rasleak's analyzer against the Python pipeline
# (json + scipy), on the same trend file, and rasleak alone at scale.
#
#   bench/run_analyze.sh BUILD_DIR [N_COMPARE] [N_BIG]
#
# N_COMPARE (default 20000) measured samples of METRIC (from the
# environment; default rss_bytes, which has a value at every sample: the
# sampler reads heap_bytes only every few samples) are compared with scipy;
# N_BIG (default 0: skipped) samples are analyzed by rasleak alone.  Trend
# files go to a temporary folder that is removed afterwards.
set -eu
build=${1:?usage: run_analyze.sh BUILD_DIR [N_COMPARE] [N_BIG]}
ncmp=${2:-20000}
nbig=${3:-0}
py=${PYTHON:-/usr/bin/python3}
metric=${METRIC:-rss_bytes}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Debian's python3-scipy, for the default interpreter, when it is missing.
[ -n "${PYTHON:-}" ] || "$here/../scripts/bootstrap" --bench

# A leaking run with allocator noise.
"$build/rasleak" run -O leak_bytes=64 -O noise_bytes=4096 -n $((ncmp + 1000)) \
    --warmup 1000 --no-analyze -q -o "$tmp/cmp.jsonl"
echo "== $ncmp measured samples: Python (json + scipy), then rasleak"
/usr/bin/time -f "python wall %e s, peak %M KiB" "$py" "$here/analyze_scipy.py" "$tmp/cmp.jsonl" "$metric"
/usr/bin/time -f "bench_analyze wall %e s, peak %M KiB" "$build/bench/bench_analyze" "$tmp/cmp.jsonl" "$metric"
/usr/bin/time -f "rasleak analyze (all metrics) wall %e s, peak %M KiB" \
    "$build/rasleak" analyze "$tmp/cmp.jsonl" >/dev/null || true

if [ "$nbig" -gt 0 ]; then
    echo "== $nbig samples, rasleak alone"
    "$build/rasleak" run -O leak_bytes=64 -n "$nbig" --no-analyze -q -o "$tmp/big.jsonl"
    ls -l "$tmp/big.jsonl" | awk '{print "trend file: " $5 " bytes"}'
    /usr/bin/time -f "rasleak analyze wall %e s, peak %M KiB" \
        "$build/rasleak" analyze "$tmp/big.jsonl" >/dev/null || true
    /usr/bin/time -f "rasleak analyze --threads 1 wall %e s, peak %M KiB" \
        "$build/rasleak" analyze --threads 1 "$tmp/big.jsonl" >/dev/null || true
fi
