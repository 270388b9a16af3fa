import { type SeedOrRng, ShapeError, toRng } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';

/**
 * Hard top-k indicator: 1 for the k largest scores of each row, 0 elsewhere.
 * @param scores `[B, N]` (or `[B, S, N]`)
 * @returns same shape, float32 in {0, 1}
 */
export function topkMask(scores: tf.Tensor, k: number): tf.Tensor {
  return tf.tidy(() => {
    const n = scores.shape[scores.rank - 1] as number;
    if (k >= n) return tf.onesLike(scores);
    // one-hot of the top-k indices (ties go to the lower index), not a threshold: equal scores must not
    // keep more than k tokens
    const { indices } = tf.topk(scores, k);
    return tf.sum(tf.oneHot(indices, n), -2);
  });
}

/**
 * Perturbed-optimizer top-k (Berthet et al., "Learning with Differentiable Perturbed Optimizers", 2020;
 * used for patch selection by Cordonnier et al., 2021). Forward: the Monte-Carlo mean of hard top-k
 * indicators of `scores + sigma Z` over `noise` samples Z ~ N(0, I). Backward: the estimator of the
 * gradient of that smoothed indicator, `dL/ds = mean_S (dL/dy . topk(s + sigma Z)) Z / sigma`, which is
 * unbiased for `grad E[topk(s + sigma Z)]` (Stein's lemma): no temperature, no sort relaxation.
 * @param scores `[B, N]`
 * @param noise `[B, S, N]` standard normal samples (pass fresh ones each step; {@link gaussianNoise})
 * @returns `[B, N]` soft mask in [0, 1] whose rows sum to k
 */
export function perturbedTopk(scores: tf.Tensor, noise: tf.Tensor, k: number, sigma: number): tf.Tensor {
  const [b, n] = scores.shape;
  if (scores.rank !== 2 || noise.rank !== 3 || noise.shape[0] !== b || noise.shape[2] !== n)
    throw new ShapeError(
      `perturbedTopk: scores [B, N] and noise [B, S, N], got [${scores.shape}] and [${noise.shape}]`,
      {
        name: 'noise',
        expected: [b, null, n],
        actual: noise.shape,
      },
    );
  // keeping every token is a constant mask: no gradient (the estimator would only return noise)
  if (k >= (n as number)) return tf.onesLike(scores);
  return perturbedOp(k, sigma)(scores, noise);
}

const ops = new Map<string, (s: tf.Tensor, z: tf.Tensor) => tf.Tensor>();

function perturbedOp(k: number, sigma: number): (s: tf.Tensor, z: tf.Tensor) => tf.Tensor {
  const key = `${k}/${sigma}`;
  let op = ops.get(key);
  if (!op) {
    op = tf.customGrad((scores, noise, save) => {
      const masks = tf.tidy(() =>
        topkMask(tf.add(tf.expandDims(scores as tf.Tensor, 1), tf.mul(noise as tf.Tensor, sigma)), k),
      );
      (save as tf.GradSaveFunc)([masks, noise as tf.Tensor]);
      return {
        value: tf.mean(masks, 1),
        gradFunc: (dy, saved) => {
          const [m, z] = saved as tf.Tensor[];
          const samples = z.shape[1] as number;
          const a = tf.sum(tf.mul(m, tf.expandDims(dy as tf.Tensor, 1)), -1, true);
          return [tf.div(tf.sum(tf.mul(a, z), 1), samples * sigma), tf.zerosLike(z)];
        },
      };
    }) as (s: tf.Tensor, z: tf.Tensor) => tf.Tensor;
    ops.set(key, op);
  }
  return op;
}

/** `[B, S, N]` standard normal samples from core's Rng (same seed, same noise on every platform). */
export function gaussianNoise(shape: readonly [number, number, number], seed: SeedOrRng): tf.Tensor {
  const rng = toRng(seed);
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return tf.tensor(data, [...shape]);
}
