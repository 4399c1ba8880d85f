"""tf2onnx (github.com/onnx/tensorflow-onnx) through its Python API: a TensorFlow function
(`tensorflow` frontend: tf2onnx.convert.from_function) or a Keras model on the TensorFlow backend
(`keras` frontend: tf2onnx.convert.from_keras), at the requested opset.

tf2onnx is not on this machine's wheel indexes; where it is installed, this converter runs it.
Steps, in tf2onnx's own order: freeze (the function's graph with variables folded to constants,
tf_loader), tf-optimize (grappler passes on the frozen graph), op-conversion (the per-op handlers
in tf2onnx/onnx_opset, process_tf_graph), rewrite (tf2onnx/rewriter: LSTM/GRU/loops/...),
onnx-optimize (tf2onnx/optimizer) and serialization (the protobuf)."""
from __future__ import annotations

from typing import Any

from . import Failure

NAME = "tf2onnx"
EXPORTER = "tf2onnx"


def _tf2onnx() -> Any:
    import tf2onnx

    return tf2onnx


def describe() -> dict[str, Any]:
    import tensorflow as tf

    tf2onnx = _tf2onnx()
    return {
        "name": NAME,
        "version": tf2onnx.__version__,
        "exporter": EXPORTER,
        "tensorflow": tf.__version__,
        "defaultOpset": getattr(getattr(tf2onnx, "constants", None), "PREFERRED_OPSET", None),
    }


def supported_opsets() -> tuple[int, int]:
    tf2onnx = _tf2onnx()
    from tf2onnx import constants

    top = max(getattr(constants, "OPSET_TO_IR_VERSION", {15: 8}).keys())
    del tf2onnx
    return (7, int(top))


def tensor_specs(settings: dict[str, Any], args: list[Any]) -> list[Any]:
    """One tf.TensorSpec per case input: its name, dtype, and the shape of set 0 with None on the
    axes the case declares dynamic."""
    import tensorflow as tf

    axes = settings.get("dynamicAxes") or {}
    specs = []
    for name, array in zip(settings["inputNames"], args):
        dynamic = {int(a) for a in (axes.get(name) or {})}
        shape = [None if i in dynamic else int(d) for i, d in enumerate(array.shape)]
        specs.append(tf.TensorSpec(shape, tf.as_dtype(array.dtype), name=name))
    return specs


def export(model: Any, args: Any, path: str, settings: dict[str, Any]) -> dict[str, Any]:
    tf2onnx = _tf2onnx()
    specs = tuple(tensor_specs(settings, list(args)))
    opset = settings.get("opset")
    if hasattr(model, "get_concrete_function"):  # the tensorflow frontend's tf.function
        tf2onnx.convert.from_function(model, input_signature=specs, opset=opset, output_path=path)
    else:  # a Keras model on the TensorFlow backend
        tf2onnx.convert.from_keras(model, input_signature=specs, opset=opset, output_path=path)
    return {}


# (a function in the traceback, or a folder of tf2onnx, step): the innermost match wins.
_FUNCTIONS = (
    ("from_function", "freeze"),
    ("from_keras", "freeze"),
    ("convert_variables_to_constants_v2", "freeze"),
    ("from_trackable", "freeze"),
    ("tf_optimize", "tf-optimize"),
    ("tf_optimize_grappler", "tf-optimize"),
    ("process_tf_graph", "op-conversion"),
    ("process_parsed_graph", "op-conversion"),
    ("tensorflow_onnx_mapping", "op-conversion"),
    ("run_rewriters", "rewrite"),
    ("optimize_graph", "onnx-optimize"),
    ("make_model", "serialization"),
    ("save_protobuf", "serialization"),
    ("save_onnx_model", "serialization"),
)
_FOLDERS = (
    ("/tf2onnx/onnx_opset/", "op-conversion"),
    ("/tf2onnx/rewriter/", "rewrite"),
    ("/tf2onnx/optimizer/", "onnx-optimize"),
    ("/tf2onnx/tf_loader.py", "freeze"),
)


def steps(f: Failure) -> str | None:
    step = None
    for filename, function in f.frames:
        for fn, s in _FUNCTIONS:
            if function == fn:
                step = s
        for folder, s in _FOLDERS:
            if folder in filename:
                step = s
    if step is None and ("Unsupported ops" in f.message or "is not supported" in f.message):
        return "op-conversion"
    if step is None and any("/tf2onnx/" in name for name in f.files):
        return "tf2onnx"
    return step


def failure_step(exc: BaseException) -> str | None:
    return steps(Failure.of(exc))
