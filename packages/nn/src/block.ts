import { type SeedOrRng, toRng } from '@vfmkit/core';
import { bottleneckAdapter } from './adapters';
import { initSelfAttention, selfAttention } from './attention';
import { tf } from './backend';
import { initLayerNorm, layerNorm } from './layer-norm';
import { initMlp, mlp } from './mlp';
import type { Params } from './params';
import { dropPath } from './regularization';

export interface BlockOptions {
  readonly heads: number;
  /** Layer-norm epsilon (timm ViTs use 1e-6). */
  readonly eps?: number;
  /** Drop-path rate for both residual branches (training only); needs `seed`. */
  readonly dropPath?: number;
  readonly seed?: SeedOrRng;
  /** `[B, N]` additive key bias for the self-attention (see `AttentionOptions.keyBias`): masks padding. */
  readonly keyBias?: tf.Tensor;
}

/**
 * A pre-norm transformer block with timm's ViT names:
 * `x + attn(norm1(x))`, then `x + mlp(norm2(x))` (`norm1`, `attn.qkv`, `attn.proj`, `norm2`,
 * `mlp.fc1`, `mlp.fc2`). Applies `${name}.adapter` (a bottleneck adapter) after the MLP branch when
 * its weights exist.
 * @param x `[B, N, D]`
 * @returns `[B, N, D]`
 */
export function transformerBlock(
  params: Params,
  name: string,
  x: tf.Tensor,
  options: BlockOptions,
): tf.Tensor {
  const eps = options.eps ?? 1e-6;
  const rate = options.dropPath ?? 0;
  const rng = rate > 0 ? toRng(options.seed ?? 0) : undefined;
  const branch = (y: tf.Tensor) => (rng ? dropPath(y, rate, rng) : y);
  let h = tf.add(
    x,
    branch(selfAttention(params, `${name}.attn`, layerNorm(params, `${name}.norm1`, x, eps), options)),
  );
  let m = mlp(params, `${name}.mlp`, layerNorm(params, `${name}.norm2`, h, eps));
  if (params.has(`${name}.adapter.down.weight`)) m = bottleneckAdapter(params, `${name}.adapter`, m);
  h = tf.add(h, branch(m));
  return h;
}

/** Adds the weights of one {@link transformerBlock} of width `dim` and MLP ratio `mlpRatio` (default 4). */
export function initTransformerBlock(
  params: Params,
  name: string,
  dim: number,
  seed: SeedOrRng,
  mlpRatio = 4,
): void {
  const rng = toRng(seed);
  initLayerNorm(params, `${name}.norm1`, dim);
  initSelfAttention(params, `${name}.attn`, dim, rng.fork());
  initLayerNorm(params, `${name}.norm2`, dim);
  initMlp(params, `${name}.mlp`, dim, Math.round(dim * mlpRatio), rng.fork());
}
