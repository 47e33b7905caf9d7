"""check_schema.py - every record rasleak writes is valid against the schema.

    python3 tests/schema/check_schema.py RASLEAK SCHEMA

Runs rasleak (a leaking mock run with failures, in both layouts; a run with
handle types, suspects and a spawned target that exits), validates every
record against docs/trend-format.schema.json, and checks that the
schema rejects records the reader must reject, so that the schema cannot
drift from the writer unnoticed.  Prints "N passed, N failed".
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema


def main():
    rasleak, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what)

    with tempfile.TemporaryDirectory() as d:
        jl, doc = os.path.join(d, "t.jsonl"), os.path.join(d, "t.json")
        args = ["run", "-O", "leak_handles=1", "-O", "fail_after=150", "-n", "300",
                "--warmup", "10", "-q", "--no-analyze"]
        subprocess.run([rasleak] + args + ["-o", jl], check=True)
        subprocess.run([rasleak] + args + ["-o", doc], check=True)
        records = [json.loads(line) for line in open(jl)]
        kinds = {r["type"] for r in records}
        check(kinds == {"header", "sample", "event", "summary"}, f"record types {kinds}")
        for i, r in enumerate(records, 1):
            errs = list(v.iter_errors(r))
            check(not errs, f"line {i}: {errs[:1]}")
        # The compact layout: full samples (objects) and rows (arrays).
        cp = os.path.join(d, "c.jsonl")
        subprocess.run([rasleak, "run", "-O", "leak_handles=1", "-n", "2100", "-q",
                        "--no-analyze", "--format", "compact", "-o", cp], check=True)
        records = [json.loads(line) for line in open(cp)]
        rows = [r for r in records if isinstance(r, list)]
        full = [r["iter"] for r in records if isinstance(r, dict) and r["type"] == "sample"]
        # full first, at the start of the measured phase, at least every
        # 1000th, and wherever a metric came or went
        gaps = [b - a for a, b in zip(full, full[1:])]
        check(full[0] == 1 and max(gaps) <= 1000 and len(rows) + len(full) == 2100
              and len(rows) >= 2000, f"compact rows: {len(rows)}, full samples at {full[:10]}")
        phases = [r["phase"] for r in records if isinstance(r, dict) and r["type"] == "sample"]
        check("measure" in phases and "warmup" in phases, f"full samples' phases {phases[:5]}")
        for i, r in enumerate(records, 1):
            errs = list(v.iter_errors(r))
            check(not errs, f"{cp} line {i}: {errs[:1]}")
        d = json.load(open(doc))
        check(set(d) == {"header", "samples", "events", "summary"}, "document members")
        for r in [d["header"], d["summary"]] + d["samples"] + d["events"]:
            check(v.is_valid(r), f"document record {r.get('type')}")

        # Handle types and suspects (the mock leaks a descriptor an iteration),
        # and a spawned target that exits: target_exited, then the run goes on.
        ht = os.path.join(os.path.dirname(jl), "h.jsonl")
        subprocess.run([rasleak, "run", "-O", "leak_handles=1", "-n", "400", "--warmup", "10",
                        "--interval-ms", "2", "--handle-types", "--spawn", "sleep 0.3",
                        "--spawn-wait-ms", "0", "--keep-going", "-q", "--no-analyze",
                        "-o", ht], check=True)
        records = [json.loads(line) for line in open(ht)]
        kinds = {r["type"] for r in records}
        check(kinds == {"header", "sample", "event", "suspects", "summary"},
              f"record types with handle types {kinds}")
        sus = [r for r in records if r["type"] == "suspects" and r["target"] == "self"]
        check(len(sus) == 1 and sus[0]["total"] >= 390 and sus[0]["handles"],
              "suspects of self: one per measured iteration")
        check(any(r["type"] == "event" and r["kind"] == "target_exited" for r in records),
              "a target_exited event")
        check(all("handles.dev" in r["targets"]["self"] and "maps" in r["targets"]["self"]
                  for r in records if r["type"] == "sample"), "handles.dev and maps of self")
        for i, r in enumerate(records, 1):
            errs = list(v.iter_errors(r))
            check(not errs, f"{ht} line {i}: {errs[:1]}")
        ex = os.path.join(os.path.dirname(ht), "x.jsonl")
        subprocess.run([rasleak, "run", "-n", "1000000", "--interval-ms", "1", "--spawn",
                        "sleep 0.3", "--spawn-wait-ms", "0", "-q", "--no-analyze", "-o", ex],
                       check=True)
        last = [json.loads(line) for line in open(ex)][-1]
        check(last.get("stop_reason") == "target_exited", f"stop reason {last}")
        check(v.is_valid(last), "summary with target_exited")

    bad = [
        {"type": "sample", "iter": 1, "t": 0, "phase": "measure", "ok": True,
         "dial_us": 1, "hangup_us": 1, "targets": {"self": {"handles": -1}}},
        {"type": "sample", "iter": 1, "t": 0, "phase": "later", "ok": True,
         "dial_us": 1, "hangup_us": 1, "targets": {}},
        {"type": "summary", "ended": "2026-01-01T00:00:00Z", "iterations_done": 1,
         "stop_reason": "bored", "dial_failures": 0},
        {"type": "bogus"},
        [1, 0.5, "later", True, 1, 1, [3]],
        [1, 0.5, "measure", True, 1, 1, [-3]],
        [1, 0.5, True, 1, 1, 7],
        {"type": "sample", "iter": 1, "t": 0, "phase": "measure", "ok": True,
         "dial_us": 1, "hangup_us": 1, "targets": {"self": {"handles": None}}},
        [1, 0.5],
        {"type": "suspects", "iter": 9, "t": 1, "target": "self", "pid": 1, "since_iter": 1,
         "total": 1, "by_type": [{"type": "sockets", "count": 1}], "listed": 0, "handles": []},
        {"type": "suspects", "iter": 9, "t": 1, "target": "self"},
    ]
    for b in bad:
        check(not v.is_valid(b), f"schema accepts a bad record {b}")
    # null in a row: a metric not measured in that sample
    check(v.is_valid([1, 0.5, True, 1, 1, [-10, None]]), "a row with null")
    for b in [[0, 0.5, True, 1, 1, [1]], [1, 0.5, True, 1, 1, [1.5]],
              [1, 0.5, "measure", True, 1, 1, [1]]]:
        check(not v.is_valid(b), f"schema accepts a bad row {b}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
