import { ShapeError } from '@vfmkit/core';
import { gatherRows, tf } from '@vfmkit/nn';

/**
 * Rows scaled to unit L2 norm over the last axis: `x / sqrt(sum(x^2) + 1e-12)` (an epsilon inside the
 * root rather than a `max`, which would route the gradient through a comparison).
 */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-12))) as T;
}

/** The identity with a zero gradient (PyTorch's `.detach()`). */
export const stopGradient: <T extends tf.Tensor>(x: T) => T = tf.customGrad((x, _save) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy) => tf.zerosLike(dy as tf.Tensor),
})) as never;

/** Asserts a rank-2 tensor. */
export function assert2d(name: string, x: tf.Tensor): void {
  if (x.rank !== 2)
    throw new ShapeError(`${name}: expected [B, D], got [${x.shape.join(', ')}]`, {
      name,
      expected: ['B', 'D'],
      actual: [...x.shape],
    });
}

/** Asserts that `b` has the shape of `a`. */
export function assertSame(nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ShapeError(
      `${nameB} [${b.shape.join(', ')}] must have the shape of ${nameA} [${a.shape.join(', ')}]`,
      { name: nameB, expected: [...a.shape], actual: [...b.shape] },
    );
}

/**
 * Per-row token gather: `out[b, j] = x[b, index[b, j]]`, through nn's `gatherRows` (its gradient is a
 * scatterND, which works on wasm).
 * @param x `[B, N, D]`
 * @param index `[B, J]` int32, values in [0, N)
 * @returns `[B, J, D]`
 */
export function gatherTokensPerRow(x: tf.Tensor3D, index: Int32Array): tf.Tensor3D {
  const [b, n, d] = x.shape;
  const j = index.length / b;
  const flat = new Int32Array(index.length);
  for (let i = 0; i < index.length; i++) flat[i] = index[i] + Math.floor(i / j) * n;
  return tf.reshape(gatherRows(tf.reshape(x, [b * n, d]), tf.tensor1d(flat, 'int32')), [b, j, d]);
}

/**
 * The collapse signal: rows L2-normalised, then the standard deviation over the batch (unbiased) per
 * dimension, averaged over dimensions; about `1 / sqrt(D)` when the embeddings spread over the sphere,
 * 0 when they all coincide. No gradient.
 * @param z `[B, D]`, B >= 2 (B = 1 gives 0)
 */
export function embeddingStd(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const b = z.shape[0];
    if (b < 2) return tf.scalar(0);
    const n = l2Normalize(stopGradient(z));
    const centred = tf.sub(n, tf.mean(n, 0, true));
    return tf.mean(tf.sqrt(tf.div(tf.sum(tf.square(centred), 0), b - 1))) as tf.Scalar;
  });
}
