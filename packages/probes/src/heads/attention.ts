import { dense, type Params, tf } from '@vfmkit/nn';

/**
 * Multi-head cross-attention with `@vfmkit/nn`'s parameter names (`${name}.q` `[D, D]`, `${name}.kv`
 * `[2D, D]`, `${name}.proj`), computed with batched matmuls over `[B * H]`. Readout heads have few
 * queries and small widths, where the op count (not FLOPs) sets the speed: nn's per-(batch, head) 2-D
 * matmuls, right for encoder-sized attention on wasm, cost ~10x more here.
 * @param x `[B, Q, D]` queries.
 * @param context `[B, N, D]` tokens.
 * @returns `[B, Q, D]`
 */
export function pooledCrossAttention(
  params: Params,
  name: string,
  x: tf.Tensor,
  context: tf.Tensor,
  heads: number,
): tf.Tensor {
  const [B, Q, D] = x.shape as [number, number, number];
  const N = context.shape[1] as number;
  const dh = D / heads;
  const q = tf.transpose(tf.reshape(dense(params, `${name}.q`, x), [B, Q, heads, dh]), [0, 2, 1, 3]);
  const kv = dense(params, `${name}.kv`, context); // [B, N, 2D]
  const [k, v] = tf.split(kv, 2, 2);
  const kt = tf.transpose(tf.reshape(k, [B, N, heads, dh]), [0, 2, 3, 1]); // [B, H, dh, N]
  const vh = tf.transpose(tf.reshape(v, [B, N, heads, dh]), [0, 2, 1, 3]); // [B, H, N, dh]
  const scores = tf.matMul(
    tf.reshape(tf.mul(q, 1 / Math.sqrt(dh)), [B * heads, Q, dh]),
    tf.reshape(kt, [B * heads, dh, N]),
  );
  const out = tf.matMul(tf.softmax(scores), tf.reshape(vh, [B * heads, N, dh])); // [B*H, Q, dh]
  const merged = tf.reshape(tf.transpose(tf.reshape(out, [B, heads, Q, dh]), [0, 2, 1, 3]), [B, Q, D]);
  return dense(params, `${name}.proj`, merged);
}
