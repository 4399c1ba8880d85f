"""TorchScript programs of the `script` operator (docs/synthetic-spec.md): each is compiled with
torch.jit.script and called from the traced model, so the TorchScript exporter converts its
loops, lists, Optional checks, branches and int arithmetic; `eager_<name>` computes the same
values in plain PyTorch for the eager reference and for exporters that do not trace
(torch.export). Keep the two in agreement: the reference is computed with `eager_<name>`.
"""
from typing import List, Optional

import torch
import torch.nn.functional as F


def loop_accumulate(x: torch.Tensor) -> torch.Tensor:
    acc = torch.zeros_like(x[0])
    for i in range(x.size(0)):
        acc = acc + x[i]
    return acc


def eager_loop_accumulate(x):
    return x.sum(0)


def list_ops(x: torch.Tensor) -> torch.Tensor:
    xs: List[torch.Tensor] = []
    for i in range(x.size(0)):
        xs.append(x[i])
    xs.insert(0, x[x.size(0) - 1])
    last = xs.pop()
    del xs[0]
    xs.append(last)
    xs[0] = xs[0] * 1.0
    if len(xs) != x.size(0):
        xs.append(x[0])
    return torch.stack(xs)


def eager_list_ops(x):
    return x * 1.0


def _maybe_add(x: torch.Tensor, y: Optional[torch.Tensor]) -> torch.Tensor:
    if y is None:
        return x * 2.0
    return x + y


def optional_none(x: torch.Tensor) -> torch.Tensor:
    z: Optional[torch.Tensor] = None
    if x.size(0) > 0:
        z = x
    return _maybe_add(x, None) + _maybe_add(x, z)


def eager_optional_none(x):
    return x * 4.0


def shape_branch(x: torch.Tensor) -> torch.Tensor:
    if x.dim() >= 1 and x.size(0) > 1:
        y = x * 2.0
    else:
        y = x - 1.0
    if not x.is_floating_point():
        y = y.float()
    return y


def eager_shape_branch(x):
    return x * 2.0 if x.shape[0] > 1 else x - 1.0


def int_math(x: torch.Tensor) -> torch.Tensor:
    n = x.size(0)
    m = n // 2 + max(n, 2) - min(n, 3)
    return x * float(m)


def eager_int_math(x):
    n = x.shape[0]
    return x * float(n // 2 + max(n, 2) - min(n, 3))


def item_tolist(x: torch.Tensor) -> torch.Tensor:
    flat: List[float] = x.flatten().tolist()
    top = x.max().item()
    return x + top + float(len(flat) - len(flat))


def eager_item_tolist(x):
    return x + x.max()


def script_interpolate(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


def eager_script_interpolate(x):
    return F.interpolate(x, scale_factor=2.0, mode="nearest")


def tensor_meta(x: torch.Tensor) -> torch.Tensor:
    y = x.data
    if x.dtype == torch.float32 or x.dtype == torch.float64:
        y = y * 2.0
    if x.layout == torch.strided:
        y = y + torch.zeros(1, dtype=x.dtype, device=x.device)
    return y


def eager_tensor_meta(x):
    return x * 2.0
