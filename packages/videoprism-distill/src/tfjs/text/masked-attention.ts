import { dense, matmul, type Params, tf } from '@vfmkit/nn';

/**
 * Multi-head self-attention whose keys carry an additive bias (0 for a real token, a large negative
 * number for padding), with timm's names `${name}.qkv` (`[3D, D]`) and `${name}.proj`. Written as
 * per-(batch, head) 2-D matmuls with explicit transposes, the shapes XNNPACK runs fast on wasm.
 * @param x `[B, N, D]`
 * @param keyBias `[B, N]`
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
  // [B, N, 3D] -> [B, 3H, N, dh] -> B*3H matrices [N, dh].
  const parts = tf.unstack(
    tf.reshape(tf.transpose(tf.reshape(qkv, [b, n, 3 * heads, dh]), [0, 2, 1, 3]), [b * 3 * heads, n, dh]),
  ) as tf.Tensor2D[];
  const biases = tf.unstack(tf.reshape(keyBias, [b, 1, n])) as tf.Tensor2D[];
  const scale = 1 / Math.sqrt(dh);
  const outs: tf.Tensor2D[] = [];
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < heads; h++) {
      const base = bi * 3 * heads;
      const q = parts[base + h];
      const k = parts[base + heads + h];
      const v = parts[base + 2 * heads + h];
      const scores = tf.add(tf.mul(matmul(q, tf.transpose(k)), scale), biases[bi]) as tf.Tensor2D;
      outs.push(matmul(tf.softmax(scores) as tf.Tensor2D, v));
    }
  }
  const merged = tf.reshape(tf.transpose(tf.reshape(tf.stack(outs), [b, heads, n, dh]), [0, 2, 1, 3]), [
    b,
    n,
    d,
  ]);
  return dense(params, `${name}.proj`, merged) as tf.Tensor3D;
}
