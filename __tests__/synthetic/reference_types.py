"""Test helper: materialise synthetic cases with the worker's own modules (no export) and report
the dtype/shape of every reference output for every input set, or the error.

stdin: a JSON list of CaseDefs; stdout: one JSON line per case.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))

import torch  # noqa: E402

from convgate_worker import dtypes, synthetic  # noqa: E402
from convgate_worker.frontends import torch_models  # noqa: E402

torch.set_num_threads(1)

for case in json.load(sys.stdin):
    try:
        model = synthetic.build(case)
        sets = []
        with torch.no_grad():
            for inputs in torch_models.make_input_sets(case):
                outs = torch_models.flatten_outputs(model(*inputs))
                sets.append([{"dtype": dtypes.name_of(o.dtype), "shape": list(o.shape)} for o in outs])
        print(json.dumps({"id": case["id"], "sets": sets}), flush=True)
    except Exception as exc:  # noqa: BLE001
        print(json.dumps({"id": case["id"], "error": "%s: %s" % (type(exc).__name__, exc)}), flush=True)
