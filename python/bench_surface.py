"""Benchmark of surface recording (docs/coverage.md): does recording change what the converter
writes, and what does it cost?

For every case: build the model and its inputs once, export it once to warm up, then
`--repeat` rounds of [plain, recorded, recorded, plain] exports (plain = the recorder
uninstalled, the converter exactly as shipped; recorded = installed and recording). Every ONNX
file is compared byte for byte with the case's first plain export; export times are summed per
mode. Prints one JSON line per case and a final {"type": "total"} line.

usage: bench_surface.py REQUESTS.jsonl [--adapter NAME] [--repeat N] [--corpus-path DIR ...] [--model-library M ...]
"""
import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings

from convgate_worker import compat, converters, factories, plugins
from convgate_worker.frontends import torch_models
from convgate_worker.surface import recorder_for


def _build(case):
    source = torch_models.build(case)
    return source.model, source.input_sets[0]


def _export(adapter, model, inputs, path, settings):
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adapter.export(model, inputs, path, settings)
    elapsed = time.perf_counter() - t
    with open(path, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    os.remove(path)
    return elapsed, digest


def bench_case(adapter, recorder, case, repeat, scratch):
    model, inputs = _build(case)
    names = [s["name"] for s in case["inputs"]]
    settings = dict(case["export"], inputNames=names, outputNames=case["export"].get("outputNames") or None)
    if settings["outputNames"] is None:
        import torch

        with torch.no_grad():
            settings["outputNames"] = ["output_%d" % i for i in range(len(torch_models.flatten_outputs(model(*inputs))))]
    path = os.path.join(scratch, "model.onnx")
    recorder.uninstall()
    _, reference = _export(adapter, model, inputs, path, settings)  # warm-up, and the reference bytes
    times = {"plain": 0.0, "recorded": 0.0}
    identical = {"plain": True, "recorded": True}
    calls = 0
    for _ in range(repeat):
        for mode in ("plain", "recorded", "recorded", "plain"):
            if mode == "recorded":
                recorder.install()
                recorder.start()
            try:
                elapsed, digest = _export(adapter, model, inputs, path, settings)
            finally:
                if mode == "recorded":
                    calls = len(recorder.stop().calls)
                    recorder.uninstall()
            times[mode] += elapsed
            identical[mode] = identical[mode] and digest == reference
    return {"times": times, "identical": identical, "calls": calls}


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("requests")
    parser.add_argument("--adapter", default=plugins.default_converter())
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--corpus-path", action="append", default=[])
    parser.add_argument("--model-library", action="append", default=[])
    args = parser.parse_args(argv)
    compat.prepare_torchvision()
    sys.path.extend(args.corpus_path)
    factories.configure(factories.Scope.from_paths(args.corpus_path, args.model_library))
    adapter = converters.load(args.adapter)
    recorder = recorder_for(adapter)
    if recorder is None:
        print(json.dumps({"type": "error", "message": "adapter %s has no surface recorder" % args.adapter}))
        return 2
    total = {"plain": 0.0, "recorded": 0.0, "cases": 0, "identical": 0, "plainDeterministic": 0, "failed": 0}
    scratch = tempfile.mkdtemp(prefix="convgate-bench-surface-")
    try:
        with open(args.requests) as fh:
            for line in fh:
                request = json.loads(line)
                try:
                    r = bench_case(adapter, recorder, request["case"], args.repeat, scratch)
                except Exception as exc:  # noqa: BLE001 -- a case that does not export is skipped
                    total["failed"] += 1
                    print(json.dumps({"type": "case", "id": request["id"], "error": "%s: %s" % (type(exc).__name__, str(exc)[:200])}), flush=True)
                    continue
                total["cases"] += 1
                total["plain"] += r["times"]["plain"]
                total["recorded"] += r["times"]["recorded"]
                total["identical"] += int(r["identical"]["recorded"] and r["identical"]["plain"])
                total["plainDeterministic"] += int(r["identical"]["plain"])
                print(json.dumps(dict(r, type="case", id=request["id"])), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(dict(total, type="total")), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
