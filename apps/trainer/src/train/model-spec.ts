import { decodeVariant, type MaeDecoderConfigInput, type VitConfig } from '@vfmkit/vit-encoder';
import type { TrainConfig } from '../config/schema';
import type { MaeModelSpec } from '../recipes/mae-model';

/**
 * The encoder of a run: the named variant (with any explicit sizes) at the run's clip size and
 * tubelet; `frames` replaces the clip length (joint-embedding views are shorter than their source).
 */
export function encoderConfigOf(config: TrainConfig, frames = config.frames): VitConfig {
  const patch = Number(/\/(\d+)$/.exec(config.model.variant)?.[1] ?? 16);
  return decodeVariant(config.model.variant, {
    frames,
    imageSize: [config.size, config.size],
    tubelet: [config.model.tubeletFrames, patch, patch],
    dropPath: config.model.dropPath,
    ...sizesOf(config.model),
  });
}

function sizesOf(model: TrainConfig['model']) {
  const { width, depth, heads, mlpDim } = model;
  return Object.fromEntries(
    Object.entries({ width, depth, heads, mlpDim }).filter(([, v]) => v !== undefined),
  );
}

export function maeSpecOf(config: TrainConfig): MaeModelSpec {
  const decoder: MaeDecoderConfigInput = { ...config.decoder, target: 'pixels', normPixels: true };
  return { encoder: encoderConfigOf(config), decoder, seed: config.seed };
}
