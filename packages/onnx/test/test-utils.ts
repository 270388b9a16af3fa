import { Rng } from '@vfmkit/core';
import type { ElemType, TypedTensor } from '../src/dtype';
import type { GraphCore } from '../src/graph-core';
import { openSession } from '../src/session';

/** `n` normal(0, scale) floats from a seeded RNG. */
export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

export { Rng };

/** Opens `g` on CPU, runs it once on `feeds`, and returns the outputs. */
export async function evaluate(
  g: GraphCore,
  feeds: Record<string, TypedTensor> = {},
): Promise<Record<string, TypedTensor>> {
  const s = await openSession(g, { device: 'cpu', threads: 1 });
  try {
    return await s.run(feeds);
  } finally {
    await s.dispose();
  }
}

/** A float32 feed. */
export const f32 = (data: Float32Array, dims: readonly number[]): TypedTensor<'float32'> => ({
  dtype: 'float32',
  data,
  dims,
});

/** Output data as plain numbers (int64 converted). */
export function numbers(t: TypedTensor<ElemType>): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}
