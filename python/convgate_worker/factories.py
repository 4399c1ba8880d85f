"""The one way a corpus names Python code: "module:attribute" (attribute may be dotted).

A corpus is data, so what it may call is limited to its own modules (the .py files and packages
in its pythonPath folders) and the model libraries it declares (`modelLibraries` in cases.json,
e.g. torchvision, transformers, timm, keras). Anything else (`os:system`, `subprocess:run`) is
refused before it is imported.
"""
from __future__ import annotations

import importlib
import os
import re
from typing import Any, Callable, Iterable

_SPEC = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


class FactoryError(ValueError):
    """A factory string that is malformed or outside the corpus' scope."""


class Scope:
    """The top-level modules a corpus may name."""

    def __init__(self, own: Iterable[str] = (), libraries: Iterable[str] = ()):
        self.own = sorted(set(own))
        self.libraries = sorted(set(libraries))

    @classmethod
    def from_paths(cls, corpus_paths: Iterable[str], libraries: Iterable[str] = ()) -> "Scope":
        return cls(own_modules(corpus_paths), libraries)

    def allows(self, module_name: str) -> bool:
        root = module_name.split(".")[0]
        return root in self.own or root in self.libraries

    def describe(self) -> str:
        own = ", ".join(self.own) or "none"
        libs = ", ".join(self.libraries) or "none"
        return "the corpus' own modules (%s) and the model libraries it declares (%s)" % (own, libs)


def own_modules(corpus_paths: Iterable[str]) -> list[str]:
    """Importable top-level names found in the corpus' pythonPath folders."""
    found = set()
    for folder in corpus_paths:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            full = os.path.join(folder, entry)
            if entry.endswith(".py") and os.path.isfile(full):
                found.add(entry[:-3])
            elif os.path.isfile(os.path.join(full, "__init__.py")):
                found.add(entry)
    return sorted(n for n in found if n.isidentifier())


_scope = Scope()


def configure(scope: Scope) -> None:
    """Set once by the worker at start-up from its --corpus-path / --model-library arguments."""
    global _scope
    _scope = scope


def scope() -> Scope:
    return _scope


def resolve(spec: str, field: str = "model.factory") -> Callable[..., Any]:
    """The callable named by "module:attribute", if the corpus' scope allows its module."""
    if not isinstance(spec, str) or not _SPEC.match(spec):
        raise FactoryError("%s must look like 'module:attribute', got %r" % (field, spec))
    module_name, _, attr = spec.partition(":")
    if not _scope.allows(module_name):
        raise FactoryError(
            "%s %r: module %s is not allowed; a corpus may call %s" % (field, spec, module_name, _scope.describe())
        )
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise FactoryError("%s %r is not callable" % (field, spec))
    return target
