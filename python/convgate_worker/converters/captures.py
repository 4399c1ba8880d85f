"""Reuse of torch.export captures between the two sides of a gate (the dynamo exporter).

The dynamo exporter's first step, torch.export, depends only on the model and on torch, not on
onnxscript. When a gate compares two builds that differ only after the capture (an onnxscript
pull request), the baseline saves each case's captured ExportedProgram (torch.export.save) and the
candidate loads it and runs the exporter from decomposition onward.

A capture is stored under a key made of
  - the torch build: version, the commit it was built from (torch.version.git_version) and a
    fingerprint of torch's installed files (path, size, mtime), so a rebuilt or patched torch
    never reuses another build's programs;
  - the model libraries' versions (torchvision, transformers, timm, numpy) and Python's;
  - the convgate worker: a hash of its own Python sources (model factories, synthetic interpreter);
  - the case: a hash of the resolved case the worker received.
Set by convgate through the environment: CONVGATE_CAPTURES=save:<dir> (baseline) or
reuse:<dir> (candidate). Anything that goes wrong while saving or loading falls back to the full
export, and so does an export that fails from a loaded capture (torch_onnx_dynamo.export): reuse
may only ever save time, never change an outcome.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from typing import Any, Iterator

ENV = "CONVGATE_CAPTURES"
_KEYS: dict[str, str] = {}


def mode() -> tuple[str, str] | None:
    """("save" | "reuse", directory) from CONVGATE_CAPTURES, or None."""
    value = os.environ.get(ENV, "")
    kind, _, directory = value.partition(":")
    if kind in ("save", "reuse") and directory:
        return kind, directory
    return None


def _digest(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _tree_fingerprint(root: str, suffixes: tuple[str, ...]) -> list[tuple[str, int, int]]:
    rows = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(suffixes):
                st = os.stat(os.path.join(folder, name))
                rows.append((os.path.relpath(os.path.join(folder, name), root), st.st_size, st.st_mtime_ns))
    return rows


def torch_build_key() -> str:
    """Which torch build this is: equal only for the same installed files of the same build."""
    if "torch" not in _KEYS:
        import torch

        root = os.path.dirname(os.path.realpath(torch.__file__))
        _KEYS["torch"] = _digest(
            [torch.__version__, getattr(torch.version, "git_version", None), _tree_fingerprint(root, (".py", ".so"))]
        )
    return _KEYS["torch"]


def worker_key() -> str:
    """The model-building code: convgate's worker sources and the model libraries' versions."""
    if "worker" not in _KEYS:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        sources = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json")):
                    with open(os.path.join(folder, name), "rb") as f:
                        sources.append((os.path.relpath(os.path.join(folder, name), root), hashlib.sha256(f.read()).hexdigest()))
        _KEYS["worker"] = _digest([sources, [_library(n) for n in ("torchvision", "transformers", "timm", "numpy")], sys.version])
    return _KEYS["worker"]


def _library(name: str) -> tuple[str, str | None, str | None]:
    """A model library's installed version and where it would be imported from, without importing
    it (a module's own __version__ can change once imported, e.g. torchvision's local label)."""
    try:
        version = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        version = None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    return name, version, spec.origin if spec is not None else None


def case_key(case: dict[str, Any]) -> str:
    return _digest(case)


def path_for(directory: str, case_hash: str) -> str:
    return os.path.join(directory, torch_build_key(), worker_key(), case_hash + ".pt2")


def load(settings: dict[str, Any]) -> Any:
    """The baseline's capture of this case when reusing and one exists for this torch build."""
    m = mode()
    if m is None or m[0] != "reuse" or not settings.get("caseHash"):
        return None
    path = path_for(m[1], settings["caseHash"])
    if not os.path.exists(path):
        return None
    import torch

    try:
        return torch.export.load(path)
    except Exception:  # noqa: BLE001 -- an unreadable capture means a full export, not a failure
        return None


@contextlib.contextmanager
def saving(settings: dict[str, Any]) -> Iterator[None]:
    """Saves the exporter's capture of this case (when saving), as soon as torch.export made it."""
    m = mode()
    if m is None or m[0] != "save" or not settings.get("caseHash"):
        yield
        return
    try:
        from torch.onnx._internal.exporter import _capture_strategies
    except ImportError:
        yield
        return
    cls = _capture_strategies.CaptureStrategy
    original = cls.__call__
    path = path_for(m[1], settings["caseHash"])
    saved: list[bool] = []

    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        program = getattr(result, "exported_program", None)
        if program is not None and not saved:
            saved.append(True)
            _save(program, path)
        return result

    cls.__call__ = call
    try:
        yield
    finally:
        cls.__call__ = original


def _save(program: Any, path: str) -> None:
    import torch

    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = "%s.%d.tmp" % (path, os.getpid())
    try:
        torch.export.save(program, partial)
        os.replace(partial, path)
    except Exception:  # noqa: BLE001 -- a program torch cannot save is simply not reused
        with contextlib.suppress(OSError):
            os.remove(partial)


def dynamic_shapes(model: Any, args: Any, settings: dict[str, Any], dynamic_axes: Any) -> Any:
    """The dynamic shapes the exporter derives from dynamic_axes (its dimension names end up in
    the ONNX inputs): given with a reused program so the model is named as after a full export."""
    if not dynamic_axes:
        return None
    try:
        from torch.onnx._internal.exporter import _dynamic_shapes

        shapes, _, _ = _dynamic_shapes.from_dynamic_axes_to_dynamic_shapes(
            model,
            tuple(args),
            {},
            dynamic_axes=dynamic_axes,
            input_names=settings["inputNames"],
            output_names=set(settings["outputNames"] or ()),
        )
        return shapes
    except Exception:  # noqa: BLE001 -- without names the axes keep torch.export's own names
        return None
