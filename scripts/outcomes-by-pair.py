#!/usr/bin/env python3
"""Outcome table of an `onnx` corpus run, one row per opset pair (source -> target), real models and
ONNX node tests apart (docs/findings.md):

    python3 scripts/outcomes-by-pair.py out/onnx/results.json

A case id ends in .o<source>-o<target>; node tests start with "node.". Standard library only."""
import collections
import json
import re
import sys


def main(path):
    with open(path) as fh:
        doc = json.load(fh)
    rows = collections.defaultdict(collections.Counter)
    models = collections.defaultdict(set)
    outcomes = set()
    for case in doc["cases"]:
        m = re.search(r"^(.*)\.o(\d+)-o(\d+)$", case["id"])
        if not m:
            continue
        kind = "node tests" if case["id"].startswith("node.") else "real models"
        key = (kind, "%s -> %s" % (m.group(2), m.group(3)))
        rows[key][case["outcome"]] += 1
        models[kind].add(m.group(1))
        outcomes.add(case["outcome"])
    order = [o for o in ("ok", "wrong-output", "conversion-crash", "invalid-model", "runtime-error", "reference-error", "hang") if o in outcomes]
    order += sorted(outcomes - set(order))
    converter = doc["converter"]
    print("%s %s, %d cases (%s)" % (converter["name"], converter.get("version"), len(doc["cases"]),
                                   ", ".join("%d %s" % (len(v), k) for k, v in sorted(models.items()))))
    print()
    print("| sources | opset pair | " + " | ".join(order) + " |")
    print("|---|---|" + "---:|" * len(order))
    for (kind, pair), counts in sorted(rows.items(), key=lambda kv: (kv[0][0] != "real models", kv[0][1])):
        print("| %s | %s | %s |" % (kind, pair, " | ".join(str(counts.get(o, 0)) for o in order)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: outcomes-by-pair.py RESULTS.json")
    main(sys.argv[1])
