import { ConfigError, tokenCount } from '@vfmkit/core';
import { bottleneckAdapterCost, encoderCost, loraCost, type ModuleCost } from '@vfmkit/videoglue-score';
import { type VitConfig, vitShapeOf, vitTokenGrid } from '@vfmkit/vit-encoder';
import type { ProbeCost, ProbeHead } from '../heads/probe-head';
import type { BackboneAdaptation } from './adapt-backbone';
import {
  type AdaptationConfig,
  type AdaptationConfigInput,
  type BackboneAdaptationConfig,
  parseBackboneAdaptation,
} from './config';

/** Rows of the encoder's learned positional tables: N (`learned`), T' + H'W' (`separable`), 0 (`sincos`). */
function positionRows(config: VitConfig): number {
  const grid = vitTokenGrid(config);
  if (config.posEmbed === 'learned') return tokenCount(grid);
  if (config.posEmbed === 'separable') return grid.t + grid.h * grid.w;
  return 0;
}

/**
 * Parameters and forward MACs of the whole encoder (`@vfmkit/videoglue-score`'s `encoderCost` over
 * `tokens` tokens, plus the optional class head of the config, which a finetune also trains).
 */
function fullEncoderCost(config: VitConfig, tokens: number): ModuleCost {
  const base = encoderCost(vitShapeOf(config), tokens, { posEmbedTokens: positionRows(config) });
  if (config.numClasses === 0) return base;
  const C = config.numClasses;
  const macs = base.macs + config.width * C;
  return { params: base.params + config.width * C + C, macs, gflops: (2 * macs) / 1e9 };
}

/**
 * Costs of a backbone adaptation plus its head, VideoGLUE style (2 FLOPs per multiply-accumulate, per
 * clip), from `@vfmkit/videoglue-score`'s cost model:
 * - `adapter`, kind `lora`: `loraCost` on the placement (`r (in + out)` parameters per adapted matrix);
 * - `adapter`, kind `bottleneck`: `bottleneckAdapterCost` (one adapter with biases per block);
 * - `e2e`: `encoderCost` (every encoder weight trains).
 * `trainableParams` = adapter (or encoder) parameters + head parameters; `trainableGflops` = forward
 * GFLOPs of the trained part (adapters + head, or encoder + head); `inferenceGflops` = encoder +
 * adapters + head (LoRA is counted unmerged, as VideoGLUE's `adaptationCosts` counts adapters).
 *
 * @param adaptation the input given to `adaptBackbone`, or what it returned.
 * @param tokens tokens per clip the encoder processes (default: the head's `tokens`).
 * @throws ConfigError for a bad adaptation or token count.
 */
export function adaptedCost(
  config: VitConfig,
  adaptation: AdaptationConfigInput | AdaptationConfig | BackboneAdaptation,
  head: ProbeHead,
  options: { tokens?: number } = {},
): ProbeCost {
  const a: BackboneAdaptationConfig =
    'config' in adaptation ? adaptation.config : parseBackboneAdaptation(adaptation);
  const tokens = options.tokens ?? head.config.tokens;
  if (!Number.isInteger(tokens) || tokens <= 0)
    throw new ConfigError(`tokens must be a positive integer, got ${tokens}`, {
      key: 'tokens',
      value: tokens,
    });
  const encoder = fullEncoderCost(config, tokens);
  const headCost = head.cost(0);
  const shape = vitShapeOf(config);
  let trained: ModuleCost;
  let extraInference = 0;
  if (a.method === 'e2e') trained = encoder;
  else {
    trained =
      a.kind === 'lora'
        ? loraCost(shape, { rank: a.rank, tokens, targets: a.placement })
        : bottleneckAdapterCost(shape, { rank: a.rank, tokens });
    extraInference = trained.gflops;
  }
  return {
    trainableParams: trained.params + headCost.trainableParams,
    trainableGflops: trained.gflops + headCost.trainableGflops,
    inferenceGflops: encoder.gflops + extraInference + headCost.trainableGflops,
  };
}
