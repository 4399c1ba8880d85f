"""The one factory resolver: 'module:attribute' only, limited to the corpus' own modules and the
model libraries it declares."""
import os
import tempfile
import unittest

from convgate_worker import factories


class FactoryScopeTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        with open(os.path.join(self.dir, "my_models.py"), "w") as fh:
            fh.write("def build(**kw):\n    return ('built', kw)\n")
        os.makedirs(os.path.join(self.dir, "pkg"))
        open(os.path.join(self.dir, "pkg", "__init__.py"), "w").close()
        import sys

        sys.path.append(self.dir)
        self.addCleanup(sys.path.remove, self.dir)
        factories.configure(factories.Scope.from_paths([self.dir], ["json"]))
        self.addCleanup(factories.configure, factories.Scope())

    def test_own_modules_are_found_in_the_corpus_folders(self):
        self.assertEqual(factories.own_modules([self.dir]), ["my_models", "pkg"])

    def test_resolves_own_modules_and_declared_libraries(self):
        self.assertEqual(factories.resolve("my_models:build")(a=1), ("built", {"a": 1}))
        self.assertTrue(callable(factories.resolve("json.decoder:JSONDecoder")))

    def test_refuses_modules_outside_the_scope_before_importing_them(self):
        for spec in ("os:system", "subprocess:run", "builtins:eval"):
            with self.assertRaises(factories.FactoryError) as ctx:
                factories.resolve(spec, "model.kwargs.net")
            self.assertIn("model.kwargs.net", str(ctx.exception))
            self.assertIn("not allowed", str(ctx.exception))
            self.assertIn("my_models, pkg", str(ctx.exception))

    def test_one_format(self):
        for bad in ("my_models.build", "my_models:", ":build", "a b:c", 42):
            with self.assertRaises(factories.FactoryError):
                factories.resolve(bad)

    def test_missing_attribute_is_the_attribute_error(self):
        with self.assertRaises(AttributeError):
            factories.resolve("my_models:NoSuchModel")

    def test_the_default_scope_allows_nothing(self):
        factories.configure(factories.Scope())
        with self.assertRaises(factories.FactoryError):
            factories.resolve("my_models:build")


if __name__ == "__main__":
    unittest.main()
