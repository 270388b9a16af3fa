import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * The schema of {@link MaeDecoderConfig}: the MAE decoder that reconstructs masked tokens from the
 * encoder's visible tokens (VideoMAE: depth 4, width 192 for S, 384 for B, 512 for L, 640 for H).
 */
export const maeDecoderSchema = z
  .object({
    width: positiveInt,
    depth: positiveInt,
    heads: positiveInt,
    /** MLP hidden size; defaults to 4 x width. */
    mlpDim: positiveInt.optional(),
    /** Decoder positional embedding over the full token grid (VideoMAE: fixed `sincos`). */
    posEmbed: z.enum(['learned', 'sincos']).default('sincos'),
    /**
     * Targets: `pixels` (each tubelet's pixels, normalised per patch when `normPixels`; mean squared error),
     * `tokens` (ids from a video tokenizer; cross-entropy over `vocabSize`) or `bits` (ids of a
     * `bits`-bit LFQ tokenizer, bit i = `(id >> i) & 1`; binary cross-entropy per bit).
     */
    target: z.enum(['pixels', 'tokens', 'bits']).default('pixels'),
    /** Vocabulary size for `target: 'tokens'`. */
    vocabSize: positiveInt.optional(),
    /** Bits per id for `target: 'bits'` (an LFQ code dimension; ids must fit int32). */
    bits: positiveInt.max(31).optional(),
    /** Normalise pixel targets per patch: (x - mean) / sqrt(var + 1e-6) (MAE, VideoMAE). */
    normPixels: z.boolean().default(true),
    layerNormEps: z.number().positive().default(1e-6),
  })
  .strict();

/** An MAE decoder, fully specified (`mlpDim` resolved). */
export type MaeDecoderConfig = Omit<z.output<typeof maeDecoderSchema>, 'mlpDim'> & { mlpDim: number };
export type MaeDecoderConfigInput = z.input<typeof maeDecoderSchema>;

/**
 * Validates an MAE decoder config.
 * @throws ConfigError naming the offending key (`vocabSize` missing for token targets, `bits` for bit targets, heads not dividing width).
 */
export function parseMaeDecoderConfig(input: MaeDecoderConfigInput): MaeDecoderConfig {
  const c = parseConfig(maeDecoderSchema, input, 'MAE decoder config');
  if (c.width % c.heads !== 0) {
    throw new ConfigError(`decoder width ${c.width} is not divisible by heads ${c.heads}`, { key: 'heads' });
  }
  if (c.target === 'tokens' && c.vocabSize === undefined) {
    throw new ConfigError('token targets need vocabSize', { key: 'vocabSize' });
  }
  if (c.target === 'bits' && c.bits === undefined) {
    throw new ConfigError('bit targets need bits', { key: 'bits' });
  }
  return { ...c, mlpDim: c.mlpDim ?? 4 * c.width };
}
