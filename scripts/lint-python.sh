#!/usr/bin/env bash
# ruff and mypy over convgate's Python (the worker, the bundled corpora's model modules, scripts),
# as configured in pyproject.toml, with the tools of .venv/dev (bash scripts/setup-venv.sh dev mypy makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
dev=.venv/dev/bin
if [ ! -x "$dev/ruff" ] || [ ! -x "$dev/mypy" ]; then
  echo "lint-python: ruff/mypy are not installed in .venv/dev: run bash scripts/setup-venv.sh dev mypy" >&2
  exit 1
fi
"$dev/ruff" check --output-format concise python corpus/real corpus/keras corpus/tensorflow scripts __tests__/synthetic
"$dev/mypy" --config-file pyproject.toml
