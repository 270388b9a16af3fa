import type { AdamW } from './adamw';
import { tf } from './backend';
import { shardBatch } from './data-parallel';
import {
  clipGlobalNorm,
  computeGradients,
  disposeGrads,
  GradientAccumulator,
  type Grads,
  globalNorm,
} from './gradients';
import type { Params } from './params';

/** A batch: named arrays whose first dimension is the batch (data parallelism shards along it). */
export type Batch = Record<
  string,
  { readonly data: Float32Array | Int32Array; readonly shape: readonly number[] }
>;

/** What a model module gives the trainer: parameters, and a loss over a batch of tensors. */
export interface TrainableModel {
  readonly params: Params;
  /** Mean loss over the batch (so shard losses average to the batch loss). Must return a scalar. */
  loss(batch: Record<string, tf.Tensor>, context: { step: number; worker: number }): tf.Scalar;
}

/** Per-step options shared by single-process and data-parallel training. */
export interface UpdateOptions {
  /** Learning rate for this step (default: the optimizer's `lr`). */
  readonly lr?: number;
  /** Clip the global gradient norm to this value first. */
  readonly clipNorm?: number;
}

/** Turns a {@link Batch} into tensors (`Int32Array` -> int32, otherwise float32). */
export function batchToTensors(batch: Batch): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(batch))
    out[k] = tf.tensor(v.data, [...v.shape], v.data instanceof Int32Array ? 'int32' : 'float32');
  return out;
}

/**
 * Clips (optionally) and applies one optimizer update; disposes `grads`.
 * @returns the global gradient norm before clipping.
 */
export function applyUpdate(optimizer: AdamW, grads: Grads, options: UpdateOptions = {}): number {
  let g = grads;
  let norm: number;
  if (options.clipNorm !== undefined) ({ grads: g, norm } = clipGlobalNorm(grads, options.clipNorm));
  else norm = globalNorm(grads);
  optimizer.step(g, options.lr);
  disposeGrads(g);
  return norm;
}

/**
 * One single-process training step: loss and gradients on `batch`, optional clipping, AdamW update.
 * With `microBatches: m > 1` (gradient accumulation) the batch is cut into `m` contiguous slices
 * along dim 0, their gradients are averaged weighted by slice size, then one update is applied: the
 * same update as one step on the whole batch, to fp32 rounding, at a fraction of the peak memory.
 * No tensor outlives the call.
 * @returns the batch loss and the gradient norm before clipping.
 */
export function trainStep(
  model: TrainableModel,
  batch: Batch,
  optimizer: AdamW,
  options: UpdateOptions & { step?: number; microBatches?: number } = {},
): { loss: number; gradNorm: number } {
  const { shards, sizes } = shardBatch(batch, options.microBatches ?? 1);
  if (shards.length === 1) return microStep(model, batch, optimizer, options);
  const total = sizes.reduce((a, b) => a + b, 0);
  const acc = new GradientAccumulator();
  let loss = 0;
  for (const [i, shard] of shards.entries()) {
    if (!shard) continue;
    const tensors = batchToTensors(shard);
    try {
      const out = computeGradients(model.params, () =>
        model.loss(tensors, { step: options.step ?? optimizer.t, worker: 0 }),
      );
      loss += ((out.loss.arraySync() as number) * sizes[i]) / total;
      out.loss.dispose();
      acc.add(out.grads, sizes[i]);
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }
  return { loss, gradNorm: applyUpdate(optimizer, acc.mean(), options) };
}

function microStep(
  model: TrainableModel,
  batch: Batch,
  optimizer: AdamW,
  options: UpdateOptions & { step?: number },
): { loss: number; gradNorm: number } {
  const tensors = batchToTensors(batch);
  try {
    const { loss, grads } = computeGradients(model.params, () =>
      model.loss(tensors, { step: options.step ?? optimizer.t, worker: 0 }),
    );
    const value = loss.arraySync() as number;
    loss.dispose();
    return { loss: value, gradNorm: applyUpdate(optimizer, grads, options) };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
