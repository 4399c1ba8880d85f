"""The `onnx` frontend: the source is an ONNX model, its references come from running it in
onnxruntime for Python. Three kinds of source (`model` in the case):

- {"path": "/abs/model.onnx"}: a file (the corpus loader makes the path absolute);
- {"nodeTest": "test_softmax_axis_0"}: one of ONNX's own node test models (Debian's
  libonnx-testdata, or CONVGATE_ONNX_TESTDATA), with its own test inputs;
- {"torch": {factory|spec...}, "sourceOpset": 11}: a torch case exported once with the
  TorchScript exporter at `sourceOpset` into the source cache (CONVGATE_CACHE, default
  ~/.cache/convgate/onnx-sources), keyed by everything that decides the file.
"""
from __future__ import annotations

import glob
import hashlib
import importlib.util
import json
import os
import tempfile
from typing import Any

import numpy as np
import onnx
import onnxruntime
from onnx import numpy_helper

from .. import tensors
from . import Source

NAME = "onnx"
NEEDS = ("onnx", "onnxruntime")
CACHE_VERSION = 1
NODE_TEST_DIRS = (
    os.environ.get("CONVGATE_ONNX_TESTDATA", ""),
    "/usr/share/libonnx-testdata/data/node",
    os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node"),
)

_threads = 1


def describe() -> dict[str, Any]:
    return {"name": NAME, "version": onnx.__version__, "runtime": "onnxruntime %s" % onnxruntime.__version__}


def prepare(threads: int) -> None:
    global _threads
    _threads = max(1, threads)


# -- sources ------------------------------------------------------------------------------


def node_test_dir(name: str) -> str:
    for base in NODE_TEST_DIRS:
        if base and os.path.isfile(os.path.join(base, name, "model.onnx")):
            return os.path.join(base, name)
    raise FileNotFoundError(
        "ONNX node test %s not found in %s: install Debian's libonnx-testdata (apt-get install libonnx-testdata) "
        "or set CONVGATE_ONNX_TESTDATA to a folder of node tests" % (name, ", ".join(d for d in NODE_TEST_DIRS if d))
    )


def node_test_inputs(directory: str, input_names: list[str]) -> list[list[np.ndarray]]:
    sets = []
    for data in sorted(glob.glob(os.path.join(directory, "test_data_set_*"))):
        arrays = []
        for i in range(len(input_names)):
            tensor = onnx.TensorProto()
            with open(os.path.join(data, "input_%d.pb" % i), "rb") as fh:
                tensor.ParseFromString(fh.read())
            arrays.append(numpy_helper.to_array(tensor))
        sets.append(arrays)
    return sets


def cache_dir() -> str:
    root = os.environ.get("CONVGATE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "convgate")
    return os.path.join(root, "onnx-sources")


def _corpus_sources_digest() -> str:
    """Contents of the corpus' own modules and of the worker's model builders: a change to any of
    them changes every torch-made source."""
    from .. import factories

    h = hashlib.sha256()
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files = [os.path.join(here, f) for f in ("real.py", "synthetic.py", "frontends/torch_models.py")]
    for module in factories.scope().own:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin and os.path.isfile(spec.origin):
            files.append(spec.origin)
    for f in files:
        with open(f, "rb") as fh:
            h.update(os.path.basename(f).encode())
            h.update(fh.read())
    return h.hexdigest()


def torch_case(case: dict[str, Any]) -> dict[str, Any]:
    """The torch case an onnx case was made from: same inputs, seed and export names/axes."""
    model = case["model"]
    export = dict(case.get("export") or {}, opset=int(model["sourceOpset"]))
    return dict(case, frontend="torch", model=model["torch"], export=export)


def torch_source(case: dict[str, Any]) -> str:
    """The cached ONNX export of the case's torch model, made with the TorchScript exporter."""
    import torch

    from ..converters import torch_onnx
    from ..runner import export_settings
    from . import torch_models

    source_case = torch_case(case)
    key = hashlib.sha256(
        json.dumps(
            {
                "v": CACHE_VERSION,
                "case": {k: source_case.get(k) for k in ("model", "seed", "inputs", "inputSets", "export")},
                "torch": torch.__version__,
                "onnx": onnx.__version__,
                "code": _corpus_sources_digest(),
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:24]
    path = os.path.join(cache_dir(), "%s.onnx" % key)
    if os.path.isfile(path):
        return path
    os.makedirs(cache_dir(), exist_ok=True)
    source = torch_models.build(source_case)
    outputs = len(torch_models.reference(source)[0])
    settings = export_settings(source_case, outputs)
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=cache_dir())
    os.close(fd)
    try:
        torch_onnx.export(source.model, source.input_sets[0], tmp, settings)
        os.replace(tmp, path)  # atomic: two workers making the same source both end with one file
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def source_path(case: dict[str, Any]) -> str:
    model = case["model"]
    if "path" in model:
        return str(model["path"])
    if "nodeTest" in model:
        return os.path.join(node_test_dir(str(model["nodeTest"])), "model.onnx")
    if "torch" in model:
        return torch_source(case)
    raise ValueError("an onnx case's model needs one of path, nodeTest or torch (+ sourceOpset)")


# -- the contract -------------------------------------------------------------------------


def graph_inputs(proto: Any) -> list[str]:
    """Inputs a caller feeds (older opsets list initializers among the graph inputs too)."""
    initializers = {i.name for i in proto.graph.initializer}
    return [i.name for i in proto.graph.input if i.name not in initializers]


def build(case: dict[str, Any]) -> Source:
    path = source_path(case)
    proto = onnx.load(path)
    if "nodeTest" in case["model"]:
        input_names = graph_inputs(proto)
        sets = node_test_inputs(os.path.dirname(path), input_names)
    else:
        input_names = [s["name"] for s in case["inputs"]]
        sets = tensors.make_numpy_input_sets(case)
    outputs = [o.name for o in proto.graph.output]
    return Source(model=proto, input_sets=sets, numpy_inputs=sets, extra={"inputNames": input_names, "outputNames": outputs})


def session(proto: Any) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = _threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])


def reference(source: Source) -> list[list[np.ndarray]]:
    sess = session(source.model)
    wanted = {i.name for i in sess.get_inputs()}
    names = source.extra["inputNames"]
    references = []
    for inputs in source.input_sets:
        feeds = {n: a for n, a in zip(names, inputs) if n in wanted}
        references.append([np.asarray(o) for o in sess.run(None, feeds)])
    return references


def save(source: Source, directory: str) -> str:
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, "source.onnx")
    onnx.save(source.model, path)
    return path
