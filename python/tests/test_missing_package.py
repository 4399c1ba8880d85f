"""A model whose build imports a package the stack lacks is `unsupported`, not a corpus error:
runner.missing_package names the top-level module only when it is not installed at all."""
import importlib
import unittest

from convgate_worker.runner import missing_package


class MissingPackageTest(unittest.TestCase):
    def error_of(self, module):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return exc
        self.fail("%s imported" % module)

    def test_a_package_that_is_not_installed(self):
        self.assertEqual(missing_package(self.error_of("convgate_no_such_package.models")), "convgate_no_such_package")

    def test_a_missing_module_inside_an_installed_package_is_not_a_missing_package(self):
        self.assertIsNone(missing_package(self.error_of("json.no_such_module")))

    def test_other_errors(self):
        self.assertIsNone(missing_package(ImportError("cannot import name 'x' from 'json'")))
        self.assertIsNone(missing_package(ValueError("boom")))


if __name__ == "__main__":
    unittest.main()
