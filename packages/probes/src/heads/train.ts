import { type SeedOrRng, toRng } from '@vfmkit/core';
import { AdamW, applyUpdate, computeGradients, cosineSchedule, tf } from '@vfmkit/nn';
import { z } from 'zod';
import { type ArrayWithShape, type FeatureRows, type Features, featureRows } from '../cache/feature-rows';
import { ProbeError } from '../errors';
import { checkTrainingRows, minibatches, parseTrainingOptions, rowsTensor } from '../internal/head-training';
import type { ProbeHead } from './probe-head';

/**
 * Losses of the task heads:
 * - `softmax-cross-entropy`: targets `[B, R]` int32 class ids (R output rows of C = O classes);
 * - `sigmoid-cross-entropy`: targets `[B, R, O]` in {0, 1} (multi-label, occlusion);
 * - `l2` / `l1`: targets `[B, R, O]` real values (depth, positions, boxes, poses).
 * An optional `weights` `[B, R, O]` (or `[B, R]` for softmax) masks entries (invalid depth, occluded points).
 */
export type ProbeLoss = 'softmax-cross-entropy' | 'sigmoid-cross-entropy' | 'l2' | 'l1';

/** Options every head-training loop shares (`trainProbe`; `trainAdapted` extends it). */
export const trainProbeSchema = z
  .object({
    loss: z.enum(['softmax-cross-entropy', 'sigmoid-cross-entropy', 'l2', 'l1']),
    steps: z.number().int().positive().default(200),
    batchSize: z.number().int().positive().default(32),
    lr: z.number().positive().default(1e-3),
    weightDecay: z.number().nonnegative().default(1e-4),
    warmupSteps: z.number().int().nonnegative().default(10),
    clipNorm: z.number().positive().default(1),
  })
  .strict();

/** Inputs a head-training loop takes beside its validated options. */
export interface HeadTrainingInputs {
  /** `[B, Q, F]` conditioning for heads with `conditionWidth > 0`. */
  condition?: ArrayWithShape;
  /** Entry weights (see {@link ProbeLoss}). */
  weights?: ArrayWithShape;
  /** Called after each step. */
  onStep?: (step: number, loss: number) => void;
}

/** Options of {@link trainProbe}: loss, steps, batch size, AdamW learning rate with cosine decay. */
export type TrainProbeOptions = z.input<typeof trainProbeSchema> & HeadTrainingInputs;

/** What {@link trainProbe} did. */
export interface TrainProbeResult {
  /** Loss at each step. */
  losses: number[];
  seconds: number;
}

/** The loss of a batch; `pred` `[B, R, O]`. */
export function probeLoss(
  kind: ProbeLoss,
  pred: tf.Tensor,
  target: tf.Tensor,
  weights?: tf.Tensor,
): tf.Scalar {
  return tf.tidy(() => {
    let per: tf.Tensor;
    if (kind === 'softmax-cross-entropy') {
      const C = pred.shape[pred.rank - 1];
      const onehot = tf.oneHot(tf.cast(target, 'int32'), C);
      per = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(pred)), -1)); // [B, R]
    } else if (kind === 'sigmoid-cross-entropy') {
      // max(x, 0) - x z + log(1 + exp(-|x|))
      per = tf.add(tf.sub(tf.relu(pred), tf.mul(pred, target)), tf.log1p(tf.exp(tf.neg(tf.abs(pred)))));
    } else {
      const d = tf.sub(pred, target);
      per = kind === 'l2' ? tf.square(d) : tf.abs(d);
    }
    if (!weights) return tf.mean(per) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(per, weights)), tf.maximum(tf.sum(weights), 1e-12)) as tf.Scalar;
  });
}

/**
 * {@link probeLoss} of head outputs `pred` `[B, R, O]` against a minibatch's targets `y` (class ids
 * `[B, R]`, or values reshaped to `pred`'s shape) with optional entry weights `w`.
 */
export function batchLoss(loss: ProbeLoss, pred: tf.Tensor, y: tf.Tensor, w?: tf.Tensor): tf.Scalar {
  const softmax = loss === 'softmax-cross-entropy';
  return probeLoss(
    loss,
    pred,
    softmax ? y : tf.reshape(y, pred.shape),
    w && !softmax ? tf.reshape(w, pred.shape) : w,
  );
}

/** Rows `idx` of features as a float32 tensor `[idx.length, ...]`. */
function featureTensor(features: FeatureRows, idx: readonly number[]): tf.Tensor {
  return tf.tensor(features.read(idx), [idx.length, ...features.shape.slice(1)], 'float32');
}

/**
 * Trains a probe head on cached features with AdamW (cosine schedule with warmup, gradient clipping),
 * sampling minibatches without replacement each epoch (seeded).
 *
 * @param features `[B, N, D]` (`[B, L, N, D]` for `mlap`) float32 features, in memory or read from
 *   a feature cache's shards a minibatch at a time (`FeatureCache.open`).
 * @param targets see {@link ProbeLoss}.
 */
export function trainProbe(
  head: ProbeHead,
  features: Features,
  targets: ArrayWithShape<Float32Array | Int32Array>,
  options: TrainProbeOptions,
  seed: SeedOrRng,
): TrainProbeResult {
  const { condition, weights, onStep, ...rest } = options;
  const o = parseTrainingOptions('trainProbe', trainProbeSchema, rest);
  const rows = featureRows(features);
  const B = rows.shape[0];
  checkTrainingRows(B, 'feature rows', o.loss, { targets, condition, weights });
  if (B === 0) throw new ProbeError('no training rows', { what: 'features' });
  const rng = toRng(seed);
  const opt = new AdamW(head.params, { lr: o.lr, weightDecay: o.weightDecay });
  const schedule = cosineSchedule({
    baseLr: o.lr,
    warmupSteps: Math.min(o.warmupSteps, o.steps - 1),
    totalSteps: o.steps,
  });
  const losses: number[] = [];
  const t0 = performance.now();
  const next = minibatches(rng, B, o.batchSize);
  try {
    for (let step = 0; step < o.steps; step++) {
      const idx = next();
      const x = featureTensor(rows, idx);
      const y = rowsTensor(targets, idx);
      const c = condition ? rowsTensor(condition, idx) : undefined;
      const w = weights ? rowsTensor(weights, idx) : undefined;
      try {
        const { loss, grads } = computeGradients(head.params, () =>
          batchLoss(o.loss, head.forward(x, c), y, w),
        );
        const value = loss.dataSync()[0];
        loss.dispose();
        applyUpdate(opt, grads, { lr: schedule(step), clipNorm: o.clipNorm });
        losses.push(value);
        onStep?.(step, value);
      } finally {
        tf.dispose([x, y, ...(c ? [c] : []), ...(w ? [w] : [])]);
      }
    }
  } finally {
    opt.dispose();
  }
  return { losses, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Runs a head over features in batches.
 * @param features `[B, N, D]` (`[B, L, N, D]` for `mlap`), in memory or read on demand.
 * @returns `[B, R, O]` float32 outputs (logits for classification heads).
 */
export function predictProbe(
  head: ProbeHead,
  features: Features,
  options: { batchSize?: number; condition?: ArrayWithShape } = {},
): ArrayWithShape {
  const rows = featureRows(features);
  const B = rows.shape[0];
  const bs = options.batchSize ?? 64;
  const R = head.outputRows;
  const O = head.config.outputs;
  const out = new Float32Array(B * R * O);
  for (let s = 0; s < B; s += bs) {
    const idx = Array.from({ length: Math.min(bs, B - s) }, (_, k) => s + k);
    const y = tf.tidy(() => {
      const x = featureTensor(rows, idx);
      const c = options.condition ? rowsTensor(options.condition, idx) : undefined;
      return head.forward(x, c);
    });
    out.set(y.dataSync() as Float32Array, s * R * O);
    y.dispose();
  }
  return { data: out, shape: [B, R, O] };
}
