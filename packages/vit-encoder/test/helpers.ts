import { type ClipBatch, Rng } from '@vfmkit/core';
import { referencePython } from '../../../test-support/reference-tools';

/** Random `[0, 1]` clips `[B, T, H, W, 3]`. */
export function randomClips(
  shape: readonly [number, number, number, number, number],
  seed: number,
): ClipBatch {
  const rng = new Rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
  return { data, shape: [...shape] as unknown as ClipBatch['shape'] };
}

/** max |a - b| / max |b| (relative to the reference's largest magnitude). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Distinct sorted visible ids per row: `[B, K]`. */
export function visibleIndex(batch: number, n: number, k: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(batch * k);
  for (let b = 0; b < batch; b++) out.set(rng.sample(n, k).sort(), b * k);
  return out;
}

/** python3 with torch and numpy (the PyTorch references); in CI its absence throws. */
export const TORCH_PYTHON = referencePython(['torch', 'numpy']);
export const hasPython = TORCH_PYTHON !== undefined;
