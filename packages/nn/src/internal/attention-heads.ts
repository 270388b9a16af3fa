import { tf } from '../backend';
import { matmul } from '../matmul';

/**
 * How the per-head products of attention run on tfjs:
 * - `batched`: clips and heads folded into one rank-3 `matMul` `[B*H, NQ, dh]` per product. Few kernels,
 *   but wasm's batched matMul runs ~2 GFLOP/s: best when each head's product is small.
 * - `per-head`: one 2-D `matmul` per (clip, head), which reaches XNNPACK (~20 GFLOP/s) but costs
 *   ~10 kernels per (clip, head) plus an unstack into `B*H` pieces: best for long sequences.
 */
export type HeadsMode = 'batched' | 'per-head';

/**
 * The largest per-head product `NQ * NK * dh` (multiply-adds of `Q K^T` for one clip and head) run
 * `batched`. Measured forward + backward on wasm (bench/attention.ts, 2026-11-27): batched was 1.3-2.7x
 * faster at B 16, 32-64 tokens, dh 32 (32K-131K), per-head 1.6-2x faster at B 8, 196 tokens, dh 64 (2.5M).
 */
export const BATCHED_MAX_HEAD_WORK = 300_000;

/** The faster {@link HeadsMode} for one head's `[NQ, dh] @ [dh, NK]` product on wasm. */
export function chooseHeadsMode(nq: number, nk: number, dh: number): HeadsMode {
  return nq * nk * dh <= BATCHED_MAX_HEAD_WORK ? 'batched' : 'per-head';
}

/** `[B, N, P*H*dh]` -> `P` tensors `[B*H, N, dh]` (one transpose; `P` = 1 for q, 2 for kv, 3 for qkv). */
export function splitHeadsBatched(x: tf.Tensor, parts: number, heads: number): tf.Tensor3D[] {
  const [b, n, d] = x.shape;
  const dh = d / (parts * heads);
  const t = tf.transpose(tf.reshape(x, [b, n, parts * heads, dh]), [0, 2, 1, 3]);
  if (parts === 1) return [tf.reshape(t, [b * heads, n, dh])];
  return tf
    .split(tf.reshape(t, [b, parts, heads * n * dh]), parts, 1)
    .map((u) => tf.reshape(u, [b * heads, n, dh]) as tf.Tensor3D);
}

/** `[B*H, N, dh]` -> `[B, N, H*dh]`. */
export function mergeHeadsBatched(x: tf.Tensor, b: number, heads: number): tf.Tensor {
  const [, n, dh] = x.shape;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, heads, n, dh]), [0, 2, 1, 3]), [b, n, heads * dh]);
}

/**
 * `softmax(scale * q k^T + bias) v` for all clips and heads at once.
 * @param q `[B*H, NQ, dh]`
 * @param k `[B*H, NK, dh]`
 * @param v `[B*H, NK, dh]`
 * @param keyBias `[B, NK]`, added to every query's scores for that key in every head, or undefined
 * @returns `[B*H, NQ, dh]`
 */
export function attendBatched(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  scale: number,
  keyBias?: tf.Tensor,
): tf.Tensor3D {
  let scores: tf.Tensor = tf.matMul(tf.mul(q, scale) as tf.Tensor3D, tf.transpose(k, [0, 2, 1]));
  if (keyBias) {
    const [bh, nq, nk] = scores.shape as number[];
    const b = keyBias.shape[0] as number;
    scores = tf.reshape(tf.add(tf.reshape(scores, [b, bh / b, nq, nk]), tf.reshape(keyBias, [b, 1, 1, nk])), [
      bh,
      nq,
      nk,
    ]);
  }
  return tf.matMul(tf.softmax(scores) as tf.Tensor3D, v);
}

/** `[B, N, P*H*dh]` -> `B*P*H` matrices `[N, dh]`, ordered clip, then part, then head. */
export function splitHeadsPerHead(x: tf.Tensor, parts: number, heads: number): tf.Tensor2D[] {
  const [b, n, d] = x.shape;
  const dh = d / (parts * heads);
  return tf.unstack(
    tf.reshape(tf.transpose(tf.reshape(x, [b, n, parts * heads, dh]), [0, 2, 1, 3]), [
      b * parts * heads,
      n,
      dh,
    ]),
  ) as tf.Tensor2D[];
}

/** `B*H` matrices `[N, dh]` (clip-major, then head) -> `[B, N, H*dh]`. */
export function mergeHeadsPerHead(parts: tf.Tensor[], b: number, heads: number): tf.Tensor {
  const [n, dh] = parts[0].shape;
  const t = tf.reshape(tf.stack(parts), [b, heads, n, dh]);
  return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [b, n, heads * dh]);
}

/**
 * `softmax(scale * q k^T + bias) v` for one clip and head with 2-D, explicitly transposed matmuls.
 * @param keyBias `[NK]` or undefined
 */
export function attendPerHead(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  scale: number,
  keyBias?: tf.Tensor,
): tf.Tensor2D {
  let scores = tf.mul(matmul(q, tf.transpose(k)), scale) as tf.Tensor2D;
  if (keyBias) scores = tf.add(scores, keyBias);
  return matmul(tf.softmax(scores) as tf.Tensor2D, v);
}

/** How many of q, k, v each input holds: `[qkv]`, `[q, kv]` or `[q, k, v]`. */
function partCounts(n: number): number[] {
  return n === 1 ? [3] : n === 2 ? [1, 2] : [1, 1, 1];
}

export interface MultiHeadOptions {
  /** Default: {@link chooseHeadsMode}. */
  readonly mode?: HeadsMode;
  /** `[B, NK]`, added to every query's scores for that key (0 keeps a key, -1e9 masks it out). */
  readonly keyBias?: tf.Tensor;
}

/**
 * Multi-head scaled dot-product attention over projections given fused or apart.
 * @param inputs `[qkv]` (`[B, N, 3*H*dh]`), `[q, kv]` (`[B, NQ, H*dh]`, `[B, NK, 2*H*dh]`) or `[q, k, v]`
 * @returns `[B, NQ, H*dh]`
 */
export function multiHeadAttention(
  inputs: readonly tf.Tensor[],
  heads: number,
  options: MultiHeadOptions = {},
): tf.Tensor {
  const counts = partCounts(inputs.length);
  const [b, nq, dq] = inputs[0].shape;
  const dh = dq / (counts[0] * heads);
  const nk = inputs[inputs.length - 1].shape[1] as number;
  const scale = 1 / Math.sqrt(dh);
  const { keyBias } = options;
  if ((options.mode ?? chooseHeadsMode(nq, nk, dh)) === 'batched') {
    const [q, k, v] = inputs.flatMap((x, i) => splitHeadsBatched(x, counts[i], heads));
    return mergeHeadsBatched(attendBatched(q, k, v, scale, keyBias), b, heads);
  }
  // Per input, B*P*H pieces ordered clip, part, head: regroup into q, k, v lists of B*H (clip, head).
  const lists: tf.Tensor2D[][] = [];
  inputs.forEach((x, i) => {
    const p = counts[i];
    const pieces = splitHeadsPerHead(x, p, heads);
    for (let j = 0; j < p; j++) {
      const list: tf.Tensor2D[] = [];
      for (let bi = 0; bi < b; bi++)
        for (let h = 0; h < heads; h++) list.push(pieces[(bi * p + j) * heads + h]);
      lists.push(list);
    }
  });
  const [qs, ks, vs] = lists;
  const rows = keyBias ? tf.unstack(keyBias) : undefined;
  return mergeHeadsPerHead(
    qs.map((q, i) => attendPerHead(q, ks[i], vs[i], scale, rows?.[Math.floor(i / heads)])),
    b,
    heads,
  );
}
