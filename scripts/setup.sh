#!/usr/bin/env bash
# One-time set-up on Debian 12 (as root): the converter stacks and the Node dependencies.
# Idempotent: skips what is already there.
#   - debian stack: Debian's PyTorch 1.13 + onnx in /usr/bin/python3 (apt), seen through
#     .venv/debian which adds onnxruntime for Python (no dependencies; Debian does not package it)
#   - ONNX's node test models (Debian's libonnx-testdata, apt): sources for the onnx frontend
#   - modern stack: a venv in .venv/modern with python/stacks/modern.txt (torch 2.13 CPU, onnx,
#     onnxscript, onnxruntime, transformers, timm, keras), pinned by python/stacks/modern.lock.txt;
#     from the machine's local wheel indexes when pip's configuration names them, else from the
#     default index (+ the PyTorch CPU index for torch's CPU build). See docs/stacks.md.
#   - tf stack: .venv/tf with TensorFlow 2.21 (CPU) and Keras 3 (python/stacks/tf.txt; about a
#     minute from local wheels, 1.7 GB); CONVGATE_SETUP_TF=0 skips it.
#   - dev tools: .venv/dev with ruff and mypy (python/stacks/dev.txt), which `npm test` runs over
#     the Python side (npm run lint:py); only from local wheels, skipped with a message without them.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${CONVGATE_PYTHON:-/usr/bin/python3}"
if ! "$PYTHON" -c 'import torch, torchvision, onnx, numpy' >/dev/null 2>&1; then
  echo "setup: installing Debian's PyTorch, torchvision, numpy and onnx (apt)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-torch python3-torchvision python3-numpy python3-onnx >/dev/null
fi

if ! dpkg -s libonnx-testdata >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ONNX's node test models (apt: libonnx-testdata)…" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libonnx-testdata >/dev/null \
    || echo "setup: libonnx-testdata is not installed; onnx cases naming node tests will not build" >&2
fi

bash scripts/setup-modern.sh || echo "setup: the modern stack is not installed (see above); convgate uses --stack debian" >&2
CONVGATE_DEBIAN_BASE_PYTHON="$PYTHON" bash scripts/setup-venv.sh debian "torch, onnx, onnxruntime" --system-site-packages --no-deps \
  || echo "setup: .venv/debian is not made (see above); --stack debian runs $PYTHON without onnxruntime" >&2
if [ "${CONVGATE_SETUP_TF:-1}" != 0 ]; then
  bash scripts/setup-venv.sh tf "tensorflow, keras, onnx, onnxruntime" \
    || echo "setup: the tf stack is not installed (see above); the tensorflow frontend is unavailable" >&2
fi
bash scripts/setup-venv.sh dev "mypy" --local-only \
  || echo "setup: .venv/dev (ruff, mypy) is not made (see above); npm run lint:py skips with a message" >&2

# onnxruntime-node's postinstall would try to download CUDA libraries; the CPU build is bundled.
export ONNXRUNTIME_NODE_INSTALL=skip
stamp=node_modules/.convgate-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f build/cli/index.js ]; then
  echo "setup: npm ci…" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
