"""The `keras` frontend: a Keras 3 model from a factory, built by calling it once on set 0,
references from the model itself on whichever backend Keras runs (KERAS_BACKEND: the converter
sets it before Keras is imported, e.g. torch for Keras' own ONNX export).

Weights come from the case seed (keras.utils.set_random_seed); BatchNormalization layers get
trained-looking statistics, as torch models do (frontends/torch_models.py, real.py)."""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import factories, tensors
from . import Source

NAME = "keras"
NEEDS = ("keras",)


def _keras() -> Any:
    import keras

    return keras


def describe() -> dict[str, Any]:
    keras = _keras()
    return {"name": NAME, "version": keras.__version__, "backend": keras.backend.backend()}


def prepare(threads: int) -> None:
    keras = _keras()
    if keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(max(1, threads))
    elif keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(max(1, threads))
        tf.config.threading.set_inter_op_parallelism_threads(1)


def realistic_norm_statistics(model: Any, seed: int) -> None:
    """Fresh BatchNormalization layers have mean 0 / variance 1 / gamma 1 / beta 0, which hides
    converter bugs in how normalisation is folded; trained models never look like that."""
    rng = np.random.default_rng(seed + 7)
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if type(layer).__name__ != "BatchNormalization":
            continue
        n = int(layer.moving_mean.shape[0])
        layer.moving_mean.assign(((rng.random(n) - 0.5) * 0.4).astype("float32"))
        layer.moving_variance.assign((rng.random(n) * 0.8 + 0.6).astype("float32"))
        if layer.gamma is not None:
            layer.gamma.assign((rng.random(n) * 0.8 + 0.6).astype("float32"))
        if layer.beta is not None:
            layer.beta.assign(((rng.random(n) - 0.5) * 0.2).astype("float32"))


def call(model: Any, inputs: list[np.ndarray]) -> Any:
    return model(inputs[0] if len(inputs) == 1 else list(inputs), training=False)


def build(case: dict[str, Any]) -> Source:
    keras = _keras()
    spec = case["model"]
    keras.utils.set_random_seed(int(case["seed"]))
    model = factories.resolve(spec["factory"])(**(spec.get("kwargs") or {}))
    if not isinstance(model, keras.Model):
        raise TypeError("model.factory %r returned %s, expected a keras.Model" % (spec["factory"], type(model).__name__))
    sets = tensors.make_numpy_input_sets(case)
    call(model, sets[0])  # builds the weights (Keras' export needs a model that has been called)
    if spec.get("realisticNorms", True):
        realistic_norm_statistics(model, int(case["seed"]))
    return Source(model=model, input_sets=sets, numpy_inputs=sets)


def reference(source: Source) -> list[list[np.ndarray]]:
    keras = _keras()
    out = []
    for inputs in source.input_sets:
        flat = keras.tree.flatten(call(source.model, inputs))
        out.append([np.asarray(keras.ops.convert_to_numpy(t)) for t in flat])
    return out


def save(source: Source, directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "source.keras")
    source.model.save(path)
    return path
