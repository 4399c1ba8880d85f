"""The command converter without running a converter: template checks, argv, reading exit
status and stderr into the error record and step a native converter would give."""
import os
import signal
import subprocess
import sys
import unittest

from convgate_worker.converters import Failure, command, tf2onnx

TRACEBACK = """2026-01-01 12:00:00 WARNING - tf2onnx: some UserWarning: a deprecated flag
Traceback (most recent call last):
  File "/usr/lib/python3.11/runpy.py", line 198, in _run_module_as_main
  File "/venv/lib/python3.11/site-packages/tf2onnx/convert.py", line 710, in main
    g = process_tf_graph(tf_graph, opset=args.opset)
  File "/venv/lib/python3.11/site-packages/tf2onnx/tfonnx.py", line 459, in process_tf_graph
    raise ValueError(msg)
  File "/venv/lib/python3.11/site-packages/tf2onnx/onnx_opset/nn.py", line 88, in version_11
    raise ValueError("Unsupported ops: Counter({'FooOp': 1})")
ValueError: Unsupported ops: Counter({'FooOp': 1})
"""


class TemplateTest(unittest.TestCase):
    def tearDown(self):
        command._template = None

    def test_placeholders_are_checked_once(self):
        with self.assertRaisesRegex(ValueError, r"unknown placeholder\(s\) \{outptu\}"):
            command.configure("conv {source} {outptu}")
        with self.assertRaisesRegex(ValueError, r"must name the output file with \{onnx\}"):
            command.configure("conv {source}")
        with self.assertRaisesRegex(ValueError, "empty"):
            command.configure("  ")

    def test_argv_substitutes_inside_words_without_a_shell(self):
        command.configure("{python} -m tf2onnx.convert --saved-model {source} --output={onnx} --opset {opset} --inputs {inputs}")
        words = command.argv(
            {"python": "/py", "source": "/a dir/saved model", "onnx": "/o/m.onnx", "opset": "13", "inputs": "x,y",
             "outputs": "", "case": "/c"}
        )
        self.assertEqual(
            words,
            ["/py", "-m", "tf2onnx.convert", "--saved-model", "/a dir/saved model", "--output=/o/m.onnx", "--opset", "13",
             "--inputs", "x,y"],
        )

    def test_the_version_names_the_command(self):
        command.configure("a {onnx}")
        first = command.describe()
        command.configure("b {onnx}")
        self.assertNotEqual(first["version"], command.describe()["version"])
        self.assertEqual(command.describe()["command"], "b {onnx}")


class StderrTest(unittest.TestCase):
    def test_a_python_traceback_gives_type_message_frames_and_the_native_step(self):
        err = command.failure(1, TRACEBACK, "")
        self.assertEqual(err.record["type"], "ValueError")
        self.assertEqual(err.record["message"], "Unsupported ops: Counter({'FooOp': 1})")
        self.assertEqual(err.record["traceback"][-1], "/venv/lib/python3.11/site-packages/tf2onnx/onnx_opset/nn.py:88 in version_11")
        self.assertEqual(command.failure_step(err), "op-conversion")

    def test_the_version_converter_step_from_a_command_traceback(self):
        text = (
            "Traceback (most recent call last):\n"
            '  File "/x/scripts/onnx-version-cli.py", line 20, in main\n'
            '  File "/venv/site-packages/onnx/version_converter.py", line 39, in convert_version\n'
            "RuntimeError: No Adapter From Version $15 for BatchNormalization\n"
        )
        err = command.failure(1, text, "")
        self.assertEqual((err.record["type"], command.failure_step(err)), ("RuntimeError", "version-conversion"))

    def test_qualified_exception_names_and_bare_ones(self):
        text = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nonnx.checker.ValidationError: bad node\n"
        self.assertEqual(command.parse_traceback(text)[:2], ("onnx.checker.ValidationError", "bad node"))
        text = "Traceback (most recent call last):\n  File \"a.py\", line 1, in f\nKeyboardInterrupt\n"
        self.assertEqual(command.parse_traceback(text)[:2], ("KeyboardInterrupt", ""))

    def test_without_a_traceback_the_exit_status_and_last_lines(self):
        err = command.failure(3, "loading...\nerror: model has no inputs\n", "")
        self.assertEqual(err.record["type"], "CommandFailed")
        self.assertIn("exited with 3", err.record["message"])
        self.assertIn("error: model has no inputs", err.record["message"])
        self.assertEqual(command.failure_step(err), "command")

    def test_a_signal_is_a_crash(self):
        err = command.failure(-int(signal.SIGSEGV), "Fatal Python error: Segmentation fault\n", "")
        self.assertEqual(err.record["type"], "CommandCrash")
        self.assertIn("signal SIGSEGV", err.record["message"])

    def test_warning_lines(self):
        self.assertEqual(command.warning_lines(TRACEBACK), ["UserWarning: a deprecated flag"])


class WithoutTorchTest(unittest.TestCase):
    def test_the_step_rules_of_every_converter_load_without_torch(self):
        # The tf stack has no torch: a command's traceback is still classified (tf2onnx's rules and
        # the torch exporters' rules alike), so no converter module may import torch at load time.
        code = (
            "import sys; sys.modules['torch'] = None\n"
            "from convgate_worker.converters import Failure, command\n"
            "f = Failure('ValueError', 'x', (('/s/tf2onnx/onnx_opset/nn.py', 'version_11'),))\n"
            "g = Failure('X', '', (('/s/torch/onnx/utils.py', '_run_symbolic_function'),))\n"
            "print(command.steps(f), command.steps(g))\n"
        )
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        done = subprocess.run([sys.executable, "-c", code], cwd=here, capture_output=True, text=True, timeout=120)
        self.assertEqual((done.returncode, done.stdout.strip()), (0, "op-conversion symbolic"), done.stderr)


class Tf2onnxStepsTest(unittest.TestCase):
    def step(self, *frames, message="", type_name="ValueError"):
        return tf2onnx.steps(Failure(type_name, message, tuple(frames)))

    def test_steps_in_tf2onnx_order(self):
        self.assertEqual(self.step(("/s/tf2onnx/tf_loader.py", "from_function")), "freeze")
        self.assertEqual(self.step(("/s/tf2onnx/tf_loader.py", "from_function"), ("/s/tf2onnx/tf_utils.py", "tf_optimize_grappler")), "tf-optimize")
        self.assertEqual(self.step(("/s/tf2onnx/tfonnx.py", "process_tf_graph"), ("/s/tf2onnx/onnx_opset/math.py", "version_7")), "op-conversion")
        self.assertEqual(self.step(("/s/tf2onnx/tfonnx.py", "run_rewriters"), ("/s/tf2onnx/rewriter/lstm_rewriter.py", "run")), "rewrite")
        self.assertEqual(self.step(("/s/tf2onnx/optimizer/__init__.py", "optimize_graph")), "onnx-optimize")
        self.assertEqual(self.step(("/s/tf2onnx/utils.py", "save_protobuf")), "serialization")
        self.assertEqual(self.step(message="Unsupported ops: Counter({'X': 1})"), "op-conversion")
        self.assertIsNone(self.step(("/s/other.py", "f")))


if __name__ == "__main__":
    unittest.main()
