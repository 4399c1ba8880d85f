"""Seeded example inputs, flattening of model outputs, and the on-disk tensor format.

Tensors are stored as raw little-endian C-order bytes (`<name>.bin`) described by
`tensors.json`, a format the TypeScript side reads without extra dependencies.
"""
import json
import os

import numpy as np
import torch

DTYPES = {
    "float32": torch.float32,
    "float64": torch.float64,
    "float16": torch.float16,
    "int8": torch.int8,
    "uint8": torch.uint8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}

DEFAULT_FLOAT_RANGE = (-1.0, 1.0)
DEFAULT_INT_RANGE = (0, 10)


def dtype_name(t):
    try:
        return DTYPE_NAMES[t.dtype]
    except KeyError:
        raise TypeError("tensor dtype %s is not supported by convgate's tensor format" % t.dtype)


def make_input(spec, shape, generator):
    """One seeded tensor for an input spec ({name, dtype, shape, range}) at `shape`."""
    dtype = DTYPES[spec["dtype"]]
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    if dtype.is_floating_point:
        lo, hi = spec.get("range") or DEFAULT_FLOAT_RANGE
        x = torch.rand(shape, generator=generator, dtype=torch.float64) * (hi - lo) + lo
        return x.to(dtype)
    lo, hi = spec.get("range") or DEFAULT_INT_RANGE
    # range is inclusive of lo, exclusive of hi (like torch.randint)
    return torch.randint(int(lo), int(hi), shape, generator=generator, dtype=torch.int64).to(dtype)


def make_input_sets(case):
    """Set 0 at the export shapes; one more set per entry of case['inputSets'] (shape overrides)."""
    specs = case["inputs"]
    overrides = [{}] + list(case.get("inputSets") or [])
    sets = []
    for index, override in enumerate(overrides):
        generator = torch.Generator().manual_seed(int(case["seed"]) * 1000 + index)
        sets.append([make_input(s, list(override.get(s["name"], s["shape"])), generator) for s in specs])
    return sets


def flatten_outputs(out):
    """Flatten nested model outputs in the order torch.onnx.export lays them out."""
    flat = []

    def walk(o):
        if isinstance(o, torch.Tensor):
            flat.append(o)
        elif isinstance(o, (list, tuple)):
            for item in o:
                walk(item)
        elif isinstance(o, dict):
            for item in o.values():
                walk(item)
        elif o is None or isinstance(o, (int, float, bool, str)):
            pass  # non-tensor outputs are not part of the exported graph
        else:
            raise TypeError("unsupported model output type %s" % type(o).__name__)

    walk(out)
    return flat


def write_tensor(directory, file_name, name, t):
    t = t.detach().cpu().contiguous()
    dtype = dtype_name(t)
    array = t.numpy()
    if dtype == "bool":
        array = array.astype(np.uint8)
    array.astype(array.dtype.newbyteorder("<"), copy=False).tofile(os.path.join(directory, file_name))
    return {"name": name, "dtype": dtype, "shape": list(t.shape), "file": file_name}


def write_sets(case_dir, input_names, output_names, input_sets, reference_sets):
    """Write every input/reference set and the tensors.json manifest that describes them."""
    manifest = {"sets": []}
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
