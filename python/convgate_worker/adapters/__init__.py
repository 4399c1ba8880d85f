"""Converter adapters: one module per converter, all with the same contract.

An adapter module exposes
    NAME: str
    def describe() -> {"name", "version", ...}
    def supported_opsets() -> (min, max)
    def export(model, args, path, settings) -> None   # writes the ONNX file at `path`
where settings = {opset, dynamicAxes, constantFolding, inputNames, outputNames}.
"""
import importlib

ADAPTERS = {
    "torch.onnx": "convgate_worker.adapters.torch_onnx",
    "onnx-version-converter": "convgate_worker.adapters.onnx_version_converter",
}


def load(name):
    try:
        return importlib.import_module(ADAPTERS[name])
    except KeyError:
        raise ValueError("unknown converter adapter %r (known: %s)" % (name, ", ".join(sorted(ADAPTERS))))
