"""`convgate converters`: what this interpreter has of each plugin, without importing any of them
(no torch or TensorFlow start-up): versions from the installed distributions' metadata, and for
each missing package the install hint of plugins.json."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import sys
from typing import Any

from . import plugins


def version_of(module: str) -> str | None:
    """The version of the distribution that provides `module`, None when it is not importable."""
    if importlib.util.find_spec(module) is None:
        return None
    dists = importlib.metadata.packages_distributions().get(module) or [module]
    for dist in dists:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def needs_of(entry: dict[str, Any]) -> list[str]:
    """Static needs, plus what Keras' export needs on the backend this environment selects."""
    needs = list(entry["needs"])
    env = dict(entry.get("env", {}), **{k: v for k, v in os.environ.items() if k == "KERAS_BACKEND"})
    if entry["module"].endswith("keras_onnx"):
        needs += {"torch": ["torch"], "tensorflow": ["tensorflow", "tf2onnx"]}.get(env.get("KERAS_BACKEND", "torch"), [])
    return needs


def describe(entry: dict[str, Any]) -> dict[str, Any]:
    versions = {m: version_of(m) for m in needs_of(entry)}
    missing = [m for m, v in versions.items() if v is None]
    return {
        "versions": versions,
        "missing": [{"package": m, "install": plugins.install_hint(m)} for m in missing],
        "ready": not missing,
    }


def listing() -> dict[str, Any]:
    table = plugins.table()
    return {
        "python": {"executable": sys.executable, "version": platform.python_version()},
        "frontends": {n: dict(describe(e), source=e["source"]) for n, e in table["frontends"].items()},
        "converters": {
            n: dict(describe(e), takes=e["frontends"], converter=e["converter"], env=e.get("env", {}))
            for n, e in table["converters"].items()
        },
    }
