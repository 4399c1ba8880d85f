"""torch.onnx.export(dynamo=True): torch.export captures the program, torch decomposes it, and
onnxscript's torchlib translates every node (the default exporter since torch 2.9).

Steps, in the exporter's own order: capture (torch.export), decomposition (run_decompositions,
type promotion), translation (node conversion by torchlib), version-conversion (the exporter
builds at its own opset -- torchlib's, 18 -- and converts down to a lower requested opset),
optimization (onnxscript's optimizer) and serialization (saving the protobuf)."""
from __future__ import annotations

import copy
import inspect
from typing import Any

from . import Failure

NAME = "torch.onnx.dynamo"
EXPORTER = "dynamo"


def _onnxscript_version() -> str | None:
    try:
        import onnxscript

        return onnxscript.__version__
    except ImportError:
        return None


def _torchlib_opset() -> int | None:
    try:
        from torch.onnx._internal.exporter import _constants

        return _constants.TORCHLIB_OPSET
    except ImportError:
        return None


def _check_available() -> None:
    import torch  # imported where used: the step rules (steps) work without torch
    if "dynamo" not in inspect.signature(torch.onnx.export).parameters:
        raise RuntimeError(
            "torch %s has no dynamo exporter (torch.onnx.export(dynamo=True) needs torch >= 2.5)" % torch.__version__
        )
    if _onnxscript_version() is None:
        raise RuntimeError("the dynamo exporter needs onnxscript, which is not installed")


_REGISTRIES: dict[Any, Any] = {}
_CACHING = False


def _cache_registry() -> bool:
    """torch.onnx.export(dynamo=True) rebuilds onnxscript's torchlib registry on every call
    (ONNXRegistry.from_torchlib: 0.4 s CPU, more than half of a small model's export). The
    registry depends only on the opset and on the torchlib code loaded in this process, so the
    worker builds it once per opset and hands every export a copy (its own function lists: no
    case sees another's registrations). Recorded as describe()["registryCache"]; a torch without
    this internal keeps the exporter's own behaviour."""
    global _CACHING
    try:
        from torch.onnx._internal.exporter import _registration
    except ImportError:
        return False
    cls = _registration.ONNXRegistry
    build = getattr(cls.from_torchlib, "__func__", None)
    if build is None or not hasattr(cls(), "functions"):
        return False

    def from_torchlib(klass: Any, *args: Any, **kwargs: Any) -> Any:
        key = (klass, args, tuple(sorted(kwargs.items())))
        if key not in _REGISTRIES:
            _REGISTRIES[key] = build(klass, *args, **kwargs)
        cached = _REGISTRIES[key]
        registry = copy.copy(cached)
        registry.functions = {name: list(decomps) for name, decomps in cached.functions.items()}
        return registry

    cls.from_torchlib = classmethod(from_torchlib)
    _CACHING = True
    return True


def describe() -> dict[str, Any]:
    import torch  # imported where used: the step rules (steps) work without torch

    from . import dynamo_cache

    _check_available()
    if not _CACHING:
        _cache_registry()
    caches = dynamo_cache.install()
    from torch.onnx import _constants

    return {
        "name": NAME,
        "version": torch.__version__,
        "exporter": EXPORTER,
        "onnxscript": _onnxscript_version(),
        "module": torch.onnx.__file__,
        "defaultOpset": getattr(_constants, "ONNX_DEFAULT_OPSET", None),
        "buildOpset": _torchlib_opset(),
        "registryCache": _CACHING,
        "exportCaches": caches,
    }


def supported_opsets() -> tuple[int, int]:
    from torch.onnx import _constants

    return (getattr(_constants, "ONNX_MIN_OPSET", 7), getattr(_constants, "ONNX_MAX_OPSET", 23))


def export(model: Any, args: Any, path: str, settings: dict[str, Any]) -> dict[str, Any]:
    import torch  # imported where used: the step rules (steps) work without torch

    from . import captures
    from .torch_onnx import dynamic_axes

    opset = settings["opset"]
    axes = dynamic_axes(settings)
    # A gate may hand over the baseline's torch.export capture of this case (captures.py).
    program = captures.load(settings)

    def run(source: Any, shapes: dict[str, Any]) -> None:
        torch.onnx.export(
            source,
            tuple(args),
            path,
            dynamo=True,
            opset_version=opset,
            input_names=settings["inputNames"],
            output_names=settings["outputNames"],
            dynamic_axes=axes,
            do_constant_folding=settings.get("constantFolding", True),
            **shapes,
        )

    reused = False
    if program is not None:
        try:
            run(program, {"dynamic_shapes": captures.dynamic_shapes(model, args, settings, axes)})
            reused = True
        except Exception:  # noqa: BLE001 -- see below
            # A saved-and-loaded program is not always what the exporter captures afresh (e.g.
            # fake_quantize_* fails to decompose after torch.export.load): reuse must never make a
            # case fail, so a failed export from the capture is repeated from the model, and
            # whatever that gives is the result.
            pass
    if not reused:
        with captures.saving(settings):
            run(model, {})
    built = _torchlib_opset()
    return {
        "opsetBuilt": built if built is not None and opset is not None and opset < built else opset,
        **({"captureReused": True} if reused else {}),
    }


def warm_up() -> None:
    """One tiny export, so the exporter's first-call imports and caches exist before the first case."""
    import os
    import tempfile
    import warnings

    import torch  # imported where used: the step rules (steps) work without torch

    describe()  # installs the registry and export caches, so that this export fills them
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export(model.eval(), (torch.ones(2, 4),), os.path.join(tmp, "warm.onnx"),
               {"opset": None, "inputNames": ["x"], "outputNames": ["y"]})


def coverage() -> Any:
    """Records which torchlib functions the ONNX registry dispatched each export to (docs/coverage.md)."""
    from ..surface.dynamo import DispatchRecorder

    return DispatchRecorder()


def _core_step(text: str) -> str | None:
    """The exporter's ConversionError says which of its steps failed in its message."""
    if "This is step 1/3" in text or "Failed to export the model with torch.export" in text:
        return "capture"
    if "This is step 2/3" in text or "Failed to decompose" in text:
        return "decomposition"
    if "This is step 3/3" in text or "Failed to convert the exported program" in text:
        return "translation"
    return None


def steps(f: Failure) -> str | None:
    if f.type_name == "TorchExportError":
        return "capture"
    step = _core_step(f.message) if f.type_name in ("ConversionError", "DispatchError", "GraphConstructionError") else None
    if step:
        return step
    functions, files = f.functions, f.files
    if any(fn == "save" and "/_onnx_program.py" in name for name, fn in f.frames) or "save_model_with_external_data" in functions:
        return "serialization"
    if "convert_version" in functions:
        return "version-conversion"
    if "optimize" in functions or any("/onnxscript/optimizer/" in name or "/onnxscript/rewriter/" in name for name in files):
        return "optimization"
    if "_exported_program_to_onnx_program" in functions or any("/onnxscript/function_libs/" in name for name in files):
        return "translation"
    if "_prepare_exported_program_for_export" in functions or "run_decompositions" in functions:
        return "decomposition"
    if any("/torch/export/" in name or "/torch/_dynamo/" in name for name in files):
        return "capture"
    if "from_dynamic_axes_to_dynamic_shapes" in functions:
        return "capture"
    return None


def failure_step(exc: BaseException) -> str | None:
    return steps(Failure.of(exc))
