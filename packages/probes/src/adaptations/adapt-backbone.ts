import { type SeedOrRng, toRng } from '@vfmkit/core';
import { initBottleneckAdapter, initLora, paramCount, setTrainable } from '@vfmkit/nn';
import type { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { ProbeError } from '../errors';
import {
  type AdaptationConfig,
  type AdaptationConfigInput,
  type AdapterTarget,
  type BackboneAdaptationConfig,
  parseBackboneAdaptation,
} from './config';

/** The linear layer a LoRA target names inside block `i` (timm names, as `@vfmkit/nn`'s block). */
const TARGET_LAYER: Record<AdapterTarget, string> = {
  qkv: 'attn.qkv',
  proj: 'attn.proj',
  fc1: 'mlp.fc1',
  fc2: 'mlp.fc2',
};

/** True for the names of adapter weights: LoRA `*.lora_A.weight` / `*.lora_B.weight`, bottleneck `blocks.i.adapter.*`. */
export function isAdapterParam(name: string): boolean {
  return /\.lora_[AB]\.weight$/.test(name) || /^blocks\.\d+\.adapter\./.test(name);
}

/** What {@link adaptBackbone} did to a model. */
export interface BackboneAdaptation {
  /** The resolved adaptation. */
  readonly config: BackboneAdaptationConfig;
  /** Names of the weights it added to `model.params`, in order (empty for `e2e`). */
  readonly adapterNames: readonly string[];
  /** Names of the encoder weights that now train (adapters only, or every weight for `e2e`). */
  readonly trainableNames: readonly string[];
  /** Scalars in {@link trainableNames} (the encoder's share of the trainable parameters). */
  readonly trainableParams: number;
}

/**
 * Prepares a tfjs ViT for training inside the backbone:
 * - `adapter` of kind `lora`: adds `blocks.i.<layer>.lora_A.weight` `[R, IN]` (Kaiming-uniform) and `lora_B.weight`
 *   `[OUT, R]` (zeros) to each placed layer of every block through `@vfmkit/nn`'s `initLora`; nn's
 *   `dense` applies them, so the model's output is unchanged until training moves `B`;
 * - `adapter` of kind `bottleneck`: adds `blocks.i.adapter.{down,up}` (`up` zero, so it starts as the identity), which
 *   nn's `transformerBlock` applies to the MLP branch;
 * - `e2e`: adds nothing.
 * Then marks the adapters trainable and every original weight frozen (`adapter`), or every weight
 * trainable (`e2e`). Mutates `model.params` in place.
 *
 * @param seed seeds the LoRA `A` and bottleneck `down` initialisations (same seed, same weights).
 * @throws ConfigError for a bad adaptation or a frozen-feature method (see `parseBackboneAdaptation`); ProbeError (`what: 'model'`)
 *   when the model already carries adapters, (`what: 'rank'`) for a rank above the layer width.
 */
export function adaptBackbone(
  model: VitModel,
  adaptation: AdaptationConfigInput | AdaptationConfig,
  seed: SeedOrRng,
): BackboneAdaptation {
  const config = parseBackboneAdaptation(adaptation);
  const existing = [...model.params.keys()].filter(isAdapterParam);
  if (existing.length > 0)
    throw new ProbeError(`the model is already adapted (it holds ${existing[0]}, ...)`, {
      what: 'model',
      adapters: existing.length,
    });
  const { width, depth, mlpDim } = model.config;
  if (config.method === 'adapter') {
    const limit = config.kind === 'bottleneck' ? width : Math.min(width, mlpDim);
    if (config.rank > limit)
      throw new ProbeError(`rank ${config.rank} exceeds the adapted width ${limit}`, {
        what: 'rank',
        rank: config.rank,
        width: limit,
      });
  }
  const before = new Set(model.params.keys());
  const rng = toRng(seed);
  for (let i = 0; config.method === 'adapter' && i < depth; i++) {
    if (config.kind === 'bottleneck')
      initBottleneckAdapter(model.params, `blocks.${i}.adapter`, width, config.rank, rng.fork());
    for (const target of config.placement)
      initLora(
        model.params,
        `blocks.${i}.${TARGET_LAYER[target]}`,
        { rank: config.rank, alpha: config.alpha },
        rng.fork(),
      );
  }
  const adapterNames = [...model.params.keys()].filter((n) => !before.has(n));
  const trains = config.method === 'e2e' ? () => true : isAdapterParam;
  setTrainable(model.params, trains);
  return {
    config,
    adapterNames,
    trainableNames: [...model.params.keys()].filter(trains),
    trainableParams: paramCount(model.params, trains),
  };
}
