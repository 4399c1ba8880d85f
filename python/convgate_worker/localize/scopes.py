"""Which PyTorch module call each node of an exported ONNX graph came from.

Two exporters, two records of it:
- the TorchScript exporter (torch.onnx.export, dynamo=False) names nodes after the module scope
  they were traced in: `/encoder/layers.1/self_attn/MatMul_2`. A scope component is the module's
  name relative to the nearest enclosing module that is not a container (`layers.1`,
  `/features/features.0/features.0.1` under Sequentials); a module called again in the same scope
  gets a suffix (`/act_1/Relu`).
- the dynamo exporter (torch.onnx.export(dynamo=True), onnxscript) writes node metadata:
  `pkg.torch.onnx.name_scopes` = ['', 'layers.0', 'layers.0.act', 'gelu'] (module paths, then
  the FX node), `pkg.torch.onnx.class_hierarchy`, `pkg.torch.onnx.stack_trace`, `namespace`.

`node_scopes(graph, modules)` returns, per node, the module calls enclosing it as
[(module path, call index)], outermost first. The call index counts the calls of one module in
graph order, which is also the order forward hooks see them, so a node maps to eager calls.
"""
import ast
import re

NAME_SCOPES = "pkg.torch.onnx.name_scopes"
CLASS_HIERARCHY = "pkg.torch.onnx.class_hierarchy"
STACK_TRACE = "pkg.torch.onnx.stack_trace"
NAMESPACE = "namespace"

_SUFFIX = re.compile(r"^(.*)_(\d+)$")


def metadata(node):
    return {p.key: p.value for p in getattr(node, "metadata_props", ())}  # onnx < 1.16 has none


def _parse_list(text):
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return None
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else None


def _prefixes(path):
    """path, its dot-prefixes, then the root: 'a.b.c' -> ['a.b.c', 'a.b', 'a', '']."""
    out = []
    while path:
        out.append(path)
        path = path.rpartition(".")[0]
    return out + [""]


def _child(path, comp, modules):
    """The module a scope component names below `path`. The exporter names a scope relative to
    the nearest enclosing module that is not a container (`/features/features.0/features.0.1`
    under Sequentials, `/layers.0/lin`, `/block/block.0`), so every ancestor is tried."""
    names = [comp]
    m = _SUFFIX.match(comp)
    if m:
        names.append(m.group(1))  # a repeated call: act_1
    for name in names:
        for base in _prefixes(path):
            candidate = base + "." + name if base else name
            if candidate in modules and (not path or candidate.startswith(path + ".")):
                return candidate
    return None


def _resolve_torchscript(name, modules):
    """[(module path, raw scope key)] of the scopes enclosing a TorchScript-style node, outermost first."""
    if not name.startswith("/"):
        return None
    parts = name.split("/")[1:-1]
    chain = []
    path = ""
    for k, comp in enumerate(parts):
        path = _child(path, comp, modules)
        if path is None:
            return None  # a scope the module tree does not have (renamed, or not a module)
        chain.append((path, "/".join(parts[: k + 1])))
    return chain


def _dynamo_path(props, modules):
    scopes = _parse_list(props.get(NAME_SCOPES, ""))
    if not scopes:
        return None
    # The last entry is the FX node; the entries before it are module paths, outermost first.
    paths = [p for p in scopes[:-1] if p and p in modules]
    return paths


def has_scope_metadata(graph):
    return any(NAME_SCOPES in metadata(n) for n in graph.node)


def node_scopes(graph, modules, borrowed=None):
    """Per node: [(module path, call index)] of the module calls enclosing it, outermost first
    (the root module is left out), or None when the node cannot be placed.
    `modules` is the set of module paths of the model; `borrowed` ({node name: metadata}) stands in
    for metadata the graph lost (see probe.borrow_metadata)."""
    if borrowed:
        meta = lambda node: metadata(node) or borrowed.get(node.name, {})  # noqa: E731
    else:
        meta = metadata
    dynamo = any(NAME_SCOPES in meta(n) for n in graph.node)
    raw = []
    if dynamo:
        # A call of a module lasts while the nodes stay in its subtree: keep the chain of open
        # calls (outermost first); leaving a module's subtree closes its call.
        chain = []
        counter = 0
        for node in graph.node:
            paths = _dynamo_path(meta(node), modules)
            if paths is None:
                raw.append(None)
                continue
            k = 0
            while k < len(chain) and k < len(paths) and chain[k][0] == paths[k]:
                k += 1
            del chain[k:]
            for p in paths[k:]:
                counter += 1
                chain.append((p, counter))
            raw.append(list(chain))
    else:
        for node in graph.node:
            raw.append(_resolve_torchscript(node.name, modules))
    return _number_calls(raw)


def _number_calls(raw):
    """Raw scope keys -> call indices: the distinct keys of one module path, in first-seen order."""
    seen = {}
    out = []
    for chain in raw:
        if chain is None:
            out.append(None)
            continue
        numbered = []
        for path, key in chain:
            keys = seen.setdefault(path, [])
            if key not in keys:
                keys.append(key)
            numbered.append((path, keys.index(key)))
        out.append(numbered)
    return out


def node_source(node, borrowed=None):
    """What the exporter recorded about a node's origin (dynamo metadata), for reports."""
    props = metadata(node) or (borrowed or {}).get(node.name, {})
    out = {}
    classes = _parse_list(props.get(CLASS_HIERARCHY, "")) or []
    if classes:
        out["classes"] = classes
    if props.get(STACK_TRACE):
        out["stack"] = props[STACK_TRACE].strip().splitlines()[-2:]
    scopes = _parse_list(props.get(NAME_SCOPES, "")) or []
    if scopes:
        out["fxNode"] = scopes[-1]
    return out
