"""check_schema.py - every record rasleak writes is valid against the schema.

    python3 tests/schema/check_schema.py RASLEAK SCHEMA

Runs rasleak (a leaking mock run with failures, in both layouts), validates
every record against docs/trend-format.schema.json, and checks that the
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
        d = json.load(open(doc))
        check(set(d) == {"header", "samples", "events", "summary"}, "document members")
        for r in [d["header"], d["summary"]] + d["samples"] + d["events"]:
            check(v.is_valid(r), f"document record {r.get('type')}")

    bad = [
        {"type": "sample", "iter": 1, "t": 0, "phase": "measure", "ok": True,
         "dial_us": 1, "hangup_us": 1, "targets": {"self": {"handles": -1}}},
        {"type": "sample", "iter": 1, "t": 0, "phase": "later", "ok": True,
         "dial_us": 1, "hangup_us": 1, "targets": {}},
        {"type": "summary", "ended": "2026-01-01T00:00:00Z", "iterations_done": 1,
         "stop_reason": "bored", "dial_failures": 0},
        {"type": "bogus"},
    ]
    for b in bad:
        check(not v.is_valid(b), f"schema accepts a bad record {b}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
