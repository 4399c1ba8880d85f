"""Keras 3's own ONNX export, `model.export(path, format="onnx")`, on the backend Keras runs.

On the torch backend (the default here: KERAS_BACKEND=torch) Keras calls torch.onnx.export:
first the dynamo exporter for static shapes, and -- silently -- the TorchScript exporter when that
fails or when an input has a dynamic axis. The converter observes which exporter produced the
file and reports a dynamo failure Keras swallowed as a warning. On the TensorFlow backend Keras
calls tf2onnx (which must be installed). Steps: those of the torch exporter that ran
(capture/translation/... or trace/symbolic/...), `tf2onnx` on TensorFlow, `keras` otherwise."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from . import Failure

NAME = "keras.onnx"
EXPORTER = "keras.export"


def _keras() -> Any:
    import keras

    return keras


def backend() -> str:
    """Keras' backend: KERAS_BACKEND (the worker sets torch unless the user chose another), read
    without importing Keras (which fails when the backend's package is missing)."""
    import os

    return os.environ.get("KERAS_BACKEND", "tensorflow")


def requires() -> list[str]:
    """Packages this converter needs on the backend Keras runs (checked at worker start)."""
    return {"torch": ["torch", "onnx"], "tensorflow": ["tensorflow", "tf2onnx"], "jax": ["jax", "tf2onnx"]}.get(backend(), [])


def describe() -> dict[str, Any]:
    keras = _keras()
    out: dict[str, Any] = {"name": NAME, "version": keras.__version__, "exporter": EXPORTER, "backend": backend()}
    if backend() == "torch":
        import torch
        from torch.onnx import _constants

        out["torch"] = torch.__version__
        out["defaultOpset"] = getattr(_constants, "ONNX_DEFAULT_OPSET", None)
    return out


def supported_opsets() -> tuple[int, int]:
    if backend() == "torch":
        from torch.onnx import _constants

        return (getattr(_constants, "ONNX_MIN_OPSET", 7), getattr(_constants, "ONNX_MAX_OPSET", 23))
    import onnx

    return (9, onnx.defs.onnx_opset_version())


def input_signature(settings: dict[str, Any], args: list[Any]) -> list[Any]:
    """One keras.InputSpec per case input: its name (the ONNX input name) and dtype, the shape of
    set 0 with None on the axes the case declares dynamic. Keras takes a multi-input model's
    signature as one nested list ([[spec_a, spec_b]])."""
    keras = _keras()
    axes = settings.get("dynamicAxes") or {}
    specs = []
    for name, array in zip(settings["inputNames"], args):
        dynamic = {int(a) for a in (axes.get(name) or {})}
        shape = tuple(None if i in dynamic else int(d) for i, d in enumerate(array.shape))
        specs.append(keras.InputSpec(shape=shape, dtype=str(array.dtype), name=name))
    return specs if len(specs) == 1 else [specs]


@contextmanager
def observed_torch_exports(seen: list[dict[str, Any]]) -> Iterator[None]:
    """Records each torch.onnx.export call Keras makes (dynamo or not, and how it ended) without
    changing it: Keras catches a failed dynamo export and retries with TorchScript."""
    import torch.onnx

    original = torch.onnx.export

    def export(*a: Any, **kw: Any) -> Any:
        entry: dict[str, Any] = {"dynamo": bool(kw.get("dynamo"))}
        seen.append(entry)
        try:
            return original(*a, **kw)
        except BaseException as exc:
            entry["error"] = "%s: %s" % (type(exc).__name__, str(exc).strip().splitlines()[0][:300] if str(exc).strip() else "")
            raise

    torch.onnx.export = export
    try:
        yield
    finally:
        torch.onnx.export = original


def export(model: Any, args: Any, path: str, settings: dict[str, Any]) -> dict[str, Any]:
    import warnings

    seen: list[dict[str, Any]] = []
    signature = input_signature(settings, list(args))
    if backend() != "torch":
        model.export(path, format="onnx", verbose=False, input_signature=signature, opset_version=settings.get("opset"))
        return {}
    with observed_torch_exports(seen):
        model.export(path, format="onnx", verbose=False, input_signature=signature, opset_version=settings.get("opset"))
    used = "dynamo" if seen and seen[-1]["dynamo"] else "torchscript"
    for entry in seen[:-1]:
        if entry.get("error"):
            warnings.warn(
                "keras.onnx: the dynamo exporter failed (%s); Keras fell back to the TorchScript exporter" % entry["error"],
                stacklevel=2,
            )
    return {"exporter": used}


def steps(f: Failure) -> str | None:
    if backend() == "torch":
        from . import torch_onnx, torch_onnx_dynamo

        return torch_onnx.steps(f) or torch_onnx_dynamo.steps(f) or "keras"
    if any("/tf2onnx/" in name for name in f.files):
        from . import tf2onnx

        return tf2onnx.steps(f)
    return "keras"


def failure_step(exc: BaseException) -> str | None:
    return steps(Failure.of(exc))
