import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();

/**
 * The schema of {@link TextEncoderConfig}: a bidirectional pre-norm text transformer (VideoPrism's text
 * tower, scaled down). `vocabSize` comes from the tokenizer (`TextTokenizer.vocabSize`).
 */
export const TextEncoderConfigSchema = z
  .object({
    /** Token ids lie in `[0, vocabSize)`. */
    vocabSize: positiveInt,
    /** Learned positions: sequences are at most this long (the tokenizer pads/truncates to it). */
    maxLength: positiveInt,
    /** Token width D. */
    width: positiveInt,
    /** Number of transformer blocks. */
    depth: positiveInt,
    /** Attention heads; must divide `width`. */
    heads: positiveInt,
    /** Hidden size of each block's MLP is `round(width * mlpRatio)`. */
    mlpRatio: z.number().positive().default(4),
    /** Width of the output embedding (the shared video-text space). */
    embedDim: positiveInt,
    /**
     * How the final tokens become one vector: `mean` (mean over the real tokens, mask = 1) or `first`
     * (the first token, e.g. `[CLS]`).
     */
    pooling: z.enum(['mean', 'first']).default('mean'),
  })
  .strict();

/** A text encoder, fully specified (what {@link parseTextEncoderConfig} returns). */
export type TextEncoderConfig = z.output<typeof TextEncoderConfigSchema>;
/** What {@link parseTextEncoderConfig} accepts (`mlpRatio` and `pooling` have defaults). */
export type TextEncoderConfigInput = z.input<typeof TextEncoderConfigSchema>;

/**
 * Validates a text encoder config and fills in defaults.
 * @throws ConfigError naming the offending key (`heads` not dividing `width`, a non-positive size, ...).
 */
export function parseTextEncoderConfig(input: TextEncoderConfigInput): TextEncoderConfig {
  const c = parseConfig(TextEncoderConfigSchema, input, 'text encoder config');
  if (c.width % c.heads !== 0) {
    throw new ConfigError(`text encoder: width ${c.width} is not divisible by heads ${c.heads}`, {
      key: 'heads',
      width: c.width,
      heads: c.heads,
    });
  }
  return c;
}

/** Hidden width of the text encoder's MLPs. */
export function textMlpDim(config: TextEncoderConfig): number {
  return Math.round(config.width * config.mlpRatio);
}
