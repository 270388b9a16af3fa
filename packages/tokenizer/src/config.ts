import { ConfigError, parseConfig, type TokenGrid, tokenCount } from '@vfmkit/core';
import { z } from 'zod';
import { fsqCodebookSize } from './fsq';
import { latentGrid } from './latent-grid';
import { lfqCodebookSize } from './lfq';

const positiveInt = z.number().int().positive();
const powerOfTwo = positiveInt.refine((v) => (v & (v - 1)) === 0, 'must be a power of two');

/** Finite scalar quantization (FSQ): one bounded, rounded scalar per code dimension. */
export const fsqSchema = z
  .object({
    kind: z.literal('fsq'),
    /** Levels per code dimension; codebook = product. [8, 8, 8, 5, 5, 5] gives 64,000 codes (FSQ paper). */
    levels: z.array(positiveInt).min(1).default([8, 8, 8, 5, 5, 5]),
  })
  .strict();

/** Lookup-free quantization (LFQ, MAGVIT-v2): one sign bit per code dimension; codebook 2^bits. */
export const lfqSchema = z
  .object({
    kind: z.literal('lfq'),
    /** Code dimension d; codebook 2^d. The entropy loss enumerates the codebook: keep d <= ~14. */
    bits: positiveInt.default(10),
    /** Weight of the entropy loss `E[H(p(z))] - gamma H(E[p(z)])` (vector-quantize-pytorch default 0.1). */
    entropyWeight: z.number().nonnegative().default(0.1),
    /** `gamma`, the weight of the batch entropy inside the entropy loss (default 1). */
    gamma: z.number().nonnegative().default(1),
    /** Weight of the commitment loss `mean((z - sg(q))^2)` (default 0.25). */
    commitWeight: z.number().nonnegative().default(0.25),
    /** Softmax temperature of `p(code | z) ~ exp(-||z - code||^2 / temperature)` (default 0.01). */
    temperature: z.number().positive().default(0.01),
  })
  .strict();

/**
 * The schema of {@link TokenizerConfig}. Every field has a default: `parseTokenizerConfig({})` is a
 * tokenizer for 16 x 224 x 224 clips whose latent tokens cover 2 x 16 x 16 tubelets, the default
 * tubelet of `@vfmkit/vit-encoder`, so the tokenizer's grid and the ViT's grid line up (LVMAE).
 */
export const tokenizerConfigSchema = z
  .object({
    /** Frames of the training clip. */
    frames: positiveInt.default(16),
    /** `[H, W]` of the training clip. */
    imageSize: z.tuple([positiveInt, positiveInt]).default([224, 224]),
    /** Input channels (3 for RGB). */
    channels: positiveInt.default(3),
    /**
     * Downsampling `[ft, fh, fw]` (powers of two): one latent token covers an `ft x fh x fw` tubelet.
     * Match the ViT's tubelet. Each encoder stage halves every axis that still has a factor left.
     */
    downsample: z.tuple([powerOfTwo, powerOfTwo, powerOfTwo]).default([2, 16, 16]),
    /**
     * Channels per resolution level, `stages + 1` entries (`stages = log2(max(downsample))`); default
     * `baseWidth * min(2^level, 4)`.
     */
    widths: z.array(positiveInt).optional(),
    /** Channels of the first level when `widths` is not given. */
    baseWidth: positiveInt.default(32),
    /**
     * Residual blocks (two 3x3x3 convolutions each) per resolution level, in encoder and decoder: one
     * number for every level, or one entry per level (`stages + 1`, full resolution first).
     */
    resBlocks: z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]).default(1),
    /** The quantizer. */
    quantizer: z.discriminatedUnion('kind', [fsqSchema, lfqSchema]).default({
      kind: 'fsq',
      levels: [8, 8, 8, 5, 5, 5],
    }),
    /** Priority scorer: a 3x3x3 CNN over the quantized latents, one score per token. */
    scorer: z
      .object({
        /** Hidden channels. */
        width: positiveInt.default(32),
        /** Hidden 3x3x3 convolutions (then a 1x1x1 to one score). */
        layers: positiveInt.default(2),
      })
      .strict()
      .default({ width: 32, layers: 2 }),
    /** Fraction of latent tokens kept at the budget (k = max(1, round(budget * N))). */
    budget: z.number().gt(0).max(1).default(0.25),
    /** Perturbed-optimizer top-k (Berthet et al. 2020): Monte-Carlo samples and Gaussian noise scale. */
    topk: z
      .object({ samples: positiveInt.default(16), sigma: z.number().positive().default(0.5) })
      .strict()
      .default({ samples: 16, sigma: 0.5 }),
    /** Loss weights: squared error at the full token set and at the budget, plus an optional L1 term. */
    loss: z
      .object({
        full: z.number().nonnegative().default(1),
        budget: z.number().nonnegative().default(1),
        l1: z.number().nonnegative().default(0),
      })
      .strict()
      .default({ full: 1, budget: 1, l1: 0 }),
  })
  .strict();

/** A tokenizer, fully specified (what {@link parseTokenizerConfig} returns). */
export type TokenizerConfig = Omit<z.output<typeof tokenizerConfigSchema>, 'widths' | 'resBlocks'> & {
  readonly widths: number[];
  /** Residual blocks per level (`stages + 1` entries). */
  readonly resBlocks: number[];
};
/** What {@link parseTokenizerConfig} accepts. */
export type TokenizerConfigInput = z.input<typeof tokenizerConfigSchema>;

/** Number of encoder stages: `log2(max(downsample))`. */
export function stageCount(downsample: readonly [number, number, number]): number {
  return Math.round(Math.log2(Math.max(...downsample)));
}

/**
 * The per-stage downsampling factors `[st, sh, sw]` (each 1 or 2): stage s halves an axis while
 * `s < log2(factor)` on it, so early stages downsample all axes and time stops first.
 */
export function stageFactors(downsample: readonly [number, number, number]): [number, number, number][] {
  const logs = downsample.map((f) => Math.round(Math.log2(f)));
  return Array.from({ length: stageCount(downsample) }, (_, s) => logs.map((l) => (s < l ? 2 : 1))) as [
    number,
    number,
    number,
  ][];
}

/**
 * Validates a config and fills in defaults.
 * @throws ConfigError naming the first offending key; CodebookOverflowError for a codebook beyond int32;
 * ClipSizeError when the clip is not a multiple of the downsampling.
 */
export function parseTokenizerConfig(input: TokenizerConfigInput | TokenizerConfig = {}): TokenizerConfig {
  const c = parseConfig(tokenizerConfigSchema, input, 'tokenizer config');
  const levels = stageCount(c.downsample) + 1;
  const widths = c.widths ?? Array.from({ length: levels }, (_, i) => c.baseWidth * Math.min(2 ** i, 4));
  if (widths.length !== levels)
    throw new ConfigError(
      `widths needs ${levels} entries (one per resolution level for downsampling [${c.downsample}]), got ${widths.length}`,
      { key: 'widths', value: widths },
    );
  const resBlocks = typeof c.resBlocks === 'number' ? widths.map(() => c.resBlocks as number) : c.resBlocks;
  if (resBlocks.length !== levels)
    throw new ConfigError(
      `resBlocks needs ${levels} entries (one per resolution level), got ${resBlocks.length}`,
      {
        key: 'resBlocks',
        value: resBlocks,
      },
    );
  codebookSize(c);
  latentGrid([c.frames, c.imageSize[0], c.imageSize[1]], c.downsample);
  return { ...c, widths, resBlocks };
}

/** Code dimension d: `levels.length` for FSQ, `bits` for LFQ. */
export function codeDim(config: Pick<TokenizerConfig, 'quantizer'>): number {
  const q = config.quantizer;
  return q.kind === 'fsq' ? q.levels.length : q.bits;
}

/** Codebook size: `prod(levels)` for FSQ, `2^bits` for LFQ. */
export function codebookSize(config: Pick<TokenizerConfig, 'quantizer'>): number {
  const q = config.quantizer;
  return q.kind === 'fsq' ? fsqCodebookSize(q.levels) : lfqCodebookSize(q.bits);
}

/** The latent grid of the config's training clip. */
export function tokenizerGrid(config: TokenizerConfig): TokenGrid {
  return latentGrid([config.frames, config.imageSize[0], config.imageSize[1]], config.downsample);
}

/** Tokens kept at the budget for a grid of `n` tokens: `max(1, round(budget * n))`. */
export function budgetTokens(config: Pick<TokenizerConfig, 'budget'>, n: number): number {
  return Math.min(n, Math.max(1, Math.round(config.budget * n)));
}

/** Tokens per clip of the config's training size. */
export function tokensPerClip(config: TokenizerConfig): number {
  return tokenCount(tokenizerGrid(config));
}
