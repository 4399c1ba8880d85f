"""The `tensorflow` frontend: a TensorFlow function from a factory -- a tf.Module (or any callable
on tensors) traced as a tf.function for the case's input signature -- with references from
running that concrete function in TensorFlow. Saved as a SavedModel for command-line converters
(`python -m tf2onnx.convert --saved-model {source}`)."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import factories, tensors
from . import Source

NAME = "tensorflow"
NEEDS = ("tensorflow",)


def _tf() -> Any:
    import tensorflow as tf

    return tf


def describe() -> dict[str, Any]:
    return {"name": NAME, "version": _tf().__version__}


def prepare(threads: int) -> None:
    tf = _tf()
    tf.config.threading.set_intra_op_parallelism_threads(max(1, threads))
    tf.config.threading.set_inter_op_parallelism_threads(1)


def signature(case: dict[str, Any]) -> list[Any]:
    """tf.TensorSpec per input: its name and dtype, None on the axes the case declares dynamic."""
    tf = _tf()
    axes = (case.get("export") or {}).get("dynamicAxes") or {}
    specs = []
    for spec in case["inputs"]:
        dynamic = {int(a) for a in (axes.get(spec["name"]) or {})}
        shape = [None if i in dynamic else int(d) for i, d in enumerate(spec["shape"])]
        specs.append(tf.TensorSpec(shape, tf.as_dtype(spec["dtype"]), name=spec["name"]))
    return specs


def build(case: dict[str, Any]) -> Source:
    tf = _tf()
    spec = case["model"]
    tf.random.set_seed(int(case["seed"]))
    module = factories.resolve(spec["factory"])(**(spec.get("kwargs") or {}))
    specs = signature(case)
    function = tf.function(module.__call__ if isinstance(module, tf.Module) else module, input_signature=specs)
    concrete = function.get_concrete_function()
    sets = tensors.make_numpy_input_sets(case)
    return Source(model=function, input_sets=sets, numpy_inputs=sets, extra={"module": module, "concrete": concrete})


def reference(source: Source) -> list[list[np.ndarray]]:
    tf = _tf()
    out = []
    for inputs in source.input_sets:
        result = source.extra["concrete"](*[tf.constant(x) for x in inputs])
        out.append([np.asarray(t.numpy()) for t in tf.nest.flatten(result)])
    return out


def save(source: Source, directory: str) -> str:
    """A SavedModel with the function as its serving signature."""
    tf = _tf()
    path = os.path.join(directory, "saved_model")
    module = source.extra["module"]
    holder = module if isinstance(module, tf.Module) else tf.Module()
    holder.serve = source.model
    tf.saved_model.save(holder, path, signatures=source.model.get_concrete_function())
    return path
