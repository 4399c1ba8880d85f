"""The `probe` request: what convgate needs to find where a converted model starts to diverge.

For one input set it
- runs the source model eagerly with a forward hook on every submodule (each call's outputs);
- reads the converted model and places each ONNX node in the module calls that produced it
  (scopes.py: TorchScript node names or the dynamo exporter's metadata);
- finds each module call's boundary values (outputs of its nodes used outside it) and writes
  `probe.onnx`: the converted model with those values as extra graph outputs (original outputs
  first, nothing else changed), so ONNX Runtime can be asked for them;
- writes the eager outputs of the calls (tensors format) and `probe.json` describing the graph
  (nodes, their module calls) and the calls (eager outputs, boundary values).

The comparison itself happens in ONNX Runtime's worker (Node), with the check's session options.
Without a converted model (a crash before the ONNX file exists) it only describes the module tree.
"""
import json
import math
import os

import onnx
import torch

from .. import tensors
from ..frontends import torch_models
from .capture import function_outputs, module_label, module_outputs
from .scopes import has_scope_metadata, metadata, node_scopes, node_source

# Values whose producer is one of these are shape arithmetic, never a module's tensor output.
SHAPE_OPS = {"Shape", "Size", "Constant", "ConstantOfShape", "Range"}
MAX_EXPOSED = 4000


def build_model(case):
    return torch_models.build_module(case)


def write_tensor(directory, file_name, name, t):
    return tensors.write_tensor(directory, file_name, name, torch_models.to_numpy(t))


def module_tree(model, calls):
    """[{path, type, calls}] of every submodule (calls: how often the eager pass called it)."""
    out = []
    for path, module in model.named_modules():
        if path:
            out.append({"path": path, "type": module_label(module), "calls": len(calls.get(path, []))})
    return out


def spec_ranges(model, spec, input_sets):
    """{tensor name: [min, max]} of every node output of a synthetic spec over all input sets
    (the delta debugger gives a tensor it cuts off a fresh graph input with this range)."""
    ranges = {}
    for inputs in input_sets:
        calls, _, _ = module_outputs(model, inputs)
        for i, node in enumerate(spec["nodes"]):
            recorded = calls.get("n%d" % i) or []
            if not recorded:
                continue
            for out, t in zip(node["outputs"], recorded[0]["outputs"]):
                if t.dtype == torch.bool or t.numel() == 0:
                    continue
                lo, hi = float(t.min()), float(t.max())
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    continue
                if out["name"] in ranges:
                    lo, hi = min(lo, ranges[out["name"]][0]), max(hi, ranges[out["name"]][1])
                ranges[out["name"]] = [lo, hi]
    return ranges


def shape_derived(graph):
    """Names of values computed only from shapes and constants (not worth comparing)."""
    derived = set()
    for node in graph.node:
        if node.op_type in SHAPE_OPS or (node.input and all(i in derived for i in node.input if i)):
            derived.update(node.output)
    return derived


def borrow_metadata(model, inputs, case, adapter, out_dir):
    """{node name: metadata} from a second export at the exporter's own opset, for a dynamo graph
    that lost its node metadata: torch 2.13's dynamo exporter builds at opset 18 and drops every
    node's metadata when it converts to a lower opset, while node names survive the conversion.
    None when the adapter cannot do this."""
    describe = getattr(adapter, "describe", None)
    info = describe() if describe else {}
    built = info.get("buildOpset")
    if info.get("exporter") != "dynamo" or not built:
        return None
    settings = case["export"]
    path = os.path.join(out_dir, "metadata.onnx")
    adapter.export(
        model,
        inputs,
        path,
        dict(settings, opset=built, inputNames=[s["name"] for s in case["inputs"]], outputNames=settings.get("outputNames")),
    )
    graph = onnx.load(path).graph
    os.remove(path)
    return {n.name: metadata(n) for n in graph.node if metadata(n)}


def describe_graph(graph, scopes, borrowed=None):
    nodes = []
    for index, (node, scope) in enumerate(zip(graph.node, scopes)):
        entry = {
            "name": node.name or "#%d" % index,
            "op": node.op_type if node.domain in ("", "ai.onnx") else "%s::%s" % (node.domain, node.op_type),
            "inputs": list(node.input),
            "outputs": list(node.output),
            "scopes": [list(s) for s in scope] if scope else None,
        }
        source = node_source(node, borrowed)
        if source:
            entry["source"] = source
        nodes.append(entry)
    return nodes


def boundary_values(graph, scopes):
    """{(path, call): [value names]}: outputs of a call's nodes consumed outside the call or by the graph."""
    members = {}
    for index, scope in enumerate(scopes):
        for key in scope or ():
            members.setdefault(tuple(key), set()).add(index)
    consumers = {}
    for index, node in enumerate(graph.node):
        for name in node.input:
            consumers.setdefault(name, set()).add(index)
    graph_outputs = {o.name for o in graph.output}
    derived = shape_derived(graph)
    out = {}
    for key, inside in members.items():
        values = []
        for index in sorted(inside):
            for name in graph.node[index].output:
                if not name or name in derived:
                    continue
                used = consumers.get(name, set())
                if name in graph_outputs or used - inside:
                    values.append(name)
        out[key] = values
    return out


def entry_values(graph, scopes):
    """{(path, call): [value names]}: values a call's nodes read that a node outside the call
    computed (its tensor arguments as the graph has them), shape arithmetic left out. A wrong value
    computed where no module call records it (a functional permute in the parent's forward) is
    caught where it enters the next call."""
    members = {}
    for index, scope in enumerate(scopes):
        for key in scope or ():
            members.setdefault(tuple(key), set()).add(index)
    producer = {name: i for i, n in enumerate(graph.node) for name in n.output}
    derived = shape_derived(graph)
    out = {}
    for key, inside in members.items():
        values = []
        for index in sorted(inside):
            for name in graph.node[index].input:
                p = producer.get(name)
                if p is None or p in inside or name in derived or name in values:
                    continue
                values.append(name)
        out[key] = values
    return out


def _value_types(proto):
    try:
        inferred = onnx.shape_inference.infer_shapes(proto)
    except Exception:  # noqa: BLE001 -- types are optional for ONNX Runtime
        inferred = proto
    types = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.output):
        if vi.type.HasField("tensor_type") and vi.type.tensor_type.elem_type:
            types[vi.name] = vi.type.tensor_type.elem_type
    return types


def ancestors(graph, index):
    """Indices of the nodes node `index` depends on (itself excluded)."""
    producer = {}
    for i, node in enumerate(graph.node):
        for name in node.output:
            producer[name] = i
    seen = set()
    stack = [index]
    while stack:
        for name in graph.node[stack.pop()].input:
            p = producer.get(name)
            if p is not None and p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def truncate(proto, keep):
    """The model with only the nodes at `keep` and no outputs (inputs/initializers they use stay)."""
    out = onnx.ModelProto()
    out.CopyFrom(proto)
    nodes = [n for i, n in enumerate(proto.graph.node) if i in keep]
    used = {name for n in nodes for name in n.input}
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    inputs = [i for i in proto.graph.input if i.name in used]
    del out.graph.input[:]
    out.graph.input.extend(inputs)
    inits = [i for i in proto.graph.initializer if i.name in used]
    del out.graph.initializer[:]
    out.graph.initializer.extend(inits)
    del out.graph.output[:]
    return out


def write_probe_model(proto, exposed, path, types=None):
    """The model with `exposed` values appended as graph outputs (typed where shape inference knows)."""
    probe = onnx.ModelProto()
    probe.CopyFrom(proto)
    types = types if types is not None else _value_types(proto)
    present = {o.name for o in probe.graph.output}
    for name in exposed:
        if name in present:
            continue
        if name in types:
            probe.graph.output.append(onnx.helper.make_tensor_value_info(name, types[name], None))
        else:
            vi = onnx.ValueInfoProto()
            vi.name = name
            probe.graph.output.append(vi)
        present.add(name)
    onnx.save(probe, path)


def probe(request, adapter=None):
    """Handles {type: probe, id, caseDir, case, set, out}: writes out/probe.json (+ probe.onnx, eager tensors).

    `adapter` is the worker's converter module (converters/): a dynamo graph that lost its node
    metadata borrows it from a second export by the same converter."""
    case = request["case"]
    case_dir = request["caseDir"]
    out_dir = os.path.join(case_dir, request.get("out") or "localize")
    set_index = int(request.get("set") or 0)
    os.makedirs(out_dir, exist_ok=True)

    model = build_model(case)
    input_sets = torch_models.make_input_sets(case)
    set_index = min(set_index, len(input_sets) - 1)
    calls, _, order = module_outputs(model, input_sets[set_index])
    summary = {"set": set_index, "modules": module_tree(model, calls)}
    if "spec" in case["model"]:
        summary["ranges"] = spec_ranges(model, case["model"]["spec"], input_sets)

    model_path = os.path.join(case_dir, request.get("model") or "model.onnx")
    if not os.path.exists(model_path):
        summary["graph"] = None
        return _done(request, out_dir, summary)
    proto = onnx.load(model_path)
    graph = proto.graph
    scopes = _describe_graph(model, input_sets[0], case, adapter, graph, out_dir, summary)
    if not request.get("values", True):
        return _done(request, out_dir, summary)

    if request.get("refine"):
        return _refine(request, model, input_sets[set_index], proto, summary, out_dir)

    upstream = _stop_at(request, graph, summary)
    eager_dir = os.path.join(out_dir, "eager")
    os.makedirs(eager_dir, exist_ok=True)
    producer = {name: i for i, n in enumerate(graph.node) for name in n.output}
    entries, exposed = _call_entries(graph, scopes, calls, order, upstream, producer, eager_dir, summary)
    _input_entries(graph, scopes, calls, upstream, producer, eager_dir, entries, exposed, summary)
    summary["calls"] = entries
    if upstream is not None and not exposed:
        return _done(request, out_dir, summary)  # nothing before the node to compare
    _write_probe(proto, exposed, upstream, producer, out_dir)
    summary["probeModel"] = "probe.onnx"
    return _done(request, out_dir, summary)


def _describe_graph(model, inputs, case, adapter, graph, out_dir, summary):
    """summary["graph"]: the converted graph's nodes with the module scopes they are placed in
    (borrowed from a second export when the graph lost its metadata); returns each node's scopes."""
    paths = {p for p, _ in model.named_modules()}
    borrowed = None
    if adapter is not None and not has_scope_metadata(graph) and not any(n.name.startswith("/") for n in graph.node):
        try:
            borrowed = borrow_metadata(model, inputs, case, adapter, out_dir)
        except Exception as exc:  # noqa: BLE001 -- scopes are a help, not a requirement
            summary["notes"] = ["node metadata could not be borrowed from a second export: %s" % str(exc).splitlines()[0][:200]]
        if borrowed:
            summary["borrowedMetadata"] = len(borrowed)
    scopes = node_scopes(graph, paths, borrowed)
    summary["graph"] = {
        "nodes": describe_graph(graph, scopes, borrowed),
        "inputs": [i.name for i in graph.input],
        "initializers": [i.name for i in graph.initializer],
        "outputs": [o.name for o in graph.output],
        "placed": sum(1 for s in scopes if s),
    }
    return scopes


def _stop_at(request, graph, summary):
    """A crash at a node: only what that node depends on is run (the rest may not load or run).
    The node indices it depends on, or None (the whole graph)."""
    stop = request.get("stopAt")
    if not stop:
        return None
    index = next((i for i, n in enumerate(graph.node) if n.name == stop), None)
    if index is None:
        raise ValueError("the model has no node named %r" % stop)
    summary["target"] = {"node": stop, "index": index}
    return ancestors(graph, index)


def _call_entries(graph, scopes, calls, order, upstream, producer, eager_dir, summary):
    """One entry per module call whose outputs leave the graph's scopes: the eager tensors it
    recorded (written to eager/) and the graph values they are compared with; the values exposed."""
    present = {tuple(k) for scope in scopes for k in (scope or ())}
    entries = []
    exposed = []
    for (path, call), values in sorted(boundary_values(graph, scopes).items(), key=lambda kv: kv[0]):
        recorded = calls.get(path) or []
        if upstream is not None:
            values = [v for v in values if producer.get(v) in upstream]
        if not values or call >= len(recorded):
            continue
        outputs = []
        for k, t in enumerate(recorded[call]["outputs"]):
            name = "c%d_%d.bin" % (len(entries), k)
            try:
                outputs.append(dict(write_tensor(eager_dir, name, "%s#%d" % (path, k), t), file="eager/" + name))
            except TypeError:
                continue  # a dtype the tensor format does not carry
        if not outputs:
            continue
        entry = {"path": path, "call": call, "type": recorded[call]["type"], "calls": len(recorded), "outputs": outputs, "values": values}
        alternates = _folded_into(calls, order, present, recorded[call]["seq"], eager_dir, len(entries))
        if alternates:
            entry["alternates"] = alternates
        entries.append(entry)
        exposed.extend(v for v in values if v not in exposed)
        if len(exposed) > MAX_EXPOSED:
            summary["truncated"] = True
            break
    return entries, exposed


def _write_probe(proto, exposed, upstream, producer, out_dir):
    """probe.onnx: the model with the exposed values as outputs (cut to what they depend on at a crash)."""
    path = os.path.join(out_dir, "probe.onnx")
    if upstream is None:
        write_probe_model(proto, exposed, path)
        return
    keep = set()
    for v in exposed:
        keep |= ancestors(proto.graph, producer[v]) | {producer[v]}
    write_probe_model(truncate(proto, keep), exposed, path, _value_types(proto))


def _input_entries(graph, scopes, calls, upstream, producer, eager_dir, entries, exposed, summary):
    """Appends, per module call, the values entering it compared with the call's eager arguments
    (`side: input`); a value is compared where it leaves a call when it does (those entries win)."""
    for (path, call), values in sorted(entry_values(graph, scopes).items(), key=lambda kv: kv[0]):
        if summary.get("truncated"):
            return
        recorded = calls.get(path) or []
        if upstream is not None:
            values = [v for v in values if producer.get(v) in upstream]
        if not values or call >= len(recorded) or not recorded[call].get("inputs"):
            continue
        files = []
        for k, t in enumerate(recorded[call]["inputs"]):
            name = "c%d_%d.bin" % (len(entries), k)
            try:
                files.append(dict(write_tensor(eager_dir, name, "%s<%d" % (path, k), t), file="eager/" + name))
            except TypeError:
                continue
        if not files:
            continue
        entries.append({"path": path, "call": call, "type": recorded[call]["type"], "calls": len(recorded), "outputs": files, "values": values, "side": "input"})
        exposed.extend(v for v in values if v not in exposed)
        if len(exposed) > MAX_EXPOSED:
            summary["truncated"] = True


def _refine(request, model, inputs, proto, summary, out_dir):
    """Second round inside one module call: the torch functions the call runs itself (eager) and
    the ONNX values of its region, so the first function ONNX does not reproduce can be found."""
    refine = request["refine"]
    graph = proto.graph
    functions = function_outputs(model, inputs, refine["path"], int(refine["call"]))
    eager_dir = os.path.join(out_dir, "eager")
    os.makedirs(eager_dir, exist_ok=True)
    entries = []
    for k, (name, outs) in enumerate(functions):
        files = []
        for j, t in enumerate(outs):
            file = "f%d_%d.bin" % (k, j)
            try:
                files.append(dict(write_tensor(eager_dir, file, "%s#%d" % (name, j), t), file="eager/" + file))
            except TypeError:
                continue
        if files:
            entries.append({"name": name, "index": k, "outputs": files})
    producer = {v: i for i, n in enumerate(graph.node) for v in n.output}
    values = [v for v in refine["values"] if v in producer]
    summary["functions"] = entries
    summary["region"] = values
    summary["calls"] = []
    if values:
        keep = set()
        for v in values:
            keep |= ancestors(graph, producer[v]) | {producer[v]}
        write_probe_model(truncate(proto, keep), values, os.path.join(out_dir, "probe.onnx"), _value_types(proto))
        summary["probeModel"] = "probe.onnx"
        summary["target"] = {"node": graph.node[producer[values[-1]]].name, "index": producer[values[-1]]}
    return _done(request, out_dir, summary)


def _folded_into(calls, order, present, seq, eager_dir, index):
    """Eager outputs of the module calls right after call `seq` that left no node in the graph
    (a BatchNorm folded into the Conv before it, an Identity, a Dropout): the exported value of
    the call may be theirs. [{path, call, type, outputs}]."""
    out = []
    for path, call in order[seq + 1 :]:
        if (path, call) in present:
            break
        record = calls[path][call]
        files = []
        for k, t in enumerate(record["outputs"]):
            name = "c%d_a%d_%d.bin" % (index, len(out), k)
            try:
                files.append(dict(write_tensor(eager_dir, name, "%s#%d" % (path, k), t), file="eager/" + name))
            except TypeError:
                continue
        if files:
            out.append({"path": path, "call": call, "type": record["type"], "outputs": files})
    return out


def _done(request, out_dir, summary):
    with open(os.path.join(out_dir, "probe.json"), "w") as fh:
        json.dump(summary, fh, allow_nan=False)
    return {"type": "probed", "id": request["id"], "ok": True, "summary": os.path.relpath(os.path.join(out_dir, "probe.json"), request["caseDir"])}
