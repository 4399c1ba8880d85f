"""Surface recorder for the TorchScript-based exporter (torch.onnx, dynamo=False).

The exporter converts a traced TorchScript graph node by node: C++ calls back into Python's
`_run_symbolic_function`, which looks the node's kind up in the symbolic registry
(`registration.registry`, keyed `aten::add`, `prim::ListConstruct`, `quantized::conv2d`, ...)
and calls the function registered for the highest opset <= the export opset. The recorder
wraps `_run_symbolic_function` (the module attribute C++ looks up on every node), works out the
same dispatch decision from the registry, records it and calls the original unchanged.
"""
import importlib
import pkgutil

from . import TORCH_DTYPES, CallLog, tensor_token

EXPORTER = "torchscript"
UNIT = "symbolic function"


def _modules():
    """(registration module, utils module, package holding symbolic_opset*.py) for this torch."""
    try:  # torch >= 2.6 keeps the TorchScript exporter under _internal
        import torch.onnx._internal.torchscript_exporter as package
        from torch.onnx._internal.torchscript_exporter import registration, utils
    except ImportError:  # torch 1.13 - 2.5
        import torch.onnx as package
        from torch.onnx import utils
        from torch.onnx._internal import registration
    return registration, utils, package


def _value_token(value):
    if value is None:
        return "none"
    try:
        t = value.type()
    except Exception:  # noqa: BLE001 -- observing must never fail the export
        return "?"
    kind = t.kind()
    if kind == "TensorType":
        try:
            shape = t.varyingSizes()
        except Exception:  # noqa: BLE001
            shape = None
        try:
            scalar = t.scalarType()
        except Exception:  # noqa: BLE001
            scalar = None
        return tensor_token(TORCH_DTYPES.get(scalar, scalar), shape)
    return kind[:-4].lower() if kind.endswith("Type") else kind.lower()


class SymbolicRecorder:
    exporter = EXPORTER
    unit = UNIT

    def __init__(self):
        self._log = None
        self._installed = False

    def install(self):
        if self._installed:
            return
        registration, utils, _ = _modules()
        import torch.onnx

        self._utils = utils
        original = utils._run_symbolic_function
        dispatch_version = getattr(registration, "_dispatch_opset_version", None)
        recorder = self

        def run_symbolic_function(graph, block, node, inputs, env, *rest, **kwargs):
            log = recorder._log
            if log is not None:
                try:
                    recorder._note(log, registration, dispatch_version, node, inputs)
                except Exception:  # noqa: BLE001 -- observing must never fail the export
                    pass
            return original(graph, block, node, inputs, env, *rest, **kwargs)

        setattr(run_symbolic_function, "__wrapped__", original)  # noqa: B010 -- a plain attribute for mypy
        self._restore = [(utils, original)]
        utils._run_symbolic_function = run_symbolic_function
        # torch 1.13's C++ side looks the function up on `torch.onnx`, newer ones on utils.
        if getattr(torch.onnx, "_run_symbolic_function", None) is original:
            torch.onnx._run_symbolic_function = run_symbolic_function
            self._restore.append((torch.onnx, original))
        self._installed = True

    def uninstall(self):
        """Puts the exporter back exactly as it was (the overhead bench compares both)."""
        for module, original in getattr(self, "_restore", []):
            module._run_symbolic_function = original
        self._restore = []
        self._installed = False

    def _note(self, log, registration, dispatch_version, node, inputs):
        kind = node.kind()
        name = kind[:-1] if kind.endswith("_") else kind  # in-place variants share the symbolic
        group = registration.registry.get_function_group(name)
        impl = None
        if group is not None:
            opset = self._utils.GLOBALS.export_onnx_opset_version
            if group.get(opset) is not None:
                version = dispatch_version(opset, group._functions) if dispatch_version else None
                impl = "opset%d" % version if version is not None else "registered"
        log.add(name, impl, ",".join(_value_token(v) for v in inputs))

    def start(self):
        self._log = CallLog()

    def stop(self):
        log, self._log = self._log, None
        return log

    def registered(self):
        """{name: [opset versions]} of every registered symbolic function (all opset modules
        imported, as the exporter does when it runs)."""
        registration, _, package = _modules()
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("symbolic_opset"):
                importlib.import_module("%s.%s" % (package.__name__, info.name))
        out = {}
        for name in sorted(registration.registry.all_functions()):
            group = registration.registry.get_function_group(name)
            versions = sorted(getattr(group, "_functions", {}) or [])
            out[name] = ["opset%d" % v for v in versions]
        return out
