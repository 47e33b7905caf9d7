#!/bin/sh
# Start the fixture server on 127.0.0.1 and run bench_curl against it.
#   bench/run_curl.sh [BUILD_DIR] [N] [ROUNDS]
set -eu
build=${1:-build}
n=${2:-5000}
rounds=${3:-5}
port_file=$(mktemp)
rm -f "$port_file"
"$build/tests/fixture_server" --port-file "$port_file" --lifetime 3600 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$port_file"' EXIT
i=0
while [ ! -s "$port_file" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$build/bench/bench_curl" "http://127.0.0.1:$(cat "$port_file")/" "$n" "$rounds"
