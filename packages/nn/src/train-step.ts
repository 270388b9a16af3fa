import type { AdamW } from './adamw';
import { tf } from './backend';
import { shardBatch } from './data-parallel';
import { ParamError } from './errors';
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

/** What `loss()` is told about the step it computes. */
export interface StepContext {
  /** Optimizer steps completed before this one. */
  readonly step: number;
  /** Data-parallel worker index (0 in a single thread). */
  readonly worker: number;
  /**
   * Records a statistic of this (micro-)batch (a mean over its rows) under a name the model declared
   * in {@link TrainableModel.stats}; the value is copied at once.
   */
  record(name: string, value: tf.Tensor): void;
}

/** What `afterStep()` gets: the step just taken and the recorded statistics' batch means. */
export interface AfterStepContext {
  /** Optimizer steps completed, this one included. */
  readonly step: number;
  /**
   * Each declared statistic averaged over the whole batch (micro-batches and data-parallel shards
   * weighted by their size), so every worker sees the same values.
   */
  readonly stats: ReadonlyMap<string, tf.Tensor>;
}

/** What a model module gives the trainer: parameters, and a loss over a batch of tensors. */
export interface TrainableModel {
  /**
   * Every variable of the model. Non-trainable ones (`tf.variable(x, false)`: momentum targets,
   * running centers) get no gradient but are checkpointed and copied to workers like weights.
   */
  readonly params: Params;
  /** Mean loss over the batch (so shard losses average to the batch loss). Must return a scalar. */
  loss(batch: Record<string, tf.Tensor>, context: StepContext): tf.Scalar;
  /** Shapes of the statistics `loss()` records, by name (e.g. DINO's teacher mean, `[K]`). */
  readonly stats?: Readonly<Record<string, readonly number[]>>;
  /**
   * Non-gradient state updates after every optimizer update (EMA targets, DINO's center), run in
   * every data-parallel worker with the same inputs, so the workers stay identical.
   */
  afterStep?(context: AfterStepContext): void;
}

/** Collects the statistics recorded by `loss()` across micro-batches or shards. */
export class StatsRecorder {
  private readonly sums = new Map<string, Float64Array>();

  constructor(private readonly shapes: Readonly<Record<string, readonly number[]>> = {}) {}

  /** A {@link StepContext.record} for one (micro-)batch whose statistics count with `weight`. */
  recorder(weight: number): (name: string, value: tf.Tensor) => void {
    return (name, value) => {
      const shape = this.shapes[name];
      if (!shape)
        throw new ParamError(`loss() recorded "${name}", which the model does not declare in stats`, {
          name,
        });
      const size = shape.reduce((a, b) => a * b, 1);
      if (value.size !== size)
        throw new ParamError(`stat "${name}" has ${value.size} values, declared shape [${shape}]`, { name });
      const data = value.dataSync();
      const sum = this.sums.get(name) ?? new Float64Array(size);
      for (let i = 0; i < size; i++) sum[i] += weight * data[i];
      this.sums.set(name, sum);
    };
  }

  /** The weighted sums as tensors of the declared shapes (the caller disposes them). */
  tensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [name, sum] of this.sums)
      out.set(name, tf.tensor(Float32Array.from(sum), [...(this.shapes[name] as number[])]));
    return out;
  }
}

/** The result of one training step. */
export interface StepResult {
  /** The batch loss (micro-batches and shards weighted by size). */
  readonly loss: number;
  /** The global gradient norm before clipping. */
  readonly gradNorm: number;
  /** The batch means of the statistics `loss()` recorded (e.g. for logs and collapse checks). */
  readonly stats: Readonly<Record<string, number[]>>;
}

/** Runs the model's `afterStep` with `stats`, then disposes them; returns their values. */
export function runAfterStep(
  model: TrainableModel,
  step: number,
  stats: Map<string, tf.Tensor>,
): Record<string, number[]> {
  const values: Record<string, number[]> = {};
  try {
    for (const [name, t] of stats) values[name] = Array.from(t.dataSync());
    model.afterStep?.({ step, stats });
  } finally {
    for (const t of stats.values()) t.dispose();
  }
  return values;
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
 * @returns the batch loss, the gradient norm before clipping and the recorded statistics' batch means.
 */
export function trainStep(
  model: TrainableModel,
  batch: Batch,
  optimizer: AdamW,
  options: UpdateOptions & { step?: number; microBatches?: number } = {},
): StepResult {
  const step = options.step ?? optimizer.t;
  const { shards, sizes } = shardBatch(batch, options.microBatches ?? 1);
  const total = sizes.reduce((a, b) => a + b, 0);
  const stats = new StatsRecorder(model.stats);
  const acc = shards.length > 1 ? new GradientAccumulator() : null;
  let loss = 0;
  let grads: Grads | null = null;
  for (const [i, shard] of shards.entries()) {
    if (!shard) continue;
    const tensors = batchToTensors(shard);
    const record = stats.recorder(sizes[i] / total);
    try {
      const out = computeGradients(model.params, () => model.loss(tensors, { step, worker: 0, record }));
      loss += ((out.loss.arraySync() as number) * sizes[i]) / total;
      out.loss.dispose();
      if (acc) acc.add(out.grads, sizes[i]);
      else grads = out.grads;
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }
  const gradNorm = applyUpdate(optimizer, acc ? acc.mean() : (grads as Grads), options);
  return { loss, gradNorm, stats: runAfterStep(model, step + 1, stats.tensors()) };
}
