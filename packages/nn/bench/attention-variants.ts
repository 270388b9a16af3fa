/**
 * Self-attention written three ways, for the attention micro-benchmark (`bench/attention.ts`):
 * `loop2d` is nn's attention before 2026-11-27 (one 2-D matmul per (clip, head) after an unstack),
 * `batched` folds clips and heads into rank-3 matmuls with tfjs's own BatchMatMul gradient, and
 * `batchedExplicit` does the same with a gradient that transposes explicitly.
 */
import { dense, matmul, type Params, tf } from '../src/index';

export type AttentionVariant = (params: Params, name: string, x: tf.Tensor, heads: number) => tf.Tensor;

function mergeHeads(parts: tf.Tensor[], b: number, heads: number): tf.Tensor {
  const [n, dh] = parts[0].shape;
  const t = tf.reshape(tf.stack(parts), [b, heads, n, dh]);
  return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [b, n, heads * dh]);
}

export const loop2d: AttentionVariant = (params, name, x, heads) => {
  const [b, n, d] = x.shape;
  const dh = d / heads;
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
};

function splitQkv(qkv: tf.Tensor, b: number, n: number, heads: number, dh: number): tf.Tensor3D[] {
  const t = tf.reshape(tf.transpose(tf.reshape(qkv, [b, n, 3 * heads, dh]), [0, 2, 1, 3]), [
    b,
    3,
    heads * n * dh,
  ]);
  return tf.split(t, 3, 1).map((u) => tf.reshape(u, [b * heads, n, dh]) as tf.Tensor3D);
}

function merge(att: tf.Tensor, b: number, n: number, heads: number, dh: number): tf.Tensor {
  return tf.reshape(tf.transpose(tf.reshape(att, [b, heads, n, dh]), [0, 2, 1, 3]), [b, n, heads * dh]);
}

export const batched: AttentionVariant = (params, name, x, heads) => {
  const [b, n, d] = x.shape;
  const dh = d / heads;
  const [q, k, v] = splitQkv(dense(params, `${name}.qkv`, x), b, n, heads, dh);
  const scores = tf.mul(tf.matMul(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(dh));
  const att = tf.matMul(tf.softmax(scores) as tf.Tensor3D, v);
  return dense(params, `${name}.proj`, merge(att, b, n, heads, dh));
};

const bmmExplicit = tf.customGrad((a, c, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor, c as tf.Tensor]);
  return {
    value: tf.matMul(a as tf.Tensor3D, c as tf.Tensor3D),
    gradFunc: (dy, saved) => {
      const [sa, sc] = saved as tf.Tensor3D[];
      const g = dy as tf.Tensor3D;
      return [tf.matMul(g, tf.transpose(sc, [0, 2, 1])), tf.matMul(tf.transpose(sa, [0, 2, 1]), g)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor3D;

export const batchedExplicit: AttentionVariant = (params, name, x, heads) => {
  const [b, n, d] = x.shape;
  const dh = d / heads;
  const [q, k, v] = splitQkv(dense(params, `${name}.qkv`, x), b, n, heads, dh);
  const scores = tf.mul(bmmExplicit(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(dh));
  const att = bmmExplicit(tf.softmax(scores), v);
  return dense(params, `${name}.proj`, merge(att, b, n, heads, dh));
};

/** As {@link batched}, with matMul's `transposeB` flag instead of an explicit transpose of k. */
export const batchedFlags: AttentionVariant = (params, name, x, heads) => {
  const [b, n, d] = x.shape;
  const dh = d / heads;
  const [q, k, v] = splitQkv(dense(params, `${name}.qkv`, x), b, n, heads, dh);
  const scores = tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)) as tf.Tensor3D, k, false, true);
  const att = tf.matMul(tf.softmax(scores) as tf.Tensor3D, v);
  return dense(params, `${name}.proj`, merge(att, b, n, heads, dh));
};
