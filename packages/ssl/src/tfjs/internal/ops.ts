import { ShapeError } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';

/**
 * The identity with a zero gradient: what it returns is a constant to the gradient tape (PyTorch's
 * `.detach()`). Upstream ops still see a zero gradient; to skip their backward pass entirely, compute
 * the tensor from non-trainable variables (a momentum target) or from tensors whose gradient is
 * needed anyway (a stop-gradient target built from the online outputs).
 */
export const stopGradient: <T extends tf.Tensor>(x: T) => T = tf.customGrad((x, _save) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy) => tf.zerosLike(dy as tf.Tensor),
})) as never;

/**
 * Rows scaled to unit L2 norm: `x / sqrt(sum(x^2) + 1e-12)` (an epsilon inside the root rather than
 * PyTorch's `max(norm, 1e-12)`, which routes the gradient through a comparison).
 * @param x `[N, D]`
 * @returns `[N, D]`
 */
export function l2Normalize(x: tf.Tensor): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-12))) as tf.Tensor2D;
}

/** Asserts a rank-2 tensor `[rows, cols]` (`null` = any). */
export function assert2d(
  name: string,
  x: tf.Tensor,
  rows: number | null = null,
  cols: number | null = null,
): void {
  const ok = x.rank === 2 && (rows === null || x.shape[0] === rows) && (cols === null || x.shape[1] === cols);
  if (!ok)
    throw new ShapeError(`${name}: expected [${rows ?? 'N'}, ${cols ?? 'D'}], got [${x.shape.join(', ')}]`, {
      name,
      expected: [rows, cols],
      actual: [...x.shape],
    });
}

/** Asserts that `b` has the shape of `a`. */
export function assertSame(nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  if (a.rank !== b.rank || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ShapeError(
      `${nameB} [${b.shape.join(', ')}] must have the shape of ${nameA} [${a.shape.join(', ')}]`,
      {
        name: nameB,
        expected: [...a.shape],
        actual: [...b.shape],
      },
    );
}

/**
 * Mean cross-entropy of rows of `logits` `[N, M]` against target columns `targets[i]`, through a
 * one-hot product (no gather, whose gradient wasm lacks).
 */
export function crossEntropyToColumns(logits: tf.Tensor2D, targets: readonly number[]): tf.Scalar {
  const [n, m] = logits.shape;
  const onehot = new Float32Array(n * m);
  for (let i = 0; i < n; i++) onehot[i * m + targets[i]] = 1;
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(onehot, [n, m])), 1))) as tf.Scalar;
}
