#!/usr/bin/env python3
"""The longest function of each folder of python/ (lines from its first to its last line, the
decorators included), measured with Python's own parser — the sibling of longest-functions.mjs:
`python3 scripts/longest-functions.py [PY_DIR] [--top N]`. Prints one row per folder, longest
first; --top N also lists the N longest functions overall."""

import ast
import sys
from pathlib import Path


def functions_of(root: Path):
    for file in sorted(root.rglob("*.py")):
        if "__pycache__" in file.parts:
            continue
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        rel = file.relative_to(root)
        folder = str(rel.parent) if rel.parent != Path(".") else "."
        stack = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{prefix}{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                        yield {
                            "folder": folder,
                            "file": str(rel),
                            "name": name,
                            "lines": child.end_lineno - first + 1,
                        }
                    stack.append((child, f"{name}."))
                else:
                    stack.append((child, prefix))


def main(argv: list[str]) -> None:
    top = 0
    if "--top" in argv:
        at = argv.index("--top")
        top = int(argv[at + 1])
        del argv[at : at + 2]
    root = Path(argv[0] if argv else "python")
    functions = list(functions_of(root))
    by_folder: dict[str, dict] = {}
    for f in functions:
        best = by_folder.get(f["folder"])
        if best is None or best["lines"] < f["lines"]:
            by_folder[f["folder"]] = f
    rows = sorted(by_folder.values(), key=lambda r: (-r["lines"], r["folder"]))
    print("| folder | longest function | lines | functions > 80 lines |")
    print("|---|---|---:|---:|")
    for r in rows:
        over = sum(1 for f in functions if f["folder"] == r["folder"] and f["lines"] > 80)
        print(f"| {r['folder']} | {r['file']}: {r['name']} | {r['lines']} | {over} |")
    longer = sum(1 for f in functions if f["lines"] > 80)
    print(f"\n{len(functions)} functions; {longer} longer than 80 lines.")
    if top > 0:
        print("")
        for f in sorted(functions, key=lambda f: -f["lines"])[:top]:
            print(f"{f['lines']}\t{f['file']}: {f['name']}")


if __name__ == "__main__":
    main(sys.argv[1:])
