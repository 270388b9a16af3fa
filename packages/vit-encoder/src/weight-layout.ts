import { patchDim, type VitConfig } from './config';
import type { NamedWeights } from './named-weights';

/**
 * How stored (PyTorch-layout) weights become the exporter's ONNX operands: transposed for MatMul, cut
 * into column blocks, with the pixel normalisation folded in.
 */

/** The fp32 data of a stored weight (present: the caller checked the weights against their specs). */
export function weightData(
  weights: ReadonlyMap<string, { readonly data: Float32Array }>,
  name: string,
): Float32Array {
  return (weights.get(name) as { data: Float32Array }).data;
}

/** `[OUT, IN]` (PyTorch) -> `[IN, OUT]` (ONNX MatMul's right operand). */
export function transposed(w: Float32Array, out: number, inp: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) t[i * out + o] = w[o * inp + i];
  return t;
}

/** Patch-embedding weight `[D, K]` and bias `[D]` with the pixel mean/std folded in (float64 sums). */
export function foldPixelNorm(
  config: VitConfig,
  weights: NamedWeights,
): { weight: Float32Array; bias: Float32Array } {
  const d = config.width;
  const k = patchDim(config);
  const c = config.channels;
  const w = weightData(weights, 'patch_embed.weight');
  const b = weights.has('patch_embed.bias') ? weightData(weights, 'patch_embed.bias') : new Float32Array(d);
  const weight = new Float32Array(d * k);
  const bias = new Float32Array(d);
  for (let o = 0; o < d; o++) {
    let shift = 0;
    for (let j = 0; j < k; j++) {
      const ch = j % c;
      weight[o * k + j] = w[o * k + j] / config.pixelStd[ch];
      shift += (w[o * k + j] * config.pixelMean[ch]) / config.pixelStd[ch];
    }
    bias[o] = b[o] - shift;
  }
  return { weight, bias };
}

/** Columns `[from, from + width)` of a row-major `[rows, cols]` matrix, as `[rows, width]`. */
export function columnBlock(
  w: Float32Array,
  rows: number,
  cols: number,
  from: number,
  width: number,
): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(w.subarray(r * cols + from, r * cols + from + width), r * width);
  return out;
}
