#!/usr/bin/env bash
# The modern stack: .venv/modern from python/stacks/modern.txt, constrained by modern.lock.txt
# (torch 2.13 CPU, onnx, onnxscript, onnxruntime, transformers, timm, keras -- checked on its torch
# backend: without TensorFlow, Keras cannot import on its default one). See setup-venv.sh;
# CONVGATE_MODERN_BASE_PYTHON picks the interpreter (torch 2.13's wheels are for CPython 3.10-3.13).
set -euo pipefail
cd "$(dirname "$0")/.."
KERAS_BACKEND=torch bash scripts/setup-venv.sh modern "torch, onnx, onnxscript, onnxruntime, transformers, keras"
