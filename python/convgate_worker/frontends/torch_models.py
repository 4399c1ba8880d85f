"""The `torch` frontend: a torch.nn.Module from a factory (real corpus) or a synthetic graph spec,
seeded torch inputs, references from eager PyTorch in eval mode under no_grad."""
from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from .. import dtypes
from . import Source

NAME = "torch"
NEEDS = ("torch",)

DEFAULT_FLOAT_RANGE = (-1.0, 1.0)
DEFAULT_INT_RANGE = (0, 10)


def describe() -> dict[str, Any]:
    return {"name": NAME, "version": torch.__version__}


def prepare(threads: int) -> None:
    torch.set_num_threads(max(1, threads))


def make_input(spec: dict[str, Any], shape: list[int], generator: torch.Generator) -> torch.Tensor:
    """One seeded tensor for an input spec ({name, dtype, shape, range, layout}) at `shape`."""
    return with_layout(_values(spec, shape, generator), spec.get("layout"))


def with_layout(x: torch.Tensor, layout: str | None) -> torch.Tensor:
    """The same values in another memory layout: channels-last (rank 4), or non-contiguous (a
    transposed view of a tensor stored the other way round)."""
    if layout == "channels-last" and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    if layout == "non-contiguous" and x.dim() >= 2:
        return x.transpose(0, 1).contiguous().transpose(0, 1)
    return x


def _values(spec: dict[str, Any], shape: list[int], generator: torch.Generator) -> torch.Tensor:
    name = dtypes.check(spec["dtype"])
    dtype = dtypes.torch_dtype(name)
    if name == "bool":
        return torch.randint(0, 2, shape, generator=generator).bool()
    if dtypes.is_float(name):
        lo, hi = spec.get("range") or DEFAULT_FLOAT_RANGE
        x = torch.rand(shape, generator=generator, dtype=torch.float64) * (hi - lo) + lo
        return x.to(dtype)
    lo, hi = spec.get("range") or DEFAULT_INT_RANGE
    # range is inclusive of lo, exclusive of hi (like torch.randint)
    return torch.randint(int(lo), int(hi), shape, generator=generator, dtype=torch.int64).to(dtype)


def make_input_sets(case: dict[str, Any]) -> list[list[torch.Tensor]]:
    """Set 0 at the export shapes; one more set per entry of case['inputSets'] (shape overrides)."""
    specs = case["inputs"]
    overrides = [{}] + list(case.get("inputSets") or [])
    sets = []
    for index, override in enumerate(overrides):
        generator = torch.Generator().manual_seed(int(case["seed"]) * 1000 + index)
        sets.append([make_input(s, list(override.get(s["name"], s["shape"])), generator) for s in specs])
    return sets


def flatten_outputs(out: Any) -> list[torch.Tensor]:
    """Flatten nested model outputs in the order torch.onnx.export lays them out."""
    flat: list[torch.Tensor] = []

    def walk(o: Any) -> None:
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


def to_numpy(t: torch.Tensor) -> np.ndarray:
    t = t.detach().cpu().contiguous()
    dtypes.name_of(t.dtype)  # refuses dtypes the tensor format cannot hold
    return t.numpy()


def build_module(case: dict[str, Any]) -> torch.nn.Module:
    if "spec" in case["model"]:
        from .. import synthetic

        return synthetic.build(case)
    from .. import real

    return real.build(case)


def build(case: dict[str, Any]) -> Source:
    model = build_module(case)
    input_sets = make_input_sets(case)
    return Source(model=model, input_sets=input_sets, numpy_inputs=[[to_numpy(t) for t in s] for s in input_sets])


def reference(source: Source) -> list[list[np.ndarray]]:
    with torch.no_grad():
        return [[to_numpy(t) for t in flatten_outputs(source.model(*inputs))] for inputs in source.input_sets]


def save(source: Source, directory: str) -> str:
    """torch.export's ExportedProgram (.pt2) where torch has it, else a TorchScript trace (.pt)."""
    os.makedirs(directory, exist_ok=True)
    args = tuple(source.input_sets[0])
    if hasattr(torch, "export") and hasattr(torch.export, "save"):
        path = os.path.join(directory, "source.pt2")
        torch.export.save(torch.export.export(source.model, args), path)
        return path
    path = os.path.join(directory, "source.pt")
    torch.jit.save(torch.jit.trace(source.model, args), path)
    return path
