import { ConfigError } from '@vfmkit/core';
import { DataParallel } from '@vfmkit/nn';
import type { TrainConfig } from '../config/schema';
import type { Recipe } from '../recipes/recipe';
import type { TrainEngine } from './engine';

/**
 * Training across `config.workers` worker threads (one tfjs backend each, each building the
 * recipe's model from `spec`): every step shards the batch along dim 0 and applies the averaged
 * gradients, so a step equals the single-thread step on the whole batch to fp32 rounding.
 * @throws ConfigError when combined with gradient accumulation (use a larger batch instead).
 */
export async function dataParallelEngine(
  recipe: Recipe,
  spec: unknown,
  config: TrainConfig,
): Promise<TrainEngine> {
  if (config.accumulate > 1) {
    throw new ConfigError(
      'accumulate > 1 with workers > 1 is not supported: raise batchSize instead (workers already split it)',
      {
        key: 'accumulate',
      },
    );
  }
  const o = config.optim;
  const dp = await DataParallel.create({
    module: recipe.modelModule,
    config: spec,
    workers: config.workers,
    optimizer: { lr: o.lr, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay },
    clipNorm: o.clipNorm,
  });
  return {
    kind: 'data-parallel',
    step: (batch, lr) => dp.step(batch, { lr }),
    params: () => dp.getParams(),
    setParams: (tensors) => dp.setParams(tensors),
    optimizerState: () => dp.optimizerState(),
    setOptimizerState: (state) => dp.setOptimizerState(state),
    close: () => dp.close(),
  };
}
