"""A submodule of a real model as a model of its own, with the inputs it received in the full model.

Used by submodule reduction: convgate exports and checks submodules top-down to find the smallest
one that alone reproduces a failure. A case asks for it with `submodule: {path, call}`.
"""
import torch

from .capture import module_label, recording_calls


class SubmoduleError(ValueError):
    """The submodule cannot be exported alone (not a module, not called, non-tensor arguments)."""


class Bound(torch.nn.Module):
    """Calls `module` with captured positional tensors and fixed keyword arguments."""

    def __init__(self, module, kwargs):
        super().__init__()
        self.module = module
        self.kwargs = kwargs

    def forward(self, *args):
        return self.module(*args, **self.kwargs)


def _tensor_args(args, where):
    for k, a in enumerate(args):
        if not isinstance(a, torch.Tensor):
            raise SubmoduleError("%s: positional argument %d is a %s, not a tensor" % (where, k, type(a).__name__))
    return list(args)


def _constant_kwargs(kwargs, where):
    for k, v in kwargs.items():
        if isinstance(v, torch.Tensor) or not isinstance(v, (type(None), bool, int, float, str)):
            raise SubmoduleError("%s: keyword argument %r (%s) cannot be fixed in an export" % (where, k, type(v).__name__))
    return dict(kwargs)


def extract(model, input_sets, path, call=0):
    """(module to export, its input sets, input names, label) for the `call`-th call of `model.<path>`.

    Every input set of the full model is run once; the submodule's arguments of that call are its
    input sets. Sets where it is not called that often are dropped (set 0 must have it)."""
    try:
        module = model.get_submodule(path)
    except AttributeError as exc:
        raise SubmoduleError("model has no submodule %r" % path) from exc
    where = "submodule %s (%s)" % (path, type(module).__name__)
    sets = []
    kwargs_of_set0 = None
    for k, inputs in enumerate(input_sets):
        with recording_calls(module) as seen, torch.no_grad():
            model(*inputs)
        if len(seen) <= call:
            if k == 0:
                raise SubmoduleError("%s is called %d time(s), not %d" % (where, len(seen), call + 1))
            continue
        args, kwargs = seen[call]
        fixed = _constant_kwargs(kwargs, where)
        if kwargs_of_set0 is None:
            kwargs_of_set0 = fixed
        elif fixed != kwargs_of_set0:
            continue
        sets.append([a.detach().clone() for a in _tensor_args(args, where)])
    if not sets or not sets[0]:
        raise SubmoduleError("%s takes no tensor arguments" % where)
    # Input sets at other sizes only help when every argument keeps its rank.
    sets = [sets[0]] + [s for s in sets[1:] if [t.dim() for t in s] == [t.dim() for t in sets[0]]]
    names = ["in_%d" % i for i in range(len(sets[0]))]
    return Bound(module, kwargs_of_set0 or {}).eval(), sets, names, module_label(module)


def children(model, path):
    """Direct children of a module that are called (paths), in registration order."""
    module = model.get_submodule(path) if path else model
    return [(path + "." + name) if path else name for name, _ in module.named_children()]


def source(src, sub):
    """A frontend Source (frontends/__init__.py) for `sub` = {path, call} of the case's model."""
    from ..frontends import Source
    from ..frontends.torch_models import to_numpy

    model, sets, names, _ = extract(src.model, src.input_sets, sub["path"], int(sub.get("call", 0)))
    return Source(model=model, input_sets=sets, numpy_inputs=[[to_numpy(t) for t in s] for s in sets], extra={"inputNames": names})
