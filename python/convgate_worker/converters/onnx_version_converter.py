"""onnx.version_converter as a converter under test: an ONNX source model (the `onnx` frontend:
a file, an ONNX node test, or a torch case exported once at its source opset) is converted to the
requested opset, up or down. Steps: version-conversion (convert_version: the C++ adapters, one
per operator and opset change), serialization (writing the model)."""
from __future__ import annotations

from typing import Any

import onnx
import onnx.version_converter

from . import Failure

NAME = "onnx-version-converter"
EXPORTER = "onnx.version_converter"


def describe() -> dict[str, Any]:
    return {
        "name": NAME,
        "version": onnx.__version__,
        "exporter": EXPORTER,
        "module": onnx.__file__,
        # A case without a target opset goes to the newest opset this onnx knows.
        "defaultOpset": onnx.defs.onnx_opset_version(),
    }


def supported_opsets() -> tuple[int, int]:
    return (1, onnx.defs.onnx_opset_version())


def source_opset(model: Any) -> int | None:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def export(model: Any, args: Any, path: str, settings: dict[str, Any]) -> dict[str, Any]:
    converted = onnx.version_converter.convert_version(model, int(settings["opset"]))
    onnx.save(converted, path)
    return {"opsetBuilt": source_opset(model)}


# No `coverage()`: onnx.version_converter dispatches to its per-operator version adapters in C++,
# which Python cannot observe -- its surface is "not measured" (docs/coverage.md).


def steps(f: Failure) -> str | None:
    if "convert_version" in f.functions:
        return "version-conversion"
    if "save" in f.functions or "save_model" in f.functions:
        return "serialization"
    return None


def failure_step(exc: BaseException) -> str | None:
    return steps(Failure.of(exc))
