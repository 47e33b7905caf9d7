#!/usr/bin/env python3
"""compact_v3.py - rewrite a version-2 compact trend file as version 3.

    python3 bench/compact_v3.py OLD.compact NEW.compact

Version 3 rows list only the columns whose value differs from the sample
before, and leave out the iterations since it and ok: a row is the
iteration run.sample_every after the sample before, and it succeeded
(docs/trend-format.md).  The samples stay the same, so the two files can
be analyzed side by side: what the format change alone costs or saves.
A version-2 row that version 3 has no row for (another step, a failed
iteration) is written as the full sample it stands for.  (A version-1
file goes through compact_v2.py first.)
"""
import json
import sys


def dumps(v):
    return json.dumps(v, separators=(",", ":"))


def main(src, dst):
    stride, cols, last, absent, full = 1, [], [], [], None
    with open(src) as fin, open(dst, "w") as out:
        for line in fin:
            if line.startswith("["):
                row = json.loads(line)
                step, dt, ok, dial, hang = row[:5]
                changes = [c for tv in row[5:] for c in tv]
                t_us[0] += dt
                now = [None if c is None else last[i] + c for i, c in enumerate(changes)]
                iter_[0] += step
                if step != stride or not ok:
                    # The full sample this row stands for; rows after it
                    # are from it, as the writer would have them.
                    s = dict(full, iter=iter_[0], ok=ok, dial_us=dial, hangup_us=hang,
                             t=full["t"] + t_us[0] / 1e6, targets={})
                    for (tid, m), v in zip(cols, now):
                        if v is not None:
                            s["targets"].setdefault(tid, {})[m] = v
                    out.write(dumps(s) + "\n")
                    full, t_us[0] = s, 0
                    cols = [(tid, m) for tid, tv in s["targets"].items() for m in tv]
                    last = [v for tv in s["targets"].values() for v in tv.values()]
                    absent = [False] * len(cols)
                    continue
                v3 = [dt, dial, hang]
                for i, v in enumerate(now):
                    if v is None:
                        if not absent[i]:
                            v3 += [i, None]
                        absent[i] = True
                    else:
                        if absent[i] or v != last[i]:
                            v3 += [i, v - last[i]]
                        absent[i] = False
                        last[i] = v
                out.write(dumps(v3) + "\n")
                continue
            if line.startswith('{"type":"header"'):
                h = json.loads(line)
                if h.get("version") != 2:
                    sys.exit("compact_v3.py: %s is not a version-2 file" % src)
                h["version"] = 3
                k = h.get("run", {}).get("sample_every")
                stride = k if isinstance(k, int) and k >= 1 else 1
                line = dumps(h) + "\n"
            elif line.startswith('{"type":"sample"'):
                full = json.loads(line)
                iter_, t_us = [full["iter"]], [0]
                cols = [(tid, m) for tid, tv in full["targets"].items() for m in tv]
                last = [v for tv in full["targets"].values() for v in tv.values()]
                absent = [False] * len(cols)
            out.write(line)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: compact_v3.py OLD.compact NEW.compact")
    main(sys.argv[1], sys.argv[2])
