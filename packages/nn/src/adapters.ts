import { type SeedOrRng, toRng } from '@vfmkit/core';
import { gelu } from './activations';
import { tf } from './backend';
import { dense, initDense } from './dense';
import type { Params } from './params';

/**
 * Bottleneck adapter (Houlsby et al. 2019): `x + up(gelu(down(x)))` with `${name}.down` `[R, D]` and
 * `${name}.up` `[D, R]`.
 * @param x `[..., D]`
 * @returns `[..., D]`
 */
export function bottleneckAdapter(params: Params, name: string, x: tf.Tensor): tf.Tensor {
  return tf.add(x, dense(params, `${name}.up`, gelu(dense(params, `${name}.down`, x))));
}

/** Adds a {@link bottleneckAdapter}; `up` starts at zero so the adapter starts as the identity. */
export function initBottleneckAdapter(
  params: Params,
  name: string,
  dim: number,
  bottleneck: number,
  seed: SeedOrRng,
): void {
  const rng = toRng(seed);
  initDense(params, `${name}.down`, dim, bottleneck, rng.fork());
  initDense(params, `${name}.up`, bottleneck, dim, rng.fork(), { init: 'zeros' });
}
