#!/bin/sh
# self_flat.sh - rasleak measured by itself over a long clean run.
#
#   bench/self_flat.sh [path/to/rasleak] [iterations]
#
# Runs the mock backend without leaks for N iterations (default 1,000,000),
# sampling rasleak's own process after every one, then analyzes the file and
# prints each metric's first and last value, its Sen slope per 1,000
# iterations and the verdict.  The harness must not grow: every verdict must
# be no_leak.  Exit status: 0 when it is so.
set -eu
rasleak=${1:-build/rasleak}
n=${2:-1000000}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$rasleak" run -b mock -n "$n" --no-analyze --quiet -o "$tmp/self.jsonl"
"$rasleak" analyze --json "$tmp/self.jsonl" > "$tmp/a.json" || true
"$py" - "$tmp/a.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
print(f"verdict: {a['verdict']}  samples: {a['run']['samples']}")
print(f"{'metric':15} {'first':>12} {'last':>12} {'per 1000 it':>12}  verdict")
for s in a["series"]:
    print(f"{s['metric']:15} {s['first_value']:>12} {s['last_value']:>12} "
          f"{s['slope_per_iter'] * 1000:>12.4g}  {s['verdict']}")
sys.exit(0 if a["verdict"] == "no_leak" else 1)
PY
