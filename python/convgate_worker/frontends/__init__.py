"""Source frontends: build the source model of a case and compute its reference outputs in the
source framework's own runtime (docs/converters.md).

A frontend module exposes
    NAME: str                       # what a case names in `frontend` ("torch", "onnx", ...)
    NEEDS: tuple[str, ...]          # packages (import names) it cannot work without
    def describe() -> dict          # {"name", "version", ...}: recorded in results
    def prepare(threads: int) -> None          # once per worker, before the first case
    def build(case: dict) -> Source            # stage "build": the model and native input sets
    def reference(source: Source) -> list[list[np.ndarray]]   # stage "reference", per input set
    def save(source: Source, directory: str) -> str
        # the model on disk in the framework's own format, for command-line converters
        # ({source} in --convert-cmd); returns the path

Registered in plugins.json, which the TypeScript side reads too (which converter takes which
frontend, what each needs and how to install it).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .. import plugins


@dataclass
class Source:
    """The source model of a case as a frontend built it."""

    model: Any
    #: Input sets in the framework's own tensor type (set 0: the export shapes).
    input_sets: list[list[Any]]
    #: The same inputs as numpy arrays (what is written to disk and fed to ONNX Runtime).
    numpy_inputs: list[list[Any]]
    #: Whatever else a frontend wants to keep between its stages.
    extra: dict[str, Any] = field(default_factory=dict)


def load(name: str) -> ModuleType:
    entry = plugins.frontend(name)
    return importlib.import_module(entry["module"])


def name_of(case: dict) -> str:
    """The frontend a case names; cases written before frontends existed are torch cases."""
    return str(case.get("frontend") or "torch")
