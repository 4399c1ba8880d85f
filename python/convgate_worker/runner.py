"""One request = one case: built and referenced by its frontend, converted by the converter,
then read back and checked. Each stage is a method; `Stages` tells the orchestrator which stage
the case is in (so a crash or hang is attributed to it) and times it."""
from __future__ import annotations

import importlib.util
import os
import time
import warnings
from contextlib import contextmanager
from types import ModuleType
from typing import Any, Iterator

import numpy as np

from . import frontends, tensors
from .converters import captures
from .errors import describe
from .protocol import Channel

MAX_WARNINGS = 8


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 3)


def cpu_ms() -> float:
    """CPU time of this process (all its threads) and of its finished children, in ms. Unlike wall
    time it does not grow when other processes take the cores, so the gate's slow check uses it."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (time.process_time() + children.ru_utime + children.ru_stime) * 1000.0


def _op_name(node: Any) -> str:
    return node.op_type if node.domain in ("", "ai.onnx") else "%s::%s" % (node.domain, node.op_type)


def graph_coverage(graph: Any) -> tuple[list[str], list[list[str]]]:
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


def failure_step(converter: ModuleType, exc: BaseException) -> str | None:
    finder = getattr(converter, "failure_step", None)
    if finder is None:
        return None
    try:
        return finder(exc)
    except Exception:  # noqa: BLE001 -- a broken classifier must not hide the real error
        return None


class Stages:
    """The stage a case is in, announced to the orchestrator, with per-stage timings."""

    def __init__(self, channel: Channel, case_id: str):
        self.channel = channel
        self.case_id = case_id
        self.current = "build"
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str, timed: bool = True, cpu: bool = False) -> Iterator[None]:
        self.current = stage
        self.channel.send({"type": "stage", "id": self.case_id, "stage": stage})
        start = time.perf_counter()
        cpu_start = cpu_ms() if cpu else 0.0
        yield
        if timed:
            self.timings[stage] = _ms(start)
        if cpu:
            self.cpu[stage] = round(cpu_ms() - cpu_start, 3)


def check_finite(references: list[list[np.ndarray]]) -> None:
    for k, refs in enumerate(references):
        for i, r in enumerate(refs):
            if r.dtype.kind == "f" and not np.isfinite(r).all():
                raise FloatingPointError("reference output %d of input set %d has NaN/Inf values" % (i, k))


def warning_lines(caught: list[warnings.WarningMessage]) -> list[str]:
    seen: list[str] = []
    for w in caught:
        text = "%s: %s" % (w.category.__name__, w.message)
        if text not in seen:
            seen.append(text)
    return [w[:500] for w in seen[:MAX_WARNINGS]]


class CaseRunner:
    def __init__(
        self, channel: Channel, converter: ModuleType, converter_name: str, accepts: list[str], recorder: Any = None
    ):
        self.channel = channel
        self.converter = converter
        self.converter_name = converter_name
        self.accepts = accepts
        self.recorder = recorder
        self._registered_sent = False
        self.wants_file = bool(getattr(converter, "WANTS_SOURCE_FILE", False))

    def surface(self, log: Any) -> dict[str, Any]:
        """The `surface` field of a reply: the export's translation calls (docs/coverage.md);
        the registry (the coverage denominator) rides along on this worker's first reply."""
        if self.recorder is None or log is None:
            return {}
        out: dict[str, Any] = {"calls": log.calls}
        if log.dropped:
            out["dropped"] = log.dropped
        if not self._registered_sent:
            try:
                out["registered"] = self.recorder.registered()
            except Exception as exc:  # noqa: BLE001 -- coverage must never fail a case
                out["registeredError"] = "%s: %s" % (type(exc).__name__, exc)
            self._registered_sent = True
        return {"surface": out}

    def frontend(self, case: dict[str, Any]) -> ModuleType:
        name = frontends.name_of(case)
        if name not in self.accepts:
            raise ValueError(
                "converter %s takes %s cases, this case is a %s case" % (self.converter_name, " or ".join(self.accepts), name)
            )
        return frontends.load(name)

    # -- stages ---------------------------------------------------------------------------

    def reference(self, frontend: ModuleType, source: frontends.Source, case: dict[str, Any]) -> list[list[np.ndarray]]:
        references = frontend.reference(source)
        if case.get("requireFinite", True):
            check_finite(references)
        return references

    def export(self, source: frontends.Source, case_dir: str, settings: dict[str, Any], log: list[Any]) -> tuple[dict[str, Any], list[str]]:
        """Runs the converter (with the surface recorder around it: `log` receives its calls)."""
        path = os.path.join(case_dir, "model.onnx")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if self.recorder is not None:
                self.recorder.start()
            try:
                exported = self.converter.export(source.model, source.input_sets[0], path, settings) or {}
            finally:
                if self.recorder is not None:
                    log.append(self.recorder.stop())
        return exported, warning_lines(caught)

    @staticmethod
    def serialize(case_dir: str) -> tuple[Any, dict[str, Any]]:
        import onnx

        proto = onnx.load(os.path.join(case_dir, "model.onnx"))
        op_types, op_pairs = graph_coverage(proto.graph)
        opset = next((o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")), None)
        return proto, {"opTypes": op_types, "opPairs": op_pairs, "opset": opset}

    @staticmethod
    def validate(proto: Any) -> None:
        # The converter may skip its own checks (or be a different converter): an ONNX file the
        # checker rejects is an invalid model, whatever the runtime would do with it.
        import onnx

        onnx.checker.check_model(proto)

    # -- the case -------------------------------------------------------------------------

    def convert(self, request: dict[str, Any]) -> dict[str, Any]:
        case, case_id, case_dir = request["case"], request["id"], request["caseDir"]
        os.makedirs(case_dir, exist_ok=True)
        stages = Stages(self.channel, case_id)
        source = references = None
        exported: dict[str, Any] = {}
        source_ops: list[str] | None = None
        log: list[Any] = []
        try:
            with stages("build"):
                frontend = self.frontend(case)
                source = frontend.build(case)
                if case.get("submodule"):
                    # Localization: one submodule alone, with the arguments it got in the full model.
                    from .localize import submodule

                    source = submodule.source(source, case["submodule"])
                source_ops = source_operators(source.model)
                # A command-line converter reads the source from disk: saving it is the frontend's
                # job (a failure here is the source's problem, not the converter's).
                saved = frontend.save(source, os.path.join(case_dir, "source")) if self.wants_file else None
            with stages("reference"):
                references = self.reference(frontend, source, case)
            settings = dict(export_settings(case, len(references[0]), source.extra.get("outputNames")), sourcePath=saved)
            settings["caseHash"] = captures.case_key(case)
            if source.extra.get("inputNames"):
                settings["inputNames"] = source.extra["inputNames"]
            tensors.write_sets(case_dir, settings["inputNames"], settings["outputNames"], source.numpy_inputs, references)
            with stages("export", cpu=True):
                exported, warned = self.export(source, case_dir, settings, log)
            with stages("serialize"):
                proto, graph = self.serialize(case_dir)
            with stages("validate", timed=False):
                self.validate(proto)
        except BaseException as exc:  # noqa: BLE001 -- every failure of the case is data
            if isinstance(exc, KeyboardInterrupt):
                raise
            failed = dict(self.failed(case_id, stages, exc), **self.surface(log[0] if log else None))
            if exported.get("captureReused"):
                failed["captureReused"] = True
            if source_ops is not None:
                failed["sourceOps"] = source_ops
            return failed
        finally:
            # Free the case before the next one. No forced gc.collect(): with torch, onnxscript and
            # transformers loaded a full collection costs ~0.2 s CPU per case (14 % of a default
            # run); startup objects are frozen instead (main), and a worker whose memory grows is
            # replaced by convgate (--recycle).
            source = references = None  # noqa: F841
        return {
            **self.surface(log[0] if log else None),
            "type": "result",
            "id": case_id,
            "ok": True,
            "model": "model.onnx",
            "tensors": "tensors/tensors.json",
            **graph,
            **({"sourceOps": source_ops} if source_ops is not None else {}),
            "opsetBuilt": exported.get("opsetBuilt", graph["opset"]),
            **({"captureReused": True} if exported.get("captureReused") else {}),
            "inputNames": settings["inputNames"],
            "outputNames": settings["outputNames"],
            "warnings": warned,
            "timingsMs": stages.timings,
            "cpuMs": stages.cpu,
        }

    def failed(self, case_id: str, stages: Stages, exc: BaseException) -> dict[str, Any]:
        error = describe(stages.current, exc)
        missing = missing_package(exc) if stages.current in ("build", "reference") else None
        if missing:
            error["missingPackage"] = missing
        if stages.current == "export":
            step = failure_step(self.converter, exc)
            if step:
                error["step"] = step
            node = exporter_node(exc)
            if node:
                error["node"] = node
        return {"type": "result", "id": case_id, "ok": False, "error": error, "timingsMs": stages.timings}

    def probe(self, request: dict[str, Any]) -> dict[str, Any]:
        """Localization: eager values and the ONNX graph's module scopes of a case (localize/probe.py)."""
        try:
            from .localize import probe

            return probe.probe(request, self.converter)
        except BaseException as exc:  # noqa: BLE001 -- a probe that fails is reported, not fatal
            if isinstance(exc, KeyboardInterrupt):
                raise
            return {"type": "probed", "id": request["id"], "ok": False, "error": describe("probe", exc)}


def missing_package(exc: BaseException) -> str | None:
    """The top-level module a ModuleNotFoundError names, when it is not installed at all (not a
    package that is installed but fails to import, nor a module missing inside an installed one)."""
    name = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if not name:
        return None
    top = name.split(".")[0]
    try:
        return top if importlib.util.find_spec(top) is None else None
    except (ImportError, ValueError):
        return top


def exporter_node(exc: BaseException) -> dict[str, Any] | None:
    """The graph node the TorchScript exporter was converting when it failed (localize/capture.py)."""
    try:
        from .localize.capture import exporter_node as locate

        return locate(exc)
    except Exception:  # noqa: BLE001 -- a locator must not hide the real error
        return None


def source_operators(model: Any) -> list[str] | None:
    """Kinds of a torch source model's submodules (module classes; a synthetic spec's operator
    kinds): the source side of the suspicious-operator table. None for other frontends."""
    named = getattr(model, "named_modules", None)
    if named is None:
        return None
    try:
        from .localize.capture import module_label

        return sorted({module_label(m) for name, m in named() if name})
    except Exception:  # noqa: BLE001 -- coverage must never fail a case
        return None


def export_settings(case: dict[str, Any], outputs: int, source_names: list[str] | None = None) -> dict[str, Any]:
    """What the converter is asked for: the case's export settings, input names and output names
    (the case's, else the source model's own, else output_0, output_1, ...)."""
    settings = case["export"]
    input_names = [s["name"] for s in case["inputs"]]
    output_names = settings.get("outputNames") or source_names or ["output_%d" % i for i in range(outputs)]
    return dict(settings, inputNames=input_names, outputNames=output_names, timeoutS=case.get("timeoutS"))
