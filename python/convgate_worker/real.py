"""Builds a real-corpus torch model from its declarative entry: `model: {factory: "module:attr", kwargs}`."""
from __future__ import annotations

from typing import Any

import torch

from . import factories


def realistic_norm_statistics(model: torch.nn.Module, generator: torch.Generator) -> None:
    """Freshly initialised BatchNorm layers have mean 0 / var 1 / weight 1 / bias 0, which hides
    bugs in how converters fold or lower normalisation; trained models never look like that."""
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm) and module.running_mean is not None:
            n = module.running_mean.numel()
            module.running_mean.copy_((torch.rand(n, generator=generator) - 0.5) * 0.4)
            module.running_var.copy_(torch.rand(n, generator=generator) * 0.8 + 0.6)
            if module.affine:
                module.weight.data.copy_(torch.rand(n, generator=generator) * 0.8 + 0.6)
                module.bias.data.copy_((torch.rand(n, generator=generator) - 0.5) * 0.2)


def build(case: dict[str, Any]) -> torch.nn.Module:
    spec = case["model"]
    torch.manual_seed(int(case["seed"]))
    model = factories.resolve(spec["factory"])(**(spec.get("kwargs") or {}))
    if not isinstance(model, torch.nn.Module):
        raise TypeError("model.factory %r returned %s, expected a torch.nn.Module" % (spec["factory"], type(model).__name__))
    model.eval()
    if spec.get("channelsLast"):
        model = model.to(memory_format=torch.channels_last)
    if spec.get("realisticNorms", True):
        with torch.no_grad():
            realistic_norm_statistics(model, torch.Generator().manual_seed(int(case["seed"]) + 7))
    return model
