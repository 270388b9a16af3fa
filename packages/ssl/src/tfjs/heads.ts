import { type SeedOrRng, toRng } from '@vfmkit/core';
import { dense, gelu, initDense, initLayerNorm, layerNorm, type Params, type tf } from '@vfmkit/nn';
import type { HeadConfig } from '../methods';

/**
 * Adds the weights of an MLP head under `prefix`: linear layers `${prefix}.layers.<i>` (`[hidden, in]`
 * ... `[out, hidden]`) and, after every layer but the last, a layer norm `${prefix}.norms.<i>`.
 */
export function initHead(
  params: Params,
  prefix: string,
  inDim: number,
  config: HeadConfig,
  seed: SeedOrRng,
): void {
  const rng = toRng(seed);
  let dim = inDim;
  for (let i = 0; i < config.layers; i++) {
    const last = i === config.layers - 1;
    const out = last ? config.out : config.hidden;
    initDense(params, `${prefix}.layers.${i}`, dim, out, rng.fork());
    if (!last) initLayerNorm(params, `${prefix}.norms.${i}`, out);
    dim = out;
  }
}

/**
 * An MLP head (projector or predictor): `linear -> layer norm -> GELU` for every layer but the last,
 * which is linear only. The papers' heads use batch norm there; layer norm keeps each clip's output
 * independent of the rest of the batch, so data-parallel shards and micro-batches compute the same
 * function as one whole batch, with no running statistics to synchronise.
 * @param x `[N, IN]`
 * @returns `[N, out]`
 */
export function head(params: Params, prefix: string, x: tf.Tensor, layers: number): tf.Tensor2D {
  let y = x;
  for (let i = 0; i < layers; i++) {
    y = dense(params, `${prefix}.layers.${i}`, y);
    if (i < layers - 1) y = gelu(layerNorm(params, `${prefix}.norms.${i}`, y, 1e-5));
  }
  return y as tf.Tensor2D;
}
