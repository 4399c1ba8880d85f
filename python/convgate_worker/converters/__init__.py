"""Converters: one module per converter under test, all with the same contract (docs/converters.md).

A converter module exposes
    NAME: str
    def describe() -> {"name", "version", "exporter", "defaultOpset", ...}   # recorded in results
    def supported_opsets() -> (min, max)
    def export(model, args, path, settings) -> dict | None
        `model` and `args` are a frontend's Source.model and first input set (native tensors);
        writes the ONNX file at `path`; settings = {opset, dynamicAxes, constantFolding,
        inputNames, outputNames, timeoutS, source (a callable saving the model on disk, for
        command-line converters)}. May return {"opsetBuilt": n} when the converter built the
        graph at another opset than the one it wrote (the dynamo exporter builds at its own
        opset and converts down).
    def failure_step(exc) -> str | None
        the converter's own step an export exception came from (e.g. "capture", "translation"),
        so gate reports and triage labels can say which component broke; None when unknown.
        Converters write it as steps(Failure) -> str | None over the exception's type name,
        message and (file, function) frames, so a command-line converter's parsed stderr is
        classified by the same rules (converters/command.py).
    def requires() -> list[str]                             # optional
        packages needed beyond plugins.json's `needs`, decided at start-up (Keras' backend).
    def warm_up() -> None                                   # optional
        called once before the worker reports ready (e.g. one tiny export), so first-call
        imports and caches are paid at start-up and frozen with the rest of the worker's heap.
    def coverage() -> recorder   (optional)
        a surface recorder (convgate_worker/surface): which of the converter's translation
        functions each export ran, and which it registers; absent = "not measured".

Which frontends a converter takes and what it needs are in plugins.json.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from .. import plugins


def load(name: str) -> ModuleType:
    return importlib.import_module(plugins.converter(name)["module"])


@dataclass(frozen=True)
class Failure:
    """What a step classifier sees of a failed export: the exception's type name (unqualified),
    its message, and the (filename, function) of every frame, innermost last."""

    type_name: str
    message: str
    frames: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, exc: BaseException) -> "Failure":
        return cls(type(exc).__name__, str(exc), tuple(frames(exc)))

    @property
    def functions(self) -> list[str]:
        return [fn for _, fn in self.frames]

    @property
    def files(self) -> list[str]:
        return [f for f, _ in self.frames]


def frames(exc: BaseException | None) -> list[tuple[str, str]]:
    """(filename, function) of every frame of an exception and of the exceptions it chains."""
    seen = set()
    out = []
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            out.append((code.co_filename.replace("\\", "/"), code.co_name))
            tb = tb.tb_next
        exc = exc.__cause__ or exc.__context__
    return out
