import { ConfigError } from '@vfmkit/core';
import { matmulTransposed, tf } from '@vfmkit/nn';
import { assert2d, assertSame, crossEntropyToColumns, l2Normalize, stopGradient } from '../internal/ops';

function checkTemperature(t: number): void {
  if (!(t > 0)) throw new ConfigError(`temperature must be > 0, got ${t}`, { key: 'temperature', value: t });
}

/**
 * SimCLR's NT-Xent (normalised temperature-scaled cross-entropy) over the 2B views of B clips: with
 * `z = normalize([z1; z2])` and `s_ij = z_i . z_j / tau`, each of the 2B rows is a softmax over the
 * other 2B - 1 rows (itself excluded) whose target is its partner view:
 * `l_i = -log(exp(s_{i,p(i)}) / sum_{k != i} exp(s_ik))`. Returns the mean over the 2B rows (the
 * paper's definition; SimCLR's official TF code returns the sum of the two directions, twice this).
 * Both inputs get gradients.
 * @param z1 `[B, D]` embeddings of the first views (normalised here)
 * @param z2 `[B, D]` embeddings of the second views, row b the partner of `z1` row b
 * @returns scalar
 * @throws ShapeError on mismatched or non-2-D inputs (B >= 1); ConfigError for temperature <= 0.
 */
export function ntXentLoss(z1: tf.Tensor, z2: tf.Tensor, temperature: number): tf.Scalar {
  assert2d('z1', z1);
  assertSame('z1', z1, 'z2', z2);
  checkTemperature(temperature);
  return tf.tidy(() => {
    const b = z1.shape[0];
    const z = l2Normalize(tf.concat([z1, z2], 0));
    const self = new Float32Array(4 * b * b);
    for (let i = 0; i < 2 * b; i++) self[i * 2 * b + i] = -1e9;
    const logits = tf.add(tf.div(matmulTransposed(z, z), temperature), tf.tensor2d(self, [2 * b, 2 * b]));
    const targets = Array.from({ length: 2 * b }, (_, i) => (i < b ? i + b : i - b));
    return crossEntropyToColumns(logits as tf.Tensor2D, targets);
  });
}

/**
 * MoCo v3's contrastive term `ctr(q, k) = CE(q . k^T / tau, arange(B)) * 2 tau` with q and k
 * normalised; `k` is a constant (no gradient).
 * @param q `[B, D]` queries
 * @param k `[B, D]` keys; row b is the positive of query b, the other rows its negatives
 */
export function mocoContrast(q: tf.Tensor, k: tf.Tensor, temperature: number): tf.Scalar {
  assert2d('q', q);
  assertSame('q', q, 'k', k);
  checkTemperature(temperature);
  return tf.tidy(() => {
    const logits = tf.div(matmulTransposed(l2Normalize(q), l2Normalize(stopGradient(k))), temperature);
    const b = q.shape[0];
    return tf.mul(
      crossEntropyToColumns(
        logits as tf.Tensor2D,
        Array.from({ length: b }, (_, i) => i),
      ),
      2 * temperature,
    ) as tf.Scalar;
  });
}

/**
 * MoCo v3's symmetrised loss `ctr(q1, k2) + ctr(q2, k1)` (summed, as the official code): predicted
 * queries of each view against the momentum keys of the other, in-batch negatives; keys are constants.
 * @param q1 `[B, D]`, q2 `[B, D]` online predictions of views 1 and 2
 * @param k1 `[B, D]`, k2 `[B, D]` target (momentum) projections of views 1 and 2
 */
export function mocoV3Loss(
  q1: tf.Tensor,
  q2: tf.Tensor,
  k1: tf.Tensor,
  k2: tf.Tensor,
  temperature: number,
): tf.Scalar {
  assertSame('q1', q1, 'q2', q2);
  return tf.tidy(
    () => tf.add(mocoContrast(q1, k2, temperature), mocoContrast(q2, k1, temperature)) as tf.Scalar,
  );
}
