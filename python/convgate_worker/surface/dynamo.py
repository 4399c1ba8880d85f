"""Surface recorder for the dynamo exporter (torch.onnx.export(dynamo=True), onnxscript torchlib).

After torch.export and decomposition, the exporter translates every FX node through
`_dispatching.dispatch(node, registry)`: the ONNX registry (`ONNXRegistry.from_torchlib()`,
keyed by ATen overload such as `aten::add.Tensor`, plus a few Python callables such as
`_operator.getitem`) returns the torchlib function to call (`aten_add`, ...). The recorder
wraps `dispatch` (looked up as a module attribute on every node), records the node's target,
the function chosen and the input kinds, and returns exactly what `dispatch` returned. The
registry passed in is kept as the denominator (`registered()`), so it is the very registry the
converter under test built -- e.g. an onnxscript build on PYTHONPATH.
"""
from . import CallLog, tensor_token

EXPORTER = "dynamo"
UNIT = "ATen overload"


def target_name(target):
    """The registry key of an FX node target, as a string."""
    if isinstance(target, str):
        return target
    import torch._ops

    if isinstance(target, torch._ops.OpOverload):
        return target.name()
    if isinstance(target, torch._ops.HigherOrderOperator):
        return "higher_order.%s" % target.name()
    module = getattr(target, "__module__", None) or type(target).__module__
    return "%s.%s" % (module, getattr(target, "__name__", type(target).__name__))


def function_name(fn):
    if fn is None:
        return None
    return getattr(fn, "name", None) or getattr(fn, "__name__", None) or type(fn).__name__


def _arg_token(arg):
    meta = getattr(arg, "meta", None)
    if meta is not None:  # an FX node
        val = meta.get("val")
        dtype = getattr(val, "dtype", None)
        if dtype is not None and hasattr(val, "shape"):
            shape: list[int | None] = []
            for d in val.shape:
                try:
                    shape.append(int(d))
                except Exception:  # noqa: BLE001 -- a symbolic size
                    shape.append(None)
            return tensor_token(str(dtype).replace("torch.", ""), shape)
        if val is not None:
            return type(val).__name__.lower()
        return "node"
    if arg is None:
        return "none"
    if isinstance(arg, (list, tuple)):
        return "list"
    return type(arg).__name__.lower()


class DispatchRecorder:
    exporter = EXPORTER
    unit = UNIT

    def __init__(self):
        self._log = None
        self._registry = None
        self._installed = False

    def install(self):
        if self._installed:
            return
        from torch.onnx._internal.exporter import _dispatching

        original = _dispatching.dispatch
        recorder = self

        def dispatch(node, registry):
            result = original(node, registry)
            recorder._registry = registry  # the denominator: the registry this build dispatches through
            log = recorder._log
            if log is not None:
                try:
                    fn = result[0] if isinstance(result, tuple) else None
                    signature = ",".join(_arg_token(a) for a in node.args)
                    log.add(target_name(node.target), function_name(fn), signature)
                except Exception:  # noqa: BLE001 -- observing must never fail the export
                    pass
            return result

        setattr(dispatch, "__wrapped__", original)  # noqa: B010 -- a plain attribute for mypy
        self._original = original
        _dispatching.dispatch = dispatch
        self._installed = True

    def uninstall(self):
        """Puts the exporter back exactly as it was (the overhead bench compares both)."""
        if self._installed:
            from torch.onnx._internal.exporter import _dispatching

            _dispatching.dispatch = self._original
            self._installed = False

    def start(self):
        self._log = CallLog()

    def stop(self):
        log, self._log = self._log, None
        return log

    def registered(self):
        """{key: [torchlib function names]} of the registry the exporter dispatched through
        (a fresh `ONNXRegistry.from_torchlib()` when no export got that far yet)."""
        registry = self._registry
        if registry is None:
            from torch.onnx._internal.exporter import _registration

            registry = _registration.ONNXRegistry.from_torchlib()
            self._registry = registry
        out = {}
        for key, metas in registry.functions.items():
            name = key if isinstance(key, str) else target_name(key)
            out[name] = sorted({function_name(m.onnx_function) for m in metas})
        return dict(sorted(out.items()))
