"""The worker loop: one request = one case, built, referenced, exported and described."""
import argparse
import gc
import os
import platform
import sys
import time
import warnings

from . import PROTOCOL_VERSION
from .protocol import Channel

MAX_WARNINGS = 8


def _ms(start):
    return round((time.perf_counter() - start) * 1000.0, 3)


def _cpu_ms():
    """CPU time of this process (all its threads) and of its finished children, in ms. Unlike wall
    time it does not grow when other processes take the cores, so the gate's slow check uses it."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.process_time() + children.ru_utime + children.ru_stime) * 1000.0


def _op_name(node):
    return node.op_type if node.domain in ("", "ai.onnx") else "%s::%s" % (node.domain, node.op_type)


def graph_coverage(graph):
    """Op types of the exported graph and its producer->consumer op-type edges (coverage)."""
    producer = {}
    for node in graph.node:
        for out in node.output:
            producer[out] = _op_name(node)
    pairs = set()
    for node in graph.node:
        for name in node.input:
            if name in producer:
                pairs.add((producer[name], _op_name(node)))
    return sorted({_op_name(n) for n in graph.node}), sorted([list(p) for p in pairs])


def _failure_step(adapter, exc):
    finder = getattr(adapter, "failure_step", None)
    if finder is None:
        return None
    try:
        return finder(exc)
    except Exception:  # noqa: BLE001 -- a broken classifier must not hide the real error
        return None


class CaseRunner:
    def __init__(self, channel, adapter, recorder=None):
        self.channel = channel
        self.adapter = adapter
        self.recorder = recorder
        self._registered_sent = False

    def surface(self, log):
        """The `surface` field of a reply: the export's translation calls (docs/coverage.md);
        the registry (the coverage denominator) rides along on this worker's first reply."""
        if self.recorder is None or log is None:
            return {}
        out = {"calls": log.calls}
        if log.dropped:
            out["dropped"] = log.dropped
        if not self._registered_sent:
            try:
                out["registered"] = self.recorder.registered()
            except Exception as exc:  # noqa: BLE001 -- coverage must never fail a case
                out["registeredError"] = "%s: %s" % (type(exc).__name__, exc)
            self._registered_sent = True
        return {"surface": out}

    def stage(self, case_id, stage):
        # Tells the orchestrator where we are, so a crash or hang is attributed to its stage.
        self.channel.send({"type": "stage", "id": case_id, "stage": stage})

    def convert(self, request):
        import torch
        from . import real, tensors
        from .errors import describe

        case = request["case"]
        case_id = request["id"]
        case_dir = request["caseDir"]
        os.makedirs(case_dir, exist_ok=True)
        timings = {}
        settings = case["export"]

        stage = "build"
        log = None
        try:
            self.stage(case_id, stage)
            t = time.perf_counter()
            if "spec" in case["model"]:
                from . import synthetic

                model = synthetic.build(case)
            else:
                model = real.build(case)
            input_sets = tensors.make_input_sets(case)
            timings["build"] = _ms(t)

            stage = "reference"
            self.stage(case_id, stage)
            t = time.perf_counter()
            references = []
            with torch.no_grad():
                for inputs in input_sets:
                    references.append(tensors.flatten_outputs(model(*inputs)))
            timings["reference"] = _ms(t)
            if case.get("requireFinite", True):
                for k, refs in enumerate(references):
                    for i, r in enumerate(refs):
                        if r.is_floating_point() and not torch.isfinite(r).all():
                            raise FloatingPointError(
                                "reference output %d of input set %d has NaN/Inf values" % (i, k)
                            )

            input_names = [s["name"] for s in case["inputs"]]
            output_names = settings.get("outputNames") or ["output_%d" % i for i in range(len(references[0]))]
            export_settings = dict(settings, inputNames=input_names, outputNames=output_names)

            tensors.write_sets(case_dir, input_names, output_names, input_sets, references)

            stage = "export"
            self.stage(case_id, stage)
            model_path = os.path.join(case_dir, "model.onnx")
            t = time.perf_counter()
            cpu = _cpu_ms()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                if self.recorder is not None:
                    self.recorder.start()
                try:
                    exported = self.adapter.export(model, input_sets[0], model_path, export_settings) or {}
                finally:
                    log = self.recorder.stop() if self.recorder is not None else None
            timings["export"] = _ms(t)
            cpu_ms = {"export": round(_cpu_ms() - cpu, 3)}

            stage = "serialize"
            self.stage(case_id, stage)
            t = time.perf_counter()
            import onnx

            proto = onnx.load(model_path)
            op_types, op_pairs = graph_coverage(proto.graph)
            opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
            timings["serialize"] = _ms(t)

            # The converter may skip its own checks (or be a different converter): an ONNX file
            # the checker rejects is an invalid model, whatever the runtime would do with it.
            stage = "validate"
            self.stage(case_id, stage)
            onnx.checker.check_model(proto)
        except BaseException as exc:  # noqa: BLE001 -- every failure of the case is data
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = describe(stage, exc)
            if stage == "export":
                step = _failure_step(self.adapter, exc)
                if step:
                    error["step"] = step
            return dict({"type": "result", "id": case_id, "ok": False, "error": error, "timingsMs": timings}, **self.surface(log))
        finally:
            # Free the case before the next one. No forced gc.collect(): with torch, onnxscript and
            # transformers loaded a full collection costs ~0.2 s CPU per case (14 % of a default
            # run); startup objects are frozen instead (main), and a worker whose memory grows is
            # replaced by convgate (--recycle).
            model = input_sets = references = None  # noqa: F841

        seen = []
        for w in caught:
            text = "%s: %s" % (w.category.__name__, w.message)
            if text not in seen:
                seen.append(text)
        return {
            **self.surface(log),
            "type": "result",
            "id": case_id,
            "ok": True,
            "model": "model.onnx",
            "tensors": "tensors/tensors.json",
            "opTypes": op_types,
            "opPairs": op_pairs,
            "opset": opset,
            "opsetBuilt": exported.get("opsetBuilt", opset),
            "inputNames": input_names,
            "outputNames": output_names,
            "warnings": [w[:500] for w in seen[:MAX_WARNINGS]],
            "timingsMs": timings,
            "cpuMs": cpu_ms,
        }


def _die_with_parent():
    """Linux: when convgate itself dies (even by SIGKILL), the worker gets SIGKILL too instead of
    converting on as an orphan. (convgate kills the worker's whole process group otherwise.)"""
    parent = os.getppid()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def main(argv):
    _die_with_parent()
    parser = argparse.ArgumentParser(prog="convgate-worker")
    parser.add_argument("--adapter", default="torch.onnx")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--surface", choices=("on", "off"), default="on", help="record converter surface coverage")
    parser.add_argument("--corpus-path", action="append", default=[], help="appended to sys.path")
    args = parser.parse_args(argv)

    channel = Channel()
    try:
        import torch

        torch.set_num_threads(max(1, args.threads))
        import onnx
        from . import adapters, compat, environment

        # Before anything (corpus modules, transformers, timm) imports torchvision.
        tv_ops, tv_note = compat.prepare_torchvision()
        adapter = adapters.load(args.adapter)
        converter = adapter.describe()
        from .surface import recorder_for

        recorder = recorder_for(adapter) if args.surface == "on" else None
        if recorder is not None:
            recorder.install()
        packages = environment.packages()
        packages["torchvision-ops"] = packages.get("torchvision") if tv_ops else None
        # Appended, never prepended: the converter build under test (PYTHONPATH) must win.
        for p in args.corpus_path:
            if p not in sys.path:
                sys.path.append(p)
        # The exporter's own first-call imports and caches (torch.export, torchlib: ~2.5 s on the
        # modern stack) are paid here, before ready, so they are frozen with the rest.
        warm_up = getattr(adapter, "warm_up", None)
        if warm_up is not None:
            try:
                warm_up()
            except Exception:  # noqa: BLE001 -- a failing warm-up shows again in the first case
                pass
        # Everything imported so far lives as long as the worker: keep it out of the cyclic
        # collector's generations, so automatic collections during exports stay cheap.
        gc.collect()
        gc.freeze()
        channel.send(
            {
                "type": "ready",
                "protocol": PROTOCOL_VERSION,
                "pid": os.getpid(),
                "python": {"executable": sys.executable, "version": platform.python_version()},
                "torch": torch.__version__,
                "onnx": onnx.__version__,
                "converter": converter,
                "opsets": list(adapter.supported_opsets()),
                "surface": {"exporter": recorder.exporter, "unit": recorder.unit} if recorder is not None else None,
                "environment": {
                    "packages": packages,
                    "exporter": converter.get("exporter"),
                    "workarounds": [tv_note] if tv_note else [],
                    "paths": environment.path_placeholders(),
                },
            }
        )
    except BaseException as exc:  # noqa: BLE001
        channel.send({"type": "fatal", "error": "%s: %s" % (type(exc).__name__, exc), "python": sys.executable})
        return 3

    runner = CaseRunner(channel, adapter, recorder)
    for request in channel.requests():
        kind = request.get("type")
        if kind == "convert":
            channel.send(runner.convert(request))
        elif kind == "shutdown":
            break
        else:
            channel.send({"type": "protocol-error", "message": "unknown request type %r" % kind})
    return 0
