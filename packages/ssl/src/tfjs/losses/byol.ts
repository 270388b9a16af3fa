import { tf } from '@vfmkit/nn';
import { assert2d, assertSame, l2Normalize, stopGradient } from '../internal/ops';

/**
 * BYOL's regression loss, symmetrised by summing the two directions (as the official code):
 * `mean_b(2 - 2 cos(p1_b, z2_b)) + mean_b(2 - 2 cos(p2_b, z1_b))`. Targets `z1`, `z2` are constants.
 * @param p1 `[B, D]`, p2 `[B, D]` online predictions of views 1 and 2
 * @param z1 `[B, D]`, z2 `[B, D]` target projections of views 1 and 2
 * @returns scalar in [0, 8]
 */
export function byolLoss(p1: tf.Tensor, p2: tf.Tensor, z1: tf.Tensor, z2: tf.Tensor): tf.Scalar {
  assert2d('p1', p1);
  for (const [name, t] of [
    ['p2', p2],
    ['z1', z1],
    ['z2', z2],
  ] as const)
    assertSame('p1', p1, name, t);
  return tf.tidy(() => {
    const term = (p: tf.Tensor, z: tf.Tensor) =>
      tf.sub(2, tf.mul(2, tf.mean(tf.sum(tf.mul(l2Normalize(p), l2Normalize(stopGradient(z))), 1))));
    return tf.add(term(p1, z2), term(p2, z1)) as tf.Scalar;
  });
}
