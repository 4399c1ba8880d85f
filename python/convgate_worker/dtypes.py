"""The tensor dtypes convgate's tensor format knows: one table, used by every frontend.

Names are the corpus' (`float32`, `int64`, `bool`, ...); numpy dtypes are the common currency
of inputs and references; a framework's own dtype is looked up by the same name
(`torch.float32`, `tf.float32`) so no frontend keeps a table of its own.
"""
from __future__ import annotations

from typing import Any

import numpy as np

NAMES: tuple[str, ...] = ("float32", "float64", "float16", "int8", "uint8", "int16", "int32", "int64", "bool")
FLOATS = frozenset({"float16", "float32", "float64"})


def check(name: str) -> str:
    if name not in NAMES:
        raise TypeError("dtype %r is not one of convgate's tensor dtypes (%s)" % (name, ", ".join(NAMES)))
    return name


def numpy_dtype(name: str) -> np.dtype:
    return np.dtype(check(name))


def name_of(dtype: Any) -> str:
    """The convgate name of a numpy dtype or of a framework dtype (torch.float32, tf.int64, ...)."""
    text = str(getattr(dtype, "name", None) or dtype).replace("torch.", "").replace("<dtype: '", "").rstrip("'>")
    if text not in NAMES:
        raise TypeError("tensor dtype %s is not supported by convgate's tensor format" % dtype)
    return text


def torch_dtype(name: str) -> Any:
    import torch

    return getattr(torch, check(name))


def is_float(name: str) -> bool:
    return check(name) in FLOATS
