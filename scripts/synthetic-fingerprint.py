"""Fingerprints of the PyTorch modules the synthetic interpreter builds, to show that a change to the
interpreter (python/convgate_worker/synthetic*.py) leaves every module the same.

    .venv/modern/bin/python scripts/synthetic-fingerprint.py OUT.json FILE_OR_DIR...

Each FILE is a spec (`convgate generate --out DIR` writes one per case) or a corpus file with
`cases` (corpus/synthetic-extra/cases.json); a DIR is read for its *.json files. For every case it
builds the module (`synthetic.build`), then records the sha256 of its state_dict (names, dtypes,
shapes, bytes), of its child modules (names and reprs) and of its outputs on seeded inputs
(`make_input_sets`, every input set), or the error it raised. Compare two runs with
`cmp` / `diff` of the OUT files: the same tree gives the same bytes.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

import torch  # noqa: E402

from convgate_worker import synthetic  # noqa: E402
from convgate_worker.frontends.torch_models import flatten_outputs, make_input_sets  # noqa: E402


def _cases_of(path: str) -> list[dict[str, Any]]:
    if os.path.isdir(path):
        return [c for name in sorted(os.listdir(path)) if name.endswith(".json") for c in _cases_of(os.path.join(path, name))]
    with open(path) as f:
        doc = json.load(f)
    if "cases" in doc:
        return [c for c in doc["cases"] if "spec" in c.get("model", {})]
    # A bare spec: its own inputs, seeded by its index (the same for every run of this script).
    case_id = "syn-%s-%s" % (doc["seed"], doc["index"])
    return [{"id": case_id, "seed": int(doc["index"]), "model": {"spec": doc}, "inputs": doc["inputs"]}]


def _tensor_digest(h: Any, name: str, t: torch.Tensor) -> None:
    t = t.detach().cpu()
    h.update(("%s %s %s\n" % (name, t.dtype, tuple(t.shape))).encode())
    if t.is_complex():
        t = torch.view_as_real(t)
    h.update(t.contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")


def fingerprint(case: dict[str, Any]) -> dict[str, Any]:
    ops = sorted({n["op"] for n in case["model"]["spec"]["nodes"]})
    try:
        torch.manual_seed(0)  # random operators: the same draws before and after
        model = synthetic.build(case)
        state, modules, outputs = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
        for name, t in model.state_dict().items():
            _tensor_digest(state, name, t)
        for name, m in model.named_modules():
            modules.update(("%s %r\n" % (name, m)).encode())
        with torch.no_grad():
            for k, inputs in enumerate(make_input_sets(case)):
                for j, t in enumerate(flatten_outputs(model(*inputs))):
                    _tensor_digest(outputs, "set%d.out%d" % (k, j), t)
        return {"ops": ops, "state": state.hexdigest(), "modules": modules.hexdigest(), "outputs": outputs.hexdigest()}
    except Exception as e:  # noqa: BLE001 - the error is part of the fingerprint
        return {"ops": ops, "error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else "")}


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    out: dict[str, Any] = {}
    for path in argv[2:]:
        for case in _cases_of(path):
            out[case["id"]] = fingerprint(case)
    kinds = sorted({k for f in out.values() for k in f["ops"]})
    with open(argv[1], "w") as f:
        json.dump({"cases": out, "kinds": kinds}, f, indent=1, sort_keys=True)
    errors = sum(1 for f in out.values() if "error" in f)
    print("%d case(s), %d operator kind(s), %d raised (recorded as their error)" % (len(out), len(kinds), errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
