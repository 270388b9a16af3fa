import type { SeedOrRng } from '@vfmkit/core';
import { ShapeError, toRng } from '@vfmkit/core';
import type { tf } from './backend';
import { dense, initDense } from './dense';
import { ParamError } from './errors';
import { multiHeadAttention } from './internal/attention-heads';
import type { Params } from './params';

/**
 * Scaled dot-product attention over `heads` heads. On wasm, short sequences run clips and heads as
 * rank-3 batched matmuls (few kernels); long ones as per-(clip, head) 2-D matmuls with explicit
 * transposes, which reach XNNPACK (see `internal/attention-heads.ts` for the measured switch point).
 * @param q `[B, NQ, D]`
 * @param k `[B, NK, D]`
 * @param v `[B, NK, D]`
 * @returns `[B, NQ, D]`
 */
export function scaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  heads: number,
): tf.Tensor {
  checkHeads(q.shape[2] as number, heads);
  return multiHeadAttention([q, k, v], heads);
}

function checkHeads(d: number, heads: number): void {
  if (d % heads !== 0)
    throw new ParamError(`width ${d} is not divisible by ${heads} heads`, { width: d, heads });
}

export interface AttentionOptions {
  readonly heads: number;
  /**
   * `[B, NK]`, added to every query's (scaled) score for that key in every head: 0 keeps a key, a large
   * negative number (e.g. -1e9) masks it out, as for padded captions.
   */
  readonly keyBias?: tf.Tensor;
}

function checkKeyBias(keyBias: tf.Tensor | undefined, b: number, nk: number): void {
  if (keyBias && (keyBias.rank !== 2 || keyBias.shape[0] !== b || keyBias.shape[1] !== nk))
    throw new ShapeError(`keyBias must be [${b}, ${nk}] (batch, keys), got [${keyBias.shape}]`, {
      name: 'keyBias',
      expected: [b, nk],
      actual: keyBias.shape,
    });
}

/**
 * Multi-head self-attention with timm's names: `${name}.qkv` (`[3D, D]`, fused) and `${name}.proj`;
 * `options.keyBias` `[B, N]` masks keys (padding).
 * @param x `[B, N, D]`
 * @returns `[B, N, D]`
 */
export function selfAttention(
  params: Params,
  name: string,
  x: tf.Tensor,
  options: AttentionOptions,
): tf.Tensor {
  checkHeads(x.shape[2] as number, options.heads);
  checkKeyBias(options.keyBias, x.shape[0] as number, x.shape[1] as number);
  const qkv = dense(params, `${name}.qkv`, x);
  return dense(
    params,
    `${name}.proj`,
    multiHeadAttention([qkv], options.heads, { keyBias: options.keyBias }),
  );
}

/**
 * Multi-head cross-attention: queries from `x`, keys and values from `context`, with `${name}.q`
 * (`[D, D]`), `${name}.kv` (`[2D, DC]`, fused) and `${name}.proj` (timm's attention-pool names);
 * `options.keyBias` `[B, NK]` masks context tokens.
 * @param x `[B, NQ, D]`
 * @param context `[B, NK, DC]`
 * @returns `[B, NQ, D]`
 */
export function crossAttention(
  params: Params,
  name: string,
  x: tf.Tensor,
  context: tf.Tensor,
  options: AttentionOptions,
): tf.Tensor {
  const q = dense(params, `${name}.q`, x);
  checkHeads(q.shape[2] as number, options.heads);
  checkKeyBias(options.keyBias, context.shape[0] as number, context.shape[1] as number);
  const kv = dense(params, `${name}.kv`, context);
  return dense(
    params,
    `${name}.proj`,
    multiHeadAttention([q, kv], options.heads, { keyBias: options.keyBias }),
  );
}

/** Adds the weights of {@link selfAttention} (`qkv`, `proj`, with biases). */
export function initSelfAttention(params: Params, name: string, dim: number, seed: SeedOrRng): void {
  const rng = toRng(seed);
  initDense(params, `${name}.qkv`, dim, 3 * dim, rng.fork());
  initDense(params, `${name}.proj`, dim, dim, rng.fork());
}

/** Adds the weights of {@link crossAttention} (`q`, `kv`, `proj`); `contextDim` defaults to `dim`. */
export function initCrossAttention(
  params: Params,
  name: string,
  dim: number,
  seed: SeedOrRng,
  contextDim = dim,
): void {
  const rng = toRng(seed);
  initDense(params, `${name}.q`, dim, dim, rng.fork());
  initDense(params, `${name}.kv`, contextDim, 2 * dim, rng.fork());
  initDense(params, `${name}.proj`, dim, dim, rng.fork());
}
