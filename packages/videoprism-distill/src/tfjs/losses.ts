import { ConfigError } from '@vfmkit/core';
import { matmulTransposed, tf } from '@vfmkit/nn';
import { TEMPERATURE_DEFAULTS } from '../config';
import { assert2d, assertSame, l2Normalize } from './internal/ops';

/** Bounds of the temperature `tau = exp(logT)`. */
export interface TemperatureBounds {
  readonly min: number;
  readonly max: number;
}

function checkBounds(bounds: TemperatureBounds): void {
  if (!(bounds.min > 0 && bounds.max >= bounds.min))
    throw new ConfigError(`temperature bounds need 0 < min <= max, got [${bounds.min}, ${bounds.max}]`, {
      key: 'temperature',
      value: bounds,
    });
}

/**
 * The log temperature clamped to `[log min, log max]`: inside the bounds `logT` itself (gradient 1),
 * outside the bound (gradient 0), as `clamp` in PyTorch. The branch is taken in JavaScript on
 * the scalar's value, so no comparison op enters the gradient (those fail on wasm).
 * @param logTemperature scalar (any shape of one element)
 */
export function clampLogTemperature(
  logTemperature: tf.Tensor,
  bounds: TemperatureBounds = TEMPERATURE_DEFAULTS,
): tf.Scalar {
  checkBounds(bounds);
  if (logTemperature.size !== 1)
    throw new ConfigError(`log temperature must be a scalar, got shape [${logTemperature.shape}]`, {
      key: 'logTemperature',
    });
  const v = logTemperature.dataSync()[0];
  const lo = Math.log(bounds.min);
  const hi = Math.log(bounds.max);
  if (Number.isNaN(v)) throw new ConfigError('log temperature is NaN', { key: 'logTemperature' });
  const x = tf.reshape(logTemperature, []) as tf.Scalar;
  // Outside the bounds: the bound, still connected to logT with a zero gradient (as PyTorch's clamp).
  if (v < lo) return tf.add(tf.mul(x, 0), lo) as tf.Scalar;
  if (v > hi) return tf.add(tf.mul(x, 0), hi) as tf.Scalar;
  return x;
}

/**
 * Video-text contrastive loss (VideoPrism stage 1, CLIP style): rows of `video` and `text` are
 * L2-normalised, `logits = (v . t^T) / tau` `[B, B]` with `tau = exp(logTemperature)` clamped to
 * `[bounds.min, bounds.max]` (default `[0.01, 1]`, see {@link clampLogTemperature}); the loss is the mean of
 * the two cross-entropies, video-to-text over rows and text-to-video over columns, each averaged over
 * the B pairs, with pair b as the positive of row/column b. Gradients flow to both embeddings and to the
 * log temperature (while inside the bounds).
 * @param video `[B, D]`
 * @param text `[B, D]`, row b the caption of clip b
 * @param logTemperature scalar
 * @returns scalar
 * @throws ShapeError on mismatched or non-2-D inputs; ConfigError on bad bounds.
 */
export function videoTextContrastiveLoss(
  video: tf.Tensor,
  text: tf.Tensor,
  logTemperature: tf.Tensor,
  bounds: TemperatureBounds = TEMPERATURE_DEFAULTS,
): tf.Scalar {
  assert2d('video', video);
  assertSame('video', video, 'text', text);
  const b = video.shape[0];
  const logT = clampLogTemperature(logTemperature, bounds);
  const sim = matmulTransposed(l2Normalize(video as tf.Tensor2D), l2Normalize(text as tf.Tensor2D));
  const logits = tf.mul(sim, tf.exp(tf.neg(logT))) as tf.Tensor2D;
  const eye = tf.eye(b);
  const rows = tf.sum(tf.mul(tf.logSoftmax(logits), eye));
  const cols = tf.sum(tf.mul(tf.logSoftmax(tf.transpose(logits)), eye));
  return tf.div(tf.neg(tf.add(rows, cols)), 2 * b) as tf.Scalar;
}

/**
 * Mean cosine distance `mean(1 - cos(pred_i, target_i))` over every vector along the last axis
 * (VideoPrism stage 2's local and global losses). Gradients flow to both arguments (pass a frozen
 * target, e.g. a teacher's output from non-trainable weights).
 * @param pred `[..., D]`
 * @param target `[..., D]`, the shape of `pred`
 * @returns scalar
 * @throws ShapeError when the shapes differ.
 */
export function cosineDistanceLoss(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  assertSame('pred', pred, 'target', target);
  const cos = tf.sum(tf.mul(l2Normalize(pred), l2Normalize(target)), -1);
  return tf.sub(1, tf.mean(cos)) as tf.Scalar;
}
