import { ConfigError, parseConfig, type TokenGrid, tokenGridOf } from '@vfmkit/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** ImageNet channel statistics, the input normalisation of VideoMAE and most public video ViTs. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet channel standard deviations (see {@link IMAGENET_MEAN}). */
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * The schema of {@link VitConfig}. Every field but the four widths has a default, so
 * `parseVitConfig({ width: 384, depth: 12, heads: 6, mlpDim: 1536 })` is a ViT-S/16 on 16 x 224 x 224.
 */
export const vitConfigSchema = z
  .object({
    /** Token width D. */
    width: positiveInt,
    /** Number of transformer blocks. */
    depth: positiveInt,
    /** Attention heads; must divide `width`. */
    heads: positiveInt,
    /** Hidden size of each block's MLP. */
    mlpDim: positiveInt,
    /** Tubelet `[t, p, p]`: frames and pixels per token along time, height and width. */
    tubelet: z.tuple([positiveInt, positiveInt, positiveInt]).default([2, 16, 16]),
    /** Frames of the training clip. */
    frames: positiveInt.default(16),
    /** `[H, W]` of the training clip. */
    imageSize: z.tuple([positiveInt, positiveInt]).default([224, 224]),
    /** Input channels (3 for RGB). */
    channels: positiveInt.default(3),
    /**
     * Positional embedding: `learned` (one `[N, D]` table), `sincos` (VideoMAE's fixed 1-D sinusoid over
     * the flattened t-major token index; no parameters), `separable` (learned `[T', D]` time table plus
     * `[H' * W', D]` space table, summed). All are defined on the training grid and interpolated
     * (trilinearly; per axis for `separable`) when a clip's grid differs.
     */
    posEmbed: z.enum(['learned', 'sincos', 'separable']).default('learned'),
    /** Bias on the q/k/v projection. */
    qkvBias: z.boolean().default(true),
    /** Stochastic depth rate at the last block (linearly increasing from 0 at the first); training only. */
    dropPath: z.number().min(0).max(1).default(0),
    /** Layer norm epsilon (VideoMAE's code: 1e-6; Hugging Face's VideoMAE config default: 1e-12). */
    layerNormEps: z.number().positive().default(1e-6),
    /**
     * Epsilon of the pooled norm (`fc_norm`, with `finalNorm` `pooled`); unset = `layerNormEps`. Hugging
     * Face's VideoMAE builds `fc_norm` with PyTorch's default 1e-5 whatever its `layer_norm_eps`.
     */
    pooledNormEps: z.number().positive().optional(),
    /** 0-based block indices whose outputs (`[B, N, D]`, before the final norm) are exposed as intermediates. */
    exposeLayers: z.array(z.number().int().nonnegative()).default([]),
    /**
     * Where the final layer norm sits: `tokens` (on every output token; pooled = mean of normed tokens),
     * `pooled` (VideoMAE `use_mean_pooling`: tokens are left raw, pooled = norm(mean(tokens))), `none`.
     */
    finalNorm: z.enum(['tokens', 'pooled', 'none']).default('tokens'),
    /** Classes of an optional linear head on the pooled embedding (0 = no head). */
    numClasses: z.number().int().nonnegative().default(0),
    /** Per-channel mean subtracted from `[0, 1]` pixels inside the model. */
    pixelMean: z.array(z.number()).default([...IMAGENET_MEAN]),
    /** Per-channel standard deviation that pixels are divided by inside the model. */
    pixelStd: z.array(z.number().positive()).default([...IMAGENET_STD]),
  })
  .strict();

/** A video ViT, fully specified (what {@link parseVitConfig} returns). */
export type VitConfig = z.output<typeof vitConfigSchema>;
/** What {@link parseVitConfig} accepts: the four sizes plus any overrides of the defaults. */
export type VitConfigInput = z.input<typeof vitConfigSchema>;

/**
 * Validates a config and fills in defaults.
 * @throws ConfigError naming the first offending key (`heads` not dividing `width`, a clip size that
 * is not a multiple of the tubelet, an exposed layer beyond `depth`, ...).
 */
export function parseVitConfig(input: VitConfigInput): VitConfig {
  const c = parseConfig(vitConfigSchema, input, 'ViT config');
  if (c.width % c.heads !== 0) {
    throw new ConfigError(`width ${c.width} is not divisible by heads ${c.heads}`, {
      key: 'heads',
      value: c.heads,
    });
  }
  tokenGridOf([c.frames, c.imageSize[0], c.imageSize[1]], c.tubelet);
  for (const layer of c.exposeLayers) {
    if (layer >= c.depth) {
      throw new ConfigError(`exposed layer ${layer} is beyond depth ${c.depth}`, {
        key: 'exposeLayers',
        value: layer,
      });
    }
  }
  if (c.pixelMean.length !== c.channels || c.pixelStd.length !== c.channels) {
    throw new ConfigError(`pixelMean and pixelStd need ${c.channels} entries (one per channel)`, {
      key: c.pixelMean.length !== c.channels ? 'pixelMean' : 'pixelStd',
    });
  }
  return c;
}

/** The training token grid of a config: `{ t: frames / t, h: H / p, w: W / p }`. */
export function vitTokenGrid(config: VitConfig): TokenGrid {
  return tokenGridOf([config.frames, config.imageSize[0], config.imageSize[1]], config.tubelet);
}

/** Values per token of the patch embedding's input: `t * p * p * channels`. */
export function patchDim(config: VitConfig): number {
  return config.tubelet[0] * config.tubelet[1] * config.tubelet[2] * config.channels;
}
