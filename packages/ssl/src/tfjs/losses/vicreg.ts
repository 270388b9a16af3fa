import { ConfigError, ShapeError } from '@vfmkit/core';
import { matmul, tf } from '@vfmkit/nn';
import { assert2d, assertSame } from '../internal/ops';

/** VICReg's weights: lambda (invariance), mu (variance), nu (covariance); the paper's are 25, 25, 1. */
export interface VicregWeights {
  readonly invariance: number;
  readonly variance: number;
  readonly covariance: number;
}

/** The weighted loss and its three unweighted terms (scalars; the caller disposes them). */
export interface VicregTerms {
  readonly loss: tf.Scalar;
  readonly invariance: tf.Scalar;
  readonly variance: tf.Scalar;
  readonly covariance: tf.Scalar;
}

/** Epsilon inside the standard deviation of the variance term (the paper's 1e-4). */
export const VICREG_EPS = 1e-4;

function branch(z: tf.Tensor2D): { variance: tf.Tensor; covariance: tf.Tensor } {
  const [n, d] = z.shape;
  const centred = tf.sub(z, tf.mean(z, 0, true)) as tf.Tensor2D;
  const vars = tf.div(tf.sum(tf.square(centred), 0), n - 1);
  const variance = tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(vars, VICREG_EPS)))));
  const cov = tf.div(matmul(tf.transpose(centred) as tf.Tensor2D, centred), n - 1);
  // Off-diagonal squares = all squares - the squared diagonal (the unbiased variances).
  const covariance = tf.div(tf.sub(tf.sum(tf.square(cov)), tf.sum(tf.square(vars))), d);
  return { variance, covariance };
}

/**
 * VICReg (Bardes et al. 2022) on two branches `[B, D]`:
 * - invariance: `mean((z1 - z2)^2)` over all entries;
 * - variance: `mean_d relu(1 - sqrt(Var_b(z[:, d]) + 1e-4))` per branch (unbiased variance), averaged
 *   over the two branches;
 * - covariance: `sum_{i != j} C(z)_ij^2 / D` with `C` the unbiased covariance, summed over the two
 *   branches;
 * loss = `weights.invariance * inv + weights.variance * var + weights.covariance * cov` (the official code's
 * conventions). Both branches get gradients.
 * @throws ShapeError when B < 2 or shapes differ; ConfigError on a negative weight.
 */
export function vicregLoss(z1: tf.Tensor, z2: tf.Tensor, weights: VicregWeights): VicregTerms {
  assert2d('z1', z1);
  assertSame('z1', z1, 'z2', z2);
  if (z1.shape[0] < 2)
    throw new ShapeError('VICReg needs a batch of at least 2 (it takes variances over the batch)', {
      name: 'z1',
      expected: ['B >= 2', null],
      actual: [...z1.shape],
    });
  for (const key of ['invariance', 'variance', 'covariance'] as const)
    if (!(weights[key] >= 0))
      throw new ConfigError(`VICReg weight ${key} must be >= 0, got ${weights[key]}`, {
        key,
        value: weights[key],
      });
  return tf.tidy(() => {
    const invariance = tf.mean(tf.square(tf.sub(z1, z2))) as tf.Scalar;
    const a = branch(z1 as tf.Tensor2D);
    const b = branch(z2 as tf.Tensor2D);
    const variance = tf.div(tf.add(a.variance, b.variance), 2) as tf.Scalar;
    const covariance = tf.add(a.covariance, b.covariance) as tf.Scalar;
    const loss = tf.addN([
      tf.mul(invariance, weights.invariance),
      tf.mul(variance, weights.variance),
      tf.mul(covariance, weights.covariance),
    ]) as tf.Scalar;
    return { loss, invariance, variance, covariance };
  });
}
