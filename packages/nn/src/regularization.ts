import { type SeedOrRng, toRng } from '@vfmkit/core';
import { tf } from './backend';
import { ParamError } from './errors';

function checkRate(rate: number, what: string): void {
  if (!(rate >= 0 && rate < 1)) throw new ParamError(`${what} rate must be in [0, 1), got ${rate}`, { rate });
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the rest by `1/(1-rate)`.
 * The mask comes from `seed` (core's Rng), so it is the same on every backend. Identity when
 * `rate` is 0.
 * @param x any shape
 */
export function dropout(x: tf.Tensor, rate: number, seed: SeedOrRng): tf.Tensor {
  checkRate(rate, 'dropout');
  if (rate === 0) return x;
  const rng = toRng(seed);
  const mask = new Float32Array(x.size);
  const keep = 1 / (1 - rate);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < rate ? 0 : keep;
  return tf.mul(x, tf.tensor(mask, x.shape));
}

/**
 * Stochastic depth (drop path): drops the whole residual branch of each sample with probability
 * `rate` and scales the kept ones by `1/(1-rate)`. Identity when `rate` is 0.
 * @param x `[B, ...]`
 */
export function dropPath(x: tf.Tensor, rate: number, seed: SeedOrRng): tf.Tensor {
  checkRate(rate, 'drop path');
  if (rate === 0) return x;
  const rng = toRng(seed);
  const b = x.shape[0];
  const mask = new Float32Array(b);
  for (let i = 0; i < b; i++) mask[i] = rng.uniform() < rate ? 0 : 1 / (1 - rate);
  return tf.mul(x, tf.tensor(mask, [b, ...x.shape.slice(1).map(() => 1)]));
}
