"""The plugin table (plugins.json): frontends, converters, what each needs and how to install it.

One file read by the worker (which module implements a plugin) and by the TypeScript side
(which pairs are compatible, `convgate converters`), so the two never disagree.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins.json")


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    with open(TABLE, encoding="utf-8") as fh:
        return json.load(fh)


def _entry(kind: str, name: str) -> dict[str, Any]:
    entries = table()[kind]
    if name not in entries:
        raise ValueError("unknown %s %r (known: %s)" % (kind[:-1], name, ", ".join(sorted(entries))))
    return entries[name]


def frontend(name: str) -> dict[str, Any]:
    return _entry("frontends", name)


def converter(name: str) -> dict[str, Any]:
    return _entry("converters", name)


def default_converter() -> str:
    """The converter when nothing names one (the TypeScript side's RUN_DEFAULTS.adapter: a test checks)."""
    return str(table()["defaultConverter"])


def install_hint(package: str) -> str:
    return table()["install"].get(package, "pip install %s into the converter's environment" % package)
