"""Eager values of every module call (forward hooks) and the arguments of one module's calls."""
import contextlib

import torch

from ..frontends.torch_models import flatten_outputs as flatten_model_outputs


def module_label(module):
    """What a module is, for reports: its class, or the operator kind of a synthetic spec node."""
    from ..synthetic import SpecNode

    if isinstance(module, SpecNode):
        return module.kind
    return type(module).__name__


def flatten_tensors(value):
    """The tensors of a module output, in the order torch.onnx flattens outputs; others skipped."""
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

    walk(value)
    return flat


def module_outputs(model, inputs):
    """({module path: [{"type", "inputs": [tensor], "outputs": [tensor], "seq"}] per call}, model
    outputs, [(path, call)] in the order calls finished) for one forward pass."""
    calls = {}
    handles = []
    order = []
    for path, module in model.named_modules():
        if not path:
            continue

        def hook(mod, args, out, path=path):
            calls.setdefault(path, []).append(
                {
                    "type": module_label(mod),
                    "inputs": [t.detach().clone() for t in flatten_tensors(args)],
                    "outputs": [t.detach().clone() for t in flatten_tensors(out)],
                    "seq": len(order),
                }
            )
            order.append((path, len(calls[path]) - 1))

        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            out = model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return calls, flatten_model_outputs(out), order


@contextlib.contextmanager
def recording_calls(module):
    """Records (args, kwargs) of every call of `module` while active (works without hook kwargs)."""
    seen = []
    original = module.forward

    def forward(*args, **kwargs):
        seen.append((args, kwargs))
        return original(*args, **kwargs)

    module.forward = forward
    try:
        yield seen
    finally:
        del module.forward  # back to the class's forward


def _function_name(func):
    name = getattr(func, "__name__", None) or str(func)
    return name.strip("_") or name


def function_outputs(model, inputs, path, call, limit=500):
    """[(function name, [tensor])] of the torch functions one module call runs itself (not inside
    its child modules), in order: `linear`, `transpose`, `matmul`, `softmax`, …. Path "" is the
    model's own `forward` (call 0)."""
    from torch.overrides import TorchFunctionMode

    stack = []
    counts = {}
    seen = []

    class Recorder(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if (stack[-1] if stack else ("", 0)) == (path, call) and len(seen) < limit:
                flat = [t.detach().clone() for t in flatten_tensors(out)]
                if flat:
                    seen.append((_function_name(func), flat))
            return out

    handles = []
    for name, module in model.named_modules():
        if not name:
            continue

        def pre(mod, args, name=name):
            k = counts.get(name, 0)
            counts[name] = k + 1
            stack.append((name, k))

        def post(mod, args, out):
            stack.pop()

        handles.append(module.register_forward_pre_hook(pre))
        handles.append(module.register_forward_hook(post))
    try:
        with torch.no_grad(), Recorder():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return seen


def exporter_node(exc):
    """The graph node the TorchScript exporter was converting when `exc` was raised (its symbolic
    raised): {op: 'aten::embedding', module: 'embed', moduleType: 'Embedding'}, else None."""
    node = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "_run_symbolic_function":
            for name in ("node", "n"):
                value = frame.f_locals.get(name)
                if isinstance(value, torch._C.Node):
                    node = value
        tb = tb.tb_next
    if node is None:
        return None
    out = {"op": node.kind()}
    try:
        scope = node.scopeName()  # 'pkg.Model::/torch.nn.modules.sparse.Embedding::embed'
    except Exception:  # noqa: BLE001
        scope = ""
    last = scope.rsplit("/", 1)[-1]
    if "::" in last:
        cls, _, path = last.rpartition("::")
        if path:
            out["module"] = path
            out["moduleType"] = cls.rsplit(".", 1)[-1]
    return out
