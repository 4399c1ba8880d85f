"""The plugin table: every module exists and has its contract; Keras' needs follow its backend."""
import importlib.util
import os
import unittest

from convgate_worker import plugins
from convgate_worker.converters import keras_onnx

CONVERTER_API = ("describe", "supported_opsets", "export", "steps", "failure_step")
FRONTEND_API = ("describe", "prepare", "build", "reference", "save")


class PluginTableTest(unittest.TestCase):
    def test_modules_exist_and_name_their_contract(self):
        table = plugins.table()
        for kind, api in (("converters", CONVERTER_API), ("frontends", FRONTEND_API)):
            for name, entry in table[kind].items():
                spec = importlib.util.find_spec(entry["module"])
                self.assertIsNotNone(spec, entry["module"])
                source = open(spec.origin).read()
                for fn in api:
                    self.assertIn("def %s(" % fn, source, "%s %s lacks %s" % (kind, name, fn))

    def test_every_package_a_plugin_needs_has_an_install_hint(self):
        table = plugins.table()
        needs = {p for kind in ("converters", "frontends") for e in table[kind].values() for p in e["needs"]}
        self.assertEqual(sorted(needs - set(table["install"])), [])

    def test_keras_needs_follow_the_backend(self):
        old = os.environ.get("KERAS_BACKEND")
        try:
            os.environ["KERAS_BACKEND"] = "torch"
            self.assertEqual(keras_onnx.requires(), ["torch", "onnx"])
            os.environ["KERAS_BACKEND"] = "tensorflow"
            self.assertEqual(keras_onnx.requires(), ["tensorflow", "tf2onnx"])
        finally:
            if old is None:
                os.environ.pop("KERAS_BACKEND", None)
            else:
                os.environ["KERAS_BACKEND"] = old


if __name__ == "__main__":
    unittest.main()
