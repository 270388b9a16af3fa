import { type SeedOrRng, toRng } from '@vfmkit/core';
import { tf } from './backend';

/**
 * Deterministic initialisers drawn from `@vfmkit/core`'s Rng, so a seed gives the same weights on
 * every backend and platform (and in every data-parallel worker).
 */

/** Normal(0, std) truncated to [-2 std, 2 std] (timm's `trunc_normal_` default for ViTs is std 0.02). */
export function truncNormal(shape: readonly number[], std: number, seed: SeedOrRng): tf.Tensor {
  const rng = toRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = rng.normal();
    while (z < -2 || z > 2) z = rng.normal();
    out[i] = z * std;
  }
  return tf.tensor(out, [...shape]);
}

/** Xavier/Glorot uniform for a `[OUT, IN]` weight: U(-a, a) with a = sqrt(6 / (IN + OUT)). */
export function xavierUniform(shape: readonly [number, number], seed: SeedOrRng): tf.Tensor2D {
  const rng = toRng(seed);
  const [out, inp] = shape;
  const a = Math.sqrt(6 / (inp + out));
  const data = new Float32Array(out * inp);
  for (let i = 0; i < data.length; i++) data[i] = rng.range(-a, a);
  return tf.tensor2d(data, [out, inp]);
}
