#!/usr/bin/env bash
# One-time set-up on Debian 12 (as root): the converter stacks and the Node dependencies.
# Idempotent: skips what is already there.
#   - debian stack: Debian's PyTorch 1.13 + onnx in /usr/bin/python3 (apt)
#   - modern stack: a venv in .venv/modern with python/stacks/modern.txt (torch 2.13 CPU, onnx,
#     onnxscript, onnxruntime, transformers, timm), pinned by python/stacks/modern.lock.txt;
#     from the machine's local wheel indexes when pip's configuration names them, else from the
#     default index (+ the PyTorch CPU index for torch's CPU build). See docs/stacks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${CONVGATE_PYTHON:-/usr/bin/python3}"
if ! "$PYTHON" -c 'import torch, torchvision, onnx, numpy' >/dev/null 2>&1; then
  echo "setup: installing Debian's PyTorch, torchvision, numpy and onnx (apt)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-torch python3-torchvision python3-numpy python3-onnx >/dev/null
fi

bash scripts/setup-modern.sh || echo "setup: the modern stack is not installed (see above); convgate uses --stack debian" >&2

# onnxruntime-node's postinstall would try to download CUDA libraries; the CPU build is bundled.
export ONNXRUNTIME_NODE_INSTALL=skip
stamp=node_modules/.convgate-lock-sha
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -f build/cli/index.js ]; then
  echo "setup: npm ci…" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
