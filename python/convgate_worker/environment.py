"""What the converter build under test is made of: package versions, the exporter, workarounds.

Reported in the worker's ready message, recorded in results.json (`environment`) and part of the
baseline cache key, so a result is never compared with one made by other packages unknowingly.
"""
import importlib.metadata
import importlib.util
import os
import site
import sys

# Distribution name -> import name. A case's `requires` may name any of these.
PACKAGES = {
    "torch": "torch",
    "onnx": "onnx",
    "onnxscript": "onnxscript",
    "onnx-ir": "onnx_ir",
    "onnxruntime": "onnxruntime",
    "numpy": "numpy",
    "torchvision": "torchvision",
    "transformers": "transformers",
    "timm": "timm",
}


def _module_version(import_name):
    module = sys.modules.get(import_name) or importlib.import_module(import_name)
    return str(getattr(module, "__version__", "unknown"))


def package_version(dist_name, import_name):
    """Version of an installed package, or None. Reads the distribution metadata without
    importing, unless the module found on sys.path is not the installed distribution's (a
    converter build on PYTHONPATH): then the module itself says what it is."""
    if import_name in sys.modules:
        return _module_version(import_name)
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None
    try:
        dist = importlib.metadata.distribution(dist_name)
        root = os.path.realpath(str(dist.locate_file("")))
        origin = os.path.realpath(spec.origin or next(iter(spec.submodule_search_locations or []), ""))
        if origin.startswith(root + os.sep):
            return dist.version
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        return _module_version(import_name)
    except Exception as exc:  # noqa: BLE001 -- a package that fails to import is reported, not fatal
        return "unimportable (%s)" % type(exc).__name__


def packages():
    return {name: package_version(name, module) for name, module in PACKAGES.items()}


def path_placeholders():
    """Absolute paths the TypeScript side replaces in recorded error text by stable placeholders."""
    sites = []
    try:
        sites.extend(site.getsitepackages())
    except AttributeError:
        pass
    user = getattr(site, "getusersitepackages", lambda: None)()
    if user:
        sites.append(user)
    return {
        "sitePackages": sorted({p for p in sites if p}, key=len, reverse=True),
        "prefix": sys.prefix,
        "basePrefix": sys.base_prefix,
        "home": os.path.expanduser("~"),
    }
