"""Fixed per-export costs of torch.onnx.export(dynamo=True) that do not depend on the model,
paid once per worker instead of once per case (docs/performance.md).

Profiled on small graphs (most of the default corpus), a third of every export went to two
model-independent steps of `run_decompositions`:

- `create_onnx_friendly_decomposition_table` rebuilds the table of torch decompositions for the
  ops torchlib does not implement on every export; it depends only on the set of registered ops
  (the same for every copy of the worker's cached registry) and on torch's own tables. Built once
  per op set; each export gets its own copy of the dict.
- `torch._export.utils._materialize_cpp_cia_ops` walks all ~800 CompositeImplicitAutograd
  registrations of the C++ dispatcher once per operator namespace (about 30 per collection, two
  or three collections per export) only for its side effect of creating the `torch.ops` objects.
  It is skipped when the registrations are exactly those it already materialised; a registration
  added since (a custom op) runs it again, so nothing is ever missed.
- Reading the registrations to decide that costs 3-13 ms, and `_collect_all_valid_cia_ops` asks
  once per namespace (~28 times per collection): ~15% of a small graph's export. Within one
  collection nothing registers operators (it only reads them), so the registrations are read
  once per collection.

Each wrapper returns what the call it replaces returns: the exported files are byte-identical
(__tests__/stacks/dynamo-cache.test.ts). `install()` says which caches are in place; a torch
without these internals keeps the exporter's own behaviour."""
from __future__ import annotations

from typing import Any, Callable

_ORIGINALS: dict[str, tuple[Any, str, Callable[..., Any]]] = {}
# Inside one _collect_all_valid_cia_ops call: whether the registrations were read already.
_COLLECTION = {"active": False, "checked": False}
# How often the registrations were read (for the equivalence check's counts).
STATS = {"registrationReads": 0}


def _cache_decomposition_table() -> bool:
    try:
        from torch.onnx._internal.exporter import _decomp
    except ImportError:
        return False
    build = getattr(_decomp, "create_onnx_friendly_decomposition_table", None)
    if build is None:
        return False
    tables: dict[frozenset, dict] = {}

    def create_onnx_friendly_decomposition_table(onnx_registered_ops: Any) -> dict:
        key = frozenset(onnx_registered_ops)
        if key not in tables:
            tables[key] = build(onnx_registered_ops)
        return dict(tables[key])

    _ORIGINALS["decompositionTable"] = (_decomp, "create_onnx_friendly_decomposition_table", build)
    _decomp.create_onnx_friendly_decomposition_table = create_onnx_friendly_decomposition_table
    return True


def _memoize_cia_materialization() -> bool:
    try:
        import torch
        from torch._export import utils
    except ImportError:
        return False
    materialize = getattr(utils, "_materialize_cpp_cia_ops", None)
    registrations = getattr(torch._C, "_dispatch_get_registrations_for_dispatch_key", None)
    if materialize is None or registrations is None:
        return False
    done: list[tuple[str, ...]] = []

    def _materialize_cpp_cia_ops() -> Any:
        if _COLLECTION["active"]:
            if _COLLECTION["checked"]:
                return None
            _COLLECTION["checked"] = True
        STATS["registrationReads"] += 1
        current = tuple(registrations("CompositeImplicitAutograd"))
        if done and done[0] == current:
            return None
        result = materialize()
        done[:] = [current]
        return result

    _ORIGINALS["ciaMaterialization"] = (utils, "_materialize_cpp_cia_ops", materialize)
    utils._materialize_cpp_cia_ops = _materialize_cpp_cia_ops
    return True


def _scope_cia_collection() -> bool:
    """Marks each `_collect_all_valid_cia_ops` call, for the memo above (bound by name in the
    modules that call it)."""
    try:
        from torch._export import utils
        from torch.export import decomp_utils, exported_program
    except ImportError:
        return False
    found = getattr(utils, "_collect_all_valid_cia_ops", None)
    if found is None or "ciaMaterialization" not in _ORIGINALS:
        return False
    collect: Callable[..., Any] = found

    def _collect_all_valid_cia_ops() -> Any:
        outer = _COLLECTION["active"]
        _COLLECTION.update(active=True, checked=outer and _COLLECTION["checked"])
        try:
            return collect()
        finally:
            _COLLECTION["active"] = outer

    for i, module in enumerate((utils, decomp_utils, exported_program)):
        if getattr(module, "_collect_all_valid_cia_ops", None) is collect:
            _ORIGINALS["ciaCollection%d" % i] = (module, "_collect_all_valid_cia_ops", collect)
            module._collect_all_valid_cia_ops = _collect_all_valid_cia_ops
    return True


CACHES = ("decompositionTable", "ciaMaterialization", "ciaCollection")


def install() -> dict[str, bool]:
    """Installs the caches once per process; returns which are in place."""
    if not _ORIGINALS:
        _cache_decomposition_table()
        _memoize_cia_materialization()
        _scope_cia_collection()
    return {name: any(key.startswith(name) for key in _ORIGINALS) for name in CACHES}


def uninstall() -> None:
    """Puts the exporter's own functions back (for the equivalence check)."""
    for owner, attr, original in _ORIGINALS.values():
        setattr(owner, attr, original)
    _ORIGINALS.clear()
    _COLLECTION.update(active=False, checked=False)
