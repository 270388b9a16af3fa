import type { Tensor } from '@vfmkit/core';
import {
  AdamW,
  applyUpdate,
  assignParams,
  type Batch,
  batchToTensors,
  computeGradients,
  GradientAccumulator,
  paramsToTensors,
  shardBatch,
  type TrainableModel,
} from '@vfmkit/nn';
import type { TrainConfig } from '../config/schema';

/** Optimizer state as plain arrays (AdamW moments by name, and its step count). */
export interface OptimizerState {
  readonly t: number;
  readonly tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
}

/**
 * What the training loop drives: one optimizer step per call, in this thread or across
 * data-parallel workers; weights and optimizer state in and out for checkpoints.
 */
export interface TrainEngine {
  readonly kind: 'single' | 'data-parallel';
  /** One optimizer step on `batch` at learning rate `lr`; returns the batch loss and gradient norm. */
  step(batch: Batch, lr: number): Promise<{ loss: number; gradNorm: number }>;
  params(): Promise<Map<string, Tensor>>;
  setParams(tensors: ReadonlyMap<string, Tensor>): Promise<void>;
  optimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState): Promise<void>;
  close(): Promise<void>;
}

function adamwConfig(config: TrainConfig) {
  const o = config.optim;
  return { lr: o.lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay };
}

/**
 * In-thread training with gradient accumulation: the batch is cut into `accumulate` micro-batches
 * along dim 0, gradients are averaged weighted by micro-batch size, then one AdamW update is applied
 * (the same update as one step on the whole batch, to fp32 rounding).
 */
export function singleEngine(model: TrainableModel, config: TrainConfig): TrainEngine {
  const optimizer = new AdamW(model.params, adamwConfig(config));
  return {
    kind: 'single',
    async step(batch, lr) {
      const { shards, sizes } = shardBatch(batch, config.accumulate);
      const total = sizes.reduce((a, b) => a + b, 0);
      const acc = new GradientAccumulator();
      let loss = 0;
      shards.forEach((shard, i) => {
        if (!shard) return;
        const tensors = batchToTensors(shard);
        try {
          const out = computeGradients(model.params, () =>
            model.loss(tensors, { step: optimizer.t, worker: 0 }),
          );
          loss += ((out.loss.dataSync()[0] as number) * sizes[i]) / total;
          out.loss.dispose();
          acc.add(out.grads, sizes[i]);
        } finally {
          for (const t of Object.values(tensors)) t.dispose();
        }
      });
      const gradNorm = applyUpdate(optimizer, acc.mean(), { lr, clipNorm: config.optim.clipNorm });
      return { loss, gradNorm };
    },
    params: () => paramsToTensors(model.params),
    async setParams(tensors) {
      assignParams(model.params, tensors, { strict: true });
    },
    optimizerState: () => optimizer.state(),
    async setOptimizerState(state) {
      optimizer.setState(state);
    },
    async close() {
      optimizer.dispose();
    },
  };
}
