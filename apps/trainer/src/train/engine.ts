import type { Tensor } from '@vfmkit/core';
import {
  AdamW,
  assignParams,
  type Batch,
  paramsToTensors,
  type StepResult,
  type TrainableModel,
  trainStep,
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
  /** One optimizer step on `batch` at learning rate `lr`: the batch loss, gradient norm and statistics. */
  step(batch: Batch, lr: number): Promise<StepResult>;
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
 * In-thread training: nn's `trainStep`, with `config.accumulate` micro-batches per optimizer step
 * (gradient accumulation: the same update as one step on the whole batch, to fp32 rounding).
 */
export function singleEngine(model: TrainableModel, config: TrainConfig): TrainEngine {
  const optimizer = new AdamW(model.params, adamwConfig(config));
  return {
    kind: 'single',
    async step(batch, lr) {
      return trainStep(model, batch, optimizer, {
        lr,
        clipNorm: config.optim.clipNorm,
        microBatches: config.accumulate,
      });
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
