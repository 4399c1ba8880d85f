"""The on-disk tensor format: raw little-endian C-order bytes (`<name>.bin`) described by
`tensors.json`, which the TypeScript side reads without extra dependencies. Frontends hand over
numpy arrays; seeded numpy inputs for frontends without a generator of their own."""
from __future__ import annotations

import json
import os
from typing import Any, Sequence

import numpy as np

from . import dtypes

DEFAULT_FLOAT_RANGE = (-1.0, 1.0)
DEFAULT_INT_RANGE = (0, 10)


def make_numpy_input(spec: dict[str, Any], shape: list[int], rng: np.random.Generator) -> np.ndarray:
    """One seeded array for an input spec ({name, dtype, shape, range}): floats uniform in
    [lo, hi), ints uniform in [lo, hi), bools fair coins."""
    name = dtypes.check(spec["dtype"])
    if name == "bool":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    if dtypes.is_float(name):
        lo, hi = spec.get("range") or DEFAULT_FLOAT_RANGE
        return (rng.random(size=shape, dtype=np.float64) * (hi - lo) + lo).astype(dtypes.numpy_dtype(name))
    lo, hi = spec.get("range") or DEFAULT_INT_RANGE
    return rng.integers(int(lo), int(hi), size=shape, dtype=np.int64).astype(dtypes.numpy_dtype(name))


def make_numpy_input_sets(case: dict[str, Any]) -> list[list[np.ndarray]]:
    """Set 0 at the export shapes; one more set per entry of case['inputSets'] (shape overrides)."""
    overrides = [{}] + list(case.get("inputSets") or [])
    sets = []
    for index, override in enumerate(overrides):
        rng = np.random.default_rng(int(case["seed"]) * 1000 + index)
        sets.append([make_numpy_input(s, list(override.get(s["name"], s["shape"])), rng) for s in case["inputs"]])
    return sets


def write_tensor(directory: str, file_name: str, name: str, array: np.ndarray) -> dict[str, Any]:
    array = np.asarray(array)
    if not array.flags.c_contiguous:
        array = array.copy(order="C")  # (np.ascontiguousarray would turn a scalar into shape [1])
    dtype = dtypes.name_of(array.dtype)
    if dtype == "bool":
        array = array.astype(np.uint8)
    array.astype(array.dtype.newbyteorder("<"), copy=False).tofile(os.path.join(directory, file_name))
    return {"name": name, "dtype": dtype, "shape": list(array.shape), "file": file_name}


def write_sets(
    case_dir: str,
    input_names: Sequence[str],
    output_names: Sequence[str],
    input_sets: Sequence[Sequence[np.ndarray]],
    reference_sets: Sequence[Sequence[np.ndarray]],
) -> dict[str, Any]:
    """Write every input/reference set and the tensors.json manifest that describes them."""
    manifest: dict[str, Any] = {"sets": []}
    for k, (inputs, refs) in enumerate(zip(input_sets, reference_sets)):
        sub = "set%d" % k
        directory = os.path.join(case_dir, "tensors", sub)
        os.makedirs(directory, exist_ok=True)
        manifest["sets"].append(
            {
                "inputs": [
                    dict(write_tensor(directory, "in_%d.bin" % i, n, t), file="%s/in_%d.bin" % (sub, i))
                    for i, (n, t) in enumerate(zip(input_names, inputs))
                ],
                "outputs": [
                    dict(write_tensor(directory, "ref_%d.bin" % i, n, t), file="%s/ref_%d.bin" % (sub, i))
                    for i, (n, t) in enumerate(zip(output_names, refs))
                ],
            }
        )
    with open(os.path.join(case_dir, "tensors", "tensors.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
    return manifest
