#!/usr/bin/env bash
# GPU check for @vfmkit/onnx: a small ViT on ONNX Runtime's CUDA provider vs CPU.
# Run from anywhere: bash packages/onnx/scripts/gpu-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v nvidia-smi >/dev/null 2>&1; then
  echo "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi failed')"
else
  echo "GPU: nvidia-smi not found"
fi
exec npx tsx --conditions=@vfmkit/source scripts/gpu-check.ts
