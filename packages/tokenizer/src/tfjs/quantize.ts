import { tf } from '@vfmkit/nn';
import { fsqBasis, fsqConstants } from '../fsq';
import { lfqCodebook } from '../lfq';

/** `round(x)` forward, identity gradient (straight-through estimator). */
const roundSte = tf.customGrad((x) => ({
  value: tf.round(x as tf.Tensor),
  gradFunc: (dy) => dy as tf.Tensor,
})) as (x: tf.Tensor) => tf.Tensor;

/** `where(x > 0, 1, -1)` forward, identity gradient (straight-through estimator). */
const signSte = tf.customGrad((x) => ({
  value: tf.tidy(() => tf.sub(tf.mul(tf.cast(tf.greater(x as tf.Tensor, 0), 'float32'), 2), 1)),
  gradFunc: (dy) => dy as tf.Tensor,
})) as (x: tf.Tensor) => tf.Tensor;

/**
 * FSQ with a straight-through gradient: `round(bound(z)) / floor(L/2)` forward, the gradient of
 * `bound(z) / floor(L/2)` backward. Same bound as the root entry's `fsqBound` (the paper's code).
 * @param z `[..., d]`, d = `levels.length`
 * @returns codes `[..., d]`
 */
export function fsqQuantizeTf(z: tf.Tensor, levels: readonly number[]): tf.Tensor {
  const { halfL, offset, shift, halfWidth } = fsqConstants(levels);
  const bounded = tf.sub(tf.mul(tf.tanh(tf.add(z, shift)), halfL), offset);
  return tf.div(roundSte(bounded), halfWidth);
}

/**
 * LFQ with a straight-through gradient: `sign(z)` (0 -> -1) forward, identity backward.
 * @param z `[..., bits]`
 * @returns codes `[..., bits]` in {-1, +1}
 */
export function lfqQuantizeTf(z: tf.Tensor): tf.Tensor {
  return signSte(z);
}

/**
 * Token ids of FSQ codes (int32; exact for every codebook within int32).
 * @param codes `[..., d]`
 * @returns `[...]` int32
 */
export function fsqIdsTf(codes: tf.Tensor, levels: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const { halfWidth } = fsqConstants(levels);
    const digits = tf.cast(tf.round(tf.add(tf.mul(codes, halfWidth), halfWidth)), 'int32');
    return tf.sum(tf.mul(digits, tf.tensor1d(fsqBasis(levels), 'int32')), -1);
  });
}

/**
 * Token ids of LFQ codes: `sum_i [q_i > 0] 2^i` (int32).
 * @param codes `[..., bits]`
 * @returns `[...]` int32
 */
export function lfqIdsTf(codes: tf.Tensor, bits: number): tf.Tensor {
  return tf.tidy(() => {
    const b = tf.cast(tf.greater(codes, 0), 'int32');
    const pow = tf.tensor1d(
      Array.from({ length: bits }, (_, i) => 2 ** i),
      'int32',
    );
    return tf.sum(tf.mul(b, pow), -1);
  });
}

/**
 * LFQ's entropy loss (MAGVIT-v2): `mean_n H(p_n) - gamma * H(mean_n p_n)`, with
 * `p_n(c) = softmax_c(-||z_n - c||^2 / temperature)` over the whole `2^bits` codebook, entropies in nats.
 * Minimising it makes each token confident and the batch spread over the codebook.
 * @param z `[..., bits]` pre-quantization latents (all leading axes are tokens)
 * @returns `{ loss, perSample, batch }` scalars (`perSample` = mean_n H(p_n), `batch` = H(mean_n p_n))
 */
export function lfqEntropyLoss(
  z: tf.Tensor,
  bits: number,
  temperature: number,
  gamma: number,
): { loss: tf.Scalar; perSample: tf.Scalar; batch: tf.Scalar } {
  const size = 2 ** bits;
  const flat = tf.reshape(z, [-1, bits]);
  const book = tf.tensor2d(lfqCodebook(bits), [size, bits]);
  // -||z - c||^2 = 2 z.c - ||z||^2 - ||c||^2; the last two terms do not depend on c for the softmax
  // (||c||^2 = bits for every code), so logits = 2 z.c / temperature.
  const logits = tf.div(tf.matMul(flat, tf.transpose(book)), temperature / 2);
  const logp = tf.logSoftmax(logits);
  const p = tf.exp(logp);
  const perSample = tf.neg(tf.mean(tf.sum(tf.mul(p, logp), -1))) as tf.Scalar;
  const avg = tf.mean(p, 0);
  const batch = tf.neg(tf.sum(tf.mul(avg, tf.log(tf.add(avg, 1e-10))))) as tf.Scalar;
  return { loss: tf.sub(perSample, tf.mul(batch, gamma)) as tf.Scalar, perSample, batch };
}

/**
 * Commitment loss `mean((z - sg(q))^2)`: pulls the latents towards their codes.
 * @param z `[..., d]`
 * @param codes `[..., d]` (its gradient is stopped)
 */
export function commitmentLoss(z: tf.Tensor, codes: tf.Tensor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(z, stopGradient(codes)))) as tf.Scalar;
}

/** Identity forward, zero gradient (tfjs has no `stopGradient`). */
export const stopGradient = tf.customGrad((x) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy) => tf.zerosLike(dy as tf.Tensor),
})) as (x: tf.Tensor) => tf.Tensor;
