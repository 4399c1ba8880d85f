#!/usr/bin/env bash
# ruff and mypy over convgate's Python (the worker, the bundled corpora's model modules, scripts),
# as configured in pyproject.toml, with the tools of .venv/dev (scripts/setup.sh makes it from local
# wheels). Without them it says so and skips (exit 0), unless CONVGATE_REQUIRE_PY_LINT=1 (then exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
dev=.venv/dev/bin
if [ ! -x "$dev/ruff" ] || [ ! -x "$dev/mypy" ] || [ ! -f .venv/dev/.convgate-stamp ]; then
  echo "lint-python: SKIPPED: ruff/mypy are not installed in .venv/dev (bash scripts/setup-venv.sh dev mypy --local-only makes it from local wheels)" >&2
  [ "${CONVGATE_REQUIRE_PY_LINT:-0}" = 1 ] && exit 1
  exit 0
fi
"$dev/ruff" check --output-format concise python corpus/real corpus/keras corpus/tensorflow scripts __tests__/synthetic
"$dev/mypy" --config-file pyproject.toml
