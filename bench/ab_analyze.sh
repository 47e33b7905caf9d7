#!/bin/sh
# Two analyzers (or one with two settings) on the same trend file, taken
# in turn, so that a shared, noisy machine slows both alike.
#
#   bench/ab_analyze.sh ROUNDS FILE 'COMMAND A' 'COMMAND B' ...
#
# Each COMMAND is run as `COMMAND FILE` once per round, in the order
# given; for each, the minimum and the median of the wall time and of the
# processor time (user + system) over the rounds are printed, with the
# peak resident memory.  Example, the committed build against this one,
# end to end and reading only (a warm-up past the end judges nothing):
#
#   bench/ab_analyze.sh 7 /tmp/s100k.jsonl \
#       '/tmp/base/rasleak analyze' 'build/rasleak analyze' \
#       'build/rasleak analyze --threads 1' 'build/rasleak analyze --warmup 999999999'
#
# FILE '-' runs each COMMAND as given, for commands that name their own
# file (the same run written in two layouts, say).
set -eu
rounds=${1:?usage: ab_analyze.sh ROUNDS FILE COMMAND...}
file=${2:?usage: ab_analyze.sh ROUNDS FILE COMMAND...}
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=0
while [ "$r" -lt "$rounds" ]; do
    i=0
    for cmd in "$@"; do
        # the command is split on purpose
        if [ "$file" = - ]; then
            # shellcheck disable=SC2086
            /usr/bin/time -f "%e %U %S %M" -a -o "$tmp/$i" $cmd >/dev/null 2>&1 || true
        else
            # shellcheck disable=SC2086
            /usr/bin/time -f "%e %U %S %M" -a -o "$tmp/$i" $cmd "$file" >/dev/null 2>&1 || true
        fi
        i=$((i + 1))
    done
    r=$((r + 1))
done
echo "load average before the summary: $(cut -d' ' -f1-3 /proc/loadavg)"
# min and median of a column of numbers
stat() { sort -n | awk '{ v[NR] = $1 } END { printf "min %.2f med %.2f", v[1], v[int((NR + 1) / 2)] }'; }
i=0
for cmd in "$@"; do
    f=$tmp/$i
    grep -v '^Command' "$f" > "$f.ok"
    printf '%-55s wall %s s   cpu %s s   peak %s MiB\n' "$cmd" \
        "$(awk '{ print $1 }' "$f.ok" | stat)" "$(awk '{ print $2 + $3 }' "$f.ok" | stat)" \
        "$(awk '$4 > m { m = $4 } END { printf "%.0f", m / 1024 }' "$f.ok")"
    i=$((i + 1))
done
