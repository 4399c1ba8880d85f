"""onnx.version_converter as a converter under test: torch.onnx (TorchScript) exports at a fixed
source opset, then onnx converts the model to the requested opset. Exercises the adapter contract
with a second, independent converter."""
import onnx
import onnx.version_converter

from . import frames, torch_onnx

NAME = "onnx-version-converter"
SOURCE_OPSET = 11


def describe():
    return {
        "name": NAME,
        "version": onnx.__version__,
        "exporter": "onnx.version_converter",
        "sourceOpset": SOURCE_OPSET,
        "sourceExporter": torch_onnx.describe(),
    }


def supported_opsets():
    return (SOURCE_OPSET, onnx.defs.onnx_opset_version())


def export(model, args, path, settings):
    source = dict(settings, opset=SOURCE_OPSET)
    torch_onnx.export(model, args, path, source)
    converted = onnx.version_converter.convert_version(onnx.load(path), settings["opset"])
    onnx.save(converted, path)
    return {"opsetBuilt": SOURCE_OPSET}


# No `coverage()`: onnx.version_converter dispatches to its per-operator version adapters in C++,
# which Python cannot observe -- its surface is "not measured" (docs/coverage.md).


def failure_step(exc):
    if any(fn == "convert_version" for _, fn in frames(exc)):
        return "version-conversion"
    inner = torch_onnx.failure_step(exc)
    return "source-export:%s" % inner if inner else None
