import { dense, type Params, tf } from '@vfmkit/nn';

/**
 * Multi-head self-attention whose keys carry an additive bias (0 for a real token, a large negative
 * number for padding), with timm's names `${name}.qkv` (`[3D, D]`) and `${name}.proj`.
 *
 * Heads are batched into rank-3 matmuls `[B*H, N, dh]` (tensors stay at rank <= 4). For the short
 * sequences of captions this beat nn's per-(batch, head) 2-D matmuls by 1.2-2.5x in a forward+backward
 * pass on wasm (B 32, N 40, width 64-128; B 8, N 64, width 256): per-op overhead, not FLOPs, dominates
 * at these sizes.
 * @param x `[B, N, D]`
 * @param keyBias `[B, N]`, added to every query's scores for that key
 * @returns `[B, N, D]`
 */
export function maskedSelfAttention(
  params: Params,
  name: string,
  x: tf.Tensor3D,
  keyBias: tf.Tensor2D,
  heads: number,
): tf.Tensor3D {
  const [b, n, d] = x.shape;
  const dh = d / heads;
  const qkv = dense(params, `${name}.qkv`, x);
  // [B, N, 3H, dh] -> [B, 3H, N, dh] -> [B, 3, H*N*dh]: q, k, v as [B*H, N, dh].
  const t = tf.reshape(tf.transpose(tf.reshape(qkv, [b, n, 3 * heads, dh]), [0, 2, 1, 3]), [
    b,
    3,
    heads * n * dh,
  ]);
  const [q, k, v] = tf.split(t, 3, 1).map((u) => tf.reshape(u, [b * heads, n, dh]) as tf.Tensor3D);
  const scores = tf.reshape(tf.mul(tf.matMul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(dh)), [
    b,
    heads,
    n,
    n,
  ]);
  const probs = tf.softmax(tf.add(scores, tf.reshape(keyBias, [b, 1, 1, n])));
  const att = tf.matMul(tf.reshape(probs, [b * heads, n, n]) as tf.Tensor3D, v);
  const merged = tf.reshape(tf.transpose(tf.reshape(att, [b, heads, n, dh]), [0, 2, 1, 3]), [b, n, d]);
  return dense(params, `${name}.proj`, merged) as tf.Tensor3D;
}
