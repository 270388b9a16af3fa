import { type SeedOrRng, toRng } from '@vfmkit/core';
import { crossAttention, initCrossAttention } from './attention';
import { tf } from './backend';
import { truncNormal } from './init';
import { initLayerNorm, layerNorm } from './layer-norm';
import { initMlp, mlp } from './mlp';
import { addParam, getParam, type Params } from './params';

export interface PoolerOptions {
  readonly heads: number;
  readonly eps?: number;
}

/**
 * Attention pooling with learned queries (timm's `AttentionPoolLatent`): `${name}.latent` `[1, Q, D]`
 * attends over the tokens (`${name}.q`, `${name}.kv`, `${name}.proj`), then a residual MLP
 * `x + mlp(norm(x))` (`${name}.norm`, `${name}.mlp.fc1`, `${name}.mlp.fc2`).
 * @param tokens `[B, N, D]`
 * @returns `[B, Q, D]`
 */
export function attentionPool(
  params: Params,
  name: string,
  tokens: tf.Tensor,
  options: PoolerOptions,
): tf.Tensor {
  const [b, , d] = tokens.shape;
  const latent = getParam(params, `${name}.latent`, [1, null, d]);
  const q = tf.broadcastTo(latent, [b, latent.shape[1] as number, d]);
  const x = crossAttention(params, name, q, tokens, options);
  return tf.add(x, mlp(params, `${name}.mlp`, layerNorm(params, `${name}.norm`, x, options.eps ?? 1e-6)));
}

/** Adds the weights of {@link attentionPool} with `queries` learned queries of width `dim`. */
export function initAttentionPool(
  params: Params,
  name: string,
  dim: number,
  queries: number,
  seed: SeedOrRng,
  mlpRatio = 4,
): void {
  const rng = toRng(seed);
  addParam(params, `${name}.latent`, truncNormal([1, queries, dim], dim ** -0.5, rng.fork()));
  initCrossAttention(params, name, dim, rng.fork());
  initLayerNorm(params, `${name}.norm`, dim);
  initMlp(params, `${name}.mlp`, dim, Math.round(dim * mlpRatio), rng.fork());
}
