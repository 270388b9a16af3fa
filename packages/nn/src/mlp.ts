import { type SeedOrRng, toRng } from '@vfmkit/core';
import { gelu } from './activations';
import type { tf } from './backend';
import { dense, initDense } from './dense';
import type { Params } from './params';

/**
 * Two-layer MLP with exact GELU, timm names `${name}.fc1` `[H, D]` and `${name}.fc2` `[DO, H]`.
 * @param x `[..., D]`
 * @returns `[..., DO]`
 */
export function mlp(params: Params, name: string, x: tf.Tensor): tf.Tensor {
  return dense(params, `${name}.fc2`, gelu(dense(params, `${name}.fc1`, x)));
}

/** Adds the weights of {@link mlp}; `outDim` defaults to `dim`. */
export function initMlp(
  params: Params,
  name: string,
  dim: number,
  hidden: number,
  seed: SeedOrRng,
  outDim = dim,
): void {
  const rng = toRng(seed);
  initDense(params, `${name}.fc1`, dim, hidden, rng.fork());
  initDense(params, `${name}.fc2`, hidden, outDim, rng.fork());
}
