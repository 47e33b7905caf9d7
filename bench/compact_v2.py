#!/usr/bin/env python3
"""compact_v2.py - rewrite a version-1 compact trend file as version 2.

    python3 bench/compact_v2.py OLD.compact NEW.compact

Version 2 rows carry the whole microseconds since the sample before where
version 1 rows carry t (docs/trend-format.md).  The samples stay the same,
so the two files can be analyzed side by side: what the format change
alone costs or saves.  Rounds as the writer does: each row's time since
the last full sample to the microsecond, never below the row before.
"""
import sys


def main(src, dst):
    t_full, acc = 0.0, 0
    with open(src) as fin, open(dst, "w") as out:
        for line in fin:
            if line.startswith("["):
                i1 = line.index(",")
                i2 = line.index(",", i1 + 1)
                us = (float(line[i1 + 1:i2]) - t_full) * 1e6
                now = max(int(us + 0.5) if us > 0 else 0, acc)
                out.write(line[:i1 + 1] + str(now - acc) + line[i2:])
                acc = now
                continue
            if line.startswith('{"type":"header"'):
                line = line.replace('"version":1,', '"version":2,', 1)
            elif line.startswith('{"type":"sample"'):
                j = line.index('"t":') + 4
                t_full = float(line[j:line.index(",", j)])
                acc = 0
            out.write(line)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compact_v2.py OLD.compact NEW.compact")
    main(sys.argv[1], sys.argv[2])
