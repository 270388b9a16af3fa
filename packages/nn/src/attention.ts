import type { SeedOrRng } from '@vfmkit/core';
import { toRng } from '@vfmkit/core';
import { tf } from './backend';
import { dense, initDense } from './dense';
import { ParamError } from './errors';
import { matmul } from './matmul';
import type { Params } from './params';

/** Splits `[B, N, H*dh]` into `B*H` per-head `[N, dh]` matrices (b-major, then head). */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor2D[] {
  const [b, n, d] = x.shape;
  const dh = d / heads;
  const t = tf.transpose(tf.reshape(x, [b, n, heads, dh]), [0, 2, 1, 3]);
  return tf.unstack(tf.reshape(t, [b * heads, n, dh])) as tf.Tensor2D[];
}

/** Inverse of {@link splitHeads}: `B*H` `[N, dh]` -> `[B, N, H*dh]`. */
function mergeHeads(parts: tf.Tensor[], b: number, heads: number): tf.Tensor {
  const [n, dh] = parts[0].shape;
  const t = tf.reshape(tf.stack(parts), [b, heads, n, dh]);
  return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [b, n, heads * dh]);
}

/**
 * Scaled dot-product attention over `heads` heads, written as per-(batch, head) 2-D matmuls with
 * explicit transposes (batched matMul and transposed matMul are slow on wasm).
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
  const [b, , d] = q.shape;
  if (d % heads !== 0)
    throw new ParamError(`width ${d} is not divisible by ${heads} heads`, { width: d, heads });
  const scale = 1 / Math.sqrt(d / heads);
  const qs = splitHeads(tf.mul(q, scale), heads);
  const [bk, nk] = k.shape;
  // All K^T at once: [B, NK, H, dh] -> [B, H, dh, NK].
  const kt = tf.unstack(
    tf.reshape(tf.transpose(tf.reshape(k, [bk, nk, heads, d / heads]), [0, 2, 3, 1]), [
      bk * heads,
      d / heads,
      nk,
    ]),
  ) as tf.Tensor2D[];
  const vs = splitHeads(v, heads);
  const outs = qs.map((qi, i) => matmul(tf.softmax(matmul(qi, kt[i])) as tf.Tensor2D, vs[i]));
  return mergeHeads(outs, b, heads);
}

export interface AttentionOptions {
  readonly heads: number;
}

/**
 * Multi-head self-attention with timm's names: `${name}.qkv` (`[3D, D]`, fused) and `${name}.proj`.
 * @param x `[B, N, D]`
 * @returns `[B, N, D]`
 */
export function selfAttention(
  params: Params,
  name: string,
  x: tf.Tensor,
  options: AttentionOptions,
): tf.Tensor {
  const [b, n, d] = x.shape;
  const heads = options.heads;
  if (d % heads !== 0)
    throw new ParamError(`width ${d} is not divisible by ${heads} heads`, { width: d, heads });
  const dh = d / heads;
  // [B, N, 3D] -> [B, 3H, N, dh] -> B*3H matrices [N, dh]: one transpose and one unstack for q, k, v.
  const qkv = dense(params, `${name}.qkv`, x);
  const parts = tf.unstack(
    tf.reshape(tf.transpose(tf.reshape(qkv, [b, n, 3 * heads, dh]), [0, 2, 1, 3]), [b * 3 * heads, n, dh]),
  ) as tf.Tensor2D[];
  const scale = 1 / Math.sqrt(dh);
  const outs: tf.Tensor2D[] = [];
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < heads; h++) {
      const base = bi * 3 * heads;
      const q = parts[base + h];
      const k = parts[base + heads + h];
      const v = parts[base + 2 * heads + h];
      const scores = tf.mul(matmul(q, tf.transpose(k)), scale) as tf.Tensor2D;
      outs.push(matmul(tf.softmax(scores) as tf.Tensor2D, v));
    }
  }
  return dense(params, `${name}.proj`, mergeHeads(outs, b, heads));
}

/**
 * Multi-head cross-attention: queries from `x`, keys and values from `context`, with `${name}.q`
 * (`[D, D]`), `${name}.kv` (`[2D, DC]`, fused) and `${name}.proj` (timm's attention-pool names).
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
  const [k, v] = tf.split(dense(params, `${name}.kv`, context), 2, 2);
  return dense(params, `${name}.proj`, scaledDotProductAttention(q, k, v, options.heads));
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
