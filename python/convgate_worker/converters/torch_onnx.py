"""torch.onnx.export with the TorchScript-based exporter (`dynamo=False` on torch >= 2.5, the only
exporter before). Steps: trace (torch.jit tracing of the model), graph-passes (ONNX-preparation
JIT passes), symbolic (node-by-node conversion to ONNX), optimization (constant folding and
cleanup passes) and serialization (the protobuf)."""
from __future__ import annotations

import inspect
from typing import Any

from . import Failure

NAME = "torch.onnx"
EXPORTER = "torchscript"


def _constants() -> Any:
    from torch.onnx import _constants

    return _constants


def _has_dynamo_flag() -> bool:
    import torch  # imported where used: the step rules (steps) work without torch
    try:
        return "dynamo" in inspect.signature(torch.onnx.export).parameters
    except (TypeError, ValueError):
        return False


def describe() -> dict[str, Any]:
    import torch  # imported where used: the step rules (steps) work without torch
    c = _constants()
    return {
        "name": NAME,
        "version": torch.__version__,
        "exporter": EXPORTER,
        "module": torch.onnx.__file__,
        "defaultOpset": getattr(c, "ONNX_DEFAULT_OPSET", None),
    }


def supported_opsets() -> tuple[int, int]:
    c = _constants()
    top = getattr(c, "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", None) or getattr(c, "ONNX_MAX_OPSET", 17)
    return (int(getattr(c, "ONNX_MIN_OPSET", 7)), int(top or 17))


def dynamic_axes(settings: dict[str, Any]) -> dict[str, Any] | None:
    """JSON object keys are strings; torch wants {input_name: {axis_int: axis_name}}."""
    axes = settings.get("dynamicAxes") or None
    if not axes:
        return None
    return {name: {int(axis): label for axis, label in dims.items()} if isinstance(dims, dict) else list(dims)
            for name, dims in axes.items()}


def export(model: Any, args: Any, path: str, settings: dict[str, Any]) -> None:
    import torch  # imported where used: the step rules (steps) work without torch
    # Called the way users call it: no torch.no_grad() around it (under no_grad, eval-mode
    # nn.MultiheadAttention takes a fused kernel the TorchScript exporter cannot convert).
    extra: dict[str, Any] = {"dynamo": False} if _has_dynamo_flag() else {}
    torch.onnx.export(
        model,
        tuple(args),
        path,
        opset_version=settings["opset"],
        input_names=settings["inputNames"],
        output_names=settings["outputNames"],
        dynamic_axes=dynamic_axes(settings),
        do_constant_folding=settings.get("constantFolding", True),
        **extra,
    )
    return None


def coverage() -> Any:
    """Records which symbolic functions of the registry each export ran (docs/coverage.md)."""
    from ..surface.torchscript import SymbolicRecorder

    return SymbolicRecorder()


# (function name in the traceback, step); the deepest match wins.
_STEPS = (
    ("_create_jit_graph", "trace"),
    ("_trace_and_get_graph_from_model", "trace"),
    ("_get_trace_graph", "trace"),
    ("_pre_trace_quant_model", "trace"),
    ("_optimize_graph", "graph-passes"),
    ("_run_symbolic_function", "symbolic"),
    ("_jit_pass_onnx", "symbolic"),
    ("_jit_pass_onnx_graph_shape_type_inference", "optimization"),
    ("_jit_pass_onnx_constant_fold", "optimization"),
    ("_export_onnx", "serialization"),
    ("_add_onnxscript_fn", "serialization"),
)


def steps(f: Failure) -> str | None:
    if f.type_name in ("UnsupportedOperatorError", "SymbolicValueError"):
        return "symbolic"
    step = None
    for filename, function in f.frames:
        for fn, s in _STEPS:
            if function == fn:
                step = s
        if "/torch/jit/" in filename and step is None:
            step = "trace"
    if step is None and any("/torch/onnx/" in name for name in f.files):
        step = "export"
    return step


def failure_step(exc: BaseException) -> str | None:
    return steps(Failure.of(exc))
