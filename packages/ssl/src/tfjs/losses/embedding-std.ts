import { ShapeError } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';
import { assert2d, l2Normalize, stopGradient } from '../internal/ops';

/**
 * The collapse signal: rows of `z` are L2-normalised, then the standard deviation over the batch
 * (unbiased) is taken per dimension and averaged over dimensions. About `1 / sqrt(D)` when the
 * embeddings spread over the sphere, 0 when they all coincide (see `collapseReport` in the root entry).
 * No gradient flows through it.
 * @param z `[B, D]`, B >= 2
 * @returns scalar
 */
export function embeddingStd(z: tf.Tensor): tf.Scalar {
  assert2d('z', z);
  if (z.shape[0] < 2)
    throw new ShapeError('embeddingStd needs at least 2 rows', {
      name: 'z',
      expected: ['B >= 2', null],
      actual: [...z.shape],
    });
  return tf.tidy(() => {
    const n = l2Normalize(stopGradient(z));
    const centred = tf.sub(n, tf.mean(n, 0, true));
    return tf.mean(tf.sqrt(tf.div(tf.sum(tf.square(centred), 0), z.shape[0] - 1))) as tf.Scalar;
  });
}
