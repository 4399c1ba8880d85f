"""Python side of localization (python/convgate_worker/localize): scopes, submodules, function
capture, the exporter-node locator and the reproducer script repro.py. Run by
__tests__/python/localize-python.test.ts with each stack's interpreter (`python -m unittest`)."""
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "python"))
FIXTURE = os.path.join(ROOT, "__tests__", "fixtures", "localize")
sys.path.insert(0, FIXTURE)

import torch  # noqa: E402

from convgate_worker import tensors  # noqa: E402
from convgate_worker.frontends import torch_models  # noqa: E402
from convgate_worker.localize import capture, probe, repro, scopes, submodule  # noqa: E402

import localize_models  # noqa: E402
from convgate_worker import factories  # noqa: E402

# As the worker does at start-up: the fixture's own modules are what its cases may name.
factories.configure(factories.Scope.from_paths([FIXTURE]))


def fake_node(name, props=None):
    return types.SimpleNamespace(name=name, metadata_props=[types.SimpleNamespace(key=k, value=v) for k, v in (props or {}).items()])


def fake_graph(nodes):
    return types.SimpleNamespace(node=nodes)


class Scopes(unittest.TestCase):
    def test_torchscript_names_under_containers_and_repeated_calls(self):
        model = localize_models.encoder()
        paths = {p for p, _ in model.named_modules()}
        graph = fake_graph(
            [
                fake_node("/layers.0/attn/q/Gemm"),
                fake_node("/layers.0/attn/Softmax"),
                fake_node("/layers.0/mlp/mlp.1/Mul"),
                fake_node("/layers.1/attn/Softmax"),
                fake_node("/head/Gemm"),
                fake_node("/Add_3"),
                fake_node("Identity_12"),
                fake_node("/nosuch/Relu"),
            ]
        )
        got = scopes.node_scopes(graph, paths)
        self.assertEqual(got[0], [("layers.0", 0), ("layers.0.attn", 0), ("layers.0.attn.q", 0)])
        self.assertEqual(got[2], [("layers.0", 0), ("layers.0.mlp", 0), ("layers.0.mlp.1", 0)])
        self.assertEqual(got[3][-1], ("layers.1.attn", 0))
        self.assertEqual(got[4], [("head", 0)])
        self.assertEqual(got[5], [])  # the root module itself
        self.assertIsNone(got[6])
        self.assertIsNone(got[7])

    def test_repeated_call_suffix(self):
        act = torch.nn.ReLU()
        paths = {"", "act", "act_2x"}
        got = scopes.node_scopes(fake_graph([fake_node("/act/Relu"), fake_node("/act_1/Relu"), fake_node("/act_2x/Relu")]), paths)
        self.assertEqual([g[-1] for g in got], [("act", 0), ("act", 1), ("act_2x", 0)])
        del act

    def test_dynamo_metadata_and_calls(self):
        paths = {"", "layers.0", "layers.0.act", "act"}
        ns = scopes.NAME_SCOPES
        nodes = [
            fake_node("node_linear", {ns: "['', 'layers.0', 'linear']"}),
            fake_node("node_Erf_2", {ns: "['', 'layers.0', 'layers.0.act', 'gelu']"}),
            fake_node("node_gelu", {ns: "['', 'layers.0', 'layers.0.act', 'gelu']"}),
            fake_node("node_softmax", {ns: "['', 'layers.0', 'softmax']"}),
            fake_node("node_relu", {ns: "['', 'act', 'relu']"}),
            fake_node("node_mul", {ns: "['', 'mul']"}),
            fake_node("node_relu_1", {ns: "['', 'act', 'relu_1']"}),
        ]
        got = scopes.node_scopes(fake_graph(nodes), paths)
        self.assertEqual(got[1], [("layers.0", 0), ("layers.0.act", 0)])
        self.assertEqual(got[3], [("layers.0", 0)])  # back in the same call of layers.0
        self.assertEqual(got[4], [("act", 0)])
        self.assertEqual(got[6], [("act", 1)])  # act called again after leaving it
        # Metadata lost by a version conversion, borrowed by node name from another export.
        bare = [fake_node(n.name) for n in nodes]
        borrowed = {n.name: {p.key: p.value for p in n.metadata_props} for n in nodes}
        self.assertEqual(scopes.node_scopes(fake_graph(bare), paths, borrowed), got)


class Capture(unittest.TestCase):
    def test_module_outputs_and_functions_of_one_call(self):
        torch.manual_seed(0)
        model = localize_models.encoder().eval()
        x = torch.rand(2, 5, 8)
        calls, outs, order = capture.module_outputs(model, [x])
        self.assertEqual(calls["layers.0.attn"][0]["type"], "Attention")
        self.assertEqual(list(calls["layers.0.attn"][0]["outputs"][0].shape), [2, 5, 8])
        self.assertEqual(order[-1], ("head", 0))
        names = [name for name, _ in capture.function_outputs(model, [x], "layers.1.attn", 0)]
        # The call's own functions, not those of its child Linear modules.
        self.assertIn("softmax", names)
        self.assertIn("transpose", names)
        self.assertNotIn("linear", names)

    def test_functions_of_the_models_own_forward(self):
        class Top(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = torch.nn.Linear(4, 4)

            def forward(self, x, n):
                return self.lin(x) * torch.div(n, 2).unsqueeze(-1)

        x, n = torch.rand(2, 4), torch.tensor([3, 5])
        got = capture.function_outputs(Top().eval(), [x, n], "", 0)
        names = [name for name, _ in got]
        self.assertIn("div", names)
        self.assertNotIn("linear", names)  # inside the child module
        self.assertEqual(dict(got)["div"][0].tolist(), [1.5, 2.5])

    def test_exporter_node_of_a_failing_symbolic(self):
        def broken(g, weight, indices, padding_idx, scale_grad_by_freq, sparse):
            raise RuntimeError("broken embedding symbolic")

        torch.onnx.register_custom_op_symbolic("aten::embedding", broken, 9)
        try:
            model = localize_models.pooler().eval()
            kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
            raised = None
            with tempfile.TemporaryDirectory() as d:
                try:  # not assertRaises: it clears the traceback's frames, which the locator reads
                    torch.onnx.export(model, (torch.randint(0, 20, (2, 6)),), os.path.join(d, "m.onnx"), **kwargs)
                except RuntimeError as exc:
                    raised = exc
            self.assertIsNotNone(raised)
            self.assertEqual(capture.exporter_node(raised), {"op": "aten::embedding", "module": "embed", "moduleType": "Embedding"})
        finally:
            torch.onnx.unregister_custom_op_symbolic("aten::embedding", 9)
        self.assertIsNone(capture.exporter_node(ValueError("not from an export")))


class Probe(unittest.TestCase):
    def test_values_entering_a_call_and_its_eager_arguments(self):
        from onnx import helper

        # x -> head (Gemm) -> Transpose in the root forward -> norm (ReduceMean, Sub, uses Shape)
        nodes = [
            helper.make_node("Gemm", ["x", "w"], ["a"], name="/head/Gemm"),
            helper.make_node("Transpose", ["a"], ["t"], name="/Transpose", perm=[1, 0]),
            helper.make_node("Shape", ["t"], ["s"], name="/Shape"),
            helper.make_node("ReduceMean", ["t"], ["m"], name="/norm/ReduceMean"),
            helper.make_node("Sub", ["t", "m"], ["y"], name="/norm/Sub"),
            helper.make_node("Reshape", ["y", "s"], ["z"], name="/norm/Reshape"),
        ]
        graph = helper.make_graph(nodes, "g", [], [])
        scopes_ = [[("head", 0)], [], [], [("norm", 0)], [("norm", 0)], [("norm", 0)]]
        got = probe.entry_values(graph, scopes_)
        # What enters norm from outside: the transpose's value (not the shape arithmetic, not its own).
        self.assertEqual(got[("norm", 0)], ["t"])
        self.assertEqual(got[("head", 0)], [])  # graph inputs and initializers are not computed values
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
        calls, _, _ = capture.module_outputs(model.eval(), [torch.ones(2, 3)])
        self.assertEqual(list(calls["1"][0]["inputs"][0].shape), [2, 4])
        self.assertTrue(torch.equal(calls["1"][0]["inputs"][0], calls["0"][0]["outputs"][0]))


class Submodules(unittest.TestCase):
    def test_extract_with_captured_inputs(self):
        torch.manual_seed(0)
        model = localize_models.encoder().eval()
        sets = [[torch.rand(2, 5, 8)], [torch.rand(3, 4, 8)]]
        module, inputs, names, label = submodule.extract(model, sets, "layers.1.attn")
        self.assertEqual(label, "Attention")
        self.assertEqual(names, ["in_0"])
        self.assertEqual(len(inputs), 2)
        # The captured input is what the block normalised, not the model input.
        with torch.no_grad():
            expected = model.layers[1].norm(model.layers[0](sets[0][0]))
        self.assertTrue(torch.allclose(inputs[0][0], expected))
        with self.assertRaises(submodule.SubmoduleError):
            submodule.extract(model, sets, "layers.7")
        with self.assertRaises(submodule.SubmoduleError):
            submodule.extract(model, sets, "layers.0.attn", call=1)


def write_bundle(directory, case, tolerance=1e-3):
    """A bundle as convgate writes it (case.json, bundle.json, tensors/, the worker modules)."""
    model = probe.build_model(case)
    sets = torch_models.make_input_sets(case)
    with torch.no_grad():
        refs = [[t.numpy() for t in torch_models.flatten_outputs(model(*s))] for s in sets]
    names = [s["name"] for s in case["inputs"]]
    tensors.write_sets(directory, names, ["output_0"], [[t.numpy() for t in s] for s in sets], refs)
    with open(os.path.join(directory, "case.json"), "w") as fh:
        json.dump(case, fh)
    bundle = {
        "id": case["id"],
        "adapter": "torch.onnx",
        "tolerance": {"atol": tolerance, "rtol": tolerance},
        "corpusPaths": [[FIXTURE, ""]],
        "original": {"outcome": "wrong-output"},
        "divergingNode": {"node": "/layers.0/attn/Softmax", "op": "Softmax", "module": "layers.0.attn", "function": "softmax"},
    }
    with open(os.path.join(directory, "bundle.json"), "w") as fh:
        json.dump(bundle, fh)
    shutil.copytree(os.path.join(ROOT, "python", "convgate_worker"), os.path.join(directory, "convgate_worker"), ignore=shutil.ignore_patterns("__pycache__", "adapters"))
    shutil.copy(os.path.join(ROOT, "python", "convgate_worker", "localize", "repro.py"), os.path.join(directory, "repro.py"))
    return model, sets


ENCODER = {
    "id": "encoder",
    "seed": 0,
    "model": {"factory": "localize_models:encoder"},
    "inputs": [{"name": "x", "dtype": "float32", "shape": [2, 5, 8]}],
    "export": {"opset": 14, "constantFolding": True},
}


def has_onnxruntime():
    try:
        import onnxruntime  # noqa: F401

        return True
    except ImportError:
        return False


class Repro(unittest.TestCase):
    def test_compare_follows_convgates_rule(self):
        import numpy as np

        ref = np.array([1.0, 2.0, np.nan], dtype=np.float32)
        self.assertIsNone(repro.compare("o", ref, ref.copy(), 1e-3, 1e-3))
        self.assertIn("max abs error 0.5", repro.compare("o", ref, np.array([1.0, 2.5, np.nan], dtype=np.float32), 1e-3, 1e-3))
        self.assertIn("1/3 elements", repro.compare("o", ref, np.array([1.0, 2.5, np.nan], dtype=np.float32), 1e-3, 1e-3))
        self.assertIn("shape [2]", repro.compare("o", ref, np.zeros(2, dtype=np.float32), 1e-3, 1e-3))
        self.assertIn("dtype int64", repro.compare("o", ref, np.zeros(3, dtype=np.int64), 1e-3, 1e-3))

    def test_not_a_bundle(self):
        lines = []
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(repro.main([], bundle_dir=d, out=lines.append), repro.EXIT_CANNOT)
        self.assertIn("not a convgate reproducer bundle", lines[0])

    @unittest.skipUnless(os.environ.get("CONVGATE_TEST_REPRO_RUNTIME") == "1", "onnxruntime checks run with the modern stack")
    def test_repro_shows_the_mismatch_and_the_fix(self):
        self.assertTrue(has_onnxruntime(), "the modern stack must have onnxruntime for Python")
        with tempfile.TemporaryDirectory() as d:
            write_bundle(d, ENCODER)
            env = dict(os.environ, PYTHONPATH=os.path.join(FIXTURE, "break"), CONVGATE_TEST_BREAK="softmax")
            broken = subprocess.run([sys.executable, "repro.py"], cwd=d, env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(broken.returncode, 1, broken.stdout + broken.stderr)
            self.assertIn("diverging node: /layers.0/attn/Softmax (Softmax, in softmax()) in module layers.0.attn", broken.stdout)
            self.assertRegex(broken.stdout, r"input set 0: output_0: max abs error [0-9.]+ at \[")
            self.assertIn("REPRODUCED: wrong output", broken.stdout)
            # The same bundle with the regression gone: ok, exit 0.
            env.pop("PYTHONPATH")
            fixed = subprocess.run([sys.executable, "repro.py"], cwd=d, env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(fixed.returncode, 0, fixed.stdout + fixed.stderr)
            self.assertIn("ok: every output within tolerance", fixed.stdout)
            # --onnx-only runs the bundled model.onnx (exported above by the broken converter).
            shutil.copy(os.path.join(d, "reproduced.onnx"), os.path.join(d, "model.onnx"))
            only = subprocess.run([sys.executable, "repro.py", "--onnx-only"], cwd=d, env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(only.returncode, 0, only.stdout)

    def test_crash_reproduces_with_the_same_error(self):
        case = {
            "id": "pooler",
            "seed": 0,
            "model": {"factory": "localize_models:pooler"},
            "inputs": [{"name": "ids", "dtype": "int64", "shape": [2, 6], "range": [0, 20]}],
            "export": {"opset": 14},
        }
        with tempfile.TemporaryDirectory() as d:
            write_bundle(d, case)
            with open(os.path.join(d, "bundle.json")) as fh:
                bundle = json.load(fh)
            bundle["original"] = {"outcome": "conversion-crash", "error": {"stage": "export", "type": "RuntimeError", "message": "embedding: this exporter build cannot export aten::embedding"}}
            with open(os.path.join(d, "bundle.json"), "w") as fh:
                json.dump(bundle, fh)
            env = dict(os.environ, PYTHONPATH=os.path.join(FIXTURE, "break"), CONVGATE_TEST_BREAK="embedding")
            r = subprocess.run([sys.executable, "repro.py"], cwd=d, env=env, capture_output=True, text=True, timeout=300)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("REPRODUCED: the conversion raised RuntimeError: embedding: this exporter build cannot export aten::embedding (the same error type as recorded: RuntimeError)", r.stdout)


if __name__ == "__main__":
    unittest.main()
