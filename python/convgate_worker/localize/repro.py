#!/usr/bin/env python3
"""convgate reproducer: rebuilds one failing case, converts it and shows the mismatch or the error.

This file is copied into every reproducer bundle (`cases/<id>/repro/`) next to
    case.json (model source: synthetic spec or model factory, export settings), bundle.json (what
    failed), model.onnx, tensors/ (inputs, expected outputs) and convgate_worker/ (the modules
    that build the model).

    python3 repro.py              rebuild the model in PyTorch, export it with the installed
                                  converter (torch.onnx), check it with onnxruntime for Python
    python3 repro.py --onnx-only  run the bundled model.onnx on the bundled inputs (no torch)

Put a converter build first on PYTHONPATH to test it. Exit status: 0 the case is ok now, 1 the
failure reproduced, 2 cannot run, 3 onnxruntime for Python is not installed.
"""
import argparse
import inspect
import json
import os
import sys
import traceback

EXIT_OK, EXIT_REPRODUCED, EXIT_CANNOT, EXIT_NO_ORT = 0, 1, 2, 3

NUMPY_DTYPES = {
    "float32": "<f4",
    "float64": "<f8",
    "float16": "<f2",
    "int8": "i1",
    "uint8": "u1",
    "int16": "<i2",
    "int32": "<i4",
    "int64": "<i8",
    "bool": "u1",
}


def load_json(path):
    with open(path) as fh:
        return json.load(fh)


def read_tensor_sets(bundle_dir):
    """[(inputs {name: array}, expected [(name, array)])] from tensors/tensors.json."""
    import numpy as np

    base = os.path.join(bundle_dir, "tensors")
    manifest = load_json(os.path.join(base, "tensors.json"))

    def read(entry):
        array = np.fromfile(os.path.join(base, entry["file"]), dtype=NUMPY_DTYPES[entry["dtype"]])
        array = array.reshape(entry["shape"])
        return array.astype(bool) if entry["dtype"] == "bool" else array

    return [
        ({e["name"]: read(e) for e in s["inputs"]}, [(e["name"], read(e)) for e in s["outputs"]])
        for s in manifest["sets"]
    ]


def compare(name, expected, actual, atol, rtol):
    """None when `actual` matches `expected` (convgate's rule), else one line saying how it differs."""
    import numpy as np

    actual = np.asarray(actual)
    if tuple(expected.shape) != tuple(actual.shape):
        return "%s: shape %s, expected %s" % (name, list(actual.shape), list(expected.shape))
    if expected.dtype != actual.dtype:
        return "%s: dtype %s, expected %s" % (name, actual.dtype, expected.dtype)
    if expected.dtype.kind not in "fc":
        bad = int((expected != actual).sum())
        return "%s: %d/%d elements differ" % (name, bad, expected.size) if bad else None
    a = actual.astype(np.float64)
    b = expected.astype(np.float64)
    with np.errstate(invalid="ignore"):
        nan = np.isnan(a) != np.isnan(b)
        diff = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b))
        bad = nan | ~(diff <= atol + rtol * np.abs(np.where(np.isnan(b), 0.0, b)))
    if not bad.any():
        return None
    worst = int(np.nanargmax(np.where(np.isnan(diff), -1.0, diff)))
    return "%s: max abs error %.4g at %s (got %.6g, expected %.6g), %d/%d elements outside |a-b| <= %g + %g*|b|" % (
        name,
        float(np.nanmax(diff)),
        list(np.unravel_index(worst, b.shape)),
        float(a.flat[worst]),
        float(b.flat[worst]),
        int(bad.sum()),
        b.size,
        atol,
        rtol,
    )


def run_onnxruntime(model_path, sets, atol, rtol, out=print):
    """Runs the model on every input set with the options convgate's check uses; returns problems."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    problems = []
    for k, (inputs, expected) in enumerate(sets):
        feeds = {i.name: inputs[i.name] for i in session.get_inputs()}
        results = dict(zip(names, session.run(None, feeds)))
        for position, (name, ref) in enumerate(expected):
            got = results.get(name, results[names[position]] if position < len(names) else None)
            p = "missing output" if got is None else compare(name, ref, got, atol, rtol)
            if p:
                problems.append("input set %d: %s" % (k, p))
    for p in problems:
        out(p)
    return problems


def _setup_paths(bundle_dir, bundle):
    # The bundle's copy of convgate's worker modules; appended so a converter on PYTHONPATH wins.
    sys.path.append(bundle_dir)
    home = os.environ.get("CONVGATE_HOME") or bundle.get("convgateHome") or ""
    paths = []
    for absolute, relative in bundle.get("corpusPaths", []):
        if not os.path.isdir(absolute) and relative and home:
            absolute = os.path.join(home, relative)
        sys.path.append(absolute)
        paths.append(absolute)
    # A corpus names only its own modules and the model libraries it declares (factories.py).
    from convgate_worker import factories

    factories.configure(factories.Scope.from_paths(paths, bundle.get("modelLibraries", [])))


def build(case):
    """The PyTorch model of the case and its input sets (seeded, as convgate made them)."""
    from convgate_worker.frontends import torch_models

    model = torch_models.build_module(case)
    input_sets = torch_models.make_input_sets(case)
    names = [s["name"] for s in case["inputs"]]
    if case.get("submodule"):
        from convgate_worker.localize import submodule

        model, input_sets, names, _ = submodule.extract(model, input_sets, case["submodule"]["path"], int(case["submodule"].get("call", 0)))
    return model, input_sets, names


def export(model, args, path, case, names, adapter):
    """Exports the way the recorded converter adapter does (plain torch.onnx.export calls)."""
    import torch

    settings = case.get("export") or {}
    kwargs = dict(
        opset_version=settings.get("opset"),
        input_names=names,
        output_names=settings.get("outputNames") or None,
        dynamic_axes=_dynamic_axes(settings.get("dynamicAxes")),
        do_constant_folding=settings.get("constantFolding", True),
    )
    if adapter == "torch.onnx.dynamo":
        kwargs.pop("do_constant_folding")
        torch.onnx.export(model, tuple(args), path, dynamo=True, **kwargs)
    elif adapter == "onnx-version-converter":
        import onnx
        import onnx.version_converter

        torch.onnx.export(model, tuple(args), path, **dict(kwargs, opset_version=11))
        onnx.save(onnx.version_converter.convert_version(onnx.load(path), settings.get("opset")), path)
    else:
        if "dynamo" in inspect.signature(torch.onnx.export).parameters:
            kwargs["dynamo"] = False  # torch >= 2.9 exports with dynamo unless told not to
        torch.onnx.export(model, tuple(args), path, **kwargs)


def _dynamic_axes(axes):
    if not axes:
        return None
    return {n: {int(a): s for a, s in d.items()} if isinstance(d, dict) else list(d) for n, d in axes.items()}


def describe_failure(bundle):
    o = bundle.get("original") or {}
    e = o.get("error")
    what = "%s: %s: %s" % (e["stage"], e["type"], e["message"].splitlines()[0][:300]) if e else o.get("outcome", "?")
    d = bundle.get("divergingNode")
    where = ""
    if d:
        where = "\ndiverging node: %s (%s%s)%s" % (
            d.get("node") or d.get("step") or "?",
            d["op"],
            ", in %s()" % d["function"] if d.get("function") else "",
            " in module %s" % d["module"] if d.get("module") else "",
        )
    return "convgate case %s was %s: %s%s" % (bundle.get("id"), o.get("outcome"), what, where)


def same_error(bundle, exc_type):
    e = (bundle.get("original") or {}).get("error")
    if not e:
        return ""
    recorded = e["type"].split(".")[-1]
    return " (the same error type as recorded: %s)" % recorded if recorded == exc_type else " (recorded: %s)" % e["type"]


def rebuild_and_check(bundle_dir, bundle, case, out=print):
    import torch

    _setup_paths(bundle_dir, bundle)
    atol, rtol = bundle["tolerance"]["atol"], bundle["tolerance"]["rtol"]
    model, input_sets, names = build(case)
    with torch.no_grad():
        from convgate_worker.frontends.torch_models import flatten_outputs

        references = [flatten_outputs(model(*inputs)) for inputs in input_sets]
    path = os.path.join(bundle_dir, "reproduced.onnx")
    from convgate_worker import plugins

    adapter = bundle.get("adapter") or plugins.default_converter()
    out("exporting with torch %s (%s) to %s" % (torch.__version__, adapter, path))
    try:
        export(model, input_sets[0], path, case, names, adapter)
        import onnx

        onnx.checker.check_model(onnx.load(path))
    except Exception as exc:  # noqa: BLE001 -- the failure being reproduced
        traceback.print_exc()
        out("REPRODUCED: the conversion raised %s: %s%s" % (type(exc).__name__, str(exc).splitlines()[0][:300] if str(exc) else "", same_error(bundle, type(exc).__name__)))
        return EXIT_REPRODUCED
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        out("exported and checked; onnxruntime for Python is not installed, so the model was not run (pip install onnxruntime)")
        return EXIT_NO_ORT
    output_names = case.get("export", {}).get("outputNames") or ["output_%d" % i for i in range(len(references[0]))]
    sets = [
        ({n: t.numpy() for n, t in zip(names, inputs)}, [(n, r.numpy()) for n, r in zip(output_names, refs)])
        for inputs, refs in zip(input_sets, references)
    ]
    return _check_model(path, sets, atol, rtol, bundle, out)


def _check_model(path, sets, atol, rtol, bundle, out):
    try:
        problems = run_onnxruntime(path, sets, atol, rtol, out)
    except Exception as exc:  # noqa: BLE001
        out("REPRODUCED: ONNX Runtime failed to load or run the model: %s: %s%s" % (type(exc).__name__, str(exc).splitlines()[0][:400], same_error(bundle, type(exc).__name__)))
        return EXIT_REPRODUCED
    if problems:
        out("REPRODUCED: wrong output (%d problem(s))" % len(problems))
        return EXIT_REPRODUCED
    out("ok: every output within tolerance")
    return EXIT_OK


def onnx_only(bundle_dir, bundle, out=print):
    model = os.path.join(bundle_dir, "model.onnx")
    if not os.path.exists(model):
        out("the converter wrote no model; recorded failure:\n" + describe_failure(bundle))
        return EXIT_CANNOT
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        out("onnxruntime for Python is not installed (pip install onnxruntime)")
        return EXIT_NO_ORT
    sets = read_tensor_sets(bundle_dir)
    return _check_model(model, sets, bundle["tolerance"]["atol"], bundle["tolerance"]["rtol"], bundle, out)


def main(argv=None, bundle_dir=None, out=print):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--onnx-only", action="store_true", help="run the bundled model.onnx; no torch")
    parser.add_argument("--bundle", default=bundle_dir or os.path.dirname(os.path.abspath(__file__)), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        bundle = load_json(os.path.join(args.bundle, "bundle.json"))
        case = load_json(os.path.join(args.bundle, "case.json"))
    except (OSError, ValueError) as exc:
        out("not a convgate reproducer bundle: %s" % exc)
        return EXIT_CANNOT
    out(describe_failure(bundle))
    if args.onnx_only:
        return onnx_only(args.bundle, bundle, out)
    try:
        import torch  # noqa: F401
    except ImportError:
        out("torch is not installed: checking the bundled model.onnx instead")
        return onnx_only(args.bundle, bundle, out)
    return rebuild_and_check(args.bundle, bundle, case, out)


if __name__ == "__main__":
    sys.exit(main())
